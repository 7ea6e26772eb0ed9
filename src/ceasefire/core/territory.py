"""Territorial control: who holds how much of the country on a date, and what changed.

The model. A :class:`NationalTerritory` is the national outline plus its regions (oblasts).
A :class:`ControlMap` is what one source says about one date: the geometry of one side
(typically the occupied area, side ``RU``, as DeepStateMap draws it) and, unless the source
also gives it, the other side's area *derived* as the national territory minus that
geometry. All areas are geodesic (WGS84 ellipsoid, :mod:`ceasefire.core.geodesy`) and
clipped to the national outline, so a share of "the country" means the same thing on every
date and in every source.

Change between two dates is computed on the geometries as given and clipped afterwards,
which is exact (``clip(A) − clip(B) = clip(A − B)``) and much cheaper than differencing two
clipped geometries that each carry the whole coastline; the difference itself only
overlays the boxes around the edges that changed (:mod:`ceasefire.core.overlay`).
:func:`area_series` uses the same identity to carry an area forward from one snapshot to
the next.

>>> from shapely.geometry import box
>>> land = NationalTerritory.build(box(0, 0, 2, 1), [("R1", "West", "Захід", box(0, 0, 1, 1)),
...                                                   ("R2", "East", "Схід", box(1, 0, 2, 1))])
>>> ctl = ControlMap.from_sides(date(2025, 3, 13), {"RU": box(1.5, -1, 3, 2)}, land)
>>> round(territory_stats(land, ctl).side("RU").share_pct, 1)
25.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from ceasefire.core.geodesy import LocalProjection, geodesic_area_km2, multipolygon, polygonal
from ceasefire.core.overlay import changed_parts

Day = date  # alias: classes below have a field named ``date``

OCCUPIER = "RU"
DEFENDER = "UA"
SIDES: tuple[str, str] = (DEFENDER, OCCUPIER)


def opponent(side: str) -> str:
    """The other party of the two-sided control model."""
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}; expected one of {', '.join(SIDES)}")
    return OCCUPIER if side == DEFENDER else DEFENDER


@dataclass(frozen=True)
class Region:
    """One first-level region (oblast, city with special status, Crimea)."""

    code: str  # ISO 3166-2, e.g. UA-14
    name_en: str
    name_uk: str
    geometry: BaseGeometry
    area_km2: float


@dataclass(frozen=True, eq=False)
class NationalTerritory:
    """The national outline and its regions, with the caches the overlays need."""

    outline: BaseGeometry
    regions: tuple[Region, ...]
    area_km2: float
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, outline: BaseGeometry,
              regions: Iterable[tuple[str, str, str, BaseGeometry]]) -> NationalTerritory:
        shapely.prepare(outline)
        built = tuple(Region(code, en, uk, geom, geodesic_area_km2(geom))
                      for code, en, uk, geom in regions)
        return cls(outline, built, geodesic_area_km2(outline))

    @property
    def projection(self) -> LocalProjection:
        """The local metric projection used for tolerances along the border."""
        return LocalProjection.around(self.outline)

    def clip(self, geom: BaseGeometry | None) -> MultiPolygon:
        """The polygonal part of ``geom`` that lies inside the national outline.

        Geometries wholly inside skip the overlay; others are intersected with the outline
        cut to their bounding box, so the cost follows the geometry, not the coastline.
        """
        if geom is None or geom.is_empty:
            return MultiPolygon()
        if self.outline.contains_properly(geom):
            return polygonal(geom)
        minx, miny, maxx, maxy = geom.bounds
        pad = 1e-6
        local = shapely.clip_by_rect(self.outline, minx - pad, miny - pad, maxx + pad, maxy + pad)
        return polygonal(shapely.intersection(geom, local))

    def _region_tree(self) -> STRtree:
        if "tree" not in self._cache:
            self._cache["tree"] = STRtree([r.geometry for r in self.regions])
        tree: STRtree = self._cache["tree"]
        return tree

    def region_at(self, point: Point) -> Region | None:
        """The region containing ``point``, else the nearest one (points on the coast)."""
        if not self.regions:
            return None
        tree = self._region_tree()
        hits = tree.query(point, predicate="intersects")
        if len(hits):
            return self.regions[int(min(hits))]
        return self.regions[int(tree.nearest(point))]

    def regions_touching(self, geom: BaseGeometry) -> list[Region]:
        return [self.regions[int(i)]
                for i in sorted(self._region_tree().query(geom, predicate="intersects"))]

    def interior(self, border_tolerance_km: float) -> BaseGeometry:
        """The outline shrunk by ``border_tolerance_km``: what is not "at the border or coast".

        The outline is simplified to a tenth of the tolerance first; the result only decides
        which lines count as border, so that detail cannot matter. Cached per tolerance.
        """
        key = ("interior", round(border_tolerance_km, 6))
        if key not in self._cache:
            proj = self.projection
            metric = proj.forward(self.outline).simplify(border_tolerance_km * 100.0)
            shrunk = metric.buffer(-border_tolerance_km * 1000.0, quad_segs=4)
            inner = proj.inverse(shrunk)
            shapely.prepare(inner)
            self._cache[key] = inner
        result: BaseGeometry = self._cache[key]
        return result


@dataclass(frozen=True, eq=False)
class ControlMap:
    """Control of the territory on one date, from one source.

    ``given`` holds the geometries the source drew (not clipped); a side missing from it is
    derived as the national territory minus the other side (see :meth:`is_derived`).
    """

    date: date
    given: Mapping[str, BaseGeometry]
    territory: NationalTerritory
    source: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_sides(cls, day: Day, given: Mapping[str, BaseGeometry],
                   territory: NationalTerritory, source: str = "") -> ControlMap:
        if not given:
            raise ValueError("a control map needs the geometry of at least one side")
        for side in given:
            opponent(side)  # validates the id
        return cls(day, dict(given), territory, source)

    def is_derived(self, side: str) -> bool:
        return side not in self.given

    @property
    def primary(self) -> str:
        """The side whose geometry the source drew (the occupier when both are given)."""
        return OCCUPIER if OCCUPIER in self.given else next(iter(self.given))

    def held(self, side: str) -> MultiPolygon:
        """The area ``side`` holds inside the country (clipped; derived if not given)."""
        if side not in self._cache:
            if side in self.given:
                self._cache[side] = self.territory.clip(self.given[side])
            else:
                other = self.held(opponent(side))
                self._cache[side] = polygonal(self.territory.outline.difference(other))
        held: MultiPolygon = self._cache[side]
        return held

    def area_km2(self, side: str) -> float:
        """Geodesic area held by ``side``; a derived side is the national area minus the other."""
        key = f"area:{side}"
        if key not in self._cache:
            if self.is_derived(side):
                value = self.territory.area_km2 - self.area_km2(opponent(side))
            else:
                value = geodesic_area_km2(self.held(side))
            self._cache[key] = value
        return float(self._cache[key])

    def fraction_held(self, side: str, geom: BaseGeometry) -> float:
        """Which fraction of ``geom``'s area ``side`` holds on this date."""
        total = geodesic_area_km2(geom)
        if total <= 0:
            return 0.0
        if side in self.given:
            inside = geodesic_area_km2(shapely.intersection(geom, self.given[side]))
        else:
            inside = total - geodesic_area_km2(shapely.intersection(geom,
                                                                    self.given[opponent(side)]))
        return max(0.0, min(1.0, inside / total))


