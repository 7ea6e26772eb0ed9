"""Evidence: sources, reports, and the vocabularies they are written in (DESIGN.md).

Pure domain: no files, no database. Readers in ``ceasefire.formats`` turn outside formats
into :class:`Report` s; the store keeps them as rows (see :func:`report_from_row`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "explosion", "shelling", "mlrs", "airstrike", "missile_strike", "drone_strike",
    "small_arms_fire", "ground_assault", "territorial_advance", "weapons_sighting",
    "movement_restriction", "civilian_harm", "infrastructure_damage", "other",
)

# Families of categories that can describe one event (fusion only merges within a family):
# the same strike is reported as "explosion" by one outlet and "missile_strike" by another.
CATEGORY_FAMILY: dict[str, str] = {
    "explosion": "fire", "shelling": "fire", "mlrs": "fire", "airstrike": "fire",
    "missile_strike": "fire", "drone_strike": "fire", "infrastructure_damage": "fire",
    "civilian_harm": "fire",
    "small_arms_fire": "ground", "ground_assault": "ground", "territorial_advance": "ground",
    "weapons_sighting": "sighting",
    "movement_restriction": "access",
    "other": "other",
}

TARGET_CLASSES: tuple[str, ...] = (
    "civilian", "energy", "military", "monitor", "infrastructure", "other",
)
WEAPON_CLASSES: tuple[str, ...] = (
    "small_arms", "mortar", "artillery", "mlrs", "tank", "drone", "missile", "aircraft", "other",
)


class SourceKind(StrEnum):
    MONITOR = "monitor"
    PARTY = "party"
    NEWS = "news"
    SENSOR = "sensor"
    SATELLITE = "satellite"
    CIVIL = "civil"
    OTHER = "other"


# Admiralty (NATO AJP-2.1) source reliability: A completely reliable .. F cannot be judged.
RELIABILITY_GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F")
# Admiralty information credibility: 1 confirmed .. 6 cannot be judged.
CREDIBILITY_GRADES: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
NEUTRAL = "neutral"


@dataclass(frozen=True)
class Source:
    """Who reports. ``origin_group`` joins sources that are not independent of each other."""

    source_id: str
    name: str
    kind: SourceKind
    affiliation: str = NEUTRAL
    reliability: str = "F"
    origin_group: str = ""

    def __post_init__(self) -> None:
        if not self.origin_group:
            object.__setattr__(self, "origin_group", self.source_id)

    @property
    def is_neutral(self) -> bool:
        return self.affiliation == NEUTRAL


@dataclass(frozen=True)
class TimeSpan:
    """When: an instant with ± uncertainty, as epoch seconds (UTC)."""

    start: float
    end: float

    @property
    def mid(self) -> float:
        return (self.start + self.end) / 2

    def overlaps(self, other: TimeSpan, widen_s: float = 0.0) -> bool:
        return self.start - widen_s <= other.end and other.start - widen_s <= self.end


@dataclass(frozen=True)
class Location:
    """Where: a WGS84 point with an uncertainty radius in metres."""

    lat: float
    lon: float
    uncertainty_m: float = 0.0


@dataclass(frozen=True)
class Report:
    """One source's account of something (the canonical report of DESIGN.md)."""

    source_id: str
    report_id: str
    observed_at: str
    time: TimeSpan
    category: str
    location: Location | None = None
    place: str | None = None
    perpetrator: str | None = None
    target_class: str | None = None
    weapon_class: str | None = None
    count: int | None = None
    credibility: int | None = None
    origin: Location | None = None
    event_ref: str | None = None
    text: str | None = None
    evidence_hashes: tuple[str, ...] = ()
    sensitive: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_id, self.report_id)


def report_from_row(row: dict[str, Any]) -> Report:
    """Rebuild a :class:`Report` from a ``reports`` row (as the store returns it)."""
    location = None
    if row.get("lat") is not None and row.get("lon") is not None:
        location = Location(row["lat"], row["lon"], row.get("location_uncertainty_m") or 0.0)
    origin = None
    if row.get("origin_lat") is not None and row.get("origin_lon") is not None:
        origin = Location(row["origin_lat"], row["origin_lon"])
    hashes = tuple(h for h in (row.get("evidence_hashes") or "").split(";") if h)
    return Report(
        source_id=row["source_id"], report_id=row["report_id"], observed_at=row["observed_at"],
        time=TimeSpan(row["t_start"], row["t_end"]), category=row["category"],
        location=location, place=row.get("place"), perpetrator=row.get("perpetrator"),
        target_class=row.get("target_class"), weapon_class=row.get("weapon_class"),
        count=row.get("count"), credibility=row.get("credibility"), origin=origin,
        event_ref=row.get("event_ref"), text=row.get("text"), evidence_hashes=hashes,
        sensitive=bool(row.get("sensitive")),
    )


def source_from_row(row: dict[str, Any]) -> Source:
    return Source(row["source_id"], row["name"], SourceKind(row["kind"]), row["affiliation"],
                  row["reliability"], row["origin_group"])
