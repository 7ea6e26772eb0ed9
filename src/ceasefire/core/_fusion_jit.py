"""Compiled (numba) kernels for the hot paths of :mod:`ceasefire.core.blocking` and
:mod:`ceasefire.core.fusion`.

Optional: importing this module raises ImportError when numba is not installed, and
fusion then uses its pure-numpy code. Both paths give identical results. The pair search
here (:func:`sweep`) is a different one from numpy's, but both are exhaustive and apply the
same tests with the same IEEE arithmetic for time and source; the great-circle test, whose
trigonometry may differ in the last bit between numba and numpy, accepts only pairs
clearly inside (or rejects clearly outside) the limit and hands the few borderline pairs
back to be decided by numpy's formula. Scores use only +, -, * and / (same rounding).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EARTH_RADIUS_M = 6_371_008.8
R2 = EARTH_RADIUS_M * EARTH_RADIUS_M


@njit(cache=True, nogil=True)
def columns(mid: np.ndarray, reach_t: np.ndarray, reach_s: np.ndarray, source: np.ndarray,
            event: np.ndarray, unit: np.ndarray, out: np.ndarray) -> None:
    """Per report, into ``out`` (n × 8; numpy's, as numpy asks the kernel for huge pages
    for large arrays, and numba does not: 16,000 fewer page faults per million reports):
    mid, reach_t, reach_s, source, event (integer codes as floats: exact below 2**53) and
    the unit vector of its place (blocking.unit_vectors)."""
    for i in range(len(mid)):
        out[i, 0] = mid[i]
        out[i, 1] = reach_t[i]
        out[i, 2] = reach_s[i]
        out[i, 3] = source[i]
        out[i, 4] = event[i]
        out[i, 5] = unit[i, 0]
        out[i, 6] = unit[i, 1]
        out[i, 7] = unit[i, 2]


@njit(cache=True, nogil=True, inline="always")
def _slot(cell: int, bits: int) -> int:
    """A cell's list in its block: the cell itself (``bits`` 0), or a multiplicative hash
    of it into 2**bits lists. Cells that share a list only add candidates to each other's
    walks (every candidate is tested), never lose any."""
    if bits == 0:
        return cell
    return int(np.int64((np.uint64(cell) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)))


@njit(cache=True, nogil=True, inline="always")
def _cell(fam: int, ybin: int, xbin: int, g: int, shape: np.ndarray) -> int:
    """Index of the level-``g`` cell of a place in level-0 bins ``ybin``, ``xbin``, in a
    grid of ``shape[g]`` (bins padded by one on each side, family-major)."""
    return (fam * shape[g, 0] + (ybin >> g) + 1) * shape[g, 1] + (xbin >> g) + 1


@njit(cache=True, nogil=True)
def sweep(cls: np.ndarray, cls_level: np.ndarray, cls_reach_t: np.ndarray,
          cls_reach_s: np.ndarray, fam: np.ndarray, ypos: np.ndarray, xpos: np.ndarray,
          cells_per_m: float, offset: np.ndarray, shape: np.ndarray, hash_bits: np.ndarray,
          cols: np.ndarray, tick: np.ndarray, t0: float, tick_s: float, head: np.ndarray,
          head_tick: np.ndarray, link: np.ndarray, link_tick: np.ndarray, warm: int,
          start: int, q0: int, q1: int, out_a: np.ndarray, out_b: np.ndarray,
          out_s: np.ndarray, m: int) -> tuple[int, int]:
    """Compatible pairs ``(a, b)``, ``a < b``, for every ``b`` in ``q0:q1``, by a sweep in
    time over the reports in canonical order (so in ascending time midpoint).

    Each report ``b`` looks back at the earlier reports still within reach in time, in
    the 3 × 3 cells around it of one spatial grid per (class of ``a``, level ``g``): cells
    twice the space reach of the coarser of the two classes, so every pair within reach
    lies in neighbouring cells (and only the neighbours on the sides where ``b`` is closer
    to its cell's edge than the two classes' space reaches: ``ypos``/``xpos`` are the places
    in level-0 cells, ``cells_per_m`` the conversion, as conservative as the cell sizes);
    then ``b`` joins the lists of its class at its level and
    every coarser one. Per grid cell (``offset[class, g]`` + family, lat bin >> g, lon bin
    >> g, in a grid of ``shape[g]``), a list runs from ``head`` through ``link[g]``, newest
    first (report + 1: zeros are an empty list, and zeroed memory costs nothing until
    written), each entry with the time of the next (``head_tick``, ``link_tick``: ``tick``,
    the report's time midpoint as whole ``tick_s`` since ``t0``, rounded up, in 32 bits
    like the lists, so the lists of every cell fit in a core's cache), so a walk
    stops before touching a report out of reach: everything it touches is recent, so in
    cache. ``cols`` (:func:`columns`) and ``link`` rows are indexed from ``warm``: the sweep
    starts there (a thread that starts mid-way first inserts the reports before ``q0``
    that its range may pair with).

    Pairs are written from ``m`` sorted by (b, a), with their scores
    (blocking.pair_scores); a borderline-distance pair, for numpy to decide, is written
    with ``-1 - b``. Returns (next report, m): ``q1`` when done, or the report whose pairs
    did not fit, with the count before it; grow the buffers and call again from it. (The
    buffers are never replaced in here: numba would count references on every use.)

    The distance test compares h = chord^2 / 4 with sin^2(limit / 2R), which equals
    haversine_m <= limit: first against bounds (x^2 (1 - x^2 / 3) <= sin^2 x <= x^2) that
    settle nearly every pair without a sine; pairs within a relative 1e-6 of the limit are
    left to numpy.
    """
    n_cls = len(cls_level)
    n_levels = shape.shape[0]
    slots = np.empty(9, dtype=np.int64)
    for x in range(start, q1):
        cx = cls[x]
        lx = cls_level[cx]
        fx = fam[x]
        yb, xb = int(np.floor(ypos[x])), int(np.floor(xpos[x]))
        if x >= q0:
            m0 = m
            mx, rtx, rsx = cols[x - warm, 0], cols[x - warm, 1], cols[x - warm, 2]
            sx, ex = cols[x - warm, 3], cols[x - warm, 4]
            xx, xy, xz = cols[x - warm, 5], cols[x - warm, 6], cols[x - warm, 7]
            for c in range(n_cls):
                g = max(lx, cls_level[c])
                # + a second: rounding never loses a pair
                floor_t = mx - (rtx + cls_reach_t[c]) * (1.0 + 1e-9) - 1.0
                # ticks before this one are surely out of reach (ticks round up)
                floor_tick = np.floor((floor_t - t0) / tick_s)
                # the reach in level-g cells, and where x sits in its cell (exact: / 2**g)
                scale = 0.5 ** g
                reach = (rsx + cls_reach_s[c]) * cells_per_m * scale * (1.0 + 1e-6) + 1e-9
                frac_y = ypos[x] * scale - (yb >> g)
                frac_x = xpos[x] * scale - (xb >> g)
                dy0 = -1 if frac_y <= reach else 0
                dy1 = 1 if 1.0 - frac_y <= reach else 0
                dx0 = -1 if frac_x <= reach else 0
                dx1 = 1 if 1.0 - frac_x <= reach else 0
                hashed = hash_bits[g] > 0
                n_slots = 0  # the lists to walk: recent ones, each once
                home = _cell(fx, yb, xb, g, shape)
                for dy in range(dy0, dy1 + 1):
                    row = home + dy * shape[g, 1]
                    for cell in range(row + dx0, row + dx1 + 1):
                        slot = offset[c, g] + _slot(cell, hash_bits[g])
                        if head_tick[slot] < floor_tick:  # nothing recent enough (or empty)
                            continue
                        seen = False  # hashed cells may share a list: walk it once
                        for i in range(n_slots):
                            seen = seen or slots[i] == slot
                        if not seen:
                            slots[n_slots] = slot
                            n_slots += 1
                for w in range(n_slots):
                    y = head[slots[w]] - 1
                    while y >= 0:
                        k = y - warm
                        nxt = -1 if link_tick[g, k] < floor_tick else link[g, k] - 1
                        if not abs(mx - cols[k, 0]) <= rtx + cols[k, 1]:
                            y = nxt
                            continue
                        if hashed and fam[y] != fx:  # a shared list: another family's
                            y = nxt
                            continue
                        if not (sx != cols[k, 3] or (ex == cols[k, 4] and ex >= 0)):
                            y = nxt
                            continue
                        lim = rsx + cols[k, 2]
                        arg = lim / (2.0 * EARTH_RADIUS_M)
                        d0, d1, d2 = xx - cols[k, 5], xy - cols[k, 6], xz - cols[k, 7]
                        chord2 = d0 * d0 + d1 * d1 + d2 * d2
                        h = chord2 / 4.0
                        a2 = arg * arg
                        if arg < 1.5 and h > a2 * (1.0 + 2e-6) + 1e-15:
                            y = nxt  # sin^2 <= x^2: clearly outside
                            continue
                        inside = arg < 1.5 and \
                            h <= a2 * (1.0 - a2 / 3.0) * (1.0 - 2e-6) - 1e-15
                        outside = False
                        if not inside:
                            t = np.sin(arg) ** 2
                            inside = arg < 1.5 and h <= t * (1.0 - 1e-6) - 1e-15
                            outside = arg < 1.5 and h > t * (1.0 + 1e-6) + 1e-15
                        if not outside:  # inside, or borderline
                            if m == len(out_a):
                                return x, m0
                            out_a[m] = y
                            out_b[m] = x if inside else -1 - x
                            dt = abs(mx - cols[k, 0]) / max(rtx + cols[k, 1], 1.0)
                            out_s[m] = chord2 * R2 / (lim * lim) + dt * dt
                            m += 1
                        y = nxt
            for i in range(m0 + 1, m):  # this report's pairs by a: insertion sort (few)
                ta, ts = out_a[i], out_s[i]
                j = i - 1
                while j >= m0 and out_a[j] > ta:
                    out_a[j + 1] = out_a[j]
                    out_s[j + 1] = out_s[j]
                    j -= 1
                out_a[j + 1] = ta
                out_s[j + 1] = ts
        for g in range(lx, n_levels):  # x joins its class's lists at every level from its own
            cell = offset[cx, g] + _slot(_cell(fx, yb, xb, g, shape), hash_bits[g])
            link[g, x - warm] = head[cell]
            link_tick[g, x - warm] = head_tick[cell]
            head[cell] = x + 1
            head_tick[cell] = tick[x]
    return q1, m


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
    """fusion._assign in one kernel: a component whose reports all match pairwise (score
    < 0: a clique of the match graph) is one incident; the others' reports, in canonical
    order, each join the incident of which every member is a candidate partner and whose
    summed score is lowest and below 0 (then the lower anchor), or start one. -1 outside
    ``redo``. Pairs (within components only) are sorted by (b, a), so each report's earlier
    neighbours are one run of them, read in place."""
    size = np.zeros(n, dtype=np.int64)
    clique = np.zeros(n, dtype=np.int64)  # edges per component, then 1 for a clique
    for v in range(n):
        size[comp[v]] += 1
    for k in range(len(a)):
        if score[k] < 0.0:
            clique[comp[a[k]]] += 1
    for c in range(n):
        clique[c] = 1 if clique[c] == size[c] * (size[c] - 1) // 2 else 0
    members = size  # from here on: the members of each incident, by its anchor
    anchor = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    best = np.zeros(n)
    touched = np.empty(n, dtype=np.int64)
    k = 0
    for v in range(n):
        s = k
        while k < len(b) and b[k] == v:
            k += 1
        c = comp[v]
        if not redo[c]:
            continue
        if clique[c] == 1:
            anchor[v] = c  # a component's root is its smallest (first) member
            continue
        nt = 0
        for j in range(s, k):
            inc = anchor[a[j]]
            if count[inc] == 0:
                touched[nt] = inc
                nt += 1
            count[inc] += 1
            best[inc] += score[j]  # the summed score (in order of a, as fusion._assign)
        chosen = -1
        cb = 0.0
        ci = 0
        for t in range(nt):
            inc = touched[t]
            if count[inc] == members[inc]:
                bi = best[inc]
                if bi < cb or (bi == cb and inc < ci):
                    chosen, cb, ci = inc, bi, inc
            count[inc] = 0
            best[inc] = 0.0
        if chosen < 0:
            chosen = v
            members[v] = 0
        anchor[v] = chosen
        members[chosen] += 1
    return anchor
