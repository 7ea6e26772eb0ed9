"""Control snapshots as GeoJSON: the generic reader and the RFC 7946 writer.

**Reading** (``ceasefire territory import --format geojson``): a FeatureCollection (or one
Feature) of Polygon/MultiPolygon features in WGS84 lon/lat. Each feature names its side
in a ``side`` property (``UA`` or ``RU``, as everywhere in ceasefire) and its date in a
``date`` or ``snapshot_date`` property (``YYYY-MM-DD``), or the whole file takes the
``--date`` given on the command line. Features of one side and date are merged. Invalid
rings (self-intersections, which hand-drawn maps often have) are repaired with
``shapely.make_valid``; coordinates outside lon/lat range are an error.

**Per-place tables** (``--format places``, VIINA's ``control_*`` style): a CSV with one row
per place and date — ``date`` (``YYYY-MM-DD`` or ``YYYYMMDD``), a status column (``UA``,
``RU``, anything else such as ``CONTESTED`` counts for no side; VIINA has one per source,
e.g. ``status_dsm``, chosen with ``--status-column``) and ``lon``/``lat`` (or
``longitude``/``latitude``). Tables without coordinates (VIINA's own) are joined to a
gazetteer CSV (``--places``) on an id column (``geonameid`` by default). The areas come
from :mod:`ceasefire.core.tessellation` (Voronoi cells); read its caveat on resolution.

**Writing**: :func:`write_feature_collection` writes RFC 7946 GeoJSON (counter-clockwise
exterior rings, at most 7 decimals, no ``crs`` member) atomically.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ceasefire.core.geodesy import polygonal, rfc7946_geometry
from ceasefire.core.territory import SIDES
from ceasefire.errors import InputError
from ceasefire.formats.base import parse_json
from ceasefire.fsutil import write_text_atomic

DATE_PROPERTIES = ("date", "snapshot_date")


@dataclass(frozen=True)
class SnapshotRecord:
    """One side's drawn control geometry on one date, as read from one file."""

    snapshot_date: date
    side: str
    source: str
    geometry: BaseGeometry  # valid, polygonal, WGS84 lon/lat, not clipped
    file: str
    repaired: bool = False


# -- shared reading helpers -------------------------------------------------------------------
def load_json(path: Path) -> Any:
    """Parse a JSON file; any failure is an :class:`InputError` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a file", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text (is it really GeoJSON?)", file=path) from exc
    if not text.strip():
        raise InputError("file is empty", file=path)
    return parse_json(text, path)


def features_of(doc: Any, path: Path) -> list[dict[str, Any]]:
    """The features of a FeatureCollection, a Feature, or a bare geometry."""
    if not isinstance(doc, dict) or "type" not in doc:
        raise InputError("not a GeoJSON object (no \"type\")", file=path)
    kind = doc["type"]
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InputError("FeatureCollection without a \"features\" list", file=path,
                             field="features")
        return feats
    if kind == "Feature":
        return [doc]
    if kind in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return [{"type": "Feature", "properties": {}, "geometry": doc}]
    raise InputError(f"GeoJSON type {kind!r} holds no polygons", file=path, field="type")


def polygon_geometry(raw: Any, path: Path, where: str) -> tuple[BaseGeometry, bool]:
    """A valid polygonal shapely geometry from a GeoJSON geometry, and whether it was repaired."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        found = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        raise InputError(f"geometry must be Polygon or MultiPolygon, found {found!r}",
                         file=path, field=f"{where}.geometry")
    try:
        geom = shape(raw)
    except (GEOSException, ValueError, TypeError, IndexError, KeyError) as exc:
        raise InputError(f"malformed coordinates ({exc})", file=path,
                         field=f"{where}.geometry.coordinates") from exc
    return checked_polygonal(geom, path, f"{where}.geometry")


