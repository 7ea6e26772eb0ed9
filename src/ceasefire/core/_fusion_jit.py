"""Compiled (numba) kernels for the hot paths of :mod:`ceasefire.core.blocking` and
:mod:`ceasefire.core.fusion`.

Optional: importing this module raises ImportError when numba is not installed, and
fusion then uses its pure-numpy code. Both paths give identical results: the kernels run
the same candidate search over the same cells with the same IEEE arithmetic for the time
and source tests; the great-circle test, whose trigonometry may differ in the last bit
between numba and numpy, accepts only pairs clearly inside (or rejects clearly outside) the
limit and hands the few borderline pairs back to be decided by numpy's formula.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EARTH_RADIUS_M = 6_371_008.8
R2 = EARTH_RADIUS_M * EARTH_RADIUS_M


@njit(cache=True, nogil=True)
def _grow(buf: np.ndarray, need: int) -> np.ndarray:
    if need <= len(buf):
        return buf
    out = np.empty(need, dtype=buf.dtype)
    out[:len(buf)] = buf
    return out


@njit(cache=True)
def split_classes(cls: np.ndarray, k: int) -> list[np.ndarray]:
    """Members of each class, ascending (as np.flatnonzero(cls == c))."""
    count = np.zeros(k + 1, dtype=np.int64)
    for c in cls:
        count[c + 1] += 1
    for c in range(k):
        count[c + 1] += count[c]
    flat = np.empty(len(cls), dtype=np.int64)
    fill = count[:-1].copy()
    for i in range(len(cls)):
        c = cls[i]
        flat[fill[c]] = i
        fill[c] += 1
    return [flat[count[c]:count[c + 1]] for c in range(k)]


_GAPS = np.array([1750, 701, 301, 132, 57, 23, 10, 4, 1], dtype=np.int64)


@njit(cache=True, nogil=True)
def _shell_sort(sk: np.ndarray, perm: np.ndarray, s: int, e: int) -> None:
    """Sort sk[s:e] ascending, permuting perm[s:e] alike."""
    for gap in _GAPS:
        if gap >= e - s:
            continue
        for a in range(s + gap, e):
            tk, tp = sk[a], perm[a]
            b = a - gap
            while b >= s and sk[b] > tk:
                sk[b + gap] = sk[b]
                perm[b + gap] = perm[b]
                b -= gap
            sk[b + gap] = tk
            perm[b + gap] = tp


@njit(cache=True, nogil=True)
def columns(mid: np.ndarray, reach_t: np.ndarray, reach_s: np.ndarray, source: np.ndarray,
            event: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Per report: mid, reach_t, reach_s, source, event (integer codes as floats: exact
    below 2**53) and the unit vector of its place (blocking.unit_vectors)."""
    out = np.empty((len(mid), 8))
    for i in range(len(mid)):
        out[i, 0] = mid[i]
        out[i, 1] = reach_t[i]
        out[i, 2] = reach_s[i]
        out[i, 3] = source[i]
        out[i, 4] = event[i]
        out[i, 5] = unit[i, 0]
        out[i, 6] = unit[i, 1]
        out[i, 7] = unit[i, 2]
    return out


