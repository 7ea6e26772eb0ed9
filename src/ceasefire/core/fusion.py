"""Fusion: reports become incidents (DESIGN.md "Fusion").

Two reports are **compatible** (may describe one event) when

* their categories are of one family (:data:`~ceasefire.core.evidence.CATEGORY_FAMILY`);
* their time intervals, each widened by half its category's window, overlap: the gap
  between them is at most ``(window_a + window_b) / 2``;
* their uncertainty circles, each widened by half its category's radius, meet: the
  great-circle distance is at most ``u_a + u_b + (radius_a + radius_b) / 2``;
* they come from different sources, or from one source with one ``event_ref`` (an update).

**Candidates** come from space-time blocking: each report gets a level in time and one in
space from its reach (half its interval + half window; uncertainty + half radius), in
powers of two of the median reach. Two classes of reports meet in a grid whose cells are
twice the coarser reach of the two in each dimension (and one category family), so every
compatible pair lies in neighbouring cells. Sorting cell keys and ``searchsorted`` over
the 27 neighbour offsets finds them in O(N log N) with numpy, never N².

**Assignment does not chain.** Reports are put in a canonical order (time midpoint, then
``source_id:report_id``); each joins the existing incident with which it is compatible
with *every* member (the closest such, by the normalized space-time distance of its nearest
member), or starts a new one. The outcome is therefore a function of the *set* of reports,
not of their input order.

**Incremental equals batch, exactly.** Compatibility is a graph; assignment only ever
groups reports of one connected component, and its result on a component depends only on
that component's reports. Adding reports only merges components. So :func:`attach`
recomputes the components that contain a new report and keeps every other incident as it
was: the result is the batch result over all reports (tested).

Cliques (components whose reports are all pairwise compatible: most of them) become one
incident without the sequential pass, which only runs over the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ceasefire.core.evidence import CATEGORIES, CATEGORY_FAMILY
from ceasefire.core.profile import ScoringProfile

try:  # optional compiled kernels (extra "fast"); the numpy code below gives the same results
    from ceasefire.core import _fusion_jit
except ImportError:  # pragma: no cover - depends on the environment
    _fusion_jit = None  # type: ignore[assignment]

#: use the numba kernels when importable (tests switch this off to compare both paths)
USE_NUMBA = _fusion_jit is not None
_THREADS = 4  # at most this many threads for the numba kernels (and no more than CPUs)

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = EARTH_RADIUS_M * np.pi / 180.0
_CHUNK = 2_000_000  # candidate pairs per block (bounds peak memory)
_SCORE_CHUNK = 1 << 15
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReportArrays:
    """The columns fusion needs, one entry per report (located reports only).

    ``gid`` is the global id ``source_id:report_id``; ``source`` and ``event`` are integer
    codes (``event`` -1 when the report has no ``event_ref``; equal codes mean one source's
    one event); ``category`` indexes :data:`CATEGORIES`.
    """

    gid: np.ndarray
    source: np.ndarray
    event: np.ndarray
    t_start: np.ndarray
    t_end: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    uncertainty_m: np.ndarray
    category: np.ndarray

    def __len__(self) -> int:
        return len(self.gid)

    @classmethod
    def build(cls, gid: Sequence[str], source_id: Sequence[str],
              event_ref: Sequence[str | None], t_start: Sequence[float],
              t_end: Sequence[float], lat: Sequence[float], lon: Sequence[float],
              uncertainty_m: Sequence[float | None], category: Sequence[str]) -> ReportArrays:
        """Encode plain columns (strings become integer codes)."""
        src = np.asarray(source_id, dtype=object).astype(str)
        _, src_codes = np.unique(src, return_inverse=True)
        ev = np.asarray(event_ref, dtype=object)
        has_ev = np.array([isinstance(e, str) and e != "" for e in ev], dtype=bool)
        ev_key = np.where(has_ev, np.char.add(np.char.add(src, "\x1f"),
                                              ev.astype(str)), "")
        _, ev_codes = np.unique(ev_key, return_inverse=True)
        cat_index = {c: i for i, c in enumerate(CATEGORIES)}
        cats = np.array([cat_index.get(c, cat_index["other"]) for c in category], dtype=np.int16)
        unc = np.asarray(uncertainty_m, dtype=object)
        unc_f = np.array([0.0 if u is None else float(u) for u in unc], dtype=np.float64)
        return cls(
            gid=np.asarray(gid, dtype=object).astype(str),
            source=src_codes.astype(np.int64),
            event=np.where(has_ev, ev_codes, -1).astype(np.int64),
            t_start=np.asarray(t_start, dtype=np.float64),
            t_end=np.asarray(t_end, dtype=np.float64),
            lat=np.asarray(lat, dtype=np.float64),
            lon=np.asarray(lon, dtype=np.float64),
            uncertainty_m=np.nan_to_num(unc_f),
            category=cats,
        )

    def take(self, index: np.ndarray) -> ReportArrays:
        return ReportArrays(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class Graph:
    """Compatible pairs in canonical order (``a < b``) and a closeness score per pair."""

    order: np.ndarray   # canonical position -> input index
    a: np.ndarray
    b: np.ndarray
    score: np.ndarray   # normalized space-time distance (0 = same place and time)


def canonical_order(arrays: ReportArrays) -> np.ndarray:
    """Input indices sorted by (time midpoint, global id): independent of input order."""
    mid = (arrays.t_start + arrays.t_end) / 2.0
    return np.lexsort((arrays.gid, mid))


def _family_codes() -> np.ndarray:
    names = sorted(set(CATEGORY_FAMILY.values()))
    return np.array([names.index(CATEGORY_FAMILY[c]) for c in CATEGORIES], dtype=np.int16)


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
                ) -> np.ndarray:
    """Great-circle distance in metres (vectorized)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2 - lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


