"""Agreements as checkable terms: parties, window, zones, provisions and positions.

Pure domain (no files, no database): :mod:`ceasefire.formats.agreement_yaml` reads the YAML
format into these frozen dataclasses, and compliance (incidents × provisions) reads them
through the helpers on :class:`Agreement`::

    start, end = agreement.window_for("UA")          # aware datetimes (end None = open)
    for provision in agreement.provisions_binding("RU"):
        zone = agreement.zone(provision.zone) if provision.zone else None

Times are always timezone-aware: an agreement states its start "from 00:00 Moscow time", and
a window without an offset would be ambiguous by up to three hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

STATUSES: tuple[str, ...] = ("proposed", "in_force", "expired", "collapsed")
ROLES: tuple[str, ...] = ("party", "signatory", "mediator", "guarantor", "monitor")
STANCES: tuple[str, ...] = ("proposed", "accepted", "rejected", "conditional")
PROVISION_KINDS: tuple[str, ...] = ("prohibition", "withdrawal", "no_advance", "access",
                                    "commitment")
ZONE_KINDS: tuple[str, ...] = ("geojson", "national", "contact_line_buffer", "anywhere")
COMMITMENT_STATUSES: tuple[str, ...] = ("pending", "in_progress", "fulfilled", "breached",
                                        "unknown")
BUFFER_SIDE_BOTH = "both"

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


# -- time helpers ---------------------------------------------------------------------------
def parse_duration(text: str) -> dict[str, int]:
    """Parse an ISO 8601 duration (``P30D``, ``PT54H``, ``P1M``) into its parts.

    Raises ``ValueError`` for anything else (fractions and negative durations included).

    >>> parse_duration("P30D")["days"]
    30
    """
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration (e.g. P30D, PT54H, P1M)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if not any(parts.values()):
        raise ValueError(f"{text!r} is a zero duration")
    return parts


def add_duration(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO 8601 duration; years and months are calendar steps.

    >>> add_duration(datetime(2025, 3, 18, tzinfo=UTC), "P30D").isoformat()
    '2025-04-17T00:00:00+00:00'
    """
    parts = parse_duration(duration)
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    if months:
        total = start.month - 1 + months
        year, month = start.year + total // 12, total % 12 + 1
        day = min(start.day, _days_in_month(year, month))
        start = start.replace(year=year, month=month, day=day)
    return start + timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0),
                             hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                             seconds=parts.get("seconds", 0))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date-time that carries a UTC offset (``Z`` or ``+03:00``).

    >>> parse_instant("2025-04-19T18:00:00+03:00").astimezone(UTC).hour
    15
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date-time")  # noqa: TRY004 (pydantic wants ValueError)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time "
                         "(e.g. 2025-03-18T00:00:00+03:00)") from None
    if value.tzinfo is None or value.utcoffset() is None:
        example = text.strip() if "T" in text or " " in text.strip() else f"{text.strip()}T00:00:00"
        raise ValueError(f"{text!r} has no UTC offset: write e.g. {example}+03:00")
    return value