def checked_polygonal(geom: BaseGeometry, path: Path, field: str) -> tuple[BaseGeometry, bool]:
    """Check lon/lat range, repair invalid rings, keep the polygonal part."""
    if geom.is_empty:
        raise InputError("geometry is empty", file=path, field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(f"coordinates outside lon/lat range (bounds {geom.bounds}); "
                         "GeoJSON must be WGS84 longitude, latitude", file=path, field=field)
    repaired = not shapely.is_valid(geom)
    if repaired:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom, repaired
    poly = polygonal(geom)  # make_valid may add collapsed lines and points: drop them
    if poly.is_empty:
        raise InputError("geometry has no area after repair", file=path, field=field)
    return poly, repaired


def parse_date(value: Any, path: Path, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}", file=path, field=field) from exc


# -- the generic reader -----------------------------------------------------------------------
def read_control_geojson(path: Path, *, snapshot_date: date | None = None,
                         source: str | None = None) -> list[SnapshotRecord]:
    """Read a generic control GeoJSON: one record per (date, side), features merged."""
    path = Path(path)
    feats = features_of(load_json(path), path)
    if not feats:
        raise InputError("no features", file=path, field="features")
    groups: dict[tuple[date, str], list[BaseGeometry]] = defaultdict(list)
    repaired_any: set[tuple[date, str]] = set()
    for index, feat in enumerate(feats):
        where = f"features[{index}]"
        props = (feat.get("properties") or {}) if isinstance(feat, dict) else {}
        if not isinstance(props, dict):
            raise InputError(f"properties must be a JSON object, found {type(props).__name__}",
                             file=path, field=f"{where}.properties")
        side = str(props.get("side", "")).strip().upper()
        if side not in SIDES:
            raise InputError(f"side must be one of {', '.join(SIDES)}, found "
                             f"{props.get('side')!r}", file=path, field=f"{where}.properties.side")
        day = snapshot_date
        for name in DATE_PROPERTIES:
            if props.get(name):
                day = parse_date(props[name], path, f"{where}.properties.{name}")
                break
        if day is None:
            raise InputError("no date: give the feature a \"date\" property or pass --date",
                             file=path, field=f"{where}.properties.date")
        geom, repaired = polygon_geometry(feat.get("geometry"), path, where)
        groups[(day, side)].append(geom)
        if repaired:
            repaired_any.add((day, side))
    records = []
    for (day, side), geoms in sorted(groups.items()):
        merged = geoms[0] if len(geoms) == 1 else polygonal(shapely.union_all(geoms))
        records.append(SnapshotRecord(day, side, source or "geojson", merged, str(path),
                                      (day, side) in repaired_any))
    return records


# -- per-place tables ------------------------------------------------------------------------
LON_COLUMNS = ("lon", "longitude", "x")
LAT_COLUMNS = ("lat", "latitude", "y")


@dataclass(frozen=True)
class PlaceStatus:
    day: date
    lon: float
    lat: float
    status: str


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = [h.strip() for h in (reader.fieldnames or [])]
    except FileNotFoundError as exc:
        raise InputError("file not found", file=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", file=path) from exc
    except csv.Error as exc:
        raise InputError(f"not a readable CSV table ({exc})", file=path) from exc
    if not header:
        raise InputError("file is empty", file=path)
    return header, [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in rows]


def _column(header: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {h.lower(): h for h in header}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _number(value: str, path: Path, line: int, field: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise InputError(f"not a number: {value!r}", file=path, line=line, field=field) from exc
    if not low <= number <= high:
        raise InputError(f"{number} is outside {low}..{high}", file=path, line=line, field=field)
    return number


def _coordinates(header: Sequence[str], path: Path) -> tuple[str, str] | None:
    lon = _column(header, LON_COLUMNS)
    lat = _column(header, LAT_COLUMNS)
    return (lon, lat) if lon and lat else None


def read_place_table(path: Path, *, status_column: str = "status", places: Path | None = None,
                     id_column: str = "geonameid") -> dict[date, list[PlaceStatus]]:
    """Read a per-place control table, grouped by date (rows are numbered as in a
    spreadsheet: the header is line 1)."""
    path = Path(path)
    header, rows = _read_csv(path)
    status = _column(header, [status_column])
    if status is None:
        raise InputError(f"no status column {status_column!r} (columns: {', '.join(header)}); "
                         "choose one with --status-column", file=path, field=status_column)
    day_column = _column(header, ["date"])
    if day_column is None:
        raise InputError("no date column", file=path, field="date")
    coords = _coordinates(header, path)
    gazetteer: dict[str, tuple[float, float]] = {}
    if coords is None:
        if places is None:
            raise InputError("no lon/lat columns: add them, or give a gazetteer with --places",
                             file=path, field="lon")
        if _column(header, [id_column]) is None:
            raise InputError(f"no {id_column!r} column to join the gazetteer on", file=path,
                             field=id_column)
        gazetteer = _read_gazetteer(Path(places), id_column)
    join_on = _column(header, [id_column]) or id_column
    out: dict[date, list[PlaceStatus]] = defaultdict(list)
    for line, row in enumerate(rows, start=2):
        raw_day = row.get(day_column, "")
        text = f"{raw_day[:4]}-{raw_day[4:6]}-{raw_day[6:8]}" if raw_day.isdigit() else raw_day
        day = parse_date(text, path, f"line {line}: {day_column}")
        if coords is not None:
            lon = _number(row.get(coords[0], ""), path, line, coords[0], -180, 180)
            lat = _number(row.get(coords[1], ""), path, line, coords[1], -90, 90)
        else:
            key = row.get(join_on, "")
            if key not in gazetteer:
                raise InputError(f"{key!r} is not in the gazetteer {places}", file=path,
                                 line=line, field=id_column)
            lon, lat = gazetteer[key]
        out[day].append(PlaceStatus(day, lon, lat, row.get(status, "")))
    if not out:
        raise InputError("no rows", file=path)
    return dict(sorted(out.items()))


def _read_gazetteer(path: Path, id_column: str) -> dict[str, tuple[float, float]]:
    header, rows = _read_csv(path)
    key = _column(header, [id_column])
    coords = _coordinates(header, path)
    if key is None or coords is None:
        raise InputError(f"a gazetteer needs {id_column!r}, lon and lat columns", file=path)
    return {row[key]: (_number(row[coords[0]], path, line, coords[0], -180, 180),
                       _number(row[coords[1]], path, line, coords[1], -90, 90))
            for line, row in enumerate(rows, start=2)}


# -- writing ----------------------------------------------------------------------------------
def feature(geometry: BaseGeometry, properties: Mapping[str, Any]) -> dict[str, Any]:
    """One RFC 7946 Feature (see :func:`ceasefire.core.geodesy.rfc7946_geometry`)."""
    return {"type": "Feature", "properties": dict(properties),
            "geometry": rfc7946_geometry(geometry)}


def feature_collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write_feature_collection(path: str | Path, features: Iterable[dict[str, Any]]) -> int:
    """Write the features as one RFC 7946 FeatureCollection, atomically; return the count."""
    collection = feature_collection(features)
    write_text_atomic(path, json.dumps(collection, ensure_ascii=False, separators=(",", ":"),
                                       allow_nan=False) + "\n")
    return len(collection["features"])
