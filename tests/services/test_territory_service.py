"""services.territory: import into the store and ledger, read back, and the must-show checks
on the real DeepState snapshots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LinearRing, shape

from ceasefire.core.geodesy import geodesic_area_km2
from ceasefire.errors import InputError
from ceasefire.record import ledger
from ceasefire.services import territory as svc
from ceasefire.workspace import Workspace
from tests.conftest import require_shared_data

MORATORIUM = (date(2025, 3, 18), date(2025, 4, 17))


def _square(path: Path, lon: float, lat: float, size: float) -> Path:
    coords = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size],
              [lon, lat]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "MultiPolygon", "coordinates": [[coords]]}}]}))
    return path


def test_bundled_boundaries() -> None:
    land = svc.national_territory()
    assert land.area_km2 == pytest.approx(602_312.8, abs=0.5)  # shared data SOURCE.md
    assert len(land.regions) == 27
    codes = {r.code: r for r in land.regions}
    assert codes["UA-43"].name_en == "Autonomous Republic of Crimea"
    assert codes["UA-40"].area_km2 == pytest.approx(864, abs=1)
    assert sum(r.area_km2 for r in land.regions) == pytest.approx(land.area_km2, rel=1e-6)


def test_import_is_idempotent_and_ledgered(workspace: Workspace, tmp_path: Path) -> None:
    a = _square(tmp_path / "deepstatemap_data_20250318.geojson", 37.0, 48.0, 0.5)
    b = _square(tmp_path / "deepstatemap_data_20250417.geojson", 36.9, 48.0, 0.6)
    first = svc.import_snapshots(workspace, [a, b])
    assert first.added == [("2025-03-18", "RU", "deepstate"), ("2025-04-17", "RU", "deepstate")]
    again = svc.import_snapshots(workspace, [a, b])
    assert again.added == [] and len(again.skipped) == 2 and again.ledger_seq is None
    assert workspace.store.count("control_snapshots") == 2
    entries = list(workspace.store.select("ledger"))
    assert [e["action"] for e in entries] == ["territory.import"]
    assert ledger.verify(workspace.store).rows_checked == 2
    row = next(workspace.store.select("control_snapshots", {"snapshot_date": "2025-03-18"}))
    geom = shapely.from_wkb(bytes(row["geometry"]))
    assert row["area_km2"] == pytest.approx(geodesic_area_km2(geom), rel=1e-9)  # inland square


def test_conflicting_geometry_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    svc.import_snapshots(workspace, [_square(tmp_path / "deepstatemap_data_20250318.geojson",
                                             37.0, 48.0, 0.5)])
    other = tmp_path / "other"
    other.mkdir()
    changed = _square(other / "deepstatemap_data_20250318.geojson", 37.0, 48.0, 0.4)
    with pytest.raises(InputError, match="different geometry"):
        svc.import_snapshots(workspace, [changed])
    # under another source it is a separate snapshot
    assert svc.import_snapshots(workspace, [changed], source="deepstate-mirror").added


def test_a_bad_file_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    good = _square(tmp_path / "deepstatemap_data_20250318.geojson", 37.0, 48.0, 0.5)
    bad = tmp_path / "deepstatemap_data_20250319.geojson"
    bad.write_text("{not json")
    with pytest.raises(InputError) as err:
        svc.import_snapshots(workspace, [good, bad])
    assert err.value.problems[0].file == str(bad)
    assert workspace.store.count("control_snapshots") == 0


def test_dates_resolve_to_the_latest_before(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no control snapshots"):
        svc.control_on(workspace, date(2025, 3, 20))
    svc.import_snapshots(workspace, [_square(tmp_path / "deepstatemap_data_20250318.geojson",
                                             37.0, 48.0, 0.5)])
    resolved = svc.control_on(workspace, date(2025, 3, 20))
    assert resolved.control.date == date(2025, 3, 18) and not resolved.exact
    assert "2025-03-18" in resolved.note
    with pytest.raises(InputError, match="snapshots exist for 2025-03-18"):
        svc.control_on(workspace, date(2025, 3, 1))


# -- must show, on the real snapshots -------------------------------------------------------
@pytest.fixture(scope="module")
def real_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = require_shared_data("deepstate")
    names = ["deepstatemap_data_20250313.geojson"] + [
        p.name for p in sorted(folder.glob("deepstatemap_data_2025*.geojson"))
        if "20250318" <= p.stem[-8:] <= "20250417"]
    ws = Workspace.init(tmp_path_factory.mktemp("territory") / "ws")
    svc.import_snapshots(ws, [folder / n for n in names])
    yield ws
    ws.close()


@pytest.mark.slow
def test_must_show_2025_03_13_area_and_share(real_ws: Workspace) -> None:
    resolved = svc.control_on(real_ws, date(2025, 3, 13))
    assert resolved.exact
    stats = svc.territory_stats(svc.national_territory(), resolved.control, by_region=True)
    ru = stats.side("RU")
    assert ru.area_km2 == pytest.approx(112_000, rel=0.005)
    assert 18.4 <= ru.share_pct <= 18.8
    # clipped to the border: less than the polygon as drawn (which reaches into the sea)
    drawn = geodesic_area_km2(resolved.control.given["RU"])
    assert drawn - ru.area_km2 == pytest.approx(507, abs=15)
    regions = {(r.code, r.side): r.share_pct for r in stats.regions}
    assert regions[("UA-09", "RU")] > 98 and regions[("UA-40", "RU")] == pytest.approx(100, abs=0.1)
    assert regions[("UA-46", "RU")] == 0.0


@pytest.mark.slow
def test_must_show_energy_moratorium_change(real_ws: Workspace, tmp_path: Path) -> None:
    before = svc.control_on(real_ws, MORATORIUM[0]).control
    after = svc.control_on(real_ws, MORATORIUM[1]).control
    change = svc.control_change(before, after)
    ru_gained, ru_lost = change.gained_km2("RU"), change.lost_km2("RU")
    # the net equals the difference of the stored (independently computed) areas
    assert ru_gained - ru_lost == pytest.approx(after.area_km2("RU") - before.area_km2("RU"),
                                                abs=0.01)
    assert 150 < ru_gained < 250 and 0 < ru_lost < 20  # DeepState: ~190 and ~8 km²
    assert change.gained_km2("UA") == pytest.approx(ru_lost)
    out = tmp_path / "gained.geojson"
    svc.write_feature_collection(out, svc.change_features(change, ["RU"]))
    doc = json.loads(out.read_text())
    assert {f["properties"]["side"] for f in doc["features"]} == {"RU"}
    total = sum(geodesic_area_km2(shape(f["geometry"])) for f in doc["features"])
    assert total == pytest.approx(ru_gained, rel=1e-4)
    _assert_rfc7946(doc)


@pytest.mark.slow
def test_must_show_contact_line_and_buffers(real_ws: Workspace, tmp_path: Path) -> None:
    control = svc.control_on(real_ws, date(2025, 3, 13)).control
    line = svc.contact_line(control)
    assert 1_200 < line.length_km < 1_500
    # no part of the line runs along the state border or the coast
    border = svc.national_territory().outline.boundary
    assert line.geometry.distance(border) > 0.005  # ≳ 0.5 km everywhere
    bands = svc.buffer_bands(control, line, [50, 70])
    out = tmp_path / "bands.geojson"
    svc.write_feature_collection(out, svc.band_features(bands, control.source))
    doc = json.loads(out.read_text())
    assert len(doc["features"]) == 4
    _assert_rfc7946(doc)
    areas = {(f["properties"]["side"], f["properties"]["distance_km"]):
             f["properties"]["area_km2"] for f in doc["features"]}
    # a 50 km band along ~1,350 km of line is of the order of 50 × 1,350 km² per side
    assert 30_000 < areas[("RU", 50.0)] < 70_000 and 30_000 < areas[("UA", 50.0)] < 70_000
    assert areas[("UA", 70.0)] > areas[("UA", 50.0)]


def _assert_rfc7946(doc: dict) -> None:
    """RFC 7946: a FeatureCollection, no crs, ≤ 7 decimals, CCW exteriors, CW holes, valid."""
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    for feat in doc["features"]:
        assert feat["type"] == "Feature" and "crs" not in feat["geometry"]
        geom = feat["geometry"]
        polys = ([geom["coordinates"]] if geom["type"] == "Polygon"
                 else geom["coordinates"] if geom["type"] == "MultiPolygon" else [])
        for rings in polys:
            assert LinearRing(rings[0]).is_ccw
            assert all(not LinearRing(r).is_ccw for r in rings[1:])
            for ring in rings:
                assert ring[0] == ring[-1] and len(ring) >= 4
                for x, y in ring:
                    assert round(x, 7) == x and round(y, 7) == y
                    assert -180 <= x <= 180 and -90 <= y <= 90
        assert shape(geom).is_valid


def test_generic_geojson_with_both_sides(workspace: Workspace, tmp_path: Path) -> None:
    def feat(side: str, lon0: float, lon1: float) -> dict:
        ring = [[lon0, 48.0], [lon1, 48.0], [lon1, 48.5], [lon0, 48.5], [lon0, 48.0]]
        return {"type": "Feature", "properties": {"side": side, "date": "2025-05-08"},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    path = tmp_path / "isw.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "features": [feat("RU", 37.5, 38.0), feat("UA", 36.5, 37.4)]}))
    result = svc.import_snapshots(workspace, [path], "geojson", source="isw")
    assert sorted(result.added) == [("2025-05-08", "RU", "isw"), ("2025-05-08", "UA", "isw")]
    control = svc.control_on(workspace, date(2025, 5, 8), "isw").control
    assert not control.is_derived("UA") and not control.is_derived("RU")
    stats = svc.territory_stats(svc.national_territory(), control)
    # both drawn: the 0.1° gap between them is neither side's, so shares do not add to 100
    assert stats.side("UA").area_km2 == pytest.approx(
        geodesic_area_km2(shapely.box(36.5, 48.0, 37.4, 48.5)), rel=1e-6)
    assert stats.side("RU").share_pct + stats.side("UA").share_pct < 1.0
    with pytest.raises(InputError, match="several sources|no snapshots from source"):
        svc.control_on(workspace, date(2025, 5, 8), "deepstate")
