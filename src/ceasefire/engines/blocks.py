"""Space-time blocks with overlap: fusion cut into independent pieces, exactly.

Fusion's result depends only on each connected component of the compatibility graph
(:mod:`ceasefire.core.fusion`): a component's incidents are a function of that component's
reports and pairs alone. So fusion can be cut into pieces that run anywhere, provided every
component is computed *whole* somewhere and kept exactly once. This module does the cutting
and the stitching; :mod:`ceasefire.engines.dask` only ships the pieces to workers.

**Extents.** A report can only match reports whose time midpoint lies within its own time
reach plus theirs, and whose latitude lies within its spatial reach plus theirs (the
blocking gates of :func:`ceasefire.core.linkage.reaches`; a great-circle distance is never
shorter than the meridian arc between the two latitudes). So each report gets an *extent*
``[mid - reach_t, mid + reach_t] x [lat - reach_lat, lat + reach_lat]``, widened by a hair
against rounding: **two compatible reports have overlapping extents.**

**Blocks.** The (time, latitude) plane is cut into a grid of disjoint *cores* (quantiles of
the reports, so the blocks hold similar numbers); each block's *window* is its core widened by
a halo. A block holds every report whose extent meets its window; a member is *safe* when its
extent lies inside the window: then every report compatible with it is in the block too.

**Stitching.** Each block fuses its members with the core engine. A component found in a block
whose members are all safe is closed under compatibility, so it is a true component, with all
its pairs: its incidents are exactly the local engine's. It is *kept* by the one block whose
core holds its anchor (its first report in canonical order). Components that are not whole
in their anchor's block (longer than the halo) stay undecided; they form a union of whole
components, fused at the end in one piece (:func:`fuse_rest`). The result is identical to
:func:`ceasefire.core.fusion.fuse` / :func:`~ceasefire.core.fusion.attach`, incident anchors,
numbering and pair count included (tested).

Canonical order is fixed once on the driver: blocks carry each report's global canonical
position in place of its global id, which sorts the same way, so no strings travel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ceasefire.core import linkage
from ceasefire.core.blocking import M_PER_DEG
from ceasefire.core.fusion import (
    ReportArrays,
    _assign,
    attach,
    canonical_order,
    compatibility_graph,
    fuse,
    match_components,
)
from ceasefire.core.linkage import LinkageModel

_REL_EPS = 1e-9   # relative widening of extents (rounding of mid, reach and haversine)
_ABS_EPS_S = 1.0  # seconds
_ABS_EPS_DEG = 1e-6


@dataclass(frozen=True)
class Plan:
    """The driver's view: reports in canonical order and the blocks' members."""

    order: np.ndarray            # canonical position -> input index
    arrays: ReportArrays         # the reports in canonical order, gid = canonical position
    blocks: tuple[np.ndarray, ...]  # canonical positions of each block's members (sorted)
    safe: tuple[np.ndarray, ...]    # per block, per member: extent inside the window
    core: tuple[np.ndarray, ...]    # per block, per member: (mid, lat) inside the core
    halo_s: float
    halo_deg: float


@dataclass(frozen=True)
class BlockResult:
    """What one block keeps: canonical positions of its reports and of their anchors."""

    positions: np.ndarray
    anchors: np.ndarray
    n_pairs: int
    members: int


def extents(arrays: ReportArrays, model: LinkageModel) -> tuple[np.ndarray, np.ndarray]:
    """Each report's time reach (s) and latitude reach (degrees), as core fusion uses them."""
    reach_t, reach_s = linkage.reaches(arrays.t_start, arrays.t_end, arrays.uncertainty_m,
                                       model.min_location_uncertainty_m)
    return reach_t, reach_s / M_PER_DEG


def _edges(values: np.ndarray, count: int) -> np.ndarray:
    """``count`` cores by quantiles: inner edges, with -inf and +inf at the ends."""
    inner = np.unique(np.quantile(values, np.arange(1, count) / count)) if count > 1 \
        else np.zeros(0)
    return np.concatenate([[-np.inf], inner, [np.inf]])


