"""Writers for exports: CSV, GeoJSON and Parquet, every one atomic (whole file or nothing).

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
from pathlib import Path
from typing import Any

from ceasefire.fsutil import atomic_output

WRITER_FORMATS: tuple[str, ...] = ("csv", "geojson", "parquet")
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


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write rows (dicts) as CSV with a header; return the number of rows."""
    count = 0
    with atomic_output(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        # csv quotes a cell holding "\n" but not one holding a bare "\r" when the line ends
        # in "\n"; readers split the row there, and "x\r=cmd" becomes a row starting with a
        # live formula. Rows with a "\r" anywhere are written fully quoted.
        quoted = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
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
            feature = {"type": "Feature", "geometry": geometry,
                       "properties": {c: _json_safe(row.get(c)) for c in props}}
            fh.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
            count += 1
        fh.write("\n]}\n")
    return count


def write_parquet(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
                  *, batch_size: int = 50_000) -> int:
    """Write rows as Parquet in row groups of ``batch_size`` (constant memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    count = 0
    batch: list[Mapping[str, Any]] = []
    writer = None
    schema = None
    with atomic_output(path, "wb", encoding=None) as fh:
        def flush() -> None:
            nonlocal writer, schema
            table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in batch],
                                         schema=schema)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(fh, schema)
            writer.write_table(table)
            batch.clear()

        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) >= batch_size:
                flush()
        if batch or writer is None:
            if writer is None and not batch:
                schema = pa.schema([(c, pa.string()) for c in columns])
                writer = pq.ParquetWriter(fh, schema)
            else:
                flush()
        assert writer is not None
        writer.close()
    return count


def write_rows(format_name: str, path: Path, columns: Sequence[str],
               rows: Iterable[Mapping[str, Any]]) -> int:
    """Dispatch on ``format_name`` (one of :data:`WRITER_FORMATS`)."""
    if format_name == "csv":
        return write_csv(path, columns, rows)
    if format_name == "geojson":
        return write_geojson(path, columns, rows)
    if format_name == "parquet":
        return write_parquet(path, columns, rows)
    raise ValueError(f"unknown export format {format_name!r}")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
