"""The hash chain: recording, verifying, and detecting every kind of tampering."""

from __future__ import annotations

import sqlite3

import pytest

from ceasefire.errors import LedgerError
from ceasefire.record import ledger
from ceasefire.workspace import Workspace


def _sources(n: int, start: int = 0) -> list[dict[str, object]]:
    return [{"source_id": f"s{i}", "name": f"S{i}", "kind": "monitor", "affiliation": "neutral",
             "reliability": "A", "origin_group": f"s{i}"} for i in range(start, start + n)]


def _recorded(ws: Workspace) -> Workspace:
    ledger.record(ws.store, actor="t", action="sources.add", rows={"sources": _sources(3)})
    ledger.record(ws.store, actor="t", action="sources.add", rows={"sources": _sources(2, 3)})
    ledger.record(ws.store, actor="t", action="note", note={"x": 1})
    return ws


def _sql(ws: Workspace, sql: str) -> None:
    ws.close()
    conn = sqlite3.connect(ws.database_location)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_chain_verifies(workspace: Workspace) -> None:
    result = ledger.verify(_recorded(workspace).store)
    assert result.entries == 3 and result.rows_checked == 5


def test_canonical_encoding_ignores_int_float_and_row_order() -> None:
    a = ledger.digest_rows({"sources": [{"a": 1, "b": "x"}, {"a": 2.0, "b": None}]})
    b = ledger.digest_rows({"sources": [{"b": None, "a": 2}, {"b": "x", "a": 1.0}]})
    assert a == b
    assert a != ledger.digest_rows({"sources": [{"a": 1, "b": "y"}, {"a": 2, "b": None}]})


@pytest.mark.parametrize("sql, seq", [
    ("UPDATE sources SET name = 'forged' WHERE source_id = 's1'", 1),
    ("DELETE FROM sources WHERE source_id = 's4'", 2),
    ("INSERT INTO sources VALUES ('s9', 'x', 'news', 'neutral', 'A', 's9', 2)", 2),
    ("INSERT INTO sources VALUES ('s9', 'x', 'news', 'neutral', 'A', 's9', 7)", 7),
    ("UPDATE ledger SET actor = 'mallory' WHERE seq = 2", 2),
    ("DELETE FROM ledger WHERE seq = 2", 2),
    ("UPDATE ledger SET seq = seq + 10 WHERE seq = 3", 3),
])
def test_tampering_is_detected_and_named(workspace: Workspace, sql: str, seq: int) -> None:
    ws = _recorded(workspace)
    _sql(ws, sql)
    with pytest.raises(LedgerError) as info:
        ledger.verify(ws.store)
    assert info.value.seq == seq


def test_reordered_entries_are_detected(workspace: Workspace) -> None:
    ws = _recorded(workspace)
    ws.close()
    conn = sqlite3.connect(ws.database_location)
    rows = conn.execute("SELECT * FROM ledger ORDER BY seq").fetchall()
    conn.execute("DELETE FROM ledger")
    swapped = [rows[1][:1] + rows[0][1:], rows[0][:1] + rows[1][1:], rows[2]]
    conn.executemany("INSERT INTO ledger VALUES (?,?,?,?,?,?,?,?)", swapped)
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError) as info:
        ledger.verify(ws.store)
    assert info.value.seq == 1


def test_derived_state_is_checked(workspace: Workspace) -> None:
    store = workspace.store
    store.insert("incidents", [{
        "incident_id": "i1", "t_start": 0.0, "t_end": 1.0, "lat": 48.0, "lon": 37.0,
        "location_uncertainty_m": 100.0, "category": "shelling", "n_reports": 1,
        "n_origin_groups": 1, "confidence": 0.5, "band": "possible", "breakdown": "{}",
        "attributed_party": None, "attribution_probability": None, "attribution_basis": None}])
    ledger.record(store, actor="t", action="fuse",
                  note={"derived": [ledger.derived_state(store, "incidents")]})
    assert ledger.verify(store).derived_checked == 1
    _sql(workspace, "UPDATE incidents SET confidence = 0.99")
    with pytest.raises(LedgerError) as info:
        ledger.verify(workspace.store)
    assert info.value.seq == 1


def test_failed_record_writes_nothing(workspace: Workspace) -> None:
    ledger.record(workspace.store, actor="t", action="a", rows={"sources": _sources(1)})
    with pytest.raises(Exception):  # noqa: B017 - whichever the backend raises for the duplicate key
        ledger.record(workspace.store, actor="t", action="a", rows={"sources": _sources(2)})
    assert workspace.store.count("ledger") == 1
    assert workspace.store.count("sources") == 1