@njit(cache=True, nogil=True)
def cells(members: np.ndarray, fam: np.ndarray, mid: np.ndarray, lat: np.ndarray,
          lon: np.ndarray, mid_min: float, lat_min: float, lon_min: float, cell_t: float,
          cell_lat: float, cell_lon: float, nt: int, ny: int, nx: int, cols: np.ndarray,
          arena: tuple[np.ndarray, ...]) -> int:
    """blocking._cells of one class in one grid, written into the class's ``arena`` (reused
    from grid to grid: fresh memory is slow to touch): members in cell order, the occupied
    cells' keys, where each starts, how many, and the members' rows of ``cols`` in that
    order (so the join reads memory sequentially). Returns the number of cells."""
    key, perm, sk, ordered, ckey, cstart, ccount, rows = arena
    k = len(members)
    nf = 0
    for u in range(k):
        i = members[u]
        tb = np.int64(np.floor((mid[i] - mid_min) / cell_t))
        yb = np.int64(np.floor((lat[i] - lat_min) / cell_lat))
        xb = np.int64(np.floor((lon[i] - lon_min) / cell_lon))
        tk = fam[i] * nt + tb + 1
        key[u] = ((tk * ny + (yb + 1)) * nx) + (xb + 1)
        ordered[u] = tk  # (scratch until the end) the key's (family, time bin) part
        nf = max(nf, fam[i] + 1)
    # members ascend in canonical order, so by time: a stable counting sort by family
    # leaves runs of one (family, time bin) that only need sorting by the rest of the key
    cnt = np.zeros(nf + 1, dtype=np.int64)
    for u in range(k):
        cnt[fam[members[u]] + 1] += 1
    for f in range(nf):
        cnt[f + 1] += cnt[f]
    for u in range(k):
        f = fam[members[u]]
        perm[cnt[f]] = u
        cnt[f] += 1
    for u in range(k):
        sk[u] = key[perm[u]]
    monotone = True
    s = 0
    while s < k:
        e = s + 1
        ts = ordered[perm[s]]
        while e < k and ordered[perm[e]] == ts:
            e += 1
        if e < k and ordered[perm[e]] < ts:
            monotone = False
            break
        if e - s > 1:  # shell sort in place (runs are short; no allocation)
            _shell_sort(sk, perm, s, e)
        s = e
    if not monotone:  # not expected: sort the whole class
        o = np.argsort(key[:k])
        for u in range(k):
            perm[u] = o[u]
            sk[u] = key[o[u]]
    c = -1
    for u in range(k):
        i = members[perm[u]]
        ordered[u] = i
        if u == 0 or sk[u] != sk[u - 1]:
            c += 1
            ckey[c] = sk[u]
            cstart[c] = u
            ccount[c] = 0
        ccount[c] += 1
        for j in range(cols.shape[1]):
            rows[u, j] = cols[i, j]
    return c + 1


def join(qq: tuple[np.ndarray, ...], ii: tuple[np.ndarray, ...], same: bool, ny: int, nx: int,
         out_a: np.ndarray, out_b: np.ndarray, out_s: np.ndarray, bor_a: np.ndarray,
         bor_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray,
                                     np.ndarray, int]:
    """Compatible pairs between two classes' cells and their scores (see :func:`_join`);
    grows the buffers (re-running the join) when they are too small."""
    m, mb = _join(qq, ii, same, ny, nx, out_a, out_b, out_s, bor_a, bor_b)
    if m > len(out_a) or mb > len(bor_a):  # too small: once more, with the sizes needed
        out_a, out_b, out_s = _grow(out_a, m), _grow(out_b, m), _grow(out_s, m)
        bor_a, bor_b = _grow(bor_a, mb), _grow(bor_b, mb)
        m, mb = _join(qq, ii, same, ny, nx, out_a, out_b, out_s, bor_a, bor_b)
    return out_a, out_b, out_s, m, bor_a, bor_b, mb


