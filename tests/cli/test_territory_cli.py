"""``ceasefire territory ...`` end to end through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LinearRing

from ceasefire.workspace import Workspace
from tests.conftest import require_shared_data


def _square(folder: Path, stamp: str, lon: float, size: float) -> Path:
    coords = [[lon, 48.0], [lon + size, 48.0], [lon + size, 48.0 + size], [lon, 48.0 + size],
              [lon, 48.0]]
    path = folder / f"deepstatemap_data_{stamp}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "MultiPolygon", "coordinates": [[coords]]}}]}))
    return path


@pytest.fixture
def ws_path(workspace: Workspace) -> Path:
    return workspace.root


def test_import_stats_change_and_missing_dates(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = _square(tmp_path, "20250318", 37.0, 0.5)
    b = _square(tmp_path, "20250417", 36.9, 0.6)
    res = cli("territory", "import", "-w", ws_path, "-q", a, b)
    assert res.exit_code == 0, res.stderr
    assert "added 2 snapshots (2025-03-18 .. 2025-04-17)" in res.stdout
    again = cli("territory", "import", "-w", ws_path, "-q", "--json", a, b)
    assert json.loads(again.stdout)["added"] == 0

    stats = cli("territory", "stats", "-w", ws_path, "--date", "2025-04-20", "--json")
    assert stats.exit_code == 0
    data = json.loads(stats.stdout)
    assert data["date"] == "2025-04-17" and data["requested"] == "2025-04-20"
    assert "using the latest before it, 2025-04-17" in stats.stderr
    sides = {s["side"]: s for s in data["sides"]}
    assert sides["UA"]["derived"] and not sides["RU"]["derived"]

    missing = cli("territory", "stats", "-w", ws_path, "--date", "2025-01-01")
    assert missing.exit_code == 2
    assert "snapshots exist for 2025-03-18, 2025-04-17" in missing.stderr
    assert "Traceback" not in missing.stderr

    out = tmp_path / "change.geojson"
    change = cli("territory", "change", "-w", ws_path, "--from", "2025-03-18",
                 "--to", "2025-04-17", "-o", out)
    assert change.exit_code == 0, change.stderr
    assert "RU gained" in change.stdout and "UA gained" in change.stdout
    doc = json.loads(out.read_text())
    assert doc["features"] and all(f["properties"]["side"] == "RU" for f in doc["features"])


def test_bad_input_is_one_line_and_exit_2(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "deepstatemap_data_20250318.geojson"
    bad.write_text("{\"type\": \"FeatureCollection\",")
    res = cli("territory", "import", "-w", ws_path, "-q", bad)
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("error: ") and "not valid JSON" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    renamed = tmp_path / "map.geojson"
    shutil.copy(_square(tmp_path, "20250319", 37.0, 0.5), renamed)
    res = cli("territory", "import", "-w", ws_path, "-q", renamed)
    assert res.exit_code == 2 and "file name" in res.stderr
    res = cli("territory", "import", "-w", ws_path, "-q", "--format", "geojson", renamed)
    assert res.exit_code == 2 and "side must be one of" in res.stderr


@pytest.mark.slow
def test_real_moratorium_through_the_cli(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = require_shared_data("deepstate")
    files = [folder / f"deepstatemap_data_{d}.geojson"
             for d in ("20250313", "20250318", "20250401", "20250402", "20250417")
             if (folder / f"deepstatemap_data_{d}.geojson").exists()]
    assert cli("territory", "import", "-w", ws_path, "-q", *files).exit_code == 0

    stats = json.loads(cli("territory", "stats", "-w", ws_path, "--date", "2025-03-13",
                           "--json").stdout)
    ru = next(s for s in stats["sides"] if s["side"] == "RU")
    assert abs(ru["area_km2"] - 112_000) / 112_000 < 0.005 and 18.4 <= ru["share_pct"] <= 18.8

    gained = tmp_path / "gained.geojson"
    res = cli("territory", "change", "-w", ws_path, "--from", "2025-03-18", "--to",
              "2025-04-17", "--side", "RU", "-o", gained, "--json")
    summary = json.loads(res.stdout)["sides"]
    assert summary["RU"]["gained_km2"] > 150 and summary["UA"]["gained_km2"] > 0
    assert summary["RU"]["lost_km2"] == summary["UA"]["gained_km2"]

    line = tmp_path / "line.geojson"
    res = cli("territory", "contact-line", "-w", ws_path, "--date", "2025-03-31", "-o", line)
    assert res.exit_code == 0 and "contact line" in res.stdout  # 03-31 missing upstream
    assert "note: no snapshot on 2025-03-31" in res.stderr

    bands = tmp_path / "bands.geojson"
    res = cli("territory", "buffers", "-w", ws_path, "--date", "2025-03-13", "--distance", "50",
              "--distance", "70", "--rings", "-o", bands)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(bands.read_text())
    assert "crs" not in doc and len(doc["features"]) == 4
    for feat in doc["features"]:
        for poly in feat["geometry"]["coordinates"]:
            assert LinearRing(poly[0]).is_ccw

    res = cli("territory", "gains", "-w", ws_path, "--from", "2025-03-18", "--to", "2025-04-17",
              "--tolerance-km2", "5", "--min-polygon-km2", "1", "--json")
    report = json.loads(res.stdout)
    assert report["exceeds"]["RU"] and report["advances"]
    assert all(a["area_km2"] >= 1 and a["first_seen"] >= "2025-03-18"
               for a in report["advances"])

    chart = tmp_path / "series.png"
    res = cli("territory", "series", "-w", ws_path, "--from", "2025-03-13", "--to",
              "2025-04-17", "-o", chart)
    assert res.exit_code == 0 and "2025-04-02" in res.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_list_and_option_errors(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = cli("territory", "list", "-w", ws_path)
    assert empty.exit_code == 0 and "no control snapshots" in empty.stdout
    cli("territory", "import", "-w", ws_path, "-q", _square(tmp_path, "20250318", 37.0, 0.5))
    listed = json.loads(cli("territory", "list", "-w", ws_path, "--json").stdout)
    assert listed == [{"source": "deepstate", "side": "RU", "snapshots": 1,
                       "first": "2025-03-18", "last": "2025-03-18",
                       "latest_km2": listed[0]["latest_km2"]}]
    assert listed[0]["latest_km2"] > 0
    res = cli("territory", "gains", "-w", ws_path, "--from", "2025-03-18", "--to", "2025-03-20",
              "--tolerance-km2", "1")
    assert res.exit_code == 2 and "a window needs a later snapshot" in res.stderr
    res = cli("territory", "buffers", "-w", ws_path, "--date", "2025-03-18", "--distance", "-5",
              "-o", tmp_path / "b.geojson")
    assert res.exit_code == 2 and not (tmp_path / "b.geojson").exists()
    res = cli("territory", "change", "-w", ws_path, "--from", "2025-04-01", "--to", "2025-03-18")
    assert res.exit_code == 2 and "before --from" in res.stderr
    res = cli("territory", "series", "-w", ws_path, "--from", "2025-04-01", "--to", "2025-03-18")
    assert res.exit_code == 2 and "before --from" in res.stderr


def test_series_starts_at_the_first_snapshot(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("territory", "import", "-w", ws_path, "-q", _square(tmp_path, "20250318", 37.0, 0.5),
        _square(tmp_path, "20250320", 36.9, 0.6))
    res = cli("territory", "series", "-w", ws_path, "--from", "2025-03-01", "--to", "2025-03-31",
              "--side", "UA", "--json")
    assert res.exit_code == 0, res.stderr
    points = json.loads(res.stdout)
    assert [p["date"] for p in points] == ["2025-03-18", "2025-03-20"]
    assert points[1]["lost_km2"] > 0 and points[1]["gained_km2"] == 0  # UA is the derived side
    assert points[0]["area_km2"] > points[1]["area_km2"]
    # a no_advance window, by contrast, needs the line in force when it opened
    res = cli("territory", "gains", "-w", ws_path, "--from", "2025-03-01", "--to", "2025-03-31",
              "--tolerance-km2", "1")
    assert res.exit_code == 2 and "no deepstate snapshot on or before 2025-03-01" in res.stderr


def test_import_a_per_place_table(cli, ws_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = ["date,lon,lat,status"]
    for i in range(12):
        for j in range(6):
            lon, lat = 36.0 + 0.25 * i, 47.5 + 0.25 * j
            rows.append(f"2025-05-08,{lon},{lat},{'RU' if lon > 37.4 else 'UA'}")
            rows.append(f"2025-05-11,{lon},{lat},{'RU' if lon > 37.2 else 'UA'}")
    path = tmp_path / "viina_like.csv"
    path.write_text("\n".join(rows) + "\n")
    res = cli("territory", "import", "-w", ws_path, "-q", "--format", "places",
              "--source", "viina", path)
    assert res.exit_code == 0, res.stderr
    assert "added 4 snapshots" in res.stdout
    res = cli("territory", "change", "-w", ws_path, "--from", "2025-05-08", "--to", "2025-05-11",
              "--source", "viina", "--json")
    sides = json.loads(res.stdout)["sides"]
    # one column of cells changed hands; on a regular grid the outer cells run on to the
    # border, so that is the 0.25° strip around 37.25° E across the whole country
    from ceasefire.core.geodesy import geodesic_area_km2
    from ceasefire.services.territory import national_territory

    strip = national_territory().clip(shapely.box(37.125, 40, 37.375, 60))
    assert sides["RU"]["gained_km2"] == pytest.approx(geodesic_area_km2(strip), rel=0.03)
    assert sides["UA"]["gained_km2"] == 0
    bad = cli("territory", "import", "-w", ws_path, "-q", "--format", "places",
              "--status-column", "status_isw", path)
    assert bad.exit_code == 2 and "status_isw" in bad.stderr
