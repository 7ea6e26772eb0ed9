"""The ledger: an append-only, hash-chained log of every write.

Each entry is ``(seq, time, actor, action, note, payload_hash, prev_hash)`` and its
``entry_hash`` covers all of them, so changing, removing, inserting or reordering any entry
breaks the chain from that point on.

Two kinds of data are covered:

* **Evidence rows** (sources, reports, quarantine, agreements, finding events, control
  snapshots ...) carry the ``ledger_seq`` of the write that created them. An entry's
  ``payload_hash`` is the digest of exactly those rows, so editing a stored report behind
  the tool's back makes :func:`verify` name that entry.
* **Derived state** (incidents, findings) is recomputable and replaced wholesale by fusion
  and assessment. The entry that wrote it records the digest of the resulting state in its
  note (``{"derived": [{"table": ..., "where": {...}, "hash": ...}]}``); the newest such
  record per (table, where) must match the current rows.

Canonical encoding (stable across backends and versions): a row is its values in sorted
column order, joined by U+001F; ``None`` is U+0000; numbers are ``repr(float(x))`` by value
(``-0.0`` as ``0.0``; integers beyond 2**53 in full digits); text is UTF-8 with ``\\``,
U+001F and LF escaped; bytes are lowercase hex. What no backend returns as written is
refused (NaN, infinities, integers beyond 64 bits, U+0000 in text, lone surrogates), so the
encoding of a row written equals the encoding of the row read back. A row set's digest is SHA-256
over ``table\\n`` followed by the sorted row encodings joined by ``\\n``, tables in name order.
Notes also carry Merkle roots of the rows written (``merkle``) and of derived states, so one
row can be proven alone; checkpoints.py signs the entries. See docs/ledger.md.

Writing: :func:`record` writes a few row sets and their entry at once; :func:`batch` opens
one entry for a long write (ingest of a large file) whose rows arrive in chunks, as dicts
(:meth:`Batch.add`) or as columns (:meth:`Batch.add_columns`). Both encode column by
column (:func:`encode_rows`), byte-identical to :func:`encode_row`.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ceasefire.errors import InputError, LedgerError, StoreError
from ceasefire.record import merkle
from ceasefire.store.base import Store

GENESIS = "0" * 64

# Tables whose rows are stamped with ledger_seq, and the columns left out of their digest
# because the database assigns them (they cannot be known before the insert).
EVIDENCE_TABLES: dict[str, frozenset[str]] = {
    "sources": frozenset({"ledger_seq"}),
    "reports": frozenset({"rid", "ledger_seq"}),
    "quarantine": frozenset({"qid", "ledger_seq"}),
    "agreements": frozenset({"ledger_seq"}),
    "finding_events": frozenset({"event_id", "ledger_seq"}),
    "control_snapshots": frozenset({"ledger_seq"}),
    "evidence_files": frozenset({"ledger_seq"}),
    "signing_keys": frozenset({"ledger_seq"}),
}


#: Columns added to a ledger-stamped table after rows were first hashed: a row's encoding
#: leaves such a column out while it is NULL and appends it (``name=value``, after the other
#: columns) when set, so rows
#: written before the column existed (or by writers that do not know it) verify unchanged.
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {
    "reports": frozenset({"event_probability", "perpetrator_probability"}),
}

#: Tables recorded by state, not row by row: derived results (replaced wholesale by fusion and
#: assessment) and access control (users, tokens, alerts). Every row of each must be covered
#: by the newest state an entry recorded; a row no entry covers was written behind the
#: ledger's back (a forged finding under a never-assessed agreement, a user added by SQL).
STATE_TABLES: tuple[str, ...] = ("findings", "incidents", "incident_reports", "users", "tokens",
                                 "alerts")


def register_evidence_table(table: str, excluded: Iterable[str] = ("ledger_seq",)) -> None:
    """Declare another ledger-stamped table (for migrations that add one)."""
    EVIDENCE_TABLES[table] = frozenset(excluded) | {"ledger_seq"}


# -- canonical encoding ---------------------------------------------------------------------
#: integers beyond this magnitude are not all exact as floats; they are encoded digit by digit
EXACT_FLOAT_INT = 2**53
#: what every backend can store in an integer column (SQLite and PostgreSQL: signed 64 bits)
INT64 = (-(2**63), 2**63 - 1)


def _encode_number(number: float) -> str:
    """A number by its value, whatever its Python type, as every backend returns it.

    ``5`` and ``5.0`` encode alike (SQLite turns one into the other by column affinity);
    ``-0.0`` encodes as ``0.0`` (SQLite stores it so); integers of magnitude above 2**53,
    and floats holding such an integer, are written in full digits so that two different
    long integers never share an encoding. NaN and infinities are refused, as are integers
    no backend can store.
    """
    if isinstance(number, float):
        if number - number != 0.0:
            raise InputError(f"cannot record the non-finite number {number!r}")
        if number.is_integer() and abs(number) > EXACT_FLOAT_INT:
            return str(int(number))
        return repr(number + 0.0)  # + 0.0 turns -0.0 into 0.0
    number = int(number)
    if not INT64[0] <= number <= INT64[1]:
        raise InputError(f"cannot record the integer {number}: beyond 64 bits")
    if abs(number) > EXACT_FLOAT_INT:
        return str(number)
    return repr(float(number))


def _encode_text(value: str) -> str:
    if "\x00" in value:  # PostgreSQL cannot store it; a NULL encodes as U+0000 alone
        raise InputError(f"cannot record text containing U+0000: {value[:40]!r}")
    return value.replace("\\", "\\\\").replace("\x1f", "\\u001f").replace("\n", "\\n")


def _encode_value(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, (bool, int, float)):
        return _encode_number(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if hasattr(value, "__float__"):  # Decimal from PostgreSQL
        return _encode_number(float(value))
    raise LedgerError(f"cannot encode {type(value).__name__} in the ledger")


def _utf8(text: str) -> bytes:
    """UTF-8 of an encoded row; text no backend can store (a lone surrogate) is refused."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"cannot record text that is not valid Unicode "
                         f"(lone surrogate in {text[max(0, exc.start - 20):exc.end + 20]!r})"
                         ) from None


