"""Mixed load through ``ceasefire serve`` (issue 18, item 8): report submissions while
anonymous clients read the world's findings and incidents and another process writes.

The outside review saw 56 of 400 submissions answered 503 ("database is locked") under this
mix, world-bbox reads of 3-22 s, every other request slowed to 2-7 s and a server of
6.8 GB. This script sets up a workspace of ``--incidents`` synthetic incidents (some holding
a sensitive report, some with a published finding), starts ``ceasefire serve`` in a child
process on 127.0.0.1, and runs at once, all on loopback:

* ``--readers`` anonymous clients looping ``GET /api/v1/findings?bbox=world`` and
  ``GET /api/v1/incidents?bbox=world`` (the review ran 8);
* 4 clients submitting ``--reports`` reports one by one as a monitor (the review: 400);
* a writer in another process committing 50 rows at a time, as a ``ceasefire ingest`` does;
* one anonymous probe of a cheap endpoint (``GET /api/v1/agreements``) every 0.2 s: what
  "every other request" feels like.

It prints one table row: submission statuses and latency, read and probe latency, and the
server's peak resident memory (``VmHWM``). The code measured is the one on ``PYTHONPATH``
(the server inherits it), so the peer is the same script on the code before the fix::

    PYTHONPATH=src .venv/bin/python bench/bench_mixed_load.py
    git archive 3bcedea src | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before/src .venv/bin/python bench/bench_mixed_load.py
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORLD = "-180,-90,180,90"
WRITER = """
import random, sys, time
from ceasefire.store.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])
while True:
    store.insert("idempotency_keys", [{"principal": "cli", "key": f"k{random.random()}",
        "request_hash": "x", "status_code": 200, "response": "{}", "created_at": "2026"}
        for _ in range(50)])
    time.sleep(0.01)
