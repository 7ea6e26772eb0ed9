"""Geodesy for territorial control: areas and lengths on the WGS84 ellipsoid, buffers in a
local metric projection, and RFC 7946 geometry encoding.

Why the ellipsoid: a share of national territory is only comparable between tools when the
area is the true surface area, not the area of a map projection. :data:`GEOD`
(``pyproj.Geod(ellps="WGS84")``) integrates each ring along geodesic edges, so the figures
agree with any other geodesic calculator.

Why a local projection for buffers: a buffer of "50 km" must be 50 km on the ground in every
direction. An azimuthal equidistant projection centred on the geometry keeps distances from
its centre exact and distorts others by about (ρ/R)²/6 — under 0.1 % across the front
(ρ ≈ 500 km) — whereas buffering in degrees would be 33 % short east–west at 48° N.

>>> from shapely.geometry import box
>>> round(geodesic_area_km2(box(30.0, 48.0, 31.0, 49.0)))
8218
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import GeometryCollection, LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

GEOD = Geod(ellps="WGS84")
WGS84 = "EPSG:4326"
RFC7946_DECIMALS = 7  # ~1 cm; RFC 7946 §11.2 advises no more precision than needed


def polygons(geom: BaseGeometry | None) -> Iterator[Polygon]:
    """The polygons inside any geometry (collections are searched, lines and points skipped)."""
    if geom is None or geom.is_empty:
        return
    if isinstance(geom, Polygon):
        yield geom
    elif isinstance(geom, (MultiPolygon, GeometryCollection)):
        for part in geom.geoms:
            yield from polygons(part)


def multipolygon(parts: Iterable[Polygon]) -> MultiPolygon:
    """A MultiPolygon of ``parts``, built by GEOS in one call (the Python constructor copies
    every coordinate through lists, which dominated the change computations)."""
    built: MultiPolygon = shapely.multipolygons(np.asarray(list(parts), dtype=object))
    return built


def polygonal(geom: BaseGeometry | None) -> MultiPolygon:
    """Keep only the polygonal part of ``geom`` (overlays can return stray lines/points)."""
    if isinstance(geom, MultiPolygon):
        return geom
    return multipolygon(polygons(geom))


def _ring_area_m2(ring: Any) -> float:
    coords = np.asarray(ring.coords)
    area, _ = GEOD.polygon_area_perimeter(coords[:, 0], coords[:, 1])
    return abs(area)


def geodesic_area_km2(geom: BaseGeometry | None) -> float:
    """Surface area of the polygonal part of ``geom`` on the WGS84 ellipsoid, in km².

    Ring orientation does not matter: each ring's area is taken absolute and holes are
    subtracted, which is what ``Geod.geometry_area_perimeter`` does for well-formed input,
    without its per-vertex Python overhead.
    """
    total = 0.0
    for poly in polygons(geom):
        total += _ring_area_m2(poly.exterior)
        for hole in poly.interiors:
            total -= _ring_area_m2(hole)
    return total / 1e6


def geodesic_length_km(geom: BaseGeometry | None) -> float:
    """Length of the linear part of ``geom`` along geodesics on WGS84, in km."""
    if geom is None or geom.is_empty:
        return 0.0
    return float(GEOD.geometry_length(geom)) / 1000.0


# -- local metric projection ------------------------------------------------------------------
@lru_cache(maxsize=32)
def _transformers(lon0: float, lat0: float) -> tuple[Transformer, Transformer]:
    crs = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m +no_defs"
    return (Transformer.from_crs(WGS84, crs, always_xy=True),
            Transformer.from_crs(crs, WGS84, always_xy=True))


class LocalProjection:
    """An azimuthal equidistant projection (metres) centred near a geometry of interest.

    The centre is rounded to 0.01° so that repeated calls share cached transformers.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = round(lon0, 2)
        self.lat0 = round(lat0, 2)
        self._fwd, self._inv = _transformers(self.lon0, self.lat0)

    @classmethod
    def around(cls, geom: BaseGeometry) -> LocalProjection:
        minx, miny, maxx, maxy = geom.bounds
        return cls((minx + maxx) / 2.0, (miny + maxy) / 2.0)

    def forward(self, geom: BaseGeometry) -> BaseGeometry:
        return _apply(geom, self._fwd)

    def inverse(self, geom: BaseGeometry) -> BaseGeometry:
        return _apply(geom, self._inv)


def _apply(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def geodesic_buffer(geom: BaseGeometry, distance_km: float,
                    projection: LocalProjection | None = None) -> BaseGeometry:
    """Everything within ``distance_km`` of ``geom`` on the ground, as WGS84 lon/lat.

    Negative distances erode polygons. The buffer is built in a local azimuthal equidistant
    projection (see the module docstring) with 16 segments per quarter circle.
    """
    proj = projection or LocalProjection.around(geom)
    buffered = proj.forward(geom).buffer(distance_km * 1000.0, quad_segs=16)
    return proj.inverse(buffered)


# -- RFC 7946 ---------------------------------------------------------------------------------
def rfc7946_geometry(geom: BaseGeometry, decimals: int = RFC7946_DECIMALS) -> dict[str, Any]:
    """A GeoJSON geometry object as RFC 7946 wants it.

    Exterior rings counter-clockwise and holes clockwise (§3.1.6), coordinates rounded to
    ``decimals`` places (at most 7), no ``crs`` member (§4: always WGS84 lon/lat). Rounding
    can make a ring touch itself, so polygons are snapped with GEOS (``set_precision``)
    rather than by rounding numbers one by one.
    """
    if decimals > RFC7946_DECIMALS:
        raise ValueError("RFC 7946 output keeps at most 7 decimal places")
    grid = 10.0 ** -decimals
    snapped = shapely.set_precision(geom, grid) if not geom.is_empty else geom
    return _encode(snapped, decimals)


def _coords(seq: Any, decimals: int) -> list[list[float]]:
    return [[round(float(x), decimals), round(float(y), decimals)] for x, y, *_ in seq]


def _encode(geom: BaseGeometry, decimals: int) -> dict[str, Any]:
    if isinstance(geom, Polygon):
        geom = orient(geom, sign=1.0)
        return {"type": "Polygon",
                "coordinates": [_coords(geom.exterior.coords, decimals)]
                + [_coords(r.coords, decimals) for r in geom.interiors]}
    if isinstance(geom, MultiPolygon):
        return {"type": "MultiPolygon",
                "coordinates": [_encode(p, decimals)["coordinates"] for p in geom.geoms]}
    if isinstance(geom, LineString):
        return {"type": "LineString", "coordinates": _coords(geom.coords, decimals)}
    if isinstance(geom, MultiLineString):
        return {"type": "MultiLineString",
                "coordinates": [_coords(g.coords, decimals) for g in geom.geoms]}
    if isinstance(geom, GeometryCollection):
        return {"type": "GeometryCollection",
                "geometries": [_encode(g, decimals) for g in geom.geoms]}
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": _coords(geom.coords, decimals)[0]}
    if geom.geom_type == "MultiPoint":
        return {"type": "MultiPoint",
                "coordinates": [_coords(p.coords, decimals)[0] for p in geom.geoms]}
    raise ValueError(f"cannot encode {geom.geom_type} as GeoJSON")
