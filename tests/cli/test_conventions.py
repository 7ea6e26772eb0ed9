"""The conventions every command shares (issue 19 part B): -w anywhere, -q and --json on
every command that prints, ids never cut, one date parser, input errors exit 2 in one line,
ISO times and real JSON objects in --json, no progress bars when piped, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from ceasefire.cli import cli as root
from ceasefire.cli._common import parse_when, progress_bar
from ceasefire.errors import InputError
from ceasefire.workspace import Workspace
from tests.cli.test_fuse_cli import _seed
from tests.record.ledger_data import assessed_finding

REPO = Path(__file__).resolve().parents[2]
# `serve` runs a server: it prints one "serving ..." line and then the server's own log
NOT_PRINTING = {("serve",)}


def _commands(group: click.Group = root, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


@pytest.mark.parametrize("path,command", [c for c in _commands() if c[0] not in NOT_PRINTING],
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_printing_command_takes_json_and_quiet(path, command) -> None:  # type: ignore[no-untyped-def]
    flags = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {"--json", "-q"} <= flags, f"ceasefire {' '.join(path)} lacks --json or -q"


def test_workspace_before_or_after_the_subcommand(cli, workspace: Workspace,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path, monkeypatch) -> None:
    _seed(workspace)
    assert cli("-w", workspace.root, "fuse", "-q").exit_code == 0
    monkeypatch.chdir(tmp_path)  # not a workspace: only -w can find it
    before = cli("-w", workspace.root, "incidents", "list", "--json")
    after = cli("incidents", "list", "--json", "-w", workspace.root)
    assert before.exit_code == 0, before.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout) and json.loads(after.stdout)
    # --json and -q before the subcommand too
    early = cli("--json", "-q", "-w", workspace.root, "incidents", "list")
    assert json.loads(early.stdout) == json.loads(after.stdout) and early.stderr == ""
    plain = cli("-w", workspace.root, "incidents", "list")
    assert "incident(s)" in plain.stderr
    assert cli("-w", workspace.root, "-q", "incidents", "list").stderr == ""


def test_incidents_json_has_iso_times_not_epochs(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    _seed(workspace)
    cli("fuse", "-q", "-w", workspace.root)
    rows = json.loads(cli("incidents", "list", "--json", "-w", workspace.root).stdout)
    for row in rows:
        assert "t_start" not in row and "t_end" not in row
        assert row["time_start"].endswith("Z") and row["time_start"] <= row["time_end"]
        assert not any(isinstance(v, float) and v > 1e9 for v in row.values())
    shown = json.loads(cli("incident", "show", rows[0]["incident_id"], "--json",
                           "-w", workspace.root).stdout)
    assert all(isinstance(r["t_start"], str) and r["t_start"].endswith("Z")
               for r in shown["reports"])


@pytest.fixture
def assessed(workspace: Workspace, tmp_path: Path) -> tuple[Workspace, str]:
    return workspace, assessed_finding(workspace, tmp_path)


def test_findings_ids_whole_on_a_narrow_terminal(cli, assessed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ws, finding_id = assessed
    monkeypatch.setenv("COLUMNS", "40")
    out = cli("findings", "list", "-w", ws.root, "--limit", "500")
    assert out.exit_code == 0, out.stderr
    ids = [r["finding_id"] for r in ws.store.select("findings")]
    assert len(finding_id) > 30 and ids
    lines = out.stdout.splitlines()
    assert all(any(line.startswith(i + " ") for line in lines) for i in ids)
    # and the id from the list is what `findings show` takes
    first = lines[1].split()[0]
    assert cli("findings", "show", first, "-w", ws.root).exit_code == 0


def test_findings_json_rationale_and_subject_are_objects(cli, assessed) -> None:  # type: ignore[no-untyped-def]
    ws, finding_id = assessed
    rows = json.loads(cli("findings", "list", "--json", "-w", ws.root).stdout)
    assert rows and all(isinstance(r["rationale"], list) for r in rows)
    assert all(r["subject"] is None or isinstance(r["subject"], dict) for r in rows)
    one = json.loads(cli("findings", "show", finding_id, "--json", "-w", ws.root).stdout)
    assert isinstance(one["rationale"], list) and one["rationale"][0]["factor"]


def test_findings_reply_unknown_party_is_exit_2(cli, assessed) -> None:  # type: ignore[no-untyped-def]
    ws, finding_id = assessed
    res = cli("findings", "reply", finding_id, "--party", "XX", "--note", "no",
              "--actor", "liaison", "-w", ws.root)
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: --party: unknown party 'XX' (one of UA, RU, US)"
    bad_verdict = cli("findings", "list", "--party", "XX", "-w", ws.root)
    assert bad_verdict.exit_code == 2


DAY_COMMANDS = [
    ("findings", "list", "--from", "{v}"),
    ("findings", "aggregate", "--to", "{v}"),
    ("incidents", "list", "--from", "{v}"),
    ("incidents", "list", "--to", "{v}"),
    ("territory", "list"),  # no date option: only the workspace
]
DATED = [c for c in DAY_COMMANDS if "{v}" in c] + [
    ("territory", "stats", "--date", "{v}"),
    ("territory", "change", "--from", "{v}", "--to", "2025-05-01"),
    ("report", "--agreement", "x", "-o", "out", "--from", "{v}", "--to", "2025-05-01"),
]


@pytest.mark.parametrize("args", DATED, ids=lambda a: " ".join(a[:3]))
def test_bad_date_is_one_line_exit_2_everywhere(cli, workspace: Workspace, args) -> None:  # type: ignore[no-untyped-def]
    res = cli(*[a.replace("{v}", "March") for a in args], "-w", workspace.root)
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "not an ISO 8601 date or time: 'March'" in res.stderr


@pytest.mark.parametrize("value", ["2025-04-20", "2025-04-20T06:00", "2025-04-20T06:00:00Z",
                                   "2025-04-20T09:00:00+03:00", "2025-04-20 06:00:00"])
@pytest.mark.parametrize("args", [c for c in DAY_COMMANDS if "{v}" in c],
                         ids=lambda a: " ".join(a[:3]))
def test_same_iso_forms_on_every_command(cli, assessed, args, value) -> None:  # type: ignore[no-untyped-def]
    ws, _ = assessed
    res = cli(*[a.replace("{v}", value) for a in args], "-w", ws.root, "--json")
    assert res.exit_code == 0, res.stderr
    assert isinstance(json.loads(res.stdout), list)


def test_the_one_parser() -> None:
    assert parse_when("2025-04-20T09:00:00+03:00").at == parse_when("2025-04-20T06:00Z").at
    whole = parse_when("2025-04-20")
    assert whole.date_only and whole.end - whole.start == pytest.approx(86400, abs=1e-3)
    for bad in ("March", "2025-04", "20/04/2025", "2025-04-20T", "2025-13-01", ""):
        with pytest.raises(InputError):
            parse_when(bad, "--from")


def test_findings_day_bounds_select_days(cli, assessed) -> None:  # type: ignore[no-untyped-def]
    ws, _ = assessed
    days = sorted({r["day"] for r in ws.store.select("findings")})
    res = cli("findings", "list", "--json", "--from", days[-1], "--to", days[-1] + "T23:59Z",
              "-w", ws.root)
    assert {r["day"] for r in json.loads(res.stdout)} == {days[-1]}


def test_no_progress_bars_when_not_a_terminal(capsys) -> None:  # type: ignore[no-untyped-def]
    with progress_bar() as bar:  # stderr is captured here: not a terminal
        bar.add_task("fusing", total=3, completed=3)
    assert "fusing" not in capsys.readouterr().err


def test_fuse_piped_prints_no_bars(workspace: Workspace) -> None:
    _seed(workspace)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", "from ceasefire.cli import main; main()",
                           "fuse", "-w", str(workspace.root)], capture_output=True, text=True,
                          env=env, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "fused" in done.stdout and "━" not in done.stderr and "%" not in done.stderr


def test_shell_completion_works_and_is_documented() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "_CEASEFIRE_COMPLETE": "bash_source"}
    done = subprocess.run([sys.executable, "-c", "from ceasefire.cli import main; main()"],
                          capture_output=True, text=True, env=env, check=False)
    assert "_ceasefire_completion" in done.stdout
    words = {**env, "_CEASEFIRE_COMPLETE": "bash_complete", "COMP_WORDS": "ceasefire find",
             "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-c", "from ceasefire.cli import main; main()"],
                          capture_output=True, text=True, env=words, check=False)
    assert "findings" in done.stdout
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "_CEASEFIRE_COMPLETE=bash_source ceasefire" in doc
    assert "_CEASEFIRE_COMPLETE=zsh_source" in doc and "fish_source" in doc
