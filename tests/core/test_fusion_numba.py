"""The numba kernels (extra "fast") and the pure-numpy fusion give identical results."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ceasefire.core import fusion
from ceasefire.core.blocking import M_PER_DEG
from ceasefire.core.evidence import CATEGORIES
from ceasefire.core.fusion import ReportArrays, attach, compatibility_graph, fuse
from ceasefire.core.linkage import GATE, LinkageModel

DEFAULT_PROFILE = LinkageModel()  # the default linkage parameters

pytest.importorskip("numba")

T = 1_745_000_000.0


def both(monkeypatch: pytest.MonkeyPatch, call):  # type: ignore[no-untyped-def]
    """(numba result, numpy result) of call()."""
    monkeypatch.setattr(fusion, "NUMBA_MIN_REPORTS", 0)  # the kernels even for tiny inputs
    monkeypatch.setattr(fusion, "USE_NUMBA", True)
    fast = call()
    monkeypatch.setattr(fusion, "USE_NUMBA", False)
    slow = call()
    return fast, slow


def assert_same(monkeypatch: pytest.MonkeyPatch, arr: ReportArrays) -> None:
    g1, g0 = both(monkeypatch, lambda: compatibility_graph(arr, DEFAULT_PROFILE))
    for f in ("order", "a", "b", "score"):
        np.testing.assert_array_equal(getattr(g1, f), getattr(g0, f), err_msg=f)
    r1, r0 = both(monkeypatch, lambda: fuse(arr, DEFAULT_PROFILE))
    np.testing.assert_array_equal(r1.anchor, r0.anchor)
    np.testing.assert_array_equal(r1.labels, r0.labels)
    assert (r1.n_incidents, r1.n_pairs) == (r0.n_incidents, r0.n_pairs)


def random_arrays(rng: np.random.Generator, n: int, spread_deg: float, days: float
                  ) -> ReportArrays:
    """Reports of mixed categories and precisions, with repeated places, sources, events."""
    n_src = max(2, n // 20)
    src = rng.integers(0, n_src, n)
    ev = np.where(rng.random(n) < 0.3, rng.integers(0, max(1, n // 10), n), -1)
    t = T + rng.random(n) * days * 86400
    half = rng.choice([0.0, 60.0, 900.0, 3600.0, 43200.0, 3 * 86400.0], n)
    lat = 48.0 + rng.normal(0, spread_deg, n)
    lon = 37.0 + rng.normal(0, spread_deg, n)
    dup = rng.random(n) < 0.2  # exact repeats of another report's place and time
    other = rng.integers(0, n, n)
    lat[dup], lon[dup], t[dup] = lat[other[dup]], lon[other[dup]], t[other[dup]]
    unc = rng.choice([0.0, 50.0, 500.0, 2000.0, 10000.0, 60000.0], n)
    cats = rng.choice(list(CATEGORIES), n)
    return ReportArrays.build(
        [f"s{s}:{i}" for i, s in enumerate(src)], [f"s{s}" for s in src],
        [None if e < 0 else f"e{e}" for e in ev], (t - half).tolist(), (t + half).tolist(),
        lat.tolist(), lon.tolist(), unc.tolist(), cats.tolist())


@pytest.mark.parametrize("seed", range(8))
def test_random_inputs(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 2, 3, 40, 500, 3000]))
    arr = random_arrays(rng, n, spread_deg=float(rng.choice([0.01, 0.3, 2.0])),
                        days=float(rng.choice([0.1, 3.0, 60.0])))
    assert_same(monkeypatch, arr)


def test_distances_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs exactly at (and one metre either side of) the distance limit: the compiled
    test leaves them to numpy's formula, so both paths agree."""
    profile = DEFAULT_PROFILE
    u = 500.0
    limit = 2 * GATE * u  # the blocking gate: GATE declared uncertainties each
    rows = []
    for k, d in enumerate(np.linspace(limit - 1.0, limit + 1.0, 41)):
        dlat = d / M_PER_DEG
        rows.append((f"a:{k}", 48.0 + 0.5 * k, 37.0))
        rows.append((f"b:{k}", 48.0 + 0.5 * k + dlat, 37.0))
    n = len(rows)
    arr = ReportArrays.build([r[0] for r in rows], [r[0].split(":")[0] for r in rows],
                             [None] * n, [T] * n, [T + 60] * n, [r[1] for r in rows],
                             [r[2] for r in rows], [u] * n, ["shelling"] * n)
    assert_same(monkeypatch, arr)
    assert 0 < len(compatibility_graph(arr, profile).a) < n // 2


