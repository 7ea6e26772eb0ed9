"""Exports: reports, fused incidents, findings and control snapshots, in every writer format.

The columns and their types are defined once, in :mod:`ceasefire.services.export_columns`.
``export reports`` writes the canonical ``reports.csv`` columns (so an export can be ingested
into another workspace as it is), ``observed_precision`` and ``global_id``
(``source_id:report_id``), then one column per key of the reports' ``extra`` (ACLED
``fatalities`` and actors, UCDP ``best`` and sides...), typed by its values; a key that
collides with a fixed column is prefixed ``extra_``. ``export incidents`` writes exactly
the columns DESIGN.md fixes for other tools (``report_ids`` are ``;``-joined global ids).
``export findings`` writes findings at their incident's location; ``export control``
writes the control snapshots' polygons.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ceasefire.errors import InputError
from ceasefire.formats.writers import WRITER_FORMATS, write_rows
from ceasefire.services.export_columns import (
    FINDING_FIELDS,
    INCIDENT_FIELDS,
    REPORT_FIELDS,
    SNAPSHOT_FIELDS,
    Field,
    hxl_tag,
    names,
)
from ceasefire.store.base import Store
from ceasefire.store.conditions import In, Where

REPORT_EXPORT_COLUMNS: tuple[str, ...] = names(REPORT_FIELDS)
INCIDENT_COLUMNS: tuple[str, ...] = names(INCIDENT_FIELDS)
_SLICE = 500
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,15})?")


def global_id(source_id: str, report_id: str) -> str:
    return f"{source_id}:{report_id}"


def _check_format(format_name: str) -> None:
    if format_name not in WRITER_FORMATS:
        raise InputError(f"unknown export format {format_name!r} (known: "
                         f"{', '.join(WRITER_FORMATS)})", field="--format")


def _write(format_name: str, path: Path, fields: tuple[Field, ...],
           rows: Iterator[dict[str, Any]]) -> int:
    _check_format(format_name)
    return write_rows(format_name, path, fields, rows, tags=[hxl_tag(n) for n, _ in fields])


# -- reports ----------------------------------------------------------------------------------
def _kind(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       for v in present):
        return "float"
    return "str"


def extra_fields(store: Store, where: Where | None = None) -> dict[str, Field]:
    """``extra`` key -> its export column ``(name, kind)``, over the reports matching."""
    seen: dict[str, list[Any]] = {}
    for row in store.select("reports", where, columns=["extra"]):
        for key, value in _extra(row.get("extra")).items():
            seen.setdefault(key, []).append(value)
    fixed = set(REPORT_EXPORT_COLUMNS) | {"geometry"}
    return {key: (f"extra_{key}" if key in fixed else key, _kind(values))
            for key, values in sorted(seen.items())}


def _scalar(value: Any) -> Any:
    """A number written as text (ACLED's ``"3"`` fatalities) as the number, so the column is
    typed; text that would not read back the same (``"007"``) stays text."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        number = float(value)
        if "." not in value and str(int(number)) == value:
            return int(value)
        return number if "." in value else value
    return value


def _extra(text: Any) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return {k: _scalar(v) for k, v in value.items()} if isinstance(value, dict) else {}


def iter_reports(store: Store, where: Where | None = None,
                 extra: Mapping[str, Field] | None = None) -> Iterator[dict[str, Any]]:
    incident_of = {link["rid"]: link["incident_id"]
                   for link in store.select("incident_reports", columns=["incident_id", "rid"])}
    attribution = {inc["incident_id"]: (inc["attributed_party"], inc["attribution_probability"])
                   for inc in store.select("incidents", columns=[
                       "incident_id", "attributed_party", "attribution_probability"])}
    for row in store.select("reports", where, order_by=["rid"]):
        out = {c: row.get(c) for c in REPORT_EXPORT_COLUMNS}  # a new stored column flows
        # the report's incident and its attribution, beside the model's own judgments
        incident = incident_of.get(row["rid"])
        out["incident_id"] = incident
        out["attributed_party"], out["attribution_probability"] = attribution.get(
            incident, (None, None)) if incident else (None, None)
        # one datetime encoding: the middle of the interval, its half-width beside it
        out["observed_at"] = (row["t_start"] + row["t_end"]) / 2
        out["time_uncertainty_min"] = (row["t_end"] - row["t_start"]) / 120.0
        out["observed_precision"] = "day" if len(str(row["observed_at"])) == 10 else "time"
        out["global_id"] = global_id(row["source_id"], row["report_id"])
        for key, value in _extra(row.get("extra")).items():
            if extra and key in extra:
                out[extra[key][0]] = value
        yield out


def export_reports(store: Store, format_name: str, path: Path,
                   where: Where | None = None) -> int:
    """Write the stored reports with their ``extra`` as columns; return how many."""
    extra = extra_fields(store, where)
    fields = (*REPORT_FIELDS, *extra.values())
    return _write(format_name, path, fields, iter_reports(store, where, extra))


# -- incidents, findings, snapshots -----------------------------------------------------------
def iter_incidents(store: Store, where: Where | None = None) -> Iterator[dict[str, Any]]:
    """Incidents with their member reports as global ids (sorted, so output is stable)."""
    members: dict[str, list[int]] = defaultdict(list)
    for link in store.select("incident_reports", columns=["incident_id", "rid"]):
        members[link["incident_id"]].append(link["rid"])
    rids = sorted({rid for group in members.values() for rid in group})
    gid: dict[int, str] = {}
    for i in range(0, len(rids), _SLICE):
        for row in store.select("reports", {"rid": In(rids[i:i + _SLICE])},
                                columns=["rid", "source_id", "report_id"]):
            gid[row["rid"]] = global_id(row["source_id"], row["report_id"])
    for inc in store.select("incidents", where, order_by=["t_start", "incident_id"]):
        ids = sorted(gid.get(rid, f"?rid={rid}") for rid in members.get(inc["incident_id"], []))
        out = {name: inc.get(name) for name in INCIDENT_COLUMNS}
        out.update(report_ids=";".join(ids), time_start=inc["t_start"], time_end=inc["t_end"])
        yield out


def export_incidents(store: Store, format_name: str, path: Path) -> int:
    """Write the fused incidents (filled by ``ceasefire fuse``); return how many."""
    return _write(format_name, path, INCIDENT_FIELDS, iter_incidents(store))


def iter_findings(store: Store, where: Where | None = None) -> Iterator[dict[str, Any]]:
    """Findings at their incident's location (none for territory/commitment findings)."""
    places = {r["incident_id"]: (r["lat"], r["lon"]) for r in store.select(
        "incidents", columns=["incident_id", "lat", "lon"])}
    for row in store.select("findings", where, order_by=["day", "finding_id"]):
        out = {name: row.get(name) for name in names(FINDING_FIELDS)}
        out["lat"], out["lon"] = places.get(row.get("incident_id") or "", (None, None))
        yield out


def export_findings(store: Store, format_name: str, path: Path) -> int:
    """Write the findings of ``ceasefire assess``; return how many."""
    return _write(format_name, path, FINDING_FIELDS, iter_findings(store))


def iter_snapshots(store: Store, where: Where | None = None) -> Iterator[dict[str, Any]]:
    for row in store.select("control_snapshots", where,
                            order_by=["snapshot_date", "side", "source"]):
        out = {name: row.get(name) for name in names(SNAPSHOT_FIELDS)}
        out["geometry"] = bytes(row["geometry"])
        yield out


def export_control(store: Store, format_name: str, path: Path) -> int:
    """Write the control snapshots (one polygon feature per date × side × source)."""
    if format_name in ("csv", "hxl"):
        raise InputError("control snapshots are polygons: export them as geojson, parquet, "
                         "gpkg, fgb or kml", field="--format")
    return _write(format_name, path, SNAPSHOT_FIELDS, iter_snapshots(store))