def compatibility_graph(arrays: ReportArrays, profile: ScoringProfile,
                        progress: Progress | None = None) -> Graph:
    """Every compatible pair, found by space-time blocking (see the module docstring)."""
    order = canonical_order(arrays)
    # every column in canonical order, but gid (strings: slow to gather, not needed here)
    r = ReportArrays(*(arrays.gid if f == "gid" else getattr(arrays, f)[order]
                       for f in ReportArrays.__dataclass_fields__))
    n = len(r)
    tables = profile.category_tables()
    win = np.array([tables.window_s[c] for c in CATEGORIES])[r.category]
    rad = np.array([tables.radius_m[c] for c in CATEGORIES])[r.category]
    unc = np.maximum(r.uncertainty_m, profile.min_location_uncertainty_m)
    fam = _family_codes()[r.category]
    mid = (r.t_start + r.t_end) / 2.0
    reach_t = (r.t_end - r.t_start) / 2.0 + win / 2.0
    reach_s = unc + rad / 2.0
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return Graph(order, empty, empty, np.zeros(0))

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
    coslat = max(np.cos(np.radians(min(float(np.abs(r.lat).max()) + 1.0, 89.0))), 1e-3)
    if USE_NUMBA and _fusion_jit is not None:
        a, b = _pairs_numba(r, cls, classes, fam, mid, reach_t, reach_s, base_t, base_s,
                            coslat, progress)
        return _graph(order, r, a, b, unc, rad, win, mid)
    members = [np.flatnonzero(cls == c) for c in range(len(classes))]
    grids: dict[tuple[int, int], tuple[np.ndarray, tuple[int, int]]] = {}

    def grid(gt: int, gs: int) -> tuple[np.ndarray, tuple[int, int]]:
        """Cell keys of every report in the grid whose cells are twice reach (gt, gs):
        family first (never compatible across families), then time, lat, lon."""
        if (gt, gs) not in grids:
            cell_t, cell_lat, cell_lon = _cell_sizes((gt, gs), base_t, base_s, coslat)
            tb = np.floor((mid - mid.min()) / cell_t).astype(np.int64)
            yb = np.floor((r.lat - r.lat.min()) / cell_lat).astype(np.int64)
            xb = np.floor((r.lon - r.lon.min()) / cell_lon).astype(np.int64)
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
            ok = (r.source[qa] != r.source[cb]) | (
                (r.event[qa] == r.event[cb]) & (r.event[qa] >= 0))
            qa, cb = qa[ok], cb[ok]
            ok = haversine_m(r.lat[qa], r.lon[qa], r.lat[cb], r.lon[cb]) <= \
                reach_s[qa] + reach_s[cb]
            a_parts.append(np.minimum(qa[ok], cb[ok]))
            b_parts.append(np.maximum(qa[ok], cb[ok]))
    if progress:
        progress("blocking", len(jobs), len(jobs))
    a = np.concatenate(a_parts) if a_parts else empty
    b = np.concatenate(b_parts) if b_parts else empty
    pair_order = np.lexsort((a, b))
    a, b = a[pair_order], b[pair_order]
    return _graph(order, r, a, b, unc, rad, win, mid)


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


