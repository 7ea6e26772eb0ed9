"""Benchmark: ingest all 191,675 VIINA rows, against two references measured in the same run.

* ours: ``services.ingest.ingest_file`` per file into a fresh workspace (reader, validation,
  duplicate check, quarantine, SQLite insert and one ledger entry per file: everything
  ``ceasefire ingest --format viina`` does except drawing the progress bar);
* pandas: ``pandas.read_csv`` + ``DataFrame.to_sql`` into a fresh SQLite file (validates
  nothing, no ledger);
* pyarrow: the raw ``pyarrow.csv.read_csv`` parse of the same bytes (the floor), on all
  cores and on one thread.

Then the database layer alone on the validated rows: ``Store.insert``, and plain
``sqlite3.executemany`` of prepared tuples into the same table (with and without its
secondary indexes), which no SQLite ingest through Python can beat.

Prints a table of seconds and rows/s, and the two ratios of issue 3: ours / pandas
(target >= 1.0) and pyarrow / ours (target <= 5). Run:

    .venv/bin/python bench/bench_ingest.py [--repeat 3] [--data ../shared/data/viina_incidents]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from ceasefire.formats.viina import ViinaReader
from ceasefire.services.ingest import ingest_file
from ceasefire.workspace import Workspace

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "viina_incidents"


def run_ours(files: list[Path]) -> int:
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        reader = ViinaReader()
        read = 0
        for path in files:
            summary = ingest_file(ws, path, reader)
            assert summary.added + summary.duplicates + summary.rejected == summary.read
            read += summary.read
        return read


def run_pandas(files: list[Path]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "pandas.db")
        read = 0
        for path in files:
            frame = pd.read_csv(path, encoding="utf-8-sig")
            frame.to_sql("viina", conn, if_exists="append", index=False)
            read += len(frame)
        conn.commit()
        conn.close()
        return read


def run_pyarrow(files: list[Path]) -> int:
    return sum(pacsv.read_csv(path).num_rows for path in files)


def run_pyarrow_one_thread(files: list[Path]) -> int:
    options = pacsv.ReadOptions(use_threads=False)
    return sum(pacsv.read_csv(path, read_options=options).num_rows for path in files)


def validated_batches(files: list[Path]) -> list[list[dict[str, object]]]:
    """The report rows ``ceasefire ingest`` would insert, one list per file (read,
    validated and de-duplicated within the file, untimed)."""
    from ceasefire.core.validation import ReportValidator
    from ceasefire.services.ingest import resolve_timezone

    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        reader = ViinaReader()
        validator = ReportValidator({"viina"}, resolve_timezone(reader, ws))
        batches = []
        for path in files:
            rows, seen = [], set()
            for chunk in reader.read(path):
                good, _ = validator.validate_columns(chunk.columns, len(chunk))
                for i, row in good:
                    if row["report_id"] in seen:
                        continue
                    seen.add(row["report_id"])
                    row.update(evidence_hashes=None, sensitive=0, extra=chunk.columns["extra"][i],
                               ingest_file=str(path), ingest_row=chunk.rows[i], ledger_seq=1)
                    rows.append(row)
            batches.append(rows)
        return batches


def time_store_insert(batches: list[list[dict[str, object]]]) -> float:
    """Only ``Store.insert`` of the validated rows, one transaction per file: what the
    database layer alone costs for this schema."""
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        start = time.perf_counter()
        for rows in batches:
            with ws.store.transaction():
                ws.store.insert("reports", rows, on_conflict="ignore")
        return time.perf_counter() - start


def time_raw_executemany(batches: list[list[dict[str, object]]], indexes: bool) -> float:
    """The floor of any SQLite ingest of these rows through Python: plain
    ``sqlite3.executemany`` of prepared tuples into the workspace's ``reports`` table (its
    own migration, WAL), one transaction per file; ``indexes=False`` drops the secondary
    indexes first (the UNIQUE key stays: duplicates must be found)."""
    columns = list(batches[0][0])
    tuples = [[tuple(row[c] for c in columns) for row in rows] for rows in batches]
    sql = (f"INSERT OR IGNORE INTO reports ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws"):
        conn = sqlite3.connect(Path(tmp) / "ws" / "ceasefire.db", isolation_level=None)
        if not indexes:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                        "AND tbl_name = 'reports' AND sql IS NOT NULL").fetchall():
                conn.execute(f"DROP INDEX {name}")
        start = time.perf_counter()
        for rows in tuples:
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return elapsed


def best_of(fn: Callable[[list[Path]], int], files: list[Path], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = fn(files)
        times.append(time.perf_counter() - start)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(args.data.glob("*.csv"))
    if not files:
        raise SystemExit(f"no CSV files in {args.data}")
    results = {}
    for name, fn in (("pyarrow.csv parse", run_pyarrow),
                     ("pyarrow.csv, one thread", run_pyarrow_one_thread),
                     ("pandas read_csv+to_sql", run_pandas), ("ceasefire ingest", run_ours)):
        results[name] = best_of(fn, files, args.repeat)
    print(f"VIINA: {len(files)} files; best of {args.repeat} runs")
    print(f"{'step':<30}{'rows':>10}{'seconds':>10}{'rows/s':>12}")
    for name, (seconds, rows) in results.items():
        print(f"{name:<30}{rows:>10,}{seconds:>10.2f}{rows / seconds:>12,.0f}")
    batches = validated_batches(files)
    stored = sum(len(b) for b in batches)
    print(f"the database layer alone, on the {stored:,} validated rows (no read, validation "
          "or ledger):")
    for name, fn in (("Store.insert", time_store_insert),
                     ("raw executemany, schema", lambda b: time_raw_executemany(b, True)),
                     ("raw executemany, no 2nd idx", lambda b: time_raw_executemany(b, False))):
        seconds = min(fn(batches) for _ in range(args.repeat))
        print(f"  {name:<28}{stored:>10,}{seconds:>10.2f}{stored / seconds:>12,.0f}")
    ours = results["ceasefire ingest"][0]
    print(f"ratio ours/pandas (speed, target >= 1.0): "
          f"{results['pandas read_csv+to_sql'][0] / ours:.2f}")
    print(f"ratio ours vs raw parse (slowdown, target <= 5): "
          f"{ours / results['pyarrow.csv parse'][0]:.2f} "
          f"({ours / results['pyarrow.csv, one thread'][0]:.2f} against one thread)")

if __name__ == "__main__":
    main()
