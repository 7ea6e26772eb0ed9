"""Crash-safety harness of issue 11: SIGKILL a real ``ceasefire`` process, then audit the store.

Where a process is killed is *observed*, not guessed: the harness freezes it with SIGSTOP,
reads ``/proc/locks`` to see whether it holds SQLite's WAL write lock (byte 120 of the
``-shm`` file, taken by ``BEGIN IMMEDIATE`` and released only after ``COMMIT``), then sends
SIGKILL. So each kill is classed as

* ``before``: no transaction open and nothing of this run finished yet (start-up, reading);
* ``during``: inside a write transaction, its commit included;
* ``after``: no transaction open, and at least one file or request of this run finished
  (committed, or acknowledged as a duplicate).

After every kill :func:`audit` reopens the workspace (SQLite recovers the WAL) and checks
that nothing committed was lost, that no ledger entry is missing rows or has stray ones,
that no report is stored twice, and that ``ceasefire verify`` exits 0.

The ingest side is in ``crash_ingest.py``, the server side in ``crash_serve.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from ceasefire.cli import run as cli_run
from ceasefire.record import keys, ledger
from ceasefire.workspace import Workspace

CLI = [sys.executable, "-c", "from ceasefire.cli import main; main()"]
#: the byte of the ``-shm`` file SQLite locks for the one WAL writer (WAL_WRITE_LOCK)
SHM_WRITE_LOCK = 120
#: columns that legitimately differ between two runs of the same input
VOLATILE = frozenset({"rid", "qid", "ledger_seq", "at", "event_id"})


# -- freezing and killing -------------------------------------------------------------------
def holds_write_lock(pid: int, shm: Path) -> bool:
    """Whether process ``pid`` holds the SQLite WAL write lock of the database beside ``shm``."""
    try:
        inode = shm.stat().st_ino
    except FileNotFoundError:
        return False
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        # "2: POSIX  ADVISORY  WRITE 7205 fe:00:2146897 120 120"; "->" marks a waiter
        if len(parts) < 8 or "->" in parts or parts[1] != "POSIX" or parts[3] != "WRITE":
            continue
        end = parts[7]
        if (parts[4] == str(pid) and parts[5].rsplit(":", 1)[-1] == str(inode)
                and int(parts[6]) <= SHM_WRITE_LOCK
                and (end == "EOF" or SHM_WRITE_LOCK <= int(end))):
            return True
    return False


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in {"T", "t", "Z", "X"}


def tcp_ports(pid: int) -> set[int]:
    """The local TCP ports of the sockets process ``pid`` holds open (none once it has
    exited: a zombie, which ``freeze_and_kill`` can meet, has no fd or net entries)."""
    inodes = set()
    ports: set[int] = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if (link := os.readlink(fd)).startswith("socket:["):
                    inodes.add(link[8:-1])
        tables = [Path(f"/proc/{pid}/net/{name}").read_text() for name in ("tcp", "tcp6")]
    except OSError:
        return ports
    for table in tables:
        for line in table.splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def holds_pg_write_lock(pid: int, server_url: str) -> bool:
    """Whether process ``pid`` is inside a PostgreSQL write transaction of a workspace: one of
    its connections holds the store's advisory write lock (see store/postgres.py)."""
    ports = sorted(tcp_ports(pid))
    if not ports:
        return False
    row = _admin(server_url).execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND a.client_port = ANY(%s)",
        (ports,)).fetchone()
    return bool(row and row[0])


@lru_cache(maxsize=4)
def _admin(server_url: str) -> Any:
    """One connection per server for the probe: it is polled every few milliseconds."""
    import psycopg

    return psycopg.connect(server_url, autocommit=True)


Probe = Callable[[int], bool]


def lock_probe(root: Path, server_url: str | None = None) -> Probe:
    """How to tell whether a process writing the workspace at ``root`` is mid-transaction."""
    if server_url:
        return partial(holds_pg_write_lock, server_url=server_url)
    return partial(holds_write_lock, shm=root / "ceasefire.db-shm")


