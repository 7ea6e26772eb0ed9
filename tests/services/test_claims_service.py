"""`ceasefire claims check` on real data: the March 2025 claims and the truce counts."""

from __future__ import annotations

import json
from pathlib import Path

from ceasefire.formats.registry import get_reader
from ceasefire.services.fusion import fuse_workspace
from ceasefire.services.ingest import ingest_file
from ceasefire.services.territory import import_snapshots
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES, require_shared_data


def test_march_claims_and_truce_counts(workspace: Workspace, cli) -> None:  # type: ignore[no-untyped-def]
    deepstate = require_shared_data("deepstate")
    import_snapshots(workspace, [deepstate / "deepstatemap_data_20250313.geojson",
                                 deepstate / "deepstatemap_data_20250426.geojson"], "deepstate")
    april = require_shared_data("viina_incidents", "viina_incidents_202504.csv")
    ingest_file(workspace, april, get_reader("viina"))
    fuse_workspace(workspace)
    root = workspace.root
    workspace.close()
    result = cli("claims", "check", "-w", root, "--json",
                 EXAMPLES / "claims" / "march_2025_claims.yaml",
                 EXAMPLES / "claims" / "truce_violations_2025.yaml")
    assert result.exit_code == 0, result.stderr
    verdicts = {v["claim_id"]: v for v in json.loads(result.stdout)}
    for v in verdicts.values():
        assert {"claim_id", "verdict", "measured", "coverage"} <= set(v)
    share = verdicts["march-2025-nearly-20-percent"]
    assert share["verdict"] == "supported"
    assert 18.4 <= share["measured"] <= 18.8  # clipped to the border, on the ellipsoid
    kursk = verdicts["kursk-2025-04-26-full-control"]
    assert kursk["verdict"] == "not_verifiable" and "Ukraine only" in kursk["reason"]
    easter_ua, easter_ru = verdicts["P03"], verdicts["P02"]  # 2,935 and 4,900 claimed
    for v in (easter_ua, easter_ru):
        assert v["verdict"] != "supported"  # no made-up match with the parties' counts
        assert v["measured"] is not None and v["caveat"]


def test_unreadable_claims_file_is_a_clean_error(workspace: Workspace, cli, tmp_path: Path  # type: ignore[no-untyped-def]
                                                 ) -> None:
    bad = tmp_path / "claims.txt"
    bad.write_text("nothing")
    result = cli("claims", "check", "-w", workspace.root, bad)
    assert result.exit_code == 2 and "claims.txt" in result.stderr
    assert "Traceback" not in result.stderr
