"""core.geodesy / core.territory / core.contact_line / core.advances on shapes with known answers."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
import shapely
from shapely.geometry import LinearRing, LineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry import box as plain_box
from shapely.geometry.polygon import orient

from ceasefire.core.advances import advances
from ceasefire.core.contact_line import buffer_bands, contact_line
from ceasefire.core.geodesy import (
    GEOD,
    LocalProjection,
    geodesic_area_km2,
    geodesic_buffer,
    geodesic_length_km,
    rfc7946_geometry,
)
from ceasefire.core.territory import (
    ControlMap,
    NationalTerritory,
    area_series,
    control_change,
    territory_stats,
)

A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)
B = A * (1 - F)


def _q(lat_deg: float) -> float:
    """Authalic q(φ) of the WGS84 ellipsoid (Snyder, Map Projections, eq. 3-12)."""
    s = math.sin(math.radians(lat_deg))
    return (1 - E2) * (s / (1 - E2 * s * s) - math.log((1 - E * s) / (1 + E * s)) / (2 * E))


def quadrangle_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Exact area between two parallels and two meridians on the WGS84 ellipsoid."""
    return math.radians(lon1 - lon0) * A * A / 2 * (_q(lat1) - _q(lat0)) / 1e6


def densified_box(lon0: float, lat0: float, lon1: float, lat1: float, n: int = 2000) -> Polygon:
    """A lat/lon box whose parallels are followed closely (geodesic edges ≈ parallels)."""
    xs = np.linspace(lon0, lon1, n)
    ring = ([(x, lat0) for x in xs] + [(x, lat1) for x in xs[::-1]])
    return Polygon(ring)


# -- geodesy --------------------------------------------------------------------------------
def test_octant_is_one_eighth_of_the_ellipsoid() -> None:
    # meridians and the equator are geodesics, so this triangle is exactly 1/8 of the surface
    octant = Polygon([(0, 0), (90, 0), (0, 90)])
    total = 4 * math.pi * (A * A / 2 * _q(90)) / 1e6  # 4π R_authalic²
    assert geodesic_area_km2(octant) == pytest.approx(total / 8, rel=1e-9)
    assert total == pytest.approx(510_065_621.7, rel=1e-9)


@pytest.mark.parametrize("lat", [0.0, 45.0, 48.0, 60.0])
def test_lat_lon_quadrangle_matches_analytic_area(lat: float) -> None:
    expected = quadrangle_km2(30.0, lat, 31.0, lat + 1.0)
    assert geodesic_area_km2(densified_box(30.0, lat, 31.0, lat + 1.0)) == pytest.approx(
        expected, rel=1e-6)


def test_area_ignores_orientation_and_subtracts_holes() -> None:
    outer = densified_box(30, 48, 32, 50, 200)
    hole = densified_box(30.5, 48.5, 31.0, 49.0, 200)
    with_hole = Polygon(outer.exterior.coords, [hole.exterior.coords])
    reversed_ring = Polygon(list(outer.exterior.coords)[::-1])
    assert geodesic_area_km2(reversed_ring) == pytest.approx(geodesic_area_km2(outer))
    assert geodesic_area_km2(with_hole) == pytest.approx(
        geodesic_area_km2(outer) - geodesic_area_km2(hole), rel=1e-12)
    # agrees with pyproj's own routine once the rings are oriented as it expects (it sums
    # signed ring areas, so a counter-clockwise hole would be added, not subtracted)
    assert geodesic_area_km2(with_hole) == pytest.approx(
        abs(GEOD.geometry_area_perimeter(orient(with_hole))[0]) / 1e6, rel=1e-9)


def test_length_of_a_meridian_arc() -> None:
    # one degree of latitude at 47.5° N is 111.2 km on WGS84
    assert geodesic_length_km(LineString([(35, 47), (35, 48)])) == pytest.approx(111.2, abs=0.05)


def test_geodesic_buffer_is_the_distance_on_the_ground() -> None:
    line = LineString([(34.0, 47.0), (37.0, 48.5), (38.0, 50.0)])
    zone = geodesic_buffer(line, 50.0)
    # every vertex of the buffer's boundary lies 50 km (geodesic) from the line
    proj = LocalProjection.around(line)
    metric_line = proj.forward(line)
    for x, y in list(zone.exterior.coords)[::25]:
        nearest = proj.inverse(shapely.shortest_line(metric_line, proj.forward(Point(x, y))))
        (x0, y0), (x1, y1) = nearest.coords
        _, _, dist = GEOD.inv(x0, y0, x1, y1)
        assert dist / 1000 == pytest.approx(50.0, rel=2e-3)


