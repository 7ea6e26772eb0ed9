"""Draw the headline sample that `viina_headlines.csv` labels (run once, before labelling).

    python data/labels/make_sample.py ../shared/data/viina_incidents  > sample.csv
    python data/labels/make_sample.py ../shared/data/viina_incidents --round 2 \
        --exclude sample.csv > sample2.csv     # a second draw of new headlines, same strata

The sample is stratified so that every kind of headline a reader meets is well represented:
by year (2023, 2024, 2025), by language (Ukrainian, Russian), by whether VIINA gave the row any
`event_type` token, and with a separate stratum for the 2025 truce windows (energy moratorium
18 Mar - 17 Apr, Easter 19-21 Apr, May 8-10). One row is kept per distinct headline (the first
in file order), so the corpus has no duplicate text. The split is fixed by a hash of the
headline: 70 % train, 15 % dev, 15 % test; nothing is tuned on test.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import random
import re
import sys
from pathlib import Path

SEED = 20251204
# headlines per stratum: (year or window, language, has a token) -> count
PER_YEAR = {"2023": 600, "2024": 700, "2025": 770}
WINDOWS = 450
RU_SHARE = 0.35
TOKEN_SHARE = 0.5
TRUCE_WINDOWS = [("2025-03-18", "2025-04-17"), ("2025-04-19", "2025-04-21"),
                 ("2025-05-08", "2025-05-10")]
_RU = re.compile(r"[ыэъё]|\b(что|года|и|это|как|при|его)\b", re.IGNORECASE)
FIELDS = ["datetime", "lon", "lat", "place_name", "event_type", "headline"]


def language(headline: str) -> str:
    """'ru' for Russian, 'uk' otherwise (letters only Russian has, or common Russian words)."""
    return "ru" if _RU.search(headline) else "uk"


def split_of(headline: str) -> str:
    bucket = int(hashlib.sha256(headline.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else ("dev" if bucket < 85 else "test")


def in_window(day: str) -> bool:
    return any(lo <= day <= hi for lo, hi in TRUCE_WINDOWS)


def main(folder: str, round_: int = 1, exclude: set[str] | None = None,
         first_id: int = 1) -> None:
    first: dict[str, dict[str, str]] = {}
    for path in sorted(glob.glob(str(Path(folder) / "viina_incidents_*.csv"))):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if exclude is None or row["headline"] not in exclude:
                    first.setdefault(row["headline"], row)
    strata: dict[tuple[str, str, bool], list[dict[str, str]]] = {}
    for row in first.values():
        day = row["datetime"][:10]
        period = "window" if in_window(day) else day[:4]
        key = (period, language(row["headline"]), bool(row["event_type"]))
        strata.setdefault(key, []).append(row)
    rng = random.Random(SEED + round_ - 1)
    chosen: list[tuple[str, dict[str, str]]] = []
    quotas = dict(PER_YEAR, window=WINDOWS)
    for period, total in quotas.items():
        for lang, lang_share in (("ru", RU_SHARE), ("uk", 1 - RU_SHARE)):
            for token, token_share in ((True, TOKEN_SHARE), (False, 1 - TOKEN_SHARE)):
                pool = sorted(strata.get((period, lang, token), []), key=lambda r: r["headline"])
                want = min(len(pool), round(total * lang_share * token_share))
                for row in rng.sample(pool, want):
                    chosen.append((f"{period}|{lang}|{'token' if token else 'notoken'}", row))
    rng.shuffle(chosen)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["label_id", "stratum", "split", *FIELDS])
    for n, (stratum, row) in enumerate(chosen, start=first_id):
        out.writerow([f"h{n:04d}", stratum, split_of(row["headline"]),
                      *(row[f] for f in FIELDS)])


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default="../shared/data/viina_incidents")
    parser.add_argument("--round", type=int, default=1, dest="round_")
    parser.add_argument("--exclude", help="an earlier sample: its headlines and ids are skipped")
    args = parser.parse_args()
    excluded: set[str] | None = None
    start = 1
    if args.exclude:
        with open(args.exclude, encoding="utf-8", newline="") as fh:
            earlier = list(csv.DictReader(fh))
        excluded = {r["headline"] for r in earlier}
        start = len(earlier) + 1
    main(args.folder, args.round_, excluded, start)