# -- stats --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SideShare:
    side: str
    area_km2: float
    share_pct: float
    derived: bool


@dataclass(frozen=True)
class RegionShare:
    code: str
    name_en: str
    side: str
    area_km2: float
    region_km2: float
    share_pct: float


@dataclass(frozen=True)
class TerritoryStats:
    """Areas and shares of national territory per side, optionally per region."""

    date: date
    national_km2: float
    sides: tuple[SideShare, ...]
    regions: tuple[RegionShare, ...] = ()

    def side(self, side: str) -> SideShare:
        for entry in self.sides:
            if entry.side == side:
                return entry
        raise KeyError(side)


def territory_stats(territory: NationalTerritory, control: ControlMap,
                    by_region: bool = False) -> TerritoryStats:
    """Area and share of the national territory held by each side on ``control.date``."""
    national = territory.area_km2
    sides = tuple(SideShare(s, control.area_km2(s), 100.0 * control.area_km2(s) / national,
                            control.is_derived(s)) for s in SIDES)
    regions: list[RegionShare] = []
    if by_region:
        primary = control.primary
        held = control.held(primary)
        touching = {r.code for r in territory.regions_touching(held)}
        for region in territory.regions:
            area = (geodesic_area_km2(shapely.intersection(region.geometry, held))
                    if region.code in touching else 0.0)
            for side in SIDES:
                if side == primary:
                    value = area
                elif control.is_derived(side):
                    value = max(region.area_km2 - area, 0.0)
                else:
                    value = geodesic_area_km2(shapely.intersection(region.geometry,
                                                                   control.held(side)))
                regions.append(RegionShare(region.code, region.name_en, side, value,
                                           region.area_km2, 100.0 * value / region.area_km2))
    return TerritoryStats(control.date, national, sides, tuple(regions))


