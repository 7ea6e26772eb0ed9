"""Attribution of incidents from the workspace's evidence (core: :mod:`ceasefire.core.attribution`).

For each incident this service measures what the pure core weighs:

* ``named``: the perpetrator each member report names, with its source's kind, affiliation
  and origin group. Reports without a stated perpetrator but with a headline (VIINA) are read
  with :func:`ceasefire.core.actors.parse_actor`: the perpetrator *as claimed* by the text;
* ``origin``: which side controlled a report's observed point of origin on that date;
* ``impact_area``: which side controlled the incident's location on its date (the latest
  control snapshot on or before it) and how far behind the contact line it lies;
* ``weapon_class``: the most reported weapon class.

An incident whose every report had its perpetrator read by the headline model gets no impact
item either: the model already weighed who held the place (no double counting).

Points outside the national outline (strikes inside Russia, say) get no impact item: the
bundled boundaries cover Ukraine only, and guessing there would be worse than saying nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import shapely

from ceasefire.core.actors import parse_actors
from ceasefire.core.attribution import NamedPerpetrator, attribute
from ceasefire.core.contact_line import contact_line
from ceasefire.core.geodesy import LocalProjection
from ceasefire.core.territory import ControlMap
from ceasefire.errors import InputError
from ceasefire.services import territory as territory_service
from ceasefire.workspace import Workspace

KYIV = timezone(timedelta(hours=3))  # the theatre's day boundary (EEST) for picking snapshots
Attributed = tuple[str | None, float | None, list[dict[str, Any]] | None]


class ControlCache:
    """Control maps and contact lines per day, loaded once per run.

    ``earliest``: a day before every snapshot gets the earliest one instead of none (the
    headline model's "who held the place" does so: the front moves little against the scale
    of the places headlines name).
    """

    def __init__(self, ws: Workspace, *, earliest: bool = False) -> None:
        self.ws = ws
        self.earliest = earliest
        self.maps: dict[date, ControlMap | None] = {}
        self.lines: dict[date, Any] = {}
        self.available = bool(territory_service.sources(ws))

    def control(self, day: date) -> ControlMap | None:
        if not self.available:
            return None
        if day not in self.maps:
            try:
                self.maps[day] = territory_service.control_on(self.ws, day).control
            except InputError:  # no snapshot on or before that day
                self.maps[day] = None
                if self.earliest:
                    first = min(territory_service.available_dates(
                        self.ws, territory_service.pick_source(self.ws, None)))
                    self.maps[day] = territory_service.control_on(
                        self.ws, date.fromisoformat(first)).control
        return self.maps[day]

    def line(self, control: ControlMap) -> Any:
        if control.date not in self.lines:
            self.lines[control.date] = contact_line(control).geometry
        return self.lines[control.date]


def held_sides(control: ControlMap, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
    """The side holding each point on the map's date; None beyond the national outline."""
    occupied = control.given[control.primary]
    shapely.prepare(occupied)
    inside_ua = shapely.contains_xy(control.territory.outline, lon, lat)
    in_primary = shapely.contains_xy(occupied, lon, lat)
    other = "UA" if control.primary == "RU" else "RU"
    return [(control.primary if p else other) if u else None
            for p, u in zip(in_primary, inside_ua, strict=True)]


def _sides_and_depths(cache: ControlCache, day: date, lat: np.ndarray, lon: np.ndarray
                      ) -> tuple[list[str | None], np.ndarray]:
    control = cache.control(day)
    if control is None:
        return [None] * len(lat), np.zeros(len(lat))
    sides = held_sides(control, lat, lon)
    line = cache.line(control)
    depths = np.zeros(len(lat))
    if not line.is_empty:
        proj = LocalProjection.around(line)
        line_m = proj.forward(line)
        pts = proj.forward(shapely.multipoints(np.column_stack([lon, lat])))
        depths = np.array([line_m.distance(p) / 1000.0 for p in pts.geoms])
    return sides, depths


def _named(reports: Sequence[dict[str, Any]], sources: dict[str, dict[str, Any]],
           parsed: dict[str, str | None]) -> list[NamedPerpetrator]:
    named = []
    for report in reports:
        party = report.get("perpetrator")
        if not party and report.get("text"):
            party = parsed.get(report["text"])
        if party not in ("UA", "RU"):
            continue
        source = sources.get(report["source_id"], {})
        named.append(NamedPerpetrator(
            party, source.get("kind", "other"), source.get("affiliation", "neutral"),
            source.get("origin_group", report["source_id"]), report.get("credibility"),
            f"{report['source_id']}:{report['report_id']}", report.get("perpetrator_probability")))
    return named


def attribute_incidents(ws: Workspace, incidents: Sequence[dict[str, Any]],
                        members: dict[str, list[dict[str, Any]]]) -> dict[str, Attributed]:
    """Attribution per incident id: (party, probability, basis as dicts)."""
    sources = {s["source_id"]: s for s in ws.store.select("sources")}
    cache = ControlCache(ws)
    by_day: dict[date, list[int]] = defaultdict(list)
    for i, inc in enumerate(incidents):
        mid = datetime.fromtimestamp((inc["t_start"] + inc["t_end"]) / 2, tz=KYIV)
        by_day[mid.date()].append(i)
    impact: dict[int, tuple[str | None, float]] = {}
    origin: dict[int, str | None] = {}
    for day, idx in by_day.items():
        lat = np.array([incidents[i]["lat"] for i in idx], dtype=float)
        lon = np.array([incidents[i]["lon"] for i in idx], dtype=float)
        sides, depths = _sides_and_depths(cache, day, lat, lon)
        for k, i in enumerate(idx):
            impact[i] = (sides[k], float(depths[k]))
        with_origin = [(i, r) for i in idx for r in members.get(incidents[i]["incident_id"], [])
                       if r.get("origin_lat") is not None and r.get("origin_lon") is not None]
        if with_origin:
            o_sides, _ = _sides_and_depths(
                cache, day, np.array([r["origin_lat"] for _, r in with_origin]),
                np.array([r["origin_lon"] for _, r in with_origin]))
            for (i, _), side in zip(with_origin, o_sides, strict=True):
                origin.setdefault(i, side)
    # headlines repeat across reports: parse each distinct one once
    texts = sorted({r["text"] for rs in members.values() for r in rs
                    if r.get("text") and not r.get("perpetrator")})
    parsed = dict(zip(texts, (m.party for m in parse_actors(texts)), strict=True))
    result: dict[str, Attributed] = {}
    for i, inc in enumerate(incidents):
        reports = members.get(inc["incident_id"], [])
        weapons = Counter(r["weapon_class"] for r in reports if r.get("weapon_class"))
        side, depth = impact.get(i, (None, 0.0))
        if reports and all(r.get("perpetrator_probability") is not None for r in reports):
            # every member's perpetrator was read by the headline model, which already weighed
            # who held the place that day: the impact area would count the same fact twice
            # (and VIINA puts a region named in a headline on one town of it)
            side = None
        attribution = attribute(
            named=_named(reports, sources, parsed), origin_side=origin.get(i),
            impact_side=side, impact_distance_km=depth if side else None,
            weapon_class=weapons.most_common(1)[0][0] if weapons else None)
        basis = [{"kind": b.kind, "party": b.party, "weight": round(b.weight, 4),
                  "reason": b.reason} for b in attribution.basis]
        if attribution.party is None:
            result[inc["incident_id"]] = (None, None, basis or None)
        else:
            result[inc["incident_id"]] = (attribution.party, attribution.probability, basis)
    return result
