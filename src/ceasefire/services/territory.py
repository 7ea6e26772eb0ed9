"""Territory use cases: import control snapshots, and read them back as control maps for
stats, change, series, the contact line, buffer bands and ``no_advance`` gains.

Storage (table ``control_snapshots``, one row per date × side × source): the geometry *as
drawn* (WKB, WGS84, not clipped — it is the evidence) and ``area_km2``, its geodesic area
**inside the national outline**. Only the sides a source draws are stored; DeepState draws
the occupied area, so the ``UA`` area is derived on read as the national territory minus
it (storing a complement per day would store the whole coastline 169 times for nothing).

Import is idempotent: a row whose date, side and source are already stored with the same
geometry is skipped; the same key with a *different* geometry is refused (the stored row
is evidence covered by the ledger and is never overwritten). Each import that adds rows is
one ledger entry (``territory.import``) naming the files and their SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from ceasefire.core.advances import Advance, AdvanceReport, advances
from ceasefire.core.contact_line import Band, ContactLine, buffer_bands, contact_line
from ceasefire.core.territory import (
    SIDES,
    Change,
    ControlMap,
    NationalTerritory,
    SeriesPoint,
    area_series,
    control_change,
    territory_stats,
)
from ceasefire.core.tessellation import control_from_places
from ceasefire.errors import InputError, Problem
from ceasefire.formats.control import (
    SnapshotRecord,
    feature,
    read_control_geojson,
    read_place_table,
    write_feature_collection,
)
from ceasefire.formats.deepstate import read_deepstate
from ceasefire.fsutil import write_bytes_atomic
from ceasefire.record import ledger
from ceasefire.store.conditions import Le
from ceasefire.workspace import Workspace

FORMATS = ("deepstate", "geojson", "places")
TABLE = "control_snapshots"


# -- the bundled boundaries -------------------------------------------------------------------
@lru_cache(maxsize=1)
def national_territory() -> NationalTerritory:
    """Ukraine's outline and oblasts (Minregion 2020, bundled; see data/boundaries/SOURCE.md)."""
    folder = resources.files("ceasefire") / "data" / "boundaries"
    outline_doc = json.loads((folder / "ukraine_adm0.geojson").read_text("utf-8"))
    oblast_doc = json.loads((folder / "ukraine_oblasts.geojson").read_text("utf-8"))
    outline = shape(outline_doc["features"][0]["geometry"])
    regions = [(f["properties"]["iso_3166_2"], f["properties"]["name_en"],
                f["properties"]["name_uk"], shape(f["geometry"]))
               for f in oblast_doc["features"]]
    return NationalTerritory.build(outline, regions)


# -- import -----------------------------------------------------------------------------------
@dataclass
class ImportResult:
    added: list[tuple[str, str, str]] = field(default_factory=list)  # (date, side, source)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # files whose geometry was repaired
    ledger_seq: int | None = None


def read_file(path: Path, fmt: str, *, snapshot_date: date | None = None,
              source: str | None = None, status_column: str = "status",
              places: Path | None = None, id_column: str = "geonameid") -> list[SnapshotRecord]:
    if fmt == "deepstate":
        if snapshot_date is not None:
            raise InputError("DeepState files carry their date in the file name; --date is "
                             "only for --format geojson", field="--date")
        record = read_deepstate(path)
        if source:
            record = SnapshotRecord(record.snapshot_date, record.side, source, record.geometry,
                                    record.file, record.repaired)
        return [record]
    if fmt == "geojson":
        return read_control_geojson(path, snapshot_date=snapshot_date, source=source)
    if fmt == "places":
        return _from_places(path, source or "places", status_column, places, id_column)
    raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})", field="--format")


