"""Fusion's compatible pairs computed inside PostgreSQL + PostGIS (for bench_scale.py).

Every report becomes a row with its extent as a 3-D box (lon, lat, hours since 2025):
time midpoint ± time reach, latitude ± spatial reach, longitude ± spatial reach / cos of the
most poleward latitude (+0.1 %), which :mod:`ceasefire.engines.blocks` shows two compatible
reports' extents always share. An n-D GiST index (``gist_geometry_ops_nd``) over those
boxes serves a self-join on ``&&&`` (n-D bounding boxes overlap); the exact tests of
:func:`ceasefire.core.fusion.compatibility_graph` then run in SQL on the candidates: one
category family, time gap within the two reaches, different sources (or one source's one
event), great-circle distance (haversine on the same sphere) within the two reaches.

Rows go in by binary ``COPY`` built with numpy; the pairs come back by binary ``COPY``.
The local engine's pair search (``compatibility_graph``) runs in the same process on the same
arrays as the peer, and the two sets of pairs are compared.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

COLUMNS = ("pos", "fam", "source", "event", "mid", "reach_t", "reach_s", "lat", "lon",
           "rlat", "rlon", "hours", "rh")
T0 = 1_735_689_600.0


def report_columns(arrays: Any) -> dict[str, np.ndarray]:
    """What the SQL needs per report, computed as the core computes it."""
    from ceasefire.core.evidence import CATEGORIES
    from ceasefire.core.fusion import _family_codes
    from ceasefire.core.profile import DEFAULT_PROFILE
    from ceasefire.engines.blocks import extents
    reach_t, reach_lat = extents(arrays, DEFAULT_PROFILE)
    unc = np.maximum(arrays.uncertainty_m, DEFAULT_PROFILE.min_location_uncertainty_m)
    tables = DEFAULT_PROFILE.category_tables()
    rad = np.array([tables.radius_m[c] for c in CATEGORIES])[arrays.category]
    coslat = max(np.cos(np.radians(min(float(np.abs(arrays.lat).max()) + 1.0, 89.0))), 1e-3)
    mid = (arrays.t_start + arrays.t_end) / 2.0
    return {"pos": np.arange(len(arrays), dtype=np.int64),
            "fam": _family_codes()[arrays.category].astype(np.int64),
            "source": arrays.source.astype(np.int64), "event": arrays.event.astype(np.int64),
            "mid": mid, "reach_t": reach_t, "reach_s": unc + rad / 2.0,
            "lat": arrays.lat, "lon": arrays.lon, "rlat": reach_lat * 1.001 + 1e-6,
            "rlon": reach_lat / coslat * 1.001 + 1e-6,
            "hours": (mid - T0) / 3600.0, "rh": reach_t / 3600.0 * 1.001 + 1e-6}


def binary_copy(columns: dict[str, np.ndarray]) -> bytes:
    """PostgreSQL binary COPY data: every column int8 or float8, big-endian."""
    n = len(columns["pos"])
    fields = [("count", ">i2")]
    for name in COLUMNS:
        kind = ">i8" if columns[name].dtype.kind in "iu" else ">f8"
        fields += [(f"{name}_len", ">i4"), (name, kind)]
    rows = np.zeros(n, dtype=fields)
    rows["count"] = len(COLUMNS)
    for name in COLUMNS:
        rows[f"{name}_len"] = 8
        rows[name] = columns[name]
    return b"PGCOPY\n\xff\r\n\0" + b"\0" * 8 + rows.tobytes() + b"\xff\xff"


def read_pairs(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) int8 pairs from binary COPY output."""
    body = data[19:-2]
    tuples = np.frombuffer(body, dtype=[("count", ">i2"), ("la", ">i4"), ("a", ">i8"),
                                        ("lb", ">i4"), ("b", ">i8")])
    return tuples["a"].astype(np.int64), tuples["b"].astype(np.int64)


