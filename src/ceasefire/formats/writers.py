"""Writers for exports, every one atomic (whole file or nothing).

Text formats here: CSV, HXL-tagged CSV (a hashtag row under the header) and GeoJSON; the
typed geospatial ones (GeoParquet, GeoPackage, FlatGeobuf, KML) are in
:mod:`ceasefire.formats.geo_writers`. Rows are dicts; columns are ``(name, kind)`` fields
(services/export_columns.py). ``time`` values (epoch seconds) are written as ISO 8601 UTC
(``2025-04-19T18:40:00Z``) in text formats. A row's geometry is its ``lat``/``lon`` point,
or, for polygon layers, WKB bytes under ``geometry``.

CSV cells are neutralised against formula injection (CWE-1236): a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return and is not a number gets a leading
apostrophe, so a spreadsheet shows it as text instead of running it. Numbers (``-3.5``) are
left alone.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ceasefire.fsutil import atomic_output

WRITER_FORMATS: tuple[str, ...] = ("csv", "hxl", "geojson", "parquet", "gpkg", "fgb", "kml")
Field = tuple[str, str]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Defuse a spreadsheet formula in a text cell.

    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")"), neutralise_cell("-12.5"), neutralise_cell(-3)
    ('\\'=HYPERLINK("http://x")', '-12.5', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def iso_utc(epoch: float) -> str:
    """Epoch seconds as ISO 8601 UTC (``2025-04-19T18:40:00Z``)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def text_rows(fields: Sequence[Field], rows: Iterable[Mapping[str, Any]],
              ) -> Iterable[dict[str, Any]]:
    """Rows with ``time`` values as ISO 8601 UTC text and booleans as ``true``/``false``."""
    times = [n for n, k in fields if k == "time"]
    flags = [n for n, k in fields if k == "bool"]
    for row in rows:
        out = dict(row)
        for name in times:
            if out.get(name) is not None:
                out[name] = iso_utc(out[name])
        for name in flags:
            if out.get(name) is not None:
                out[name] = "true" if out[name] else "false"
        yield out


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
              *, tags: Sequence[str] | None = None) -> int:
    """Write rows (dicts) as CSV with a header (and an HXL hashtag row when ``tags`` are
    given); return the number of rows."""
    count = 0
    with atomic_output(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        # csv quotes a cell holding "\n" but not one holding a bare "\r" when the line ends
        # in "\n"; readers split the row there, and "x\r=cmd" becomes a row starting with a
        # live formula. Rows with a "\r" anywhere are written fully quoted.
        quoted = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        if tags is not None:
            writer.writerow(tags)
        for row in rows:
            cells = ["" if row.get(c) is None else neutralise_cell(row.get(c)) for c in columns]
            carriage = any(isinstance(v, str) and "\r" in v for v in cells)
            (quoted if carriage else writer).writerow(cells)
            count += 1
    return count


def write_geojson(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
                  *, lat: str = "lat", lon: str = "lon") -> int:
    """Write rows as a GeoJSON FeatureCollection of points (``null`` geometry without one).

    Streams feature by feature, so a large export does not build the document in memory.
    """
    count = 0
    props = [c for c in columns if c not in (lat, lon)]
    with atomic_output(path) as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for row in rows:
            y, x = row.get(lat), row.get(lon)
            geometry = ({"type": "Point", "coordinates": [x, y]}
                        if x is not None and y is not None else None)
            if row.get("geometry") is not None:  # a polygon layer: WKB, wound per RFC 7946
                import shapely

                shape = shapely.orient_polygons(shapely.from_wkb(row["geometry"]))
                geometry = shapely.geometry.mapping(shape)
            feature = {"type": "Feature", "geometry": geometry,
                       "properties": {c: _json_safe(row.get(c)) for c in props}}
            fh.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
            count += 1
        fh.write("\n]}\n")
    return count


def write_rows(format_name: str, path: Path, fields: Sequence[Field],
               rows: Iterable[Mapping[str, Any]], *, tags: Sequence[str] | None = None) -> int:
    """Dispatch on ``format_name`` (one of :data:`WRITER_FORMATS`); return the row count."""
    columns = [name for name, _ in fields]
    if format_name in ("csv", "hxl"):
        return write_csv(path, columns, text_rows(fields, rows),
                         tags=tags if format_name == "hxl" else None)
    if format_name == "geojson":
        return write_geojson(path, columns, text_rows(fields, rows))
    if format_name in WRITER_FORMATS:
        from ceasefire.formats.geo_writers import write_geo

        return write_geo(format_name, path, fields, rows)
    raise ValueError(f"unknown export format {format_name!r}")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