def _from_places(path: Path, source: str, status_column: str, places: Path | None,
                 id_column: str) -> list[SnapshotRecord]:
    """Per-place control table → one record per date and side (Voronoi cells, clipped)."""
    table = read_place_table(path, status_column=status_column, places=places,
                             id_column=id_column)
    territory = national_territory()
    records = []
    for day, rows in table.items():
        areas = control_from_places(territory, [r.lon for r in rows], [r.lat for r in rows],
                                    [r.status for r in rows])
        records += [SnapshotRecord(day, side, source, geom, str(path))
                    for side, geom in areas.items() if not geom.is_empty]
        if all(geom.is_empty for geom in areas.values()):
            raise InputError(f"no place on {day} has status UA or RU in column "
                             f"{status_column!r}", file=path, field=status_column)
    return records


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_snapshots(ws: Workspace, paths: Sequence[Path], fmt: str = "deepstate", *,
                     snapshot_date: date | None = None, source: str | None = None,
                     status_column: str = "status", places: Path | None = None,
                     id_column: str = "geonameid",
                     on_file: Callable[[Path], None] | None = None,
                     on_area: Callable[[], None] | None = None) -> ImportResult:
    """Read every file first (any bad file: nothing is written), then store what is new.

    Areas are computed outside the write transaction (seconds for a large batch); inside
    it, the keys are checked again so that a concurrent import of the same files cannot
    store a snapshot twice. ``on_file`` is called per file read, ``on_area`` per area done.
    """
    records: list[SnapshotRecord] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            records.extend(read_file(Path(path), fmt, snapshot_date=snapshot_date,
                                     source=source, status_column=status_column,
                                     places=places, id_column=id_column))
        except InputError as exc:
            problems.extend(exc.problems)
        if on_file is not None:
            on_file(Path(path))
    if problems:
        raise InputError(problems=problems)
    result = ImportResult(repaired=sorted({r.file for r in records if r.repaired}))
    new = _new_records(ws, records, result.skipped)
    if not new:
        return result
    rows = _rows(new.values(), on_area)
    with ws.store.transaction():
        fresh = _new_records(ws, list(new.values()), result.skipped)
        rows = [r for r in rows if (r["snapshot_date"], r["side"], r["source"]) in fresh]
        if not rows:
            return result
        files = sorted({r.file for r in fresh.values()})
        entry = ledger.record(
            ws.store, actor=ws.actor, action="territory.import", rows={TABLE: rows},
            note={"format": fmt, "files": [{"name": Path(f).name, "sha256": _sha256(Path(f))}
                                           for f in files],
                  "snapshots": len(rows)})
    result.added = sorted(fresh)
    result.ledger_seq = entry.seq
    return result


def _new_records(ws: Workspace, records: Sequence[SnapshotRecord],
                 skipped: list[tuple[str, str, str]]) -> dict[tuple[str, str, str],
                                                             SnapshotRecord]:
    """The records not stored yet; identical ones go to ``skipped``, different ones fail."""
    new: dict[tuple[str, str, str], SnapshotRecord] = {}
    for record in records:
        key = (record.snapshot_date.isoformat(), record.side, record.source)
        stored = [bytes(r["geometry"]) for r in ws.store.select(
            TABLE, {"snapshot_date": key[0], "side": key[1], "source": key[2]},
            columns=["geometry"])]
        if key in new:
            stored.append(shapely.to_wkb(new[key].geometry))
        if not stored:
            new[key] = record
            continue
        if stored[0] != shapely.to_wkb(record.geometry):
            raise InputError(f"a {key[1]} snapshot of {key[0]} from {key[2]!r} is already "
                             "stored with a different geometry; stored snapshots are "
                             "evidence and are not replaced (import it under another "
                             "--source)", file=record.file)
        skipped.append(key)
    return new


def _rows(records: Iterable[SnapshotRecord],
          on_area: Callable[[], None] | None = None) -> list[dict[str, object]]:
    """Rows with clipped geodesic areas, computed as a series per source and side (fast)."""
    territory = national_territory()
    groups: dict[tuple[str, str], list[SnapshotRecord]] = defaultdict(list)
    for record in records:
        groups[(record.source, record.side)].append(record)
    rows: list[dict[str, object]] = []
    for (src, side), group in sorted(groups.items()):
        group.sort(key=lambda r: r.snapshot_date)
        series = area_series(territory, [(r.snapshot_date, r.geometry) for r in group], side,
                             on_point=on_area)
        for record, point in zip(group, series, strict=True):
            rows.append({"snapshot_date": record.snapshot_date.isoformat(), "side": side,
                         "source": src, "geometry": shapely.to_wkb(record.geometry),
                         "area_km2": round(point.area_km2, 6)})
    return rows


# -- reading back -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Resolved:
    """A control map and how its date was chosen."""

    control: ControlMap
    requested: date
    exact: bool

    @property
    def note(self) -> str:
        if self.exact:
            return ""
        return (f"no snapshot on {self.requested}; using the latest before it, "
                f"{self.control.date} ({self.control.source})")


