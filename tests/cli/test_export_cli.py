"""`ceasefire export`: reports round-trip, incidents in DESIGN.md's columns, defused CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire.formats.writers import neutralise_cell
from ceasefire.services.export import INCIDENT_COLUMNS
from ceasefire.workspace import Workspace
from tests.conftest import TEST_DATA

DATA = TEST_DATA / "ingest"


@pytest.fixture
def ws(tmp_path: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws"
    cli("init", path)
    cli("sources", "add", DATA / "sources.csv", "-w", path)
    cli("ingest", "-q", "-w", path, DATA / "mixed_reports.csv")
    return path


def test_exported_reports_ingest_again_into_a_new_workspace(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "reports.csv"
    assert cli("export", "reports", "-o", out, "-w", ws).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 5 and {r["global_id"] for r in rows} >= {"smm:m-001", "ua_gs:m-002"}
    other = tmp_path / "other"
    cli("init", other)
    cli("sources", "add", DATA / "sources.csv", "-w", other)
    result = cli("ingest", "--json", "-q", "-w", other, out)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 5


@pytest.mark.parametrize("fmt", ["geojson", "parquet"])
def test_other_formats(ws: Path, cli, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"r.{fmt}"
    assert cli("export", "reports", "--format", fmt, "-o", out, "-w", ws).exit_code == 0
    if fmt == "geojson":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert len(doc["features"]) == 5
        first = doc["features"][0]
        assert first["geometry"]["coordinates"] == [37.8028, 48.0159]
    else:
        assert pq.read_table(out).num_rows == 5


def test_csv_cells_are_defused() -> None:
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("\tx") == "'\tx"
    assert neutralise_cell("-2.5") == "-2.5" and neutralise_cell("+3") == "+3"
    assert neutralise_cell("plain") == "plain" and neutralise_cell(7) == 7


def test_incidents_export_has_exactly_the_design_columns(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Workspace.open(ws) as w:
        rids = {r["report_id"]: r["rid"] for r in w.store.select("reports")}
        w.store.insert("incidents", [{
            "incident_id": "inc-1", "t_start": 1745091600.0, "t_end": 1745095200.0,
            "lat": 48.0, "lon": 37.8, "location_uncertainty_m": 500.0, "category": "shelling",
            "n_reports": 2, "n_origin_groups": 2, "confidence": 0.9, "band": "confirmed",
            "breakdown": "{}", "attributed_party": "RU", "attribution_probability": 0.7,
            "attribution_basis": "[]"}])
        w.store.insert("incident_reports", [{"incident_id": "inc-1", "rid": rids["m-001"]},
                                            {"incident_id": "inc-1", "rid": rids["m-003"]}])
    out = tmp_path / "incidents.csv"
    assert cli("export", "incidents", "-o", out, "-w", ws).exit_code == 0
    with out.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == INCIDENT_COLUMNS
        [row] = list(reader)
    assert row["report_ids"] == "ru_mod:m-003;smm:m-001"
    assert row["time_start"] == "2025-04-19T19:40:00Z" and row["band"] == "confirmed"


@pytest.mark.parametrize(("kind", "fmt"), [("reports", "hxl"), ("incidents", "gpkg"),
                                           ("findings", "kml"), ("control", "fgb")])
def test_every_kind_exports_from_the_cli(ws: Path, cli, tmp_path: Path, kind: str,  # type: ignore[no-untyped-def]
                                         fmt: str) -> None:
    out = tmp_path / f"{kind}.{fmt}"
    result = cli("export", kind, "--format", fmt, "-o", out, "-w", ws)
    assert result.exit_code == 0, result.stderr
    assert out.is_file() and f"to {out}" in result.stderr


def test_control_refuses_csv_with_exit_2(ws: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("export", "control", "--format", "csv", "-o", tmp_path / "c.csv", "-w", ws)
    assert result.exit_code == 2 and "polygons" in result.stderr
    assert not (tmp_path / "c.csv").exists()
