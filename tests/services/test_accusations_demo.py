"""Must-show of issue 17 on the demo workspace: the accusations of the energy moratorium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.services.demo import run_demo

SITES = ("Кропоткинская", "Брянск", "Суджа", "Белгород", "Кореновская")


@pytest.mark.slow
def test_demo_accusations_and_report(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "demo"
    run_demo(root, formats=("html",))
    ru = cli("accusations", "list", "-w", root, "--agreement", "energy-moratorium-2025",
             "--party", "RU", "--json")
    assert ru.exit_code == 0, ru.stderr
    data = json.loads(ru.stdout)
    items = data["accusations"]
    energy = [a for a in items if a["target_class"] == "energy"]
    for site in SITES:
        assert any(site in (a["text"] + (a["target"] or "")) for a in energy), site
    assert all(a["status"] in ("corroborated", "contradicted", "standing alone") for a in items)
    interceptions = [a for a in items if a["target_class"] is None]
    assert len(interceptions) > 150 and data["fused"]
    assert any("400 characters" in n for n in data["notes"])
    ua = json.loads(cli("accusations", "list", "-w", root, "--agreement",
                        "energy-moratorium-2025", "--party", "UA", "--json").stdout)
    assert ua["accusations"] and {a["source_id"] for a in ua["accusations"]} == {"ua-airforce"}
    # VIINA (neutral news) is fused in the demo: some of the Air Force's waves are corroborated
    assert ua["counts"]["UA"]["corroborated"] > 0
    html = (root / "reports" / "energy-moratorium-2025" / "report.html").read_text(
        encoding="utf-8")
    assert "Accusations by each party" in html
    assert "RU accuses UA" in html and "UA accuses RU" in html