def _optional_cells(row: Mapping[str, Any], optional: frozenset[str]) -> str:
    """The set optional columns of ``row`` as ``name=value`` cells, each after a separator."""
    return "".join(f"\x1f{col}={_encode_value(row[col])}" for col in sorted(optional)
                   if row.get(col) is not None)


def encode_row(row: Mapping[str, Any], excluded: frozenset[str] = frozenset(),
               optional: frozenset[str] = frozenset()) -> bytes:
    """The canonical bytes of one row (``optional``: see :data:`OPTIONAL_COLUMNS`)."""
    try:
        return _utf8("\x1f".join(
            _encode_value(row[col]) for col in sorted(row)
            if col not in excluded and col not in optional) + _optional_cells(row, optional))
    except InputError as exc:
        raise _naming_column(exc, row, excluded) from None


def _optional_of(table: str, keys: Iterable[str]) -> frozenset[str]:
    return OPTIONAL_COLUMNS.get(table, frozenset()).intersection(keys)


def _encode_column(values: list[Any]) -> list[str]:
    """:func:`_encode_value` over one column, with fast paths for the common exact types.

    Byte-identical to calling :func:`_encode_value` on each value (subclasses such as
    StrEnum and bool take the general path); it exists because ingest encodes every row of
    every batch and a per-value dispatch dominated its cost. A column of one plain type is
    encoded in bulk; anything unusual falls back to the per-value path.
    """
    kinds = set(map(type, values))
    if kinds <= _BULK_KINDS:
        present = [v for v in values if v is not None] if NoneType in kinds else values
        if kinds <= {str, NoneType}:
            if not _needs_escape("".join(present)):
                return ["\x00" if v is None else v for v in values] if NoneType in kinds \
                    else list(values)
        elif kinds <= {float, NoneType}:
            # every value finite (else nan/inf) and within 2**53 (else full digits)
            if (not present or sum(present) - sum(present) == 0.0
                    and -EXACT_FLOAT_INT <= min(present) and max(present) <= EXACT_FLOAT_INT):
                return ["\x00" if v is None else repr(v + 0.0) for v in values]
        elif kinds <= {int, NoneType}:
            if not present or -EXACT_FLOAT_INT <= min(present) and max(present) <= EXACT_FLOAT_INT:
                return ["\x00" if v is None else repr(float(v)) for v in values]
        elif kinds == {NoneType}:
            return ["\x00"] * len(values)
    return [_encode_value(v) for v in values]


NoneType = type(None)
_BULK_KINDS = frozenset({str, float, int, NoneType})


def _needs_escape(text: str) -> bool:
    return "\\" in text or "\x1f" in text or "\n" in text or "\x00" in text


def encode_rows(rows: Sequence[Mapping[str, Any]],
                excluded: frozenset[str] = frozenset(),
                optional: frozenset[str] = frozenset()) -> list[bytes]:
    """:func:`encode_row` for many rows, column by column (same bytes, much faster)."""
    if not rows:
        return []
    keys = rows[0].keys()
    optional = optional.intersection(keys)
    if optional or any(r.keys() != keys for r in rows):  # the plain path, row by row
        return [encode_row(r, excluded, optional) for r in rows]
    names = [c for c in sorted(keys) if c not in excluded]
    return _join_columns(names, lambda c: [r[c] for r in rows])




