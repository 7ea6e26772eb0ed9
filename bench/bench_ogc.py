"""Latency of ``GET /ogc/collections`` at 100k+ incidents (issue 19: 1.09 s at 122,780).

Builds a workspace of N synthetic incidents (spread over Ukraine's box and 2025), one control
snapshot, and times the public ``/ogc/collections`` through the in-process app: the first
request (extents computed), the following ones (extents cached), and the first after a
write (a new incident: recomputed). The peer is ``GET /ogc/conformance`` in the same run (the
same app, auth and JSON path, no extent), so the ratio is what the extents cost. Run it on
the code before and after the cache to compare:

    PYTHONPATH=src .venv/bin/python bench/bench_ogc.py [--incidents 122780] [--repeat 7]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from fastapi.testclient import TestClient

from ceasefire.record import ledger
from ceasefire.web.app import create_app
from ceasefire.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import timed  # the same median-of-N timer as the web benchmark


def incident(i: int, rng: np.random.Generator) -> dict[str, object]:
    t = 1735689600.0 + float(rng.uniform(0, 365 * 86400))
    return {"incident_id": f"inc-{i:07d}", "t_start": t, "t_end": t + 3600.0,
            "lat": float(rng.uniform(44.5, 52.3)), "lon": float(rng.uniform(22.2, 40.2)),
            "location_uncertainty_m": 1000.0, "category": "shelling", "n_reports": 1,
            "n_origin_groups": 1, "confidence": 0.5, "band": "possible", "breakdown": "{}",
            "attributed_party": None, "attribution_probability": None,
            "attribution_basis": "[]"}


def build(folder: Path, n: int) -> Workspace:
    ws = Workspace.init(folder, name="bench ogc")
    rng = np.random.default_rng(19)
    with ws.store.transaction():
        for start in range(0, n, 50_000):
            ws.store.insert("incidents", [incident(i, rng)
                                          for i in range(start, min(n, start + 50_000))])
    ledger.record(ws.store, actor="bench", action="territory.import", rows={
        "control_snapshots": [{"snapshot_date": "2025-06-01", "side": "RU", "source": "bench",
                               "geometry": shapely.to_wkb(shapely.box(36.0, 46.0, 39.0, 49.0)),
                               "area_km2": 75000.0}]})
    return ws


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=122_780)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    ws = build(Path(tempfile.mkdtemp()) / "ws", args.incidents)
    rng = np.random.default_rng(7)
    with TestClient(create_app(ws, watch=False)) as client:
        def collections() -> None:
            client.get("/ogc/collections").raise_for_status()

        def conformance() -> None:
            client.get("/ogc/conformance").raise_for_status()

        written = iter(range(args.incidents, args.incidents + 10 * args.repeat))

        def after_write() -> None:
            # as ``ceasefire fuse`` writes: the rows, then a ledger entry noting them
            with ws.store.transaction():
                ws.store.insert("incidents", [incident(next(written), rng)])
                ledger.record(ws.store, actor="bench", action="fuse", note={"bench": 1})
            collections()

        start = time.perf_counter()
        collections()
        first = time.perf_counter() - start
        warm = timed(collections, args.repeat)
        written_s = timed(after_write, args.repeat)
        peer = timed(conformance, args.repeat)
    print(f"machine: {platform.machine()}, {platform.system()}; incidents: "
          f"{ws.store.count('incidents'):,}; median of {args.repeat}")
    print("| request | s | peer: /ogc/conformance (s) | ratio |")
    print("|---|---|---|---|")
    for name, value in (("/ogc/collections, first request", first),
                        ("/ogc/collections, again (no write between)", warm),
                        ("/ogc/collections, after a write", written_s)):
        print(f"| {name} | {value:.4f} | {peer:.4f} | {value / peer:.1f} |")
    ws.close()


if __name__ == "__main__":
    main()
