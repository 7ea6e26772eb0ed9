"""Issue 18, item 9 and the low items of the record side: input that was silently
misread is now refused (exit 2) or quarantined, naming file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.core.validation import ReportValidator, RowInvalid
from ceasefire.workspace import Workspace
from tests.conftest import REPO_ROOT

SOURCES = REPO_ROOT / "tests" / "data" / "ingest" / "sources.csv"
HEADER = "report_id,source_id,observed_at,lat,lon,category,text\n"
GOOD = {"report_id": "r1", "source_id": "smm", "observed_at": "2025-04-19T21:40:00+03:00",
        "category": "shelling", "lat": "48.0", "lon": "37.8"}


def _workspace(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    assert cli("init", "--no-key", ws).exit_code == 0
    assert cli("sources", "add", SOURCES, "-w", ws).exit_code == 0
    return ws


def test_unterminated_quote_mid_file_is_an_input_error_naming_the_row(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(cli, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text(HEADER
                    + 'q1,smm,2025-04-19T21:40:00Z,48.0,37.8,shelling,"fine, quoted"\n'
                    + 'q2,smm,2025-04-19T21:41:00Z,48.0,37.8,shelling,"never closed\n'
                    + "".join(f"q{i},smm,2025-04-19T21:4{i}:00Z,48.0,37.8,shelling,good\n"
                              for i in (3, 4, 5)), encoding="utf-8")
    result = cli("ingest", "-q", "-w", ws, path)
    assert result.exit_code == 2, result.stdout
    assert f"{path}:3: unterminated quote" in result.stderr
    assert "row 3 starts on line 3" in result.stderr
    with Workspace.open(ws) as opened:
        assert opened.store.count("reports") == 0  # nothing of the file is written


def test_a_bare_quote_is_still_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(cli, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text(HEADER + 'b1,smm,2025-04-19T21:40:00Z,48.0,37.8,shelling,a 5" shell\n',
                    encoding="utf-8")
    assert cli("ingest", "-q", "-w", ws, path).exit_code == 0


@pytest.mark.parametrize("change, field, reason", [
    ({"lat": "4_8"}, "lat", "not a number"),             # float() read it as 48.0
    ({"count": "1_000"}, "count", "not a number"),
    ({"lon": "٣٧.٨"}, "lon", "not a number"),            # Arabic-Indic digits: float() reads 37.8
    ({"perpetrator": "the Russians, probably"}, "perpetrator", "not a party id"),
    ({"perpetrator": "ru"}, "perpetrator", "not a party id"),
    ({"place": "K" * 10_000_000}, "place", "longer than 200 characters"),
])
def test_misread_fields_are_refused(change: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(RowInvalid) as info:
        ReportValidator({"smm"}).validate({**GOOD, **change})
    assert info.value.field == field and reason in info.value.reason


def test_party_ids_and_plain_numbers_still_pass() -> None:
    row = ReportValidator({"smm"}).validate({**GOOD, "perpetrator": "RU", "lat": " 48.5 ",
                                             "place": "Kupiansk-Vuzlovyi"})
    assert row["perpetrator"] == "RU" and row["lat"] == 48.5


def test_duplicate_keys_in_a_geojson_file_are_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(cli, tmp_path)
    path = tmp_path / "dup.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"geometry": {"type": "Point", "coordinates": [37.8, 48.0]}, '
                    '"properties": {"report_id": "g1", "source_id": "smm", '
                    '"observed_at": "2025-04-19T21:40:00Z", "category": "shelling", '
                    '"category": "drone_strike"}}]}', encoding="utf-8")
    result = cli("ingest", "-q", "--format", "geojson", "-w", ws, path)
    assert result.exit_code == 2
    assert f"{path}: category: duplicate key category" in result.stderr
