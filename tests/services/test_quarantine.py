"""The quarantine reflects the latest attempt at each file (issue 19, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire.formats.registry import get_reader
from ceasefire.record import ledger
from ceasefire.services.ingest import ingest_file
from ceasefire.services.quarantine import current_rows
from ceasefire.services.sources import add_sources_file
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA

HEADER = "report_id,source_id,observed_at,lat,lon,category,text\n"
NEW_SOURCE = ("source_id,name,kind,affiliation,reliability,origin_group\n"
              "newsrc,A source added late,news,neutral,C,newsrc\n")


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    add_sources_file(workspace, TEST_DATA / "ingest" / "sources.csv")
    return workspace


def _reasons(ws: Workspace, **kwargs: bool) -> list[tuple[int, str | None, str]]:
    return [(r["row"], r["field"], r["reason"]) for r in current_rows(ws.store, **kwargs)]


def test_adding_the_missing_source_clears_the_rows_that_now_pass(ws: Workspace,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text(HEADER + "a,smm,2025-04-19,48,37,shelling,\n"
                             "b,newsrc,2025-04-19,48,37,shelling,fine once newsrc exists\n"
                             "c,newsrc,2025-04-19,48,37,teleport,still wrong\n",
                    encoding="utf-8")
    reader = get_reader("canonical")
    first = ingest_file(ws, path, reader)
    assert (first.added, first.rejected) == (1, 2)
    before = _reasons(ws)
    assert [(row, field) for row, field, _ in before] == [(3, "source_id"), (4, "source_id")]
    assert all("unknown source" in reason for _, _, reason in before)

    add_sources_file(ws, _write(tmp_path / "s.csv", NEW_SOURCE))
    again = ingest_file(ws, path, reader)  # the same bytes: re-checked all the same
    assert (again.added, again.duplicates, again.rejected) == (1, 1, 1)
    [(row, field, reason)] = _reasons(ws)
    assert (row, field) == (4, "category") and "teleport" in reason  # the real reason now
    assert len(_reasons(ws, every_attempt=True)) == 3  # history kept (the ledger holds it)

    entries = ledger.verify(ws.store).entries
    third = ingest_file(ws, path, reader)  # nothing changed: nothing written
    assert third.ledger_seq is None and ledger.verify(ws.store).entries == entries
    assert len(_reasons(ws, every_attempt=True)) == 3 and len(_reasons(ws)) == 1


def test_rows_that_pass_as_duplicates_leave_the_quarantine(ws: Workspace,
                                                           tmp_path: Path) -> None:
    one = _write(tmp_path / "one.csv", HEADER + "x,newsrc,2025-04-19,48,37,shelling,\n")
    reader = get_reader("canonical")
    assert ingest_file(ws, one, reader).rejected == 1
    add_sources_file(ws, _write(tmp_path / "s.csv", NEW_SOURCE))
    assert ingest_file(ws, _write(tmp_path / "two.csv", one.read_text()), reader).added == 1
    again = ingest_file(ws, one, reader)  # x now passes, as a duplicate: nothing to add
    assert (again.added, again.duplicates, again.rejected) == (0, 1, 0)
    assert again.ledger_seq is not None  # the attempt is recorded, with no rows
    assert _reasons(ws) == [] and len(_reasons(ws, every_attempt=True)) == 1
    ledger.verify(ws.store)


def test_a_fixed_file_shows_only_its_new_problems(ws: Workspace, tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", HEADER + "a,smm,2025-04-19,91,37,shelling,\n"
                                               "b,smm,2025-04-19,48,37,shelling,\n")
    reader = get_reader("canonical")
    ingest_file(ws, path, reader)
    assert [f for _, f, _ in _reasons(ws)] == ["lat"]
    _write(path, HEADER + "a,smm,2025-04-19,48,37,shelling,\nb,smm,2025-04-19,48,37,shelling,\n")
    assert ingest_file(ws, path, reader).added == 1
    assert _reasons(ws) == []


def test_cli_lists_the_current_rows_and_all_with_a_flag(cli, ws: Workspace,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    path = _write(tmp_path / "late.csv", HEADER + "b,newsrc,2025-04-19,48,37,shelling,\n")
    assert cli("ingest", "-q", "-w", ws.root, path).exit_code == 3
    assert "unknown source" in cli("quarantine", "list", "-w", ws.root).stdout
    add_sources_file(ws, _write(tmp_path / "s.csv", NEW_SOURCE))
    assert cli("ingest", "-q", "-w", ws.root, path).exit_code == 0
    assert cli("quarantine", "list", "-w", ws.root).stdout.strip() == "quarantine is empty"
    history = cli("quarantine", "list", "--all", "--json", "-w", ws.root)
    [row] = json.loads(history.stdout)
    assert row["raw"]["source_id"] == "newsrc"  # the row as read, as an object


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