def parse_day(text: str) -> date:
    """Parse a calendar date ``YYYY-MM-DD``."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date")  # noqa: TRY004
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def epoch(value: datetime) -> float:
    """Epoch seconds of an aware datetime (the store's t_start/t_end)."""
    return value.timestamp()


def utc_text(value: datetime) -> str:
    """The store's UTC text form: ``2025-04-19T15:00:00Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- the model ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Party:
    """A party, signatory or mediator: an id, names per language and aliases.

    Aliases let claims and reports that name a side ("ВСУ", "Russian forces") resolve to it.
    """

    id: str
    names: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    role: str = "party"

    @property
    def name(self) -> str:
        return self.names.get("en") or next(iter(self.names.values()), self.id)

    def known_as(self, text: str) -> bool:
        """Whether ``text`` names this party (id, any name or alias; case-insensitive)."""
        needle = text.strip().casefold()
        return needle in {s.casefold() for s in (self.id, *self.names.values(), *self.aliases)}


@dataclass(frozen=True)
class Window:
    """When terms apply: a start with an offset, and an end (``None``: open-ended).

    ``party_starts`` holds per-party starts where the parties count differently (Ukraine
    counts the 2025 energy moratorium from 25 Mar, Russia from 18 Mar). When the window was
    given as a duration, a party's end is its own start plus that duration; a fixed ``end``
    is shared by every party.
    """

    start: datetime
    end: datetime | None = None
    duration: str | None = None
    party_starts: Mapping[str, datetime] = field(default_factory=dict)
    note: str | None = None

    def __post_init__(self) -> None:
        if self.end is None and self.duration is not None:
            object.__setattr__(self, "end", add_duration(self.start, self.duration))

    def for_party(self, party: str | None) -> tuple[datetime, datetime | None]:
        start = self.party_starts.get(party, self.start) if party else self.start
        if self.duration is not None:
            return start, add_duration(start, self.duration)
        return start, self.end

    def contains(self, when: datetime, party: str | None = None) -> bool:
        start, end = self.for_party(party)
        return start <= when and (end is None or when < end)


@dataclass(frozen=True)
class Zone:
    """Where terms apply.

    ``geojson``: a polygon (``geometry`` as a GeoJSON mapping, ``path`` where it came from);
    ``national``: the territory of ``country`` (ISO 3166-1 alpha-2);
    ``contact_line_buffer``: within ``distance_km`` of the contact line, on ``side``'s side or
    ``both``; ``anywhere``: no spatial limit.
    """

    id: str
    kind: str
    description: str | None = None
    path: str | None = None
    geometry: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    country: str | None = None
    distance_km: float | None = None
    side: str | None = None

    def shape(self) -> Any:
        """The shapely geometry of a ``geojson`` zone (``None`` for the other kinds)."""
        if self.geometry is None:
            return None
        from shapely.geometry import shape

        return shape(self.geometry)


@dataclass(frozen=True)
class Position:
    """One party's stance on one provision, when it said so, where, and on what condition."""

    party: str
    stance: str
    date: date | None = None
    source: str | None = None
    condition: str | None = None

    def label(self) -> str:
        """A short cell text: ``accepted 2025-03-11``, ``conditional: <condition>``."""
        text = self.stance + (f" {self.date.isoformat()}" if self.date else "")
        return f"{text}: {self.condition}" if self.condition else text


@dataclass(frozen=True, kw_only=True)
class Provision:
    """One clause. Subclasses per kind carry that kind's parameters."""

    kind: ClassVar[str] = ""
    id: str
    text: str
    binds: tuple[str, ...]
    zone: str | None = None
    window: Window | None = None
    positions: tuple[Position, ...] = ()
    note: str | None = None

    def position_of(self, party: str) -> Position | None:
        for position in self.positions:
            if position.party == party:
                return position
        return None


@dataclass(frozen=True, kw_only=True)
class Prohibition(Provision):
    """Activities that must not happen. An empty tuple places no limit on that dimension."""

    kind: ClassVar[str] = "prohibition"
    categories: tuple[str, ...] = ()
    weapon_classes: tuple[str, ...] = ()
    target_classes: tuple[str, ...] = ()

    def covers(self, category: str | None, weapon_class: str | None = None,
               target_class: str | None = None) -> bool:
        """Whether an incident of this kind falls under the prohibition's activities."""
        return all(not allowed or value in allowed for allowed, value in (
            (self.categories, category), (self.weapon_classes, weapon_class),
            (self.target_classes, target_class)))


@dataclass(frozen=True, kw_only=True)
class Withdrawal(Provision):
    """A weapon class must stay beyond ``distance_km`` from the contact line."""

    kind: ClassVar[str] = "withdrawal"
    weapon_class: str
    distance_km: float
    min_calibre_mm: float | None = None
    systems: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoAdvance(Provision):
    """The contact line is frozen at the start; gains beyond ``tolerance_km2`` violate it."""

    kind: ClassVar[str] = "no_advance"
    tolerance_km2: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Access(Provision):
    """Freedom of movement for monitors; restrictions of it are violations."""

    kind: ClassVar[str] = "access"
    categories: tuple[str, ...] = ("movement_restriction",)
    beneficiaries: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Commitment(Provision):
    """A dated duty or guarantee, tracked by status and evidence (not by incidents)."""

    kind: ClassVar[str] = "commitment"
    due: date | None = None
    status: str = "pending"
    evidence: tuple[str, ...] = ()


PROVISION_CLASSES: dict[str, type[Provision]] = {
    cls.kind: cls for cls in (Prohibition, Withdrawal, NoAdvance, Access, Commitment)
}


@dataclass(frozen=True)
class Citation:
    """A public source the agreement file cites (positions refer to it by ``id``)."""

    id: str
    title: str
    url: str | None = None
    publisher: str | None = None
    date: date | None = None


@dataclass(frozen=True)
class Agreement:
    """A ceasefire or truce made machine-checkable; one version of it.

    Amendments are new versions with the same ``id``, a higher ``version`` and their own
    ``effective_at``.
    """

    id: str
    title: str
    status: str
    parties: tuple[Party, ...]
    window: Window
    provisions: tuple[Provision, ...]
    mediators: tuple[Party, ...] = ()
    zones: tuple[Zone, ...] = ()
    sources: tuple[Citation, ...] = ()
    version: int = 1
    effective_at: datetime | None = None
    description: str | None = None

    # -- look-ups ----------------------------------------------------------------------
    @property
    def actors(self) -> tuple[Party, ...]:
        """Parties then mediators: everyone who can hold a position."""
        return self.parties + self.mediators

    @property
    def effective(self) -> datetime:
        """When this version takes effect (default: the window start)."""
        return self.effective_at or self.window.start

    def party(self, party_id: str) -> Party:
        for actor in self.actors:
            if actor.id == party_id:
                return actor
        raise KeyError(party_id)

    def resolve_party(self, text: str) -> str | None:
        """The id of the party or mediator ``text`` names (id, name or alias), if any."""
        for actor in self.actors:
            if actor.known_as(text):
                return actor.id
        return None

    def zone(self, zone_id: str) -> Zone:
        for zone in self.zones:
            if zone.id == zone_id:
                return zone
        raise KeyError(zone_id)

    def provision(self, provision_id: str) -> Provision:
        for provision in self.provisions:
            if provision.id == provision_id:
                return provision
        raise KeyError(provision_id)

    def provisions_binding(self, party: str) -> tuple[Provision, ...]:
        return tuple(p for p in self.provisions if party in p.binds)

    # -- windows -----------------------------------------------------------------------
    def window_for(self, party: str | None = None,
                   provision: Provision | str | None = None) -> tuple[datetime, datetime | None]:
        """The (start, end) a party is held to, for the agreement or for one provision.

        A provision's own window overrides the agreement's; a provision window without an
        end ends with the agreement (for that party).
        """
        if isinstance(provision, str):
            provision = self.provision(provision)
        start, end = self.window.for_party(party)
        if provision is not None and provision.window is not None:
            p_start, p_end = provision.window.for_party(party)
            return p_start, p_end if p_end is not None else end
        return start, end

    def window_epoch(self, party: str | None = None,
                     provision: Provision | str | None = None) -> tuple[float, float]:
        """:meth:`window_for` as epoch seconds; an open end is ``inf``."""
        start, end = self.window_for(party, provision)
        return epoch(start), (epoch(end) if end is not None else float("inf"))

    # -- positions ---------------------------------------------------------------------
    def position_matrix(self) -> list[tuple[Provision, dict[str, Position | None]]]:
        """Provision × actor (parties and mediators that hold any position)."""
        holders = [a.id for a in self.actors
                   if any(p.position_of(a.id) for p in self.provisions)]
        return [(p, {a: p.position_of(a) for a in holders}) for p in self.provisions]
