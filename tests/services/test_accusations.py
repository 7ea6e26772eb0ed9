"""services.accusations and ``ceasefire accusations list`` on the parties' sample files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.formats.registry import get_reader
from ceasefire.services.accusations import list_accusations
from ceasefire.services.agreements import add_agreement
from ceasefire.services.fusion import fuse_workspace
from ceasefire.services.ingest import ingest_file
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES

SAMPLE = EXAMPLES / "demo"
ENERGY_SITES = ("Кропоткинская", "Брянск", "Суджа", "Белгород", "Кореновская")
AGREEMENT = "energy-moratorium-2025"


@pytest.fixture(scope="module")
def parties_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("acc") / "ws"
    with Workspace.init(root) as ws:
        add_agreement(ws, EXAMPLES / "agreements" / "energy_moratorium_2025.yaml")
        for fmt, folder in (("mod-telegram", "mod_telegram"), ("airforce-waves", "airforce_waves")):
            for path in sorted((SAMPLE / folder).glob("*.csv")):
                ingest_file(ws, path, get_reader(fmt))
    return root


def energy(items: list) -> list:
    return [i for i in items if i.target_class == "energy"]


def test_before_fusion_the_list_says_so(parties_ws: Path) -> None:
    with Workspace.open(parties_ws) as ws:
        if ws.store.count("incident_reports"):
            pytest.skip("fused by another test of this module")
        result = list_accusations(ws, AGREEMENT, "RU")
    assert not result.fused and any("ceasefire fuse" in n for n in result.notes)


def test_ru_lists_the_five_energy_accusations_and_the_interceptions(parties_ws: Path) -> None:
    with Workspace.open(parties_ws) as ws:
        fuse_workspace(ws)
        result = list_accusations(ws, AGREEMENT, "RU")
    assert result.fused
    found = energy(result.items)
    texts = [i.text + (i.target or "") for i in found]
    for site in ENERGY_SITES:
        assert any(site in t for t in texts), site
    interceptions = [i for i in result.items if i.target_class is None]
    assert len(interceptions) > 150 and {i.accuser for i in result.items} == {"RU"}
    assert {i.accused for i in result.items} == {"UA"}
    # the Kropotkinskaya claim (24 Mar) precedes Ukraine's own start of the moratorium (25 Mar)
    kropotkinskaya = next(i for i in found if "Кропоткинская" in (i.target or ""))
    assert not kropotkinskaya.accused_bound
    assert sum(result.counts()["RU"].values()) == len(result.items)
    assert any("400 characters" in n for n in result.notes)


def test_cli_lists_air_force_waves_for_ua(parties_ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    with Workspace.open(parties_ws) as ws:
        fuse_workspace(ws)
    out = cli("accusations", "list", "-w", parties_ws, "--agreement", AGREEMENT,
              "--party", "UA", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["accusations"] and {a["source_id"] for a in data["accusations"]} == {
        "ua-airforce"}
    assert {a["accused"] for a in data["accusations"]} == {"RU"}
    # without a fused independent source nothing can be corroborated
    assert data["counts"]["UA"]["corroborated"] == 0
    bad = cli("accusations", "list", "-w", parties_ws, "--agreement", "no-such-agreement")
    assert bad.exit_code == 2


def test_report_has_the_section_for_both_parties(parties_ws: Path, tmp_path: Path) -> None:
    from datetime import date

    from ceasefire.reports.render import to_markdown, write_report
    from ceasefire.services.claims import check_claims, read_claim_files
    from ceasefire.services.reporting import build_report

    with Workspace.open(parties_ws) as ws:
        fuse_workspace(ws)
        claims = check_claims(ws, read_claim_files(
            [EXAMPLES / "claims" / "truce_violations_2025.yaml"]))
        report = build_report(ws, AGREEMENT, date(2025, 3, 18), date(2025, 4, 17), claims)
    by_party = {a.accuser: a for a in report.accusations}
    assert set(by_party) == {"RU", "UA"}
    ru = by_party["RU"]
    # the named energy sites lead RU's strongest items, each with its status
    assert [line.what for line in ru.strongest[:5]] and all(
        "energy" in line.what for line in ru.strongest[:5])
    assert {line.status for line in ru.strongest} <= {"corroborated", "contradicted",
                                                     "standing alone"}
    # published totals: only the moratorium's claims (E..), not the Easter/May ones
    assert ru.published and {t.claim_id[0] for t in ru.published} == {"E"}
    zakharova = next(t for t in ru.published if t.claim_id == "E09")
    assert zakharova.claimed == ">80" and zakharova.listed == sum(ru.counts.values())
    assert any("400 characters" in n for n in report.accusation_notes)
    assert any("low confidence by design" in n for n in report.accusation_notes)
    md = to_markdown(report, {"map": "m.png", "daily": "d.png", "territory": "t.png"})
    assert "## Accusations by each party" in md and "### UA accuses RU" in md
    html = (write_report(report, tmp_path, ["html"])[0]).read_text(encoding="utf-8")
    assert "Accusations by each party" in html and "RU accuses UA" in html
