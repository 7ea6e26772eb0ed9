"""PostgreSQL store against SQLite: ledger-stamped ingest rate and bbox query latency.

Synthetic reports (seeded) go in through ``ledger.record`` (encode + insert + ledger entry,
the path ingest takes) at N, 2N and 4N rows, each into a fresh store; then bounding-box
queries through the plain Store interface (``lat``/``lon`` Between, what the API's bbox
does) over as many incidents. PostgreSQL runs in a throwaway schema of the server named by
``CEASEFIRE_TEST_POSTGRES_URL`` (``bash .ci/postgres.sh`` prints one).

    CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) .venv/bin/python bench/bench_postgres.py [N]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

from ceasefire.record import ledger
from ceasefire.store import Between, Store, open_store


def reports(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        t = 1735689600.0 + rng.uniform(0, 365 * 86400)
        rows.append({
            "source_id": f"s{i % 40}", "report_id": f"r{i}", "observed_at": "2025-04-19T18:40:00Z",
            "t_start": t - 1800, "t_end": t + 1800, "time_uncertainty_min": 30.0,
            "lat": rng.uniform(44.5, 52.0), "lon": rng.uniform(22.5, 40.0),
            "location_uncertainty_m": rng.choice([100.0, 1000.0, 5000.0]), "place": f"P{i % 997}",
            "category": rng.choice(["shelling", "airstrike", "drone_strike", "mlrs"]),
            "perpetrator": rng.choice([None, "RU", "UA"]), "target_class": None,
            "weapon_class": None, "count": None, "credibility": rng.randint(1, 6),
            "origin_lat": None, "origin_lon": None, "event_ref": None,
            "text": f"synthetic report {i}", "evidence_hashes": None, "sensitive": 0,
            "extra": None, "ingest_file": "bench.csv", "ingest_row": i + 2})
    return rows


def incidents(n: int, seed: int = 2) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{"incident_id": f"i{i:07d}", "t_start": 1.7e9 + i, "t_end": 1.7e9 + i + 60,
             "lat": rng.uniform(44.5, 52.0), "lon": rng.uniform(22.5, 40.0),
             "location_uncertainty_m": 500.0, "category": "shelling", "n_reports": 1,
             "n_origin_groups": 1, "confidence": 0.5, "band": "moderate", "breakdown": "{}",
             "attributed_party": None, "attribution_probability": None,
             "attribution_basis": None} for i in range(n)]


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(str(Path(folder) / "bench.db"), create=True)
        try:
            yield store
        finally:
            store.close()


@contextmanager
def postgres_store() -> Iterator[Store]:
    base = os.environ["CEASEFIRE_TEST_POSTGRES_URL"]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    option = quote(f"-c search_path={schema},public", safe="")
    store = open_store(f"{base}{'&' if '?' in base else '?'}options={option}", create=True)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


BACKENDS: dict[str, Callable[[], Any]] = {"sqlite": sqlite_store, "postgres": postgres_store}


def ingest_seconds(backend: str, n: int) -> float:
    rows = reports(n)
    with BACKENDS[backend]() as store:
        start = time.perf_counter()
        ledger.record(store, actor="bench", action="ingest", rows={"reports": rows})
        elapsed = time.perf_counter() - start
        assert store.count("reports") == n
    return elapsed


def bbox_latencies(backend: str, n: int, queries: int = 300) -> tuple[float, float, float]:
    """p50 and p99 in ms of bbox selects over ``n`` incidents, and the mean rows returned."""
    rng = random.Random(3)
    boxes = []
    for _ in range(queries):
        lat, lon, size = rng.uniform(45, 51), rng.uniform(23, 39), rng.choice([0.1, 0.25, 0.5])
        boxes.append({"lat": Between(lat, lat + size), "lon": Between(lon, lon + size)})
    with BACKENDS[backend]() as store:
        store.insert("incidents", incidents(n))
        if backend == "postgres":
            store._execute("ANALYZE incidents")  # type: ignore[attr-defined]
        times, found = [], 0
        for box in boxes:
            start = time.perf_counter()
            found += len(list(store.select("incidents", box)))
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))], found / queries


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25_000
    print(f"ingest through ledger.record (reports), fresh store per run; N = {n}")
    print(f"{'rows':>8} {'sqlite s':>9} {'postgres s':>11} {'pg/sqlite':>10} "
          f"{'sqlite rows/s':>14} {'pg rows/s':>10}")
    base: dict[str, float] = {}
    for k in (1, 2, 4):
        rows = n * k
        lite, pg = ingest_seconds("sqlite", rows), ingest_seconds("postgres", rows)
        base.setdefault("sqlite", lite)
        base.setdefault("postgres", pg)
        print(f"{rows:>8} {lite:>9.2f} {pg:>11.2f} {pg / lite:>10.2f} {rows / lite:>14,.0f} "
              f"{rows / pg:>10,.0f}   growth vs N: sqlite x{lite / base['sqlite']:.2f}, "
              f"postgres x{pg / base['postgres']:.2f}")
    m = 4 * n
    print(f"\nbbox select over {m} incidents, 300 boxes of 0.1-0.5 degrees")
    print(f"{'backend':>9} {'p50 ms':>8} {'p99 ms':>8} {'rows/query':>11}")
    for backend in BACKENDS:
        p50, p99, mean_rows = bbox_latencies(backend, m)
        print(f"{backend:>9} {p50:>8.2f} {p99:>8.2f} {mean_rows:>11.1f}")


if __name__ == "__main__":
    main()