@njit(cache=True, nogil=True)
def _join(qq: tuple[np.ndarray, ...], ii: tuple[np.ndarray, ...], same: bool, ny: int,
          nx: int, out_a: np.ndarray, out_b: np.ndarray, out_s: np.ndarray,
          bor_a: np.ndarray, bor_b: np.ndarray) -> tuple[int, int]:
    """Compatible pairs between two classes' cells (blocking._candidates + the tests).

    Writes accepted pairs (query report, indexed report) and their scores
    (blocking.pair_scores) to out_a/out_b/out_s, and borderline-distance pairs to
    bor_a/bor_b; returns the fill counts (when one exceeds its buffer, the pairs past its
    end were counted but not written). The distance test compares h = chord^2 / 4 with
    sin^2(limit / 2R), which equals haversine_m <= limit; pairs within a relative 1e-6 of
    the limit are left to numpy.
    """
    m = 0
    mb = 0
    # rows: per member (mid, reach_t, reach_s, source, event, unit vector x, y, z)
    q, qcells, qstart, qcount, qrows = qq
    idx, icells, istart, icount, irows = ii
    nic = len(icells)
    cap, bcap = len(out_a), len(bor_a)
    ptr = np.zeros(9, dtype=np.int64)  # per row of neighbours: a merge walk over icells
    for k in range(len(qcells)):
        key = qcells[k]
        for row in range(9):
            dt = row // 3 - 1
            dy = row % 3 - 1
            if same and (dt < 0 or (dt == 0 and dy < 0)):
                continue
            if True:
                dx_lo = -1
                if same and dt == 0 and dy == 0:
                    dx_lo = 0
                base = key + (dt * ny + dy) * nx
                lo_key = base + dx_lo
                hi_key = base + 1
                lo = ptr[row]
                while lo < nic and icells[lo] < lo_key:
                    lo += 1
                ptr[row] = lo
                p = lo
                while p < nic and icells[p] <= hi_key:
                    own = same and icells[p] == key
                    for u in range(qstart[k], qstart[k] + qcount[k]):
                        x = q[u]
                        mx, rtx, rsx = qrows[u, 0], qrows[u, 1], qrows[u, 2]
                        sx, ex = qrows[u, 3], qrows[u, 4]
                        xx, xy, xz = qrows[u, 5], qrows[u, 6], qrows[u, 7]
                        for w in range(istart[p], istart[p] + icount[p]):
                            y = idx[w]
                            if own and not x < y:
                                continue
                            if not abs(mx - irows[w, 0]) <= rtx + irows[w, 1]:
                                continue
                            if not (sx != irows[w, 3] or (ex == irows[w, 4] and ex >= 0)):
                                continue
                            lim = rsx + irows[w, 2]
                            arg = lim / (2.0 * EARTH_RADIUS_M)
                            t = np.sin(arg) ** 2
                            d0, d1, d2 = xx - irows[w, 5], xy - irows[w, 6], xz - irows[w, 7]
                            chord2 = d0 * d0 + d1 * d1 + d2 * d2
                            h = chord2 / 4.0
                            if arg < 1.5 and h <= t * (1.0 - 1e-6) - 1e-15:
                                if m < cap:
                                    out_a[m] = x
                                    out_b[m] = y
                                    dt = abs(mx - irows[w, 0]) / max(rtx + irows[w, 1], 1.0)
                                    out_s[m] = chord2 * R2 / (lim * lim) + dt * dt
                                m += 1
                            elif arg < 1.5 and h > t * (1.0 + 1e-6) + 1e-15:
                                continue
                            else:
                                if mb < bcap:
                                    bor_a[mb] = x
                                    bor_b[mb] = y
                                mb += 1
                    p += 1
    return m, mb


