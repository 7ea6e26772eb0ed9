"""DeepStateMap occupied-territory GeoJSON (``deepstatemap_data_YYYYMMDD.geojson``).

One file per day, as archived by github.com/cyterat/deepstate-map-data: a FeatureCollection
with one Feature whose MultiPolygon is the Russian-occupied territory of Ukraine (Crimea
included) as drawn on deepstatemap.live that day. The file has no properties: **the date is
only in the file name**, so a renamed file cannot be read (rename it back, or import it
with ``--format geojson --date``). The side is always ``RU`` and the source ``deepstate``.
Invalid rings are repaired with ``shapely.make_valid`` (the record says so).

The drawn polygon is kept as drawn — not clipped — because it is the evidence; about
500 km² of it lies outside the national land outline (coastal water, the Sivash), which
the territory computations clip away.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import shapely
from shapely.errors import GEOSException

from ceasefire.core.territory import OCCUPIER
from ceasefire.errors import InputError
from ceasefire.formats.control import (
    SnapshotRecord,
    checked_polygonal,
    features_of,
    load_json,
    polygon_geometry,
)

SOURCE_ID = "deepstate"
FILE_NAME = re.compile(r"deepstatemap_data_(\d{4})(\d{2})(\d{2})\.geojson$")


def date_from_name(path: Path) -> date:
    """The snapshot date a DeepState file name carries."""
    match = FILE_NAME.search(path.name)
    if not match:
        raise InputError("DeepState file names carry the date: expected "
                         "deepstatemap_data_YYYYMMDD.geojson", file=path, field="file name")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise InputError(f"no such date in the file name ({exc})", file=path,
                         field="file name") from exc


def read_deepstate(path: str | Path) -> SnapshotRecord:
    """Read one DeepState file into a ``RU`` :class:`SnapshotRecord`.

    The common case (well-formed JSON) is parsed by GEOS directly, which is several times
    faster than building the geometry from Python lists; anything unusual is parsed again
    with the checking reader so the error names the field.
    """
    path = Path(path)
    day = date_from_name(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        parsed = shapely.from_geojson(text)
    except (GEOSException, UnicodeDecodeError, OSError, ValueError):
        return _read_checked(path, day)
    parts = list(parsed.geoms) if parsed.geom_type == "GeometryCollection" else [parsed]
    if not parts or any(p.geom_type not in ("Polygon", "MultiPolygon") for p in parts):
        return _read_checked(path, day)
    geom = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    geom, repaired = checked_polygonal(geom, path, "features[0].geometry")
    return SnapshotRecord(day, OCCUPIER, SOURCE_ID, geom, str(path), repaired)


def _read_checked(path: Path, day: date) -> SnapshotRecord:
    feats = features_of(load_json(path), path)
    if not feats:
        raise InputError("no features: a DeepState file holds one MultiPolygon",
                         file=path, field="features")
    geoms = []
    repaired = False
    for index, feat in enumerate(feats):
        if not isinstance(feat, dict):
            raise InputError("feature is not an object", file=path, field=f"features[{index}]")
        geom, fixed = polygon_geometry(feat.get("geometry"), path, f"features[{index}]")
        geoms.append(geom)
        repaired |= fixed
    geom = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    return SnapshotRecord(day, OCCUPIER, SOURCE_ID, geom, str(path), repaired)