PAIRS_SQL = """
COPY (
  SELECT a.pos, b.pos FROM r a JOIN r b ON a.ext &&& b.ext
  WHERE a.pos < b.pos AND a.fam = b.fam
    AND abs(a.mid - b.mid) <= a.reach_t + b.reach_t
    AND (a.source <> b.source OR (a.event = b.event AND a.event >= 0))
    AND 2 * 6371008.8 * asin(sqrt(least(1.0,
          sin((radians(b.lat) - radians(a.lat)) / 2) ^ 2
          + cos(radians(a.lat)) * cos(radians(b.lat)) * sin(radians(b.lon - a.lon) / 2) ^ 2)))
        <= a.reach_s + b.reach_s
) TO STDOUT (FORMAT binary)
"""


def postgres_pairs(path: Path) -> dict[str, Any]:
    """Load, index, query; compare with the local pair search (see the module docstring)."""
    import psycopg
    from bench_scale import load_arrays, peak_rss_mb

    from ceasefire.core.fusion import compatibility_graph
    from ceasefire.core.profile import DEFAULT_PROFILE
    arrays = load_arrays(path)
    start = time.perf_counter()
    graph = compatibility_graph(arrays, DEFAULT_PROFILE)
    local_s = time.perf_counter() - start
    la, lb = graph.order[graph.a], graph.order[graph.b]
    local_keys = np.sort(np.minimum(la, lb) * len(arrays) + np.maximum(la, lb))
    columns = report_columns(arrays)
    payload = binary_copy(columns)
    schema = f"bench_scale_{uuid.uuid4().hex[:8]}"
    base = os.environ["CEASEFIRE_TEST_POSTGRES_URL"]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path = {schema}, public")
        try:
            version = conn.execute("SELECT version(), postgis_lib_version()").fetchone()
            # the extent box: a 3-D segment between two opposite corners has exactly that box
            conn.execute("""CREATE UNLOGGED TABLE r (pos int8, fam int8, source int8, event int8,
                mid float8, reach_t float8, reach_s float8, lat float8, lon float8,
                rlat float8, rlon float8, hours float8, rh float8,
                ext geometry GENERATED ALWAYS AS (ST_MakeLine(
                    ST_MakePoint(lon - rlon, lat - rlat, hours - rh),
                    ST_MakePoint(lon + rlon, lat + rlat, hours + rh))) STORED)""")
            start = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY r ({', '.join(COLUMNS)}) FROM STDIN "
                                                "(FORMAT binary)") as copy:
                for i in range(0, len(payload), 1 << 24):
                    copy.write(payload[i:i + (1 << 24)])
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            conn.execute("CREATE INDEX r_ext ON r USING gist (ext gist_geometry_ops_nd)")
            conn.execute("VACUUM ANALYZE r")
            index_s = time.perf_counter() - start
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + PAIRS_SQL.replace(
                "COPY (", "").replace(") TO STDOUT (FORMAT binary)", "")))
            cpu, start = time.process_time(), time.perf_counter()
            out = bytearray()
            with conn.cursor() as cur, cur.copy(PAIRS_SQL) as copy:
                for chunk in copy:
                    out += chunk
            query_s = time.perf_counter() - start
            cpu = time.process_time() - cpu
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    a, b = read_pairs(bytes(out))
    keys = np.sort(a * len(arrays) + b)
    return {"seconds": query_s, "cpu_s": cpu, "incidents": None, "pairs": len(keys),
            "peak_rss_mb": peak_rss_mb(), "load_s": load_s, "index_s": index_s,
            "local_pairs_s": local_s, "local_pairs": len(local_keys),
            "missing": len(np.setdiff1d(local_keys, keys, assume_unique=True)),
            "extra": len(np.setdiff1d(keys, local_keys, assume_unique=True)),
            "identical": bool(np.array_equal(keys, local_keys)), "plan": plan,
            "server": " / ".join(str(v) for v in (version or ()))}
