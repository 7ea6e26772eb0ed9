"""The quarantine: the rows ingest rejected, as of the latest attempt at each file.

Every ingest of a file is an *attempt*, recorded as a ledger entry (action ``ingest``, the
note naming the file). Quarantine rows carry the ``ledger_seq`` of the attempt that rejected
them. The ledger makes the table append-only, so a row that passes on a later attempt (its
source was added, its file was fixed) is not deleted; instead the *current* quarantine is
the rows of the latest attempt at each file. :func:`current_rows` answers that, and
``quarantine list`` shows it (``--all`` shows every attempt).

:class:`AttemptWriter` is how ingest keeps this true without filling the table: a re-ingest
re-checks every row; when its rejected rows are exactly those of the file's latest attempt
and nothing else changes, nothing is written (no ledger entry, as before); when they differ
(fewer rows, other reasons), the new attempt is recorded with its own rows, or with none.
"""

from __future__ import annotations

import json
from typing import Any

from ceasefire.record.ledger import Batch
from ceasefire.store.base import Store
from ceasefire.store.conditions import Like

INGEST = "ingest"
COLUMNS = ["qid", "file", "row", "field", "reason", "raw", "at", "ledger_seq"]
Key = tuple[Any, Any, Any, Any]


def latest_attempts(store: Store) -> dict[str, int]:
    """``file -> ledger seq`` of the latest ingest attempt at each file."""
    latest: dict[str, int] = {}
    for entry in store.select("ledger", {"action": INGEST}, columns=["seq", "note"]):
        note = json.loads(entry["note"]) if entry["note"] else {}
        name = note.get("file")
        if isinstance(name, str) and entry["seq"] > latest.get(name, 0):
            latest[name] = entry["seq"]
    return latest


def current_rows(store: Store, file_filter: str | None = None, limit: int | None = None,
                 *, every_attempt: bool = False) -> list[dict[str, Any]]:
    """Quarantined rows of the latest attempt at each file (``every_attempt``: all rows
    ever quarantined, oldest first), optionally of files whose path contains a text."""
    where = {"file": Like(file_filter)} if file_filter else None
    rows = store.select("quarantine", where, columns=COLUMNS, order_by=["qid"])
    if not every_attempt:
        latest = latest_attempts(store)
        rows = (r for r in rows if r["ledger_seq"] == latest.get(r["file"]))
    out: list[dict[str, Any]] = []
    for row in rows:
        if limit is not None and len(out) >= limit:
            break
        out.append(row)
    return out


def _key(row: dict[str, Any]) -> Key:
    return row["row"], row["field"], row["reason"], row["raw"]


class AttemptWriter:
    """Writes one attempt's rejected rows into an ingest batch (see the module docstring).

    The first attempt at a file streams its rows into the batch. A later attempt holds back
    at most as many rows as the previous attempt had: once it has more, the two cannot be
    the same, and it streams from then on. Memory is bounded by the previous attempt.
    """

    def __init__(self, store: Store, file: str) -> None:
        seq = latest_attempts(store).get(file)
        self.previous: set[Key] | None = None
        if seq is not None:
            self.previous = {_key(r) for r in store.select(
                "quarantine", {"file": file, "ledger_seq": seq}, columns=COLUMNS)}
        self.held: list[dict[str, Any]] = []
        self.streaming = self.previous is None
        self.needs_entry = False

    def add(self, batch: Batch, rows: list[dict[str, Any]]) -> None:
        if self.streaming:
            if rows:
                batch.add("quarantine", rows)
            return
        self.held.extend(rows)
        if len(self.held) > len(self.previous or ()):
            self._flush(batch)

    def _flush(self, batch: Batch) -> None:
        self.streaming = True
        if self.held:
            batch.add("quarantine", self.held)
        self.held = []

    def finish(self, batch: Batch, added: int) -> None:
        """End the attempt. Sets :attr:`needs_entry` when the outcome changed: if the batch
        then holds no row to carry a ledger entry (every row that failed before now passes,
        as duplicates), the caller records the attempt on its own."""
        if self.streaming:
            return
        same = {_key(r) for r in self.held} == self.previous
        if same and not added:
            self.held = []
            return  # the latest attempt already shows exactly this
        self._flush(batch)
        self.needs_entry = not same