# -- change -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangePiece:
    """One polygon that changed hands: ``side`` gained it from ``from_side``."""

    side: str
    from_side: str
    geometry: BaseGeometry
    area_km2: float
    region_code: str | None
    place: str | None
    lon: float
    lat: float


@dataclass(frozen=True)
class Change:
    date_from: date
    date_to: date
    pieces: tuple[ChangePiece, ...]

    def gained_km2(self, side: str) -> float:
        return sum(p.area_km2 for p in self.pieces if p.side == side)

    def lost_km2(self, side: str) -> float:
        return sum(p.area_km2 for p in self.pieces if p.from_side == side)

    def gained(self, side: str) -> MultiPolygon:
        return multipolygon(g for p in self.pieces if p.side == side
                            for g in polygonal(p.geometry).geoms)


def _gained_geometry(before: ControlMap, after: ControlMap, side: str) -> MultiPolygon:
    """What ``side`` holds after but not before, clipped to the country."""
    territory = after.territory
    if side in before.given and side in after.given:
        return territory.clip(changed_parts(after.given[side], before.given[side])[0])
    other = opponent(side)
    if other in before.given and other in after.given:
        # side derived on both dates: it gains exactly what the other side lost
        return territory.clip(changed_parts(before.given[other], after.given[other])[0])
    return polygonal(shapely.difference(after.held(side), before.held(side)))


def _piece(territory: NationalTerritory, side: str, geom: BaseGeometry) -> ChangePiece:
    point = geom.representative_point()
    region = territory.region_at(point)
    return ChangePiece(side, opponent(side), geom, geodesic_area_km2(geom),
                       region.code if region else None, region.name_en if region else None,
                       point.x, point.y)


def control_change(before: ControlMap, after: ControlMap,
                   min_piece_km2: float = 0.0) -> Change:
    """The polygons each side gained between two dates (what one gains, the other loses).

    Pieces smaller than ``min_piece_km2`` are dropped (re-drawing noise); by default none.
    """
    territory = after.territory
    pieces: list[ChangePiece] = []
    for side in SIDES:
        for poly in _gained_geometry(before, after, side).geoms:
            piece = _piece(territory, side, poly)
            if piece.area_km2 > 0 and piece.area_km2 >= min_piece_km2:
                pieces.append(piece)
    pieces.sort(key=lambda p: (p.side, -p.area_km2))
    return Change(before.date, after.date, tuple(pieces))


# -- series -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesPoint:
    date: date
    side: str
    area_km2: float
    share_pct: float
    gained_km2: float  # since the previous point
    lost_km2: float


def area_series(territory: NationalTerritory, dated: Sequence[tuple[date, BaseGeometry]],
                side: str = OCCUPIER,
                on_point: Callable[[], None] | None = None) -> list[SeriesPoint]:
    """Area held by ``side`` on each date, with gains and losses since the previous date.

    The first area is computed in full; each next one as the previous plus what was gained
    minus what was lost, which is the same set identity as a full recomputation but overlays
    only the (small) difference with the coastline.
    """
    points: list[SeriesPoint] = []
    previous: BaseGeometry | None = None
    area = 0.0
    for day, geom in dated:
        if previous is None:
            area = geodesic_area_km2(territory.clip(geom))
            gained = lost = 0.0
        else:
            lost_geom, gained_geom = changed_parts(previous, geom)
            gained = geodesic_area_km2(territory.clip(gained_geom))
            lost = geodesic_area_km2(territory.clip(lost_geom))
            area += gained - lost
        points.append(SeriesPoint(day, side, area, 100.0 * area / territory.area_km2,
                                  gained, lost))
        previous = geom
        if on_point is not None:
            on_point()
    return points
