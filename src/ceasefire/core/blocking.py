"""Space-time blocking: every compatible pair of reports, in O(N log N), never N².

Compatibility itself is defined in :mod:`ceasefire.core.fusion`. Here: each report gets a
level in time and one in space from its reach (half its interval + half its window; its
uncertainty + half its radius), in powers of two of the median reach. Two classes of
reports meet in a grid whose cells are twice the coarser reach of the two in each dimension
(and one category family), so every compatible pair lies in neighbouring cells. Sorting
cell keys and ``searchsorted`` over the 27 neighbour offsets finds them with numpy; the
optional numba kernels (:mod:`ceasefire.core._fusion_jit`) walk the same cells and give
the same pairs and scores.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import numpy as np

_THREADS = 4  # at most this many threads for the numba kernels (and no more than CPUs)
EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = EARTH_RADIUS_M * np.pi / 180.0
_R2 = EARTH_RADIUS_M * EARTH_RADIUS_M
_CHUNK = 2_000_000  # candidate pairs per block (bounds peak memory)
_SCORE_CHUNK = 1 << 15
Progress = Callable[[str, int, int], None]


@functools.cache
def load_kernels() -> ModuleType | None:
    """The compiled kernels (extra "fast"), imported on first use: importing numba and
    loading the cached kernels costs about 0.5 s and 170 MB, which small inputs should not
    pay. ``None`` when numba is not installed (the numpy code gives the same results)."""
    try:
        from ceasefire.core import _fusion_jit
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return _fusion_jit


def compatible_pairs(source: np.ndarray, event: np.ndarray, lat: np.ndarray,
                     lon: np.ndarray, fam: np.ndarray, mid: np.ndarray, reach_t: np.ndarray,
                     reach_s: np.ndarray, *, use_numba: bool = True,
                     progress: Progress | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every compatible pair ``(a, b)``, ``a < b``, sorted by ``(b, a)``, with its score
    (:func:`pair_scores`). Inputs are per report, in canonical order: source and event
    codes, place, category family, time midpoint, and the reaches in time and space.
    ``use_numba``: use the compiled kernels when installed (same result)."""
    empty = np.zeros(0, dtype=np.int64)
    if len(mid) < 2:
        return empty, empty, np.zeros(0)
    unit = unit_vectors(lat, lon)

    # level of each report per dimension: its reach in powers of two of the median reach
    base_t = float(np.quantile(reach_t, 0.5))
    base_s = float(np.quantile(reach_s, 0.5))
    lt = np.maximum(np.ceil(np.log2(reach_t / base_t) - 1e-9), 0).astype(np.int64)
    ls = np.maximum(np.ceil(np.log2(reach_s / base_s) - 1e-9), 0).astype(np.int64)
    # classes: the distinct (lt, ls) in lexicographic order (as np.unique(axis=0) gives)
    width = int(ls.max()) + 1
    present = np.flatnonzero(np.bincount(lt * width + ls))
    classes = np.stack([present // width, present % width], axis=1)
    code = np.full(int(present[-1]) + 1, -1, dtype=np.int64)
    code[present] = np.arange(len(present))
    cls = code[lt * width + ls]
    # longitude degrees shrink with latitude: size cells for the most poleward report
    coslat = max(np.cos(np.radians(min(float(np.abs(lat).max()) + 1.0, 89.0))), 1e-3)
    if use_numba and load_kernels() is not None:
        return _pairs_numba(source, event, lat, lon, cls, classes, fam, mid, reach_t,
                            reach_s, base_t, base_s, coslat, unit, progress)
    members = [np.flatnonzero(cls == c) for c in range(len(classes))]
    grids: dict[tuple[int, int], tuple[np.ndarray, tuple[int, int]]] = {}

    def grid(gt: int, gs: int) -> tuple[np.ndarray, tuple[int, int]]:
        """Cell keys of every report in the grid whose cells are twice reach (gt, gs):
        family first (never compatible across families), then time, lat, lon."""
        if (gt, gs) not in grids:
            cell_t, cell_lat, cell_lon = _cell_sizes((gt, gs), base_t, base_s, coslat)
            tb = np.floor((mid - mid.min()) / cell_t).astype(np.int64)
            yb = np.floor((lat - lat.min()) / cell_lat).astype(np.int64)
            xb = np.floor((lon - lon.min()) / cell_lon).astype(np.int64)
            nt, ny, nx = int(tb.max()) + 3, int(yb.max()) + 3, int(xb.max()) + 3
            if (int(fam.max()) + 1) * nt * ny * nx >= 2**62:
                raise ValueError("fusion grid too fine for the extent of the data")
            key = (((fam.astype(np.int64) * nt + tb + 1) * ny + (yb + 1)) * nx) + (xb + 1)
            grids[(gt, gs)] = (key, (ny, nx))
        return grids[(gt, gs)]

    a_parts, b_parts = [], []
    cells: dict[tuple[int, tuple[int, int]], tuple[np.ndarray, ...]] = {}
    jobs = _class_pairs(classes)
    for step, (i, j, g) in enumerate(jobs):
        if progress:
            progress("blocking", step, len(jobs))
        key, shape = grid(*g)
        for c in (i, j):
            if (c, g) not in cells:
                cells[(c, g)] = _cells(key, members[c])
        # query from the smaller class: fewer cells to look up
        qc, ic = (i, j) if len(members[i]) <= len(members[j]) else (j, i)
        for qa, cb in _candidates(cells[(qc, g)], cells[(ic, g)], i == j, shape):
            # time first (cheapest, most selective): |mid gap| <= sum of time reaches
            ok = np.abs(mid[qa] - mid[cb]) <= reach_t[qa] + reach_t[cb]
            qa, cb = qa[ok], cb[ok]
            ok = (source[qa] != source[cb]) | (
                (event[qa] == event[cb]) & (event[qa] >= 0))
            qa, cb = qa[ok], cb[ok]
            ok = haversine_m(lat[qa], lon[qa], lat[cb], lon[cb]) <= \
                reach_s[qa] + reach_s[cb]
            a_parts.append(np.minimum(qa[ok], cb[ok]))
            b_parts.append(np.maximum(qa[ok], cb[ok]))
    if progress:
        progress("blocking", len(jobs), len(jobs))
    a = np.concatenate(a_parts) if a_parts else empty
    b = np.concatenate(b_parts) if b_parts else empty
    pair_order = np.lexsort((a, b))
    a, b = a[pair_order], b[pair_order]
    return a, b, pair_scores(a, b, unit, mid, reach_t, reach_s)




def _class_pairs(classes: np.ndarray) -> list[tuple[int, int, tuple[int, int]]]:
    """Every pair of reach classes ``(i, j)``, ``i <= j``, with the grid they meet in: the
    coarser reach in each dimension."""
    return [(i, j, (int(max(classes[i][0], classes[j][0])),
                    int(max(classes[i][1], classes[j][1]))))
            for i in range(len(classes)) for j in range(i, len(classes))]


def _cell_sizes(g: tuple[int, int], base_t: float, base_s: float, coslat: float
                ) -> tuple[float, float, float]:
    """Cell size (seconds, degrees of latitude, degrees of longitude) of grid ``g``: twice
    the reach of its class, a hair wider so that a pair at exactly the reach is one cell
    apart; longitude degrees shrink with latitude (``coslat``: the most poleward report)."""
    cell_t = 2.0 * base_t * 2.0 ** g[0] * 1.000001
    cell_lat = 2.0 * base_s * 2.0 ** g[1] * 1.000001 / M_PER_DEG
    return cell_t, cell_lat, cell_lat / coslat


def _pairs_numba(source: np.ndarray, event: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                 cls: np.ndarray, classes: np.ndarray, fam: np.ndarray, mid: np.ndarray, reach_t: np.ndarray, reach_s: np.ndarray, base_t: float,
                 base_s: float, coslat: float, unit: np.ndarray, progress: Progress | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of the numpy blocking above and their scores, by compiled kernels: same
    classes, grids, cells and tests, so the same set of pairs; sorted by (b, a)."""
    jit = load_kernels()
    assert jit is not None
    n = len(mid)
    fam64 = fam.astype(np.int64)
    members = jit.split_classes(cls.astype(np.int64), len(classes))
    mid_min, lat_min, lon_min = mid.min(), lat.min(), lon.min()
    fam_n = int(fam.max()) + 1
    shapes: dict[tuple[int, int], tuple[float, float, float, int, int, int]] = {}
    jobs = _class_pairs(classes)
    for g in {g for _, _, g in jobs}:  # as grid() above; bins are monotone: max bin = max's
        cell_t, cell_lat, cell_lon = _cell_sizes(g, base_t, base_s, coslat)
        nt = int(np.floor((mid.max() - mid_min) / cell_t)) + 3
        ny = int(np.floor((lat.max() - lat_min) / cell_lat)) + 3
        nx = int(np.floor((lon.max() - lon_min) / cell_lon)) + 3
        if fam_n * nt * ny * nx >= 2**62:
            raise ValueError("fusion grid too fine for the extent of the data")
        shapes[g] = (cell_t, cell_lat, cell_lon, nt, ny, nx)

    # one row of the columns the tests read per report: one cache line per lookup
    cols = jit.columns(mid, reach_t, reach_s, source, event, unit)

    arenas: dict[int, tuple[np.ndarray, ...]] = {}

    def make_cells(c: int, g: tuple[int, int]) -> tuple[np.ndarray, ...]:
        cell_t, cell_lat, cell_lon, nt, ny, nx = shapes[g]
        k = len(members[c])
        if c not in arenas:  # one per class, reused by every grid
            arenas[c] = (*(np.empty(k, np.int64) for _ in range(7)), np.empty((k, 8)))
        arena = arenas[c]
        nc = jit.cells(members[c], fam64, mid, lat, lon, mid_min, lat_min, lon_min,
                       cell_t, cell_lat, cell_lon, nt, ny, nx, cols, arena)
        return arena[3], arena[4][:nc], arena[5][:nc], arena[6][:nc], arena[7]

    def join(cells: dict[tuple[int, tuple[int, int]], tuple[np.ndarray, ...]], i: int, j: int,
             g: tuple[int, int]) -> tuple[np.ndarray, ...]:
        # query from the smaller class: fewer cells to look up
        qc, ic = (i, j) if len(members[i]) <= len(members[j]) else (j, i)
        size = len(members[i]) + len(members[j])  # most often enough: else grown once
        out = jit.join(cells[(qc, g)], cells[(ic, g)], i == j, shapes[g][4], shapes[g][5],
                       np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size),
                       np.empty(64, np.int64), np.empty(64, np.int64))
        return out[0][:out[3]], out[1][:out[3]], out[2][:out[3]], out[4][:out[6]], \
            out[5][:out[6]]

    # the kernels release the GIL: cells, then class pairs, run on a few threads
    workers = max(1, min(_THREADS, os.cpu_count() or 1))
    found: list[tuple[np.ndarray, ...]] = []
    with ThreadPoolExecutor(workers) as pool:
        # one grid at a time (each class's cells are rebuilt in its arena for the next
        # grid once every join of this one is done)
        for g in sorted(shapes):
            in_g = [job for job in jobs if job[2] == g]
            keys = sorted({(c, g) for i, j, _ in in_g for c in (i, j)})
            made = [pool.submit(make_cells, *key) for key in keys]
            cells = {key: f.result() for key, f in zip(keys, made, strict=True)}
            for f in [pool.submit(join, cells, *job) for job in in_g]:
                if progress:
                    progress("blocking", len(found), len(jobs))
                found.append(f.result())
    if progress:
        progress("blocking", len(jobs), len(jobs))
    qa = np.concatenate([f[3] for f in found])  # borderline distances: numpy decides
    cb = np.concatenate([f[4] for f in found])
    ok = haversine_m(lat[qa], lon[qa], lat[cb], lon[cb]) <= reach_s[qa] + reach_s[cb]
    qa, cb = qa[ok], cb[ok]
    return jit.sort_pairs(np.concatenate([f[0] for f in found] + [qa]),
                          np.concatenate([f[1] for f in found] + [cb]),
                          np.concatenate([f[2] for f in found] + [
                              pair_scores(qa, cb, unit, mid, reach_t, reach_s)]), n)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Each place as a unit vector (n × 3). Computed once, by numpy, for both paths: the
    scores below use only +, -, × and ÷ on them, which numba and numpy round alike."""
    p, lam = np.radians(lat), np.radians(lon)
    cp = np.cos(p)
    return np.stack([cp * np.cos(lam), cp * np.sin(lam), np.sin(p)], axis=1)


def pair_scores(a: np.ndarray, b: np.ndarray, unit: np.ndarray, mid: np.ndarray,
                reach_t: np.ndarray, reach_s: np.ndarray) -> np.ndarray:
    """Closeness of each pair: its normalized space-time distance, squared (0 = same place
    and time; 2 at both limits). Space uses the straight-line (chord) distance, within a
    metre of the great circle at these ranges; it only ranks incidents, it decides no pair.
    _fusion_jit._join computes the same formula, operation for operation."""
    score = np.empty(len(a))
    for lo in range(0, len(a), _SCORE_CHUNK):  # chunks that stay in cache
        sa, sb = a[lo:lo + _SCORE_CHUNK], b[lo:lo + _SCORE_CHUNK]
        d = unit[sa] - unit[sb]
        chord2 = d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] + d[:, 2] * d[:, 2]
        lim = reach_s[sa] + reach_s[sb]
        dt = np.abs(mid[sa] - mid[sb]) / np.maximum(reach_t[sa] + reach_t[sb], 1.0)
        score[lo:lo + _SCORE_CHUNK] = chord2 * _R2 / (lim * lim) + dt * dt
    return score


def _cells(key: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, ...]:
    """Members sorted by cell key; the occupied cells, where each starts, how many."""
    # order within a cell does not matter (pairs are sorted at the end): plain quicksort
    ordered = members[np.argsort(key[members])]
    sorted_keys = key[ordered]
    if len(sorted_keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return ordered, empty, empty, empty
    first = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    count = np.diff(np.append(first, len(sorted_keys)))
    return ordered, sorted_keys[first], first, count


def _candidates(query: tuple[np.ndarray, ...], index: tuple[np.ndarray, ...], same: bool,
                shape: tuple[int, int]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Candidate pairs (query report, indexed report) in neighbouring cells, in blocks.

    Work is done per occupied cell: matching neighbouring cells is a ``searchsorted`` over
    the (few) occupied cells, then every query of one cell pairs with every indexed report
    of the other. ``same``: query and index are one set, so keep each pair once.
    """
    ny, nx = shape
    idx, icells, istart, icount = index
    q, qcells, qstart, qcount = query
    offsets = [(dt, dy, dx) for dt in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    if same:  # one set: look at half the neighbours (and the own cell), each pair once
        offsets = [o for o in offsets if o >= (0, 0, 0)]
    for dt, dy, dx in offsets:
        target = qcells + (dt * ny + dy) * nx + dx
        pos = np.clip(np.searchsorted(icells, target), 0, len(icells) - 1)
        hit = icells[pos] == target
        qc, ic = np.flatnonzero(hit), pos[hit]
        sizes = qcount[qc] * icount[ic]
        # split the cell pairs into blocks of about _CHUNK candidates
        bounds = np.searchsorted(np.cumsum(sizes), np.arange(
            _CHUNK, int(sizes.sum()) + _CHUNK, _CHUNK), "right")
        lo = 0
        for hi in np.unique(np.append(bounds, len(qc))):
            if hi <= lo:
                continue
            qa, cb = _expand(q, qstart[qc[lo:hi]], qcount[qc[lo:hi]],
                             idx, istart[ic[lo:hi]], icount[ic[lo:hi]])
            if same and (dt, dy, dx) == (0, 0, 0):  # the own cell is seen from both ends
                keep = qa < cb
                qa, cb = qa[keep], cb[keep]
            yield qa, cb
            lo = hi


def _expand(q: np.ndarray, qs: np.ndarray, qn: np.ndarray, idx: np.ndarray, is_: np.ndarray,
            inn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (query, indexed) pairs of the given cell pairs."""
    sizes = qn * inn
    total = int(sizes.sum())
    block = np.repeat(np.arange(len(sizes)), sizes)
    k = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = inn[block]
    return q[qs[block] + k // width], idx[is_[block] + k % width]



def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                ) -> np.ndarray:
    """Great-circle distance in metres (vectorized)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