@njit(cache=True, nogil=True)
def sort_pairs(a: np.ndarray, b: np.ndarray, score: np.ndarray, n: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs as (min, max) with their scores, sorted by (b, a): np.lexsort((a, b)) for
    distinct pairs."""
    m = len(a)
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(m):
        start[max(a[i], b[i]) + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    out_a = np.empty(m, dtype=np.int64)
    out_b = np.empty(m, dtype=np.int64)
    out_s = np.empty(m)
    for i in range(m):
        x, y = min(a[i], b[i]), max(a[i], b[i])
        j = fill[y]
        fill[y] += 1
        out_a[j] = x
        out_b[j] = y
        out_s[j] = score[i]
    for v in range(n):  # insertion sort of each node's (short) list of earlier neighbours
        s, e = start[v], start[v + 1]
        for i in range(s + 1, e):
            t, ts = out_a[i], out_s[i]
            j = i - 1
            while j >= s and out_a[j] > t:
                out_a[j + 1] = out_a[j]
                out_s[j + 1] = out_s[j]
                j -= 1
            out_a[j + 1] = t
            out_s[j + 1] = ts
    return out_a, out_b, out_s


@njit(cache=True, nogil=True)
def assign(n: int, hard_nodes: np.ndarray, starts: np.ndarray, ends: np.ndarray,
           ea: np.ndarray, es: np.ndarray) -> np.ndarray:
    """fusion._assign's sequential pass over the non-clique components' nodes."""
    label = np.full(n, -1, dtype=np.int64)
    members = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    best = np.full(n, np.inf)
    touched = np.empty(n, dtype=np.int64)
    out = np.empty(len(hard_nodes), dtype=np.int64)
    for h in range(len(hard_nodes)):
        node = hard_nodes[h]
        s, e = starts[h], ends[h]
        nt = 0
        for j in range(s, e):
            inc = label[ea[j]]
            if count[inc] == 0:
                touched[nt] = inc
                nt += 1
            count[inc] += 1
            sc = es[j]
            if sc < best[inc]:  # noqa: PLR1730 (as fusion._assign: a NaN is never best)
                best[inc] = sc
        chosen = -1
        cb = np.inf
        ci = 0
        for t in range(nt):
            inc = touched[t]
            if count[inc] == members[inc]:
                bi = best[inc]
                if bi < cb or (bi == cb and inc < ci):
                    chosen, cb, ci = inc, bi, inc
            count[inc] = 0
            best[inc] = np.inf
        if chosen < 0:
            chosen = node
            members[node] = 0
        label[node] = chosen
        members[chosen] += 1
        out[h] = chosen
    return out


@njit(cache=True, nogil=True)
def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """fusion.components: each node's component, named by its smallest member (union-find
    that always hangs the larger root under the smaller)."""
    parent = np.arange(n, dtype=np.int64)
    for k in range(len(a)):
        x, y = a[k], b[k]
        while parent[x] != x:  # find with path halving
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x < y:
            parent[y] = x
        elif y < x:
            parent[x] = y
    for v in range(n):  # roots are smaller than their members: one forward pass settles all
        parent[v] = parent[parent[v]]
    return parent


@njit(cache=True, nogil=True)
def assign_all(n: int, a: np.ndarray, b: np.ndarray, score: np.ndarray, comp: np.ndarray,
               redo: np.ndarray) -> np.ndarray:
    """fusion._assign in one kernel: cliques become one incident, the other components'
    nodes go through the sequential pass (:func:`assign`); -1 outside ``redo``."""
    size = np.zeros(n, dtype=np.int64)
    edges = np.zeros(n, dtype=np.int64)
    for v in range(n):
        size[comp[v]] += 1
    for k in range(len(a)):
        edges[comp[a[k]]] += 1
    anchor = np.full(n, -1, dtype=np.int64)
    hard = np.zeros(n, dtype=np.bool_)
    n_hard = 0
    for v in range(n):
        c = comp[v]
        if redo[c]:
            if edges[c] == size[c] * (size[c] - 1) // 2:
                anchor[v] = c
            else:
                hard[v] = True
                n_hard += 1
    if n_hard == 0:
        return anchor
    hard_nodes = np.empty(n_hard, dtype=np.int64)
    starts = np.empty(n_hard, dtype=np.int64)
    ends = np.empty(n_hard, dtype=np.int64)
    m = 0
    for k in range(len(b)):  # the hard nodes' edges, still sorted by b
        if hard[b[k]]:
            m += 1
    ea = np.empty(m, dtype=np.int64)
    es = np.empty(m)
    h = 0
    k = 0
    j = 0
    for v in range(n):  # nodes ascend; each one's earlier neighbours are one run of b
        while k < len(b) and b[k] < v:
            k += 1
        if not hard[v]:
            continue
        hard_nodes[h] = v
        starts[h] = j
        while k < len(b) and b[k] == v:
            ea[j] = a[k]
            es[j] = score[k]
            j += 1
            k += 1
        ends[h] = j
        h += 1
    out = assign(n, hard_nodes, starts, ends, ea, es)
    for h in range(n_hard):
        anchor[hard_nodes[h]] = out[h]
    return anchor