"""


def setup(root: Path, n: int, sensitive: int, published: int) -> str:
    """A workspace of ``n`` incidents; return a monitor's token."""
    from bench_postgres import incidents
    from fastapi.testclient import TestClient

    from ceasefire.record import ledger
    from ceasefire.web.app import create_app
    from ceasefire.web.users import add_user, new_token
    from ceasefire.workspace import Workspace

    with Workspace.init(root) as ws:
        rows = incidents(n)
        for i in range(0, n, 50_000):
            ws.store.insert("incidents", rows[i:i + 50_000])
        ledger.record(ws.store, actor="bench", action="sources.add", rows={"sources": [
            {"source_id": "osce", "name": "patrol", "kind": "monitor",
             "affiliation": "neutral", "reliability": "A", "origin_group": "osce"}]})
        add_user(ws.store, "mona", "monitor")
        token = new_token(ws.store, "mona")
        with TestClient(create_app(ws, watch=False)) as client:
            r = client.post("/api/v1/reports/batch", headers={"Authorization": f"Bearer {token}"},
                            json={"reports": [report(f"s-{i}", sensitive=True)
                                              for i in range(sensitive)]})
            r.raise_for_status()
        rng = random.Random(5)
        rids = [r["rid"] for r in ws.store.select("reports", {"sensitive": 1}, columns=["rid"])]
        chosen = rng.sample(rows, sensitive + published)
        ws.store.insert("incident_reports", [{"incident_id": inc["incident_id"], "rid": rid}
                                             for inc, rid in zip(chosen, rids, strict=False)])
        now = datetime.now(UTC).isoformat()
        ws.store.insert("findings", [{
            "finding_id": f"f{i}", "agreement_id": "bench", "agreement_version": 1,
            "provision_id": "no-fire", "incident_id": inc["incident_id"], "subject": None,
            "day": "2025-04-20", "zone_id": None, "verdict": "likely", "probability": 0.8,
            "attributed_party": "RU", "published": 1, "rationale": "[]", "created_at": now}
            for i, inc in enumerate(chosen[sensitive // 2:])])
    return token


def report(report_id: str, **kw: Any) -> dict[str, Any]:
    body = {"report_id": report_id, "source_id": "osce",
            "observed_at": "2025-04-20T10:15:00+03:00", "lat": 48.0 + random.random(),
            "lon": 37.0 + random.random(), "location_uncertainty_m": 500,
            "category": "shelling", "perpetrator": "RU", "weapon_class": "artillery",
            "credibility": 2, "text": "explosions heard"}
    body.update(kw)
    return body


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(n: int, readers: int, reports: int, sensitive: int, published: int,
        box: str = WORLD) -> None:
    import httpx

    tmp = Path(tempfile.mkdtemp())
    token = setup(tmp / "ws", n, sensitive, published)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    log = open(tmp / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "-c", "from ceasefire.cli import main; main()",
                               "serve", "-w", str(tmp / "ws"), "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    writer = None
    stop = threading.Event()
    submit_ms: list[float] = []
    statuses: list[int] = []
    read_ms: list[float] = []
    read_status: list[int] = []
    probe_ms: list[float] = []
    try:
        deadline = time.monotonic() + 120
        while True:  # bounded wait for the server
            try:
                httpx.get(f"{url}/api/v1/agreements", timeout=5).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((tmp / "serve.log").read_text()) from None
                time.sleep(0.3)
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp / "ws" / "ceasefire.db")])

        def read() -> None:
            with httpx.Client(timeout=120) as client:
                k = 0
                while not stop.is_set():
                    path = ("/api/v1/findings", "/api/v1/incidents")[k % 2]
                    k += 1
                    t = time.perf_counter()
                    r = client.get(url + path, params={"bbox": box})
                    read_ms.append((time.perf_counter() - t) * 1000)
                    read_status.append(r.status_code)

        def probe() -> None:
            with httpx.Client(timeout=120) as client:
                while not stop.is_set():
                    t = time.perf_counter()
                    client.get(f"{url}/api/v1/agreements")
                    probe_ms.append((time.perf_counter() - t) * 1000)
                    stop.wait(0.2)

        def submit(worker: int) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(timeout=120, headers=headers) as client:
                for i in range(worker, reports, 4):
                    t = time.perf_counter()
                    r = client.post(f"{url}/api/v1/reports", json=report(f"load-{i}"))
                    submit_ms.append((time.perf_counter() - t) * 1000)
                    statuses.append(r.status_code)

        background = [threading.Thread(target=read) for _ in range(readers)]
        background.append(threading.Thread(target=probe))
        for thread in background:
            thread.start()
        time.sleep(1.0)  # the readers are under way before the first submission
        started = time.perf_counter()
        submitters = [threading.Thread(target=submit, args=(w,)) for w in range(4)]
        for thread in submitters:
            thread.start()
        for thread in submitters:
            thread.join()
        seconds = time.perf_counter() - started
        stop.set()
        for thread in background:
            thread.join(timeout=300)
        peak = peak_kib(server.pid)
    finally:
        stop.set()
        if writer is not None:
            writer.terminate()
            writer.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        log.close()
    ok = statuses.count(201)
    print(json.dumps({"statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                      "read_statuses": {str(s): read_status.count(s)
                                        for s in sorted(set(read_status))}}))
    print(f"readers' bbox: {box}")
    print("| incidents | readers | reports | 201 | 503 | submit p50 ms | submit p99 ms | "
          "seconds | world reads | read p50 ms | read p99 ms | probe p50 ms | probe p99 ms | "
          "server peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {n:,} | {readers} | {reports} | {ok} | {statuses.count(503)} | "
          f"{statistics.median(submit_ms):.0f} | {pct(submit_ms, 0.99):.0f} | {seconds:.1f} | "
          f"{len(read_ms)} | {pct(read_ms, 0.5):.0f} | {pct(read_ms, 0.99):.0f} | "
          f"{pct(probe_ms, 0.5):.0f} | {pct(probe_ms, 0.99):.0f} | {peak / 1024:.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--reports", type=int, default=400)
    parser.add_argument("--sensitive", type=int, default=20)
    parser.add_argument("--published", type=int, default=50)
    parser.add_argument("--world", default=WORLD,
                        help="the readers' bbox (default the whole world; -179,-89,179,89 "
                             "is a box that is not short-cut to 'no bbox')")
    args = parser.parse_args(argv)
    run(args.incidents, args.readers, args.reports, args.sensitive, args.published,
        args.world)
    return 0


if __name__ == "__main__":
    sys.exit(main())