def available_dates(ws: Workspace, source: str | None = None) -> list[str]:
    where = {"source": source} if source else None
    return sorted({r["snapshot_date"] for r in ws.store.select(
        TABLE, where, columns=["snapshot_date"])})


def sources(ws: Workspace) -> list[str]:
    return sorted({r["source"] for r in ws.store.select(TABLE, columns=["source"])})


def snapshot_summary(ws: Workspace) -> list[dict[str, Any]]:
    """Per source and side: number of snapshots, first and last date, latest stored area."""
    groups: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for row in ws.store.select(TABLE, columns=["source", "side", "snapshot_date", "area_km2"]):
        groups[(row["source"], row["side"])].append((row["snapshot_date"], row["area_km2"]))
    out = []
    for (src, side), items in sorted(groups.items()):
        items.sort()
        out.append({"source": src, "side": side, "snapshots": len(items), "first": items[0][0],
                    "last": items[-1][0], "latest_km2": round(float(items[-1][1]), 3)})
    return out


def pick_source(ws: Workspace, source: str | None) -> str:
    """The source to read: the one given, else ``deepstate`` if stored, else the only one."""
    known = sources(ws)
    if not known:
        raise InputError("no control snapshots in this workspace; import some with "
                         "`ceasefire territory import FILE...`")
    if source:
        if source not in known:
            raise InputError(f"no snapshots from source {source!r} (stored: "
                             f"{', '.join(known)})", field="--source")
        return source
    if "deepstate" in known or len(known) == 1:
        return "deepstate" if "deepstate" in known else known[0]
    raise InputError(f"snapshots from several sources ({', '.join(known)}): choose one "
                     "with --source", field="--source")


def _describe_dates(dates: Sequence[str]) -> str:
    if len(dates) <= 6:
        return ", ".join(dates)
    return f"{len(dates)} dates from {dates[0]} to {dates[-1]}"


def control_on(ws: Workspace, day: date, source: str | None = None) -> Resolved:
    """The control map on ``day``: that date's snapshot, else the latest one before it."""
    src = pick_source(ws, source)
    rows = list(ws.store.select(TABLE, {"source": src, "snapshot_date": Le(day.isoformat())},
                                columns=["snapshot_date"], order_by=["-snapshot_date"],
                                limit=1))
    if not rows:
        dates = available_dates(ws, src)
        raise InputError(f"no {src} snapshot on or before {day}; snapshots exist for "
                         f"{_describe_dates(dates)}", field="--date")
    found = rows[0]["snapshot_date"]
    return Resolved(_load(ws, src, found), day, found == day.isoformat())


def _load(ws: Workspace, src: str, day: str) -> ControlMap:
    given = {r["side"]: shapely.from_wkb(bytes(r["geometry"]))
             for r in ws.store.select(TABLE, {"source": src, "snapshot_date": day})}
    return ControlMap.from_sides(date.fromisoformat(day), given, national_territory(), src)


def controls_between(ws: Workspace, start: date, end: date, source: str | None = None,
                     *, from_first: bool = False) -> list[ControlMap]:
    """Control maps from the one in force on ``start`` to the last on or before ``end``.

    With ``from_first`` a period that begins before the first snapshot starts at the first
    snapshot inside it (for series); otherwise that is an error, because a window must be
    judged against the line in force when it opened.
    """
    if end < start:
        raise InputError(f"--to {end} is before --from {start}", field="--to")
    src = pick_source(ws, source)
    dates = available_dates(ws, src)
    if from_first and dates and start.isoformat() < dates[0] <= end.isoformat():
        start = date.fromisoformat(dates[0])
    first = control_on(ws, start, src)
    days = [d for d in dates if first.control.date.isoformat() < d <= end.isoformat()]
    return [first.control] + [_load(ws, src, d) for d in days]


def series_of(maps: Sequence[ControlMap], side: str) -> list[SeriesPoint]:
    """The area ``side`` held on each map's date (see :func:`area_series`).

    The series is computed for the side the source draws; the other side's figures are its
    complement (derived area; gains and losses swap).
    """
    territory = national_territory()
    drawn = maps[0].primary
    if any(m.primary != drawn for m in maps):
        raise InputError("the snapshots in this period do not all draw the same side")
    points = area_series(territory, [(m.date, m.given[drawn]) for m in maps], drawn)
    if side == drawn:
        return points
    national = territory.area_km2
    return [SeriesPoint(p.date, side, national - p.area_km2, 100.0 - p.share_pct,
                        p.lost_km2, p.gained_km2) for p in points]


