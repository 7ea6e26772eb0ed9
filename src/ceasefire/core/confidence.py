"""Confidence: how likely an incident is real, from who reported it and how independently.

Per report, ``p`` = the probability the report is true, from the source's Admiralty
reliability (A-F, :attr:`ScoringProfile.reliability_p`) times the odds factor of the report's
credibility (1-6). A party's accusation of its adversary has its odds multiplied by
``accusation_factor`` (parties have a motive to accuse); a party's admission (the
perpetrator it names is its own side) is raised to at least ``admission_p`` (nobody has a
motive to invent their own violation).

Per origin group (sources that are not independent: a channel and the outlets that echo it),
only the strongest report counts: ten copies of one claim are one claim.

**Combination rule: a log-odds sum (naive Bayes), not noisy-OR.** Each independent group's
report is read as a likelihood ratio ``LR_g = odds(p_g) / odds(prior)``, and the incident's
odds are ``odds(prior) × Π LR_g``. Why not noisy-OR (``1 - Π(1 - p_g)``)? Noisy-OR only ever
goes up: every report, even one from a source that is usually wrong (p < prior), would add
confidence, and two coin-flip sources (p = 0.5) would make 0.75. The log-odds sum is what
Bayes' rule gives for conditionally independent evidence: an uninformative report (p =
prior) adds nothing, a weak one lowers the score, and independence is made true by counting
each origin group once. It is judged by calibration (Brier score, reliability table) on
synthetic data with known truth: see bench/evaluate.py and docs/scoring.md.

**Silence is evidence too.** A real event draws reports from several independent groups; a
fabricated one only from the group that invented it. So for each of the
``expected_groups`` that did *not* report (capped by the number of independent origin
groups the operation has at all), the odds are multiplied by ``silence_odds``
(defaults 3 and 0.3, fit on the synthetic set by bench/evaluate.py: refit them against
reviewed incidents of a real operation). Without this term, uncorroborated claims come out
overconfident (Brier 0.17 instead of 0.10 on the synthetic set).

Bands (:meth:`ScoringProfile.band`): confirmed / high / moderate / possible; "confirmed"
also needs a neutral monitor's own observation or two independent supporting origin groups.

Everything here works on numpy arrays (one entry per report) so a million reports score
in well under a second; :func:`breakdown` explains one incident from the same arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ceasefire.core.evidence import NEUTRAL, SourceKind
from ceasefire.core.profile import ScoringProfile

RULE = ("log-odds sum over independent origin groups (naive Bayes from the prior); each "
        "origin group counts once, by its strongest report")
ROLE_PLAIN, ROLE_ACCUSATION, ROLE_ADMISSION = 0, 1, 2
ROLE_NAMES = ("report", "accusation", "admission")


@dataclass(frozen=True)
class ReportScores:
    """Per-report probability and the factors that made it (arrays, one entry per report)."""

    base_p: np.ndarray          # from reliability
    credibility_factor: np.ndarray
    role: np.ndarray            # ROLE_* codes
    role_factor: np.ndarray     # odds factor of the role (1 for admissions: they are floored)
    p: np.ndarray               # final probability the report is true


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return np.log(p) - np.log1p(-p)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def score_reports(
    profile: ScoringProfile,
    reliability: Sequence[str] | np.ndarray,
    credibility: Sequence[int | None] | np.ndarray,
    affiliation: Sequence[str] | np.ndarray,
    perpetrator: Sequence[str | None] | np.ndarray,
) -> ReportScores:
    """The probability each report is true, with its factors (vectorized).

    >>> from ceasefire.core.profile import DEFAULT_PROFILE as P
    >>> s = score_reports(P, ["B", "B", "B"], [None, None, None], ["neutral", "UA", "UA"],
    ...                   [None, "RU", "UA"])
    >>> [round(float(x), 2) for x in s.p]   # plain, accusation, admission
    [0.85, 0.74, 0.97]
    """
    base = _lookup(np.asarray(reliability, dtype=object), profile.reliability_p,
                   profile.reliability_p["F"])
    cred_codes = _grade_codes(credibility)
    cred_table = np.ones(8, dtype=np.float64)
    for grade, factor in profile.credibility_odds.items():
        cred_table[grade] = factor
    cred_factor = cred_table[np.clip(cred_codes, 0, 7)]

    aff = np.asarray(affiliation, dtype=object).astype(str)
    if isinstance(perpetrator, np.ndarray) and perpetrator.dtype.kind == "U":
        perp = perpetrator  # already plain strings ("" for none): no per-item pass
    else:
        perp = np.array([v if isinstance(v, str) else "" for v in perpetrator], dtype=object)
        perp = perp.astype(str)
    party = aff != NEUTRAL
    named = (perp != "") & (perp != NEUTRAL)
    admission = party & named & (perp == aff)
    accusation = party & named & (perp != aff)
    role = np.where(admission, ROLE_ADMISSION, np.where(accusation, ROLE_ACCUSATION, ROLE_PLAIN))
    role_factor = np.where(accusation, profile.accusation_factor, 1.0)

    odds = base / (1.0 - base) * cred_factor * role_factor
    p = odds / (1.0 + odds)
    p = np.where(admission, np.maximum(p, profile.admission_p), p)
    p = np.clip(p, 1.0 - profile.max_report_p, profile.max_report_p)
    return ReportScores(base, cred_factor, role.astype(np.int8), role_factor, p)


def _grade_codes(values: Sequence[int | None] | np.ndarray) -> np.ndarray:
    """Credibility grades as integers, 0 for missing (None or NaN)."""
    arr = np.asarray(values)
    if arr.dtype != object:
        return np.nan_to_num(arr.astype(np.float64)).astype(np.int64)

    def code(v: object) -> int:
        try:
            return int(v)  # type: ignore[call-overload]
        except (TypeError, ValueError):  # None, NaN, pandas NA
            return 0
    return np.array([code(v) for v in arr], dtype=np.int64)


def _lookup(values: np.ndarray, table: dict[str, float], default: float) -> np.ndarray:
    keys, inverse = np.unique(values.astype(str), return_inverse=True)
    mapped = np.array([table.get(k, default) for k in keys], dtype=np.float64)
    return mapped[inverse]


@dataclass(frozen=True)
class IncidentScores:
    """Per-incident confidence (arrays indexed by incident label 0..n_incidents-1)."""

    probability: np.ndarray
    n_origin_groups: np.ndarray
    confirmable: np.ndarray      # bool: a neutral monitor, or two supporting groups
    band: np.ndarray             # object array of band names
    group_best: np.ndarray       # per report: True if it is its group's counted report


def effective_p(p: np.ndarray, prior: float, membership: np.ndarray | None) -> np.ndarray:
    """A report's probability as evidence for its incident: when fusion is only ``q`` sure
    the report belongs to it (its best match probability with a fellow member), the report
    counts as ``q p + (1 - q) prior``, so a doubtful member moves the score less."""
    if membership is None:
        return p
    q = np.asarray(membership, dtype=np.float64)
    return q * p + (1.0 - q) * prior


def expected_groups(profile: ScoringProfile, available_groups: int | None) -> int:
    """Origin groups whose silence counts: the profile's expectation, but never more than
    the independent groups the operation has (a feed that does not exist is not silent)."""
    if available_groups is None:
        return profile.expected_groups
    return max(1, min(profile.expected_groups, available_groups))


def combine(
    profile: ScoringProfile,
    labels: np.ndarray,
    origin_group: np.ndarray,
    p: np.ndarray,
    neutral_monitor: np.ndarray,
    available_groups: int | None = None,
    membership: np.ndarray | None = None,
) -> IncidentScores:
    """Combine report probabilities into incident confidence (vectorized).

    ``labels``: incident 0..K-1 of each report; ``origin_group``: integer code of each
    report's origin group; ``neutral_monitor``: the report is a neutral monitor's own
    observation; ``membership``: per report, how sure fusion is that it belongs to its
    incident (:func:`effective_p`; None: sure).
    """
    p = effective_p(p, profile.prior, membership)
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if len(labels) else 0
    groups = np.asarray(origin_group, dtype=np.int64)
    # strongest report per (incident, origin group): sort by key then by -p, take the first
    key = labels * (int(groups.max()) + 1 if len(groups) else 1) + groups
    order = np.lexsort((-p, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    best = order[first]
    group_best = np.zeros(len(labels), dtype=bool)
    group_best[best] = True

    prior_logit = float(_logit(profile.prior))
    llr = _logit(p[best]) - prior_logit
    total = np.full(k, prior_logit) + np.bincount(labels[best], weights=llr, minlength=k)
    n_groups = np.bincount(labels[best], minlength=k)
    missing = np.maximum(expected_groups(profile, available_groups) - n_groups, 0)
    total += missing * np.log(profile.silence_odds)
    probability = _expit(total)
    supporting = np.bincount(labels[best], weights=(p[best] > profile.prior), minlength=k)
    monitor = np.bincount(labels, weights=np.asarray(neutral_monitor, dtype=np.float64),
                          minlength=k) > 0
    confirmable = monitor | (supporting >= 2)
    band = np.where(
        (probability >= profile.band_confirmed) & confirmable, "confirmed",
        np.where(probability >= profile.band_high, "high",
                 np.where(probability >= profile.band_moderate, "moderate", "possible")))
    return IncidentScores(probability, n_groups.astype(np.int64), confirmable,
                          band.astype(object), group_best)


def is_neutral_monitor(kind: Sequence[str] | np.ndarray, affiliation: Sequence[str] | np.ndarray
                       ) -> np.ndarray:
    """A neutral monitor's own observation: kind monitor, affiliation neutral."""
    return (np.asarray(kind, dtype=object).astype(str) == SourceKind.MONITOR.value) & \
        (np.asarray(affiliation, dtype=object).astype(str) == NEUTRAL)


