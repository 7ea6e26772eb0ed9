"""Accusations: a party's report naming its adversary as perpetrator, weighed against the rest.

Pure domain: no files, no database (the service loads the rows). An accusation's status:

* **corroborated** — its fused incident also holds a report of an *independent* source:
  another origin group, affiliated with neither the accuser nor the accused;
* **contradicted** — an independent source named *another* perpetrator for the same incident
  (from a report placed within :data:`PRECISE_M`);
  or an independent source *covered* the place and kind of event around that time (at least
  :data:`COVER_MIN` reports of the same category family whose areas meet the accusation's,
  within :data:`COVER_DAYS` days either side) and reported nothing that overlaps the
  accusation's time there (a day at least). Silence is weak evidence (a news source does not report every
  intercepted drone), so the basis always says which kind of contradiction it is;
* **standing alone** — neither: nobody independent reported it, and nobody independent was
  watching closely enough for their silence to count.

A party's accusation scores low on its own by design: confidence multiplies its odds by the
profile's ``accusation_factor`` (parties have a motive to accuse) and counts the silence of
the other origin groups (see :mod:`ceasefire.core.confidence`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ceasefire.core.evidence import CATEGORY_FAMILY

CORROBORATED = "corroborated"
CONTRADICTED = "contradicted"
STANDING_ALONE = "standing alone"
STATUSES = (CORROBORATED, CONTRADICTED, STANDING_ALONE)
COVER_MIN = 3
COVER_DAYS = 3.0
PRECISE_M = 25_000.0
SILENCE_MIN_HALF_S = 12 * 3600.0
EARTH_M = 6_371_008.8


@dataclass(frozen=True)
class Located:
    """What the status rules need of a report: where, when, what, who."""

    lat: float
    lon: float
    radius_m: float
    t_start: float
    t_end: float
    category: str
    origin_group: str
    affiliation: str
    perpetrator: str | None = None
    source_id: str = ""


@dataclass(frozen=True)
class Status:
    status: str
    basis: str


def distance_m(a: Located, b: Located) -> float:
    """Great-circle distance between two report points (metres)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def independent(of: Located, other: Located, accused: str) -> bool:
    """Another origin group, affiliated with neither the accuser nor the accused (the
    accused party's own reports neither corroborate nor refute an accusation against it)."""
    return (other.origin_group != of.origin_group
            and other.affiliation not in (of.affiliation, accused))


def status(accusation: Located, accused: str, co_reports: Sequence[Located],
           nearby: Sequence[Located]) -> Status:
    """The status of one accusation.

    ``co_reports``: the other reports of its fused incident; ``nearby``: reports of other
    sources around it (the service preselects by time; this checks place and family).
    """
    others = [r for r in co_reports if independent(accusation, r, accused)]
    # another author counts only from a report that places its event precisely: a wide area
    # (a whole oblast) fuses with many events that are not this one
    authors = sorted({r.perpetrator for r in others if r.perpetrator not in (None, accused)
                      and r.radius_m <= PRECISE_M})
    if authors:
        return Status(CONTRADICTED, f"an independent source names {', '.join(authors)} as "
                                    "perpetrator of the same incident")
    if others:
        groups = sorted({r.origin_group for r in others})
        return Status(CORROBORATED, f"the incident also holds reports of {', '.join(groups)}")
    return _silence(accusation, accused, nearby)


def _silence(accusation: Located, accused: str, nearby: Sequence[Located]) -> Status:
    family = CATEGORY_FAMILY.get(accusation.category, "other")
    span = COVER_DAYS * 86400.0
    watched: dict[str, list[Located]] = {}
    for r in nearby:
        if not independent(accusation, r, accused) or CATEGORY_FAMILY.get(r.category) != family:
            continue
        if r.t_end < accusation.t_start - span or r.t_start > accusation.t_end + span:
            continue
        if distance_m(accusation, r) <= accusation.radius_m + r.radius_m:
            watched.setdefault(r.origin_group, []).append(r)
    # silence is judged on a day at least: news is dated to the day or the hour, so a claim
    # of "13.50 to 14.05" would otherwise find every report "silent"
    middle = (accusation.t_start + accusation.t_end) / 2
    lo = min(accusation.t_start, middle - SILENCE_MIN_HALF_S)
    hi = max(accusation.t_end, middle + SILENCE_MIN_HALF_S)
    for group, seen in sorted(watched.items()):
        if len(seen) < COVER_MIN:
            continue
        if not any(r.t_end >= lo and r.t_start <= hi for r in seen):
            return Status(CONTRADICTED, f"{group} reported {len(seen)} events of this kind in "
                                        f"the area within {COVER_DAYS:g} days but none at this "
                                        "time (silence: weak evidence)")
    if watched:
        return Status(STANDING_ALONE, "independent sources reported in the area around that "
                                      "time, but nothing fused with this report")
    return Status(STANDING_ALONE, "no independent source reported in this area at this time")


def located(row: Mapping[str, Any], source: Mapping[str, Any]) -> Located:
    """A :class:`Located` from a ``reports`` row and its ``sources`` row."""
    return Located(float(row["lat"]), float(row["lon"]),
                   float(row.get("location_uncertainty_m") or 0.0), float(row["t_start"]),
                   float(row["t_end"]), row["category"], source.get("origin_group") or
                   row["source_id"], source.get("affiliation") or "neutral",
                   row.get("perpetrator"), row["source_id"])
