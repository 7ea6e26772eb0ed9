"""The scoring profile: every tunable number of fusion and confidence, with its default.

One declaration of each default lives here (docs/scoring.md lists them). A workspace
overrides any of them in the ``[scoring]`` table of ``ceasefire.toml``; the free-form table
is validated by :func:`profile_from_settings`, so a typo is an :class:`InputError` naming the
field, not a silently ignored setting::

    [scoring]
    window_h = 6                      # default time window of every category
    radius_km = 25                    # default radius of every category
    windows_h = { shelling = 2 }      # per-category overrides
    radii_km = { shelling = 5, small_arms_fire = 3 }
    accusation_factor = 0.5

Why per-category numbers: a front-line shelling report and a report of the same shelling
from a town 20 km away are not the same event, while a missile strike is seen and reported
across a whole city; one radius for every category either merges the front or splits the
city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ceasefire.core.evidence import CATEGORIES, CREDIBILITY_GRADES, RELIABILITY_GRADES
from ceasefire.errors import InputError

# Front-line fire is dense and locally reported: a small radius keeps separate events apart.
DEFAULT_RADII_KM: dict[str, float] = {
    "shelling": 3.0, "small_arms_fire": 2.0, "ground_assault": 4.0, "mlrs": 5.0,
    "drone_strike": 5.0, "airstrike": 8.0, "explosion": 10.0, "infrastructure_damage": 15.0,
    "territorial_advance": 10.0,
}
# The window is slack beyond each report's declared time uncertainty (which is used too).
DEFAULT_WINDOWS_H: dict[str, float] = {
    "shelling": 2.0, "small_arms_fire": 1.0, "ground_assault": 3.0, "mlrs": 2.0,
    "drone_strike": 2.0, "airstrike": 3.0, "explosion": 3.0, "territorial_advance": 24.0,
}

# Admiralty reliability → probability that a report of the source is true (before the
# report's own credibility). F "cannot be judged" is uninformative: 0.5.
DEFAULT_RELIABILITY_P: dict[str, float] = {
    "A": 0.95, "B": 0.85, "C": 0.70, "D": 0.55, "E": 0.35, "F": 0.50,
}
# Admiralty credibility → multiplier of the odds (1 confirmed by other sources .. 5
# improbable; 6 "cannot be judged" changes nothing).
DEFAULT_CREDIBILITY_ODDS: dict[int, float] = {1: 3.0, 2: 1.8, 3: 1.0, 4: 0.6, 5: 0.3, 6: 1.0}

BANDS: tuple[str, ...] = ("confirmed", "high", "moderate", "possible")


class ScoringProfile(BaseModel):
    """Validated scoring parameters (pydantic: this is the schema of ``[scoring]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_h: float = Field(
        default=6.0, gt=0, description="Default time window per category (hours).")
    radius_km: float = Field(
        default=25.0, gt=0, description="Default spatial radius per category (km).")
    windows_h: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WINDOWS_H),
                                        description="Per-category time windows (hours).")
    radii_km: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_RADII_KM),
                                       description="Per-category radii (km).")
    min_location_uncertainty_m: float = Field(
        default=100.0, ge=0, description="Floor of a report's location uncertainty (metres).")
    reliability_p: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_RELIABILITY_P),
        description="Admiralty reliability A-F -> probability a report is true.")
    credibility_odds: dict[int, float] = Field(
        default_factory=lambda: dict(DEFAULT_CREDIBILITY_ODDS),
        description="Admiralty credibility 1-6 -> odds multiplier.")
    accusation_factor: float = Field(
        default=0.5, gt=0, le=1,
        description="Odds multiplier of a party accusing its adversary.")
    admission_p: float = Field(
        default=0.97, gt=0.5, lt=1,
        description="Probability of a party's admission (perpetrator is its own side): at "
        "least this.")
    prior: float = Field(
        default=0.5, gt=0, lt=1,
        description="Base rate an incident is real, before any report: the log-odds sum "
        "starts here.")
    expected_groups: int = Field(
        default=3, ge=1,
        description="Independent origin groups a real event is expected to draw.")
    silence_odds: float = Field(
        default=0.3, gt=0, le=1,
        description="Odds multiplier per expected origin group that did not report: real "
        "events draw independent reports, so silence is evidence too.")
    min_event_probability: float = Field(
        default=0.5, ge=0, le=1,
        description="A report whose event probability (the headline model's) is below this "
        "is a likely non-event: fusion links it to nothing, and assessment makes no finding "
        "of an incident below it.")
    max_report_p: float = Field(
        default=0.99, gt=0.5, lt=1, description="Cap of one report's probability.")
    band_confirmed: float = Field(
        default=0.95, gt=0, lt=1, description="Lower bound of 'confirmed'.")
    band_high: float = Field(default=0.80, gt=0, lt=1, description="Lower bound of 'high'.")
    band_moderate: float = Field(
        default=0.50, gt=0, lt=1, description="Lower bound of 'moderate'.")

    @field_validator("windows_h", "radii_km")
    @classmethod
    def _known_categories(cls, value: dict[str, float]) -> dict[str, float]:
        for cat, number in value.items():
            if cat not in CATEGORIES:
                raise ValueError(f"unknown category {cat!r} (known: {', '.join(CATEGORIES)})")
            if number <= 0:
                raise ValueError(f"{cat}: must be > 0")
        return value

    @field_validator("reliability_p")
    @classmethod
    def _all_grades(cls, value: dict[str, float]) -> dict[str, float]:
        merged = {**DEFAULT_RELIABILITY_P, **value}
        for grade, p in merged.items():
            if grade not in RELIABILITY_GRADES:
                raise ValueError(f"unknown reliability grade {grade!r}")
            if not 0 < p < 1:
                raise ValueError(f"{grade}: probability must be strictly between 0 and 1")
        return merged

    @field_validator("credibility_odds")
    @classmethod
    def _all_credibility(cls, value: dict[int, float]) -> dict[int, float]:
        merged = {**DEFAULT_CREDIBILITY_ODDS, **{int(k): v for k, v in value.items()}}
        for grade, factor in merged.items():
            if grade not in CREDIBILITY_GRADES or factor <= 0:
                raise ValueError(f"credibility {grade}: grade must be 1-6 and factor > 0")
        return merged

    @model_validator(mode="after")
    def _ordered_bands(self) -> ScoringProfile:
        if not self.band_confirmed > self.band_high > self.band_moderate:
            raise ValueError("bands must satisfy band_confirmed > band_high > band_moderate")
        return self

    # -- per-category lookups -----------------------------------------------------------------
    def window_s(self, category: str) -> float:
        """The time window of a category, in seconds."""
        return self.windows_h.get(category, self.window_h) * 3600.0

    def radius_m(self, category: str) -> float:
        """The spatial radius of a category, in metres."""
        return self.radii_km.get(category, self.radius_km) * 1000.0

    def band(self, probability: float, *, confirmable: bool) -> str:
        """The band of a combined probability. ``confirmed`` also needs ``confirmable``: a
        neutral monitor's own observation or two independent origin groups."""
        if probability >= self.band_confirmed and confirmable:
            return "confirmed"
        if probability >= self.band_high:
            return "high"
        if probability >= self.band_moderate:
            return "moderate"
        return "possible"

    def category_tables(self) -> CategoryTables:
        """Window and radius of every category, as arrays-ready tuples (CATEGORIES order)."""
        return CategoryTables(
            window_s=MappingProxyType({c: self.window_s(c) for c in CATEGORIES}),
            radius_m=MappingProxyType({c: self.radius_m(c) for c in CATEGORIES}),
        )


