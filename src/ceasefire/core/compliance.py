"""Compliance: findings for incidents × provisions (DESIGN.md "Compliance").

A finding's probability is the product of four factors, each with its reason:

    P(violation) = P(incident real) × P(responsible party is bound)
                   × P(inside zone and window | uncertainty of place and time)
                   × P(target class)

* **real**: the incident's fused confidence (:mod:`ceasefire.core.confidence`).
* **bound**: from the attribution. With a party and probability q, the bound parties carry
  q or 1 − q; with no attribution, each of the agreement's parties is equally likely.
* **zone**: the report location is a disc of radius r (≈ 2σ). With d the signed distance
  from the point to the zone boundary (positive inside), P = Φ(d / σ). Points far from any
  boundary get exactly 0 or 1 without a distance computation.
* **window**: the incident time is uniform over [t_start, t_end]; P = the fraction of that
  interval inside the window. So an event "on 19 April" (day precision) is half inside an
  Easter truce that began at 18:00 Moscow time on that day.
* **target**: 1 when the provision names no target class; otherwise high when a report
  names the target class, lower when the incident is only near an energy facility, and the
  incident is out of scope (no finding) when neither holds.

Verdicts by probability: violation ≥ 0.8, likely ≥ 0.6, possible ≥ 0.3; below that,
``undetermined`` when the incident is in scope but nobody can be held responsible (no
attribution), else ``not_a_violation``. Thresholds live in :class:`ComplianceParams`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.core.agreement import (
    Access,
    Agreement,
    Commitment,
    NoAdvance,
    Prohibition,
    Provision,
    Withdrawal,
)
from ceasefire.core.geodesy import LocalProjection

VERDICTS: tuple[str, ...] = ("violation", "likely", "possible", "not_a_violation",
                             "undetermined")
# Categories handled by their own provision kinds, not by a blanket prohibition.
NOT_HOSTILITIES = frozenset({"weapons_sighting", "movement_restriction"})


@dataclass(frozen=True)
class ComplianceParams:
    """Thresholds and target rules (a workspace may override them in ``[scoring]``)."""

    violation_at: float = 0.8
    likely_at: float = 0.6
    possible_at: float = 0.3
    energy_plant_km: float = 5.0
    target_named_p: float = 0.95
    target_near_plant_p: float = 0.6
    unknown_weapon_p: float = 0.5
    gain_reliability: float = 0.9  # a published control map is a good, not perfect, source
    min_scope_p: float = 0.01


@dataclass(frozen=True)
class IncidentFacts:
    """What compliance needs to know about one incident (assembled by the service)."""

    incident_id: str
    t_start: float
    t_end: float
    lat: float
    lon: float
    uncertainty_m: float
    category: str
    p_real: float
    attributed_party: str | None = None
    attribution_probability: float | None = None
    weapon_class: str | None = None
    target_classes: frozenset[str] = frozenset()
    nearest_plant_km: float | None = None
    contact_line_km: float | None = None


@dataclass(frozen=True)
class TerritorialGain:
    """Territory a side gained between two snapshots (from core.territory)."""

    side: str
    area_km2: float
    date_from: str
    date_to: str
    lat: float
    lon: float
    place: str | None = None


@dataclass(frozen=True)
class Factor:
    name: str
    probability: float
    reason: str


@dataclass(frozen=True)
class Finding:
    """The assessment of one incident (or gain, or commitment) against one provision."""

    finding_id: str
    agreement_id: str
    agreement_version: int
    provision_id: str
    provision_kind: str
    incident_id: str | None
    day: str | None
    zone_id: str | None
    verdict: str
    probability: float
    attributed_party: str | None
    factors: tuple[Factor, ...]
    subject: Mapping[str, Any] = field(default_factory=dict)

    def rationale(self) -> list[dict[str, Any]]:
        return [{"factor": f.name, "probability": round(f.probability, 4), "reason": f.reason}
                for f in self.factors]


# -- probabilities ------------------------------------------------------------------------------
def _phi(x: np.ndarray) -> np.ndarray:
    from math import erf

    return 0.5 * (1.0 + np.vectorize(erf)(x / math.sqrt(2.0)))


def p_inside(zone: BaseGeometry | None, lat: np.ndarray, lon: np.ndarray,
             radius_m: np.ndarray) -> np.ndarray:
    """P(the true location lies in ``zone``) for uncertain points (``None``: anywhere)."""
    lat, lon, radius_m = (np.asarray(a, dtype=float) for a in (lat, lon, radius_m))
    if zone is None:
        return np.ones(lat.shape)
    if zone.is_empty:
        return np.zeros(lat.shape)
    proj = LocalProjection.around(zone)
    # GeoJSON edges are straight in lon/lat (RFC 7946): densify so they stay so once projected
    zone_m = proj.forward(shapely.segmentize(zone, max_segment_length=0.01))
    boundary = zone_m.boundary
    shapely.prepare(zone_m)
    shapely.prepare(boundary)
    x, y = proj._fwd.transform(lon, lat)
    points = shapely.points(x, y)
    inside = shapely.contains_xy(zone_m, x, y)
    sigma = np.maximum(radius_m / 2.0, 1.0)
    near = shapely.dwithin(boundary, points, 4.0 * sigma)
    result = inside.astype(float)
    if near.any():
        d = shapely.distance(boundary, points[near])
        signed = np.where(inside[near], d, -d)
        result[near] = _phi(signed / sigma[near])
    return result


def p_window(t_start: float, t_end: float, w_start: float, w_end: float) -> float:
    """Fraction of the (uniform) time interval inside [w_start, w_end)."""
    if t_end <= t_start:
        return 1.0 if w_start <= t_start < w_end else 0.0
    overlap = min(t_end, w_end) - max(t_start, w_start)
    return max(0.0, overlap) / (t_end - t_start)


def p_bound(provision: Provision, agreement: Agreement, facts: IncidentFacts
            ) -> tuple[float, str | None, str]:
    """P(the responsible party is bound), the most likely bound party, and the reason."""
    parties = [p.id for p in agreement.parties]
    bound = [p for p in provision.binds if p in parties] or list(provision.binds)
    if facts.attributed_party is None or facts.attribution_probability is None:
        share = len(set(bound) & set(parties)) / max(len(parties), 1)
        party = bound[0] if len(bound) == 1 else None
        return share, party, (f"no attribution; {len(bound)} of {len(parties)} parties bound")
    q = facts.attribution_probability
    others = [p for p in parties if p != facts.attributed_party]
    per_other = (1.0 - q) / max(len(others), 1)
    prob = sum(q if p == facts.attributed_party else per_other for p in bound)
    best = max(bound, key=lambda p: q if p == facts.attributed_party else per_other)
    return (min(prob, 1.0), best,
            f"attributed to {facts.attributed_party} (p={q:.2f}); bound: {', '.join(bound)}")


def verdict_for(probability: float, scope: float, attributed: bool,
                params: ComplianceParams) -> str:
    if probability >= params.violation_at:
        return "violation"
    if probability >= params.likely_at:
        return "likely"
    if probability >= params.possible_at:
        return "possible"
    if not attributed and scope >= params.possible_at:
        return "undetermined"
    return "not_a_violation"


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


# -- per provision kind -------------------------------------------------------------------------
def _activity(provision: Provision, facts: IncidentFacts, params: ComplianceParams
              ) -> Factor | None:
    """Whether the incident's kind falls under the provision (None: out of scope)."""
    if isinstance(provision, Prohibition):
        if provision.categories:
            if facts.category not in provision.categories:
                return None
        elif facts.category in NOT_HOSTILITIES:
            return None
        if provision.weapon_classes:
            if facts.weapon_class is None:
                return Factor("activity", params.unknown_weapon_p,
                              f"{facts.category}; weapon class not reported")
            if facts.weapon_class not in provision.weapon_classes:
                return None
        return Factor("activity", 1.0, f"{facts.category} is a prohibited activity")
    if isinstance(provision, Access):
        if facts.category not in provision.categories:
            return None
        return Factor("activity", 1.0, f"{facts.category} restricts monitors' access")
    if isinstance(provision, Withdrawal):
        if facts.category != "weapons_sighting" or facts.weapon_class != provision.weapon_class:
            return None
        return Factor("activity", 1.0, f"{provision.weapon_class} sighted")
    return None


