"""Event screening and attribution, three methods side by side, and the model's speed.

    .venv/bin/python bench/bench_screening.py              # the test split (the reported table)
    .venv/bin/python bench/bench_screening.py --split dev  # what choices were made on
    .venv/bin/python bench/bench_screening.py --sweep      # dev: regularisation per head

Methods: VIINA's tokens; the rule path the product used before (tokens + the headline
parser + the side holding the place); the packaged model (``headlines.cfhm``). Speed: the
packaged model over every row of ``../shared/data/viina_incidents`` (191,675), one core, with
the tokens as context and each distinct (headline, context) judged once, as ingest does.
"""

from __future__ import annotations

import argparse
import csv
import glob
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data" / "labels"))

from ceasefire.core.screening import HeadlineContext, HeadlineModel
from ceasefire.core.screening_metrics import (
    Prediction,
    Scores,
    rule_prediction,
    score,
    token_prediction,
)
from ceasefire.formats.viina import labels_to_category
from ceasefire.services.screening import packaged_model

CORPUS = Path(os.environ.get('CEASEFIRE_CORPUS', ROOT / 'data' / 'labels' / 'viina_headlines.csv'))


def model_predictions(model: HeadlineModel, rows: list[dict[str, str]]) -> list[Prediction]:
    from build_model import context_of

    judged = model.judge([r["headline"] for r in rows], [context_of(r) for r in rows])
    return [Prediction(j.event_probability, j.category, j.actor) for j in judged]


def table(results: dict[str, Scores]) -> str:
    lines = ["| measure | " + " | ".join(results) + " | target |",
             "|---|" + "---|" * (len(results) + 1)]
    rows = [("event screening F1", "event_f1", "≥ 0.90"),
            ("event precision / recall", None, ""),
            ("event Brier", "event_brier", "≤ 0.08"),
            ("actor accuracy on events", "actor_accuracy", "≥ 0.88"),
            ("UA recall", "ua_recall", "≥ 0.80"),
            ("wrong side (RU↔UA)", "wrong_side", "≤ 0.02"),
            ("category macro-F1", "category_macro_f1", "≥ 0.70")]
    for name, key, target in rows:
        if key is None:
            cells = [f"{s.event_precision:.3f} / {s.event_recall:.3f}" for s in results.values()]
        else:
            cells = [f"{getattr(s, key):.3f}" for s in results.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines)


def speed(model: HeadlineModel) -> tuple[int, int, float]:
    rows: list[tuple[str, HeadlineContext]] = []
    for path in sorted(glob.glob(str(ROOT.parent / "shared/data/viina_incidents/*.csv"))):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append((r["headline"], HeadlineContext(
                    tuple(t for t in r["event_type"].split("|") if t))))
    started = time.perf_counter()
    distinct = list(dict.fromkeys(rows))
    model.judge([h for h, _ in distinct], [c for _, c in distinct])
    return len(rows), len(distinct), time.perf_counter() - started


def sweep(rows: list[dict[str, str]]) -> None:
    from build_model import C, train_heads

    train = [r for r in rows if r["split"] == "train"]
    dev = [r for r in rows if r["split"] == "dev"]
    for c in (0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
        vocab, heads = train_heads(train, {k: c for k in C})
        model = HeadlineModel.from_bytes(HeadlineModel.to_bytes(vocab, heads, {}))
        s = score(dev, model_predictions(model, dev))
        print(f"C={c:5}: event F1 {s.event_f1:.3f} Brier {s.event_brier:.3f} actor "
              f"{s.actor_accuracy:.3f} UA {s.ua_recall:.3f} wrong {s.wrong_side:.3f} "
              f"category {s.category_macro_f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="test", choices=("train", "dev", "test"))
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    with open(CORPUS, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if args.sweep:
        sweep(rows)
        return
    part = [r for r in rows if r["split"] == args.split]
    model = packaged_model()
    results = {
        "VIINA tokens": score(part, [token_prediction(r, labels_to_category) for r in part]),
        "rule path (before)": score(part, [rule_prediction(r, labels_to_category) for r in part]),
        "model": score(part, model_predictions(model, part)),
    }
    events = results["model"].n_events
    print(f"# {args.split} split: {len(part)} headlines, {events} events; model sha256 "
          f"{model.sha256[:16]}…; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    print(table(results))
    if not args.no_speed:
        n, distinct, seconds = speed(model)
        print(f"\nspeed: {n:,} rows ({distinct:,} distinct headline+context) in {seconds:.2f} s "
              f"= {n / seconds:,.0f} rows/s, {distinct / seconds:,.0f} distinct headlines/s")


if __name__ == "__main__":
    main()
