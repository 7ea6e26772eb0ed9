"""Crash-safety figures (issue 11): SIGKILL ``ceasefire ingest`` and ``ceasefire serve`` many
times at random points (the harness of tests/reliability) and count what went wrong.

Prints one table row per target: where the kills landed (as observed: before anything of
the run finished / inside a write transaction / after a file or request finished), what
had been acknowledged, what was lost, half-written, stored twice, how often ``ceasefire
verify`` failed, and how long resuming took. Run from the repository root:

    CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) .venv/bin/python bench/bench_crash.py \
        [--ingest-kills 40] [--serve-kills 40] [--pg-ingest-kills 10] [--seed 11] \
        [--out /tmp/crash.md]

Without the PostgreSQL URL the PostgreSQL row is left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.reliability.crash_harness import Kill
from tests.reliability.crash_ingest import ingest_kills
from tests.reliability.crash_serve import ServeResult, serve_kills
from tests.store.conftest import fresh_schemas

DATA = REPO.parent / "shared" / "data" / "viina_incidents"
HEADER = ("| target | kills | before / during / after | acknowledged | committed, "
          "unacknowledged | lost | half batches | duplicates | verify failures | "
          "resume failures | resume s (median / max) |")


def seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {max(values):.2f}" if values else "-"


def row(target: str, kills: list[Kill], resume: list[float], resume_failures: int,
        unit: str) -> str:
    phases = Counter(k.phase for k in kills)
    other = sum(len(k.problems) - k.lost - k.half - k.duplicates - k.verify_failed
                for k in kills)
    return (f"| {target} | {len(kills)} | {phases['before']} / {phases['during']} / "
            f"{phases['after']} | {sum(k.acked for k in kills):,} {unit} | "
            f"{sum(k.committed_unacked for k in kills)} | {sum(k.lost for k in kills)} | "
            f"{sum(k.half for k in kills)} | {sum(k.duplicates for k in kills)} | "
            f"{sum(k.verify_failed for k in kills)} | {resume_failures + other} | "
            f"{seconds(resume)} |")


def problems_of(kills: list[Kill], extra: list[str]) -> list[str]:
    return [f"{k.target} kill {i} ({k.phase}): {p}" for i, k in enumerate(kills)
            for p in k.problems] + extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest-kills", type=int, default=40)
    parser.add_argument("--serve-kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pg-ingest-kills", type=int,
                        default=10 if os.environ.get("CEASEFIRE_TEST_POSTGRES_URL") else 0,
                        help="ingest kills on PostgreSQL (needs CEASEFIRE_TEST_POSTGRES_URL)")
    parser.add_argument("--months", default="202506,202507,202508",
                        help="VIINA month files ingested by every run")
    parser.add_argument("--out", type=Path, default=None, help="also write this markdown file")
    args = parser.parse_args()
    files = [DATA / f"viina_incidents_{m}.csv" for m in args.months.split(",")]
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench_crash_"))

    start = time.perf_counter()
    kills, rounds = ingest_kills(files, work / "ingest", args.ingest_kills, seed=args.seed)
    ingest_s = time.perf_counter() - start
    pg_kills: list[Kill] = []
    pg_rounds = []
    if args.pg_ingest_kills:
        base = os.environ["CEASEFIRE_TEST_POSTGRES_URL"]
        with fresh_schemas(base, "bench_crash") as database:
            pg_kills, pg_rounds = ingest_kills(files, work / "pg", args.pg_ingest_kills,
                                               seed=args.seed, database=database,
                                               server_url=base)
    start = time.perf_counter()
    served: ServeResult = serve_kills(work / "serve", args.serve_kills, seed=args.seed)
    serve_s = time.perf_counter() - start
    load_after = os.getloadavg()

    rows_read = sum(1 for f in files for _ in f.open(encoding="utf-8")) - len(files)
    lines = [
        HEADER, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
        row("`ceasefire ingest` (3 VIINA months)" if len(files) == 3 else "`ceasefire ingest`",
            kills, [r.resume_s for r in rounds], sum(not r.equal for r in rounds), "files"),
        *([row("`ceasefire ingest` on PostgreSQL", pg_kills, [r.resume_s for r in pg_rounds],
               sum(not r.equal for r in pg_rounds), "files")] if pg_kills else []),
        row("`ceasefire serve` + 2 clients", served.kills,
            [k.restart_s for k in served.kills if k.restart_s is not None],
            len(served.final_problems), "reports"),
    ]
    reference = rounds[0].reference_s if rounds else float("nan")
    reports = sum(len(r.reports) for r in served.requests)
    notes = [
        (f"- ingest: {len(files)} files, {rows_read:,} rows; {len(rounds)} rounds on fresh "
         "workspaces, each killed up to 3 times, then resumed to the end: "
         f"{sum(r.equal for r in rounds)}/{len(rounds)} ended equal to an uninterrupted run "
         f"(uninterrupted run {reference:.2f} s; resume s = the completing run); "
         f"{ingest_s:.0f} s in all."),
        *([(f"- ingest on PostgreSQL: the same files, {len(pg_rounds)} rounds, "
           f"{sum(r.equal for r in pg_rounds)}/{len(pg_rounds)} ended equal to an "
           f"uninterrupted run ({pg_rounds[0].reference_s:.2f} s).")] if pg_rounds else []),
        (f"- serve: {len(served.requests):,} requests ({reports:,} reports, every 5th "
         "request a batch of 4); after each kill the unanswered requests were resent with "
         "their keys; at the end all were resent: final store "
         f"{'equal' if served.equal else 'NOT equal'} to an uninterrupted run; resume s = "
         "restart until the server answers; final resend of everything "
         f"{served.resume_s:.1f} s; {serve_s:.0f} s in all."),
        (f"- load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
         "(other work shared the 2 cores)."),
    ]
    found = problems_of(kills, [r.difference for r in rounds if not r.equal]) + \
        problems_of(pg_kills, [r.difference for r in pg_rounds if not r.equal]) + \
        problems_of(served.kills, served.final_problems)
    print("\n".join(lines + [""] + notes))
    if found:
        print("\nproblems:\n" + "\n".join(f"- {p}" for p in found[:50]))
    if args.out:
        write_results(args.out, lines, notes, found, args)


def write_results(out: Path, table: list[str], notes: list[str], found: list[str],
                  args: argparse.Namespace) -> None:
    from ceasefire.fsutil import write_text_atomic

    command = (f".venv/bin/python bench/bench_crash.py --ingest-kills {args.ingest_kills} "
               f"--serve-kills {args.serve_kills} --pg-ingest-kills {args.pg_ingest_kills} "
               f"--seed {args.seed} --out {out}")
    if args.pg_ingest_kills:
        command = f"CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) {command}"
    method = (
        "Every kill is SIGKILL, sent after SIGSTOP so the harness can see where the process "
        "was: **during** = holding the write lock (SQLite's WAL write lock, or on "
        "PostgreSQL the store's advisory lock, by one of its connections): inside a write "
        "transaction, its commit included; **after** = no transaction open and at least one "
        "file or request of this run finished (committed or acknowledged); **before** = no "
        "transaction open and nothing finished yet (start-up, reading). Kill times are drawn "
        "with a fixed seed: for ingest, a fifth in start-up (a random share of the time an "
        "uninterrupted run takes to its first write lock), the rest a random time after the "
        "killed run's own first write lock, up to 1.05 x the uninterrupted run's writing time "
        "scaled by the share of reports still to add; for serve, 0.1-0.5 s after 2 clients "
        "start submitting. After every kill the "
        "workspace is reopened and audited: acknowledged entries/reports present (*lost*), "
        "every ledger entry's rows all present and none without an entry (*half batches*, "
        "counted against each entry's Merkle size and its `added` count), no "
        "`source_id:report_id` twice and no file ingested under two entries (*duplicates*), "
        "`ceasefire verify` exit 0. *Resume failures*: a resumed ingest not ending equal to "
        "an uninterrupted run, or a resent request not answered as an uninterrupted server "
        "answers it (201, every report added; acknowledged ones replayed byte for byte).")
    history = (
        "Found by this harness and fixed (commit f856eca): `POST /api/v1/reports` committed "
        "the reports and the stored idempotent answer in two transactions. A kill between "
        "them (2 of the first 4 serve kills) left reports without an answer, and the "
        "client's retry with the same `Idempotency-Key` was told `200 duplicate` instead of "
        "its `201 added`. No report was lost or doubled, but the answer was not the one an "
        "uninterrupted server gives; both now commit in one transaction.")
    found_text = ("Problems found: none." if not found else
                  "Problems found:\n" + "\n".join(f"- {p}" for p in found[:50]))
    text = "\n".join([
        "# Crash safety (issue 11)", "",
        ("Machine: 2 cores, 24 GB RAM, no GPU; SQLite (WAL, synchronous=FULL), PostgreSQL 15 "
         "on loopback. "
         f"Date: {date.today().isoformat()}."), "",
        f"Command: `{command}`", "", method, "", *table, "", *notes, "", found_text, "",
        history, "",
        ("The same harness runs in CI (tests/reliability/test_crash.py, marker `slow`): 12 "
         "ingest kills and 10 serve kills on SQLite, 3 ingest kills on PostgreSQL (marker "
         "`postgres`), and unit tests that the audit and both lock probes can fail."), ""])
    write_text_atomic(out, text)


if __name__ == "__main__":
    main()
