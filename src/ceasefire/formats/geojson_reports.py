"""GeoJSON reports: a FeatureCollection whose feature properties use the canonical columns.

* The geometry gives ``lat``/``lon``: a Point as it is; any other geometry its centroid,
  with ``location_uncertainty_m`` (unless a property sets it) the radius of the smallest
  circle around the geometry (degrees × 111,320 m, the conservative scale). A ``null``
  geometry needs a ``place`` property (geocoded).
* ``report_id`` may also come from the feature's ``id``; ``--source-id`` fills
  ``source_id`` where the properties have none.
* The "row" of a feature in the quarantine is its 1-based position in ``features``.
* Other properties go to ``extra``. The document is parsed whole (GeoJSON report files
  are small); rows are then handed on in chunks like every other reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ceasefire.core.validation import REPORT_COLUMNS
from ceasefire.errors import InputError
from ceasefire.formats.base import Chunk, Reader, detect_encoding, parse_json, sniff_bytes

CHUNK_ROWS = 20_000
METRES_PER_DEGREE = 111_320.0
INVALID = "invalid geometry"


def _point(geometry: Any) -> tuple[Any, Any, float | None]:
    """``(lat, lon, radius_m)`` of a geometry; ``lat`` is :data:`INVALID` when it is unusable.

    A bad geometry must not stop the file: :data:`INVALID` is not a number, so validation
    quarantines just that feature (field ``lat``) and the others are still stored.
    """
    if not geometry:
        return None, None, None
    if not isinstance(geometry, dict):
        return INVALID, None, None
    if geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2 \
                or not all(_is_number(c) for c in coords[:2]):
            return INVALID, None, None
        return coords[1], coords[0], None
    from shapely import minimum_bounding_radius
    from shapely.errors import ShapelyError
    from shapely.geometry import shape

    try:
        geom = shape(geometry)
        if geom.is_empty:
            return INVALID, None, None
        centre = geom.centroid
        return centre.y, centre.x, round(minimum_bounding_radius(geom) * METRES_PER_DEGREE, 1)
    except (ShapelyError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        # shapely raises all of these on malformed coordinates (strings, ragged rings,
        # unknown types, NaN rings that do not close)
        return INVALID, None, None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class GeoJsonReader(Reader):
    """Reader for GeoJSON FeatureCollections of reports."""

    def __init__(self) -> None:
        super().__init__(name="geojson")

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        head = sniff_bytes(path)
        encoding = detect_encoding(path, head)
        doc = parse_json(path.read_text(encoding=encoding).lstrip("\ufeff"), path)
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
                or not isinstance(doc.get("features"), list):
            raise InputError("not a GeoJSON FeatureCollection", file=path, field="type")
        features = doc["features"]
        for start in range(0, len(features), CHUNK_ROWS):
            part = features[start:start + CHUNK_ROWS]
            columns: dict[str, list[Any]] = {c: [] for c in (*REPORT_COLUMNS, "extra")}
            for feature in part:
                props = feature.get("properties") or {} if isinstance(feature, dict) else {}
                if not isinstance(props, dict):  # the feature's fields then fail as missing
                    props = {}
                geometry = feature.get("geometry") if isinstance(feature, dict) else None
                lat, lon, radius = _point(geometry)
                row = {c: props.get(c) for c in REPORT_COLUMNS}
                if row["report_id"] in (None, "") and isinstance(feature, dict):
                    row["report_id"] = feature.get("id")
                if not row["source_id"]:
                    row["source_id"] = source_id
                if lat is not None or lon is not None:
                    row["lat"], row["lon"] = lat, lon
                if row["location_uncertainty_m"] is None and radius is not None:
                    row["location_uncertainty_m"] = radius
                extra = {k: v for k, v in props.items() if k not in REPORT_COLUMNS}
                row["extra"] = json.dumps(extra, ensure_ascii=False, default=str) if extra \
                    else None
                for c, v in row.items():
                    columns[c].append(str(v) if isinstance(v, (dict, list)) else v)
            yield Chunk(columns, list(range(start + 1, start + 1 + len(part))),
                        bytes_done=int(path.stat().st_size * (start + len(part))
                                       / max(len(features), 1)))