def _pairs_numba(r: ReportArrays, cls: np.ndarray, classes: np.ndarray, fam: np.ndarray,
                 mid: np.ndarray, reach_t: np.ndarray, reach_s: np.ndarray, base_t: float,
                 base_s: float, coslat: float, progress: Progress | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of the numpy blocking above, by compiled kernels: same classes, grids,
    cells and tests, so the same set of pairs; sorted by (b, a)."""
    jit = _fusion_jit
    assert jit is not None
    n = len(r)
    fam64 = fam.astype(np.int64)
    members = jit.split_classes(cls.astype(np.int64), len(classes))
    mid_min, lat_min, lon_min = mid.min(), r.lat.min(), r.lon.min()
    fam_n = int(fam.max()) + 1
    shapes: dict[tuple[int, int], tuple[float, float, float, int, int, int]] = {}
    jobs = _class_pairs(classes)
    for g in {g for _, _, g in jobs}:  # as grid() above; bins are monotone: max bin = max's
        cell_t, cell_lat, cell_lon = _cell_sizes(g, base_t, base_s, coslat)
        nt = int(np.floor((mid.max() - mid_min) / cell_t)) + 3
        ny = int(np.floor((r.lat.max() - lat_min) / cell_lat)) + 3
        nx = int(np.floor((r.lon.max() - lon_min) / cell_lon)) + 3
        if fam_n * nt * ny * nx >= 2**62:
            raise ValueError("fusion grid too fine for the extent of the data")
        shapes[g] = (cell_t, cell_lat, cell_lon, nt, ny, nx)

    # one row of the columns the tests read per report: one cache line per lookup
    cols = jit.columns(mid, reach_t, reach_s, r.source, r.event, r.lat, r.lon)

    arenas: dict[int, tuple[np.ndarray, ...]] = {}

    def make_cells(c: int, g: tuple[int, int]) -> tuple[np.ndarray, ...]:
        cell_t, cell_lat, cell_lon, nt, ny, nx = shapes[g]
        k = len(members[c])
        if c not in arenas:  # one per class, reused by every grid
            arenas[c] = (*(np.empty(k, np.int64) for _ in range(7)), np.empty((k, 8)))
        arena = arenas[c]
        nc = jit.cells(members[c], fam64, mid, r.lat, r.lon, mid_min, lat_min, lon_min,
                       cell_t, cell_lat, cell_lon, nt, ny, nx, cols, arena)
        return arena[3], arena[4][:nc], arena[5][:nc], arena[6][:nc], arena[7]

    def join(cells: dict[tuple[int, tuple[int, int]], tuple[np.ndarray, ...]], i: int, j: int,
             g: tuple[int, int]) -> tuple[np.ndarray, ...]:
        # query from the smaller class: fewer cells to look up
        qc, ic = (i, j) if len(members[i]) <= len(members[j]) else (j, i)
        size = len(members[i]) + len(members[j])  # most often enough: else grown once
        out = jit.join(cells[(qc, g)], cells[(ic, g)], i == j, shapes[g][4], shapes[g][5],
                       np.empty(size, np.int64), np.empty(size, np.int64), 0,
                       np.empty(64, np.int64), np.empty(64, np.int64), 0)
        return out[0][:out[2]], out[1][:out[2]], out[3][:out[5]], out[4][:out[5]]

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
    qa = np.concatenate([f[2] for f in found])  # borderline distances: numpy decides
    cb = np.concatenate([f[3] for f in found])
    ok = haversine_m(r.lat[qa], r.lon[qa], r.lat[cb], r.lon[cb]) <= reach_s[qa] + reach_s[cb]
    return jit.sort_pairs(np.concatenate([f[0] for f in found] + [qa[ok]]),
                          np.concatenate([f[1] for f in found] + [cb[ok]]), n)


def _graph(order: np.ndarray, r: ReportArrays, a: np.ndarray, b: np.ndarray, unc: np.ndarray,
           rad: np.ndarray, win: np.ndarray, mid: np.ndarray) -> Graph:
    """The graph of the sorted pairs, with their scores (elementwise, in chunks that stay
    in cache: fresh memory is slow to touch)."""
    score = np.empty(len(a))
    for lo in range(0, len(a), _SCORE_CHUNK):
        sa, sb = a[lo:lo + _SCORE_CHUNK], b[lo:lo + _SCORE_CHUNK]
        dist = haversine_m(r.lat[sa], r.lon[sa], r.lat[sb], r.lon[sb])
        allow_s = unc[sa] + unc[sb] + (rad[sa] + rad[sb]) / 2.0
        allow_t = (r.t_end[sa] - r.t_start[sa] + r.t_end[sb] - r.t_start[sb]) / 2.0 + \
            (win[sa] + win[sb]) / 2.0
        score[lo:lo + _SCORE_CHUNK] = (dist / allow_s) ** 2 + (
            np.abs(mid[sa] - mid[sb]) / np.maximum(allow_t, 1.0)) ** 2
    return Graph(order, a, b, score)


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


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected component of each node (its smallest member), by hook-and-compress."""
    parent = np.arange(n, dtype=np.int64)
    while True:
        pa, pb = parent[a], parent[b]
        differ = pa != pb
        if not differ.any():
            return parent
        lo, hi = np.minimum(pa[differ], pb[differ]), np.maximum(pa[differ], pb[differ])
        np.minimum.at(parent, hi, lo)
        while True:  # pointer jumping until every node points at its root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def _assign(n: int, graph: Graph, comp: np.ndarray, redo: np.ndarray) -> np.ndarray:
    """Anchor (canonical position of the first member) of each report's incident.

    Only components flagged in ``redo`` are computed; the others get -1.
    """
    anchor = np.full(n, -1, dtype=np.int64)
    size = np.bincount(comp, minlength=n)
    in_comp_edges = np.bincount(comp[graph.a], minlength=n)
    clique = in_comp_edges == size * (size - 1) // 2
    simple = redo[comp] & clique[comp]
    anchor[simple] = comp[simple]  # a component's root is its smallest (first) member
    hard_nodes = np.flatnonzero(redo[comp] & ~clique[comp])
    if len(hard_nodes) == 0:
        return anchor
    hard_edge = redo[comp[graph.b]] & ~clique[comp[graph.b]]
    eb, ea, es = graph.b[hard_edge], graph.a[hard_edge], graph.score[hard_edge]
    # edges are sorted by b: slice each node's earlier neighbours
    starts = np.searchsorted(eb, hard_nodes, "left")
    ends = np.searchsorted(eb, hard_nodes, "right")
    if USE_NUMBA and _fusion_jit is not None:
        anchor[hard_nodes] = _fusion_jit.assign(n, hard_nodes, starts, ends, ea, es)
        return anchor
    ea_l, es_l = ea.tolist(), es.tolist()
    label: dict[int, int] = {}
    members: dict[int, int] = {}
    for node, s, e in zip(hard_nodes.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if e - s <= 1:  # fast paths: no earlier neighbour, or exactly one
            inc = label[ea_l[s]] if e > s else -1
            if inc < 0 or members[inc] != 1:
                inc = node
                members[node] = 0
            label[node] = inc
            members[inc] += 1
            continue
        count: dict[int, int] = {}
        best: dict[int, float] = {}
        for j in range(s, e):
            inc = label[ea_l[j]]
            count[inc] = count.get(inc, 0) + 1
            sc = es_l[j]
            if sc < best.get(inc, np.inf):
                best[inc] = sc
        chosen = -1
        chosen_key = (np.inf, 0)
        for inc, c in count.items():
            if c == members[inc] and (best[inc], inc) < chosen_key:
                chosen, chosen_key = inc, (best[inc], inc)
        if chosen < 0:
            chosen = node
            members[node] = 0
        label[node] = chosen
        members[chosen] += 1
    anchor[hard_nodes] = np.fromiter((label[v] for v in hard_nodes.tolist()), np.int64,
                                     len(hard_nodes))
    return anchor


@dataclass(frozen=True)
class FusionResult:
    """Per input report: the input index of its incident's anchor (first member in
    canonical order); and ``labels`` 0..K-1 numbering incidents by anchor order."""

    anchor: np.ndarray
    labels: np.ndarray
    n_incidents: int
    n_pairs: int


def _result(order: np.ndarray, anchor_pos: np.ndarray, n_pairs: int) -> FusionResult:
    anchor = np.empty(len(order), dtype=np.int64)
    anchor[order] = order[anchor_pos]
    uniq, labels_pos = np.unique(anchor_pos, return_inverse=True)
    labels = np.empty(len(order), dtype=np.int64)
    labels[order] = labels_pos
    return FusionResult(anchor, labels, len(uniq), n_pairs)


def fuse(arrays: ReportArrays, profile: ScoringProfile,
         progress: Progress | None = None) -> FusionResult:
    """Group reports into incidents (batch). Deterministic; independent of input order.

    >>> from ceasefire.core.profile import DEFAULT_PROFILE
    >>> arr = ReportArrays.build(["a:1", "b:1", "a:2"], ["a", "b", "a"], [None] * 3,
    ...     [0, 60, 60], [600, 660, 660], [48.0, 48.001, 48.0], [37.0, 37.0, 37.0],
    ...     [500, 500, 500], ["shelling"] * 3)
    >>> fuse(arr, DEFAULT_PROFILE).labels.tolist()   # a:2 may not join its own source's a:1
    [0, 1, 1]
    """
    graph = compatibility_graph(arrays, profile, progress)
    n = len(arrays)
    comp = components(n, graph.a, graph.b)
    anchor_pos = _assign(n, graph, comp, np.ones(n, dtype=bool))
    return _result(graph.order, anchor_pos, len(graph.a))


def attach(arrays: ReportArrays, previous: np.ndarray, profile: ScoringProfile,
           progress: Progress | None = None) -> FusionResult:
    """Attach new reports to earlier incidents (incremental): same result as :func:`fuse`.

    ``previous[i]`` is an integer code of report ``i``'s existing incident, or -1 for a new
    report. Incidents of components that no new report touches are kept as they were; the
    components with a new report are recomputed.
    """
    graph = compatibility_graph(arrays, profile, progress)
    n = len(arrays)
    order = graph.order
    comp = components(n, graph.a, graph.b)
    prev = np.asarray(previous, dtype=np.int64)[order]
    redo = np.zeros(n, dtype=bool)
    redo[comp[prev < 0]] = True
    anchor_pos = _assign(n, graph, comp, redo)
    keep = anchor_pos < 0
    if keep.any():  # an earlier incident's anchor is its first member in canonical order
        first = np.full(int(prev.max()) + 1, n, dtype=np.int64)
        np.minimum.at(first, prev[keep], np.flatnonzero(keep))
        anchor_pos[keep] = first[prev[keep]]
    return _result(order, anchor_pos, len(graph.a))


@dataclass(frozen=True)
class IncidentPlaces:
    """Fused time, place and category of each incident (arrays indexed by label)."""

    t_start: np.ndarray
    t_end: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    uncertainty_m: np.ndarray
    category: np.ndarray   # index into CATEGORIES: that of the incident's most probable report


def summarize(arrays: ReportArrays, labels: np.ndarray, p: np.ndarray,
              profile: ScoringProfile) -> IncidentPlaces:
    """Fuse each incident's time and place from its reports.

    Place: the inverse-variance weighted mean of the reports' points; its uncertainty is
    the formal error of that mean plus the weighted spread of the reports around it (so
    reports that disagree widen it). Time: the intersection of the reports' intervals when
    they overlap, else their hull. Category: that of the most probable report.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    u = np.maximum(arrays.uncertainty_m, profile.min_location_uncertainty_m)
    w = 1.0 / u**2
    wsum = np.bincount(labels, weights=w, minlength=k)
    lat = np.bincount(labels, weights=w * arrays.lat, minlength=k) / wsum
    lon = np.bincount(labels, weights=w * arrays.lon, minlength=k) / wsum
    dy = (arrays.lat - lat[labels]) * M_PER_DEG
    dx = (arrays.lon - lon[labels]) * M_PER_DEG * np.cos(np.radians(lat[labels]))
    spread = np.bincount(labels, weights=w * (dx**2 + dy**2), minlength=k) / wsum
    uncertainty = np.sqrt(1.0 / wsum + spread)
    latest_start = np.full(k, -np.inf)
    np.maximum.at(latest_start, labels, arrays.t_start)
    earliest_end = np.full(k, np.inf)
    np.minimum.at(earliest_end, labels, arrays.t_end)
    earliest_start = np.full(k, np.inf)
    np.minimum.at(earliest_start, labels, arrays.t_start)
    latest_end = np.full(k, -np.inf)
    np.maximum.at(latest_end, labels, arrays.t_end)
    overlap = latest_start <= earliest_end
    t_start = np.where(overlap, latest_start, earliest_start)
    t_end = np.where(overlap, earliest_end, latest_end)
    order = np.lexsort((arrays.gid, -p, labels))
    first = np.ones(len(order), dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    category = np.empty(k, dtype=np.int64)
    category[labels[order][first]] = arrays.category[order][first]
    return IncidentPlaces(t_start, t_end, lat, lon, uncertainty, category)
