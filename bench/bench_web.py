"""Benchmark of the web API on the demo workspace (real 2025 VIINA sample, ~12.8k incidents).

Prints a table: each API operation next to its in-process peer measured in the same run
(the store query or ledger write it wraps), and the ratio. Run:

    .venv/bin/python bench/bench_web.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from ceasefire.record import ledger
from ceasefire.services.demo import run_demo
from ceasefire.web.app import create_app
from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def report_rows(prefix: str, n: int) -> list[dict[str, object]]:
    return [{"report_id": f"{prefix}-{i}", "source_id": "bench",
             "observed_at": "2025-04-20T10:15:00+03:00", "lat": 47 + (i % 100) / 100,
             "lon": 36 + (i // 100) / 100, "category": "shelling", "credibility": 3}
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp()) / "demo"
    run_demo(folder, formats=("json",))
    ws = Workspace.open(folder)
    store = ws.store
    add_user(store, "mona", "monitor")
    auth = {"Authorization": f"Bearer {new_token(store, 'mona')}"}
    ledger.record(store, actor="bench", action="sources.add", rows={"sources": [{
        "source_id": "bench", "name": "bench", "kind": "monitor", "affiliation": "neutral",
        "reliability": "B", "origin_group": "bench"}]})
    n_inc = store.count("incidents")
    rows: list[tuple[str, float, str, float]] = []
    with TestClient(create_app(ws, watch=False)) as client:
        def page_api() -> None:
            client.get("/ogc/collections/incidents/items", params={"limit": 1000}).raise_for_status()

        def page_store() -> None:
            list(store.select("incidents", order_by=["t_start", "incident_id"], limit=1000))
        rows.append(("OGC items, 1000 incidents (public)", timed(page_api, args.repeat),
                     "store.select 1000 incidents", timed(page_store, args.repeat)))

        def bbox_api() -> None:
            client.get("/api/v1/incidents", headers=auth, params={
                "bbox": "37,47,39,49", "datetime": "2025-04-19/2025-04-22", "limit": 1000}
                       ).raise_for_status()

        from ceasefire.web.query import Filters
        where = Filters.parse(bbox="37,47,39,49", datetime_="2025-04-19/2025-04-22").where()

        def bbox_store() -> None:
            list(store.select("incidents", where, limit=1000))
        rows.append(("REST bbox+datetime (monitor)", timed(bbox_api, args.repeat),
                     "store.select same filter", timed(bbox_store, args.repeat)))

        counter = iter(range(10**6))

        def submit_api() -> None:
            k = next(counter)
            r = client.post("/api/v1/reports/batch", headers=auth,
                            json={"reports": report_rows(f"a{k}", 1000)})
            assert r.status_code == 201, r.text

        def submit_ledger() -> None:
            from ceasefire.core.validation import ReportValidator
            k = next(counter)
            v = ReportValidator({"bench"})
            good = []
            for i, raw in enumerate(report_rows(f"l{k}", 1000)):
                row = v.validate(raw)
                row.update({"evidence_hashes": None, "sensitive": 0, "extra": None,
                            "ingest_file": "bench", "ingest_row": i})
                good.append(row)
            ledger.record(store, actor="bench", action="bench", rows={"reports": good})
        rows.append(("POST batch of 1000 reports", timed(submit_api, args.repeat),
                     "validate + ledger.record 1000", timed(submit_ledger, args.repeat)))
    print(f"demo workspace: {n_inc} incidents; median of {args.repeat} runs")
    print(f"| {'operation':40} | {'s':>7} | {'peer (same run)':32} | {'s':>7} | ratio |")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 34}|{'-' * 9}|-------|")
    for name, t, peer, tp in rows:
        print(f"| {name:40} | {t:7.4f} | {peer:32} | {tp:7.4f} | {t / tp:5.1f} |")
    ws.close()


if __name__ == "__main__":
    main()
