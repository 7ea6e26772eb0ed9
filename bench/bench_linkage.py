"""Fusion quality on two generators: regimes × methods (P, R, F1, Brier, time) — issue 16.

Methods, all on the same canonical reports of each regime:

* ``ceasefire``: the linkage model fitted without labels (core/linkage.py), fusion without
  chaining, and the confidence model;
* ``naive greedy``: reports in time order; a report joins the best incident of which *every*
  member is within 1.5×(u₁+u₂) of it in space and in time and comes from another source
  (best: the smallest normalized distance to a member), else it starts one; confidence is
  a noisy-OR over origin groups (each group's most reliable report);
* ``category greedy``: the same, but it never joins different strike categories
  ("explosion" joins any);
* ``oracle``: the same linkage model and clustering with parameters counted from the
  generator's truth (m, u and the prior of the candidate pairs), the best this model can do;
* ``splink``: Splink 5 with DuckDB (see bench/splink_peer.py), when installed.

Scores are pairwise precision / recall / F1 against the true events, and the Brier score of
incident confidence against "the incident holds a real event".

    python bench/bench_linkage.py [--days 10] [--seed 5] [--markdown] [--tables]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import incident_truth, load, pairwise

from ceasefire.core import linkage
from ceasefire.core.blocking import compatible_pairs, haversine_m
from ceasefire.core.confidence import combine, is_neutral_monitor, score_reports
from ceasefire.core.fusion import (
    ReportArrays,
    canonical_order,
    fit_model,
    fuse,
    member_links,
)
from ceasefire.core.linkage import LinkageModel
from ceasefire.core.profile import DEFAULT_PROFILE

Frames = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def regimes(days: float, seed: int) -> list[tuple[str, str, Callable[[], Frames]]]:
    """(generator, regime, maker) for every regime of both generators."""
    import strip_generator
    import synthetic

    def strip(rate: float, disagree: float, mis: bool) -> Callable[[], Frames]:
        return lambda: strip_generator.generate(days, rate, disagree, mis, seed)[:3]

    def own(rate: float) -> Callable[[], Frames]:
        return lambda: synthetic.generate(days=days, events_per_day=rate, seed=seed)

    return [
        ("strip", "60/day consistent", strip(60, 0.0, False)),
        ("strip", "60/day, 30 % disagreement", strip(60, 0.3, False)),
        ("strip", "60/day, misdeclared", strip(60, 0.0, True)),
        ("strip", "120/day, 15 %, misdeclared", strip(120, 0.15, True)),
        ("strip", "20/day, 30 %, misdeclared", strip(20, 0.3, True)),
        ("synthetic", "20/day", own(20)),
        ("synthetic", "60/day", own(60)),
        ("synthetic", "120/day", own(120)),
    ]


def confidence(arrays: ReportArrays, meta: pd.DataFrame, labels: np.ndarray,
               membership: np.ndarray | None) -> np.ndarray:
    scores = score_reports(DEFAULT_PROFILE, meta["reliability"].to_numpy(),
                           meta["credibility"].to_numpy(dtype=object),
                           meta["affiliation"].to_numpy(),
                           meta["perpetrator"].fillna("").to_numpy(dtype=object))
    _, groups = np.unique(meta["origin_group"].astype(str), return_inverse=True)
    return combine(DEFAULT_PROFILE, labels, groups, scores.p,
                   is_neutral_monitor(meta["kind"], meta["affiliation"]),
                   int(groups.max()) + 1, membership=membership).probability


def run_ceasefire(arrays: ReportArrays, meta: pd.DataFrame, model: LinkageModel | None = None
                  ) -> tuple[np.ndarray, np.ndarray, LinkageModel]:
    model = model or fit_model(arrays, DEFAULT_PROFILE)
    labels = fuse(arrays, model).labels
    links = member_links(arrays, labels, model)
    return labels, confidence(arrays, meta, labels, links.membership), model


def oracle_model(arrays: ReportArrays, event: np.ndarray) -> LinkageModel:
    """Parameters counted from the truth over the candidate pairs (labelled fit)."""
    order = canonical_order(arrays)
    r = arrays.take(order)
    mid = (r.t_start + r.t_end) / 2
    reach_t, reach_s = linkage.reaches(r.t_start, r.t_end, r.uncertainty_m,
                                       DEFAULT_PROFILE.min_location_uncertainty_m)
    a, b, _ = compatible_pairs(r.source, r.event, r.lat, r.lon, np.zeros(len(r), np.int16),
                               mid, reach_t, reach_s, use_numba=False)
    code = linkage.pattern(a, b, r.t_start, r.t_end, r.lat, r.lon, r.uncertainty_m,
                           r.category, r.side, DEFAULT_PROFILE.min_location_uncertainty_m)
    ev = event[order]
    return linkage.fit_labelled(code, ev[a] == ev[b], DEFAULT_PROFILE.min_location_uncertainty_m)


_GENERIC = {"explosion"}


def greedy(arrays: ReportArrays, meta: pd.DataFrame, categories: np.ndarray,
           category_aware: bool) -> tuple[np.ndarray, np.ndarray]:
    """The greedy baselines of issue 16 (see the module docstring): (labels, confidence)."""
    order = canonical_order(arrays)
    t = (arrays.t_start + arrays.t_end) / 2
    ut = (arrays.t_end - arrays.t_start) / 2
    us = arrays.uncertainty_m
    horizon = 1.5 * 2 * float(ut.max())
    labels = np.full(len(t), -1, dtype=np.int64)
    size: list[int] = []
    open_members: list[int] = []  # reports of every incident, in time order
    first = 0
    for i in order.tolist():
        while first < len(open_members) and t[i] - t[open_members[first]] > horizon:
            first += 1
        cand = np.array(open_members[first:], dtype=np.int64)
        chosen = -1
        if len(cand):
            ok = np.abs(t[cand] - t[i]) <= 1.5 * (ut[cand] + ut[i])
            d = haversine_m(arrays.lat[cand], arrays.lon[cand], arrays.lat[i], arrays.lon[i])
            ok &= d <= 1.5 * (us[cand] + us[i])
            ok &= arrays.source[cand] != arrays.source[i]
            if category_aware and categories[i] not in _GENERIC:
                ok &= (categories[cand] == categories[i]) | np.isin(categories[cand],
                                                                   list(_GENERIC))
            inc = labels[cand]
            good = np.bincount(inc[ok], minlength=len(size))
            full = np.flatnonzero(good == np.asarray(size))
            if len(full):
                score = np.full(len(size), np.inf)
                np.minimum.at(score, inc[ok], d[ok] / (1.5 * (us[cand][ok] + us[i])))
                chosen = int(full[np.argmin(score[full])])
        if chosen < 0:
            chosen = len(size)
            size.append(0)
        labels[i] = chosen
        size[chosen] += 1
        open_members.append(i)
    p = np.array([DEFAULT_PROFILE.reliability_p.get(g, 0.5) for g in meta["reliability"]])
    _, groups = np.unique(meta["origin_group"].astype(str), return_inverse=True)
    key = labels * (int(groups.max()) + 1) + groups
    best = pd.Series(p).groupby(key).max()
    inc_of = best.index.to_numpy() // (int(groups.max()) + 1)
    miss = np.ones(len(size))
    np.multiply.at(miss, inc_of, 1 - best.to_numpy())
    return labels, 1 - miss


def measure(frames: Frames, with_oracle: bool = True) -> tuple[dict[str, tuple], LinkageModel]:
    sources, reports, truth = frames
    arrays, meta = load(sources, reports)
    key = reports["source_id"] + ":" + reports["report_id"]
    tr = truth.assign(key=truth["source_id"] + ":" + truth["report_id"]).set_index("key")
    event = pd.factorize(tr.loc[key, "event_id"])[0]
    real = tr.loc[key, "real"].to_numpy().astype(bool)
    cats = reports["category"].to_numpy(dtype=object)
    out: dict[str, tuple] = {}

    def score(name: str, labels: np.ndarray, prob: np.ndarray, seconds: float) -> None:
        brier = float(np.mean((prob - incident_truth(labels, real)) ** 2))
        out[name] = (*pairwise(labels, event), brier, seconds)

    started = time.perf_counter()
    labels, prob, model = run_ceasefire(arrays, meta)
    score("ceasefire", labels, prob, time.perf_counter() - started)
    for name, aware in (("naive greedy", False), ("category greedy", True)):
        started = time.perf_counter()
        labels, prob = greedy(arrays, meta, cats, aware)
        score(name, labels, prob, time.perf_counter() - started)
    if with_oracle:
        started = time.perf_counter()
        labels, prob, _ = run_ceasefire(arrays, meta, oracle_model(arrays, event))
        score("oracle", labels, prob, time.perf_counter() - started)
    try:
        from splink_peer import run_splink
    except ImportError:
        run_splink = None
    if run_splink is not None:
        started = time.perf_counter()
        labels = run_splink(arrays, reports)
        score("splink", labels, np.full(int(labels.max()) + 1, np.nan),
              time.perf_counter() - started)
    out["_n"] = (len(reports), int(event.max()) + 1)
    return out, model


def model_table(model: LinkageModel) -> str:
    lines = ["| comparison | level | m | u | weight (bits) |", "|---|---|---|---|---|"]
    for row in linkage.explain_table(model):
        lines.append(f"| {row['comparison']} | {row['level']} | {row['m']:.4f} | "
                     f"{row['u']:.4f} | {row['weight_bits']:+.2f} |")
    lines.append(f"| prior | | {model.prior:.4f} | | {model.prior_weight():+.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--only", help="run the regimes whose name contains this")
    parser.add_argument("--tables", action="store_true",
                        help="also print the fitted m/u tables of every regime")
    args = parser.parse_args(argv)
    print("| generator | regime | reports | events | method | P | R | F1 | Brier | time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    gaps: list[float] = []
    models: list[tuple[str, LinkageModel]] = []
    for gen, name, make in regimes(args.days, args.seed):
        if args.only and args.only not in f"{gen} {name}":
            continue
        res, model = measure(make())
        n_rep, n_ev = res.pop("_n")
        for method, (p, r, f1, brier, secs) in res.items():
            b = "" if np.isnan(brier) else f"{brier:.3f}"
            print(f"| {gen} | {name} | {n_rep} | {n_ev} | {method} | {p:.3f} | {r:.3f} | "
                  f"{f1:.3f} | {b} | {secs:.2f} |", flush=True)
        better = max(res["naive greedy"][2], res["category greedy"][2])
        gaps.append(res["ceasefire"][2] - better)
        models.append((f"{gen} {name}", model))
    if gaps:
        print(f"\nceasefire F1 minus the better greedy: mean {np.mean(gaps):+.3f}, "
              f"min {np.min(gaps):+.3f}")
    if args.tables:
        for title, model in models:
            print(f"\n#### {title}\n\n{model_table(model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
