"""Synthetic ground truth for fusion and confidence: canonical sources.csv + reports.csv + truth.

What it models (issue 4):

* **Real events** along the 2025 contact line in eastern Ukraine (a polyline from the
  Dnipro near Kherson through Zaporizhzhia, Pokrovsk, Bakhmut and Siversk to Kupiansk, about
  650 km), at ``events_per_day`` (default 60, above the 50/day of a violated truce). Front-
  line fire sits within a few km of the line; drones, missiles and air strikes land deeper,
  on the side opposite their perpetrator (RU 70 %, UA 30 %).
* **Sources of known reliability**: the Admiralty grade of each source *is* the share of
  its reports that describe a real event (A 95 %, B 85 %, C 70 %, D 55 %, E 35 %; party
  accusations of the adversary have half those odds), so calibration can be measured. The
  rest are **fabricated events**, each invented by one source.
* **Origin groups that echo each other**: party channels and a syndicating outlet repeat
  their originator's reports (true or not), later and with small changes; they share the
  originator's origin group.
* **Precision** per kind: monitors (minutes, ~300 m), satellite (detection at a later
  overpass, hours; ~375 m pixel), parties (settlement: km; some only the day), news, civil.
* **Parties under-report their own side**: each accuses the adversary of ~70 % of its
  actions and admits ~3 % of its own.

Seeded and deterministic: the same arguments write the same bytes.

    python bench/synthetic.py OUT_DIR [--days 30] [--events-per-day 60] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

# The contact line (lat, lon), south-west to north-east, roughly as of 2025.
FRONT = np.array([
    (46.62, 32.62), (46.78, 33.45), (47.10, 34.20), (47.45, 35.20), (47.55, 36.10),
    (47.75, 36.80), (48.05, 37.40), (48.35, 37.75), (48.60, 38.00), (49.00, 38.15),
    (49.40, 37.95), (49.75, 37.75), (50.10, 37.80), (50.30, 37.60),
])
T0 = 1_735_689_600.0  # 2025-01-01T00:00:00Z
M_PER_DEG = 111_195.0

# category, share of real events, family kind: front (near the line) or deep (strikes)
CATEGORY_MIX = [
    ("shelling", 0.40, "front"), ("small_arms_fire", 0.10, "front"),
    ("ground_assault", 0.05, "front"), ("mlrs", 0.08, "front"),
    ("drone_strike", 0.20, "deep"), ("missile_strike", 0.06, "deep"),
    ("airstrike", 0.08, "deep"), ("infrastructure_damage", 0.03, "deep"),
]
RELIABILITY_P = {"A": 0.95, "B": 0.85, "C": 0.70, "D": 0.55, "E": 0.35}


@dataclass(frozen=True)
class SourceSpec:
    """A synthetic source and how it reports."""

    source_id: str
    kind: str
    affiliation: str
    reliability: str
    origin_group: str
    detect: float            # probability of reporting a real event it can see
    deep_factor: float       # detection multiplier for deep strikes (seen from afar)
    t_sigma_min: float       # time noise (minutes)
    t_declared_min: float    # declared ± time uncertainty
    loc_sigma_m: float       # location noise
    loc_declared_m: float    # declared location uncertainty
    echo_of: str | None = None   # repeats this source's reports (same origin group)
    echo_p: float = 0.0
    sector: tuple[float, float] | None = None  # latitude band a monitor patrols
    day_precision: float = 0.0   # share of reports giving only the date


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec("MON-N", "monitor", "neutral", "A", "MON-N", 0.50, 0.5, 5, 15, 300, 1000,
               sector=(48.3, 51.0)),
    SourceSpec("MON-S", "monitor", "neutral", "A", "MON-S", 0.50, 0.5, 5, 15, 300, 1000,
               sector=(46.0, 48.3)),
    SourceSpec("SAT-VIIRS", "satellite", "neutral", "B", "SAT-VIIRS", 0.45, 1.6, 90, 180, 200,
               400),
    SourceSpec("UA-GS", "party", "UA", "C", "UA-GS", 0.70, 1.0, 30, 60, 2500, 5000,
               day_precision=0.2),
    SourceSpec("UA-TG", "news", "UA", "C", "UA-GS", 0.0, 1.0, 45, 90, 2500, 5000,
               echo_of="UA-GS", echo_p=0.6),
    SourceSpec("RU-MOD", "party", "RU", "C", "RU-MOD", 0.70, 1.0, 30, 60, 2500, 5000,
               day_precision=0.3),
    SourceSpec("RU-TASS", "news", "RU", "C", "RU-MOD", 0.0, 1.0, 45, 90, 2500, 5000,
               echo_of="RU-MOD", echo_p=0.7),
    SourceSpec("NEWS-A", "news", "neutral", "B", "NEWS-A", 0.25, 2.5, 45, 120, 2000, 5000),
    SourceSpec("NEWS-B", "news", "neutral", "C", "NEWS-B", 0.20, 2.5, 60, 120, 2500, 5000),
    SourceSpec("NEWS-B2", "news", "neutral", "C", "NEWS-B", 0.0, 1.0, 60, 120, 2500, 5000,
               echo_of="NEWS-B", echo_p=0.5),
    SourceSpec("NEWS-D", "news", "neutral", "D", "NEWS-D", 0.12, 2.0, 90, 180, 3000, 8000),
    SourceSpec("CIV-1", "civil", "neutral", "D", "CIV-1", 0.12, 2.0, 30, 60, 1500, 3000),
    SourceSpec("CIV-2", "civil", "neutral", "E", "CIV-2", 0.05, 2.0, 60, 120, 3000, 5000),
)
ADMIT_OWN = 0.03          # a party reports its own side's action (an admission)
ACCUSATION_ODDS = 0.5     # a party's accusation is true with half the odds of its grade


def front_geometry() -> tuple[np.ndarray, np.ndarray, float]:
    """Cumulative length (m) at each vertex, segment lengths, total length."""
    dlat = np.diff(FRONT[:, 0]) * M_PER_DEG
    dlon = np.diff(FRONT[:, 1]) * M_PER_DEG * np.cos(np.radians(FRONT[:-1, 0]))
    seg = np.hypot(dlat, dlon)
    return np.concatenate([[0.0], np.cumsum(seg)]), seg, float(seg.sum())


def _place(rng: np.random.Generator, n: int, offset_m: np.ndarray) -> tuple[np.ndarray, ...]:
    """Points along the front, moved ``offset_m`` along the normal (positive: west, UA side)."""
    cum, seg, total = front_geometry()
    s = rng.uniform(0, total, n)
    i = np.clip(np.searchsorted(cum, s, "right") - 1, 0, len(seg) - 1)
    f = (s - cum[i]) / seg[i]
    lat = FRONT[i, 0] + f * (FRONT[i + 1, 0] - FRONT[i, 0])
    lon = FRONT[i, 1] + f * (FRONT[i + 1, 1] - FRONT[i, 1])
    # unit normal in metres, pointing north-west of the line's south-west→north-east run
    dy = (FRONT[i + 1, 0] - FRONT[i, 0]) * M_PER_DEG
    dx = (FRONT[i + 1, 1] - FRONT[i, 1]) * M_PER_DEG * np.cos(np.radians(lat))
    norm = np.hypot(dx, dy)
    ny, nx = dx / norm, -dy / norm
    lat = lat + offset_m * ny / M_PER_DEG
    lon = lon + offset_m * nx / (M_PER_DEG * np.cos(np.radians(lat)))
    return lat, lon


def _events(rng: np.random.Generator, n: int, days: float, real: bool,
            start_id: int) -> pd.DataFrame:
    cats = [c for c, _, _ in CATEGORY_MIX]
    shares = np.array([p for _, p, _ in CATEGORY_MIX])
    ci = rng.choice(len(cats), n, p=shares / shares.sum())
    deep = np.array([k == "deep" for _, _, k in CATEGORY_MIX])[ci]
    perp = np.where(rng.random(n) < 0.7, "RU", "UA")
    side = np.where(perp == "RU", 1.0, -1.0)  # RU fire lands on the UA (west) side
    offset = np.where(deep, side * rng.uniform(5_000, 80_000, n),
                      side * np.abs(rng.normal(0, 3_000, n)))
    lat, lon = _place(rng, n, offset)
    return pd.DataFrame({
        "event_id": np.arange(start_id, start_id + n), "real": real,
        "category": np.array(cats, dtype=object)[ci], "deep": deep, "perpetrator": perp,
        "t": T0 + rng.uniform(0, days * 86400.0, n), "lat": lat, "lon": lon,
    })


def generate(days: float = 30.0, events_per_day: float = 60.0, seed: int = 1
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build (sources, reports, truth) as canonical DataFrames. Deterministic per seed."""
    rng = np.random.default_rng(seed)
    events = _events(rng, int(rng.poisson(events_per_day * days)), days, True, 0)
    next_id = len(events)
    rows: list[pd.DataFrame] = []
    originals: dict[str, pd.DataFrame] = {}
    for spec in SOURCES:
        if spec.echo_of:
            continue
        p_see = np.full(len(events), spec.detect) * np.where(events["deep"], spec.deep_factor, 1)
        if spec.sector:
            p_see *= (events["lat"] >= spec.sector[0]) & (events["lat"] < spec.sector[1])
        if spec.kind == "satellite":
            p_see *= ~events["category"].isin(["small_arms_fire", "ground_assault"])
        perp = np.full(len(events), "")
        if spec.kind == "party":
            own = events["perpetrator"] == spec.affiliation
            p_see = np.where(own, ADMIT_OWN, p_see)
            perp = events["perpetrator"].to_numpy(dtype=object)
        seen = events[rng.random(len(events)) < np.clip(p_see, 0, 1)].copy()
        seen["claimed"] = perp[seen.index] if spec.kind == "party" else ""
        p_true = RELIABILITY_P[spec.reliability]
        if spec.kind == "party":
            odds = p_true / (1 - p_true) * ACCUSATION_ODDS
            p_true = odds / (1 + odds)
            accusations = (seen["claimed"] != spec.affiliation).sum()
        else:
            accusations = len(seen)
        n_fake = int(rng.poisson(accusations * (1 - p_true) / p_true))
        fake = _events(rng, n_fake, days, False, next_id)
        next_id += n_fake
        if spec.kind == "party":  # fabrications accuse the adversary
            fake["perpetrator"] = "RU" if spec.affiliation == "UA" else "UA"
            fake["claimed"] = fake["perpetrator"]
        else:
            fake["claimed"] = ""
        both = pd.concat([seen, fake], ignore_index=True)
        originals[spec.source_id] = both
        rows.append(_observe(rng, spec, both))
    for spec in SOURCES:
        if spec.echo_of:
            base = originals[spec.echo_of]
            echoed = base[rng.random(len(base)) < spec.echo_p].copy()
            echoed["t"] += rng.uniform(600, 7200, len(echoed))  # repeated later
            rows.append(_observe(rng, spec, echoed))
    reports = pd.concat(rows, ignore_index=True)
    reports = reports.sort_values(["source_id", "t_true", "event_id"], kind="stable")
    reports["report_id"] = reports.groupby("source_id").cumcount().map(lambda i: f"r{i:07d}")
    reports = reports.reset_index(drop=True)
    truth = reports[["source_id", "report_id", "event_id", "real"]].copy()
    sources = pd.DataFrame([{
        "source_id": s.source_id, "name": s.source_id, "kind": s.kind,
        "affiliation": s.affiliation, "reliability": s.reliability,
        "origin_group": s.origin_group} for s in SOURCES])
    columns = ["report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
               "location_uncertainty_m", "category", "perpetrator", "credibility"]
    return sources, reports[columns], truth


