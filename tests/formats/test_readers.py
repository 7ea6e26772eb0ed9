"""Each reader on its fixture (and on the real shared data where it exists)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ceasefire.core.evidence import CATEGORIES
from ceasefire.errors import InputError
from ceasefire.formats.acled import category_for
from ceasefire.formats.registry import FORMAT_NAMES, get_reader
from ceasefire.formats.ucdp import observed, parse_day
from ceasefire.formats.viina import labels_to_category, report_id_for
from ceasefire.services.ingest import ingest_file
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA, require_shared_data

DATA = TEST_DATA / "ingest"


def _rows(ws: Workspace, sql: str) -> list[tuple]:
    conn = sqlite3.connect(ws.database_location)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _with_sources(ws: Workspace) -> Workspace:
    from ceasefire.services.sources import add_sources_file

    add_sources_file(ws, DATA / "sources.csv")
    return ws


def test_registry_knows_every_format() -> None:
    assert set(FORMAT_NAMES) >= {"canonical", "viina", "acled", "ucdp", "firms", "hxl",
                                 "geojson", "mapping"}
    with pytest.raises(InputError):
        get_reader("mapping")
    with pytest.raises(InputError):
        get_reader("excel")


def test_viina_ids_labels_and_times(tmp_path: Path, workspace: Workspace) -> None:
    sample = tmp_path / "viina.csv"
    sample.write_bytes(
        b'\xef\xbb\xbf"datetime","lon","lat","place_name","event_type","headline"\n'
        b'"2025-04-01 00:00:00","37.61226","49.70659","Kupiansk","loc|civcas|artillery","A"\n'
        b'"2025-04-01 14:30:00","37.61226","49.70659","Kupiansk","","B"\n'
        b'"2025-04-01 14:30:00","37.61226","49.70659","Kupiansk","","B"\n'
        b'"2025-04-01 14:30:00","37.0","49.0","Other","","B"\n')
    summary = ingest_file(workspace, sample, get_reader("viina"))
    assert (summary.read, summary.added, summary.duplicates) == (4, 3, 1)
    rows = _rows(workspace, "SELECT report_id, observed_at, t_start, t_end, category, "
                            "weapon_class, target_class, place FROM reports ORDER BY ingest_row")
    first, second, third = rows
    assert first[0] == report_id_for(("2025-04-01 00:00:00", "37.61226", "49.70659",
                                      "Kupiansk", "loc|civcas|artillery", "A"))
    assert first[0].startswith("v20250401-") and second[0] != third[0]  # same headline, 2 places
    assert first[1] == "2025-04-01" and first[3] - first[2] == 86400  # day precision (Kyiv)
    # the category is the headline model's (VIINA's tokens are only its features); weapon and
    # target still come from the tokens
    assert first[4] in CATEGORIES and first[5:7] == ("artillery", "civilian")
    assert second[1] == "2025-04-01T11:30:00Z" and second[3] - second[2] == 120 * 60
    assert second[4] in CATEGORIES
    assert labels_to_category(["control", "civcas"]) == "territorial_advance"


@pytest.mark.slow
def test_viina_real_month_reads_every_row(workspace: Workspace) -> None:
    path = require_shared_data("viina_incidents", "viina_incidents_202504.csv")
    summary = ingest_file(workspace, path, get_reader("viina"))
    assert summary.read == 3764 and summary.rejected == 0
    assert summary.added + summary.duplicates == summary.read


def test_firms_layouts(workspace: Workspace) -> None:
    reader = get_reader("firms")
    modis = ingest_file(workspace, DATA / "firms_modis_sample.csv", reader)
    viirs = ingest_file(workspace, DATA / "firms_viirs_sample.csv", reader)
    assert (modis.added, viirs.added, viirs.rejected) == (2, 3, 1)
    rows = _rows(workspace, "SELECT category, credibility, observed_at, time_uncertainty_min, "
                            "extra FROM reports ORDER BY rid")
    assert {r[0] for r in rows} == {"explosion"}
    assert [r[1] for r in rows] == [4, 5, 5, 4, 5]  # low prior: at best "doubtful"
    assert rows[0][2] == "2025-04-19T08:57:00Z" and rows[0][3] == 360.0
    assert json.loads(rows[0][4])["frp"] == "18.2"
    assert _rows(workspace, "SELECT kind, reliability FROM sources") == [("satellite", "B")]


def test_firms_three_column_extract(tmp_path: Path, workspace: Workspace) -> None:
    path = require_shared_data("firms_viirs_ukraine", "ukr_fire_data_2023.csv")
    head = tmp_path / "firms3.csv"
    head.write_text("".join(path.open(encoding="utf-8").readlines()[:2001]), encoding="utf-8")
    summary = ingest_file(workspace, head, get_reader("firms"))
    assert summary.read == 2000 and summary.rejected == 0
    [(observed, unc)] = _rows(workspace, "SELECT observed_at, location_uncertainty_m FROM "
                                         "reports LIMIT 1")
    assert observed == "2023-01-01" and unc == 265.2  # VIIRS pixel half-diagonal


def test_ucdp_dates_and_precision() -> None:
    assert parse_day("9/30/2022 12:00:00 AM").isoformat() == "2022-09-30"
    assert parse_day("01/01/2015 00:00").isoformat() == "2015-01-01"
    assert parse_day("31.12.2015") is None
    assert observed("2014-01-22", "2014-01-22", "1") == ("2014-01-22", None)
    at, minutes = observed("2014-01-01", "2014-01-31", "4")
    assert at == "2014-01-16T12:00:00Z" and minutes == 15.5 * 1440


def test_ucdp_mixed_cp1252_file_and_hostile_rows(tmp_path: Path, workspace: Workspace) -> None:
    mixed = require_shared_data("ucdp_ged_ukraine", "UCDP-Ukraine_mixed_2014-2023.csv")
    summary = ingest_file(workspace, mixed, get_reader("ucdp"))
    assert summary.read == 3883 and summary.added + summary.duplicates + summary.rejected == 3883
    assert summary.rejected == 0
    lines = mixed.read_bytes().split(b"\n")
    hostile = tmp_path / "hostile.csv"
    bad = lines[1].replace(b",1/22/2014 12:00:00 AM,1/22/2014 12:00:00 AM,",
                           b",sometime in 2014,1/22/2014 12:00:00 AM,")
    assert bad != lines[1]
    hostile.write_bytes(b"\n".join([lines[0], bad.replace(b"147997", b"900001"), lines[2]]))
    again = ingest_file(workspace, hostile, get_reader("ucdp"))
    assert (again.read, again.rejected, again.duplicates) == (2, 1, 1)
    [(row, field)] = _rows(workspace, "SELECT row, field FROM quarantine")
    assert (row, field) == (2, "observed_at")


def test_acled_categories_precision_and_actors(workspace: Workspace) -> None:
    summary = ingest_file(workspace, DATA / "acled_sample.csv", get_reader("acled"))
    assert (summary.added, summary.rejected) == (5, 1)
    rows = {r[0]: r[1:] for r in _rows(
        workspace, "SELECT report_id, category, perpetrator, time_uncertainty_min, "
                   "location_uncertainty_m, target_class FROM reports")}
    assert rows["UKR900001"] == ("shelling", "RU", 720.0, 2000.0, None)
    assert rows["UKR900002"][0] == "drone_strike" and rows["UKR900002"][4] == "civilian"
    assert rows["UKR900003"][:4] == ("small_arms_fire", "UA", 5040.0, 25000.0)
    assert rows["UKR900004"][0] == "missile_strike"
    assert rows["UKR900005"][2:4] == (21600.0, 100000.0)
    assert category_for("Strategic developments", "Arrests") == "other"


def test_hxl_with_human_header_and_geocoding(workspace: Workspace) -> None:
    _with_sources(workspace)
    with pytest.raises(InputError):
        ingest_file(workspace, DATA / "hxl_sample.csv", get_reader("hxl"))  # no source
    summary = ingest_file(workspace, DATA / "hxl_sample.csv", get_reader("hxl"),
                          source_id="kyiv_news")
    assert (summary.read, summary.added, summary.rejected) == (4, 3, 1)
    rows = {r[0]: r[1:] for r in _rows(
        workspace, "SELECT report_id, category, lat, ingest_row FROM reports")}
    assert rows["HX-1"][0] == "shelling" and rows["HX-2"][0] == "shelling"
    assert rows["HX-3"][1] == pytest.approx(49.71, abs=0.01)  # Kupiansk from the gazetteer
    assert rows["HX-1"][2] == 3  # header row 1, hashtag row 2


def test_geojson_points_polygons_and_places(workspace: Workspace) -> None:
    _with_sources(workspace)
    summary = ingest_file(workspace, DATA / "reports.geojson", get_reader("geojson"))
    assert (summary.added, summary.rejected) == (3, 1)
    rows = {r[0]: r[1:] for r in _rows(
        workspace, "SELECT report_id, lat, lon, location_uncertainty_m, extra FROM reports")}
    assert rows["g-1"][:2] == (48.0159, 37.8028) and json.loads(rows["g-1"][3]) == {
        "patrol": "Donetsk-2"}
    assert rows["g-2"][0] == pytest.approx(49.71) and 1000 < rows["g-2"][2] < 3000
    assert rows["g-3"][0] == pytest.approx(48.28, abs=0.01)


def test_mapping_reader_and_its_errors(tmp_path: Path, workspace: Workspace) -> None:
    _with_sources(workspace)
    reader = get_reader("mapping", mapping=DATA / "mapping.yaml")
    summary = ingest_file(workspace, DATA / "mapped.csv", reader)
    assert (summary.read, summary.added, summary.rejected) == (5, 3, 2)
    [(observed,)] = _rows(workspace, "SELECT observed_at FROM reports WHERE report_id = 'K-1'")
    assert observed == "2025-04-19T18:40:00Z"  # the mapping's zone, Kyiv summer time
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  report_id: ID\n  when: Date\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        get_reader("mapping", mapping=bad)
    assert info.value.problems[0].field == "columns" and "when" in str(info.value)
    missing = tmp_path / "missing.yaml"
    missing.write_text("columns:\n  report_id: Nope\n", encoding="utf-8")
    with pytest.raises(InputError, match="Nope"):
        ingest_file(workspace, DATA / "mapped.csv", get_reader("mapping", mapping=missing))
