"""The ingest side of the crash harness: SIGKILL ``ceasefire ingest`` at random points.

Each round starts a fresh workspace and runs the same ``ceasefire ingest FILES`` again and
again, killing it each time (where it was is observed, see :mod:`crash_harness`) and
auditing the store; then the same command runs to the end and the workspace must hold what
an uninterrupted run on a fresh workspace holds (reports, quarantine, sources, the per-file
ingest notes). ``ingest --json`` prints a file's line only after its transaction committed,
so the lines printed before a kill are the acknowledged files.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ceasefire.workspace import Workspace
from tests.reliability.crash_harness import (
    CLI,
    Kill,
    Probe,
    StoreState,
    audit,
    freeze_and_kill,
    lock_probe,
    new_workspace,
    outcome,
)


@dataclass
class Round:
    """One fresh workspace: killed runs until a run of the same command completes."""

    kills: int
    resume_s: float
    reference_s: float
    equal: bool
    difference: str = ""


def ingest_command(root: Path, files: list[Path], fmt: str) -> list[str]:
    return [*CLI, "ingest", "--format", fmt, "--json", "-q", "-w", str(root),
            *(str(f) for f in files)]


def timed_run(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    return done, time.perf_counter() - start


def ingest_kills(files: list[Path], work: Path, kills: int, *, seed: int = 11,
                 fmt: str = "viina", per_round: int = 3, max_runs: int | None = None,
                 database: Callable[[], str] | None = None, server_url: str | None = None,
                 ) -> tuple[list[Kill], list[Round]]:
    """Kill ``ceasefire ingest FILES`` ``kills`` times at random points and audit each time.

    An uninterrupted run on a fresh workspace is the reference: its outcome, its duration
    and when it first took the write lock (start-up before that is mostly imports, where a
    kill proves little). Each round starts a fresh workspace and runs the same command
    again and again. A fifth of the kills land in start-up (a random share of the
    reference's time to its first write); the others wait until the run takes its first
    write lock, then a random part of 1.05 x the reference's writing time, scaled by the
    share of its reports still to add (so the clock of a slow machine does not matter);
    after ``per_round`` kills (or a run that finished before its kill) the same command is
    run to the end and the workspace must hold exactly what the reference holds.

    ``database()`` gives each workspace its own PostgreSQL database URL (default: the
    SQLite file); ``server_url`` is then the server to ask who holds the write lock.
    """
    def fresh(name: str) -> Path:
        return new_workspace(work / name, database() if database else None)

    rng = random.Random(seed)
    ref_root = fresh("reference")
    code, reference_s, first_write_s = _watched_run(ingest_command(ref_root, files, fmt),
                                                    lock_probe(ref_root, server_url))
    if code not in (0, 3):
        raise RuntimeError(f"reference ingest failed ({code})")
    with Workspace.open(ref_root) as ws:
        expected = outcome(ws)
    total = max(len(expected["reports"]), 1)
    records: list[Kill] = []
    rounds: list[Round] = []
    runs = 0
    max_runs = max_runs or kills * 3
    while len(records) < kills and runs < max_runs:
        root = fresh(f"round-{len(rounds)}")
        probe = lock_probe(root, server_url)
        before: StoreState | None = None
        in_round = 0
        while in_round < per_round and len(records) < kills and runs < max_runs:
            runs += 1
            left = 1 - (sum(before.report_keys.values()) / total if before else 0)
            if rng.random() < 0.2:
                when = Moment(rng.uniform(0.3, 1.0) * first_write_s, after_first_write=False)
            else:
                writing = (reference_s - first_write_s) * max(left, 0.05)
                when = Moment(rng.uniform(0, 1.05 * writing), after_first_write=True)
            kill = _kill_ingest(root, files, fmt, when, before, probe)
            if kill is None:  # the run finished first: the workspace is complete
                break
            records.append(kill[0])
            before = kill[1]
            in_round += 1
        done, resume_s = timed_run(ingest_command(root, files, fmt))
        with Workspace.open(root) as ws:
            got = outcome(ws)
        diff = next((f"{name}: {len(got[name])} rows, reference {len(rows)}"
                     for name, rows in expected.items() if got[name] != rows), "")
        if done.returncode not in (0, 3):
            diff = f"resume exited {done.returncode}: {done.stderr.strip()} {diff}"
        rounds.append(Round(in_round, resume_s, reference_s, not diff, diff))
    return records, rounds


def _watched_run(args: list[str], probe: Probe) -> tuple[int, float, float]:
    """Run ``args`` to the end: exit code, seconds, seconds until it first held the write
    lock (polled every few milliseconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_write = None
    while proc.poll() is None:
        if first_write is None and probe(proc.pid):
            first_write = time.perf_counter() - start
        time.sleep(0.01)
    took = time.perf_counter() - start
    return proc.returncode, took, took if first_write is None else first_write


@dataclass(frozen=True)
class Moment:
    """When to kill: ``delay`` seconds after the start, or after the first write lock."""

    delay: float
    after_first_write: bool


def _kill_ingest(root: Path, files: list[Path], fmt: str, when: Moment,
                 before: StoreState | None, probe: Probe) -> tuple[Kill, StoreState] | None:
    committed_before = len(before.entries) if before else _entries(root)
    proc = subprocess.Popen(ingest_command(root, files, fmt), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    start = time.perf_counter()
    if when.after_first_write:
        while proc.poll() is None and not probe(proc.pid):
            time.sleep(0.002)
    time.sleep(when.delay)
    delay = time.perf_counter() - start
    in_transaction = freeze_and_kill(proc, probe)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.stdout:
        proc.stdout.close()
    if in_transaction is None:
        return None
    # a line is printed only after its file's transaction committed: an acknowledgement
    acked = [json.loads(line) for line in out.splitlines() if line.strip()]
    acked_seqs = {a["ledger_seq"]: a["added"] for a in acked if a["ledger_seq"]}
    result = audit(root, before, acked_seqs)
    committed = len(result.state.entries) - committed_before
    phase = "during" if in_transaction else ("after" if committed or acked else "before")
    return Kill("ingest", delay, phase, len(acked), committed - len(acked_seqs),
                result.problems).counted(result), result.state


def _entries(root: Path) -> int:
    with Workspace.open(root) as ws:
        return ws.store.count("ledger")