def _target(provision: Provision, facts: IncidentFacts, params: ComplianceParams
            ) -> Factor | None:
    targets = provision.target_classes if isinstance(provision, Prohibition) else ()
    if not targets:
        return Factor("target", 1.0, "the provision covers any target")
    named = facts.target_classes & set(targets)
    if named:
        return Factor("target", params.target_named_p,
                      f"a report names the target as {', '.join(sorted(named))}")
    if ("energy" in targets and facts.nearest_plant_km is not None
            and facts.nearest_plant_km <= params.energy_plant_km):
        return Factor("target", params.target_near_plant_p,
                      f"{facts.nearest_plant_km:.1f} km from a power plant "
                      f"(≤ {params.energy_plant_km:g} km)")
    return None


def _withdrawal_zone(provision: Withdrawal, facts: IncidentFacts) -> Factor:
    if facts.contact_line_km is None:
        return Factor("zone", 0.5, "distance to the contact line unknown (no control snapshot)")
    sigma_km = max(facts.uncertainty_m / 2000.0, 0.001)
    p = _normal_cdf((provision.distance_km - facts.contact_line_km) / sigma_km)
    return Factor("zone", p, f"{facts.contact_line_km:.1f} km from the contact line "
                             f"(limit {provision.distance_km:g} km)")


