"""Headline actor parser: accuracy on the labelled sample and speed over all VIINA rows.

Run: .venv/bin/python bench/bench_actors.py
Prints a table; figures are copied by hand into bench/RESULTS.md.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

from ceasefire.core.actors import parse_actor, parties

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "viina_actor_sample.csv"
VIINA = ROOT.parent / "shared" / "data" / "viina_incidents"


def accuracy() -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    conf: Counter[tuple[str, str]] = Counter(
        (r["label"], parse_actor(r["headline"]).party or "none") for r in rows)
    n = len(rows)
    acc = sum(v for (g, p), v in conf.items() if g == p) / n
    print(f"sample rows: {n}   accuracy: {acc:.3f}")
    print(f"{'label':6} {'support':>7} {'predicted':>9} {'precision':>9} {'recall':>7}")
    for label in ("RU", "UA", "none"):
        tp = conf[(label, label)]
        pred = sum(v for (_, p), v in conf.items() if p == label)
        gold = sum(v for (g, _), v in conf.items() if g == label)
        print(f"{label:6} {gold:7d} {pred:9d} {tp / pred:9.3f} {tp / gold:7.3f}")
    print("confusion (gold -> predicted):", dict(sorted(conf.items())))


def speed() -> None:
    heads: list[str] = []
    for path in sorted(VIINA.glob("viina_incidents_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            heads.extend(r["headline"] for r in csv.DictReader(fh))
    t0 = time.perf_counter()
    out = parties(heads)
    dt = time.perf_counter() - t0
    counts = Counter(out)
    print(f"all VIINA rows: {len(heads)}  distinct headlines: {len(set(heads))}  "
          f"parse time: {dt:.2f} s  ({len(heads) / dt:,.0f} rows/s)")
    print("parties found:", {str(k): v for k, v in counts.most_common()})
    sub = heads[:20000]
    t0 = time.perf_counter()
    for h in sub:
        parse_actor(h)
    dt1 = time.perf_counter() - t0
    print(f"uncached parse_actor on first 20,000 rows: {dt1:.2f} s ({len(sub) / dt1:,.0f} rows/s)")


if __name__ == "__main__":
    accuracy()
    speed()
