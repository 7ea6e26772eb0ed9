"""Evaluate fusion and confidence against synthetic ground truth (bench/synthetic.py).

Prints, for ceasefire's fusion and two baselines on the same reports:

* pairwise precision / recall / F1 of the grouping (a pair of reports is "together" in the
  truth when they describe one event);
* the Brier score of the incident confidence against "the incident is real" (it contains a
  report of a real event), and a reliability table (predicted vs observed per bin);
* the must-show checks: F1 >= naive + 0.05 and Brier <= 0.10.

Baselines: **naive** = time-ordered greedy clustering (each report joins the earliest open
cluster whose first report is within 25 km and 6 h, else starts one; no categories, no
sources). **points** = the peer scheme of issue 4: a satellite detection anchors an event
(2 points), any other signal within 25 km / 6 h adds 1 point, bands 8+ confirmed, 5-7 high,
3-4 moderate, 1-2 possible; signals near no anchor are grouped as in naive. Its bands are
scored at the middle of ceasefire's band ranges (0.975 / 0.875 / 0.65 / 0.25).

    python bench/evaluate.py                 # generate (30 days, seed 1) and evaluate
    python bench/evaluate.py --dir DIR       # evaluate files written by synthetic.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate

from ceasefire.core.blocking import haversine_m
from ceasefire.core.confidence import combine, is_neutral_monitor, score_reports
from ceasefire.core.fusion import ReportArrays, fit_model, fuse, member_links
from ceasefire.core.profile import DEFAULT_PROFILE, ScoringProfile

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
BAND_P = {"confirmed": 0.975, "high": 0.875, "moderate": 0.65, "possible": 0.25}


def to_epoch(observed_at: pd.Series, uncertainty_min: pd.Series) -> tuple[np.ndarray, ...]:
    """Canonical ``observed_at`` (ISO with offset, or a date = the day in Kyiv) to t_start/t_end."""
    text = observed_at.astype(str)
    day = text.str.len() == 10
    t = np.empty(len(text))
    if (~day).any():
        stamps = pd.to_datetime(text[~day], utc=True, format="ISO8601")
        t[~day] = ((stamps - EPOCH) / pd.Timedelta(seconds=1)).to_numpy()
    if day.any():
        noon = pd.to_datetime(text[day] + "T12:00:00").dt.tz_localize("Europe/Kyiv")
        t[day] = ((noon.dt.tz_convert("UTC") - EPOCH) / pd.Timedelta(seconds=1)).to_numpy()
    unc = uncertainty_min.fillna(pd.Series(np.where(day, 720.0, 30.0), index=text.index))
    unc = unc.to_numpy(dtype=np.float64) * 60.0
    return t - unc, t + unc


def load(sources: pd.DataFrame, reports: pd.DataFrame) -> tuple[ReportArrays, pd.DataFrame]:
    """Canonical frames → fusion arrays + per-report source columns (a minimal local loader)."""
    t_start, t_end = to_epoch(reports["observed_at"], reports["time_uncertainty_min"])
    gid = (reports["source_id"] + ":" + reports["report_id"]).to_numpy()
    meta = reports[["source_id", "perpetrator", "credibility"]].merge(
        sources, on="source_id", how="left")
    arrays = ReportArrays.build(
        gid, reports["source_id"].to_numpy(), [None] * len(reports), t_start, t_end,
        reports["lat"].to_numpy(), reports["lon"].to_numpy(),
        reports["location_uncertainty_m"].to_numpy(), reports["category"].tolist(),
        meta["affiliation"].fillna("neutral").astype(str).tolist())
    return arrays, meta


def pairwise(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Pairwise precision, recall, F1 of a grouping against the true grouping."""
    def pairs(labels: np.ndarray) -> float:
        counts = np.unique(labels, return_counts=True)[1].astype(np.float64)
        return float((counts * (counts - 1) / 2).sum())
    joint = pred.astype(np.int64) * (int(truth.max()) + 1) + truth
    tp, pp, tt = pairs(joint), pairs(pred), pairs(truth)
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def incident_truth(labels: np.ndarray, real: np.ndarray) -> np.ndarray:
    """An incident is real when any of its reports describes a real event."""
    return np.bincount(labels, weights=real.astype(float)) > 0


def reliability_table(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> pd.DataFrame:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = which == b
        if sel.any():
            rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(sel.sum()),
                         "predicted": round(float(p[sel].mean()), 3),
                         "observed": round(float(outcome[sel].mean()), 3)})
    return pd.DataFrame(rows)


def naive_greedy(t_mid: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 radius_m: float = 25_000.0, window_s: float = 6 * 3600.0) -> np.ndarray:
    """Time-ordered greedy: join the earliest open cluster whose seed is within reach."""
    order = np.argsort(t_mid, kind="stable")
    labels = np.empty(len(t_mid), dtype=np.int64)
    seeds: list[int] = []  # open clusters' seed report, oldest first
    first_open = 0
    for i in order:
        while first_open < len(seeds) and t_mid[i] - t_mid[seeds[first_open]] > window_s:
            first_open += 1
        chosen = -1
        if first_open < len(seeds):
            cand = np.array(seeds[first_open:])
            d = haversine_m(lat[cand], lon[cand], lat[i], lon[i])
            hit = np.flatnonzero(d <= radius_m)
            if len(hit):
                chosen = first_open + int(hit[0])
        if chosen < 0:
            seeds.append(int(i))
            chosen = len(seeds) - 1
        labels[i] = chosen
    return labels


