"""A second synthetic generator, written to a different spec than bench/synthetic.py (issue 16).

It exists so that fusion is measured on data it was not developed against. What differs:

* **The theatre** is a straight ~400 km front strip (Zaporizhzhia to Kupiansk as a chord,
  not the contact-line polyline), events within ±25 km of its axis; half of them fall on
  30 recurring hot spots (towns shelled day after day), so different events at one place
  are common.
* **Nine sources of grades A–D** with their own kinds and precisions; a grade is the share
  of a source's *own* reports that are real (A 0.9, B 0.75, C 0.6, D 0.45); the rest are
  **fabricated** events that only that source (and whoever echoes it) reports.
* **Echo chains**: an outlet repeats another (which may itself be an echo) 10–180 min later,
  with its own (coarser) place and its own category wording; echoes share the origin group
  of the chain's first source.
* **Category disagreement** ``disagree`` (0–0.3): each report names a category drawn from
  all categories, not the event's, with that probability. A satellite reports "explosion".
* **Misdeclared uncertainty** ``misdeclare``: each source's true errors are its declared
  uncertainty times a factor drawn log-uniformly in [0.5, 2] (once per source and run).
* Time errors are Laplace (heavy-tailed), place errors 2-D normal with the declared value
  as the per-axis sigma (times the misdeclaration factor).

``truth`` gives each report's event (fabrications: their own event) and whether it is real;
``params`` (returned by :func:`generate`) gives the true per-source factors for an oracle.

    python bench/strip_generator.py OUT_DIR [--days 10] [--events-per-day 60]
        [--disagree 0.0] [--misdeclare] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

M_PER_DEG = 111_195.0
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z
AXIS = ((47.55, 35.75), (49.70, 37.65))  # a straight chord, ~400 km (SW end, NE end)
HALF_WIDTH_M = 25_000.0
HOT_SPOTS, HOT_SHARE = 30, 0.5
CATEGORIES = ["shelling", "mlrs", "drone_strike", "missile_strike", "airstrike",
              "small_arms_fire", "ground_assault", "infrastructure_damage"]
CATEGORY_P = [0.35, 0.1, 0.2, 0.05, 0.07, 0.13, 0.05, 0.05]
ALL_CATEGORIES = CATEGORIES + ["explosion", "civilian_harm"]
GRADE_REAL = {"A": 0.9, "B": 0.75, "C": 0.6, "D": 0.45}


@dataclass(frozen=True)
class Source:
    source_id: str
    kind: str
    affiliation: str
    grade: str
    detect: float          # share of real events it reports (parties: of the adversary's)
    loc_m: float           # declared location uncertainty (m, per-axis sigma)
    time_min: float        # declared time uncertainty (± minutes)
    echo_of: str | None = None
    echo_p: float = 0.0


SOURCES = (
    Source("OBS-1", "monitor", "neutral", "A", 0.30, 400, 20),
    Source("OBS-2", "monitor", "neutral", "A", 0.25, 600, 30),
    Source("SAT", "satellite", "neutral", "B", 0.35, 500, 240),
    Source("UA-GS", "party", "UA", "B", 0.45, 2500, 90),
    Source("RU-MOD", "party", "RU", "C", 0.45, 4000, 180),
    Source("UA-CH", "party", "UA", "C", 0.15, 3000, 60, echo_of="UA-GS", echo_p=0.5),
    Source("RU-CH", "party", "RU", "D", 0.15, 5000, 120, echo_of="RU-MOD", echo_p=0.6),
    Source("WIRE", "news", "neutral", "B", 0.20, 3000, 120, echo_of="UA-CH", echo_p=0.3),
    Source("LOCAL", "news", "neutral", "D", 0.20, 6000, 240, echo_of="WIRE", echo_p=0.3),
)


def _origin(spec: Source) -> str:
    by_id = {s.source_id: s for s in SOURCES}
    while spec.echo_of:
        spec = by_id[spec.echo_of]
    return spec.source_id


def _events(rng: np.random.Generator, n: int, days: float, hot: np.ndarray) -> pd.DataFrame:
    along = rng.uniform(0, 1, n)
    across = rng.uniform(-HALF_WIDTH_M, HALF_WIDTH_M, n)
    on_hot = rng.random(n) < HOT_SHARE
    pick = rng.integers(0, len(hot), n)
    along = np.where(on_hot, hot[pick, 0], along)
    across = np.where(on_hot, hot[pick, 1] + rng.normal(0, 800, n), across)
    (la0, lo0), (la1, lo1) = AXIS
    lat = la0 + along * (la1 - la0)
    lon = lo0 + along * (lo1 - lo0)
    # across-track: perpendicular to the chord, in metres
    dy, dx = (la1 - la0) * M_PER_DEG, (lo1 - lo0) * M_PER_DEG * np.cos(np.radians(48.6))
    norm = np.hypot(dx, dy)
    lat = lat + across * (dx / norm) / M_PER_DEG
    lon = lon - across * (dy / norm) / (M_PER_DEG * np.cos(np.radians(lat)))
    return pd.DataFrame({
        "t": T0 + np.sort(rng.uniform(0, days * 86_400, n)), "lat": lat, "lon": lon,
        "category": rng.choice(CATEGORIES, n, p=CATEGORY_P),
        "perpetrator": np.where(rng.random(n) < 0.65, "RU", "UA")})


def generate(days: float = 10.0, events_per_day: float = 60.0, disagree: float = 0.0,
             misdeclare: bool = False, seed: int = 1
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """(sources, reports, truth, factor per source). Deterministic per arguments."""
    rng = np.random.default_rng(seed)
    hot = np.stack([rng.uniform(0, 1, HOT_SPOTS),
                    rng.uniform(-HALF_WIDTH_M, HALF_WIDTH_M, HOT_SPOTS)], axis=1)
    real = _events(rng, int(rng.poisson(events_per_day * days)), days, hot)
    real["event_id"] = [f"E{i}" for i in range(len(real))]
    real["real"] = True
    factor = {s.source_id: float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
              if misdeclare else 1.0 for s in SOURCES}
    told: dict[str, pd.DataFrame] = {}
    rows = []
    n_fake = 0
    for spec in SOURCES:  # in order: every echo comes after the source it repeats
        if spec.echo_of is None:
            p = np.full(len(real), spec.detect)
            if spec.kind == "party":  # accuses the adversary, rarely admits its own
                p = np.where(real["perpetrator"] == spec.affiliation, 0.03, p)
            if spec.kind == "satellite":  # sees fire, not small arms
                p = np.where(real["category"].isin(["small_arms_fire", "ground_assault"]),
                             0.0, p)
            seen = real[rng.random(len(real)) < p]
        else:
            base = told[spec.echo_of]
            seen = base[rng.random(len(base)) < spec.echo_p].copy()
            seen["t"] = seen["t"] + rng.uniform(600, 10_800, len(seen))
            own = real[rng.random(len(real)) < spec.detect * 0.5]
            seen = pd.concat([seen, own], ignore_index=True)
        share = GRADE_REAL[spec.grade]
        k = int(rng.poisson(len(seen) * (1 - share) / share))
        fake = _events(rng, k, days, hot)
        fake["event_id"] = [f"F{n_fake + i}" for i in range(k)]
        fake["real"] = False
        n_fake += k
        if spec.kind == "party":
            fake["perpetrator"] = "RU" if spec.affiliation == "UA" else "UA"
        told[spec.source_id] = pd.concat([seen, fake], ignore_index=True)
        rows.append(_observe(rng, spec, told[spec.source_id], disagree, factor[spec.source_id]))
    reports = pd.concat(rows, ignore_index=True)
    reports = reports.sort_values(["source_id", "t_obs"], kind="stable").reset_index(drop=True)
    reports["report_id"] = reports.groupby("source_id").cumcount().map(lambda i: f"n{i:06d}")
    truth = reports[["source_id", "report_id", "event_id", "real"]].copy()
    sources = pd.DataFrame([{"source_id": s.source_id, "name": s.source_id, "kind": s.kind,
                             "affiliation": s.affiliation, "reliability": s.grade,
                             "origin_group": _origin(s)} for s in SOURCES])
    columns = ["report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
               "location_uncertainty_m", "category", "perpetrator", "credibility"]
    return sources, reports[columns], truth, factor


def _observe(rng: np.random.Generator, spec: Source, ev: pd.DataFrame, disagree: float,
             factor: float) -> pd.DataFrame:
    n = len(ev)
    if spec.kind == "satellite":  # a later overpass
        t = ev["t"].to_numpy() + rng.uniform(0, 2 * spec.time_min * 60 * factor, n)
    else:
        t = ev["t"].to_numpy() + rng.laplace(0, spec.time_min * 60 * factor / 2, n)
    sigma = spec.loc_m * factor
    lat = ev["lat"].to_numpy() + rng.normal(0, sigma, n) / M_PER_DEG
    lon = ev["lon"].to_numpy() + rng.normal(0, sigma, n) / (M_PER_DEG * np.cos(
        np.radians(lat)))
    category = ev["category"].to_numpy(dtype=object).copy()
    if spec.kind == "satellite":
        category[:] = "explosion"
    else:
        swap = rng.random(n) < disagree
        category[swap] = rng.choice(ALL_CATEGORIES, int(swap.sum()))
    stamp = pd.to_datetime(t, unit="s", utc=True)
    return pd.DataFrame({
        "source_id": spec.source_id, "event_id": ev["event_id"].to_numpy(),
        "real": ev["real"].to_numpy(), "t_obs": t,
        "observed_at": stamp.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "time_uncertainty_min": float(spec.time_min),
        "lat": lat.round(5), "lon": lon.round(5),
        "location_uncertainty_m": float(spec.loc_m),
        "category": category,
        "perpetrator": ev["perpetrator"].to_numpy() if spec.kind == "party" else "",
        "credibility": pd.array([pd.NA] * n, dtype="Int64"),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--events-per-day", type=float, default=60.0)
    parser.add_argument("--disagree", type=float, default=0.0)
    parser.add_argument("--misdeclare", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sources, reports, truth, _ = generate(args.days, args.events_per_day, args.disagree,
                                          args.misdeclare, args.seed)
    from ceasefire.fsutil import atomic_output

    for name, frame in (("sources", sources), ("reports", reports), ("truth", truth)):
        with atomic_output(args.out / f"{name}.csv") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
    print(f"{len(reports)} reports of {truth['event_id'].nunique()} events to {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
