"""core.tessellation: per-place control statuses to areas (Voronoi cells)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from ceasefire.core.geodesy import geodesic_area_km2
from ceasefire.core.territory import NationalTerritory
from ceasefire.core.tessellation import control_from_places, normalise_status


@pytest.fixture
def land() -> NationalTerritory:
    return NationalTerritory.build(shapely.segmentize(box(30, 47, 32, 48), 0.01), [])


def test_a_grid_split_at_a_meridian(land: NationalTerritory) -> None:
    lons, lats = np.meshgrid(np.arange(30.05, 32.0, 0.1), np.arange(47.05, 48.0, 0.1))
    lons, lats = lons.ravel(), lats.ravel()
    statuses = np.where(lons > 31.2, "RU", "ua")
    areas = control_from_places(land, lons, lats, statuses)
    ru, ua = areas["RU"], areas["UA"]
    # the cells meet half way between the columns at 31.15 and 31.25
    expected_ru = geodesic_area_km2(box(31.2, 47, 32, 48))
    assert geodesic_area_km2(ru) == pytest.approx(expected_ru, rel=0.01)
    assert geodesic_area_km2(ru) + geodesic_area_km2(ua) == pytest.approx(land.area_km2,
                                                                         rel=1e-6)
    assert ru.intersection(ua).area == pytest.approx(0.0, abs=1e-9)
    assert land.outline.buffer(1e-9).contains(ru)


def test_contested_and_conflicting_places_belong_to_no_side(land: NationalTerritory) -> None:
    areas = control_from_places(land, [30.5, 31.0, 31.5, 31.5], [47.5, 47.5, 47.5, 47.5],
                                ["UA", "CONTESTED", "RU", "UA"])
    # 31.5 is listed as RU and UA: contested; only the westmost cell is UA's
    assert areas["RU"].is_empty
    assert areas["UA"].bounds[2] == pytest.approx(30.75, abs=0.01)


def test_statuses_and_inputs() -> None:
    assert normalise_status(" ru ") == "RU" and normalise_status("CONTESTED") is None
    assert normalise_status(None) is None
    land = NationalTerritory.build(box(30, 47, 32, 48), [])
    one = control_from_places(land, [31.0], [47.5], ["RU"])
    assert geodesic_area_km2(one["RU"]) == pytest.approx(land.area_km2, rel=1e-9)
    assert control_from_places(land, [], [], [])["RU"].is_empty
    with pytest.raises(ValueError):
        control_from_places(land, [31.0], [47.5, 47.6], ["RU"])