def test_rfc7946_winding_precision_and_no_crs() -> None:
    clockwise = Polygon([(30, 48), (30, 49), (31, 49), (31, 48)],
                        [[(30.2, 48.2), (30.8, 48.2), (30.8, 48.8), (30.2, 48.8)]])
    assert not clockwise.exterior.is_ccw
    encoded = rfc7946_geometry(MultiPolygon([clockwise]), decimals=7)
    assert "crs" not in encoded
    exterior, hole = encoded["coordinates"][0]
    assert LinearRing(exterior).is_ccw and not LinearRing(hole).is_ccw
    odd = Polygon([(30.123456789, 48.0), (31.0, 48.000000049), (31.0, 49.0)])
    coords = rfc7946_geometry(odd)["coordinates"][0]
    for x, y in coords:
        assert round(x, 7) == x and round(y, 7) == y
    assert shape(rfc7946_geometry(odd)).is_valid
    with pytest.raises(ValueError):
        rfc7946_geometry(odd, decimals=8)


# -- a toy country: 2° × 1° with two regions --------------------------------------------
def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A box with vertices every 0.005°.

    Overlays work on straight lon/lat segments and areas treat every edge as a geodesic; on
    a 2° edge the two differ by km², on real map edges (≤ 1 km) not measurably. Densified
    toy shapes keep the tests about the method, not that approximation.
    """
    return shapely.segmentize(plain_box(x0, y0, x1, y1), 0.005)


@pytest.fixture
def land() -> NationalTerritory:
    west = box(30, 47, 31, 48)
    east = box(31, 47, 32, 48)
    return NationalTerritory.build(box(30, 47, 32, 48), [("X-1", "West", "Захід", west),
                                                         ("X-2", "East", "Схід", east)])


def test_stats_clip_to_the_outline_and_derive_the_other_side(land: NationalTerritory) -> None:
    # drawn well beyond the country: only the part inside counts
    ctl = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(31.5, 46, 33, 49)}, land)
    stats = territory_stats(land, ctl, by_region=True)
    inside = geodesic_area_km2(box(31.5, 47, 32, 48))
    assert stats.side("RU").area_km2 == pytest.approx(inside)
    assert stats.side("UA").derived and not stats.side("RU").derived
    assert stats.side("UA").area_km2 == pytest.approx(land.area_km2 - inside)
    assert stats.side("RU").share_pct + stats.side("UA").share_pct == pytest.approx(100.0)
    by = {(r.code, r.side): r for r in stats.regions}
    assert by[("X-1", "RU")].area_km2 == 0.0
    assert by[("X-2", "RU")].share_pct == pytest.approx(50.0, abs=0.1)
    assert by[("X-2", "UA")].area_km2 + by[("X-2", "RU")].area_km2 == pytest.approx(
        by[("X-2", "RU")].region_km2)


def test_change_gives_each_side_its_gains(land: NationalTerritory) -> None:
    before = ControlMap.from_sides(date(2025, 3, 18), {"RU": box(31.5, 46, 33, 49)}, land)
    # RU advances 0.1° west in the north half, loses 0.05° in the south half
    after_geom = box(31.4, 47.5, 33, 49).union(box(31.55, 46, 33, 47.5))
    after = ControlMap.from_sides(date(2025, 4, 17), {"RU": after_geom}, land)
    change = control_change(before, after)
    assert change.gained_km2("RU") == pytest.approx(geodesic_area_km2(box(31.4, 47.5, 31.5, 48)))
    assert change.gained_km2("UA") == pytest.approx(geodesic_area_km2(box(31.5, 47, 31.55, 47.5)))
    assert change.lost_km2("UA") == pytest.approx(change.gained_km2("RU"))
    ru = [p for p in change.pieces if p.side == "RU"]
    assert len(ru) == 1 and ru[0].region_code == "X-2" and ru[0].from_side == "UA"
    # the map's own area difference equals the net change
    assert after.area_km2("RU") - before.area_km2("RU") == pytest.approx(
        change.gained_km2("RU") - change.lost_km2("RU"))


def test_series_equals_full_recomputation(land: NationalTerritory) -> None:
    geoms = [box(31.5, 46, 33, 49), box(31.4, 46.9, 33, 49), box(31.45, 47.5, 33, 49),
             box(30.5, 46, 33, 49)]
    days = [date(2025, 3, d) for d in (1, 2, 3, 4)]
    series = area_series(land, list(zip(days, geoms, strict=True)))
    for point, geom in zip(series, geoms, strict=True):
        assert point.area_km2 == pytest.approx(geodesic_area_km2(land.clip(geom)), rel=1e-12)


def test_contact_line_excludes_border_and_coast(land: NationalTerritory) -> None:
    # occupied: the east end of the country and beyond (over the border and into the sea)
    ctl = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(31.5, 46, 33, 49)}, land)
    line = contact_line(ctl)
    # only the meridian at 31.5° inside the country, less 1 km at each border
    assert line.length_km == pytest.approx(geodesic_length_km(LineString([(31.5, 47), (31.5, 48)]))
                                           - 2.0, abs=0.05)
    xs = np.asarray([c[0] for part in line.geometry.geoms for c in part.coords])
    assert np.allclose(xs, 31.5)
    # a polygon that follows the border without crossing it: the border stretch is not line
    hugging = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(31.5, 47.0003, 32, 47.9997)},
                                    land)
    assert contact_line(hugging).length_km == pytest.approx(line.length_km, abs=0.1)


def test_buffer_bands_split_by_side(land: NationalTerritory) -> None:
    ctl = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(31.0, 46, 33, 49)}, land)
    line = contact_line(ctl)
    bands = buffer_bands(ctl, line, [10, 20], rings=True)
    by = {(b.side, b.distance_km): b for b in bands}
    # 10 km either side of a ~107 km meridian line (clipped to the country)
    assert by[("RU", 10)].area_km2 == pytest.approx(10 * line.length_km, rel=0.03)
    assert by[("UA", 10)].area_km2 == pytest.approx(10 * line.length_km, rel=0.03)
    assert by[("UA", 20)].inner_km == 10
    assert by[("UA", 20)].area_km2 == pytest.approx(by[("UA", 10)].area_km2, rel=0.03)
    assert by[("RU", 10)].geometry.intersection(by[("UA", 10)].geometry).area < 1e-9
    assert all(land.outline.buffer(1e-9).contains(b.geometry) for b in bands)
    with pytest.raises(ValueError):
        buffer_bands(ctl, line, [0])


def test_advances_beyond_tolerance_with_first_seen(land: NationalTerritory) -> None:
    base = box(31.5, 46, 33, 49)
    step1 = base.union(box(31.45, 47.2, 31.5, 47.4))  # a real advance, seen on day 2
    step2 = step1.union(box(31.4999, 47.8, 31.5, 47.8005))  # a sliver: noise
    maps = [ControlMap.from_sides(date(2025, 3, d), {"RU": g}, land)
            for d, g in ((18, base), (19, base), (20, step1), (25, step2))]
    small = geodesic_area_km2(box(31.45, 47.2, 31.5, 47.4))
    report = advances(maps, tolerance_km2=1.0, min_polygon_km2=0.01)
    assert report.exceeds("RU") and not report.exceeds("UA")
    assert len(report.advances) == 1
    adv = report.advances[0]
    assert adv.area_km2 == pytest.approx(small)
    assert adv.first_seen == date(2025, 3, 20) and adv.date_from == date(2025, 3, 18)
    assert adv.region_code == "X-2"
    # the same gain within a larger tolerance is not an advance
    assert advances(maps, tolerance_km2=small + 1).advances == ()


def test_a_map_that_draws_only_the_defender(land: NationalTerritory) -> None:
    # a source that draws the Ukrainian-held area: RU becomes the derived side
    ua_before = box(29, 46, 31.5, 49)
    ua_after = box(29, 46, 31.4, 49)
    before = ControlMap.from_sides(date(2025, 5, 8), {"UA": ua_before}, land)
    after = ControlMap.from_sides(date(2025, 5, 11), {"UA": ua_after}, land)
    assert before.primary == "UA" and before.is_derived("RU")
    assert before.area_km2("RU") == pytest.approx(geodesic_area_km2(box(31.5, 47, 32, 48)),
                                                  rel=1e-6)
    change = control_change(before, after)
    strip = geodesic_area_km2(box(31.4, 47, 31.5, 48))
    assert change.gained_km2("RU") == pytest.approx(strip, rel=1e-6)
    assert change.gained_km2("UA") == 0.0
    assert after.fraction_held("RU", box(31.4, 47.2, 31.5, 47.4)) == pytest.approx(1.0)
    assert before.fraction_held("RU", box(31.4, 47.2, 31.5, 47.4)) == pytest.approx(0.0)
    line = contact_line(before)
    assert line.length_km == pytest.approx(contact_line(
        ControlMap.from_sides(date(2025, 5, 8), {"RU": box(31.5, 46, 33, 49)}, land)).length_km,
        abs=0.01)
    report = advances([before, after], tolerance_km2=0.5)
    assert [a.side for a in report.advances] == ["RU"]
    with pytest.raises(ValueError):
        advances([before], tolerance_km2=0.5)
    with pytest.raises(ValueError):
        ControlMap.from_sides(date(2025, 5, 8), {"NATO": ua_before}, land)
