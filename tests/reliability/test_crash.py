"""Crash safety (issue 11): SIGKILL ``ceasefire ingest`` and ``ceasefire serve`` at random
points, then check that nothing committed was lost, no batch is half-written, nothing is
stored twice, ``ceasefire verify`` passes and the next run resumes to the state of an
uninterrupted run. Figures with more kills: bench/bench_crash.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ceasefire.web import submit
from ceasefire.web.app import create_app
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace
from tests.conftest import require_shared_data
from tests.reliability.crash_harness import (
    StoreState,
    audit,
    freeze_and_kill,
    lock_probe,
    new_workspace,
)
from tests.reliability.crash_ingest import ingest_kills
from tests.reliability.crash_serve import make_request, serve_kills, setup
from tests.store.conftest import fresh_schemas, server_url

INGEST_KILLS = 12
SERVE_KILLS = 10
PG_INGEST_KILLS = 3


def _listed(kills: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{k.target} kill {i} ({k.phase} at {k.delay_s:.2f}s): {p}"
            for i, k in enumerate(kills) for p in k.problems]


@pytest.mark.slow
def test_ingest_killed_at_random_points_loses_nothing_and_resumes(tmp_path: Path) -> None:
    folder = require_shared_data("viina_incidents")
    files = [folder / f"viina_incidents_2025{m:02d}.csv" for m in (6, 7, 8)]
    kills, rounds = ingest_kills(files, tmp_path, INGEST_KILLS, seed=11)
    assert len(kills) == INGEST_KILLS
    assert _listed(kills) == []
    assert rounds and all(r.equal for r in rounds), [r.difference for r in rounds]
    # the kills must land inside writes too, or they prove little
    assert Counter(k.phase for k in kills)["during"] >= 1, kills


@pytest.mark.slow
def test_serve_killed_under_load_keeps_every_acknowledged_report(tmp_path: Path) -> None:
    result = serve_kills(tmp_path, SERVE_KILLS, seed=11)
    assert len(result.kills) == SERVE_KILLS
    assert _listed(result.kills) == []
    assert result.final_problems == []
    assert result.equal
    assert sum(k.acked for k in result.kills) > 0
    assert Counter(k.phase for k in result.kills)["during"] >= 1, result.kills


# -- the harness itself must be able to see a failure ---------------------------------------
def test_audit_names_a_half_batch_a_lost_entry_and_a_failed_verify(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    setup(root)
    rows = make_request(4).rows
    with Workspace.open(root) as ws:
        seq = submit.submit_reports(ws, Principal("mona", "monitor"), rows)["ledger_seq"]
    before = audit(root, None, {seq: len(rows)})
    assert before.problems == []
    db = sqlite3.connect(root / "ceasefire.db")
    with db:  # a crash that kept half of a batch, behind the ledger's back
        db.execute("DELETE FROM reports WHERE report_id = 'crash-4-3'")
        db.execute("DELETE FROM ledger WHERE seq = (SELECT MIN(seq) FROM ledger)")
    db.close()
    after = audit(root, before.state, {seq: len(rows)},
                  acked_reports={("osce", "crash-4-3")})
    assert any("entry 1 is gone" in p for p in after.lost)
    assert any("crash-4-3 is missing" in p for p in after.lost)
    assert any(f"entry {seq}" in p and "3 of 4 reports" in p for p in after.half)
    assert after.verify_code != 0


def test_lock_probe_tells_a_writer_inside_its_transaction_from_an_idle_one(
        tmp_path: Path) -> None:
    root = tmp_path / "ws"
    setup(root)
    for statement, expected in (("BEGIN IMMEDIATE", True), ("SELECT 1", False)):
        code = ("import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(root / 'ceasefire.db')!r}, isolation_level=None)\n"
                f"c.execute({statement!r}); print('ready', flush=True); time.sleep(60)\n")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert freeze_and_kill(proc, lock_probe(root)) is expected
        proc.stdout.close()
    assert StoreState.read(Workspace.open(root)).entries


def test_reports_and_their_idempotent_answer_commit_together(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the reports committed but before the answer was stored used to leave
    the retry answered "duplicate"; both now commit in one transaction (found by the
    harness above)."""
    root = tmp_path / "ws"
    token = setup(root)
    req = make_request(0)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": req.key}
    remember = submit.remember_many

    def crash(*args: object, **kw: object) -> None:
        raise RuntimeError("killed between the reports and the stored answer")

    with Workspace.open(root) as ws, TestClient(create_app(ws, watch=False)) as client:
        monkeypatch.setattr(submit, "remember_many", crash)
        with pytest.raises(RuntimeError):
            client.post(req.path, json=req.body, headers=headers)
        assert ws.store.count("reports", {"report_id": "crash-0"}) == 0
        monkeypatch.setattr(submit, "remember_many", remember)
        retry = client.post(req.path, json=req.body, headers=headers)
        assert retry.status_code == 201, retry.text
        assert [r["status"] for r in retry.json()["reports"]] == ["added"]
        again = client.post(req.path, json=req.body, headers=headers)
        assert again.json() == retry.json() and again.headers["Idempotent-Replayed"] == "true"


@pytest.fixture
def pg_database() -> Iterator[tuple[str, Callable[[], str]]]:
    """The server URL, and a maker of workspace database URLs, each its own fresh schema."""
    base = server_url()
    with fresh_schemas(base, "crash") as new:
        yield base, new


@pytest.mark.slow
@pytest.mark.postgres
def test_ingest_killed_on_postgresql_loses_nothing_and_resumes(
        tmp_path: Path, pg_database: tuple[str, Callable[[], str]]) -> None:
    base, database = pg_database
    file = require_shared_data("viina_incidents", "viina_incidents_202508.csv")
    kills, rounds = ingest_kills([file], tmp_path, PG_INGEST_KILLS, seed=5, database=database,
                                 server_url=base)
    assert len(kills) == PG_INGEST_KILLS
    assert _listed(kills) == []
    assert rounds and all(r.equal for r in rounds), [r.difference for r in rounds]


@pytest.mark.postgres
def test_postgresql_lock_probe_tells_a_writer_inside_its_transaction(
        tmp_path: Path, pg_database: tuple[str, Callable[[], str]]) -> None:
    base, database = pg_database
    root = new_workspace(tmp_path / "ws", database())
    for begin, expected in (("with ws.store.transaction(): ", True), ("", False)):
        code = ("import time; from ceasefire.workspace import Workspace\n"
                f"ws = Workspace.open({str(root)!r}); ws.store.count('ledger')\n"
                f"{begin}print('ready', flush=True); time.sleep(60)\n")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert freeze_and_kill(proc, lock_probe(root, base)) is expected
        proc.stdout.close()
