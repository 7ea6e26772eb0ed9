"""The notebook API: a workspace's tables as typed GeoDataFrames.

>>> from ceasefire import open_workspace                       # doctest: +SKIP
>>> ws = open_workspace("ceasefire-demo")                      # doctest: +SKIP
>>> ws.incidents(start="2025-04-19", end="2025-04-21", min_confidence=0.5)  # doctest: +SKIP

Each method returns a ``geopandas.GeoDataFrame`` in OGC:CRS84 (lon, lat) with the columns of
the matching export (services/export_columns.py: one definition for both), typed: times
``datetime64[ms, UTC]``, dates ``datetime64`` (day), integers ``Int64`` and booleans
``boolean`` (both nullable), floats ``float64``, text ``object``. ``reports`` adds one column
per key of ``extra`` (ACLED ``fatalities``, UCDP ``best``...). Rows without a location have
an empty geometry (``None``). Reading needs the ``[geo]`` extra (geopandas).

Filters are applied in the store, before anything is loaded: ``bbox`` (minlon, minlat,
maxlon, maxlat), ``start``/``end`` (an ISO date or date-time, a ``date`` or a ``datetime``;
a row matches when its interval overlaps), and per table the fields shown in the signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import pyarrow as pa

from ceasefire.errors import InputError
from ceasefire.formats.geo_writers import GEOMETRY, arrow_schema, record_batches
from ceasefire.services import export
from ceasefire.services.export_columns import (
    FINDING_FIELDS,
    INCIDENT_FIELDS,
    REPORT_FIELDS,
    SNAPSHOT_FIELDS,
    Field,
)
from ceasefire.store.conditions import Between, Ge, In, Le
from ceasefire.workspace import Workspace

if TYPE_CHECKING:
    import geopandas

Moment = str | date | datetime | None
BBox = tuple[float, float, float, float] | None


def _epoch(value: Moment, *, end: bool) -> float | None:
    """Epoch seconds of a moment; a bare date covers its whole UTC day."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError as exc:
            raise InputError(f"not an ISO 8601 date or date-time: {value!r}",
                             field="end" if end else "start") from exc
    if not isinstance(value, datetime):
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return (moment + timedelta(days=1)).timestamp() - 1e-3 if end else moment.timestamp()
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _day(value: Moment) -> str | None:
    if value is None:
        return None
    return (value if isinstance(value, str) else value.isoformat())[:10]


def _many(value: str | Sequence[str] | None) -> In | None:
    if value is None:
        return None
    return In([value] if isinstance(value, str) else list(value))


def _where(*, bbox: BBox = None, start: Moment = None, end: Moment = None,
           **equal: Any) -> dict[str, Any]:
    """A store condition: bbox on lat/lon, the interval overlap on t_start/t_end, and the
    remaining keyword conditions (``None`` ones dropped)."""
    where: dict[str, Any] = {k: v for k, v in equal.items() if v is not None}
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        where["lat"], where["lon"] = Between(miny, maxy), Between(minx, maxx)
    low, high = _epoch(start, end=False), _epoch(end, end=True)
    if low is not None:
        where["t_end"] = Ge(low)
    if high is not None:
        where["t_start"] = Le(high)
    return where


def frame(fields: Sequence[Field], rows: Iterable[Mapping[str, Any]],
          ) -> geopandas.GeoDataFrame:
    """Rows as a typed GeoDataFrame (the exports' Arrow types, nullable in pandas)."""
    import geopandas
    import pandas as pd

    schema = arrow_schema(fields)
    table = pa.Table.from_batches(list(record_batches(fields, rows)), schema=schema)
    nullable = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    data = table.drop_columns([GEOMETRY]).to_pandas(types_mapper=nullable.get)
    for name, kind in fields:
        if kind == "date":
            data[name] = pd.to_datetime(data[name])
    geometry = geopandas.GeoSeries.from_wkb(table.column(GEOMETRY).to_pylist(),
                                            crs="OGC:CRS84")
    return geopandas.GeoDataFrame(data, geometry=geometry, crs="OGC:CRS84")


class NotebookWorkspace:
    """A workspace opened for reading into GeoDataFrames (close it, or use ``with``)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.store = workspace.store

    def incidents(self, *, bbox: BBox = None, start: Moment = None, end: Moment = None,
                  category: str | Sequence[str] | None = None,
                  party: str | Sequence[str] | None = None,
                  min_confidence: float | None = None) -> geopandas.GeoDataFrame:
        """Fused incidents (``ceasefire fuse``); ``party`` is the attributed party."""
        where = _where(bbox=bbox, start=start, end=end, category=_many(category),
                       attributed_party=_many(party))
        if min_confidence is not None:
            where["confidence"] = Ge(min_confidence)
        return frame(INCIDENT_FIELDS, export.iter_incidents(self.store, where))

    def reports(self, *, bbox: BBox = None, start: Moment = None, end: Moment = None,
                source_id: str | Sequence[str] | None = None,
                category: str | Sequence[str] | None = None) -> geopandas.GeoDataFrame:
        """Stored reports, ``observed_at`` the middle of their interval, ``extra`` as columns."""
        where = _where(bbox=bbox, start=start, end=end, source_id=_many(source_id),
                       category=_many(category))
        extra = export.extra_fields(self.store, where)
        return frame((*REPORT_FIELDS, *extra.values()),
                     export.iter_reports(self.store, where, extra))

    def findings(self, *, agreement_id: str | None = None,
                 verdict: str | Sequence[str] | None = None,
                 start: Moment = None, end: Moment = None) -> geopandas.GeoDataFrame:
        """Findings of ``ceasefire assess`` at their incident's location."""
        where: dict[str, Any] = {k: v for k, v in (("agreement_id", agreement_id),
                                                   ("verdict", _many(verdict))) if v}
        low, high = _day(start), _day(end)
        if low or high:
            where["day"] = Between(low or "0000-00-00", high or "9999-99-99")
        return frame(FINDING_FIELDS, export.iter_findings(self.store, where))

    def control(self, *, on: Moment = None, start: Moment = None, end: Moment = None,
                side: str | None = None) -> geopandas.GeoDataFrame:
        """Control snapshots (MultiPolygons, one per date × side × source); ``on`` one date."""
        where: dict[str, Any] = {"side": side} if side else {}
        if on is not None:
            where["snapshot_date"] = _day(on)
        elif start is not None or end is not None:
            where["snapshot_date"] = Between(_day(start) or "0000-00-00",
                                             _day(end) or "9999-99-99")
        return frame(SNAPSHOT_FIELDS, export.iter_snapshots(self.store, where))

    def close(self) -> None:
        self.workspace.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_workspace(path: str | Path) -> NotebookWorkspace:
    """Open the workspace at ``path`` for reading into GeoDataFrames."""
    return NotebookWorkspace(Workspace.open(path))
