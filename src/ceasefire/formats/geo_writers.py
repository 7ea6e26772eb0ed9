"""Typed geospatial exports: GeoParquet 1.1, and GeoPackage, FlatGeobuf and KML through pyogrio.

Every column has its declared type (``time`` → a UTC timestamp in milliseconds, ``date`` →
a date, ``int``/``float``/``bool`` as such), and the geometry is a WKB column ``geometry``
in CRS84 (lon, lat): the report's or incident's point, or a snapshot's polygons as
MultiPolygons wound per RFC 7946. Rows without a location have a null geometry.

GeoParquet is written in row groups (constant memory) with the ``geo`` metadata of the 1.1
specification, so geopandas, DuckDB and GDAL ≥ 3.5 read it as a layer. GeoPackage,
FlatGeobuf and KML go through ``pyogrio.write_arrow`` (the ``[geo]`` extra) into a temporary
file beside the target, renamed over it once complete.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from ceasefire.errors import InputError
from ceasefire.fsutil import atomic_output

Field = tuple[str, str]
GEOMETRY = "geometry"
_ARROW = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
          "date": pa.date32(), "time": pa.timestamp("ms", tz="UTC")}
DRIVERS = {"gpkg": ("GPKG", ".gpkg"), "fgb": ("FlatGeobuf", ".fgb"), "kml": ("KML", ".kml")}
BATCH_ROWS = 50_000


def _value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == "time":
        return round(float(value) * 1000)
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if kind == "float":
        number = float(value)
        return number if math.isfinite(number) else None
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _geometry(row: Mapping[str, Any]) -> bytes | None:
    if row.get(GEOMETRY) is not None:
        shape = shapely.from_wkb(row[GEOMETRY])
        if shape.geom_type == "Polygon":
            shape = shapely.MultiPolygon([shape])
        return bytes(shapely.to_wkb(shapely.orient_polygons(shape)))
    lat, lon = row.get("lat"), row.get("lon")
    if lat is None or lon is None:
        return None
    return bytes(shapely.to_wkb(shapely.Point(float(lon), float(lat))))


def arrow_schema(fields: Sequence[Field]) -> pa.Schema:
    return pa.schema([*(pa.field(n, _ARROW[k]) for n, k in fields),
                      pa.field(GEOMETRY, pa.binary())])


def record_batches(fields: Sequence[Field], rows: Iterable[Mapping[str, Any]],
                   size: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The rows as typed Arrow record batches of at most ``size`` rows, geometry last."""
    schema = arrow_schema(fields)
    columns: list[list[Any]] = [[] for _ in range(len(fields) + 1)]
    for row in rows:
        for i, (name, kind) in enumerate(fields):
            columns[i].append(_value(kind, row.get(name)))
        columns[-1].append(_geometry(row))
        if len(columns[-1]) >= size:
            yield pa.record_batch(columns, schema=schema)
            columns = [[] for _ in range(len(fields) + 1)]
    if columns[-1]:
        yield pa.record_batch(columns, schema=schema)


def geo_metadata(geometry_types: Sequence[str]) -> dict[str, Any]:
    """GeoParquet 1.1 file metadata: one WKB column in OGC:CRS84 (the default, left implicit)."""
    return {"version": "1.1.0", "primary_column": GEOMETRY,
            "columns": {GEOMETRY: {"encoding": "WKB", "geometry_types": list(geometry_types)}}}


def write_geoparquet(path: Path, fields: Sequence[Field], rows: Iterable[Mapping[str, Any]],
                     *, polygons: bool = False) -> int:
    """Write GeoParquet 1.1 in row groups; return the number of rows."""
    meta = {b"geo": json.dumps(geo_metadata(["MultiPolygon"] if polygons else ["Point"])).encode()}
    schema = arrow_schema(fields).with_metadata(meta)
    count = 0
    with atomic_output(path, "wb", encoding=None) as fh:
        writer = pq.ParquetWriter(fh, schema)
        for batch in record_batches(fields, rows):
            writer.write_batch(batch)
            count += batch.num_rows
        writer.close()
    return count


def write_ogr(format_name: str, path: Path, fields: Sequence[Field],
              rows: Iterable[Mapping[str, Any]], *, polygons: bool = False,
              layer: str | None = None) -> int:
    """Write a GeoPackage, FlatGeobuf or KML file through pyogrio; return the row count."""
    try:
        import pyogrio
    except ImportError as exc:
        raise InputError(f"--format {format_name} needs pyogrio: pip install 'ceasefire[geo]'",
                         field="--format") from exc
    driver, suffix = DRIVERS[format_name]
    table = pa.Table.from_batches(list(record_batches(fields, rows)), schema=arrow_schema(fields))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # the drivers create the file themselves
    try:
        pyogrio.write_arrow(table, tmp, layer=layer or target.stem, driver=driver,
                            geometry_name=GEOMETRY, crs="OGC:CRS84",
                            geometry_type="MultiPolygon" if polygons else "Point")
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return table.num_rows


def write_geo(format_name: str, path: Path, fields: Sequence[Field],
              rows: Iterable[Mapping[str, Any]]) -> int:
    """GeoParquet or an OGR format; a polygon layer is one whose rows carry ``geometry``."""
    polygons = not any(name == "lat" for name, _ in fields)
    if format_name == "parquet":
        return write_geoparquet(path, fields, rows, polygons=polygons)
    return write_ogr(format_name, path, fields, rows, polygons=polygons)