def points_scheme(t_mid: np.ndarray, lat: np.ndarray, lon: np.ndarray, satellite: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The peer points scheme: (labels, band probability per incident)."""
    n = len(t_mid)
    labels = np.full(n, -1, dtype=np.int64)
    anchors = np.flatnonzero(satellite)
    labels[anchors] = np.arange(len(anchors))
    others = np.flatnonzero(~satellite)
    if len(anchors):
        order = np.argsort(t_mid[anchors])
        at = t_mid[anchors][order]
        for i in others:
            lo, hi = np.searchsorted(at, [t_mid[i] - 6 * 3600, t_mid[i] + 6 * 3600])
            cand = anchors[order[lo:hi]]
            if len(cand):
                d = haversine_m(lat[cand], lon[cand], lat[i], lon[i])
                if d.min() <= 25_000:
                    labels[i] = labels[cand[int(np.argmin(d))]]
    rest = labels < 0
    if rest.any():
        labels[rest] = len(anchors) + naive_greedy(t_mid[rest], lat[rest], lon[rest])
    _, labels = np.unique(labels, return_inverse=True)
    points = np.bincount(labels, weights=np.where(satellite, 2.0, 1.0))
    prob = np.select([points >= 8, points >= 5, points >= 3],
                     [BAND_P["confirmed"], BAND_P["high"], BAND_P["moderate"]], BAND_P["possible"])
    return labels, prob


def evaluate(sources: pd.DataFrame, reports: pd.DataFrame, truth: pd.DataFrame,
             profile: ScoringProfile = DEFAULT_PROFILE) -> dict[str, object]:
    """All measures for ceasefire, naive and points on one synthetic set."""
    arrays, meta = load(sources, reports)
    key = reports["source_id"] + ":" + reports["report_id"]
    tr = truth.assign(key=truth["source_id"] + ":" + truth["report_id"]).set_index("key")
    event = tr.loc[key, "event_id"].to_numpy()
    real = tr.loc[key, "real"].to_numpy().astype(bool)
    t_mid = (arrays.t_start + arrays.t_end) / 2

    started = time.perf_counter()
    model = fit_model(arrays, profile)
    result = fuse(arrays, model)
    links = member_links(arrays, result.labels, model)
    scores = score_reports(profile, meta["reliability"].to_numpy(),
                           meta["credibility"].to_numpy(dtype=object),
                           meta["affiliation"].to_numpy(), meta["perpetrator"].to_numpy(
                               dtype=object))
    _, groups = np.unique(meta["origin_group"].astype(str), return_inverse=True)
    inc = combine(profile, result.labels, groups, scores.p,
                  is_neutral_monitor(meta["kind"], meta["affiliation"]), int(groups.max()) + 1,
                  membership=links.membership)
    elapsed = time.perf_counter() - started

    out: dict[str, object] = {"reports": len(reports), "events": len(np.unique(event)),
                              "seconds": elapsed}
    real_inc = incident_truth(result.labels, real)
    out["ceasefire"] = (*pairwise(result.labels, event), result.n_incidents,
                        float(np.mean((inc.probability - real_inc) ** 2)))
    out["reliability"] = reliability_table(inc.probability, real_inc)
    out["bands"] = pd.DataFrame({"band": inc.band, "real": real_inc}).groupby("band")["real"] \
        .agg(["count", "mean"]).round(3)
    naive = naive_greedy(t_mid, arrays.lat, arrays.lon)
    out["naive"] = (*pairwise(naive, event), int(naive.max()) + 1, float("nan"))
    sat = (meta["kind"] == "satellite").to_numpy()
    plabels, pprob = points_scheme(t_mid, arrays.lat, arrays.lon, sat)
    preal = incident_truth(plabels, real)
    out["points"] = (*pairwise(plabels, event), int(plabels.max()) + 1,
                     float(np.mean((pprob - preal) ** 2)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="read sources/reports/truth.csv from here")
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--events-per-day", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.dir:
        sources = pd.read_csv(args.dir / "sources.csv")
        reports = pd.read_csv(args.dir / "reports.csv")
        truth = pd.read_csv(args.dir / "truth.csv")
    else:
        sources, reports, truth = generate(args.days, args.events_per_day, args.seed)
    res = evaluate(sources, reports, truth)
    print(f"synthetic set: {res['reports']} reports, {res['events']} events "
          f"(days={args.days}, events/day={args.events_per_day}, seed={args.seed})")
    table = pd.DataFrame([res["ceasefire"], res["naive"], res["points"]],
                         index=["ceasefire", "naive greedy", "points scheme"],
                         columns=["precision", "recall", "F1", "incidents", "Brier"])
    print(table.round(4).to_string())
    print("\nreliability (ceasefire confidence):")
    print(res["reliability"].to_string(index=False))
    print("\nbands (ceasefire): share of incidents that are real")
    print(res["bands"].to_string())
    f1, f1_naive = res["ceasefire"][2], res["naive"][2]
    brier = res["ceasefire"][4]
    ok_f1, ok_brier = f1 >= f1_naive + 0.05, brier <= 0.10
    print(f"\nMUST SHOW  F1 {f1:.4f} >= naive {f1_naive:.4f} + 0.05: "
          f"{'PASS' if ok_f1 else 'FAIL'}   Brier {brier:.4f} <= 0.10: "
          f"{'PASS' if ok_brier else 'FAIL'}")
    return 0 if ok_f1 and ok_brier else 1


if __name__ == "__main__":
    sys.exit(main())
