"""Space-time blocks with overlap: stitched block results equal the local engine's, exactly.

Runs the blocks in process (no Dask): the cutting and the stitching are what make the Dask
engine exact, so they are tested here on their own, with settings that force every path
(many blocks, latitude bands, a halo so thin that most components straddle it).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from ceasefire.core.fusion import FusionResult, ReportArrays, _result, attach, fuse
from ceasefire.core.linkage import LinkageModel
from ceasefire.engines.blocks import Plan, fuse_block, fuse_rest, plan, stitch
from tests.engines.conftest import synthetic_arrays

MODEL = LinkageModel()  # the default linkage parameters (fits are tested in core)


@lru_cache(maxsize=1)
def arrays() -> ReportArrays:
    return synthetic_arrays(days=12.0, seed=5)


def run_blocks(data: ReportArrays, previous: np.ndarray | None, model: LinkageModel,
               **cut: float) -> tuple[FusionResult, Plan, int]:
    p = plan(data, model, **cut)  # type: ignore[arg-type]
    prev = None if previous is None else previous[p.order]
    results = [fuse_block(p.arrays.take(m), None if prev is None else prev[m], model, s, c)
               for m, s, c in zip(p.blocks, p.safe, p.core, strict=True)]
    anchor_pos, pairs = stitch(len(data), results)
    rest, rest_pairs = fuse_rest(p.arrays, prev, anchor_pos, model)
    return _result(p.order, anchor_pos, pairs + rest_pairs), p, rest


def same(a: FusionResult, b: FusionResult) -> bool:
    return (np.array_equal(a.anchor, b.anchor) and np.array_equal(a.labels, b.labels)
            and a.n_incidents == b.n_incidents and a.n_pairs == b.n_pairs)


@pytest.mark.parametrize(("time_blocks", "lat_blocks", "halo"), [
    (1, 1, 4.0), (4, 1, 4.0), (9, 3, 0.5), (20, 3, 0.02)])
def test_blocks_stitch_to_the_local_result(time_blocks: int, lat_blocks: int,
                                           halo: float) -> None:
    data = arrays()
    reference = fuse(data, MODEL)
    got, cut, rest = run_blocks(data, None, MODEL, time_blocks=time_blocks,
                                lat_blocks=lat_blocks, halo=halo)
    assert same(got, reference)
    assert reference.n_incidents < len(data) and reference.n_pairs > 1000
    assert len(cut.blocks) >= time_blocks * lat_blocks // 2
    if time_blocks == 1:
        assert rest == 0
    elif halo < 0.1:  # most components straddle a halo: the final pass decides them
        assert rest > 0.2 * len(data)


def test_every_report_is_kept_once_and_blocks_overlap() -> None:
    data = arrays()
    cut = plan(data, MODEL, time_blocks=6, lat_blocks=2, halo=4.0)
    assert sum(len(b) for b in cut.blocks) > len(data)  # the halos overlap
    cores = np.concatenate([b[c] for b, c in zip(cut.blocks, cut.core, strict=True)])
    assert np.array_equal(np.sort(cores), np.arange(len(data)))  # cores partition the reports
    assert all(s[c].mean() > 0.9 for s, c in zip(cut.safe, cut.core, strict=True))
    rests = [run_blocks(data, None, MODEL, time_blocks=6, halo=h)[2]
             for h in (0.05, 1.0, 8.0)]
    assert rests[0] > rests[1] > rests[2]  # a wider overlap leaves fewer to the final pass


def test_incremental_blocks_equal_attach() -> None:
    data = arrays()
    rng = np.random.default_rng(3)
    old = np.flatnonzero(rng.random(len(data)) < 0.7)
    previous = np.full(len(data), -1, dtype=np.int64)
    previous[old] = fuse(data.take(old), MODEL).labels
    reference = attach(data, previous, MODEL)
    for halo in (4.0, 0.05):
        got, _, _ = run_blocks(data, previous, MODEL, time_blocks=7, lat_blocks=2,
                               halo=halo)
        assert same(got, reference)


def test_input_order_and_model_do_not_matter() -> None:
    data = arrays()
    shuffled = data.take(np.random.default_rng(9).permutation(len(data)))
    model = LinkageModel(prior=0.7, min_location_uncertainty_m=2000.0)
    reference = fuse(shuffled, model)
    got, _, _ = run_blocks(shuffled, None, model, time_blocks=5, lat_blocks=2, halo=1.0)
    assert same(got, reference)


def test_tiny_inputs() -> None:
    data = arrays()
    for n in (1, 2, 5):
        sub = data.take(np.arange(n))
        got, _, _ = run_blocks(sub, None, MODEL, time_blocks=3, lat_blocks=2)
        assert same(got, fuse(sub, MODEL))
