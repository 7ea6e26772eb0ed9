"""The fuse service on a real SQLite workspace: rows, ledger, incremental = rebuild."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from ceasefire.errors import InputError, LedgerError
from ceasefire.record import ledger
from ceasefire.services.fusion import fuse_workspace, get_incident
from ceasefire.workspace import Workspace

T = 1_745_000_000.0


def source(sid: str, kind: str = "news", affiliation: str = "neutral", reliability: str = "B",
           group: str | None = None) -> dict[str, Any]:
    return {"source_id": sid, "name": sid.upper(), "kind": kind, "affiliation": affiliation,
            "reliability": reliability, "origin_group": group or sid}


def report(sid: str, rid: str, *, t: float = T, lat: float = 48.0, lon: float = 37.5,
           u: float = 500.0, category: str = "shelling", perpetrator: str | None = None,
           event_ref: str | None = None, dt_min: float = 5.0) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {
        "source_id": sid, "report_id": rid,
        "observed_at": datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z"),
        "t_start": t - dt_min * 60, "t_end": t + dt_min * 60, "time_uncertainty_min": dt_min,
        "lat": lat, "lon": lon, "location_uncertainty_m": u, "place": None,
        "category": category, "perpetrator": perpetrator, "target_class": None,
        "weapon_class": None, "count": None, "credibility": None, "origin_lat": None,
        "origin_lon": None, "event_ref": event_ref, "text": f"{sid} {rid}",
        "evidence_hashes": None, "sensitive": 0, "extra": None, "ingest_file": None,
        "ingest_row": None,
    }


def put(ws: Workspace, sources: list[dict[str, Any]], reports: list[dict[str, Any]]) -> None:
    rows: dict[str, list[dict[str, Any]]] = {"reports": reports}
    if sources:
        rows["sources"] = sources
    ledger.record(ws.store, actor="test", action="test-ingest", rows=rows)


def incidents(ws: Workspace) -> dict[str, tuple[frozenset[int], float, str]]:
    links: dict[str, set[int]] = {}
    for row in ws.store.select("incident_reports"):
        links.setdefault(row["incident_id"], set()).add(row["rid"])
    return {r["incident_id"]: (frozenset(links[r["incident_id"]]), r["confidence"], r["band"])
            for r in ws.store.select("incidents")}


def test_fuse_writes_incidents_links_and_a_verifiable_ledger_entry(workspace: Workspace) -> None:
    put(workspace, [source("osce", "monitor", reliability="A"), source("sat", "satellite"),
                    source("ua", "party", "UA", "C")],
        [report("osce", "1"), report("sat", "9", t=T + 900, lat=48.005),
         report("ua", "x", t=T + 7200, lat=47.3, perpetrator="RU")])
    summary = fuse_workspace(workspace)
    assert summary.incidents == 2 and summary.written == 2 and summary.new_reports == 3
    rows = {r["n_reports"]: r for r in workspace.store.select("incidents")}
    merged, alone = rows[2], rows[1]
    assert merged["band"] == "confirmed" and merged["n_origin_groups"] == 2
    assert merged["attributed_party"] is None and merged["attribution_probability"] is None
    assert alone["confidence"] < 0.5
    detail = json.loads(merged["breakdown"])
    assert {g["origin_group"] for g in detail["groups"]} == {"osce", "sat"}
    assert ledger.verify(workspace.store).derived_checked >= 2
    # an edit behind the tool's back is caught
    workspace.store.update("incidents", {"incident_id": merged["incident_id"]},
                           {"confidence": 0.1})
    with pytest.raises(LedgerError):
        ledger.verify(workspace.store)


def test_merge_rules_on_the_store(workspace: Workspace) -> None:
    put(workspace, [source("a", reliability="B"), source("b", reliability="B"),
                    source("c", reliability="B", group="a")],
        [report("a", "1"), report("a", "2", t=T + 60),                   # same source twice
         report("a", "10", lat=47.0), report("b", "10", lat=47.0),       # independent pair
         report("a", "20", lat=46.5), report("c", "20", lat=46.5),       # one origin group
         report("a", "30", lat=49.0)])                                   # alone
    fuse_workspace(workspace)
    by_rids = {rids: (conf, band) for rids, conf, band in incidents(workspace).values()}
    rid = {f"{r['source_id']}:{r['report_id']}": r["rid"]
           for r in workspace.store.select("reports")}
    assert frozenset({rid["a:1"]}) in by_rids and frozenset({rid["a:2"]}) in by_rids
    alone = by_rids[frozenset({rid["a:30"]})][0]
    independent = by_rids[frozenset({rid["a:10"], rid["b:10"]})][0]
    same_group = by_rids[frozenset({rid["a:20"], rid["c:20"]})][0]
    assert independent > alone
    assert same_group == pytest.approx(alone)


def _many(n: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    sources = [source(f"s{i}", reliability="ABCDE"[i % 5], group=f"g{i % 4}") for i in range(6)]
    reports = [report(f"s{int(rng.integers(0, 6))}", f"r{i}", t=T + float(rng.uniform(0, 86400)),
                      lat=float(rng.uniform(47.8, 48.2)), lon=float(rng.uniform(37.3, 37.7)),
                      u=float(rng.choice([200, 1000, 4000])),
                      category=str(rng.choice(["shelling", "drone_strike", "explosion"])))
               for i in range(n)]
    return sources, reports


def test_incremental_two_halves_equal_rebuild(workspace: Workspace, tmp_path) -> None:
    sources, reports = _many(400, 2)
    order = np.random.default_rng(0).permutation(len(reports)).tolist()
    first, second = [reports[i] for i in order[:200]], [reports[i] for i in order[200:]]
    put(workspace, sources, first)
    fuse_workspace(workspace)
    put(workspace, [], second)
    summary = fuse_workspace(workspace)
    assert summary.new_reports == 200 and summary.written < summary.incidents
    incremental = incidents(workspace)
    again = fuse_workspace(workspace)
    assert again.ledger_seq is None  # nothing new: nothing written
    fuse_workspace(workspace, rebuild=True)
    assert incidents(workspace) == incremental
    # and a workspace fed the same reports in one go, in another order, agrees
    other = Workspace.init(tmp_path / "other")
    try:
        put(other, sources, [dict(reports[i]) for i in reversed(order)])
        fuse_workspace(other)
        by_key = {r["rid"]: f"{r['source_id']}:{r['report_id']}"
                  for r in workspace.store.select("reports")}
        other_key = {r["rid"]: f"{r['source_id']}:{r['report_id']}"
                     for r in other.store.select("reports")}

        def named(ws_incidents: dict, names: dict) -> dict:
            return {iid: (frozenset(names[r] for r in rids), conf, band)
                    for iid, (rids, conf, band) in ws_incidents.items()}
        assert named(incidents(other), other_key) == named(incremental, by_key)
    finally:
        other.close()
    ledger.verify(workspace.store)


def test_unknown_engine_and_bad_profile_are_input_errors(workspace: Workspace) -> None:
    with pytest.raises(InputError):
        fuse_workspace(workspace, engine="spark")
    workspace.settings.scoring["radii_km"] = {"nonsense": 3}
    put(workspace, [source("a")], [report("a", "1")])
    with pytest.raises(InputError) as err:
        fuse_workspace(workspace)
    assert "scoring.radii_km" in str(err.value)


def test_get_incident_joins_reports_and_sources(workspace: Workspace) -> None:
    put(workspace, [source("a"), source("b")], [report("a", "1"), report("b", "1")])
    fuse_workspace(workspace)
    (iid,) = incidents(workspace)
    found = get_incident(workspace.store, iid)
    assert found is not None
    assert {r["source_id"] for r in found["reports"]} == {"a", "b"}
    assert set(found["sources"]) == {"a", "b"}
    assert get_incident(workspace.store, "inc-nope") is None


def test_changed_profile_or_source_rebuilds_by_itself(workspace: Workspace) -> None:
    put(workspace, [source("a", reliability="B"), source("b", reliability="C")],
        [report("a", "1"), report("b", "1", lat=47.0)])
    fuse_workspace(workspace)
    put(workspace, [], [report("a", "2", lat=46.0)])
    assert fuse_workspace(workspace).rebuilt_because is None  # same basis: incremental
    before = {r["incident_id"]: r["confidence"] for r in workspace.store.select("incidents")}
    workspace.store.update("sources", {"source_id": "b"}, {"reliability": "A"})
    put(workspace, [], [report("a", "3", lat=45.5)])
    summary = fuse_workspace(workspace)
    assert summary.rebuild and summary.rebuilt_because
    after = {r["incident_id"]: r["confidence"] for r in workspace.store.select("incidents")}
    (b_rid,) = [r["rid"] for r in workspace.store.select("reports", {"source_id": "b"})]
    (b_incident,) = [iid for iid, (rids, _, _) in incidents(workspace).items() if b_rid in rids]
    assert after[b_incident] > before[b_incident]  # rescored with the new reliability
    workspace.settings.scoring["accusation_factor"] = 0.3
    put(workspace, [], [report("a", "4", lat=45.0)])
    assert fuse_workspace(workspace).rebuilt_because


def test_silence_counts_only_groups_the_operation_has(workspace: Workspace) -> None:
    # one feed only: its silence elsewhere is no evidence, a lone C report stays at 0.70
    put(workspace, [source("viina", reliability="C")], [report("viina", "1")])
    fuse_workspace(workspace)
    (row,) = workspace.store.select("incidents")
    assert row["confidence"] == pytest.approx(0.70)
    detail = json.loads(row["breakdown"])
    assert detail["silence"]["expected_groups"] == 1 and detail["silence"]["missing"] == 0


def test_a_partys_silence_is_no_evidence(workspace: Workspace) -> None:
    """A party feed reports what it chooses to accuse: a news-only incident is not marked
    down because the parties said nothing about it (issue 17)."""
    put(workspace, [source("viina", reliability="C"),
                    source("ru-mod", kind="party", affiliation="RU", reliability="C"),
                    source("ua-af", kind="party", affiliation="UA", reliability="C")],
        [report("viina", "1"), report("ru-mod", "1", lat=45.0, perpetrator="UA")])
    fuse_workspace(workspace)
    rid = next(r["rid"] for r in workspace.store.select("reports", {"source_id": "viina"}))
    (iid,) = [iid for iid, (rids, _, _) in incidents(workspace).items() if rid in rids]
    (row,) = workspace.store.select("incidents", {"incident_id": iid})
    assert row["confidence"] == pytest.approx(0.70)
    assert json.loads(row["breakdown"])["silence"]["missing"] == 0
