"""The outside review's attacks on the record, as code a database-level attacker could run:
plain SQL on the workspace's SQLite file plus the published encoding rules (the attacker
knows the code; what they lack is the private key and anything outside the database)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ceasefire.record import ledger, merkle
from ceasefire.store import open_store

SHIFT = 1_000_000


def recompute_chain(db: Path, *, drop_actions: tuple[str, ...] = ()) -> None:
    """Drop the entries of ``drop_actions``, renumber what is left, and recompute every
    payload hash, Merkle root and entry hash from the rows as they now are: the ledger is
    again self-consistent, as if the edits had always been there."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    entries = [dict(r) for r in conn.execute("SELECT * FROM ledger ORDER BY seq")]
    dropped = [e["seq"] for e in entries if e["action"] in drop_actions]
    keep = [e for e in entries if e["action"] not in drop_actions]
    renumber = {e["seq"]: i + 1 for i, e in enumerate(keep)}
    for table in ledger.EVIDENCE_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE ledger_seq IN ({','.join('?' * len(dropped))})",
                     dropped)
        conn.execute(f"UPDATE {table} SET ledger_seq = ledger_seq + {SHIFT}")
        for old, new in renumber.items():
            conn.execute(f"UPDATE {table} SET ledger_seq = ? WHERE ledger_seq = ?",
                         (new, old + SHIFT))
    conn.execute("DELETE FROM ledger")
    conn.commit()
    store = open_store(str(db))
    prev = ledger.GENESIS
    for e in keep:
        seq = renumber[e["seq"]]
        rows = {t: list(store.select(t, {"ledger_seq": seq})) for t in ledger.EVIDENCE_TABLES}
        rows = {t: r for t, r in rows.items() if r}
        note = json.loads(e["note"]) if e["note"] else {}
        if rows:
            note["merkle"] = {t: dict(zip(("size", "root"), merkle.rows_root(
                ledger.encode_rows(r, ledger.EVIDENCE_TABLES[t],
                                   ledger.OPTIONAL_COLUMNS.get(t, frozenset()))), strict=True))
                for t, r in sorted(rows.items())}
        text = ledger.canonical_json(note)
        payload = ledger.digest_rows(rows)
        h = ledger.entry_hash(seq, e["time"], e["actor"], e["action"], text, payload, prev)
        store.insert("ledger", [{"seq": seq, "time": e["time"], "actor": e["actor"],
                                 "action": e["action"], "note": text, "payload_hash": payload,
                                 "prev_hash": prev, "entry_hash": h}])
        prev = h
    store.close()
    conn.close()


def strip_signatures(db: Path) -> None:
    """The review's item 4 attack: delete the checkpoints, the signing keys and the
    ``keys.init``/``keys.rotate`` entries, then recompute the chain."""
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM checkpoints")
    conn.commit()
    conn.close()
    recompute_chain(db, drop_actions=("keys.init", "keys.rotate"))
