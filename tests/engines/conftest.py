"""Fixtures for the engine tests: seeded synthetic reports and one Dask LocalCluster.

The cluster (2 worker processes, 1 thread each: what the Dask engine starts by default) is
shared by the whole session, because starting one costs seconds; tests reach it through
``[engine] scheduler`` in ``ceasefire.toml`` or :func:`ceasefire.engines.dask.session`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ceasefire.core.fusion import ReportArrays

BENCH = Path(__file__).resolve().parents[2] / "bench"


def synthetic_frames(days: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """bench/synthetic.py's sources and reports (canonical columns)."""
    sys.path.insert(0, str(BENCH))
    try:
        from synthetic import generate
    finally:
        sys.path.remove(str(BENCH))
    sources, reports, _ = generate(days=days, events_per_day=60.0, seed=seed)
    return sources, reports


def synthetic_arrays(days: float = 20.0, seed: int = 5) -> ReportArrays:
    """Synthetic reports as fusion arrays, with what the generator lacks mixed in: updates
    of one event by one source (``event_ref``), reports spanning days, far-off reports."""
    sys.path.insert(0, str(BENCH))
    try:
        from evaluate import to_epoch
    finally:
        sys.path.remove(str(BENCH))
    _, reports = synthetic_frames(days, seed)
    rng = np.random.default_rng(seed)
    n = len(reports)
    t_start, t_end = to_epoch(reports["observed_at"], reports["time_uncertainty_min"])
    t_start, t_end = np.asarray(t_start, dtype=float), np.asarray(t_end, dtype=float)
    wide = rng.random(n) < 0.01
    t_end = np.where(wide, t_end + rng.uniform(1, 6, n) * 86400, t_end)
    lat = reports["lat"].to_numpy(float).copy()
    far = rng.random(n) < 0.02
    lat[far] += rng.uniform(-6, 6, far.sum())
    refs = [f"ev{rng.integers(0, n // 40)}" if rng.random() < 0.15 else None for _ in range(n)]
    return ReportArrays.build(
        (reports["source_id"] + ":" + reports["report_id"]).tolist(),
        reports["source_id"].tolist(), refs, t_start, t_end, lat,
        reports["lon"].to_numpy(float), reports["location_uncertainty_m"].tolist(),
        reports["category"].tolist())


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[object]:
    """A LocalCluster of 2 worker processes for the session."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def scheduler(dask_cluster: object) -> str:
    return str(dask_cluster.scheduler_address)  # type: ignore[attr-defined]