@dataclass(frozen=True)
class CategoryTables:
    """Per-category window and radius, resolved once for vectorized fusion."""

    window_s: Mapping[str, float] = field(default_factory=dict)
    radius_m: Mapping[str, float] = field(default_factory=dict)


DEFAULT_PROFILE = ScoringProfile()


def profile_from_settings(scoring: Mapping[str, Any] | None,
                          file: str = "ceasefire.toml") -> ScoringProfile:
    """Build the profile from a workspace's ``[scoring]`` table (``ws.settings.scoring``).

    Per-category tables are merged over the defaults (overriding ``shelling`` keeps the
    other categories' defaults). Bad values raise :class:`InputError` naming the field.

    >>> profile_from_settings({"radii_km": {"shelling": 4}}).radius_m("shelling")
    4000.0
    >>> profile_from_settings({}).radius_m("missile_strike")
    25000.0
    """
    raw = dict(scoring or {})
    for key, defaults in (("windows_h", DEFAULT_WINDOWS_H), ("radii_km", DEFAULT_RADII_KM)):
        if key in raw:
            if not isinstance(raw[key], Mapping):
                raise InputError("must be a table of category = number", file=file,
                                 field=f"scoring.{key}")
            raw[key] = {**defaults, **raw[key]}
    try:
        return ScoringProfile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        from ceasefire.errors import Problem

        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.append(Problem(file, err["msg"], field=f"scoring.{loc}" if loc else "scoring"))
        raise InputError(problems=problems) from exc
