"""Redraw the rows of viina_actor_sample.csv (without labels): the seeded, stratified sample.

Run: .venv/bin/python tests/data/make_actor_sample.py  → prints file,row,headline CSV rows in
the sample's order (strata 1+2, then 3, then 4). The labels were added by hand (README.md).
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

VIINA = Path(__file__).resolve().parents[3] / "shared" / "data" / "viina_incidents"
BROAD = re.compile(r"(рос|рф|окупант|ворог|ворож|противник|враг|вражес|зсу|всу|сил[аи] оборони|"
                   r"україн|украин|арми|армі|войск|військ|боевик|бойовик|десант|штурм)", re.IGNORECASE)
UA_BROAD = re.compile(r"(зсу|всу|сил[аи] оборон|українськ|украинск|гур|ссо|сбу|бригад|"
                      r"прикордонник|нацгвард|дронар|захисник)", re.IGNORECASE)
Row = tuple[str, int, str]


def strata() -> list[list[Row]]:
    rows: list[Row] = []
    for path in sorted(VIINA.glob("viina_incidents_2025*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh), start=1):
                rows.append((path.name, i, r["headline"]))
    seen: set[str] = set()
    cue: list[Row] = []
    rest: list[Row] = []
    for f, i, h in rows:
        key = h.strip()
        if not key or key in seen:
            continue
        seen.add(key)
        (cue if BROAD.search(h) else rest).append((f, i, h))
    rng = random.Random(20251125)
    first = sorted(rng.sample(cue, 165) + rng.sample(rest, 70), key=lambda t: (t[0], t[1]))
    chosen = {h for _, _, h in first}
    ua_pool = sorted((t for t in cue + rest if t[2] not in chosen and UA_BROAD.search(t[2])
                      and "відбул" not in t[2]), key=lambda t: (t[0], t[1]))
    third = sorted(random.Random(20251126).sample(ua_pool, 45), key=lambda t: (t[0], t[1]))
    chosen |= {h for _, _, h in third}
    rng4 = random.Random(20251127)
    fourth = (rng4.sample([t for t in cue if t[2] not in chosen], 40)
              + rng4.sample([t for t in rest if t[2] not in chosen], 20)
              + rng4.sample([t for t in ua_pool if t[2] not in chosen], 10))
    return [first, third, sorted(fourth, key=lambda t: (t[0], t[1]))]


if __name__ == "__main__":
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["file", "row", "headline"])
    for stratum in strata():
        for f, i, h in stratum:
            out.writerow([f, i, " ".join(h.split())])
