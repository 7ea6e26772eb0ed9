"""Public claims reduced to checkable propositions, and their verdicts against the evidence.

A :class:`Claim` is someone's public statement (who, when, the original text and its source)
reduced to one proposition:

- :class:`ControlShare` — "nearly 20 percent of Ukraine is under Russian control";
- :class:`ControlAll` — "the Kursk region is fully liberated";
- :class:`ViolationCount` — "Russia violated the Easter truce 2,935 times";
- :class:`IncidentAt` — "a strike hit the Sumy bus station at 10:15".

The check is pure: the caller *measures* (territory service, incident store) and passes the
measurement, either directly or as a :class:`Measurer`; :func:`check_claim` only judges. Each
:class:`Verdict` carries ``measured`` (the value measured), ``coverage`` (0..1: how much of the
claim the data covers — the share of the region or the time window with data) and a one-line
``reason``; count verdicts add a ``caveat`` when the evidence counts something else than the
claimant. When the data needed is missing, the verdict is ``not_verifiable`` and says why —
never a guess. Qualifier tolerances and verdict rules are documented in docs/claims.md.

>>> claim = Claim("c1", "Reuters", date(2025, 3, 12), Statement("just under a fifth"),
...               ControlShare("UA", "RU", date(2025, 3, 12), 20, "nearly"))
>>> v = check_claim(claim, ShareMeasurement(18.6))
>>> v.verdict, v.measured, v.coverage
('supported', 18.6, 1.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from ceasefire.core.claim_rules import (
    ALL_TOLERANCE,
    CONTRADICTED,
    NOT_VERIFIABLE,
    PARTLY_ALL,
    PARTLY_SUPPORTED,
    QUALIFIERS,
    SUPPORTED,
    count_verdict,
    interval_verdict,
    normalise_qualifier,
    qualifier_verdict,
)

VERDICTS: tuple[str, ...] = (SUPPORTED, CONTRADICTED, PARTLY_SUPPORTED, NOT_VERIFIABLE)
WELL_COVERED = 0.9  # coverage above which absence of evidence may contradict a claim


# ---------------------------------------------------------------- propositions
@dataclass(frozen=True)
class ControlShare:
    """``side`` controls ``qualifier`` ``value_pct`` % of ``region`` on ``on``.

    ``region`` is ``UA`` for the whole country or a region name the territory data knows;
    ``tolerance`` (relative, e.g. 0.1) overrides the qualifier's documented tolerance.
    """

    region: str
    side: str
    on: date
    value_pct: float
    qualifier: str = "exactly"
    tolerance: float | None = None
    type: ClassVar[str] = "control_share"

    def __post_init__(self) -> None:
        object.__setattr__(self, "qualifier", normalise_qualifier(self.qualifier))


@dataclass(frozen=True)
class ControlAll:
    """``side`` controls all of ``area`` on ``on``."""

    area: str
    side: str
    on: date
    type: ClassVar[str] = "control_all"


_SEVERAL = {"several": (2, 9), "several dozen": (20, 99), "dozens": (20, 99),
            "several hundred": (200, 999), "hundreds": (200, 999),
            "several thousand": (2000, 9999), "thousands": (2000, 9999)}


@dataclass(frozen=True)
class ClaimedCount:
    """A claimed number: exact (``low == high``), ``>N`` (``high`` None), a word range, or
    unstated (``low`` None: the claim only says violations happened)."""

    low: int | None
    high: int | None
    text: str

    @classmethod
    def parse(cls, text: str | int | None) -> ClaimedCount:
        """``"2935"``, ``"2,935"``, ``">60"``, ``"at least 30"``, ``"several hundred"``, ``""``."""
        raw = "" if text is None else str(text).strip()
        s = raw.lower().replace(",", "").replace("\u202f", "").replace(" ", " ")
        if not s:
            return cls(None, None, raw)
        if s in _SEVERAL:
            low, high = _SEVERAL[s]
            return cls(low, high, raw)
        m = re.fullmatch(r"(>=|>|≥|more than|over|at least)?\s*(\d+)", s)
        if not m:
            raise ValueError(f"not a count: {raw!r} (use N, >N, 'several hundred' or empty)")
        n = int(m.group(2))
        if m.group(1) in (">", "more than", "over"):
            return cls(n + 1, None, raw)
        if m.group(1):
            return cls(n, None, raw)
        return cls(n, n, raw)

    @property
    def stated(self) -> bool:
        return self.low is not None


@dataclass(frozen=True)
class ViolationCount:
    """``accused`` violated (``truce``) ``claimed`` times between ``start`` and ``end``.

    ``unit`` is what the claimant counts — parties count individual attacks, shots and drone
    uses ("violations"); news-derived evidence counts incidents.
    """

    accused: str
    start: datetime
    end: datetime
    claimed: ClaimedCount
    truce: str | None = None
    unit: str = "violations as counted by the claimant"
    type: ClassVar[str] = "violation_count"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after start {self.start}")


@dataclass(frozen=True)
class IncidentAt:
    """An incident (of ``category``, by ``perpetrator``) at a place within a time window."""

    start: datetime
    end: datetime
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float = 5.0
    category: str | None = None
    perpetrator: str | None = None
    type: ClassVar[str] = "incident_at"


Proposition = ControlShare | ControlAll | ViolationCount | IncidentAt
PROPOSITION_TYPES: dict[str, type] = {
    t.type: t for t in (ControlShare, ControlAll, ViolationCount, IncidentAt)
}


@dataclass(frozen=True)
class Statement:
    """The claim as made: original text, where it was published, its language."""

    text: str
    source_url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Claim:
    """A public statement reduced to one checkable proposition."""

    claim_id: str
    claimant: str
    date: date
    statement: Statement
    proposition: Proposition
    claimant_side: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


# ---------------------------------------------------------------- measurements
@dataclass(frozen=True)
class ShareMeasurement:
    """Share (%) of the region known to be controlled by the side; ``coverage`` = fraction of
    the region's area the data covers. ``share_pct`` None = no data (``note`` says why).

    ``spread_pct`` (percentage points) is how far the share may have moved between the data
    and the claim's date — e.g. for a snapshot some days older than the claim — so the true
    share is taken to lie in ``[share − spread, share + spread + (1 − coverage) × 100]``.
    """

    share_pct: float | None
    coverage: float = 1.0
    note: str = ""
    spread_pct: float = 0.0


@dataclass(frozen=True)
class AreaMeasurement:
    """Fraction (0..1) of the area known to be controlled by the side, with coverage;
    ``spread`` (fraction) as :class:`ShareMeasurement`'s ``spread_pct``."""

    controlled_fraction: float | None
    coverage: float = 1.0
    note: str = ""
    spread: float = 0.0