def _join_columns(names: list[str], column: Callable[[str], list[Any]]) -> list[bytes]:
    """Encode the named columns and join them into row encodings (bulk :func:`encode_row`)."""
    encoded = []
    for name in names:
        try:
            encoded.append(_encode_column(column(name)))
        except InputError as exc:
            raise InputError(str(exc), field=name) from None
    sep = "\x1f"
    try:
        return [sep.join(parts).encode("utf-8") for parts in zip(*encoded, strict=True)]
    except UnicodeEncodeError:
        for name, values in zip(names, encoded, strict=True):
            for value in values:
                _refuse_bad_unicode(value, name)
        raise


def _refuse_bad_unicode(text: str, field: str) -> None:
    try:
        _utf8(text)
    except InputError as exc:
        raise InputError(str(exc), field=field) from None


def _naming_column(exc: InputError, row: Mapping[str, Any], excluded: frozenset[str]) -> InputError:
    """``exc`` again, naming the first column of ``row`` that cannot be recorded."""
    for name in sorted(row):
        if name not in excluded:
            try:
                _utf8(_encode_value(row[name]))
            except InputError as named:
                return InputError(str(named), field=name)
    return exc


def digest_rows(tables: Mapping[str, Iterable[Mapping[str, Any]]]) -> str:
    """SHA-256 of a set of rows per table (order of rows does not matter)."""
    return _digest_encoded({
        table: encode_rows(list(table_rows), EVIDENCE_TABLES.get(table, frozenset({"ledger_seq"})),
                           OPTIONAL_COLUMNS.get(table, frozenset()))
        for table, table_rows in tables.items()
    })


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces, UTF-8) for notes and documents."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def entry_hash(seq: int, time: str, actor: str, action: str, note: str,
               payload_hash: str, prev_hash: str) -> str:
    material = canonical_json([seq, time, actor, action, note, payload_hash, prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


# -- writing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    time: str
    actor: str
    action: str
    note: str
    payload_hash: str
    prev_hash: str
    entry_hash: str

    @property
    def note_data(self) -> dict[str, Any]:
        return json.loads(self.note) if self.note else {}


def head(store: Store) -> LedgerEntry | None:
    """The newest entry, or ``None`` for an empty ledger."""
    for row in store.select("ledger", order_by=["-seq"], limit=1):
        return LedgerEntry(**row)
    return None


class Batch:
    """An open ledger entry: rows added to it are stamped, encoded and inserted at once.

    Use through :func:`batch`. Only the encodings are kept (not the rows), so a large file
    can be written in chunks inside one transaction and one entry.
    """

    def __init__(self, store: Store, seq: int) -> None:
        self.store = store
        self.seq = seq
        self.note: dict[str, Any] = {}
        self.rows_written = 0
        self.entry: LedgerEntry | None = None
        self._encoded: dict[str, list[bytes]] = defaultdict(list)

    def add(self, table: str, rows: Sequence[dict[str, Any]], *,
            on_conflict: str = "error") -> int:
        """Stamp ``rows`` with this entry's ``seq`` (mutating them), record and insert them."""
        if table not in EVIDENCE_TABLES:
            raise StoreError(f"{table} is not a ledger-stamped table")
        if not rows:
            return 0
        seq = self.seq
        for row in rows:
            row["ledger_seq"] = seq
        self._encoded[table].extend(encode_rows(rows, EVIDENCE_TABLES[table],
                                                OPTIONAL_COLUMNS.get(table, frozenset())))
        added = self.store.insert(table, rows, on_conflict=on_conflict)  # type: ignore[arg-type]
        self.rows_written += len(rows)
        return added

    def add_columns(self, table: str, columns: Mapping[str, Sequence[Any]], *,
                    on_conflict: str = "error") -> int:
        """:meth:`add` for rows given as equally long columns (same bytes, less work).

        Bulk writers (ingest) hold their data as columns; encoding those directly skips
        gathering each column back out of row dicts.
        """
        if table not in EVIDENCE_TABLES:
            raise StoreError(f"{table} is not a ledger-stamped table")
        names = list(columns)
        n = len(columns[names[0]]) if names else 0
        if not n:
            return 0
        data = {**columns, "ledger_seq": [self.seq] * n}
        excluded = EVIDENCE_TABLES[table]
        optional = _optional_of(table, data)
        encoded = _join_columns([c for c in sorted(data) if c not in excluded and c not in optional],
                                lambda c: list(data[c]))
        if optional:
            cols = sorted(optional)
            tails = [_optional_cells(dict(zip(cols, values, strict=True)), optional).encode("utf-8")
                     for values in zip(*(data[c] for c in cols), strict=True)]
            encoded = [head + tail for head, tail in zip(encoded, tails, strict=True)]
        self._encoded[table].extend(encoded)
        keys = list(data)
        rows = [dict(zip(keys, values, strict=True)) for values in zip(*data.values(), strict=True)]
        added = self.store.insert(table, rows, on_conflict=on_conflict)  # type: ignore[arg-type]
        self.rows_written += n
        return added


AppendHook = Callable[[Store, "LedgerEntry"], None]
_ON_APPEND: weakref.WeakKeyDictionary[Any, list[AppendHook]] = weakref.WeakKeyDictionary()


def on_append(store: Store, hook: AppendHook) -> None:
    """Call ``hook(store, entry)`` after each new entry on ``store``, in its transaction."""
    _ON_APPEND.setdefault(store, []).append(hook)


@contextmanager
def batch(store: Store, *, actor: str, action: str, note: Mapping[str, Any] | None = None,
          skip_if_empty: bool = False) -> Iterator[Batch]:
    """Open one ledger entry in one transaction; rows go in with :meth:`Batch.add`.

    The entry is appended when the block ends (its note is ``batch.note``, which the block
    may fill in late, e.g. with counts); on error nothing is committed. With
    ``skip_if_empty`` a block that added no rows writes no entry either.
    """
    with store.transaction():
        last = head(store)
        seq = (last.seq + 1) if last else 1
        prev = last.entry_hash if last else GENESIS
        open_batch = Batch(store, seq)
        open_batch.note.update(note or {})
        yield open_batch
        if skip_if_empty and open_batch.rows_written == 0:
            return
        payload = _digest_encoded(open_batch._encoded)
        if roots := {t: _root_note(e) for t, e in sorted(open_batch._encoded.items()) if e}:
            open_batch.note["merkle"] = roots
        time = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        note_text = canonical_json(open_batch.note)
        entry = LedgerEntry(seq, time, actor, action, note_text, payload, prev,
                            entry_hash(seq, time, actor, action, note_text, payload, prev))
        store.insert("ledger", [entry.__dict__])
        open_batch.entry = entry
        for hook in _ON_APPEND.get(store, ()):
            hook(store, entry)


def record(
    store: Store,
    *,
    actor: str,
    action: str,
    rows: Mapping[str, Sequence[dict[str, Any]]] | None = None,
    note: Mapping[str, Any] | None = None,
    on_conflict: str = "error",
) -> LedgerEntry:
    """Write evidence rows and their ledger entry in one transaction.

    Each row is stamped with the new entry's ``seq`` (mutating the dicts). The caller may
    wrap this in a wider :meth:`Store.transaction`; nothing is committed on error.
    """
    rows = rows or {}
    for table in rows:
        if table not in EVIDENCE_TABLES:
            raise StoreError(f"{table} is not a ledger-stamped table")
    with batch(store, actor=actor, action=action, note=note) as open_batch:
        for table, table_rows in rows.items():
            open_batch.add(table, table_rows, on_conflict=on_conflict)
    assert open_batch.entry is not None
    return open_batch.entry


def derived_state(store: Store, table: str, where: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A note fragment recording the digest of a derived table's current rows."""
    rows = list(store.select(table, where))
    encoded = encode_rows(rows, EVIDENCE_TABLES.get(table, frozenset({"ledger_seq"})))
    return {"table": table, "where": dict(where or {}), "hash": _digest_encoded({table: encoded}),
            **_root_note(encoded)}


def record_state(store: Store, *, actor: str, action: str, tables: Sequence[str],
                 note: Mapping[str, Any] | None = None) -> LedgerEntry:
    """Record the current state of whole tables (users, tokens, alerts) in one entry; call
    it in the transaction of the write, after it. From then on ``verify`` fails if a row of
    those tables is edited, added or removed behind the tool's back."""
    return record(store, actor=actor, action=action,
                  note={**(note or {}), "derived": [derived_state(store, t) for t in tables]})


def _root_note(encoded: list[bytes]) -> dict[str, Any]:
    size, root = merkle.rows_root(encoded)
    return {"size": size, "root": root}


# -- verifying ------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyResult:
    entries: int
    rows_checked: int
    derived_checked: int


def verify(store: Store) -> VerifyResult:
    """Recompute the chain, every entry's payload and the newest derived-state records.

    Raises :class:`LedgerError` naming the first bad entry (``.seq``).
    """
    prev = GENESIS
    expected_seq = 1
    entries: list[LedgerEntry] = []
    for row in store.select("ledger", order_by=["seq"]):
        entry = LedgerEntry(**row)
        if entry.seq != expected_seq:
            raise LedgerError(f"entry {expected_seq} is missing (found {entry.seq} next)",
                              seq=expected_seq)
        if entry.prev_hash != prev:
            raise LedgerError(f"entry {entry.seq} ({entry.action}) does not link to entry "
                              f"{entry.seq - 1}", seq=entry.seq)
        recomputed = entry_hash(entry.seq, entry.time, entry.actor, entry.action, entry.note,
                                entry.payload_hash, entry.prev_hash)
        if recomputed != entry.entry_hash:
            raise LedgerError(f"entry {entry.seq} ({entry.action}) was altered", seq=entry.seq)
        entries.append(entry)
        prev = entry.entry_hash
        expected_seq += 1

    by_seq: dict[int, dict[str, list[bytes]]] = defaultdict(lambda: defaultdict(list))
    rows_checked = 0
    for table, excluded in EVIDENCE_TABLES.items():
        for row in store.select(table):
            seq = row.get("ledger_seq")
            try:
                encoded = encode_row(row, excluded, OPTIONAL_COLUMNS.get(table, frozenset()))
            except InputError as exc:  # a value put there behind the tool's back
                raise LedgerError(f"a {table} row of entry {seq} holds a value the ledger "
                                  f"never records ({exc})", seq=seq) from None
            by_seq[seq][table].append(encoded)  # type: ignore[index]
            rows_checked += 1
    known = {e.seq for e in entries}
    stray = sorted(s for s in by_seq if s not in known)
    if stray:
        tables = ", ".join(sorted(by_seq[stray[0]]))
        raise LedgerError(f"rows in {tables} claim ledger entry {stray[0]}, which does not exist "
                          "(written behind the ledger's back)", seq=stray[0])
    notes = {entry.seq: entry.note_data for entry in entries}
    for entry in entries:
        written = by_seq.get(entry.seq, {})
        if _digest_encoded(written) != entry.payload_hash:
            raise LedgerError(
                f"entry {entry.seq} ({entry.action}, {entry.time}): the rows it recorded were "
                "changed, added or removed", seq=entry.seq)
        for table, recorded in notes[entry.seq].get("merkle", {}).items():
            if _root_note(written.get(table, [])) != recorded:
                raise LedgerError(f"entry {entry.seq} ({entry.action}): the Merkle root of its "
                                  f"{table} rows does not match them", seq=entry.seq)

    newest: dict[str, tuple[LedgerEntry, dict[str, Any]]] = {}
    for entry in entries:
        for record_ in notes[entry.seq].get("derived", []):
            newest[canonical_json([record_["table"], record_["where"]])] = (entry, record_)
    for entry, record_ in newest.values():
        current = derived_state(store, record_["table"], record_["where"])
        if (current["hash"], current["root"]) != (record_["hash"], record_.get("root",
                                                                          current["root"])):
            raise LedgerError(
                f"entry {entry.seq} ({entry.action}): {record_['table']} "
                f"{canonical_json(record_['where'])} no longer matches what was recorded",
                seq=entry.seq)
    _check_coverage(store, [record_ for _, record_ in newest.values()])
    return VerifyResult(len(entries), rows_checked, len(newest))


def _check_coverage(store: Store, records: list[dict[str, Any]]) -> None:
    """Every row of a :data:`STATE_TABLES` table lies in some newest recorded state."""
    covered: dict[str, int] = defaultdict(int)
    wheres: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record_ in records:
        covered[record_["table"]] += record_.get("size", 0)
        wheres[record_["table"]].append(record_["where"])
    for table in STATE_TABLES:
        stray = store.count(table) - covered[table]
        if stray > 0:
            recorded = ", ".join(canonical_json(w) for w in wheres[table]) or "none"
            raise LedgerError(
                f"{stray} {table} row(s) lie outside every state the ledger recorded "
                f"(recorded: {recorded}): written behind the ledger's back")


def _digest_encoded(tables: Mapping[str, list[bytes]]) -> str:
    hasher = hashlib.sha256()
    for table in sorted(tables):
        encoded = sorted(tables[table])
        if not encoded:
            continue
        hasher.update(table.encode() + b"\n")
        hasher.update(b"\n".join(encoded))
        hasher.update(b"\n")
    return hasher.hexdigest()
