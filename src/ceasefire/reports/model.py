"""The content of a mission report, as plain data.

:mod:`ceasefire.services.reporting` fills a :class:`MissionReport` from the workspace;
the renderers (:mod:`ceasefire.reports.render`) turn it into HTML, Markdown, JSON or PDF.
Keeping the content apart from the rendering is what lets a test compare the report's
numbers with ``ceasefire findings`` aggregates: both come from the same data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class CountRow:
    """One row of a violations table: a key (party, day, zone or provision) and counts."""

    key: tuple[str, ...]
    counts: dict[str, int]  # verdict or band -> number of findings

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CountTable:
    title: str
    key_names: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[CountRow, ...]


@dataclass(frozen=True)
class SourceLine:
    """A report behind a notable incident, as a reader sees it."""

    source: str
    kind: str
    reliability: str
    credibility: int | None
    observed_at: str
    text: str


@dataclass(frozen=True)
class NotableIncident:
    incident_id: str
    time: str
    lat: float
    lon: float
    category: str
    confidence: float
    band: str
    attributed_party: str | None
    findings: tuple[str, ...]  # "provision: verdict (p=0.83)"
    sources: tuple[SourceLine, ...]


@dataclass(frozen=True)
class ClaimLine:
    claim_id: str
    claimant: str
    statement: str
    verdict: str
    measured: str
    coverage: str
    reason: str


@dataclass(frozen=True)
class AccusationLine:
    """One accusation in the report: what, where, when, its status and why."""

    observed_at: str
    place: str
    what: str
    count: str
    status: str
    basis: str
    confidence: str


@dataclass(frozen=True)
class PublishedTotal:
    """A party's published count for a period, beside its accusations the evidence weighs."""

    claim_id: str
    date: str
    claimant: str
    claimed: str
    period: str
    listed: int
    corroborated: int


@dataclass(frozen=True)
class PartyAccusations:
    """The section "Accusations by each party", for one accusing party."""

    accuser: str
    accused: str
    counts: dict[str, int]
    strongest: tuple[AccusationLine, ...]
    published: tuple[PublishedTotal, ...]


@dataclass(frozen=True)
class MapLayers:
    """Geometries for the offline map (WGS84 lon/lat)."""

    national: BaseGeometry | None = None
    regions: tuple[BaseGeometry, ...] = ()
    controlled: dict[str, BaseGeometry] = field(default_factory=dict)  # side -> area
    contact_line: BaseGeometry | None = None
    gained: BaseGeometry | None = None
    incidents: tuple[tuple[float, float, str], ...] = ()  # lon, lat, band


@dataclass(frozen=True)
class DataSource:
    name: str
    licence: str
    attribution: str


@dataclass(frozen=True)
class MissionReport:
    """Everything one report says."""

    title: str
    agreement_id: str
    agreement_title: str
    agreement_status: str
    window: str
    period_from: str
    period_to: str
    generated_at: str
    workspace: str
    summary: dict[str, Any]
    tables: tuple[CountTable, ...]
    daily_by_party: dict[str, dict[str, int]]  # party -> day -> count of violations
    territory_series: tuple[tuple[str, float], ...]  # (date, occupied km²)
    territory_change: dict[str, float]  # "gained_km2"/"lost_km2" per side
    notable: tuple[NotableIncident, ...]
    claims: tuple[ClaimLine, ...]
    methods: tuple[str, ...]
    data_sources: tuple[DataSource, ...]
    ledger_seq: int
    ledger_hash: str
    map_layers: MapLayers = field(default_factory=MapLayers)
    accusations: tuple[PartyAccusations, ...] = ()
    accusation_notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content (geometries left out: the map is an image in HTML/PDF)."""
        data = asdict(self)
        data.pop("map_layers")
        for table in data["tables"]:
            for row in table["rows"]:
                row["key"] = list(row["key"])
                row["total"] = sum(row["counts"].values())
        return data