@dataclass(frozen=True)
class CountMeasurement:
    """Evidence count for the accused in the window.

    ``unit`` names what is counted (``incidents``, ``reports``); ``comparable`` says whether
    it counts the same thing as the claimant; ``coverage`` is the fraction of the window
    (and area) the evidence sources cover; ``caveat`` explains a mismatch.
    """

    count: int | None
    unit: str = "incidents"
    coverage: float = 1.0
    comparable: bool = False
    caveat: str = ""
    note: str = ""


@dataclass(frozen=True)
class IncidentMeasurement:
    """Incidents matching place, time and category, the best match's confidence and party."""

    matches: int | None
    best_confidence: float | None = None
    attributed_party: str | None = None
    coverage: float = 1.0
    note: str = ""


Measurement = ShareMeasurement | AreaMeasurement | CountMeasurement | IncidentMeasurement


@runtime_checkable
class Measurer(Protocol):
    """What a service implements to measure propositions (None when it has no data)."""

    def control_share(self, p: ControlShare) -> ShareMeasurement | None: ...
    def control_all(self, p: ControlAll) -> AreaMeasurement | None: ...
    def violation_count(self, p: ViolationCount) -> CountMeasurement | None: ...
    def incident_at(self, p: IncidentAt) -> IncidentMeasurement | None: ...


