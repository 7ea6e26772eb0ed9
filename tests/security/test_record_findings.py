"""Issue 18 (low): re-running ``assess`` after ``fuse`` deleted a published finding and
orphaned its review events. Findings keep their identity, and review history is never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.formats.registry import get_reader
from ceasefire.services import assess, findings, fusion, ingest
from ceasefire.services.finding_identity import carry_over
from ceasefire.workspace import Workspace
from tests.record.ledger_data import assessed_finding

AGREEMENT = "easter-truce-2025"
# an earlier account of the drone strike of the published finding: it becomes the
# incident's first report, so the incident (and a naive finding id) changes
EARLIER = """report_id,source_id,observed_at,time_uncertainty_min,lat,lon,location_uncertainty_m,\
place,category,perpetrator,target_class,weapon_class,count,credibility,text
k-0,kyiv_news,2025-04-20T06:05:00+03:00,10,47.8389,35.1398,300,,drone_strike,RU,energy,drone,1,2,\
Earlier account of the drone
"""


@pytest.fixture
def published(workspace: Workspace, tmp_path: Path) -> str:
    fid = assessed_finding(workspace, tmp_path)
    findings.act(workspace, fid, "publish", actor="ada", role="admin")
    return fid


def _finding(ws: Workspace, fid: str) -> dict[str, object] | None:
    return next(ws.store.select("findings", {"finding_id": fid}), None)


def test_reassessment_after_fuse_keeps_the_published_finding_and_its_events(
        workspace: Workspace, tmp_path: Path, published: str) -> None:
    before = _finding(workspace, published)
    assert before is not None
    (tmp_path / "earlier.csv").write_text(EARLIER)
    ingest.ingest_file(workspace, tmp_path / "earlier.csv", get_reader("canonical"))
    assert fusion.fuse_workspace(workspace).removed == 1  # the incident got a new id
    result = assess.assess(workspace, AGREEMENT)
    after = _finding(workspace, published)
    assert after is not None and after["published"] == 1
    assert after["created_at"] == before["created_at"]
    assert after["incident_id"] != before["incident_id"]  # about the successor incident
    ids = {r["finding_id"] for r in workspace.store.select("findings")}
    events = {e["finding_id"] for e in workspace.store.select("finding_events")}
    assert events <= ids  # no review event points at nothing
    assert result.findings == len(ids)
    from ceasefire.record.verify import verify_record

    verify_record(workspace)


def test_plain_reassessment_keeps_the_published_flag(workspace: Workspace, published: str) -> None:
    assess.assess(workspace, AGREEMENT)
    row = _finding(workspace, published)
    assert row is not None and row["published"] == 1


def test_reviewed_finding_without_successor_is_kept_and_named(workspace: Workspace,
                                                              published: str) -> None:
    rows, kept = carry_over(workspace.store, AGREEMENT, [], {}, "2025-05-01T00:00:00Z")
    assert kept == [published]
    assert [r["finding_id"] for r in rows] == [published]
    assert '"factor":"kept"' in str(rows[0]["rationale"])
