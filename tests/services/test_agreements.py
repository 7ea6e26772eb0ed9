"""Storing agreements: versions, amendments, idempotent re-adds, the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.errors import AgreementError, NotFound
from ceasefire.record import ledger
from ceasefire.services.agreements import add_agreement, get_agreement, list_agreements
from ceasefire.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
PROPOSAL = REPO / "examples" / "agreements" / "us_ua_30day_proposal_2025.yaml"


def _amended(tmp_path: Path, version: int, status: str = "collapsed") -> Path:
    text = PROPOSAL.read_text(encoding="utf-8")
    text = text.replace("version: 1\n", f"version: {version}\neffective_at: 2025-03-18T20:00:00+03:00\n")
    text = text.replace("status: proposed", f"status: {status}")
    path = tmp_path / f"v{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_add_is_idempotent_and_ledgered(workspace: Workspace) -> None:
    first = add_agreement(workspace, PROPOSAL)
    assert first.added and first.version == 1 and first.amends is None
    again = add_agreement(workspace, PROPOSAL)
    assert not again.added and again.version == 1
    assert workspace.store.count("agreements") == 1
    assert workspace.store.count("ledger") == 1
    [entry] = workspace.store.select("ledger")
    assert entry["action"] == "agreement.add" and entry["actor"] == workspace.actor
    assert ledger.verify(workspace.store).entries == 1


def test_amendment_keeps_old_versions(workspace: Workspace, tmp_path: Path) -> None:
    add_agreement(workspace, PROPOSAL)
    result = add_agreement(workspace, _amended(tmp_path, 2))
    assert result.added and result.amends == 1 and result.version == 2
    latest = get_agreement(workspace, "us-ua-30day-2025")
    assert latest.version == 2 and latest.agreement.status == "collapsed"
    assert latest.versions == (1, 2)
    assert latest.effective_at == "2025-03-18T17:00:00Z"
    old = get_agreement(workspace, "us-ua-30day-2025", version=1)
    assert old.agreement.status == "proposed"
    assert old.agreement.provision("ru-nato-guarantee").position_of("RU").stance == "proposed"
    [row] = list_agreements(workspace)
    assert row["version"] == 2 and row["versions"] == [1, 2]
    assert ledger.verify(workspace.store).entries == 2


def test_same_version_with_different_terms_is_refused(workspace: Workspace,
                                                      tmp_path: Path) -> None:
    add_agreement(workspace, PROPOSAL)
    with pytest.raises(AgreementError, match="already stored with different terms"):
        add_agreement(workspace, _amended(tmp_path, 1))
    assert workspace.store.count("agreements") == 1


def test_tampering_with_a_stored_agreement_is_detected(workspace: Workspace) -> None:
    add_agreement(workspace, PROPOSAL)
    workspace.store.update("agreements", {"agreement_id": "us-ua-30day-2025"},
                           {"status": "in_force"})
    with pytest.raises(Exception, match="entry 1"):
        ledger.verify(workspace.store)


def test_unknown_ids_and_versions(workspace: Workspace) -> None:
    with pytest.raises(NotFound, match="no agreement 'nope'"):
        get_agreement(workspace, "nope")
    add_agreement(workspace, PROPOSAL)
    with pytest.raises(NotFound, match="no version 7"):
        get_agreement(workspace, "us-ua-30day-2025", version=7)
