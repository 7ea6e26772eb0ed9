"""Probabilistic record linkage (Fellegi–Sunter): how likely two reports describe one event.

Each candidate pair (found by generous space-time blocking) is compared on four
**comparisons**, each with a few ordered **levels**:

* ``distance``: great-circle distance over the combined declared location uncertainty
  ``sqrt(u_a² + u_b²)``, in bands;
* ``time``: gap between the time midpoints over the combined half-widths of the reports'
  intervals, in bands;
* ``category``: the same category, the same family, another family;
* ``sides``: the affiliations of the two sources (both neutral, party and neutral, one
  party, two opposing parties).

A level ``l`` of comparison ``k`` has ``m_k(l) = P(level | same event)`` and
``u_k(l) = P(level | different events)``; a pair's match weight is
``log2 λ/(1-λ) + Σ_k log2 m_k/u_k`` and its match probability follows from it.

**Estimation, without labels** (:func:`fit`), from the workspace's own reports:

* ``u`` from random pairs that surely are different events: the reports are paired with a
  copy of themselves shifted in time by several days, through the same blocking. Those
  pairs have the spatial, category and source make-up of real non-matches nearby (the
  same hot spots, the same sources), but none is a match.
* ``m`` and the prior ``λ`` (share of candidate pairs that are matches) by
  expectation–maximisation over the candidate pairs (grouped by pattern of levels: a few
  hundred, whatever the number of pairs), with ``u`` fixed. A second, direct estimate of
  λ is recorded beside it (``prior_from_counts``: the shifted copy tells how many candidate
  partners chance alone brings to a report, the real data how many it has, the excess are
  matches); over ten days of synthetic data it was 1.5–2.5× off the truth where EM's was
  within 1.4×, and taking the smaller of the two lost F1 (docs/scoring.md), so EM's is used.
  Estimates are smoothed towards :data:`DEFAULT_M` (pseudo-counts) so that no ``m`` falls
  to 0, and for the ordered comparisons (distance, time) the weight may not rise as the
  band gets farther (pool-adjacent-violators), so no veto is out of order.
* with labelled pairs instead, :func:`fit_labelled` counts them.
* the **decision threshold**: a pair is a match when its log-odds exceed
  ``threshold_bits`` (at most 0: p > 0.5). The fit sets it where the model's *own* expected
  pairwise F1 over the candidate pairs peaks (expected true matches: the posterior of each
  pair), which is the known optimum p* = F1*/2: where matches are easy to tell, about one
  half; where the model knows it misses many, lower. No labels are involved.

Parameters are a plain :class:`LinkageModel` (JSON in the fuse run's ledger note), frozen
between fits, so fusion stays a function of the set of reports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ceasefire.core.blocking import compatible_pairs, haversine_m
from ceasefire.core.evidence import CATEGORIES, CATEGORY_FAMILY

COMPARISONS: tuple[str, ...] = ("distance", "time", "category", "sides")
DISTANCE_EDGES = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
TIME_EDGES = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
LEVELS: dict[str, tuple[str, ...]] = {
    "distance": ("<0.5", "0.5-1", "1-1.5", "1.5-2", "2-3", "3-4", ">=4"),
    "time": ("<0.5", "0.5-1", "1-1.5", "1.5-2", "2-3", "3-4", ">=4"),
    "category": ("same", "same family", "other family"),
    "sides": ("neutral-neutral", "neutral-party", "same party", "opposing parties"),
}
ORDERED = (True, True, False, False)
#: comparisons whose m is smoothed towards DEFAULT_M (what one event looks like is known
#: a priori); the others are smoothed towards u (no prior knowledge: weight 0)
INFORMED = (True, True, True, False)
N_LEVELS = tuple(len(LEVELS[c]) for c in COMPARISONS)
N_PATTERNS = int(np.prod(N_LEVELS))
#: a report's blocking reach, in its own declared uncertainties (space and time): generous,
#: so the model sees pairs whose sources under-declare their uncertainty twofold and more
GATE = 4.0
#: floor of a report's time half-width (s): "12:00" is never meant to the second
MIN_HALF_WIDTH_S = 900.0
#: pseudo-pairs of prior belief (:data:`DEFAULT_M`) added to the expected matches
SMOOTHING = 20.0
#: EM stops when no m moves by more than this, or after MAX_ITER rounds
TOLERANCE, MAX_ITER = 1e-7, 500
#: fewer shifted (surely different) or candidate pairs than this: the default model stands
MIN_RANDOM_PAIRS = 200
#: at most this many reports to fit on: whole days are kept (every k-th), so pairs survive
FIT_REPORTS = 50_000
DAY_S = 86_400.0


def _table(*rows: tuple[float, ...]) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) / sum(r) for v in r) for r in rows)


#: Prior m and u: the model for a workspace too small to fit, and what fits shrink to.
#: Distance: 2-D normal errors of the declared size (P(z<r) = 1 - exp(-r²/2)) with some
#: spill-over; time: within the declared intervals. u: a uniform scatter within the gate.
DEFAULT_M = _table((0.13, 0.28, 0.27, 0.17, 0.10, 0.03, 0.02),
                   (0.30, 0.30, 0.18, 0.10, 0.07, 0.03, 0.02),
                   (0.80, 0.15, 0.05), (0.25, 0.25, 0.25, 0.25))
DEFAULT_U = _table((0.008, 0.023, 0.039, 0.055, 0.156, 0.219, 0.5),
                   (0.09, 0.09, 0.09, 0.09, 0.18, 0.18, 0.28),
                   (0.30, 0.40, 0.30), (0.25, 0.25, 0.25, 0.25))
DEFAULT_PRIOR = 0.3


@dataclass(frozen=True)
class LinkageModel:
    """Fitted (or default) Fellegi–Sunter parameters: per comparison, m and u per level."""

    m: tuple[tuple[float, ...], ...] = DEFAULT_M
    u: tuple[tuple[float, ...], ...] = DEFAULT_U
    prior: float = DEFAULT_PRIOR
    min_location_uncertainty_m: float = 100.0
    method: str = "default"
    stats: dict[str, float] = field(default_factory=dict, compare=False)
    threshold_bits: float = 0.0

    def weights(self) -> list[np.ndarray]:
        """Match weight (log2 m/u, bits) of each level, per comparison."""
        return [np.log2(np.asarray(m)) - np.log2(np.asarray(u))
                for m, u in zip(self.m, self.u, strict=True)]

    def prior_weight(self) -> float:
        return float(np.log2(self.prior) - np.log2(1.0 - self.prior))

    def pattern_weights(self) -> np.ndarray:
        """Log-odds (bits) of every pattern code, prior included (see :func:`pattern`)."""
        w = np.full(N_PATTERNS, self.prior_weight())
        codes = np.arange(N_PATTERNS)
        for k, wk in enumerate(self.weights()):
            w += wk[_level_of(codes, k)]
        return w

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "prior": self.prior,
                "threshold_bits": self.threshold_bits,
                "min_location_uncertainty_m": self.min_location_uncertainty_m,
                "comparisons": {c: {"levels": list(LEVELS[c]), "m": list(self.m[k]),
                                    "u": list(self.u[k])}
                                for k, c in enumerate(COMPARISONS)},
                "stats": dict(self.stats)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageModel:
        comps = data["comparisons"]
        return cls(tuple(tuple(float(v) for v in comps[c]["m"]) for c in COMPARISONS),
                   tuple(tuple(float(v) for v in comps[c]["u"]) for c in COMPARISONS),
                   float(data["prior"]), float(data["min_location_uncertainty_m"]),
                   str(data["method"]), dict(data.get("stats", {})),
                   float(data.get("threshold_bits", 0.0)))

    def digest(self) -> str:
        text = json.dumps(self.as_dict() | {"stats": {}}, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _level_of(code: np.ndarray, k: int) -> np.ndarray:
    """Level of comparison ``k`` in pattern codes (mixed radix, distance most significant)."""
    inner = int(np.prod(N_LEVELS[k + 1:]))
    return (code // inner) % N_LEVELS[k]


def reaches(t_start: np.ndarray, t_end: np.ndarray, uncertainty_m: np.ndarray,
            min_location_uncertainty_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Each report's blocking reach in time (s) and space (m): :data:`GATE` declared
    uncertainties (floored). Two reports are candidates when both gaps are within the sum."""
    half = np.maximum((t_end - t_start) / 2.0, MIN_HALF_WIDTH_S)
    return GATE * half, GATE * np.maximum(uncertainty_m, min_location_uncertainty_m)


