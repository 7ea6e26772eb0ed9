"""core.overlay: windowed differences must equal the plain GEOS overlay."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from ceasefire.core.geodesy import geodesic_area_km2
from ceasefire.core.overlay import changed_parts
from ceasefire.formats.deepstate import read_deepstate
from tests.conftest import require_shared_data


def _same(fast: MultiPolygon, slow: shapely.Geometry) -> None:
    assert shapely.symmetric_difference(fast, slow).area == pytest.approx(0.0, abs=1e-12)
    assert fast.is_valid


def _wobbly(seed: int, n: int = 400) -> Polygon:
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = 1.0 + 0.05 * rng.standard_normal(n)
    return Polygon(np.column_stack([35 + radius * np.cos(angles), 48 + radius * np.sin(angles)]))


@pytest.mark.parametrize("seed", range(5))
def test_local_edits_match_the_full_overlay(seed: int) -> None:
    base = _wobbly(seed)
    coords = np.asarray(base.exterior.coords)[:-1].copy()
    rng = np.random.default_rng(100 + seed)
    # move a few vertices in two places, delete one, keep everything else identical
    for i in rng.choice(len(coords), 6, replace=False):
        coords[i] += rng.normal(0, 0.01, 2)
    coords = np.delete(coords, 17, axis=0)
    edited = shapely.make_valid(Polygon(coords))
    # and an island that appears
    edited = shapely.union(edited, box(37, 48, 37.2, 48.2))
    a_minus_b, b_minus_a = changed_parts(base, edited)
    _same(a_minus_b, shapely.difference(base, edited))
    _same(b_minus_a, shapely.difference(edited, base))


def test_identical_and_disjoint_inputs() -> None:
    base = _wobbly(1)
    assert changed_parts(base, base)[0].is_empty and changed_parts(base, base)[1].is_empty
    other = box(50, 50, 51, 51)
    a_minus_b, b_minus_a = changed_parts(base, other)  # everything changed: plain overlay
    _same(a_minus_b, base)
    _same(b_minus_a, other)


def test_adjacent_gain_and_loss_stay_apart() -> None:
    # the lost strip and the gained strip touch along an edge: they must not merge
    a = box(0, 0, 2, 2)
    b = box(0, 0, 2, 1).union(box(0, 1, 1, 2)).union(box(2, 1, 3, 2))
    a_minus_b, b_minus_a = changed_parts(a, b)
    assert a_minus_b.area == pytest.approx(1.0) and b_minus_a.area == pytest.approx(1.0)
    assert a_minus_b.intersection(b_minus_a).area == 0.0


@pytest.mark.slow
def test_real_consecutive_days() -> None:
    folder = require_shared_data("deepstate")
    days = ["20250317", "20250318", "20250319", "20250417", "20250418", "20250601"]
    geoms = [read_deepstate(folder / f"deepstatemap_data_{d}.geojson").geometry for d in days]
    for a, b in itertools.pairwise(geoms):
        a_minus_b, b_minus_a = changed_parts(a, b)
        slow_lost, slow_gained = shapely.difference(a, b), shapely.difference(b, a)
        assert geodesic_area_km2(a_minus_b) == pytest.approx(geodesic_area_km2(slow_lost),
                                                              abs=1e-6)
        assert geodesic_area_km2(b_minus_a) == pytest.approx(geodesic_area_km2(slow_gained),
                                                              abs=1e-6)
        _same(a_minus_b, slow_lost)
        _same(b_minus_a, slow_gained)
