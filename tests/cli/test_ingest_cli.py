"""`ceasefire ingest`, `sources`, `quarantine` through the real CLI (the issue's Must show)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, require_shared_data

DATA = TEST_DATA / "ingest"


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def ws(tmp_path: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws"
    assert cli("init", path).exit_code == 0
    result = cli("sources", "add", DATA / "sources.csv", "-w", path)
    assert result.exit_code == 0, result.stderr
    return path


def test_mixed_canonical_csv_quarantines_exactly_the_five_bad_rows(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("ingest", "--json", "-q", "-w", ws, DATA / "mixed_reports.csv")
    assert result.exit_code == 3, result.stderr
    [summary] = _lines(result.stdout)
    assert (summary["read"], summary["added"], summary["duplicates"], summary["rejected"]) \
        == (10, 5, 0, 5)
    listed = json.loads(cli("quarantine", "list", "--json", "-w", ws).stdout)
    got = {(q["row"], q["field"]) for q in listed}
    assert got == {(5, "lat"), (6, "observed_at"), (7, "category"), (8, "source_id"),
                   (9, "report_id")}
    reasons = {q["field"]: q["reason"] for q in listed}
    assert "95" in reasons["lat"] and "offset" in reasons["observed_at"]
    assert "teleportation" in reasons["category"] and "nobody" in reasons["source_id"]
    conn = sqlite3.connect(ws / "ceasefire.db")
    stored = {r[0] for r in conn.execute("SELECT report_id FROM reports")}
    conn.close()
    assert stored == {"m-001", "m-002", "m-003", "m-008", "m-009"}
    again = cli("ingest", "--json", "-q", "-w", ws, DATA / "mixed_reports.csv")
    assert again.exit_code == 3
    assert _lines(again.stdout)[0]["added"] == 0 and _lines(again.stdout)[0]["duplicates"] == 5
    # the same bytes do not fill the quarantine twice
    assert len(json.loads(cli("quarantine", "list", "--json", "-w", ws).stdout)) == 5


def test_workspace_timezone_admits_offsetless_times(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws"
    cli("init", path, "--timezone", "Europe/Kyiv")
    cli("sources", "add", DATA / "sources.csv", "-w", path)
    result = cli("ingest", "--json", "-q", "-w", path, DATA / "mixed_reports.csv")
    assert _lines(result.stdout)[0]["rejected"] == 4
    conn = sqlite3.connect(path / "ceasefire.db")
    [(observed,)] = conn.execute("SELECT observed_at FROM reports WHERE report_id = 'm-005'")
    conn.close()
    assert observed == "2025-04-19T20:10:00Z"  # 23:10 Kyiv summer time is UTC+3


def test_verify_passes_then_names_the_batch_of_an_edited_report(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    first = _lines(cli("ingest", "--json", "-q", "-w", ws, DATA / "mixed_reports.csv").stdout)[0]
    assert cli("verify", "-w", ws).exit_code == 0
    conn = sqlite3.connect(ws / "ceasefire.db")
    conn.execute("UPDATE reports SET category = 'other' WHERE report_id = 'm-002'")
    conn.commit()
    conn.close()
    result = cli("verify", "--json", "-w", ws)
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["first_bad_entry"] == first["ledger_seq"] and "ingest" in out["error"]


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02binary\x00", "binary"),
    (b"", "empty"),
    (b"report_id,source_id,observed_at,category\nr1,smm,2025-04-19,shelling\n\xff\xfe bad\n",
     "utf-8"),
    (b"foo,bar\n1,2\n", "missing column"),
])
def test_unreadable_file_exits_2_and_changes_nothing(ws: Path, cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     content: bytes, message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    before = json.loads(cli("verify", "--json", "-w", ws).stdout)["entries"]
    result = cli("ingest", "-q", "-w", ws, bad)
    assert result.exit_code == 2
    assert message in result.stderr.lower() and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(cli("verify", "--json", "-w", ws).stdout)["entries"] == before


def test_sources_list_and_readd(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    listed = json.loads(cli("sources", "list", "--json", "-w", ws).stdout)
    assert {s["source_id"] for s in listed} == {"smm", "ua_gs", "ru_mod", "kyiv_news"}
    assert {s["origin_group"] for s in listed if s["source_id"] == "kyiv_news"} == {"kyiv_news"}
    again = cli("sources", "add", DATA / "sources.csv", "--json", "-w", ws)
    assert json.loads(again.stdout)["added"] == 0


def test_bad_sources_file_names_row_and_field(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "s.csv"
    bad.write_text("source_id,name,kind,affiliation,reliability\nx,X,blog,neutral,A\n"
                   "y,Y,news,neutral,Q\n", encoding="utf-8")
    result = cli("sources", "add", bad, "-w", ws)
    assert result.exit_code == 2
    assert f"{bad}:2: kind" in result.stderr and f"{bad}:3: reliability" in result.stderr


@pytest.mark.slow
def test_viina_accounting_all_rows_and_second_run_adds_nothing(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = require_shared_data("viina_incidents")
    files = sorted(folder.glob("*.csv"))
    path = tmp_path / "ws"
    cli("init", path)
    first = cli("ingest", "--format", "viina", "--json", "-q", "-w", path, *files)
    assert first.exit_code == 0, first.stderr
    rows = _lines(first.stdout)
    assert len(rows) == len(files) == 26
    total = {k: sum(r[k] for r in rows) for k in ("read", "added", "duplicates", "rejected")}
    assert total["read"] == 191_675
    assert total["added"] + total["duplicates"] + total["rejected"] == total["read"]
    assert all(r["added"] + r["duplicates"] + r["rejected"] == r["read"] for r in rows)
    second = _lines(cli("ingest", "--format", "viina", "--json", "-q", "-w", path,
                        *files).stdout)
    assert sum(r["added"] for r in second) == 0
    assert sum(r["read"] for r in second) == 191_675
    assert cli("verify", "-w", path).exit_code == 0


def test_quarantine_filter_and_human_output(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", "-q", "-w", ws, DATA / "mixed_reports.csv")
    cli("ingest", "-q", "--format", "acled", "-w", ws, DATA / "acled_sample.csv")
    only = json.loads(cli("quarantine", "list", "--file", "acled", "--json", "-w", ws).stdout)
    assert [(q["row"], q["field"]) for q in only] == [(7, "lat")]
    text = cli("quarantine", "list", "-w", ws).stdout
    assert "teleportation" in text and "acled_sample" in text


def test_text_summary_and_option_errors(ws: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("ingest", "-q", "-w", ws, DATA / "mixed_reports.csv")
    assert result.exit_code == 3 and "read 10, added 5, duplicates 0, rejected 5" in result.stdout
    no_mapping = cli("ingest", "-q", "--format", "mapping", "-w", ws, DATA / "mapped.csv")
    assert no_mapping.exit_code == 2 and "--mapping" in no_mapping.stderr
    missing = cli("ingest", "-q", "-w", ws, DATA / "does_not_exist.csv")
    assert missing.exit_code == 2 and "not found" in missing.stderr
