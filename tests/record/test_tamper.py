"""Tampering behind the tool's back (plain sqlite3 on a real workspace): every edit,
deletion, insertion and reordering of rows or entries makes `ceasefire verify` fail with
exit code 1 and name the first bad entry; extends tests/record/test_ledger.py.

The workspace: sources (entry 1), two ingests, fusion, an agreement, assessment, an
evidence upload and a review, then the signing key and a signed checkpoint, then one more
entry after the checkpoint.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ceasefire.record import checkpoints, ledger
from ceasefire.workspace import Workspace
from tests.record.ledger_data import assessed_finding, flip_first_byte

Tamper = Callable[[sqlite3.Connection, dict[str, int]], None]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    tmp = tmp_path_factory.mktemp("tamper")
    with Workspace.init(tmp / "ws") as ws:
        assessed_finding(ws, tmp)
        checkpoints.create(ws)
        ledger.record(ws.store, actor="t", action="note", note={"after": "checkpoint"})
        seq: dict[str, int] = {}
        for e in ws.store.select("ledger", order_by=["seq"]):
            note = json.loads(e["note"])
            key = e["action"] + (":" + Path(note["file"]).name if "file" in note else "")
            seq.setdefault(key, e["seq"])
    return tmp / "ws", seq


def _sql(*statements: str) -> Tamper:
    def run(conn: sqlite3.Connection, seq: dict[str, int]) -> None:
        for statement in statements:
            conn.execute(statement.format(**{k.replace(":", "_").replace(".", "_")
                                             .replace("-", "_"): v for k, v in seq.items()}))
    return run


def _swap_entries(conn: sqlite3.Connection, seq: dict[str, int]) -> None:
    a, b = (conn.execute("SELECT * FROM ledger WHERE seq = ?", (s,)).fetchone() for s in (2, 3))
    conn.execute("DELETE FROM ledger WHERE seq IN (2, 3)")
    conn.execute("INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?)", (2, *b[1:]))
    conn.execute("INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?)", (3, *a[1:]))


def _insert_entry(conn: sqlite3.Connection, seq: dict[str, int]) -> None:
    """Make room at 5 and insert a forged entry that links to entry 4 correctly."""
    for s in [r[0] for r in conn.execute("SELECT seq FROM ledger WHERE seq >= 5 "
                                         "ORDER BY seq DESC")]:
        conn.execute("UPDATE ledger SET seq = seq + 1 WHERE seq = ?", (s,))
    prev = conn.execute("SELECT entry_hash FROM ledger WHERE seq = 4").fetchone()[0]
    payload = ledger.digest_rows({})
    h = ledger.entry_hash(5, "2025-04-20T00:00:00Z", "mallory", "note", "{}", payload, prev)
    conn.execute("INSERT INTO ledger VALUES (5, '2025-04-20T00:00:00Z', 'mallory', 'note', '{}',"
                 " ?, ?, ?)", (payload, prev, h))


def _swap_rids(conn: sqlite3.Connection, seq: dict[str, int]) -> None:
    a, b = (conn.execute("SELECT rid FROM reports WHERE report_id = ?", (r,)).fetchone()[0]
            for r in ("m-001", "m-008"))
    conn.execute("UPDATE reports SET rid = -1 WHERE rid = ?", (a,))
    conn.execute("UPDATE reports SET rid = ? WHERE rid = ?", (a, b))
    conn.execute("UPDATE reports SET rid = ? WHERE rid = -1", (b,))


MIXED = "ingest:mixed_reports.csv"
CASES: list[tuple[str, Tamper, str | int | None]] = [
    ("edit a report", _sql("UPDATE reports SET text = 'forged' WHERE report_id = 'm-002'"),
     MIXED),
    ("edit a coordinate", _sql("UPDATE reports SET lat = lat + 0.01 WHERE report_id = 'k-1'"),
     "ingest:extra.csv"),
    ("delete a report", _sql("DELETE FROM reports WHERE report_id = 'm-008'"), MIXED),
    ("insert a report into an entry", _sql(
        "INSERT INTO reports (source_id, report_id, observed_at, t_start, t_end, "
        "time_uncertainty_min, category, sensitive, ledger_seq) SELECT source_id, 'forged', "
        "observed_at, t_start, t_end, time_uncertainty_min, category, 0, ledger_seq "
        "FROM reports WHERE report_id = 'm-002'"), MIXED),
    ("insert a report under no entry", _sql(
        "INSERT INTO reports (source_id, report_id, observed_at, t_start, t_end, "
        "time_uncertainty_min, category, sensitive, ledger_seq) VALUES ('smm', 'x', "
        "'2025-04-20T00:00:00Z', 0, 1, 1, 'shelling', 0, 99)"), 99),
    ("edit a source", _sql("UPDATE sources SET reliability = 'A' WHERE source_id = 'ru_mod'"),
     "sources.add"),
    ("delete a quarantined row", _sql("DELETE FROM quarantine WHERE qid = "
                                      "(SELECT MIN(qid) FROM quarantine)"), MIXED),
    ("edit an incident", _sql("UPDATE incidents SET confidence = 0.99"), "assess"),
    ("delete an incident link", _sql("DELETE FROM incident_reports WHERE rid = "
                                     "(SELECT MIN(rid) FROM incident_reports)"), "fuse"),
    ("edit a finding", _sql("UPDATE findings SET verdict = 'violation'"), "assess"),
    ("delete a finding", _sql("DELETE FROM findings WHERE rowid = "
                              "(SELECT MIN(rowid) FROM findings)"), "assess"),
    ("edit a review", _sql("UPDATE finding_events SET note = 'nothing to see'"), "confirm"),
    ("edit an evidence file record", _sql("UPDATE evidence_files SET size = 1"),
     "evidence.upload"),
    ("edit an agreement", _sql("UPDATE agreements SET title = 'x'"), "agreement.add"),
    ("edit an entry", _sql("UPDATE ledger SET actor = 'mallory' WHERE seq = 3"), 3),
    ("delete an entry", _sql("DELETE FROM ledger WHERE seq = 4"), 4),
    ("reorder entries", _swap_entries, 2),
    ("insert an entry", _insert_entry, 5),
    ("truncate the ledger", _sql("DELETE FROM ledger WHERE seq = (SELECT MAX(seq) FROM ledger "
                                 "WHERE seq IN (SELECT tree_size FROM checkpoints))"), "keys.init"),
    ("swap two reports' ids", _swap_rids, MIXED),
    ("renumber a report", _sql("UPDATE reports SET rid = rid + 1000 WHERE report_id = 'k-1'"),
     None),
    ("replace the public key", _sql("UPDATE signing_keys SET public_key = "
                                    + flip_first_byte("public_key")), "keys.init"),
    ("edit a checkpoint", _sql("UPDATE checkpoints SET root = "
                                                + flip_first_byte("root")), None),
    ("delete the checkpoints", _sql("DELETE FROM checkpoints"), None),
]


@pytest.mark.parametrize("tamper, expected", [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_tampering_is_detected(cli, base, tmp_path: Path, tamper: Tamper,  # type: ignore[no-untyped-def]
                               expected: str | int | None) -> None:
    source, seq = base
    ws = tmp_path / "ws"
    shutil.copytree(source, ws)
    assert cli("verify", "-w", ws).exit_code == 0
    conn = sqlite3.connect(ws / "ceasefire.db")
    tamper(conn, seq)
    conn.commit()
    conn.close()
    result = cli("verify", "-w", ws, "--json")
    assert result.exit_code == 1, result.stdout
    report = json.loads(result.stdout)
    assert report["ok"] is False
    if isinstance(expected, str):
        expected = seq[next(k for k in seq if k == expected or k.endswith(expected)
                            or k.startswith(f"{expected}:"))]
    if expected is not None:
        assert report["first_bad_entry"] == expected, report["error"]
    plain = cli("verify", "-w", ws)
    assert plain.exit_code == 1 and len(plain.stderr.strip().splitlines()) == 1
    assert "Traceback" not in plain.stderr