_FAMILY = np.array([sorted(set(CATEGORY_FAMILY.values())).index(CATEGORY_FAMILY[c])
                    for c in CATEGORIES], dtype=np.int64)


def pattern(a: np.ndarray, b: np.ndarray, t_start: np.ndarray, t_end: np.ndarray,
            lat: np.ndarray, lon: np.ndarray, uncertainty_m: np.ndarray,
            category: np.ndarray, side: np.ndarray, min_location_uncertainty_m: float,
            distance_m: np.ndarray | None = None) -> np.ndarray:
    """Pattern code of each pair (``a[i]``, ``b[i]``): its level on every comparison.

    ``side`` is an integer code per report: 0 neutral, else the party (equal codes: one
    side); ``distance_m``: the pairs' great-circle distances, if already known. Computed by
    numpy alone, so every engine gets the same codes."""
    unc = np.maximum(uncertainty_m, min_location_uncertainty_m)
    d = haversine_m(lat[a], lon[a], lat[b], lon[b]) if distance_m is None else distance_m
    ld = np.searchsorted(DISTANCE_EDGES, d / np.hypot(unc[a], unc[b]), "right")
    mid = (t_start + t_end) / 2.0
    half = np.maximum((t_end - t_start) / 2.0, MIN_HALF_WIDTH_S)
    lt = np.searchsorted(TIME_EDGES, np.abs(mid[a] - mid[b]) / np.hypot(half[a], half[b]),
                         "right")
    ca, cb = category[a], category[b]
    lc = np.where(ca == cb, 0, np.where(_FAMILY[ca] == _FAMILY[cb], 1, 2))
    sa, sb = side[a], side[b]
    neutral = (sa == 0).astype(np.int64) + (sb == 0)
    ls = np.where(neutral == 2, 0, np.where(neutral == 1, 1, np.where(sa == sb, 2, 3)))
    return ((ld * N_LEVELS[1] + lt) * N_LEVELS[2] + lc) * N_LEVELS[3] + ls