@dataclass(frozen=True)
class Verdict:
    """The judgement of one claim: verdict, measured value, coverage (0..1), reason."""

    claim_id: str
    verdict: str
    measured: float | int | None
    coverage: float | None
    reason: str
    proposition: str = ""
    caveat: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``ceasefire claims check --json`` (one object per claim)."""
        return {"claim_id": self.claim_id, "verdict": self.verdict, "measured": self.measured,
                "coverage": self.coverage, "reason": self.reason,
                "proposition": self.proposition, "caveat": self.caveat, **self.details}


# ---------------------------------------------------------------- checks
def _clamp(x: float) -> float:
    return min(max(float(x), 0.0), 1.0)


def _none(claim: Claim, why: str, coverage: float | None = None) -> Verdict:
    return Verdict(claim.claim_id, NOT_VERIFIABLE, None, coverage, why,
                   claim.proposition.type)


def _check_share(claim: Claim, p: ControlShare, m: ShareMeasurement) -> Verdict:
    if m.share_pct is None:
        return _none(claim, m.note or f"no territory data for {p.region} on {p.on}", 0.0)
    c, spread = _clamp(m.coverage), abs(m.spread_pct)
    lo = max(0.0, m.share_pct - spread)
    hi = min(100.0, m.share_pct + spread + (1.0 - c) * 100.0)
    verdict, why = interval_verdict(p.qualifier, p.value_pct, lo, hi, p.tolerance)
    reason = (f"measured {m.share_pct:.1f}% of {p.region} controlled by {p.side} on {p.on}"
              f" vs claimed {p.qualifier.replace('_', ' ')} {p.value_pct:g}%: {why}")
    if c < 1.0:
        reason += f"; data cover {c:.0%} of the region"
    if c < 1.0 or spread:
        reason += f" (true share {lo:.1f}–{hi:.1f}%)"
    if m.note:
        reason += f"; {m.note}"
    return Verdict(claim.claim_id, verdict, round(m.share_pct, 2), c, reason, p.type,
                   details={"unit": "percent", "claimed": p.value_pct,
                            "qualifier": p.qualifier})


def _check_all(claim: Claim, p: ControlAll, m: AreaMeasurement) -> Verdict:
    if m.controlled_fraction is None:
        return _none(claim, m.note or f"no territory data for {p.area} on {p.on}", 0.0)
    c, f = _clamp(m.coverage), m.controlled_fraction
    lo, hi = max(0.0, f - abs(m.spread)), min(1.0, f + abs(m.spread) + (1.0 - c))
    full = 1.0 - ALL_TOLERANCE
    pct = f"{f * 100:.1f}% of {p.area} controlled by {p.side} on {p.on}"
    if lo >= full:
        verdict, why = SUPPORTED, f"{pct}: all of it (tolerance {ALL_TOLERANCE:.1%})"
    elif hi >= full:
        verdict = NOT_VERIFIABLE
        why = (f"{pct}; the data leave {lo * 100:.1f}–{hi * 100:.1f}% (coverage {c:.0%}): "
               "the rest is unknown")
    elif lo >= PARTLY_ALL:
        verdict, why = PARTLY_SUPPORTED, f"{pct}: most but not all"
    else:
        verdict, why = CONTRADICTED, f"{pct}: far from all"
    if m.note:
        why += f"; {m.note}"
    return Verdict(claim.claim_id, verdict, round(f * 100, 2), c, why, p.type,
                   details={"unit": "percent of area"})


def _check_count(claim: Claim, p: ViolationCount, m: CountMeasurement) -> Verdict:
    if m.count is None:
        return _none(claim, m.note or f"no evidence count for {p.accused} in the window", 0.0)
    c, n, k = _clamp(m.coverage), m.count, p.claimed
    where = (f"{n} {m.unit} attributed to {p.accused} in "
             f"{p.start.isoformat(timespec='minutes')} – {p.end.isoformat(timespec='minutes')}")
    details = {"claimed": k.text, "claimed_low": k.low, "claimed_high": k.high,
               "evidence_unit": m.unit, "claim_unit": p.unit}
    caveat: str | None = None
    if not m.comparable:
        caveat = m.caveat or (f"the evidence counts {m.unit}; the claim counts {p.unit}: "
                              "the numbers are not comparable")
    if c < 1.0:
        caveat = (caveat + "; " if caveat else "") + f"evidence covers {c:.0%} of the window"
    if n == 0:
        if m.comparable and c >= WELL_COVERED and k.low:
            verdict, why = CONTRADICTED, f"no {m.unit} found in a well-covered window"
        else:
            verdict, why = NOT_VERIFIABLE, f"no {m.unit} found; absence is not evidence here"
    elif not k.stated:
        verdict, why = SUPPORTED, f"{where}: violations did occur (no number claimed)"
    elif not m.comparable:
        verdict = PARTLY_SUPPORTED
        why = f"{where} support that violations occurred; the claimed {k.text} is not checkable"
    else:
        assert k.low is not None
        verdict, why = count_verdict(n, k.low, k.high, c, WELL_COVERED)
        why = f"{where} vs claimed {k.text}: {why}"
    return Verdict(claim.claim_id, verdict, n, c, why, p.type, caveat, details)


def _check_incident(claim: Claim, p: IncidentAt, m: IncidentMeasurement) -> Verdict:
    if m.matches is None:
        return _none(claim, m.note or "no incident data for the place and time", 0.0)
    c = _clamp(m.coverage)
    where = p.place or (f"{p.lat:.3f},{p.lon:.3f}" if p.lat is not None else "the place")
    if m.matches == 0:
        if c >= WELL_COVERED:
            verdict, why = CONTRADICTED, f"no incident found at {where} in a well-covered window"
        else:
            verdict, why = NOT_VERIFIABLE, f"no incident found at {where}; coverage {c:.0%}"
    elif (m.best_confidence or 0.0) < 0.5:
        verdict = PARTLY_SUPPORTED
        why = f"{m.matches} matching incident(s) at {where}, low confidence"
    elif p.perpetrator and m.attributed_party and m.attributed_party != p.perpetrator:
        verdict = PARTLY_SUPPORTED
        why = f"incident at {where} found but attributed to {m.attributed_party}"
    else:
        verdict = SUPPORTED
        why = f"{m.matches} matching incident(s) at {where}, confidence {m.best_confidence:.2f}"
    return Verdict(claim.claim_id, verdict, m.matches, c, why, p.type,
                   details={"best_confidence": m.best_confidence,
                            "attributed_party": m.attributed_party})


_CHECKS: dict[type, tuple[type, str, Any]] = {
    ControlShare: (ShareMeasurement, "control_share", _check_share),
    ControlAll: (AreaMeasurement, "control_all", _check_all),
    ViolationCount: (CountMeasurement, "violation_count", _check_count),
    IncidentAt: (IncidentMeasurement, "incident_at", _check_incident),
}


def check_claim(claim: Claim, measurement: Measurement | Measurer | None) -> Verdict:
    """Judge ``claim`` given a measurement of its proposition (or a :class:`Measurer`)."""
    p = claim.proposition
    kind, method, check = _CHECKS[type(p)]
    if isinstance(measurement, Measurer):
        measurement = getattr(measurement, method)(p)
    if measurement is None:
        return _none(claim, f"nothing measured for this {p.type} claim", 0.0)
    if not isinstance(measurement, kind):
        raise TypeError(f"{p.type} needs a {kind.__name__}, got {type(measurement).__name__}")
    verdict: Verdict = check(claim, p, measurement)
    return verdict


def check_claims(claims: list[Claim], measurer: Measurer) -> list[Verdict]:
    """:func:`check_claim` for each claim, in order."""
    return [check_claim(c, measurer) for c in claims]


__all__ = [
    "CONTRADICTED", "NOT_VERIFIABLE", "PARTLY_SUPPORTED", "PROPOSITION_TYPES", "QUALIFIERS",
    "SUPPORTED", "VERDICTS", "AreaMeasurement", "Claim", "ClaimedCount", "ControlAll",
    "ControlShare", "CountMeasurement", "IncidentAt", "IncidentMeasurement", "Measurement",
    "Measurer", "Proposition", "ShareMeasurement", "Statement", "Verdict", "ViolationCount",
    "check_claim", "check_claims", "normalise_qualifier", "qualifier_verdict",
]
