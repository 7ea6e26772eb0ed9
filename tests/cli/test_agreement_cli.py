"""`ceasefire agreement check|add|show|list`, including the issue's "Must show" checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ceasefire.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "agreements").glob("*.yaml"))
PROPOSAL = REPO / "examples" / "agreements" / "us_ua_30day_proposal_2025.yaml"


def _line_of(path: Path, fragment: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and fragment in line) + 1


def test_every_example_checks_ok(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("agreement", "check", *EXAMPLES)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count(": OK (") == len(EXAMPLES) == 5


def test_must_show_undefined_party_and_end_before_start(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "proposal.yaml"
    text = PROPOSAL.read_text(encoding="utf-8")
    # provisions[0] is full-ceasefire; its binds line is the first "binds:" after "provisions:"
    head, tail = text.split("\nprovisions:\n", 1)
    tail = tail.replace("binds: [UA, RU]", "binds: [UA, XX]", 1)
    head = head.replace("  duration: P30D\n", "  end: 2025-03-01T00:00:00+02:00\n")
    copy.write_text(head + "\nprovisions:\n" + tail, encoding="utf-8")

    result = cli("agreement", "check", copy)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr + result.stdout
    binds_line = _line_of(copy, "binds: [UA, XX]")
    end_line = _line_of(copy, "end: 2025-03-01", after="window:")
    lines = result.stderr.splitlines()
    assert f"{copy}:{binds_line}: provisions[0].binds[1]: unknown party 'XX' " \
           "(known: RU, UA, US)" in lines
    assert any(line.startswith(f"{copy}:{end_line}: window.end: end 2025-03-01T00:00:00+02:00 "
                               "is not after start") for line in lines), lines
    assert len(lines) == 2


def test_must_show_with_end_added_next_to_the_duration(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "proposal.yaml"
    text = PROPOSAL.read_text(encoding="utf-8").replace(
        "  duration: P30D\n", "  duration: P30D\n  end: 2025-03-01T00:00:00+02:00\n")
    head, tail = text.split("\nprovisions:\n", 1)
    copy.write_text(head + "\nprovisions:\n" + tail.replace("binds: [UA, RU]", "binds: [XX, RU]", 1),
                    encoding="utf-8")
    result = cli("agreement", "check", copy)
    assert result.exit_code == 2
    assert "provisions[0].binds[0]: unknown party 'XX'" in result.stderr
    assert "window.end: end 2025-03-01T00:00:00+02:00 is not after start" in result.stderr
    assert "window.duration: give either end or duration, not both" in result.stderr


def test_check_mixed_files_reports_each(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    result = cli("agreement", "check", PROPOSAL, binary, tmp_path / "missing.yaml")
    assert result.exit_code == 2
    assert f"{PROPOSAL}: OK" in result.stdout
    assert f"{binary}:1: binary file, not YAML text" in result.stderr
    assert "missing.yaml: cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    result = cli("agreement", "check", "--json", PROPOSAL, bad)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report[0]["ok"] and report[0]["agreement_id"] == "us-ua-30day-2025"
    assert not report[1]["ok"]
    assert {p["field"] for p in report[1]["problems"]} >= {"title", "status", "parties"}


def test_show_file_prints_positions_matrix_with_russias_conditions(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("agreement", "show", PROPOSAL)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Positions (provision × party)" in out
    for text in ("ru-nato-guarantee", "NATO", "ru-halt-mobilisation", "ru-halt-arms-deliveries",
                 "ru-verification", "conditional", "accepted", "2025-03-13", "2025-03-16",
                 "rejected", "2025-03-12T00:00:00+02:00 →",
                 "2025-04-11T00:00:00+02:00 (P30D)", "[grushko-izvestia]"):
        assert text in out, text
    matrix = out.split("Positions (provision × party)", 1)[1]
    nato_row = matrix.split("ru-nato-guarantee", 1)[1].split("├", 1)[0]
    assert "rejected" in nato_row and "proposed" in nato_row


def test_show_json_matrix(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("agreement", "show", "--json", PROPOSAL)
    data = json.loads(result.stdout)
    rows = {row["provision"]: row["positions"] for row in data["positions"]}
    assert rows["ru-nato-guarantee"]["RU"].startswith("proposed 2025-03-16")
    assert rows["ru-nato-guarantee"]["UA"] == "rejected"
    assert rows["full-ceasefire"]["RU"].startswith("conditional 2025-03-13: ")
    assert data["document"]["id"] == "us-ua-30day-2025"


def test_show_per_party_starts(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("agreement", "show", REPO / "examples/agreements/energy_moratorium_2025.yaml")
    assert "UA counts from 2025-03-25T00:00:00+02:00 → 2025-04-18T00:00:00+03:00" in result.stdout


def test_add_list_show_by_id_and_version(cli, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = str(workspace.root)
    for example in EXAMPLES:
        result = cli("agreement", "add", "-w", ws, example)
        assert result.exit_code == 0 and "first version" in result.stdout, result.stderr
    again = cli("agreement", "add", "-w", ws, PROPOSAL)
    assert "nothing added" in again.stdout

    amended = tmp_path / "v2.yaml"
    amended.write_text(PROPOSAL.read_text(encoding="utf-8").replace(
        "version: 1", "version: 2").replace("status: proposed", "status: collapsed"),
        encoding="utf-8")
    result = cli("agreement", "add", "-w", ws, "--json", amended)
    assert json.loads(result.stdout) == {"agreement_id": "us-ua-30day-2025", "version": 2,
                                         "added": True, "amends": 1, "ledger_seq": 6}

    listed = json.loads(cli("agreement", "list", "-w", ws, "--json").stdout)
    assert {r["agreement_id"]: r["versions"] for r in listed}["us-ua-30day-2025"] == [1, 2]
    assert len(listed) == 5
    table = cli("agreement", "list", "-w", ws).stdout
    assert "minsk2-2015" in table and "collapsed" in table

    latest = cli("agreement", "show", "-w", ws, "us-ua-30day-2025")
    assert "version 2 (stored versions: 1, 2)  status collapsed" in latest.stdout
    first = cli("agreement", "show", "-w", ws, "us-ua-30day-2025", "--version", "1")
    assert "status proposed" in first.stdout and "NATO" in first.stdout
    assert cli("verify", "-w", ws).exit_code == 0


def test_show_unknown_id_and_version(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    ws = str(workspace.root)
    result = cli("agreement", "show", "-w", ws, "no-such-agreement")
    assert result.exit_code == 2 and "no agreement 'no-such-agreement'" in result.stderr
    cli("agreement", "add", "-w", ws, PROPOSAL)
    result = cli("agreement", "show", "-w", ws, "us-ua-30day-2025", "--version", "9")
    assert result.exit_code == 2 and "no version 9" in result.stderr


def test_add_bad_file_exits_2_without_storing(cli, workspace: Workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    shutil.copy(PROPOSAL, bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("status: proposed", "status: maybe"),
                   encoding="utf-8")
    result = cli("agreement", "add", "-w", str(workspace.root), bad)
    assert result.exit_code == 2 and f"{bad}:7: status: unknown status 'maybe'" in result.stderr
    assert workspace.store.count("agreements") == 0


@pytest.mark.parametrize("args", [("agreement", "--help"), ("agreement", "check", "--help"),
                                  ("agreement", "add", "--help"), ("agreement", "show", "--help"),
                                  ("agreement", "list", "--help")])
def test_help(cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args)
    assert result.exit_code == 0 and "Usage:" in result.stdout