def _observe(rng: np.random.Generator, spec: SourceSpec, ev: pd.DataFrame) -> pd.DataFrame:
    """What the source writes about each event: noisy time and place, declared uncertainty."""
    n = len(ev)
    if spec.kind == "satellite":  # seen at a later overpass
        t = ev["t"].to_numpy() + rng.uniform(0, 2 * spec.t_sigma_min * 60, n)
    else:
        t = ev["t"].to_numpy() + rng.normal(0, spec.t_sigma_min * 60, n)
    r = np.abs(rng.normal(0, spec.loc_sigma_m, n))
    a = rng.uniform(0, 2 * np.pi, n)
    lat = ev["lat"].to_numpy() + r * np.cos(a) / M_PER_DEG
    lon = ev["lon"].to_numpy() + r * np.sin(a) / (M_PER_DEG * np.cos(np.radians(lat)))
    day_only = rng.random(n) < spec.day_precision
    stamp = pd.to_datetime(t, unit="s", utc=True).tz_convert("Europe/Kyiv")
    observed = np.where(day_only, stamp.strftime("%Y-%m-%d"),
                        stamp.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
                            r"(\d\d)(\d\d)$", r"\1:\2", regex=True))
    return pd.DataFrame({
        "source_id": spec.source_id, "event_id": ev["event_id"].to_numpy(),
        "real": ev["real"].to_numpy(), "t_true": ev["t"].to_numpy(),
        "observed_at": observed,
        "time_uncertainty_min": np.where(day_only, 720.0, spec.t_declared_min),
        "lat": lat.round(5), "lon": lon.round(5),
        "location_uncertainty_m": spec.loc_declared_m,
        "category": ev["category"].to_numpy(),
        "perpetrator": ev["claimed"].to_numpy() if "claimed" in ev else "",
        "credibility": pd.array([pd.NA] * n, dtype="Int64"),
    })


def write(out: Path, sources: pd.DataFrame, reports: pd.DataFrame, truth: pd.DataFrame) -> None:
    """Write sources.csv, reports.csv and truth.csv (canonical columns), each atomically."""
    from ceasefire.fsutil import atomic_output

    for name, frame in (("sources", sources), ("reports", reports), ("truth", truth)):
        with atomic_output(out / f"{name}.csv") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--events-per-day", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sources, reports, truth = generate(args.days, args.events_per_day, args.seed)
    write(args.out, sources, reports, truth)
    _, _, length = front_geometry()
    print(f"{len(reports)} reports of {truth['event_id'].nunique()} events "
          f"({int(truth.drop_duplicates('event_id')['real'].sum())} real) from {len(sources)} "
          f"sources; front {length / 1000:.0f} km; written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
