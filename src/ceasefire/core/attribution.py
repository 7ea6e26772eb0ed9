"""Who is responsible for an incident: a party, a probability and the basis (DESIGN.md).

Each piece of evidence becomes a :class:`BasisItem` — a kind, the party it points to, a weight
and a stated reason — and the weights are added in **log-odds** over the two parties. Log-odds
is used (not a vote or a max) because independent pieces of evidence multiply odds: a neutral
monitor naming RU and an impact deep inside UA-held ground together are stronger than either,
and a weak accusation in the other direction only trims the result. The weight of an item is
the log of the likelihood ratio it is worth; the defaults below are stated, judgement-based
numbers (see :class:`AttributionWeights`) that a scoring profile may override.

Evidence kinds:

``named``
    the perpetrator a report names, weighted by who names it: a neutral monitor strongly, a
    party admitting its own act strongly, news moderately, a party accusing its adversary
    weakly. Reports of one origin group count once (the strongest), as for confidence.
``origin``
    an observed point of origin of fire inside one side's control (the caller says which side
    controls the origin point, e.g. from the territory snapshot of that date).
``impact_area``
    the side controlling the impact area and how deep inside it the impact lies: fire landing
    deep inside one side's territory is most likely the adversary's; at the contact line it
    says little (both sides fire there, and short rounds happen).
``weapon_class``
    a prior per weapon class and party for the theatre (e.g. only one side flies strike
    aircraft over the front). Neutral by default: no theatre knowledge is assumed.

Pure functions over plain inputs: no store, no geometry — the caller measures.

>>> a = attribute(named=[NamedPerpetrator("RU", "monitor", "neutral", "osce")])
>>> a.party, round(a.probability, 2)
('RU', 0.88)
>>> attribute().party is None
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

NAMED = "named"
ORIGIN = "origin"
IMPACT_AREA = "impact_area"
WEAPON_CLASS = "weapon_class"
BASIS_KINDS: tuple[str, ...] = (NAMED, ORIGIN, IMPACT_AREA, WEAPON_CLASS)
DEFAULT_PARTIES: tuple[str, str] = ("UA", "RU")
NEUTRAL = "neutral"


@dataclass(frozen=True)
class AttributionWeights:
    """Log-odds weights of each kind of evidence (natural log; 1.0 ≈ odds × 2.7).

    Defaults and why:

    - ``named_by_kind``: a neutral monitor's own attribution 2.0 (≈ 88 %); sensor/satellite
      1.5; news 0.85 (≈ 70 %: outlets relay a side's account more often than they verify it);
      civil 0.6; other 0.4.
    - ``named_admission`` 3.0 (≈ 95 %): a party rarely admits an act it did not commit.
    - ``named_accusation`` 0.4 (≈ 60 %): each side accuses the other of nearly everything,
      so an accusation alone moves the odds only a little.
    - ``named_read_max`` 3.0: a party read from a headline by the screening model weighs its
      calibrated log-odds (p = 0.9 → 2.2), at most this (≈ 95 %): the model is measured
      against readers' labels of who acted (docs/scoring.md), so its probability already
      says how far the text can be trusted on that question.
    - ``credibility_factor``: Admiralty credibility 1 (confirmed) .. 6 (cannot be judged)
      scales a named item's weight.
    - ``origin`` 2.5 (≈ 92 %): fire observed leaving one side's ground is that side's.
    - ``impact_max`` 2.5 and ``impact_scale_km`` 15: the impact-area weight grows with depth
      ``d`` behind the contact line as ``impact_max × (1 − exp(−d / impact_scale_km))``:
      0 at the line, ≈ 0.7 at 5 km, ≈ 1.8 at 20 km, ≈ 2.5 beyond 60 km.
    - ``weapon_priors``: ``{weapon_class: {party: log-odds}}``, empty = neutral.
    """

    named_by_kind: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({
        "monitor": 2.0, "sensor": 1.5, "satellite": 1.5, "news": 0.85, "civil": 0.6,
        "other": 0.4, "party": 0.4,
    }))
    named_admission: float = 3.0
    named_accusation: float = 0.4
    named_read_max: float = 3.0
    credibility_factor: Mapping[int, float] = field(default_factory=lambda: MappingProxyType({
        1: 1.0, 2: 0.9, 3: 0.75, 4: 0.5, 5: 0.2, 6: 0.6,
    }))
    origin: float = 2.5
    impact_max: float = 2.5
    impact_scale_km: float = 15.0
    weapon_priors: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AttributionWeights:
        """Weights from a scoring-profile section; unknown keys are an error (typos)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown attribution weight(s): {', '.join(sorted(unknown))}")
        return cls(**dict(data))


DEFAULT_WEIGHTS = AttributionWeights()


@dataclass(frozen=True)
class NamedPerpetrator:
    """A report's claim of who did it, with who makes the claim.

    ``source_kind`` is a :class:`~ceasefire.core.evidence.SourceKind` value, ``affiliation``
    ``neutral`` or a party id; ``origin_group`` joins reports that are not independent.
    """

    party: str
    source_kind: str
    affiliation: str = NEUTRAL
    origin_group: str = ""
    credibility: int | None = None
    report: str = ""  # the report's global id, for the reason
    #: how sure the reading of the text is (the headline model's probability of this party),
    #: None when the source itself stated the perpetrator
    probability: float | None = None


@dataclass(frozen=True)
class BasisItem:
    """One piece of evidence: ``weight`` is log-odds in favour of ``party`` (≥ 0)."""

    kind: str
    party: str | None
    weight: float
    reason: str

    def as_tuple(self) -> tuple[str, str | None, float, str]:
        return (self.kind, self.party, self.weight, self.reason)


@dataclass(frozen=True)
class Attribution:
    """The attributed party (None when undetermined), its probability, and the basis."""

    party: str | None
    probability: float
    basis: tuple[BasisItem, ...] = ()
    log_odds: float = 0.0

    @property
    def undetermined(self) -> bool:
        return self.party is None

    @property
    def band(self) -> str:
        """``strong`` ≥ 0.9, ``moderate`` ≥ 0.75, ``weak`` > 0.5, else ``undetermined``."""
        if self.party is None:
            return "undetermined"
        if self.probability >= 0.9:
            return "strong"
        if self.probability >= 0.75:
            return "moderate"
        return "weak"

    @property
    def rationale(self) -> str:
        """One line: the verdict followed by each basis reason."""
        head = ("responsibility undetermined" if self.party is None
                else f"{self.party} responsible with p={self.probability:.2f} ({self.band})")
        reasons = "; ".join(b.reason for b in self.basis if b.weight > 0)
        return f"{head}: {reasons}" if reasons else head


def adversary(party: str, parties: tuple[str, str] = DEFAULT_PARTIES) -> str:
    """The other party of the two; ``ValueError`` for a party that is not one of them."""
    a, b = parties
    if party == a:
        return b
    if party == b:
        return a
    raise ValueError(f"{party!r} is not one of the parties {parties}")


def named_item(claim: NamedPerpetrator, parties: tuple[str, str] = DEFAULT_PARTIES,
               weights: AttributionWeights = DEFAULT_WEIGHTS) -> BasisItem:
    """The basis item for one report's named perpetrator, weighted by who names it."""
    who = claim.report or claim.origin_group or "a report"
    if claim.party not in parties:
        return BasisItem(NAMED, None, 0.0,
                         f"{who} names {claim.party!r}, not one of {'/'.join(parties)}: ignored")
    if claim.affiliation == claim.party:
        weight, how = weights.named_admission, f"{claim.affiliation} admits its own act"
    elif claim.affiliation in parties:
        weight, how = weights.named_accusation, f"{claim.affiliation} accuses its adversary"
    else:
        weight = weights.named_by_kind.get(claim.source_kind, weights.named_by_kind["other"])
        how = f"{claim.affiliation} {claim.source_kind} source"
    if claim.credibility is not None:
        factor = weights.credibility_factor.get(claim.credibility, 1.0)
        weight *= factor
        how += f", credibility {claim.credibility} (×{factor:g})"
    if claim.probability is not None:
        # a party read from the headline by the screening model, whose probability is
        # calibrated against readers' labels of who acted: its log-odds is the weight
        # (capped), in place of the flat weight of the source kind
        p = min(max(claim.probability, 0.5), 1.0 - 1e-9)
        weight = min(math.log(p / (1.0 - p)), weights.named_read_max)
        how = f"{how}, read from the headline with p={claim.probability:.2f}"
    return BasisItem(NAMED, claim.party, weight, f"{who} names {claim.party} ({how})")


def _named_items(named: Iterable[NamedPerpetrator], parties: tuple[str, str],
                 weights: AttributionWeights) -> list[BasisItem]:
    # Reports of one origin group are not independent: keep the strongest item per
    # (group, party), as the confidence model counts a group once.
    best: dict[tuple[str, str | None], BasisItem] = {}
    ignored: list[BasisItem] = []
    for i, claim in enumerate(named):
        item = named_item(claim, parties, weights)
        if item.party is None:
            ignored.append(item)
            continue
        key = (claim.origin_group or f"#{i}", item.party)
        if key not in best or item.weight > best[key].weight:
            best[key] = item
    return list(best.values()) + ignored


def origin_item(side: str, certainty: float = 1.0,
                weights: AttributionWeights = DEFAULT_WEIGHTS) -> BasisItem:
    """Fire observed leaving ground controlled by ``side``.

    ``certainty`` ∈ [0, 1] is how sure the caller is that the origin point lies in that
    side's control (e.g. lower near the contact line given the location uncertainty).
    """
    certainty = min(max(certainty, 0.0), 1.0)
    return BasisItem(ORIGIN, side, weights.origin * certainty,
                     f"point of origin inside {side}-controlled territory"
                     + (f" (certainty {certainty:.2f})" if certainty < 1 else ""))


def impact_item(side: str, distance_km: float, parties: tuple[str, str] = DEFAULT_PARTIES,
                weights: AttributionWeights = DEFAULT_WEIGHTS) -> BasisItem:
    """Impact inside ``side``'s territory, ``distance_km`` behind the contact line."""
    if distance_km < 0 or math.isnan(distance_km):
        raise ValueError(f"distance_km must be >= 0, got {distance_km}")
    other = adversary(side, parties)
    weight = weights.impact_max * (1.0 - math.exp(-distance_km / weights.impact_scale_km))
    return BasisItem(IMPACT_AREA, other, weight,
                     f"impact {distance_km:.1f} km inside {side}-controlled territory: "
                     f"fire most likely from {other}")


def weapon_items(weapon_class: str, parties: tuple[str, str] = DEFAULT_PARTIES,
                 weights: AttributionWeights = DEFAULT_WEIGHTS) -> list[BasisItem]:
    """The theatre prior for ``weapon_class`` (empty when the profile has none)."""
    prior = weights.weapon_priors.get(weapon_class, {})
    items = []
    for party, log_odds in prior.items():
        if party not in parties or log_odds == 0:
            continue
        if log_odds > 0:
            items.append(BasisItem(WEAPON_CLASS, party, log_odds,
                                   f"weapon class {weapon_class} is used mostly by {party}"))
        else:
            other = adversary(party, parties)
            items.append(BasisItem(WEAPON_CLASS, other, -log_odds,
                                   f"weapon class {weapon_class} is rarely used by {party}"))
    return items


def combine(items: Iterable[BasisItem], parties: tuple[str, str] = DEFAULT_PARTIES,
            ) -> Attribution:
    """Sum the items in log-odds for ``parties[0]`` against ``parties[1]``."""
    basis = tuple(items)
    first, second = parties
    log_odds = 0.0
    for item in basis:
        if item.party == first:
            log_odds += item.weight
        elif item.party == second:
            log_odds -= item.weight
    if abs(log_odds) < 1e-12:
        return Attribution(None, 0.5, basis, 0.0)
    p_first = 1.0 / (1.0 + math.exp(-log_odds))
    if log_odds > 0:
        return Attribution(first, p_first, basis, log_odds)
    return Attribution(second, 1.0 - p_first, basis, -log_odds)


def attribute(
    *,
    named: Iterable[NamedPerpetrator] = (),
    origin_side: str | None = None,
    origin_certainty: float = 1.0,
    impact_side: str | None = None,
    impact_distance_km: float | None = None,
    weapon_class: str | None = None,
    parties: tuple[str, str] = DEFAULT_PARTIES,
    weights: AttributionWeights = DEFAULT_WEIGHTS,
) -> Attribution:
    """Attribute one incident from plain inputs; see the module docstring for each basis.

    ``impact_side``/``impact_distance_km`` come together (the side controlling the impact
    point on the incident's date and the distance to the contact line). With no evidence,
    or evidence that cancels exactly, the party is None with probability 0.5.

    >>> a = attribute(impact_side="UA", impact_distance_km=80,
    ...               named=[NamedPerpetrator("UA", "party", "RU", "ru-mod")])
    >>> a.party, [b.kind for b in a.basis]
    ('RU', ['named', 'impact_area'])
    """
    items = _named_items(named, parties, weights)
    if origin_side is not None:
        adversary(origin_side, parties)  # validates the side
        items.append(origin_item(origin_side, origin_certainty, weights))
    if impact_side is not None:
        if impact_distance_km is None:
            raise ValueError("impact_side needs impact_distance_km")
        items.append(impact_item(impact_side, impact_distance_km, parties, weights))
    if weapon_class:
        items.extend(weapon_items(weapon_class, parties, weights))
    return combine(items, parties)