# -- GeoJSON features of results --------------------------------------------------------------
def nearest_settlements(points: Sequence[tuple[float, float]]) -> list[tuple[str, float]]:
    """The nearest GeoNames settlement (population ≥ 1,000) and its distance in km for each
    ``(lon, lat)``, from the bundled gazetteer; names a place in a finding."""
    from ceasefire.services.geocode import nearest_settlements as nearest

    return nearest(points)


def change_features(change: Change, sides: Iterable[str] = SIDES) -> list[dict[str, Any]]:
    """One Feature per polygon that changed hands (``side`` gained it from ``from_side``)."""
    wanted = set(sides)
    pieces = [p for p in change.pieces if p.side in wanted]
    near = nearest_settlements([(p.lon, p.lat) for p in pieces])
    return [feature(p.geometry, {"side": p.side, "from_side": p.from_side, "kind": "gained",
                                 "area_km2": round(p.area_km2, 4), "region": p.region_code,
                                 "place": p.place, "near": name, "near_km": km,
                                 "date_from": change.date_from.isoformat(),
                                 "date_to": change.date_to.isoformat()})
            for p, (name, km) in zip(pieces, near, strict=True)]


def contact_line_features(line: ContactLine, source: str) -> list[dict[str, Any]]:
    return [feature(line.geometry, {"date": line.date.isoformat(), "source": source,
                                    "length_km": round(line.length_km, 3),
                                    "parts": line.parts,
                                    "border_tolerance_km": line.border_tolerance_km})]


def band_features(bands: Sequence[Band], source: str) -> list[dict[str, Any]]:
    return [feature(b.geometry, {"date": b.date.isoformat(), "source": source, "side": b.side,
                                 "distance_km": b.distance_km, "inner_km": b.inner_km,
                                 "area_km2": round(b.area_km2, 3)})
            for b in bands]


def advance_features(report: AdvanceReport) -> list[dict[str, Any]]:
    return [feature(a.geometry, advance_properties(a, near))
            for a, near in zip(report.advances,
                               nearest_settlements([(a.lon, a.lat) for a in report.advances]),
                               strict=True)]


def advance_properties(a: Advance, near: tuple[str, float]) -> dict[str, Any]:
    """What a ``no_advance`` finding needs to say about one advance."""
    return {"side": a.side, "from_side": a.from_side, "area_km2": round(a.area_km2, 4),
            "region": a.region_code, "place": a.place, "near": near[0], "near_km": near[1],
            "lon": round(a.lon, 5), "lat": round(a.lat, 5),
            "date_from": a.date_from.isoformat(), "date_to": a.date_to.isoformat(),
            "first_seen": a.first_seen.isoformat()}


# -- the series chart -------------------------------------------------------------------------
def render_series_chart(points: Sequence[SeriesPoint], path: Path, title: str) -> None:
    """A PNG line chart of the area held over time (matplotlib, Agg), written atomically."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    try:
        days: list[Any] = [p.date for p in points]  # matplotlib plots dates natively
        ax.plot(days, [p.area_km2 for p in points], marker="." if len(points) < 60 else None,
                color="#b2182b", linewidth=1.5)
        ax.set_title(title)
        ax.set_ylabel(f"area held by {points[0].side}, km² (inside the national outline)")
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        national = national_territory().area_km2

        def to_share(area: Any) -> Any:
            return 100.0 * area / national

        def to_area(share_pct: Any) -> Any:
            return share_pct * national / 100.0

        share = ax.secondary_yaxis("right", functions=(to_share, to_area))
        share.set_ylabel("% of Ukraine")
        fig.autofmt_xdate()
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    write_bytes_atomic(path, buffer.getvalue())


__all__ = [
    "FORMATS",
    "ImportResult",
    "Resolved",
    "advance_features",
    "advance_properties",
    "advances",
    "area_series",
    "band_features",
    "buffer_bands",
    "change_features",
    "contact_line",
    "contact_line_features",
    "control_change",
    "control_on",
    "controls_between",
    "import_snapshots",
    "national_territory",
    "nearest_settlements",
    "pick_source",
    "render_series_chart",
    "series_of",
    "territory_stats",
    "write_feature_collection",
]
