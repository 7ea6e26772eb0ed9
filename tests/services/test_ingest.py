"""The ingest service: exact accounting, idempotency, one transaction per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.errors import InputError
from ceasefire.formats.registry import get_reader
from ceasefire.record import ledger
from ceasefire.services.ingest import ingest_file
from ceasefire.services.sources import add_sources_file
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA

DATA = TEST_DATA / "ingest"
HEADER = "report_id,source_id,observed_at,lat,lon,category,text\n"


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    add_sources_file(workspace, DATA / "sources.csv")
    return workspace


def _big_csv(path: Path, rows: int, bad_at: int | None = None) -> Path:
    lines = [HEADER]
    for i in range(rows):
        extra = ",oops" if i == bad_at else ""
        lines.append(f"b-{i},smm,2025-04-19T21:{i % 60:02d}:00+03:00,48.{i % 1000:03d},"
                     f"37.8,shelling,{'x' * 120}{extra}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_accounting_duplicates_within_and_across_files(ws: Workspace, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text(HEADER + "a,smm,2025-04-19,48,37,shelling,\n"
                            "a,smm,2025-04-19,48,37,shelling,again\n"
                            "b,smm,2025-04-19,91,37,shelling,\n", encoding="utf-8")
    two = tmp_path / "two.csv"
    two.write_text(HEADER + "a,smm,2025-04-20,48,37,mlrs,\nc,smm,2025-04-19,48,37,mlrs,\n",
                   encoding="utf-8")
    reader = get_reader("canonical")
    s1, s2 = ingest_file(ws, one, reader), ingest_file(ws, two, reader)
    assert (s1.read, s1.added, s1.duplicates, s1.rejected) == (3, 1, 1, 1)
    assert (s2.read, s2.added, s2.duplicates, s2.rejected) == (2, 1, 1, 0)
    assert ws.store.count("reports") == 2 and ws.store.count("quarantine") == 1
    entry = ledger.head(ws.store)
    assert entry is not None and entry.note_data["added"] == 1 and entry.action == "ingest"


def test_reingest_adds_nothing_and_writes_no_entry(ws: Workspace, tmp_path: Path) -> None:
    path = _big_csv(tmp_path / "a.csv", 50)
    first = ingest_file(ws, path, get_reader("canonical"))
    entries = ledger.verify(ws.store).entries
    second = ingest_file(ws, path, get_reader("canonical"))
    assert first.added == 50 and (second.added, second.duplicates) == (0, 50)
    assert second.ledger_seq is None and ledger.verify(ws.store).entries == entries


def test_a_file_failing_midway_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = _big_csv(tmp_path / "big.csv", 12_000, bad_at=11_500)  # past the first 1 MB block
    assert path.stat().st_size > 1 << 20
    before = (ws.store.count("reports"), ws.store.count("ledger"))
    with pytest.raises(InputError, match="cannot parse"):
        ingest_file(ws, path, get_reader("canonical"))
    assert (ws.store.count("reports"), ws.store.count("ledger")) == before
    ledger.verify(ws.store)


def test_unknown_source_id_option_is_an_error(ws: Workspace) -> None:
    with pytest.raises(InputError) as info:
        ingest_file(ws, DATA / "hxl_sample.csv", get_reader("hxl"), source_id="nobody")
    assert info.value.problems[0].field == "--source-id"
    assert ws.store.count("reports") == 0


def test_dataset_reader_registers_its_source_once(workspace: Workspace) -> None:
    reader = get_reader("acled")
    ingest_file(workspace, DATA / "acled_sample.csv", reader)
    ingest_file(workspace, DATA / "acled_sample.csv", reader)
    assert [r["source_id"] for r in workspace.store.select("sources")] == ["acled"]
    assert workspace.store.count("quarantine") == 1  # same bytes: not quarantined twice


def test_progress_reaches_the_file_size(ws: Workspace, tmp_path: Path) -> None:
    path = _big_csv(tmp_path / "p.csv", 9_000)
    seen: list[int] = []
    ingest_file(ws, path, get_reader("canonical"), progress=seen.append)
    assert len(seen) >= 2 and seen == sorted(seen) and seen[-1] == path.stat().st_size


def test_file_with_places_only_is_geocoded_row_by_row(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text("report_id,source_id,observed_at,category,place\n"
                    "p1,smm,2025-04-19,shelling,Kupiansk\n"
                    "p2,smm,2025-04-19,shelling,Atlantis\n", encoding="utf-8")
    summary = ingest_file(ws, path, get_reader("canonical"))
    assert (summary.added, summary.rejected) == (1, 1)
    [row] = list(ws.store.select("reports"))
    assert round(row["lat"], 2) == 49.71 and row["location_uncertainty_m"] == 4000.0
    assert row["count"] is None and row["origin_lat"] is None
    [q] = list(ws.store.select("quarantine"))
    assert (q["row"], q["field"]) == (3, "place")
