"""Rebuild this folder's sample from ../shared/data (the 2025-03-01 .. 2025-05-31 extract).

    python examples/demo/make_sample.py

Copies the files unchanged (VIINA monthly files, DeepState daily files) or filtered by date
(the VIINA energy-strike screen); see SOURCE.md for origins and licences.
"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data"
FIRST, LAST = "20250301", "20250531"


def main() -> int:
    if not SHARED.exists():
        print(f"shared data not found at {SHARED}", file=sys.stderr)
        return 2
    for sub in ("viina", "viina_energy", "deepstate"):
        (HERE / sub).mkdir(exist_ok=True)
    for month in ("202503", "202504", "202505"):
        name = f"viina_incidents_{month}.csv"
        shutil.copyfile(SHARED / "viina_incidents" / name, HERE / "viina" / name)
    for src in sorted((SHARED / "deepstate").glob("deepstatemap_data_*.geojson")):
        day = src.stem.rsplit("_", 1)[-1]
        if FIRST <= day <= LAST:
            shutil.copyfile(src, HERE / "deepstate" / src.name)
    source = SHARED / "viina_energy_strikes" / "VIINA_2025_REBUILD.csv"
    with open(source, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if FIRST <= r["date"] <= LAST]
        fields = reader.fieldnames or []
    out = HERE / "viina_energy" / "VIINA_2025_REBUILD_2025-03_2025-05.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"sample rebuilt in {HERE} ({len(rows)} energy-strike rows)")
    for sub, source, name in (
            ("mod_telegram", SHARED / "party_claims" / "mod_russia_telegram_2023_2026.csv",
             "mod_russia_telegram_2025-03_2025-05.csv"),
            ("airforce_waves", SHARED / "missile_uav_attacks" / "missile_attacks_daily.csv",
             "missile_attacks_daily_2025-03_2025-05.csv")):
        kept = _rows_by_date(source, HERE / sub / name)
        print(f"{sub}: {kept} rows")
    return 0


def _rows_by_date(source: Path, out: Path) -> int:
    """The rows whose first column (a date or date-time) falls in the sample's months."""
    first, last = f"{FIRST[:4]}-{FIRST[4:6]}-{FIRST[6:]}", f"{LAST[:4]}-{LAST[4:6]}-{LAST[6:]}"
    out.parent.mkdir(exist_ok=True)
    with open(source, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if first <= r[0][:10] <= last]
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
