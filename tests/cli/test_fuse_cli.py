"""`ceasefire fuse`, `ceasefire incidents list` and `ceasefire incident show` end to end."""

from __future__ import annotations

import json

from ceasefire.workspace import Workspace
from tests.services.test_fusion_service import T, put, report, source


def _seed(ws: Workspace) -> None:
    put(ws, [source("osce", "monitor", reliability="A"), source("sat", "satellite"),
             source("ru", "party", "RU", "C"), source("tass", "news", "RU", "C", group="ru")],
        [report("osce", "1"), report("sat", "1", t=T + 600, lat=48.004),
         report("ru", "1", t=T + 86400, lat=47.2, lon=35.9, perpetrator="UA",
                category="drone_strike"),
         report("tass", "1", t=T + 86400 + 900, lat=47.201, lon=35.9, perpetrator="UA",
                category="drone_strike")])


def test_fuse_json_then_incremental_then_rebuild(cli, workspace: Workspace) -> None:
    _seed(workspace)
    res = cli("fuse", "-w", workspace.root, "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["incidents"] == 2 and out["new_reports"] == 4 and out["engine"] == "local"
    assert "fusing" in res.stderr or "loading" in res.stderr  # the progress bar, on stderr
    again = cli("fuse", "-w", workspace.root)
    assert again.exit_code == 0 and "nothing to fuse" in again.stdout
    rebuilt = cli("fuse", "-w", workspace.root, "--rebuild", "--json")
    assert json.loads(rebuilt.stdout)["written"] == 2
    assert cli("verify", "-w", workspace.root).exit_code == 0


def test_fuse_rejects_unknown_engine(cli, workspace: Workspace) -> None:
    res = cli("fuse", "-w", workspace.root, "--engine", "spark")
    assert res.exit_code == 2


def test_bad_scoring_profile_is_one_line_exit_2(cli, workspace: Workspace) -> None:
    _seed(workspace)
    config = workspace.root / "ceasefire.toml"
    config.write_text(config.read_text().replace("[scoring]\n", "[scoring]\nradius_km = -1\n"))
    res = cli("fuse", "-w", workspace.root)
    assert res.exit_code == 2
    assert "scoring.radius_km" in res.stderr and "Traceback" not in res.stderr


def test_incidents_list_filters(cli, workspace: Workspace) -> None:
    _seed(workspace)
    cli("fuse", "-w", workspace.root)
    everything = json.loads(cli("incidents", "list", "-w", workspace.root, "--json").stdout)
    assert len(everything) == 2
    assert everything[0]["t_start"] >= everything[1]["t_start"]  # newest first
    assert {"time_start", "band", "confidence", "n_origin_groups"} <= set(everything[0])
    drones = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                            "--category", "drone_strike").stdout)
    assert [d["category"] for d in drones] == ["drone_strike"]
    assert drones[0]["n_reports"] == 2 and drones[0]["n_origin_groups"] == 1
    confirmed = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                               "--band", "confirmed").stdout)
    assert [c["category"] for c in confirmed] == ["shelling"]
    high = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                          "--min-confidence", "0.9").stdout)
    assert len(high) == 1
    boxed = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                           "--bbox", "35,47,36.5,47.5").stdout)
    assert [b["category"] for b in boxed] == ["drone_strike"]
    early = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                           "--to", "2025-04-18T20:00:00+00:00").stdout)
    assert [e["category"] for e in early] == ["shelling"]
    assert len(json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                              "--limit", "1").stdout)) == 1
    bad = cli("incidents", "list", "-w", workspace.root, "--bbox", "1,2,3")
    assert bad.exit_code == 2 and "--bbox" in bad.stderr
    table = cli("incidents", "list", "-w", workspace.root)
    assert table.exit_code == 0 and "shelling" in table.stdout


def test_incident_show_explains_the_score(cli, workspace: Workspace) -> None:
    _seed(workspace)
    cli("fuse", "-w", workspace.root)
    (drone,) = json.loads(cli("incidents", "list", "-w", workspace.root, "--json",
                              "--category", "drone_strike").stdout)
    res = cli("incident", "show", drone["incident_id"], "-w", workspace.root)
    assert res.exit_code == 0, res.stderr
    assert "origin group ru" in res.stdout and "accusation" in res.stdout
    assert "ru:1" in res.stdout and "tass:1" in res.stdout
    data = json.loads(cli("incident", "show", drone["incident_id"], "-w", workspace.root,
                          "--json").stdout)
    assert len(data["breakdown"]["groups"]) == 1
    assert len(data["breakdown"]["groups"][0]["reports"]) == 2
    assert {r["source_id"] for r in data["reports"]} == {"ru", "tass"}
    assert set(data["sources"]) == {"ru", "tass"}
    # the member pair's match weight, comparison by comparison
    (link,) = data["breakdown"]["links"]
    assert set(link["reports"]) == {"ru:1", "tass:1"}
    assert set(link["comparisons"]) == {"distance", "time", "category", "sides"}
    assert link["comparisons"]["sides"]["level"] == "same party"
    assert "member pairs (match weight in bits" in res.stdout and "sides same party" in res.stdout
    missing = cli("incident", "show", "inc-0000", "-w", workspace.root)
    assert missing.exit_code == 2 and "no incident" in missing.stderr


def test_fuse_explain_prints_the_m_u_table(cli, workspace: Workspace) -> None:
    _seed(workspace)
    res = cli("fuse", "-w", workspace.root, "--explain")
    assert res.exit_code == 0, res.stderr
    assert "linkage model (default" in res.stdout  # four reports: too few to fit
    for level in ("distance   <0.5", "time       >=4", "category   other family",
                  "sides      opposing parties"):
        assert level in res.stdout
    frozen = cli("fuse", "-w", workspace.root, "--rebuild", "--keep-model", "--explain")
    assert frozen.exit_code == 0 and "frozen" in frozen.stdout