def plan(arrays: ReportArrays, model: LinkageModel, *, time_blocks: int,
         lat_blocks: int = 1, halo: float = 4.0) -> Plan:
    """Cut the reports into ``time_blocks x lat_blocks`` blocks with overlap.

    The halo is ``halo`` times twice the 99th percentile of the reaches (so a component a
    few reports long that straddles a core edge is still whole in its anchor's block).
    """
    order = canonical_order(arrays)
    r = arrays.take(order)
    n = len(r)
    r = ReportArrays(np.arange(n, dtype=np.int64), r.source, r.event, r.t_start, r.t_end,
                     r.lat, r.lon, r.uncertainty_m, r.category, r.side)
    mid = (r.t_start + r.t_end) / 2.0
    reach_t, reach_lat = extents(r, model)
    reach_t = reach_t * (1 + _REL_EPS) + _ABS_EPS_S + np.abs(mid) * _REL_EPS
    reach_lat = reach_lat * (1 + _REL_EPS) + _ABS_EPS_DEG
    halo_s = halo * 2.0 * float(np.quantile(reach_t, 0.99)) if n else 0.0
    halo_deg = halo * 2.0 * float(np.quantile(reach_lat, 0.99)) if n else 0.0
    t_edges = _edges(mid, time_blocks) if n else np.array([-np.inf, np.inf])
    y_edges = _edges(r.lat, lat_blocks) if n else np.array([-np.inf, np.inf])
    t_lo, t_hi = mid - reach_t, mid + reach_t
    y_lo, y_hi = r.lat - reach_lat, r.lat + reach_lat
    blocks, safe, core = [], [], []
    for ti in range(len(t_edges) - 1):
        w_t0, w_t1 = t_edges[ti] - halo_s, t_edges[ti + 1] + halo_s
        in_t = (t_hi >= w_t0) & (t_lo < w_t1)
        for yi in range(len(y_edges) - 1):
            w_y0, w_y1 = y_edges[yi] - halo_deg, y_edges[yi + 1] + halo_deg
            members = np.flatnonzero(in_t & (y_hi >= w_y0) & (y_lo < w_y1))
            if not len(members):
                continue
            blocks.append(members)
            safe.append((t_lo[members] >= w_t0) & (t_hi[members] < w_t1)
                        & (y_lo[members] >= w_y0) & (y_hi[members] < w_y1))
            core.append((mid[members] >= t_edges[ti]) & (mid[members] < t_edges[ti + 1])
                        & (r.lat[members] >= y_edges[yi]) & (r.lat[members] < y_edges[yi + 1]))
    return Plan(order, r, tuple(blocks), tuple(safe), tuple(core), halo_s, halo_deg)


def fuse_block(block: ReportArrays, previous: np.ndarray | None, model: LinkageModel,
               safe: np.ndarray, core: np.ndarray) -> BlockResult:
    """Fuse one block; keep the components it owns whole (see the module docstring).

    ``block.gid`` holds canonical positions (increasing). ``previous``: the members'
    existing incident codes (-1 = new report) for incremental runs, as in ``attach``.
    """
    graph = compatibility_graph(block, model)
    n = len(block)
    order = graph.order
    comp = match_components(n, graph)
    is_root = comp == np.arange(n)
    unsafe = np.zeros(n, dtype=bool)
    unsafe[comp[~safe[order]]] = True
    kept_root = is_root & core[order] & ~unsafe
    kept = kept_root[comp]
    if previous is None:
        anchor = _assign(n, graph, comp, kept_root)
    else:  # attach: recompute the components with a new report, keep the others' incidents
        prev = np.asarray(previous, dtype=np.int64)[order]
        touched = np.zeros(n, dtype=bool)
        touched[comp[prev < 0]] = True
        anchor = _assign(n, graph, comp, kept_root & touched)
        stay = kept & ~touched[comp]
        if stay.any():
            first = np.full(int(prev.max()) + 1, n, dtype=np.int64)
            np.minimum.at(first, prev[stay], np.flatnonzero(stay))
            anchor[stay] = first[prev[stay]]
    where = np.flatnonzero(kept)
    gid = np.asarray(block.gid, dtype=np.int64)
    return BlockResult(gid[order[where]], gid[order[anchor[where]]],
                       int(np.count_nonzero(kept[graph.a] & graph.matches)), n)


def fuse_rest(arrays: ReportArrays, previous: np.ndarray | None, anchor_pos: np.ndarray,
              model: LinkageModel) -> tuple[int, int]:
    """Fuse, in one piece, the reports no block decided (``anchor_pos`` -1), in place.

    They are a union of whole components, so fusing them alone gives their true incidents.
    Returns (reports fused here, pairs among them).
    """
    rest = np.flatnonzero(anchor_pos < 0)
    if not len(rest):
        return 0, 0
    sub = arrays.take(rest)
    result = (fuse(sub, model) if previous is None
              else attach(sub, np.asarray(previous)[rest], model))
    anchor_pos[rest] = rest[result.anchor]
    return len(rest), result.n_pairs


def stitch(n: int, results: list[BlockResult]) -> tuple[np.ndarray, int]:
    """Anchor position of every report from the blocks' kept components (-1: undecided)."""
    anchor_pos = np.full(n, -1, dtype=np.int64)
    pairs = 0
    for res in results:
        if np.any(anchor_pos[res.positions] >= 0):
            raise AssertionError("a component was kept by two blocks")  # a bug, not input
        anchor_pos[res.positions] = res.anchors
        pairs += res.n_pairs
    return anchor_pos, pairs
