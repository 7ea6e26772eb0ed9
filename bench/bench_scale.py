"""Scale benchmark (issue 10): fusion at 1M-5M synthetic reports on three engines, the
ingest rate into PostgreSQL, and bbox latency through the HTTP API over 1M incidents.

Fusion, same arrays, same run, each measurement in its own child process:

* ``local``: :func:`ceasefire.core.fusion.fuse` in one process (the reference);
* ``dask``: :mod:`ceasefire.engines.dask` on a LocalCluster of 2 worker processes (1 thread
  each); cluster start-up is timed apart. Its anchors are checked equal to local's;
* ``postgres``: the compatibility pairs computed inside PostgreSQL 15 + PostGIS: every
  report's extent (time midpoint ± time reach, lat/lon ± spatial reach, as
  :mod:`ceasefire.engines.blocks` defines it) is a 3-D box with an n-D GiST index; a
  self-join on ``&&&`` (boxes overlap) finds the candidates, and the exact tests (time gap,
  source/event, haversine distance on the sphere of ``core.fusion``) run in SQL. The pairs
  are fetched with binary ``COPY`` and compared with the local engine's pairs. Load and
  index times are reported apart from the query.

Synthetic reports are generated as arrays (no CSV): events along the 2025 contact line of
``bench/synthetic.py`` (its category mix and placement), about 300 reports a day, 1-5
reports per event from 30 sources, time noise ± 20 min (10 % day-precision), location noise
± 1 km with declared uncertainties of 300 m - 5 km. Global ids are integers.

    CEASEFIRE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh) \\
        .venv/bin/python bench/bench_scale.py fusion --sizes 1000000,2000000,4000000,5000000
    .venv/bin/python bench/bench_scale.py ingest --sizes 100000,200000,400000
    .venv/bin/python bench/bench_scale.py api --incidents 1000000 [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
FIELDS = ("gid", "source", "event", "t_start", "t_end", "lat", "lon", "uncertainty_m",
          "category")
T0 = 1_735_689_600.0  # 2025-01-01T00:00:00Z


# -- synthetic arrays -----------------------------------------------------------------------
def scale_arrays(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """``n`` synthetic reports as fusion arrays (see the module docstring)."""
    from synthetic import CATEGORY_MIX, _place

    from ceasefire.core.evidence import CATEGORIES
    rng = np.random.default_rng(seed)
    per_event = np.clip(1 + rng.poisson(1.0, n), 1, 5)
    n_events = int(np.searchsorted(np.cumsum(per_event), n)) + 1
    per_event = per_event[:n_events]
    per_event[-1] -= int(per_event.sum()) - n
    days = n / 300.0
    names = [c for c, _, _ in CATEGORY_MIX]
    share = np.array([s for _, s, _ in CATEGORY_MIX])
    ev_cat = rng.choice(len(names), n_events, p=share / share.sum())
    deep = np.array([k == "deep" for _, _, k in CATEGORY_MIX])[ev_cat]
    offset = np.where(deep, rng.uniform(5_000, 80_000, n_events) * rng.choice([-1, 1], n_events),
                      rng.normal(0, 3_000, n_events))
    ev_lat, ev_lon = _place(rng, n_events, offset)
    ev_t = T0 + rng.uniform(0, days * 86400, n_events)
    ev = np.repeat(np.arange(n_events), per_event)
    rng.shuffle(ev)  # input order is not time order
    t = ev_t[ev] + rng.normal(0, 1200, n)
    day = rng.random(n) < 0.10
    half = np.where(day, 12 * 3600.0, 1800.0)
    t = np.where(day, np.floor(t / 86400) * 86400 + 43200, t)
    declared = rng.choice([300.0, 1000.0, 2500.0, 5000.0], n)
    noise = rng.normal(0, 1, (2, n)) * np.minimum(declared, 1000.0)
    lat = ev_lat[ev] + noise[0] / 111_195.0
    lon = ev_lon[ev] + noise[1] / (111_195.0 * np.cos(np.radians(lat)))
    cat_index = np.array([CATEGORIES.index(c) for c in names], dtype=np.int16)
    return {"gid": rng.permutation(n).astype(np.int64), "source": rng.integers(0, 30, n),
            "event": np.full(n, -1, dtype=np.int64), "t_start": t - half, "t_end": t + half,
            "lat": lat, "lon": lon, "uncertainty_m": declared, "category": cat_index[ev_cat[ev]]}


def load_arrays(path: Path) -> Any:
    from ceasefire.core.fusion import ReportArrays
    data = np.load(path, allow_pickle=False)
    return ReportArrays(**{f: data[f] for f in FIELDS})


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM; ru_maxrss would include the forking parent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children: one measurement each -------------------------------------------------------
def child_local(path: Path) -> dict[str, Any]:
    from ceasefire.core.fusion import fuse
    from ceasefire.core.profile import DEFAULT_PROFILE
    arrays = load_arrays(path)
    cpu, start = time.process_time(), time.perf_counter()
    result = fuse(arrays, DEFAULT_PROFILE)
    wall = time.perf_counter() - start
    np.save(path.with_suffix(".local.npy"), result.anchor)
    return {"seconds": wall, "cpu_s": time.process_time() - cpu, "incidents": result.n_incidents,
            "pairs": result.n_pairs, "peak_rss_mb": peak_rss_mb(), "identical": "reference"}


def child_dask(path: Path) -> dict[str, Any]:
    from ceasefire.core.profile import DEFAULT_PROFILE
    from ceasefire.engines import dask as dask_engine
    arrays = load_arrays(path)
    start = time.perf_counter()
    with dask_engine.session({"n_workers": 2, "threads_per_worker": 1}) as on:
        startup = time.perf_counter() - start
        cpu, start = time.process_time(), time.perf_counter()
        result = dask_engine.fuse_distributed(on, arrays, None, DEFAULT_PROFILE)
        wall = time.perf_counter() - start
        worker_rss = on.client.run(peak_rss_mb)
    run = dask_engine.last_run
    assert run is not None
    reference = np.load(path.with_suffix(".local.npy"))
    return {"seconds": wall, "cpu_s": time.process_time() - cpu + run.worker_cpu_s,
            "driver_cpu_s": time.process_time() - cpu, "startup_s": startup,
            "incidents": result.n_incidents, "pairs": result.n_pairs,
            "peak_rss_mb": peak_rss_mb(), "worker_rss_mb": max(worker_rss.values()),
            "blocks": run.blocks, "overlap": run.block_reports / run.reports - 1,
            "rest": run.rest, "phases": dict(run.seconds), "identical": bool(np.array_equal(result.anchor, reference))}


def child_postgres(path: Path) -> dict[str, Any]:
    from postgis_pairs import postgres_pairs
    return postgres_pairs(path)


CHILDREN = {"local": child_local, "dask": child_dask, "postgres": child_postgres}


def run_child(mode: str, path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "child", mode, str(path)], check=True,
                         capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- commands -------------------------------------------------------------------------------
def fusion(sizes: list[int], engines: list[str]) -> None:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"reports_{n}.npz"
            np.savez(path, **scale_arrays(n))
            for engine in engines:
                if engine == "postgres" and not os.environ.get("CEASEFIRE_TEST_POSTGRES_URL"):
                    print("skipping postgres: CEASEFIRE_TEST_POSTGRES_URL is not set",
                          file=sys.stderr)
                    continue
                res = run_child(engine, path)
                rows.append({"reports": n, "engine": engine, **res})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            path.unlink()
    print_fusion(rows)


def print_fusion(rows: list[dict[str, Any]]) -> None:
    print("| reports | engine | wall s | CPU s | wall vs local | incidents | pairs | "
          "identical to local | peak RSS MB | notes |")
    print("|---:|---|---:|---:|---:|---:|---:|---|---:|---|")
    local = {r["reports"]: r["seconds"] for r in rows if r["engine"] == "local"}
    for r in rows:
        ratio = r["seconds"] / local[r["reports"]] if r["reports"] in local else float("nan")
        notes = ""
        if r["engine"] == "dask":
            notes = (f"cluster start {r['startup_s']:.1f} s; {r['blocks']} blocks, overlap "
                     f"{r['overlap']:.1%}, {r['rest']:,} reports in the final pass; worker "
                     f"peak RSS {r['worker_rss_mb']:.0f} MB; phases "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in r["phases"].items()))
        elif r["engine"] == "postgres":
            notes = (f"pairs only (query + binary COPY out); local pair search in the same "
                     f"process {r['local_pairs_s']:.1f} s (x{r['seconds'] / r['local_pairs_s']:.1f});"
                     f" load (COPY) {r['load_s']:.1f} s, n-D GiST index {r['index_s']:.1f} s; "
                     f"{r['missing']} missing / {r['extra']} extra pairs vs local")
        incidents = "–" if r["incidents"] is None else f"{r['incidents']:,}"
        print(f"| {r['reports']:,} | {r['engine']} | {r['seconds']:.1f} | {r['cpu_s']:.1f} | "
              f"{ratio:.2f} | {incidents} | {r['pairs']:,} | {r['identical']} | "
              f"{r['peak_rss_mb']:.0f} | {notes} |")
    sizes = sorted({r["reports"] for r in rows})
    if len(sizes) >= 3:
        print("\ncost growth (time at k*N / time at N):")
        base = sizes[0]
        for engine in dict.fromkeys(r["engine"] for r in rows):
            by = {r["reports"]: r["seconds"] for r in rows if r["engine"] == engine}
            growth = ", ".join(f"{n / base:g}N: x{by[n] / by[base]:.2f}" for n in sizes
                               if n in by and base in by)
            print(f"  {engine}: {growth}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fusion")
    f.add_argument("--sizes", default="1000000,2000000,4000000,5000000")
    f.add_argument("--engines", default="local,dask,postgres")
    c = sub.add_parser("child")
    c.add_argument("mode", choices=sorted(CHILDREN))
    c.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command == "child":
        print(json.dumps(CHILDREN[args.mode](args.path)))
        return 0
    if args.command == "fusion":
        fusion([int(s) for s in args.sizes.split(",")], args.engines.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
