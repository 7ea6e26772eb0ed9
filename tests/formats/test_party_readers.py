"""formats.mod_telegram and formats.airforce_waves: the parties' own reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.formats.registry import get_reader
from ceasefire.services.ingest import ingest_file
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES, require_shared_data

MOD_SAMPLE = EXAMPLES / "demo" / "mod_telegram" / "mod_russia_telegram_2025-03_2025-05.csv"
AF_SAMPLE = EXAMPLES / "demo" / "airforce_waves" / "missile_attacks_daily_2025-03_2025-05.csv"
HEADER = "date,datetime,drone_count,oblasts,text_snippet\n"
# (day of the attack in UTC, region, category, target words) of the five energy claims of
# the moratorium named in issue 17, checked by hand against the snippets
ENERGY = {("2025-03-23", "Krasnodar Krai", "drone_strike", "Кропоткинская"),
          ("2025-03-26", "Bryansk Oblast", "drone_strike", "Брянскэнерго"),
          ("2025-03-28", "Kursk Oblast", "mlrs", "Суджа"),
          ("2025-03-28", "Belgorod Oblast", "drone_strike", "Белгородэнерго"),
          ("2025-04-08", "Krasnodar Krai", "drone_strike", "Кореновская")}


def reports(ws: Workspace, source: str) -> list[dict]:
    return [r for r in ws.store.select("reports") if r["source_id"] == source]


def ingest(ws: Workspace, path: Path, fmt: str) -> dict:
    summary = ingest_file(ws, path, get_reader(fmt)).as_dict()
    assert summary["read"] == summary["added"] + summary["duplicates"] + summary["rejected"]
    return summary


def energy_claims(rows: list[dict]) -> set[tuple[str, str, str, str]]:
    found = set()
    for r in rows:
        if r["target_class"] != "energy":
            continue
        target = json.loads(r["extra"])["target"] or ""
        word = next((w for _, _, _, w in ENERGY if w in target), target)
        found.add((r["observed_at"][:10], r["place"], r["category"], word))
    return found


def test_mod_sample_gives_the_five_energy_accusations(workspace: Workspace) -> None:
    summary = ingest(workspace, MOD_SAMPLE, "mod-telegram")
    rows = reports(workspace, "ru-mod")
    assert summary["added"] == len(rows) > 400
    assert ENERGY <= energy_claims(rows)
    assert {r["perpetrator"] for r in rows} == {"UA"}
    kropotkinskaya = next(r for r in rows if "Кропоткинская" in (r["text"] or "")
                          and r["target_class"] == "energy")
    # "24 марта около двух часов ночи" is 02:00 Moscow time = 23:00 UTC the day before
    assert kropotkinskaya["observed_at"] == "2025-03-23T23:00:00Z"
    korenovskaya = next(r for r in rows if "Кореновская" in (r["text"] or ""))
    assert korenovskaya["count"] == 8 and korenovskaya["weapon_class"] == "drone"
    # the quarantine holds the posts that are no accusation, with the reason
    reasons = {q["reason"] for q in workspace.store.select("quarantine")}
    assert any(reason.startswith("not an accusation") for reason in reasons)


def test_mod_interception_list_gives_one_report_per_region(workspace: Workspace,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "mod.csv"
    snippet = ("🎖🎖 В течение прошедшей ночи дежурными средствами ПВО** уничтожено и "
               "перехвачено 57 украинских беспилотных летательных аппаратов:**   ▪️ 35 БПЛА - над "
               "территорией **Курской** области,  ▪️ по два БпЛА – над территориями Брянской и "
               "Белгородской областей, ▪️ один БПЛА - над акваторией Азовского моря.")
    path.write_text(HEADER + f'2025-03-19,2025-03-19 04:36,35,kursk,"{snippet}"\n'
                    '2025-03-19,2025-03-19 09:00,0,unknown,"Главное за день: совещание"\n'
                    "2025-03-19,19.03.2025,0,unknown,text\n", encoding="utf-8")
    summary = ingest(workspace, path, "mod-telegram")
    rows = {r["place"]: r for r in reports(workspace, "ru-mod")}
    assert {k: v["count"] for k, v in rows.items()} == {
        "Kursk Oblast": 35, "Bryansk Oblast": 2, "Belgorod Oblast": 2}
    # the night before 07:00 MSK of 19 March: 20:00 .. 07:00 MSK = 17:00 .. 04:00 UTC
    assert rows["Kursk Oblast"]["observed_at"] == "2025-03-18T22:30:00Z"
    assert rows["Kursk Oblast"]["location_uncertainty_m"] > 50_000
    quarantined = {(q["row"], q["field"]) for q in workspace.store.select("quarantine")}
    assert quarantined == {(2, "place"), (3, "text_snippet"), (4, "datetime")}
    # four claims in the first post (three regions and the sea) and two refused posts
    assert summary == {**summary, "read": 6, "added": 3, "rejected": 3}


def test_airforce_sample_accounts_for_every_row(workspace: Workspace) -> None:
    summary = ingest(workspace, AF_SAMPLE, "airforce-waves")
    rows = reports(workspace, "ua-airforce")
    assert summary["added"] == len(rows) > 300
    assert {r["perpetrator"] for r in rows} == {"RU"}
    wave = [r for r in rows if json.loads(r["extra"])["time_start"] == "2025-05-13 19:30"
            and json.loads(r["extra"])["model"] == "Shahed-136/131"]
    # five hit regions → five reports, each with the wave's figures
    assert sorted(r["place"] for r in wave) == sorted(
        ["Sumy Oblast", "Odesa Oblast", "Kharkiv Oblast", "Donetsk Oblast", "Kirovohrad Oblast"])
    assert {r["count"] for r in wave} == {145}
    assert {json.loads(r["extra"])["destroyed"] for r in wave} == {80.0}
    # 19:30 .. 09:00 Kyiv (EEST, UTC+3): middle 02:15 local = 23:15 UTC, ± 405 min
    assert {(r["observed_at"], r["time_uncertainty_min"]) for r in wave} == {
        ("2025-05-13T23:15:00Z", 405.0)}


def test_airforce_bad_rows_are_quarantined(workspace: Workspace, tmp_path: Path) -> None:
    header = AF_SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "af.csv"
    path.write_text(header + "\n" + "\n".join([
        "2025-05-14 09:00,2025-05-13 19:30,Shahed-136/131,,Ukraine,,10.0,5.0" + "," * 14,
        "2025-05-13,2025-05-13,,,south,,3.0,3.0" + "," * 14,
        "2025-05-13,2025-05-13,Lancet,,Kherson oblast,,,1.0" + "," * 14,
        "2025-05-13,2025-05-13,Lancet,,Kherson oblast,,2.0,1.0" + "," * 14]) + "\n",
        encoding="utf-8")
    summary = ingest(workspace, path, "airforce-waves")
    assert (summary["read"], summary["added"], summary["rejected"]) == (4, 1, 3)
    fields = sorted(q["field"] for q in workspace.store.select("quarantine"))
    assert fields == ["launched", "model", "time_start"]


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_mod_file(workspace: Workspace) -> None:
    path = require_shared_data("party_claims", "mod_russia_telegram_2023_2026.csv")
    summary = ingest(workspace, path, "mod-telegram")
    assert summary["added"] > 6000
    assert ENERGY <= energy_claims(reports(workspace, "ru-mod"))


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_airforce_file(workspace: Workspace) -> None:
    path = require_shared_data("missile_uav_attacks", "missile_attacks_daily.csv")
    summary = ingest(workspace, path, "airforce-waves")
    # 3,585 rows, some with several regions; a handful refused (no count, Snake Island)
    assert summary["read"] > 3585 and summary["rejected"] < 50
