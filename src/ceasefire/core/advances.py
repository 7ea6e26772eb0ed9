"""The geometry behind a ``no_advance`` provision: territory gained during a window.

A ``no_advance`` clause freezes the contact line when the window opens. Maps are redrawn
every day, so some change is noise; two tolerances separate it from an advance: polygons
smaller than ``min_polygon_km2`` are ignored, and a side whose remaining net gain totals at
most ``tolerance_km2`` is within tolerance. The compliance step turns each
:class:`Advance` into a finding; this module only measures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shapely.geometry.base import BaseGeometry

from ceasefire.core.territory import SIDES, ControlMap, control_change


@dataclass(frozen=True)
class Advance:
    """Territory gained during a window beyond the tolerance (input to ``no_advance``)."""

    side: str
    from_side: str
    geometry: BaseGeometry
    area_km2: float
    region_code: str | None
    place: str | None
    lon: float
    lat: float
    date_from: date  # the line the window is judged against
    date_to: date
    first_seen: date  # first snapshot in which the side held most of the polygon


@dataclass(frozen=True)
class AdvanceReport:
    date_from: date
    date_to: date
    tolerance_km2: float
    min_polygon_km2: float
    gained_km2: Mapping[str, float]  # counted gains (pieces >= min_polygon_km2) per side
    advances: tuple[Advance, ...]

    def exceeds(self, side: str) -> bool:
        return self.gained_km2.get(side, 0.0) > self.tolerance_km2


def advances(maps: Sequence[ControlMap], tolerance_km2: float,
             min_polygon_km2: float = 0.0) -> AdvanceReport:
    """Gains during a window, judged against the first map (the line when the window opened).

    Two tolerances, because maps are redrawn: polygons smaller than ``min_polygon_km2`` are
    ignored as noise, and a side whose remaining net gain totals at most ``tolerance_km2``
    is within tolerance. Each polygon of a side beyond tolerance is one :class:`Advance`,
    with the first date on which that side held most of it.
    """
    if len(maps) < 2:
        raise ValueError("a window needs control maps for at least two dates")
    ordered = sorted(maps, key=lambda m: m.date)
    change = control_change(ordered[0], ordered[-1], min_piece_km2=min_polygon_km2)
    totals = {side: change.gained_km2(side) for side in SIDES}
    found: list[Advance] = []
    for piece in change.pieces:
        if totals[piece.side] <= tolerance_km2:
            continue
        first_seen = ordered[-1].date
        for control in ordered[1:]:
            if control.fraction_held(piece.side, piece.geometry) >= 0.5:
                first_seen = control.date
                break
        found.append(Advance(piece.side, piece.from_side, piece.geometry, piece.area_km2,
                             piece.region_code, piece.place, piece.lon, piece.lat,
                             ordered[0].date, ordered[-1].date, first_seen))
    return AdvanceReport(ordered[0].date, ordered[-1].date, tolerance_km2, min_polygon_km2,
                         totals, tuple(found))
