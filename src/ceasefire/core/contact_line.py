"""The contact line and the buffer bands along it.

The contact line is the boundary between the sides' areas *inside* the country: the edge
of the drawn control geometry, minus every stretch that runs along the state border or the
coast. Which stretches those are is decided geometrically: a stretch is border or coast
when it lies within ``border_tolerance_km`` of the national outline's boundary (the
outline shrunk by that distance, :meth:`NationalTerritory.interior`, keeps only what is
genuinely inland). The tolerance absorbs the disagreement between the map maker's border
and the national outline (a few hundred metres along the Russian border); 1 km by default.

Buffer bands are the ground within given distances of the line on either side (Minsk II:
50 km for artillery of 100 mm and more, 70 km for MLRS, 140 km for heavy MLRS), built in a
local azimuthal equidistant projection and clipped to the national outline.

>>> from datetime import date
>>> from shapely.geometry import box
>>> from ceasefire.core.territory import ControlMap, NationalTerritory
>>> land = NationalTerritory.build(box(30, 47, 32, 48), [])
>>> ctl = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(31, 46, 33, 49)}, land)
>>> round(contact_line(ctl).length_km)  # 1° of meridian less 1 km at each border
109
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from ceasefire.core.geodesy import (
    LocalProjection,
    geodesic_area_km2,
    geodesic_buffer,
    geodesic_length_km,
    polygonal,
)
from ceasefire.core.territory import SIDES, ControlMap

DEFAULT_BORDER_TOLERANCE_KM = 1.0


@dataclass(frozen=True)
class ContactLine:
    date: date
    geometry: MultiLineString
    length_km: float
    border_tolerance_km: float

    @property
    def parts(self) -> int:
        return len(self.geometry.geoms)

    def part_lengths_km(self) -> list[float]:
        """Geodesic length of each part, longest first."""
        return sorted((geodesic_length_km(p) for p in self.geometry.geoms), reverse=True)


def _lines(geom: BaseGeometry) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if hasattr(geom, "geoms"):
        return [line for part in geom.geoms for line in _lines(part)]
    return []


def contact_line(control: ControlMap,
                 border_tolerance_km: float = DEFAULT_BORDER_TOLERANCE_KM,
                 min_part_km: float = 0.0) -> ContactLine:
    """The contact line on ``control.date`` and its geodesic length.

    Parts shorter than ``min_part_km`` (left-overs where the line meets the border) can be
    dropped; by default every part is kept.
    """
    if border_tolerance_km <= 0:
        raise ValueError("border_tolerance_km must be positive")
    drawn = control.given[control.primary]
    inland = control.territory.interior(border_tolerance_km)
    merged = shapely.line_merge(shapely.intersection(drawn.boundary, inland))
    parts = [p for p in _lines(merged) if geodesic_length_km(p) >= min_part_km]
    geometry = MultiLineString(parts)
    return ContactLine(control.date, geometry, geodesic_length_km(geometry), border_tolerance_km)


@dataclass(frozen=True)
class Band:
    """The ground held by ``side`` within ``distance_km`` of the contact line.

    With ``rings`` the band starts at the previous distance instead of at the line.
    """

    date: date
    side: str
    distance_km: float
    inner_km: float
    geometry: BaseGeometry
    area_km2: float


def buffer_bands(control: ControlMap, line: ContactLine, distances_km: Sequence[float],
                 rings: bool = False) -> list[Band]:
    """Bands on either side of ``line`` at each distance, clipped to the country."""
    if not distances_km or any(d <= 0 for d in distances_km):
        raise ValueError("buffer distances must be positive kilometres")
    if line.geometry.is_empty:
        return []
    territory = control.territory
    projection = LocalProjection.around(line.geometry)
    drawn_side = control.primary
    drawn = control.given[drawn_side]
    bands: list[Band] = []
    inner_zone: BaseGeometry | None = None
    inner_km = 0.0
    for distance in sorted(set(distances_km)):
        zone = territory.clip(geodesic_buffer(line.geometry, distance, projection))
        ring = zone.difference(inner_zone) if (rings and inner_zone is not None) else zone
        for side in SIDES:
            if side == drawn_side:
                part = polygonal(shapely.intersection(ring, drawn))
            else:
                part = polygonal(shapely.difference(ring, drawn))
            bands.append(Band(control.date, side, float(distance),
                              inner_km if rings else 0.0, part, geodesic_area_km2(part)))
        inner_zone, inner_km = zone, float(distance)
    return bands
