"""Join the drawn sample with the labels written by reading into ``viina_headlines.csv``.

    python data/labels/assemble.py SAMPLE.csv LABELS_1.csv [LABELS_2.csv ...] \
        --deepstate ../shared/data/deepstate > data/labels/viina_headlines.csv

``SAMPLE.csv`` is the output of ``make_sample.py``; each labels file has
``label_id,is_event,category,actor,energy_target`` as the labellers wrote it (unchanged here).
The one derived column, ``held_by``, is a feature, not a label: who held the row's point on its
date by the latest DeepState snapshot on or before it, else the earliest one (``RU``/``UA``;
the front moves little against the scale of the places named), ``outside`` beyond Ukraine's
outline. It is what ingest computes from a workspace's control snapshots
(``ceasefire.services.screening.PlaceSides``).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import sys
from datetime import date
from pathlib import Path

import numpy as np
import shapely

from ceasefire.core.territory import ControlMap
from ceasefire.formats.deepstate import date_from_name, read_deepstate
from ceasefire.services.territory import national_territory

LABELS = ("is_event", "category", "actor", "energy_target")
CATEGORIES = {"explosion", "shelling", "mlrs", "airstrike", "missile_strike", "drone_strike",
              "small_arms_fire", "ground_assault", "territorial_advance", "weapons_sighting",
              "movement_restriction", "civilian_harm", "infrastructure_damage", "other", "none"}


def check(row: dict[str, str], where: str) -> None:
    ok = (row["is_event"] in ("0", "1") and row["category"] in CATEGORIES
          and row["actor"] in ("RU", "UA", "none", "unclear")
          and row["energy_target"] in ("0", "1")
          and (row["category"] == "none") == (row["is_event"] == "0"))
    if not ok:
        raise SystemExit(f"{where}: bad labels {row}")


def held_by(rows: list[dict[str, str]], folder: Path) -> list[str]:
    files = sorted(folder.glob("deepstatemap_data_*.geojson"), key=date_from_name)
    days = [date_from_name(f) for f in files]
    territory = national_territory()
    outline = territory.outline
    out = [""] * len(rows)
    by_snapshot: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        lat, lon = float(r["lat"]), float(r["lon"])
        if not outline.contains(shapely.Point(lon, lat)):
            out[i] = "outside"
            continue
        # the latest snapshot on or before the day, else the earliest (as PlaceSides does)
        k = max(bisect.bisect_right(days, date.fromisoformat(r["datetime"][:10])) - 1, 0)
        by_snapshot.setdefault(k, []).append(i)
    for k, idx in by_snapshot.items():
        record = read_deepstate(files[k])
        control = ControlMap.from_sides(days[k], {record.side: record.geometry}, territory)
        occupied = control.given[control.primary]
        inside = shapely.contains_xy(occupied, np.array([float(rows[i]["lon"]) for i in idx]),
                                     np.array([float(rows[i]["lat"]) for i in idx]))
        for i, h in zip(idx, inside, strict=True):
            out[i] = control.primary if h else ("UA" if control.primary == "RU" else "RU")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sample", type=Path)
    parser.add_argument("labels", type=Path, nargs="+")
    parser.add_argument("--deepstate", type=Path, default=Path("../shared/data/deepstate"))
    args = parser.parse_args()
    with open(args.sample, encoding="utf-8", newline="") as fh:
        sample = list(csv.DictReader(fh))
    labels: dict[str, dict[str, str]] = {}
    for path in args.labels:
        with open(path, encoding="utf-8", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                row = {k.strip(): (v or "").strip() for k, v in row.items()}
                check(row, f"{path}:{n}")
                labels[row["label_id"]] = row
    missing = [r["label_id"] for r in sample if r["label_id"] not in labels]
    if missing:
        raise SystemExit(f"{len(missing)} sample rows have no label, e.g. {missing[:5]}")
    held = held_by(sample, args.deepstate)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([*sample[0].keys(), "held_by", *LABELS])
    for row, side in zip(sample, held, strict=True):
        out.writerow([*row.values(), side, *(labels[row["label_id"]][c] for c in LABELS)])


if __name__ == "__main__":
    main()
