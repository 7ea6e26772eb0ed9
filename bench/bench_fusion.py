"""Fusion benchmark: 1,000,000 synthetic reports and the 191,675 VIINA reports, against
scikit-learn DBSCAN (haversine metric, ball tree, eps 25 km, min_samples=1, run per day) on
the same input, in the same run.

Each method runs in its own child process, so "peak RSS" is that process's own
high-water mark (VmHWM: interpreter + libraries + loading the input + the work), not the
parent's. Each method runs in ``--processes`` fresh processes, each doing the work
``--rounds`` times (after a warm-up on a small input that loads the compiled kernels); the
table gives the median of all those rounds, the fastest and slowest, and the median first
round of a process. On a shared virtual machine a round, or a whole process, can come out
twice as slow for no reason in the code: the medians of both methods, measured alike, are
what the ratio compares.
Times are wall-clock of the grouping (group_s: fitting the linkage model and fusing, as
`ceasefire fuse --rebuild` does; DBSCAN only groups) and of grouping +
confidence + fused places (total_s); group_cpu_s is the process CPU time of the grouping
(ceasefire's pair search runs on up to two threads; DBSCAN on one), which contention
from other processes distorts less.

    python bench/bench_fusion.py                       # 1M synthetic + VIINA
    python bench/bench_fusion.py --reports 200000 --no-viina

VIINA has no outlet column in the mirror: every row is treated as its own source (so fusion
groups on time, place and category family only, as DBSCAN does); rows whose time is
00:00:00 are day-precision (± 12 h), others ± 1 h; places are GeoNames points (± 2 km).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
VIINA = HERE.parent.parent / "shared" / "data" / "viina_incidents"
FIELDS = ("gid", "source", "event", "t_start", "t_end", "lat", "lon", "uncertainty_m",
          "category", "side")
# VIINA label tokens → canonical category (first match wins)
VIINA_CATEGORY = [("artillery", "shelling"), ("airstrike", "airstrike"), ("uav", "drone_strike"),
                  ("armor", "ground_assault"), ("firefighb", "small_arms_fire"),
                  ("raid", "ground_assault"), ("occupy", "territorial_advance"),
                  ("control", "territorial_advance"), ("ied", "explosion"),
                  ("civcas", "civilian_harm"), ("property", "infrastructure_damage")]


def viina_frame() -> pd.DataFrame:
    """The VIINA monthly CSVs, minimally loaded (helper B's reader is the real one)."""
    frames = [pd.read_csv(f, encoding="utf-8-sig", usecols=["datetime", "lon", "lat",
                                                            "event_type"])
              for f in sorted(VIINA.glob("viina_incidents_*.csv"))]
    return pd.concat(frames, ignore_index=True)


def viina_arrays() -> dict[str, np.ndarray]:
    from ceasefire.core.evidence import CATEGORIES
    df = viina_frame()
    stamp = pd.to_datetime(df["datetime"], format="%Y-%m-%d %H:%M:%S")
    t = ((stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)).to_numpy()
    midnight = (stamp.dt.hour == 0) & (stamp.dt.minute == 0) & (stamp.dt.second == 0)
    half = np.where(midnight, 12 * 3600.0, 3600.0)
    t = np.where(midnight, t + 12 * 3600.0, t)
    labels = df["event_type"].fillna("").astype(str)
    category = np.full(len(df), "other", dtype=object)
    for token, cat in reversed(VIINA_CATEGORY):
        category[labels.str.contains(token, regex=False).to_numpy()] = cat
    n = len(df)
    return {"gid": np.array([f"viina:{i}" for i in range(n)]), "source": np.arange(n),
            "event": np.full(n, -1), "t_start": t - half, "t_end": t + half,
            "lat": df["lat"].to_numpy(float), "lon": df["lon"].to_numpy(float),
            "uncertainty_m": np.full(n, 2000.0),
            "category": np.array([CATEGORIES.index(c) for c in category], dtype=np.int16),
            "side": np.zeros(n, dtype=np.int64)}


def synthetic_arrays(n_reports: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from evaluate import load
    from synthetic import generate
    per_day = 305.0  # reports a day at 60 events/day (bench/synthetic.py defaults)
    sources, reports, _ = generate(days=n_reports / per_day, events_per_day=60.0, seed=7)
    arrays, meta = load(sources, reports)
    extra = {"reliability": meta["reliability"].to_numpy(str),
             "affiliation": meta["affiliation"].to_numpy(str),
             "perpetrator": meta["perpetrator"].fillna("").to_numpy(str),
             "kind": meta["kind"].to_numpy(str), "origin_group": meta["origin_group"].to_numpy(str)}
    return {f: getattr(arrays, f) for f in FIELDS}, extra


# -- child processes ------------------------------------------------------------------------
def child_fuse(path: Path, rounds: int) -> dict[str, float]:
    from ceasefire.core import fusion
    from ceasefire.core.confidence import combine, is_neutral_monitor, score_reports
    from ceasefire.core.fusion import ReportArrays, fit_model, fuse, summarize
    from ceasefire.core.profile import DEFAULT_PROFILE
    data = np.load(path, allow_pickle=False)
    arrays = ReportArrays(**{f: data[f] for f in FIELDS})
    n = len(arrays)
    # warm-up on a tiny input: numba's JIT compile (or cache load) is not grouping time
    warm = time.perf_counter()
    min_reports, fusion.NUMBA_MIN_REPORTS = fusion.NUMBA_MIN_REPORTS, 0  # kernels loaded here
    small = arrays.take(np.arange(min(n, 3000)))
    fuse(small, fit_model(small, DEFAULT_PROFILE))
    fusion.NUMBA_MIN_REPORTS = min_reports
    warmup_s = time.perf_counter() - warm
    if "reliability" in data.files:
        rel, aff, perp = data["reliability"], data["affiliation"], data["perpetrator"]
        kind, groups = data["kind"], np.unique(data["origin_group"], return_inverse=True)[1]
    else:  # VIINA: news of unknown reliability, each row its own origin group
        rel, aff, perp = np.full(n, "F"), np.full(n, "neutral"), np.full(n, "")
        kind, groups = np.full(n, "news"), np.arange(n)
    samples: list[tuple[float, float, float]] = []
    for _ in range(rounds):
        cpu = time.process_time()
        started = time.perf_counter()
        # a --rebuild: the linkage model is fitted, then applied (both are grouping time)
        result = fuse(arrays, fit_model(arrays, DEFAULT_PROFILE))
        grouped = time.perf_counter()
        group_cpu = time.process_time() - cpu
        scores = score_reports(DEFAULT_PROFILE, rel, np.zeros(n, dtype=np.int64), aff,
                               perp.astype(str))
        combine(DEFAULT_PROFILE, result.labels, groups, scores.p, is_neutral_monitor(kind, aff))
        summarize(arrays, result.labels, scores.p, DEFAULT_PROFILE)
        samples.append((grouped - started, time.perf_counter() - started, group_cpu))
    np.save(path.with_suffix(".labels.npy"), result.labels)
    return {"samples": samples, "warmup_s": warmup_s, "incidents": result.n_incidents,
            "pairs": result.n_pairs, "peak_rss_mb": peak_rss_mb()}


def child_dbscan(path: Path, rounds: int) -> dict[str, float]:
    from sklearn.cluster import DBSCAN
    data = np.load(path, allow_pickle=False)
    mid = (data["t_start"] + data["t_end"]) / 2
    day = np.floor(mid / 86400).astype(np.int64)
    coords = np.radians(np.column_stack([data["lat"], data["lon"]]))
    order = np.argsort(day, kind="stable")
    bounds = np.flatnonzero(np.diff(day[order])) + 1
    samples: list[tuple[float, float, float]] = []
    for _ in range(rounds):
        labels = np.full(len(day), -1, dtype=np.int64)
        cpu = time.process_time()
        started = time.perf_counter()
        offset = 0
        for chunk in np.split(order, bounds):
            model = DBSCAN(eps=25.0 / 6371.0088, min_samples=1, metric="haversine",
                           algorithm="ball_tree").fit(coords[chunk])
            labels[chunk] = model.labels_ + offset
            offset += int(model.labels_.max()) + 1
        elapsed = time.perf_counter() - started
        samples.append((elapsed, elapsed, time.process_time() - cpu))
    np.save(path.with_suffix(".dbscan.npy"), labels)
    return {"samples": samples, "incidents": offset, "pairs": float("nan"),
            "peak_rss_mb": peak_rss_mb()}


def summary(runs: list[dict]) -> dict[str, float]:
    """Over every round of every process: the median of (grouping s, total s, grouping
    CPU s), the fastest and slowest grouping, and the median of the processes' first
    rounds; the other figures from the last process (peak RSS: the largest)."""
    samples = [tuple(s) for run in runs for s in run["samples"]]
    group, total, cpu = (statistics.median(column) for column in zip(*samples, strict=True))
    return {**{k: v for k, v in runs[-1].items() if k != "samples"},
            "group_s": group, "total_s": total, "group_cpu_s": cpu,
            "min_group_s": min(s[0] for s in samples), "max_group_s": max(s[0] for s in samples),
            "first_group_s": statistics.median(run["samples"][0][0] for run in runs),
            "rounds": len(samples), "peak_rss_mb": max(run["peak_rss_mb"] for run in runs)}


def peak_rss_mb() -> float:
    """This process's own peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    exec from the forking parent, which would charge the parent's data to the child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, path: Path, rounds: int, processes: int) -> dict[str, float]:
    """``processes`` fresh processes of ``rounds`` rounds each, summarized."""
    runs = []
    for _ in range(processes):
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(path),
                              "--rounds", str(rounds)], check=True, capture_output=True,
                             text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return summary(runs)


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Pairwise comparison of two groupings: pairs together in both / in either."""
    def pairs(labels: np.ndarray) -> float:
        counts = np.unique(labels, return_counts=True)[1].astype(np.float64)
        return float((counts * (counts - 1) / 2).sum())
    both = pairs(a.astype(np.int64) * (int(b.max()) + 1) + b)
    pa, pb = pairs(a), pairs(b)
    return {"pairs_ours": pa, "pairs_dbscan": pb, "pairs_both": both,
            "jaccard": both / (pa + pb - both) if pa + pb - both else 1.0,
            "ours_in_dbscan": both / pa if pa else 1.0,
            "largest_ours": int(np.bincount(a).max()), "largest_dbscan": int(np.bincount(b).max())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--no-viina", action="store_true")
    parser.add_argument("--no-synthetic-dbscan", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per process (default 3)")
    parser.add_argument("--processes", type=int, default=3,
                        help="fresh processes per method; the median round of all of "
                             "them is reported (default 3)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, path = args.child
        child = child_fuse if mode == "fuse" else child_dbscan
        print(json.dumps(child(Path(path), args.rounds)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        arrays, extra = synthetic_arrays(args.reports)
        syn = Path(tmp) / "synthetic.npz"
        np.savez(syn, **arrays, **extra)
        inputs.append(("synthetic", syn, len(arrays["gid"]), not args.no_synthetic_dbscan))
        if not args.no_viina:
            viina = Path(tmp) / "viina.npz"
            varr = viina_arrays()
            np.savez(viina, **varr)
            inputs.append(("VIINA", viina, len(varr["gid"]), True))
        for name, path, n, with_dbscan in inputs:
            ours = run_child("fuse", path, args.rounds, args.processes)
            rows.append({"input": name, "reports": n, "method": "ceasefire fuse (local)", **ours})
            if with_dbscan:
                db = run_child("dbscan", path, args.rounds, args.processes)
                rows.append({"input": name, "reports": n, "method": "DBSCAN per day", **db})
                comp = agreement(np.load(path.with_suffix(".labels.npy")),
                                 np.load(path.with_suffix(".dbscan.npy")))
                rows[-1]["speed_ratio"] = db["group_s"] / ours["group_s"]
                rows[-1]["cpu_ratio"] = db["group_cpu_s"] / ours["group_cpu_s"]
                rows[-1]["first_ratio"] = db["first_group_s"] / ours["first_group_s"]
                rows[-1]["comparison"] = comp
    columns = ["input", "reports", "method", "group_s", "min_group_s", "max_group_s",
               "first_group_s", "total_s", "group_cpu_s", "rounds", "incidents", "pairs",
               "peak_rss_mb", "warmup_s", "speed_ratio", "cpu_ratio", "first_ratio"]
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "comparison"} for r in rows],
                         columns=columns)
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    for r in rows:
        if "comparison" in r:
            c = r["comparison"]
            print(f"\n{r['input']}: DBSCAN/ceasefire grouping time = {r['speed_ratio']:.1f}x "
                  f"(median of {r['rounds']} rounds in {args.processes} processes; "
                  f"first rounds {r['first_ratio']:.1f}x; "
                  f"grouping CPU time {r['cpu_ratio']:.1f}x); "
                  f"pairs together: ours {c['pairs_ours']:,.0f}, DBSCAN {c['pairs_dbscan']:,.0f}, "
                  f"both {c['pairs_both']:,.0f} (Jaccard {c['jaccard']:.3f}; "
                  f"{c['ours_in_dbscan']:.1%} of our pairs are also DBSCAN's); largest group: "
                  f"ours {c['largest_ours']}, DBSCAN {c['largest_dbscan']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
