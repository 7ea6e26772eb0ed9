"""Signed checkpoints and signing keys: creation, automatic signing, rotation, and every
way a checkpoint, a key or the entries under it can be tampered with."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from ceasefire.errors import InputError, LedgerError
from ceasefire.record import checkpoints, keys, ledger, merkle
from ceasefire.record import verify as record
from ceasefire.workspace import Workspace
from tests.record.ledger_data import flip_first_byte


def _add(ws: Workspace, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        ledger.record(ws.store, actor="t", action="sources.add", rows={"sources": [
            {"source_id": f"s{i}", "name": f"S{i}", "kind": "monitor", "affiliation": "neutral",
             "reliability": "A", "origin_group": f"s{i}"}]})


def _sql(ws: Workspace, sql: str, *params: object) -> None:
    ws.close()
    conn = sqlite3.connect(ws.database_location)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_first_checkpoint_creates_a_private_key_only_the_owner_can_read(
        workspace: Workspace) -> None:
    _add(workspace, 3)
    row = checkpoints.create(workspace)
    assert row["tree_size"] == 4  # three writes and the key's own entry
    kid = row["key_id"]
    private = workspace.path("keys", f"{kid}.key")
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(private.parent).st_mode) == 0o700
    assert b"PRIVATE KEY" in private.read_bytes()
    stored = " ".join(str(v) for r in workspace.store.select("signing_keys") for v in r.values())
    assert "PRIVATE" not in stored
    assert keys.verify_signature(keys.active(workspace.store)["public_key"],  # type: ignore[index]
                                 row["statement"].encode(), row["signature"])
    assert checkpoints.create(workspace) == row  # nothing new to sign: same checkpoint
    result = record.verify_record(workspace)
    assert result.checkpoints.checkpoints == 1 and result.checkpoints.log_id == kid


def test_automatic_checkpoint_every_n_entries(workspace: Workspace) -> None:
    keys.init_key(workspace)
    _add(workspace, 2 * checkpoints.EVERY)
    sizes = sorted(r["tree_size"] for r in workspace.store.select("checkpoints"))
    assert sizes == [1, checkpoints.EVERY, 2 * checkpoints.EVERY]  # 1: the key's own entry
    assert record.verify_record(workspace).checkpoints.newest_size == 2 * checkpoints.EVERY


def test_no_automatic_checkpoints_without_a_key(workspace: Workspace) -> None:
    _add(workspace, checkpoints.EVERY)
    assert workspace.store.count("checkpoints") == 0


def test_rotation_keeps_old_checkpoints_verifiable(workspace: Workspace) -> None:
    _add(workspace, 2)
    first = checkpoints.create(workspace)
    old, new = keys.rotate(workspace)
    assert old == first["key_id"] and new != old
    assert not workspace.path("keys", f"{old}.key").exists()
    assert workspace.path("keys", f"{old}.pub").exists()
    _add(workspace, 2, 10)
    latest = checkpoints.create(workspace)
    assert latest["key_id"] == new
    result = record.verify_record(workspace).checkpoints
    assert result.keys == 2 and result.log_id == old and result.checkpoints == 3
    chain = keys.chain(workspace.store)
    assert chain is not None and chain.order == [old, new]


def test_rotation_needs_the_current_private_key(workspace: Workspace) -> None:
    kid = keys.init_key(workspace)
    workspace.path("keys", f"{kid}.key").unlink()
    with pytest.raises(InputError):
        keys.rotate(workspace)
    with pytest.raises(InputError):
        checkpoints.create(workspace)


def _signed(ws: Workspace) -> dict[str, object]:
    _add(ws, 5)
    checkpoints.create(ws)
    _add(ws, 3, 20)
    return checkpoints.create(ws)


def _fails(ws: Workspace, seq: int | None = None, match: str = "") -> LedgerError:
    with pytest.raises(LedgerError, match=match) as info:
        record.verify_record(Workspace.open(ws.root))
    if seq is not None:
        assert info.value.seq == seq, info.value
    return info.value


def test_rewritten_chain_is_named_by_the_checkpoint(workspace: Workspace) -> None:
    """Edit a source and recompute its payload hash and every later entry hash, so the
    chain itself is consistent: only the signed checkpoint can tell, and it names entry 3."""
    _signed(workspace)
    store = workspace.store
    entries = list(store.select("ledger", order_by=["seq"]))
    _sql(workspace, "UPDATE sources SET name = 'forged' WHERE ledger_seq = 3")
    store = Workspace.open(workspace.root).store
    conn = sqlite3.connect(workspace.database_location)
    prev = entries[1]["entry_hash"]
    for e in entries[2:]:
        payload = e["payload_hash"]
        if e["seq"] == 3:
            rows = list(store.select("sources", {"ledger_seq": 3}))
            payload = ledger.digest_rows({"sources": rows})
            size, root = merkle.rows_root(ledger.encode_rows(rows, frozenset({"ledger_seq"})))
            e["note"] = ledger.canonical_json({"merkle": {"sources": {"size": size,
                                                                      "root": root}}})
        h = ledger.entry_hash(e["seq"], e["time"], e["actor"], e["action"], e["note"], payload,
                              prev)
        conn.execute("UPDATE ledger SET note=?, payload_hash=?, prev_hash=?, entry_hash=? "
                     "WHERE seq=?", (e["note"], payload, prev, h, e["seq"]))
        prev = h
    conn.commit()
    conn.close()
    store.close()
    error = _fails(workspace, 3, "rewritten after")
    assert "checkpoint" in str(error)


@pytest.mark.parametrize("sql, match", [
    ("UPDATE checkpoints SET root = " + flip_first_byte("root") + " WHERE tree_size = 6", "altered"),
    ("UPDATE checkpoints SET signature = " + flip_first_byte("signature") + " WHERE tree_size = 6",
     "does not verify"),
    ("UPDATE checkpoints SET time = '2020-01-01T00:00:00Z' WHERE tree_size = 6", "altered"),
    ("UPDATE checkpoints SET leaves = " + flip_first_byte("leaves") + " WHERE tree_size = 6", "altered"),
    ("UPDATE checkpoints SET leaves = substr(leaves, 65) WHERE tree_size = 6", "altered"),
    ("DELETE FROM checkpoints WHERE tree_size = 6", "missing"),
    ("UPDATE checkpoints SET key_id = 'ffffffffffffffff' WHERE tree_size = 6", "unknown key"),
    ("DELETE FROM signing_keys", "entry 6 .keys.init"),
])
def test_tampered_checkpoints_are_detected(workspace: Workspace, sql: str, match: str) -> None:
    _signed(workspace)
    _sql(workspace, sql)
    _fails(workspace, match=match)


def test_truncated_ledger_is_detected(workspace: Workspace) -> None:
    _signed(workspace)
    _sql(workspace, "DELETE FROM sources WHERE ledger_seq = 9")
    _sql(workspace, "DELETE FROM ledger WHERE seq = 9")
    _fails(workspace, 9, "missing")


def test_forged_key_rotation_is_detected(workspace: Workspace) -> None:
    _add(workspace, 1)
    checkpoints.create(workspace)
    keys.rotate(workspace)
    _sql(workspace, "UPDATE signing_keys SET signature = " + flip_first_byte("signature")
                    + " WHERE previous_key IS NOT NULL")
    _fails(workspace, match="keys.rotate")


def test_key_chain_checks_every_link(workspace: Workspace) -> None:
    """The chain check itself (used where no ledger backs it: evidence bundles)."""
    keys.init_key(workspace)
    checkpoints.create(workspace)
    keys.rotate(workspace)
    rows = list(workspace.store.select("signing_keys"))
    assert keys.verify_key_chain(rows) is not None
    first, second = sorted(rows, key=lambda r: r["ledger_seq"])
    for column, value in [("signature", "00" * 64), ("previous_key", "0" * 16),
                          ("public_key", first["public_key"]), ("created_at", "2020-01-01"),
                          ("statement", second["statement"].replace("v1", "v2"))]:
        with pytest.raises(LedgerError):
            keys.verify_key_chain([first, {**second, column: value}])
    with pytest.raises(LedgerError):
        keys.verify_key_chain([{**first, "key_id": "0" * 16}, second])
    with pytest.raises(LedgerError):
        keys.verify_key_chain([{**first, "statement": "x"}])


def test_deleted_newest_automatic_checkpoint_is_detected(workspace: Workspace) -> None:
    keys.init_key(workspace)
    _add(workspace, checkpoints.EVERY + 3)
    _sql(workspace, f"DELETE FROM checkpoints WHERE tree_size = {checkpoints.EVERY}")
    _fails(workspace, checkpoints.EVERY, "automatic checkpoint")