def test_attach_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    arr = random_arrays(rng, 2000, 0.3, 3.0)
    previous = fuse(arr, DEFAULT_PROFILE).labels.copy()
    previous[rng.random(len(arr)) < 0.2] = -1
    r1, r0 = both(monkeypatch, lambda: attach(arr, previous, DEFAULT_PROFILE))
    np.testing.assert_array_equal(r1.anchor, r0.anchor)
    np.testing.assert_array_equal(r1.labels, r0.labels)


def synthetic(n_reports: int, seed: int) -> ReportArrays:
    """About ``n_reports`` reports of the benchmark's synthetic generator."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        from evaluate import load
        from synthetic import generate
    finally:
        sys.path.remove(str(bench))
    sources, reports, _ = generate(days=n_reports / 305.0, events_per_day=60.0, seed=seed)
    return load(sources, reports)[0]


@pytest.fixture(scope="module")
def synthetic_50k() -> Iterator[ReportArrays]:
    yield synthetic(50_000, seed=7)


def test_bench_synthetic_50k(monkeypatch: pytest.MonkeyPatch,
                             synthetic_50k: ReportArrays) -> None:
    assert len(synthetic_50k) > 40_000
    assert_same(monkeypatch, synthetic_50k)


def test_kernels_only_for_large_inputs() -> None:
    """Small inputs never import numba (its load costs more than they take with numpy)."""
    assert fusion._kernels(fusion.NUMBA_MIN_REPORTS - 1) is None
    assert fusion._kernels(fusion.NUMBA_MIN_REPORTS) is not None


@pytest.mark.parametrize("bits", [1, 3, 15])
def test_hashed_lists(monkeypatch: pytest.MonkeyPatch, bits: int) -> None:
    """Reports spread far and wide get hashed cell lists; cells that share a list (all of
    them with 2 lists) only add candidates: the same pairs, each once."""
    from ceasefire.core import blocking
    monkeypatch.setattr(blocking, "_DENSE_CELLS", 0)
    monkeypatch.setattr(blocking, "_HASH_BITS", bits)
    rng = np.random.default_rng(11)
    assert_same(monkeypatch, random_arrays(rng, 3000, spread_deg=0.3, days=3.0))


def test_pair_buffers_grow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense reports overflow the sweep's first room for pairs many times over: it grows
    and goes on from the report that did not fit, losing and repeating nothing."""
    from ceasefire.core import blocking
    monkeypatch.setattr(blocking, "_PAIRS_PER_REPORT", 0)
    rng = np.random.default_rng(5)
    arr = random_arrays(rng, 3000, spread_deg=0.01, days=0.1)
    assert len(compatibility_graph(arr, DEFAULT_PROFILE).a) > 20 * 1024
    assert_same(monkeypatch, arr)


@pytest.mark.slow
def test_compiled_path_is_deterministic_at_scale() -> None:
    """On the compiled path (150,000 synthetic reports, two sweep threads): shuffling the
    input gives identical incidents, and attaching one half to the other's incidents gives
    the incidents of a single batch."""
    arr = synthetic(150_000, seed=3)
    n = len(arr)
    assert fusion._kernels(n) is not None
    batch = fuse(arr, DEFAULT_PROFILE)
    perm = np.random.default_rng(1).permutation(n)
    shuffled = fuse(arr.take(perm), DEFAULT_PROFILE)
    assert shuffled.n_incidents == batch.n_incidents
    np.testing.assert_array_equal(arr.take(perm).gid[shuffled.anchor],
                                  arr.gid[batch.anchor][perm])
    half = np.flatnonzero(np.isin(np.arange(n), perm[: n // 2]))
    previous = np.full(n, -1, dtype=np.int64)
    previous[half] = fuse(arr.take(half), DEFAULT_PROFILE).labels
    np.testing.assert_array_equal(arr.gid[attach(arr, previous, DEFAULT_PROFILE).anchor],
                                  arr.gid[batch.anchor])