def _marginals(counts: np.ndarray) -> list[np.ndarray]:
    """Per comparison, the count of each level in pattern counts."""
    codes = np.arange(N_PATTERNS)
    return [np.bincount(_level_of(codes, k), weights=counts, minlength=N_LEVELS[k])
            for k in range(len(COMPARISONS))]


def _monotone(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """m re-shaped so that m/u never rises from one band to the next (pool adjacent
    violators, weighted by u), keeping its sum: a farther band is never better evidence."""
    blocks: list[list[float]] = []  # [m sum, u sum, first, last]
    for i in range(len(m)):
        blocks.append([float(m[i]), float(u[i]), i, i])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            blocks[-1] = [blocks[-1][0] + last[0], blocks[-1][1] + last[1], blocks[-1][2], last[3]]
    out = np.empty(len(m))
    for ms, us, lo, hi in blocks:
        out[int(lo):int(hi) + 1] = ms / us * u[int(lo):int(hi) + 1]
    return out


def em(counts: np.ndarray, u: list[np.ndarray], prior: float | None
       ) -> tuple[list[np.ndarray], float, int]:
    """m (and λ when ``prior`` is None) by expectation–maximisation over pattern counts of
    the candidate pairs, with ``u`` fixed. Returns (m, λ, iterations)."""
    codes = np.arange(N_PATTERNS)
    levels = [_level_of(codes, k) for k in range(len(COMPARISONS))]
    prior_m = [np.asarray(DEFAULT_M[k]) if INFORMED[k] else u[k] for k in range(len(u))]
    m = [np.asarray(t, dtype=np.float64) for t in prior_m]
    lam = DEFAULT_PRIOR if prior is None else prior
    log_u = sum(np.log(u[k][levels[k]]) for k in range(len(COMPARISONS)))
    total = float(counts.sum())
    it = 0
    for it in range(1, MAX_ITER + 1):
        log_m = sum(np.log(m[k][levels[k]]) for k in range(len(COMPARISONS)))
        odds = np.exp(np.clip(log_m - log_u + np.log(lam) - np.log1p(-lam), -700, 700))
        post = counts * odds / (1.0 + odds)  # expected matches per pattern
        matches = float(post.sum())
        new = []
        for k in range(len(COMPARISONS)):
            expected = np.bincount(levels[k], weights=post, minlength=N_LEVELS[k])
            mk = (expected + SMOOTHING * prior_m[k]) / (matches + SMOOTHING)
            new.append(_monotone(mk, u[k]) if ORDERED[k] else mk)
        if prior is None:
            lam = float(np.clip((matches + 1.0) / (total + 2.0), 1e-6, 1 - 1e-6))
        moved = max(float(np.abs(a - b).max()) for a, b in zip(new, m, strict=True))
        m = new
        if moved < TOLERANCE:
            break
    return [_unseen_neutral(mk, u[k], _marginals(counts)[k]) for k, mk in enumerate(m)], lam, it


def _unseen_neutral(m: np.ndarray, u: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """A level no candidate pair has carries no evidence: its m is set to its u (weight
    0), the other levels keep their share of the rest."""
    unseen = seen <= 0
    if not unseen.any() or unseen.all():
        return m
    out = m.copy()
    out[unseen] = u[unseen]
    rest = 1.0 - float(u[unseen].sum())
    out[~unseen] = m[~unseen] / float(m[~unseen].sum()) * rest
    return out


#: the threshold may not go below this (bits): a pair needs some evidence for it
MIN_THRESHOLD_BITS = -3.0


def f1_threshold(counts: np.ndarray, weights: np.ndarray) -> float:
    """The log-odds threshold (bits) that maximizes the model's expected pairwise F1 over
    candidate pairs with these pattern ``counts`` and ``weights`` (posterior = expected
    matches), within [MIN_THRESHOLD_BITS, 0]."""
    order = np.argsort(-weights, kind="stable")
    w, n = weights[order], counts[order]
    post = n / (1.0 + np.exp2(-w))
    expected = float(post.sum())
    if expected <= 0:
        return 0.0
    f1 = 2.0 * np.cumsum(post) / (np.cumsum(n) + expected)
    best = int(np.argmax(np.where(n > 0, f1, -1.0)))
    following = w[best + 1:][n[best + 1:] > 0]
    cut = (w[best] + following[0]) / 2.0 if len(following) else w[best] - 1.0
    return float(np.clip(cut, MIN_THRESHOLD_BITS, 0.0))


def _fit_sample(mid: np.ndarray) -> np.ndarray:
    """Reports to fit on: all, or whole days (every k-th since the first) past FIT_REPORTS."""
    k = int(np.ceil(len(mid) / FIT_REPORTS))
    if k <= 1:
        return np.arange(len(mid))
    day = np.floor((mid - mid.min()) / DAY_S).astype(np.int64)
    return np.flatnonzero(day % k == 0)


def fit(t_start: np.ndarray, t_end: np.ndarray, lat: np.ndarray, lon: np.ndarray,
        uncertainty_m: np.ndarray, category: np.ndarray, side: np.ndarray,
        source: np.ndarray, event: np.ndarray, min_location_uncertainty_m: float,
        use_numba: bool = False) -> LinkageModel:
    """Estimate the model from the reports themselves, without labels (module docstring).

    Depends only on the set of reports (pairs and counts are sets), not on their order."""
    mid_all = (t_start + t_end) / 2.0
    keep = _fit_sample(mid_all)
    cols = [np.asarray(c)[keep] for c in (t_start, t_end, lat, lon, uncertainty_m, category,
                                          side, source, event)]
    t0, t1, la, lo, un, cat, sd, src, ev = cols
    mid = (t0 + t1) / 2.0
    reach_t, reach_s = reaches(t0, t1, un, min_location_uncertainty_m)
    n = len(mid)

    def candidates(m_: np.ndarray, src_: np.ndarray, ev_: np.ndarray, la_: np.ndarray,
                   lo_: np.ndarray, rt: np.ndarray, rs: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = np.argsort(m_, kind="stable")
        a, b, _ = compatible_pairs(src_[order], ev_[order], la_[order], lo_[order],
                                   np.zeros(len(order), dtype=np.int16), m_[order],
                                   rt[order], rs[order], use_numba=use_numba)
        return order[a], order[b], order

    a, b, _ = candidates(mid, src, ev, la, lo, reach_t, reach_s)
    forced = (ev[a] >= 0) & (ev[a] == ev[b]) & (src[a] == src[b])
    a, b = a[~forced], b[~forced]
    args = (t0, t1, la, lo, un, cat, sd)
    real = np.bincount(pattern(a, b, *args, min_location_uncertainty_m),
                       minlength=N_PATTERNS).astype(np.float64)

    # the shifted copy: far enough that no report's reach spans it
    span = float(mid.max() - mid.min()) if n else 0.0
    shift = max(2.0 * DAY_S, 2.0 * float(np.quantile(reach_t, 0.99)) if n else 0.0)
    both = np.concatenate
    sa, sb, _ = candidates(both([mid, mid + shift]), both([src, src]),
                           np.full(2 * n, -1, dtype=np.int64), both([la, la]),
                           both([lo, lo]), both([reach_t, reach_t]), both([reach_s, reach_s]))
    cross = (sa < n) != (sb < n)
    sa, sb = sa[cross], sb[cross]
    first, second = np.minimum(sa, sb), np.maximum(sa, sb)  # original, shifted copy
    doubled = (both([t0, t0 + shift]), both([t1, t1 + shift]), both([la, la]), both([lo, lo]),
               both([un, un]), both([cat, cat]), both([sd, sd]))
    # only reports with the full shifted neighbourhood count (not the first `shift` or the
    # last reach of the data), in both estimates of the prior
    edge = 2.0 * float(np.quantile(reach_t, 0.99)) if n else 0.0
    inner = (mid >= mid.min() + shift + edge) & (mid <= mid.max() - edge) if n \
        else np.zeros(0, dtype=bool)
    random = np.bincount(pattern(first, second, *doubled, min_location_uncertainty_m),
                         minlength=N_PATTERNS).astype(np.float64)
    stats = {"reports": float(n), "candidate_pairs": float(real.sum()),
             "random_pairs": float(random.sum()), "shift_days": shift / DAY_S,
             "span_days": span / DAY_S}
    if random.sum() < MIN_RANDOM_PAIRS or real.sum() < MIN_RANDOM_PAIRS:
        # too few pairs to learn from: the defaults, which a later --rebuild replaces
        return LinkageModel(min_location_uncertainty_m=float(min_location_uncertainty_m),
                            method="default (too few pairs to fit)", stats=stats)
    else:
        u = [(c + 0.5) / (c.sum() + 0.5 * len(c)) for c in _marginals(random)]
        # neighbours per inner report: real (both ends) against chance (the shifted copy)
        near_real = np.count_nonzero(inner[a]) + np.count_nonzero(inner[b])
        near_random = np.count_nonzero(inner[first])
        m, lam, it = em(real, u, None)
        if near_real >= MIN_RANDOM_PAIRS and near_random > 0:  # a diagnostic (docstring)
            stats["prior_from_counts"] = float(np.clip(1.0 - near_random / near_real, 0, 1))
        method = "em"
    stats["iterations"] = float(it)
    model = LinkageModel(tuple(tuple(float(v) for v in x) for x in m),
                         tuple(tuple(float(v) for v in x) for x in u), float(lam),
                         float(min_location_uncertainty_m), method, stats)
    return replace(model, threshold_bits=f1_threshold(real, model.pattern_weights()))


def fit_labelled(codes: np.ndarray, is_match: np.ndarray, min_location_uncertainty_m: float
                 ) -> LinkageModel:
    """The model from labelled candidate pairs (pattern codes, match or not): counts,
    smoothed as the unsupervised fit."""
    match = np.bincount(codes[is_match], minlength=N_PATTERNS).astype(np.float64)
    other = np.bincount(codes[~is_match], minlength=N_PATTERNS).astype(np.float64)
    m = [(c + SMOOTHING * np.asarray(d)) / (c.sum() + SMOOTHING)
         for c, d in zip(_marginals(match), DEFAULT_M, strict=True)]
    u = [(c + 0.5) / (c.sum() + 0.5 * len(c)) for c in _marginals(other)]
    m = [_monotone(mk, u[k]) if ORDERED[k] else mk for k, mk in enumerate(m)]
    lam = (match.sum() + 1.0) / (match.sum() + other.sum() + 2.0)
    model = LinkageModel(tuple(tuple(float(v) for v in x) for x in m),
                         tuple(tuple(float(v) for v in x) for x in u), float(lam),
                         float(min_location_uncertainty_m), "labelled",
                         {"labelled_pairs": float(len(codes))})
    return replace(model, threshold_bits=f1_threshold(match + other, model.pattern_weights()))


def explain_table(model: LinkageModel) -> list[dict[str, Any]]:
    """One row per comparison level: m, u and match weight (bits)."""
    rows = []
    for k, (c, w) in enumerate(zip(COMPARISONS, model.weights(), strict=True)):
        for lvl, name in enumerate(LEVELS[c]):
            rows.append({"comparison": c, "level": name, "m": model.m[k][lvl],
                         "u": model.u[k][lvl], "weight_bits": float(w[lvl])})
    return rows


def pair_explanation(model: LinkageModel, code: int) -> dict[str, Any]:
    """The levels and weights of one pair's pattern, with its match probability."""
    weights = model.weights()
    parts = {}
    total = model.prior_weight()
    for k, c in enumerate(COMPARISONS):
        lvl = int(_level_of(np.array([code]), k)[0])
        parts[c] = {"level": LEVELS[c][lvl], "weight_bits": round(float(weights[k][lvl]), 3)}
        total += float(weights[k][lvl])
    return {"comparisons": parts, "prior_bits": round(model.prior_weight(), 3),
            "weight_bits": round(total, 3),
            "match_probability": round(float(1.0 / (1.0 + 2.0 ** -total)), 6)}
