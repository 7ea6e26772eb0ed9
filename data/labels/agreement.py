"""Agreement between the first labels and the second blind pass (Cohen's κ per label).

    python data/labels/agreement.py    # prints the table that docs/labelling.md quotes

Reads ``viina_headlines.csv`` (first pass) and ``second_pass.csv`` (150 headlines labelled
again by another labeller who never saw the first labels). ``category`` and ``actor`` are
compared on the rows both passes call events.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def main() -> None:
    with open(HERE / "viina_headlines.csv", encoding="utf-8", newline="") as fh:
        first = {r["label_id"]: r for r in csv.DictReader(fh)}
    with open(HERE / "second_pass.csv", encoding="utf-8", newline="") as fh:
        second = list(csv.DictReader(fh))
    print("| label | rows | raw agreement | Cohen's κ |")
    print("|---|---|---|---|")
    for label in ("is_event", "category", "actor", "energy_target"):
        pairs = [(first[r["label_id"]][label], r[label]) for r in second
                 if label in ("is_event", "energy_target")
                 or (first[r["label_id"]]["is_event"] == "1" and r["is_event"] == "1")]
        a, b = [p[0] for p in pairs], [p[1] for p in pairs]
        raw = sum(x == y for x, y in pairs) / len(pairs)
        print(f"| {label} | {len(pairs)} | {raw:.3f} | {kappa(a, b):.3f} |")


if __name__ == "__main__":
    main()