def freeze_and_kill(proc: subprocess.Popen[Any], probe: Probe) -> bool | None:
    """SIGSTOP ``proc``, note whether it is inside a write transaction, SIGKILL it.

    Returns ``None`` when the process had already finished (nothing was killed).
    """
    if proc.poll() is not None:
        return None
    os.kill(proc.pid, signal.SIGSTOP)
    deadline = time.monotonic() + 5
    while not _stopped(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.001)
    in_transaction = probe(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    # a process that exited between poll() and SIGSTOP was a zombie: SIGKILL did nothing
    return in_transaction if proc.returncode == -signal.SIGKILL else None


# -- auditing -------------------------------------------------------------------------------
@dataclass
class StoreState:
    """What :func:`audit` compares between kills."""

    entries: dict[int, str]                      # seq -> entry_hash
    notes: dict[int, tuple[str, dict[str, Any]]]  # seq -> (action, note)
    rows: Counter[tuple[str, int]]               # (table, ledger_seq) -> rows
    report_keys: Counter[tuple[str, str]]

    @classmethod
    def read(cls, ws: Workspace) -> StoreState:
        store = ws.store
        entries, notes = {}, {}
        for e in store.select("ledger", order_by=["seq"]):
            entries[e["seq"]] = e["entry_hash"]
            notes[e["seq"]] = (e["action"], json.loads(e["note"]) if e["note"] else {})
        rows: Counter[tuple[str, int]] = Counter()
        for table in ledger.EVIDENCE_TABLES:
            for r in store.select(table, columns=["ledger_seq"]):
                rows[(table, r["ledger_seq"])] += 1
        report_keys = Counter((r["source_id"], r["report_id"]) for r in store.select(
            "reports", columns=["source_id", "report_id"]))
        return cls(entries, notes, rows, report_keys)


@dataclass
class Audit:
    state: StoreState
    lost: list[str] = field(default_factory=list)
    half: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    verify_code: int = 0
    verify_output: str = ""

    @property
    def problems(self) -> list[str]:
        verify = [f"verify exited {self.verify_code}: {self.verify_output.strip()}"] \
            if self.verify_code else []
        return self.lost + self.half + self.duplicates + verify


def run_verify(root: Path) -> tuple[int, str]:
    """``ceasefire verify -w ROOT`` through the real CLI entry point (in process: no start-up)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli_run(["verify", "-w", str(root)])
    return code, out.getvalue()


def audit(root: Path, before: StoreState | None, acked_seqs: dict[int, int] | None = None,
          acked_reports: set[tuple[str, str]] | None = None) -> Audit:
    """Check the workspace at ``root`` after a kill.

    ``before`` is the state audited after the previous kill (every entry in it must still be
    there, unchanged); ``acked_seqs`` maps entries the killed process acknowledged to the rows
    it said they added; ``acked_reports`` are reports a client was told were stored.
    """
    with Workspace.open(root) as ws:
        state = StoreState.read(ws)
    result = Audit(state)
    for seq, digest in (before.entries.items() if before else ()):
        if state.entries.get(seq) != digest:
            result.lost.append(f"committed entry {seq} is gone or changed")
    for seq, added in (acked_seqs or {}).items():
        if seq not in state.entries:
            result.lost.append(f"acknowledged entry {seq} is missing")
        elif state.rows[("reports", seq)] != added:
            result.lost.append(f"acknowledged entry {seq}: {state.rows[('reports', seq)]} "
                               f"reports stored, {added} acknowledged")
    for key in sorted((acked_reports or set()) - set(state.report_keys)):
        result.lost.append(f"acknowledged report {key[0]}:{key[1]} is missing")
    result.half = half_batches(state)
    result.duplicates = [f"report {s}:{r} stored {n} times"
                         for (s, r), n in state.report_keys.items() if n > 1]
    shas = Counter(note.get("sha256") for action, note in state.notes.values()
                   if action == "ingest")
    result.duplicates += [f"file {sha} has {n} ingest entries" for sha, n in shas.items()
                          if n > 1]
    result.verify_code, result.verify_output = run_verify(root)
    return result


def half_batches(state: StoreState) -> list[str]:
    """Entries whose rows are not all there (or rows whose entry is not)."""
    found = []
    for seq, (action, note) in state.notes.items():
        expected = {table: meta["size"] for table, meta in note.get("merkle", {}).items()}
        if "added" in note:  # ingest and API submissions count their reports in the note
            expected.setdefault("reports", note["added"])
            if expected["reports"] != note["added"]:
                found.append(f"entry {seq} ({action}): note says {note['added']} reports "
                             f"added, Merkle root covers {expected['reports']}")
        for table, size in expected.items():
            if state.rows[(table, seq)] != size:
                found.append(f"entry {seq} ({action}): {state.rows[(table, seq)]} of "
                             f"{size} {table} rows present")
    for table, seq in state.rows:
        if seq not in state.entries:
            found.append(f"{state.rows[(table, seq)]} {table} rows of entry {seq}, "
                         "which does not exist")
    return found


def outcome(ws: Workspace) -> dict[str, list[str]]:
    """The final content of every evidence table (volatile ids and times left out), plus the
    ingest notes: what an interrupted-and-resumed run must end with, like an uninterrupted one."""
    result = {}
    for table in ledger.EVIDENCE_TABLES:
        rows = [{k: v for k, v in r.items() if k not in VOLATILE}
                for r in ws.store.select(table)]
        if table == "signing_keys":  # a fresh random key per workspace
            rows = []
        result[table] = sorted(ledger.encode_row(r).decode() for r in rows)
    result["ingest notes"] = sorted(ledger.canonical_json(n) for a, n in (
        (e["action"], json.loads(e["note"])) for e in ws.store.select("ledger"))
        if a == "ingest")
    return result


def new_workspace(root: Path, database: str | None = None) -> Path:
    """A workspace with a signing key, so automatic checkpoints are written (and killed) too."""
    with Workspace.init(root, database=database) as ws:
        keys.init_key(ws)
    return root


# -- one kill's record ----------------------------------------------------------------------
@dataclass
class Kill:
    target: str            # "ingest" or "serve"
    delay_s: float
    phase: str             # before / during / after
    acked: int             # files (ingest) or reports (serve) acknowledged before the kill
    committed_unacked: int  # entries committed that the client never heard about
    problems: list[str]
    restart_s: float | None = None
    lost: int = 0
    half: int = 0
    duplicates: int = 0
    verify_failed: bool = False

    def counted(self, found: Audit) -> Kill:
        """This kill with the audit's findings counted by kind."""
        self.lost, self.half = len(found.lost), len(found.half)
        self.duplicates, self.verify_failed = len(found.duplicates), found.verify_code != 0
        return self
