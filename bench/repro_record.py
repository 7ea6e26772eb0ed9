"""The outside review's reproductions of issue 18 items 3 and 4, rerun; prints one table row
per attack with what ``ceasefire verify`` now says (exit code and its one line).

Every step is the real CLI in a child process on a fresh workspace under a temporary
folder; the database-level attacks are plain SQL plus the published encoding rules
(tests/security/attacks.py). Run from the repository root:

    PYTHONPATH=src .venv/bin/python bench/repro_record.py
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.security.attacks import recompute_chain, strip_signatures

DATA = REPO / "tests" / "data" / "ingest"
CSV_HEADER = "report_id,source_id,observed_at,lat,lon,category,text\n"


def cli(*args: object) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", "from ceasefire.cli import main; main()",
                           *map(str, args)], check=False, capture_output=True, text=True,
                          env=env)
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
    return done.returncode, lines[-1] if lines else ""


def workspace(root: Path, *init_args: str) -> Path:
    ws = root / "ws"
    cli("init", *init_args, ws)
    cli("sources", "add", DATA / "sources.csv", "-w", ws)
    cli("ingest", "-q", "-w", ws, DATA / "mixed_reports.csv")
    return ws


def edit_report(ws: Path) -> None:
    conn = sqlite3.connect(ws / "ceasefire.db")
    conn.execute("UPDATE reports SET text = 'forged' WHERE report_id = 'm-001'")
    conn.commit()
    conn.close()


def negative_zero(root: Path) -> tuple[int, str]:
    ws = workspace(root)
    (root / "z.csv").write_text(CSV_HEADER + "z1,smm,2025-04-19T21:40:00Z,51.48,-0.0,shelling,x\n")
    cli("ingest", "-q", "-w", ws, root / "z.csv")
    return cli("verify", "-w", ws)


def no_key_edit(root: Path) -> tuple[int, str]:
    ws = workspace(root, "--no-key")
    edit_report(ws)
    recompute_chain(ws / "ceasefire.db")
    return cli("verify", "-w", ws)


def strip(root: Path) -> tuple[int, str]:
    ws = workspace(root)
    edit_report(ws)
    strip_signatures(ws / "ceasefire.db")
    return cli("verify", "-w", ws)


def strip_and_unpin(root: Path) -> tuple[int, str]:
    ws = workspace(root)
    edit_report(ws)
    strip_signatures(ws / "ceasefire.db")
    toml = ws / "ceasefire.toml"
    toml.write_text("\n".join(l for l in toml.read_text().splitlines() if "log_id" not in l))
    return cli("verify", "-w", ws)


def resign(root: Path) -> tuple[int, str]:
    ws = workspace(root)
    log_id = tomllib.loads((ws / "ceasefire.toml").read_text())["workspace"]["log_id"]
    edit_report(ws)
    strip_signatures(ws / "ceasefire.db")
    mine = root / "attacker"
    cli("init", "--no-key", mine)
    shutil.copy(ws / "ceasefire.db", mine / "ceasefire.db")
    cli("keys", "init", "-w", mine)
    code, _ = cli("verify", "-w", mine)
    assert code == 0  # consistent in the attacker's own folder
    outside = cli("verify", "--log-id", log_id, "-w", mine)
    for suffix in ("-wal", "-shm"):
        (ws / f"ceasefire.db{suffix}").unlink(missing_ok=True)
    shutil.copy(mine / "ceasefire.db", ws / "ceasefire.db")
    inside = cli("verify", "-w", ws)
    return inside[0], f"{inside[1]} | outside verifier: exit {outside[0]}, {outside[1]}"


def after_checkpoint(root: Path, *, seal: bool) -> tuple[int, str]:
    ws = workspace(root)
    if seal:
        cli("verify", "--checkpoint", "-w", ws)
    edit_report(ws)
    recompute_chain(ws / "ceasefire.db")
    return cli("verify", "-w", ws)


ATTACKS: list[tuple[str, str, str, Callable[[Path], tuple[int, str]]]] = [
    ("3", "report with lon -0.0 (CSV), then verify", "exit 1 for good", negative_zero),
    ("4", "`init --no-key`: edit a report, recompute the chain", "exit 0", no_key_edit),
    ("4", "default `init`: edit, strip checkpoints + keys + keys.init, recompute", ("exit 0 "
     "(\"no signed checkpoints yet\")"), strip),
    ("4", "the same, and the log_id pin removed from ceasefire.toml too", "exit 0", strip_and_unpin),
    ("4", "the same, then re-signed with the attacker's own key", "exit 0, another log id", resign),
    ("4", "edit entries after the last checkpoint, recompute", "exit 0",
     lambda r: after_checkpoint(r, seal=False)),
    ("4", "the same after `verify --checkpoint`", "exit 0", lambda r: after_checkpoint(r, seal=True)),
]


def main() -> None:
    print("| item | attack | outcome before (review) | `ceasefire verify` now |")
    print("|---|---|---|---|")
    for item, what, before, attack in ATTACKS:
        with tempfile.TemporaryDirectory() as tmp:
            code, line = attack(Path(tmp))
        print(f"| {item} | {what} | {before} | exit {code}: {line.replace('|', '/')} |")


if __name__ == "__main__":
    main()
