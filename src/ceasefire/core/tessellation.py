"""Control areas from per-place control tables (VIINA style): one status per settlement.

A table that says, for each settlement and date, which side controls it gives points, not
areas. The area each point speaks for is its Voronoi cell — the ground nearer to it than
to any other listed settlement — built in the local metric projection (so "nearer" is
distance on the ground) and clipped to the national outline. A side's area is the union of
its settlements' cells. Cells of settlements with any other status (``CONTESTED``, empty)
belong to no side, so both sides are *given* and neither is derived.

The resolution is the settlement spacing: in the front zone cells are several km across,
so a change smaller than a cell is invisible and a change of one settlement moves a whole
cell. Polygon maps (DeepState) are preferred where they exist; this is for sources that
only publish per-place status.

>>> from shapely.geometry import box
>>> from ceasefire.core.territory import NationalTerritory
>>> land = NationalTerritory.build(box(30, 47, 32, 48), [])
>>> areas = control_from_places(land, [30.5, 31.5], [47.5, 47.5], ["UA", "RU"])
>>> round(areas["RU"].bounds[0], 3)  # the cells meet half way between the two places
31.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from ceasefire.core.geodesy import polygonal
from ceasefire.core.territory import SIDES, NationalTerritory

EXTEND_M = 50_000.0
SEGMENT_M = 1_000.0


def normalise_status(value: object) -> str | None:
    """``UA``/``RU`` (any case, surrounding blanks) or ``None`` for anything else."""
    text = str(value).strip().upper() if value is not None else ""
    return text if text in SIDES else None


def control_from_places(territory: NationalTerritory, lons: Sequence[float],
                        lats: Sequence[float], statuses: Sequence[object]
                        ) -> dict[str, MultiPolygon]:
    """Each side's area: the union of the Voronoi cells of the places it controls.

    Places listed twice at one point with different sides count as contested there.
    """
    if not (len(lons) == len(lats) == len(statuses)):
        raise ValueError("lons, lats and statuses must have the same length")
    sides_at: dict[tuple[float, float], set[str | None]] = {}
    for lon, lat, status in zip(lons, lats, statuses, strict=True):
        sides_at.setdefault((float(lon), float(lat)), set()).add(normalise_status(status))
    if not sides_at:
        return {side: MultiPolygon() for side in SIDES}
    points = np.array(list(sides_at), dtype=float)
    owner = [next(iter(s)) if len(s) == 1 else None for s in sides_at.values()]

    projection = territory.projection
    outline_m = projection.forward(territory.outline)
    metric_points = projection.forward(shapely.multipoints(points))
    # a frame well beyond the country, so that no cell stops short of the border
    frame = outline_m.envelope.buffer(EXTEND_M, join_style="mitre")
    if len(points) == 1:
        cells = [frame]
    else:
        cells = list(shapely.voronoi_polygons(metric_points, extend_to=frame,
                                              ordered=True).geoms)
    result: dict[str, MultiPolygon] = {}
    for side in SIDES:
        mine = [cells[i] for i, o in enumerate(owner) if o == side]
        if not mine:
            result[side] = MultiPolygon()
            continue
        # long straight cell edges are curves in lon/lat: add vertices before projecting back
        merged = projection.inverse(shapely.segmentize(shapely.union_all(mine), SEGMENT_M))
        result[side] = territory.clip(polygonal(merged))
    return result