def breakdown(
    profile: ScoringProfile,
    members: Sequence[int],
    gids: Sequence[str],
    sources: Sequence[dict[str, Any]],
    scores: ReportScores,
    credibility: Sequence[int | None],
    probability: float,
    band: str,
    confirmable: bool,
    neutral_monitor: Sequence[bool] | np.ndarray,
    available_groups: int | None = None,
    membership: np.ndarray | None = None,
) -> dict[str, Any]:
    """The explained score of one incident: per origin group, per report, factors and rule.

    ``members`` index the report arrays; ``sources[i]`` is the source row of report ``i``
    (source_id, kind, affiliation, reliability, origin_group).
    """
    p_used = effective_p(scores.p, profile.prior, membership)
    by_group: dict[str, list[int]] = {}
    for i in members:
        by_group.setdefault(str(sources[i]["origin_group"]), []).append(i)
    groups: list[dict[str, Any]] = []
    prior_logit = float(_logit(profile.prior))
    for name in sorted(by_group):
        idx = sorted(by_group[name], key=lambda i: (-float(p_used[i]), gids[i]))
        counted = idx[0]
        pg = float(p_used[counted])
        groups.append({
            "origin_group": name,
            "p": round(pg, 6),
            "log_likelihood_ratio": round(float(_logit(pg)) - prior_logit, 6),
            "counted_report": gids[counted],
            "reports": [{
                "report": gids[i],
                "source_id": sources[i]["source_id"],
                "kind": sources[i]["kind"],
                "affiliation": sources[i]["affiliation"],
                "reliability": sources[i]["reliability"],
                "base_p": round(float(scores.base_p[i]), 6),
                "credibility": credibility[i],
                "credibility_factor": round(float(scores.credibility_factor[i]), 6),
                "role": ROLE_NAMES[int(scores.role[i])],
                "role_factor": round(float(scores.role_factor[i]), 6),
                "p": round(float(scores.p[i]), 6),
                "membership": 1.0 if membership is None else round(float(membership[i]), 6),
                "counted": i == counted,
            } for i in idx],
        })
    if any(neutral_monitor[i] for i in members):
        reason = "a neutral monitor's own observation"
    elif sum(1 for g in groups if float(g["p"]) > profile.prior) >= 2:
        reason = "two or more independent supporting origin groups"
    else:
        reason = None
    expected = expected_groups(profile, available_groups)
    missing = max(expected - len(groups), 0)
    return {
        "rule": RULE,
        "prior": profile.prior,
        "silence": {"expected_groups": expected, "reporting_groups": len(groups),
                    "missing": missing, "odds_factor": round(profile.silence_odds ** missing, 6)},
        "probability": round(probability, 6),
        "band": band,
        "confirmable": confirmable,
        "confirmable_because": reason,
        "groups": groups,
    }
