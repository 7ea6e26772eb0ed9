"""docs/territory.md's table of DeepState's monthly figures: the product's column on the
shared snapshots is recomputed here with the territory commands (issue 19, item 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, require_shared_data

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September"]
PUBLISHED = [325, 192, 133, 175, 449, 556, 564, 464, 259]  # DeepState's own posts (issue 19)


def _km2(cell: str) -> float:
    return float(cell.replace("−", "-").replace("*", ""))


def _table() -> dict[str, list[str]]:
    text = (REPO_ROOT / "docs" / "territory.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in MONTHS and len(cells) == 9:
            rows[cells[0]] = cells
    return rows


@pytest.mark.slow
@pytest.mark.shared_data
def test_shared_snapshot_column_is_what_territory_change_says(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = require_shared_data("deepstate")
    rows = _table()
    assert list(rows) == MONTHS
    assert [int(rows[m][1]) for m in MONTHS] == PUBLISHED
    pairs = [re.findall(r"\d\d-\d\d", rows[m][2]) for m in MONTHS]
    days = sorted({f"2025{d.replace('-', '')}" for pair in pairs for d in pair}
                  - {"20251001"}) + ["20251001"]
    files = [folder / f"deepstatemap_data_{d}.geojson" for d in days]
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    assert cli("territory", "import", "-q", "-w", ws, *files).exit_code == 0
    for month, (start, end) in zip(MONTHS, pairs, strict=True):
        res = cli("territory", "change", "--json", "-w", ws, "--from", f"2025-{start}",
                  "--to", f"2025-{end}")
        assert res.exit_code == 0, res.stderr
        out = json.loads(res.stdout)
        assert (out["from"], out["to"]) == (f"2025-{start}", f"2025-{end}")  # no fallback
        net = out["sides"]["RU"]["gained_km2"] - out["sides"]["RU"]["lost_km2"]
        assert net == pytest.approx(_km2(rows[month][3]), abs=0.051), month
        assert _km2(rows[month][4]) == pytest.approx(
            _km2(rows[month][3]) - PUBLISHED[MONTHS.index(month)], abs=0.051)
