"""Scale benchmark (issue 10), store side: ingest rate at N, 2N, 4N and bbox latency through
the HTTP API over 1M incidents.

``ingest``: synthetic reports through ``ledger.record`` (encode + insert + ledger entry, the
path ``ceasefire ingest`` takes), fresh store per run, SQLite and PostgreSQL in the same run
(reuses bench/bench_postgres.py's generator and stores).

``api``: ``incidents`` rows inserted directly through the Store into a fresh workspace, then
``ceasefire serve`` in a child process on 127.0.0.1 and a bounded loop of bbox requests
(``GET /api/v1/incidents?bbox=...``, a monitor's token, boxes of 0.1-0.5 degrees) over
HTTP; p50/p99 of the request latency, next to the same bbox select through the Store in
process (its peer in the same run).

    CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) \\
        .venv/bin/python bench/bench_scale_api.py ingest --sizes 100000,200000,400000
    .venv/bin/python bench/bench_scale_api.py api --incidents 1000000 --backend sqlite
    .venv/bin/python bench/bench_scale_api.py api --incidents 1000000 --backend postgres
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def ingest(sizes: list[int]) -> None:
    from bench_postgres import ingest_seconds
    backends = ["sqlite"] + (["postgres"] if os.environ.get("CEASEFIRE_TEST_POSTGRES_URL")
                             else [])
    print("| reports | " + " | ".join(f"{b} s | {b} reports/s | {b} growth"
                                      for b in backends) + " | postgres / sqlite |")
    print("|---:|" + "---:|---:|---:|" * len(backends) + "---:|")
    base: dict[str, float] = {}
    for n in sizes:
        cells, took = [], {}
        for backend in backends:
            took[backend] = ingest_seconds(backend, n)
            base.setdefault(backend, took[backend] / n)
            cells.append(f"{took[backend]:.2f} | {n / took[backend]:,.0f} | "
                         f"x{took[backend] / (base[backend] * sizes[0]):.2f}")
        ratio = took["postgres"] / took["sqlite"] if "postgres" in took else float("nan")
        print(f"| {n:,} | " + " | ".join(cells) + f" | {ratio:.2f} |", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(backend: str) -> tuple[str | None, str | None]:
    """(database URL for init, schema to drop afterwards)."""
    if backend == "sqlite":
        return None, None
    import psycopg
    base = os.environ["CEASEFIRE_TEST_POSTGRES_URL"]
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    option = quote(f"-c search_path={schema},public", safe="")
    return f"{base}{'&' if '?' in base else '?'}options={option}", schema


def _drop(schema: str | None) -> None:
    if schema:
        import psycopg
        with psycopg.connect(os.environ["CEASEFIRE_TEST_POSTGRES_URL"], autocommit=True) as a:
            a.execute(f"DROP SCHEMA {schema} CASCADE")


def api(n: int, backend: str, queries: int, limit: int) -> None:
    import httpx
    from bench_postgres import incidents

    from ceasefire.store import Between
    from ceasefire.web.users import add_user, new_token
    from ceasefire.workspace import Workspace
    url, schema = _database(backend)
    tmp = Path(tempfile.mkdtemp())
    try:
        with Workspace.init(tmp / "ws", database=url) as ws:
            start = time.perf_counter()
            rows = incidents(n)
            for i in range(0, n, 50_000):
                ws.store.insert("incidents", rows[i:i + 50_000])
            del rows
            if backend == "postgres":
                ws.store._execute("ANALYZE incidents")  # type: ignore[attr-defined]
            load_s = time.perf_counter() - start
            add_user(ws.store, "mona", "monitor")
            token = new_token(ws.store, "mona")
            rng = random.Random(3)
            boxes = []
            for _ in range(queries):
                lat, lon = rng.uniform(45, 51), rng.uniform(23, 39)
                size = rng.choice([0.1, 0.25, 0.5])
                boxes.append((lon, lat, lon + size, lat + size))
            store_ms = []
            for b in boxes:  # the peer: the same select through the Store, in process
                t = time.perf_counter()
                list(ws.store.select("incidents", {"lat": Between(b[1], b[3]),
                                                   "lon": Between(b[0], b[2])},
                                     order_by=["t_start", "incident_id"], limit=limit))
                ws.store.count("incidents", {"lat": Between(b[1], b[3]),
                                             "lon": Between(b[0], b[2])})
                store_ms.append((time.perf_counter() - t) * 1000)
        port = _free_port()
        log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen([sys.executable, "-c", "from ceasefire.cli import main; main()",
                                   "serve", "-w",
                                   str(tmp / "ws"), "--port", str(port)], stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}/api/v1/incidents"
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(timeout=60.0, headers=headers) as client:
                deadline = time.monotonic() + 120
                while True:  # bounded wait for the server
                    try:
                        client.get(base, params={"limit": 1}).raise_for_status()
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline or server.poll() is not None:
                            raise RuntimeError((tmp / "serve.log").read_text()) from None
                        time.sleep(0.5)
                api_ms, returned, matched = [], 0, 0
                for b in boxes:
                    t = time.perf_counter()
                    res = client.get(base, params={"bbox": ",".join(map(str, b)),
                                                   "limit": limit})
                    res.raise_for_status()
                    api_ms.append((time.perf_counter() - t) * 1000)
                    body = res.json()
                    returned += body["numberReturned"]
                    matched += body["numberMatched"]
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    finally:
        _drop(schema)

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    print(f"{backend}: {n:,} incidents loaded through the Store in {load_s:.1f} s; "
          f"{queries} bbox requests, limit {limit}; mean {returned / queries:.1f} returned, "
          f"{matched / queries:.1f} matched")
    print("| backend | incidents | path | p50 ms | p99 ms | mean ms |")
    print("|---|---:|---|---:|---:|---:|")
    for path, ms in (("HTTP API (ceasefire serve)", api_ms), ("Store select + count", store_ms)):
        print(f"| {backend} | {n:,} | {path} | {statistics.median(ms):.1f} | {pct(ms, 0.99):.1f} "
              f"| {statistics.fmean(ms):.1f} |")
    print(f"API / Store at p50: x{statistics.median(api_ms) / statistics.median(store_ms):.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    i = sub.add_parser("ingest")
    i.add_argument("--sizes", default="100000,200000,400000")
    a = sub.add_parser("api")
    a.add_argument("--incidents", type=int, default=1_000_000)
    a.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    a.add_argument("--queries", type=int, default=300)
    a.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    if args.command == "ingest":
        ingest([int(s) for s in args.sizes.split(",")])
    else:
        api(args.incidents, args.backend, args.queries, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
