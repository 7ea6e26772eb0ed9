"""formats.deepstate and formats.control: reading control snapshots, writing RFC 7946."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LinearRing, shape

from ceasefire.errors import InputError
from ceasefire.formats.control import feature, read_control_geojson, write_feature_collection
from ceasefire.formats.deepstate import date_from_name, read_deepstate
from tests.conftest import require_shared_data

BOWTIE = [[[35.0, 47.0], [36.0, 48.0], [36.0, 47.0], [35.0, 48.0], [35.0, 47.0]]]
SQUARE = [[[35.0, 47.0], [36.0, 47.0], [36.0, 48.0], [35.0, 48.0], [35.0, 47.0]]]


def deepstate_file(folder: Path, stamp: str, coords: list, kind: str = "MultiPolygon") -> Path:
    path = folder / f"deepstatemap_data_{stamp}.geojson"
    geometry = {"type": kind, "coordinates": [coords] if kind == "MultiPolygon" else coords}
    path.write_text(json.dumps({
        "type": "FeatureCollection", "name": path.stem,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}))
    return path


def test_real_file_reads_as_ru_with_the_date_from_its_name() -> None:
    path = require_shared_data("deepstate", "deepstatemap_data_20250313.geojson")
    record = read_deepstate(path)
    assert record.snapshot_date == date(2025, 3, 13)
    assert (record.side, record.source) == ("RU", "deepstate")
    assert record.geometry.geom_type == "MultiPolygon" and record.geometry.is_valid
    assert not record.repaired
    minx, miny, maxx, maxy = record.geometry.bounds
    assert 30 < minx < maxx < 41 and 44 < miny < maxy < 53


def test_date_only_in_the_file_name(tmp_path: Path) -> None:
    assert date_from_name(Path("x/deepstatemap_data_20250418.geojson")) == date(2025, 4, 18)
    renamed = tmp_path / "occupied.geojson"
    deepstate_file(tmp_path, "20250418", SQUARE).rename(renamed)
    with pytest.raises(InputError) as err:
        read_deepstate(renamed)
    assert err.value.problems[0].field == "file name"
    assert "deepstatemap_data_YYYYMMDD" in str(err.value)
    with pytest.raises(InputError, match="no such date"):
        read_deepstate(deepstate_file(tmp_path, "20250231", SQUARE))


def test_invalid_rings_are_repaired(tmp_path: Path) -> None:
    record = read_deepstate(deepstate_file(tmp_path, "20250320", BOWTIE))
    assert record.repaired and record.geometry.is_valid
    assert record.geometry.area == pytest.approx(0.5)  # two triangles, not a zero-area bow tie


@pytest.mark.parametrize("content, fragment", [
    ("", "empty"),
    ("{\"type\": \"FeatureCollection\", \"features\": [", "not valid JSON"),
    ("[1, 2]", "not a GeoJSON object"),
    ("{\"type\": \"FeatureCollection\", \"features\": []}", "no features"),
    ("{\"type\": \"Point\", \"coordinates\": [35, 47]}", "holds no polygons"),
])
def test_bad_files_are_input_errors(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "deepstatemap_data_20250320.geojson"
    path.write_text(content)
    with pytest.raises(InputError, match=fragment) as err:
        read_deepstate(path)
    assert err.value.problems[0].file == str(path)


def test_wrong_geometry_and_projected_coordinates(tmp_path: Path) -> None:
    line = deepstate_file(tmp_path, "20250321", [[35, 47], [36, 48]], kind="LineString")
    with pytest.raises(InputError, match="Polygon or MultiPolygon") as err:
        read_deepstate(line)
    assert err.value.problems[0].field == "features[0].geometry"
    metres = deepstate_file(tmp_path, "20250322",
                            [[[3.9e6, 6.0e6], [4.0e6, 6.0e6], [4.0e6, 6.1e6], [3.9e6, 6.0e6]]])
    with pytest.raises(InputError, match="lon/lat range"):
        read_deepstate(metres)


def test_generic_geojson_sides_dates_and_merging(tmp_path: Path) -> None:
    path = tmp_path / "control.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"side": "ru", "date": "2025-05-08"},
         "geometry": {"type": "Polygon", "coordinates": SQUARE}},
        {"type": "Feature", "properties": {"side": "RU", "date": "2025-05-08"},
         "geometry": {"type": "Polygon", "coordinates": [[[36, 47], [37, 47], [37, 48],
                                                          [36, 48], [36, 47]]]}},
        {"type": "Feature", "properties": {"side": "UA"},
         "geometry": {"type": "Polygon", "coordinates": [[[30, 47], [31, 47], [31, 48],
                                                          [30, 48], [30, 47]]]}},
    ]}))
    with pytest.raises(InputError, match="no date") as err:
        read_control_geojson(path)
    assert err.value.problems[0].field == "features[2].properties.date"
    records = read_control_geojson(path, snapshot_date=date(2025, 5, 1), source="isw")
    got = {(r.snapshot_date, r.side): r for r in records}
    assert set(got) == {(date(2025, 5, 8), "RU"), (date(2025, 5, 1), "UA")}
    assert got[(date(2025, 5, 8), "RU")].geometry.area == pytest.approx(2.0)
    assert all(r.source == "isw" for r in records)


def test_generic_geojson_rejects_unknown_side(tmp_path: Path) -> None:
    path = tmp_path / "control.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {"side": "NATO"},
                                "geometry": {"type": "Polygon", "coordinates": SQUARE}}))
    with pytest.raises(InputError, match="side must be one of") as err:
        read_control_geojson(path, snapshot_date=date(2025, 5, 1))
    assert err.value.problems[0].field == "features[0].properties.side"


def test_writer_is_rfc7946(tmp_path: Path) -> None:
    clockwise = shapely.Polygon([(35.123456789, 47), (35, 48), (36, 48), (36, 47)])
    out = tmp_path / "out.geojson"
    assert write_feature_collection(out, [feature(clockwise, {"side": "RU"})]) == 1
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert LinearRing(ring).is_ccw
    assert all(len(repr(c).split(".")[-1]) <= 7 for xy in ring for c in xy)
    assert shape(doc["features"][0]["geometry"]).is_valid


# -- per-place control tables ---------------------------------------------------------------
def test_place_table_with_coordinates(tmp_path: Path) -> None:
    from ceasefire.formats.control import read_place_table

    path = tmp_path / "control.csv"
    path.write_text("date,place,lon,lat,status_dsm\n20250508,A,37.5,48.1,RU\n"
                    "2025-05-08,B,36.5,48.1,UA\n2025-05-09,A,37.5,48.1,CONTESTED\n")
    table = read_place_table(path, status_column="status_dsm")
    assert list(table) == [date(2025, 5, 8), date(2025, 5, 9)]
    assert [(r.lon, r.status) for r in table[date(2025, 5, 8)]] == [(37.5, "RU"), (36.5, "UA")]
    with pytest.raises(InputError, match="no status column 'status'") as err:
        read_place_table(path)
    assert err.value.problems[0].field == "status"


def test_place_table_joined_to_a_gazetteer(tmp_path: Path) -> None:
    from ceasefire.formats.control import read_place_table

    table = tmp_path / "control_latest.csv"
    table.write_text("geonameid,date,status_wiki\n701,20250508,RU\n702,20250508,UA\n")
    with pytest.raises(InputError, match="--places"):
        read_place_table(table, status_column="status_wiki")
    gazetteer = tmp_path / "gn.csv"
    gazetteer.write_text("geonameid,name,longitude,latitude\n701,A,37.5,48.1\n")
    with pytest.raises(InputError, match="not in the gazetteer") as err:
        read_place_table(table, status_column="status_wiki", places=gazetteer)
    assert err.value.problems[0].line == 3
    gazetteer.write_text("geonameid,name,longitude,latitude\n701,A,37.5,48.1\n702,B,36.5,48\n")
    rows = read_place_table(table, status_column="status_wiki", places=gazetteer)
    assert [(r.lon, r.lat, r.status) for r in rows[date(2025, 5, 8)]] == [
        (37.5, 48.1, "RU"), (36.5, 48.0, "UA")]


def test_place_table_bad_values(tmp_path: Path) -> None:
    from ceasefire.formats.control import read_place_table

    path = tmp_path / "control.csv"
    path.write_text("date,lon,lat,status\n2025-05-08,37.5,148.1,RU\n")
    with pytest.raises(InputError, match="outside") as err:
        read_place_table(path)
    assert (err.value.problems[0].line, err.value.problems[0].field) == (2, "lat")
    path.write_text("date,lon,lat,status\nMay 8,37.5,48.1,RU\n")
    with pytest.raises(InputError, match="not a date"):
        read_place_table(path)