def assess_incidents(
    agreement: Agreement,
    incidents: Sequence[IncidentFacts],
    zones: Mapping[str, BaseGeometry | None],
    params: ComplianceParams = ComplianceParams(),
) -> list[Finding]:
    """Findings for every incident × provision whose scope it may fall in.

    ``zones`` maps zone ids to resolved geometries (``None`` = anywhere); the service
    resolves national and contact-line zones from the bundled boundaries and snapshots.
    """
    findings: list[Finding] = []
    if not incidents:
        return findings
    lat = np.array([f.lat for f in incidents])
    lon = np.array([f.lon for f in incidents])
    radius = np.array([f.uncertainty_m for f in incidents])
    zone_p: dict[str | None, np.ndarray] = {None: np.ones(len(incidents))}
    tz = agreement.window.start.tzinfo
    for provision in agreement.provisions:
        if isinstance(provision, (NoAdvance, Commitment)):
            continue
        if provision.zone not in zone_p:
            zone_p[provision.zone] = p_inside(zones.get(provision.zone) if provision.zone else None,
                                              lat, lon, radius)
        for i, facts in enumerate(incidents):
            activity = _activity(provision, facts, params)
            if activity is None:
                continue
            target = _target(provision, facts, params)
            if target is None:
                continue
            if isinstance(provision, Withdrawal):
                place = _withdrawal_zone(provision, facts)
            else:
                place = Factor("zone", float(zone_p[provision.zone][i]),
                               f"location ±{facts.uncertainty_m:.0f} m vs zone "
                               f"{provision.zone or 'anywhere'}")
            bound_p, party, bound_reason = p_bound(provision, agreement, facts)
            w_start, w_end = agreement.window_epoch(party, provision)
            when = Factor("window", p_window(facts.t_start, facts.t_end, w_start, w_end),
                          "share of the incident's time span inside the window")
            real = Factor("real", facts.p_real, "fused incident confidence")
            scope = real.probability * place.probability * when.probability \
                * target.probability * activity.probability
            if scope < params.min_scope_p:
                continue
            bound = Factor("bound", bound_p, bound_reason)
            probability = scope * bound_p
            mid = datetime.fromtimestamp((facts.t_start + facts.t_end) / 2.0, tz=tz)
            findings.append(Finding(
                finding_id=f"{agreement.id}:v{agreement.version}:{provision.id}:{facts.incident_id}",
                agreement_id=agreement.id, agreement_version=agreement.version,
                provision_id=provision.id, provision_kind=provision.kind,
                incident_id=facts.incident_id, day=mid.date().isoformat(),
                zone_id=provision.zone, attributed_party=party,
                verdict=verdict_for(probability, scope, facts.attributed_party is not None,
                                    params),
                probability=probability,
                factors=(real, bound, place, when, target, activity)))
    return findings


def assess_gains(agreement: Agreement, gains: Iterable[TerritorialGain],
                 params: ComplianceParams = ComplianceParams()) -> list[Finding]:
    """``no_advance`` findings: each gain beyond the provision's tolerance by a bound side."""
    findings: list[Finding] = []
    for provision in agreement.provisions:
        if not isinstance(provision, NoAdvance):
            continue
        for gain in gains:
            if gain.side not in provision.binds or gain.area_km2 <= provision.tolerance_km2:
                continue
            real = Factor("real", params.gain_reliability,
                          f"{gain.area_km2:.2f} km² gained between {gain.date_from} and "
                          f"{gain.date_to} on the control snapshots")
            bound = Factor("bound", 1.0, f"{gain.side} controls the gained area and is bound")
            tolerance = Factor("tolerance", 1.0,
                               f"{gain.area_km2:.2f} km² > tolerance {provision.tolerance_km2:g} km²")
            p = real.probability
            findings.append(Finding(
                finding_id=(f"{agreement.id}:v{agreement.version}:{provision.id}:gain:"
                            f"{gain.side}:{gain.date_to}:{gain.lat:.4f},{gain.lon:.4f}"),
                agreement_id=agreement.id, agreement_version=agreement.version,
                provision_id=provision.id, provision_kind=provision.kind, incident_id=None,
                day=gain.date_to, zone_id=provision.zone, attributed_party=gain.side,
                verdict=verdict_for(p, p, True, params), probability=p,
                factors=(real, bound, tolerance),
                subject={"type": "territorial_gain", "area_km2": round(gain.area_km2, 3),
                         "lat": gain.lat, "lon": gain.lon, "place": gain.place,
                         "date_from": gain.date_from, "date_to": gain.date_to}))
    return findings


_COMMITMENT_VERDICT = {"breached": ("violation", 1.0), "fulfilled": ("not_a_violation", 0.0)}


def assess_commitments(agreement: Agreement) -> list[Finding]:
    """``commitment`` findings: one per provision × bound party, from its tracked status."""
    findings = []
    for provision in agreement.provisions:
        if not isinstance(provision, Commitment):
            continue
        verdict, p = _COMMITMENT_VERDICT.get(provision.status, ("undetermined", 0.5))
        for party in provision.binds:
            reason = f"status {provision.status}" + (
                f", due {provision.due.isoformat()}" if provision.due else "")
            findings.append(Finding(
                finding_id=f"{agreement.id}:v{agreement.version}:{provision.id}:{party}",
                agreement_id=agreement.id, agreement_version=agreement.version,
                provision_id=provision.id, provision_kind=provision.kind, incident_id=None,
                day=provision.due.isoformat() if provision.due else None, zone_id=None,
                attributed_party=party, verdict=verdict, probability=p,
                factors=(Factor("status", p, reason),),
                subject={"type": "commitment", "status": provision.status,
                         "evidence": list(provision.evidence)}))
    return findings
