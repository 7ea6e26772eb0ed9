"""Space-time blocking: every compatible pair of reports, in O(N log N), never N².

Compatibility itself is defined in :mod:`ceasefire.core.fusion`. Here: each report gets a
level in time and one in space from its reach (half its interval + half its window; its
uncertainty + half its radius), in powers of two of the median reach. Two classes of
reports meet in a grid whose cells are twice the coarser reach of the two in each dimension
(and one category family), so every compatible pair lies in neighbouring cells. Sorting
cell keys and ``searchsorted`` over the 27 neighbour offsets finds them with numpy.

The optional numba kernels (:mod:`ceasefire.core._fusion_jit`, from
``fusion.NUMBA_MIN_REPORTS`` reports on) search differently, and faster: one sweep in time
over the reports in canonical order, each looking back at the recent reports in the spatial
cells around it (same classes, same spatial cells, a list per cell). Both searches are
exhaustive and apply the same tests, so they give the same pairs and scores
(``tests/core/test_fusion_numba.py``).
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
_DENSE_CELLS = 1 << 16  # the sweep's list heads per grid block: one per cell up to this,
_HASH_BITS = 15  # else 2**15 hashed (8 bytes each)
_PAIRS_PER_REPORT = 16  # the sweep's first room for pairs (VIINA has 7): then it doubles
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
    with ThreadPoolExecutor(1) as pool:  # numpy lets go of the GIL: on the other core
        unit_job = pool.submit(unit_vectors, lat, lon)
        cls, classes, base_t, base_s = _classes(reach_t, reach_s)
        unit = unit_job.result()

    # longitude degrees shrink with latitude: size cells for the most poleward report
    coslat = max(np.cos(np.radians(min(float(np.abs(lat).max()) + 1.0, 89.0))), 1e-3)
    if use_numba and load_kernels() is not None:
        return _pairs_numba(source, event, lat, lon, cls, classes, fam, mid, reach_t,
                            reach_s, base_s, coslat, unit, progress)
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


def _classes(reach_t: np.ndarray, reach_s: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Each report's class, the classes (time level, space level) in lexicographic order
    (as np.unique(axis=0) gives), and the base reaches in time and space.

    A report's level per dimension is its reach in powers of two of the median reach (of
    at most 2**16 reports, evenly spaced: any base gives the same pairs, a typical one the
    fewest candidates)."""
    base_t = float(np.median(reach_t[::max(1, len(reach_t) >> 16)]))
    base_s = float(np.median(reach_s[::max(1, len(reach_s) >> 16)]))
    lt = np.maximum(np.ceil(np.log2(reach_t / base_t) - 1e-9), 0).astype(np.int64)
    ls = np.maximum(np.ceil(np.log2(reach_s / base_s) - 1e-9), 0).astype(np.int64)
    width = int(ls.max()) + 1
    present = np.flatnonzero(np.bincount(lt * width + ls))
    classes = np.stack([present // width, present % width], axis=1)
    code = np.full(int(present[-1]) + 1, -1, dtype=np.int64)
    code[present] = np.arange(len(present))
    return code[lt * width + ls], classes, base_t, base_s


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
                 cls: np.ndarray, classes: np.ndarray, fam: np.ndarray, mid: np.ndarray,
                 reach_t: np.ndarray, reach_s: np.ndarray, base_s: float, coslat: float,
                 unit: np.ndarray, progress: Progress | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every compatible pair and its score, by the compiled sweep (:func:`_fusion_jit.sweep`):
    sorted by (b, a).

    A different search from the numpy one, exhaustive too, so the same set of pairs: the
    same classes, but a sweep in time in place of the time cells, and spatial grids (one
    per space level, as above) whose cells hold linked lists of recent reports.
    """
    jit = load_kernels()
    assert jit is not None
    n = len(mid)
    if np.any(mid[1:] < mid[:-1]):  # the sweep relies on canonical order
        raise ValueError("reports are not in canonical order (ascending time midpoint)")
    cls_level = np.ascontiguousarray(classes[:, 1], dtype=np.int64)
    cls_reach_t, cls_reach_s = np.zeros(len(classes)), np.zeros(len(classes))
    np.maximum.at(cls_reach_t, cls, reach_t)
    np.maximum.at(cls_reach_s, cls, reach_s)
    n_levels = int(cls_level.max()) + 1
    n_fam = int(fam.max()) + 1
    # the finest grid; level g's bins are its bins >> g (exact: its cells are 2**g times
    # as large, and both divisions round alike)
    _, cell_lat, cell_lon = _cell_sizes((0, 0), 1.0, base_s, coslat)
    ypos, xpos = (lat - lat.min()) / cell_lat, (lon - lon.min()) / cell_lon
    # per level: padded bins, family-major; per (class, level >= its own) a block of lists,
    # one per cell, or hashed when the reports spread far and wide (then cells may share
    # lists: more candidates, the same pairs, and memory that stays in cache)
    top_y, top_x = int(np.floor(ypos.max())), int(np.floor(xpos.max()))
    shape = np.array([[(top_y >> g) + 3, (top_x >> g) + 3] for g in range(n_levels)],
                     dtype=np.int64)
    cells = n_fam * shape[:, 0] * shape[:, 1]
    hash_bits = np.where(cells <= _DENSE_CELLS, 0, _HASH_BITS).astype(np.int64)
    block = np.where(hash_bits == 0, cells, 1 << _HASH_BITS)
    offset = np.full((len(classes), n_levels), -1, dtype=np.int64)
    total = 0
    for c in range(len(classes)):
        for g in range(int(cls_level[c]), n_levels):
            offset[c, g] = total
            total += int(block[g])
    fam64 = fam.astype(np.int64)
    # threads take consecutive ranges of reports; each first inserts (without looking
    # back) the reports just before its range that its range may pair with
    workers = max(1, min(_THREADS, os.cpu_count() or 1, n // 50_000 + 1))
    bounds = np.linspace(0, n, workers + 1).astype(np.int64).tolist()
    look_back = 2.0 * float(reach_t.max()) * (1.0 + 1e-9) + 1.0
    # times as 32-bit ticks for the lists (a second each, coarser past 60 years of data)
    t0 = float(mid[0])
    tick_s = max(1.0, float(mid[-1] - t0) / 2e9)
    tick = np.ceil((mid - t0) / tick_s).astype(np.int32)

    def sweep(q0: int, q1: int) -> tuple[np.ndarray, ...]:
        warm = int(np.searchsorted(mid, mid[q0] - look_back, "left"))
        # one row of what the tests read per report: one cache line per lookup
        cols = np.empty((q1 - warm, 8))
        jit.columns(*(v[warm:q1] for v in (mid, reach_t, reach_s, source, event, unit)), cols)
        head, head_tick = np.zeros(total, dtype=np.int32), np.zeros(total, dtype=np.int32)
        link = np.empty((n_levels, q1 - warm), dtype=np.int32)
        link_tick = np.empty((n_levels, q1 - warm), dtype=np.int32)
        # room for the pairs: only the pages written are used
        room = _PAIRS_PER_REPORT * (q1 - q0) + 1024
        out = [np.empty(room, np.int64), np.empty(room, np.int64), np.empty(room)]
        x, m = warm, 0
        while True:
            x, m = jit.sweep(cls, cls_level, cls_reach_t, cls_reach_s, fam64, ypos, xpos,
                             1.0 / (M_PER_DEG * cell_lat), offset, shape, hash_bits, cols,
                             tick, t0, tick_s, head, head_tick, link, link_tick, warm, x, q0,
                             q1, *out, m)
            if x == q1:
                return out[0][:m], out[1][:m], out[2][:m]
            # report x's pairs did not fit: twice the room, and on from x
            out = [_grown(buf, m) for buf in out]

    if progress:
        progress("blocking", 0, 1)
    with ThreadPoolExecutor(workers) as pool:  # the kernel releases the GIL
        found = list(pool.map(sweep, bounds[:-1], bounds[1:]))
    if progress:
        progress("blocking", 1, 1)
    a, b, score = (np.concatenate(column) for column in zip(*found, strict=True))
    # borderline distances (b written as -1 - b, in place): numpy's formula decides
    borderline = np.flatnonzero(b < 0)
    if len(borderline) == 0:
        return a, b, score
    b[borderline] = -1 - b[borderline]
    qa, cb = a[borderline], b[borderline]
    held = haversine_m(lat[qa], lon[qa], lat[cb], lon[cb]) <= reach_s[qa] + reach_s[cb]
    keep = np.ones(len(a), dtype=bool)
    keep[borderline[~held]] = False
    return a[keep], b[keep], score[keep]


def _grown(buf: np.ndarray, filled: int) -> np.ndarray:
    """A buffer twice as large, with the first ``filled`` entries of ``buf``."""
    out = np.empty(2 * len(buf), dtype=buf.dtype)
    out[:filled] = buf[:filled]
    return out


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Each place as a unit vector (n × 3). Computed once, by numpy, for both paths: the
    scores below use only +, -, × and ÷ on them, which numba and numpy round alike."""
    p, lam = np.radians(lat), np.radians(lon)
    cp = np.cos(p)
    unit = np.empty((len(lat), 3))
    np.multiply(cp, np.cos(lam), out=unit[:, 0])
    np.multiply(cp, np.sin(lam), out=unit[:, 1])
    np.sin(p, out=unit[:, 2])
    return unit


def pair_scores(a: np.ndarray, b: np.ndarray, unit: np.ndarray, mid: np.ndarray,
                reach_t: np.ndarray, reach_s: np.ndarray) -> np.ndarray:
    """Closeness of each pair: its normalized space-time distance, squared (0 = same place
    and time; 2 at both limits). Space uses the straight-line (chord) distance, within a
    metre of the great circle at these ranges; it only ranks incidents, it decides no pair.
    _fusion_jit.sweep computes the same formula, operation for operation."""
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
