"""Fusion: reports become incidents (DESIGN.md "Fusion").

**Which reports may describe one event** is decided by a probabilistic record-linkage model
(:mod:`ceasefire.core.linkage`, Fellegi–Sunter): every candidate pair gets a match weight
(log-odds, in bits) from how far apart the two reports are relative to their declared
uncertainties, in space and in time, whether their categories agree and which sides their
sources are on. The model's parameters are estimated from the workspace's own reports
without labels (:func:`fit_model`) and are frozen between fits. Two reports of one source
are never one event, unless they carry one ``event_ref`` (an update): then they always are.

**Candidates** come from space-time blocking (:mod:`ceasefire.core.blocking`), in
O(N log N), never N², with generous gates (:data:`ceasefire.core.linkage.GATE` declared
uncertainties each, any category), so the model sees every plausible pair. A pair is an
edge of the **match graph** when its match weight is above the model's threshold (at most
0 bits, p > 0.5; see :func:`ceasefire.core.linkage.f1_threshold`).

**Assignment does not chain.** Reports are put in a canonical order (time midpoint, then
``source_id:report_id``); each joins the existing incident of which *every* member is a
candidate partner (within the gates, another source) and with which the sum of its match
weights (less the threshold) is positive and largest, or starts a new one: a report joins where the evidence
for it outweighs the evidence against, never through a chain of neighbours. The outcome
is a function of the *set* of reports, not of their input order.

**Incremental equals batch, exactly** (for one frozen model). A report only joins an
incident it has a match with, so incidents lie within the components of the match graph,
which are assigned independently; adding reports only merges components. So :func:`attach`
recomputes the components that contain a new report and keeps every other incident as it
was: the result is the batch result over all reports (tested).

Cliques (components whose reports all match pairwise: most of them) become one incident
without the sequential pass, which only runs over the rest.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from ceasefire.core import linkage
from ceasefire.core.blocking import (
    M_PER_DEG,
    Progress,
    compatible_pairs,
    haversine_m,
    load_kernels,
)
from ceasefire.core.evidence import CATEGORIES, NEUTRAL
from ceasefire.core.linkage import LinkageModel
from ceasefire.core.profile import ScoringProfile

#: use the numba kernels (extra "fast") when installed; tests switch this off to compare
#: both paths, which give identical results
USE_NUMBA = importlib.util.find_spec("numba") is not None
#: ... from this many reports on: below it numpy is done before numba would have loaded
#: (about 0.5 s and 170 MB; 100,000 synthetic reports take 0.12 s with numpy)
NUMBA_MIN_REPORTS = 100_000


def _kernels(n: int) -> ModuleType | None:
    """The compiled kernels for ``n`` reports, or ``None`` for the numpy code."""
    return load_kernels() if USE_NUMBA and n >= NUMBA_MIN_REPORTS else None


@dataclass(frozen=True)
class ReportArrays:
    """The columns fusion needs, one entry per report (located reports only).

    ``gid`` is the global id ``source_id:report_id``; ``source`` and ``event`` are integer
    codes (``event`` -1 when the report has no ``event_ref``; equal codes mean one source's
    one event); ``category`` indexes :data:`CATEGORIES`; ``side`` is the source's
    affiliation (0 neutral, else one code per party).
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
    side: np.ndarray

    def __len__(self) -> int:
        return len(self.gid)

    @classmethod
    def build(cls, gid: Sequence[str], source_id: Sequence[str],
              event_ref: Sequence[str | None], t_start: Sequence[float],
              t_end: Sequence[float], lat: Sequence[float], lon: Sequence[float],
              uncertainty_m: Sequence[float | None], category: Sequence[str],
              affiliation: Sequence[str] | None = None) -> ReportArrays:
        """Encode plain columns (strings become integer codes; no affiliation: neutral)."""
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
            side=side_codes(affiliation if affiliation is not None else [NEUTRAL] * len(src)),
        )

    def take(self, index: np.ndarray) -> ReportArrays:
        return ReportArrays(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


def side_codes(affiliation: Sequence[str]) -> np.ndarray:
    """Affiliation codes: 0 neutral, parties 1.. in sorted order of their names."""
    aff = np.asarray(affiliation, dtype=object).astype(str)
    names, codes = np.unique(aff, return_inverse=True)
    rank = np.zeros(len(names), dtype=np.int64)
    parties = [i for i, n in enumerate(names) if n != NEUTRAL]
    rank[parties] = np.arange(1, len(parties) + 1)
    return rank[codes].astype(np.int64)


@dataclass(frozen=True)
class Graph:
    """Candidate pairs in canonical order (``a < b``, sorted by ``(b, a)``), with a score
    per pair (minus the match weight: negative for a match) and its comparison pattern."""

    order: np.ndarray   # canonical position -> input index
    a: np.ndarray
    b: np.ndarray
    score: np.ndarray   # threshold - match weight (bits); same-source updates: -FORCED_BITS
    pattern: np.ndarray  # linkage.pattern code (-1 for updates)

    @property
    def matches(self) -> np.ndarray:
        return self.score < 0.0


def canonical_order(arrays: ReportArrays) -> np.ndarray:
    """Input indices sorted by (time midpoint, global id): independent of input order.

    As ``np.lexsort((gid, mid))``, faster: sort by time alone, then sort the reports that
    share a time (few, unless times are coarse) by (time, global id) among themselves."""
    mid = (arrays.t_start + arrays.t_end) / 2.0
    order = np.argsort(mid)
    in_order = mid[order]
    tied = np.zeros(len(order), dtype=bool)
    same = in_order[1:] == in_order[:-1]
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        # the tied reports' places, in ascending index (a stable tie-break, as lexsort)
        members = np.sort(order[tied])
        order[tied] = members[np.lexsort((arrays.gid[members], mid[members]))]
    return order


#: weight of a pair of one source's updates of one event (always one incident)
FORCED_BITS = 1e6


def fit_model(arrays: ReportArrays, profile: ScoringProfile) -> LinkageModel:
    """The linkage model estimated from these reports, without labels (linkage.fit)."""
    return linkage.fit(arrays.t_start, arrays.t_end, arrays.lat, arrays.lon,
                       arrays.uncertainty_m, arrays.category, arrays.side, arrays.source,
                       arrays.event, profile.min_location_uncertainty_m,
                       use_numba=_kernels(min(len(arrays), linkage.FIT_REPORTS)) is not None)


def compatibility_graph(arrays: ReportArrays, model: LinkageModel,
                        progress: Progress | None = None) -> Graph:
    """Every candidate pair of space-time blocking, scored by the linkage model (module
    docstring); :attr:`Graph.matches` are those with a match probability above one half."""
    order = canonical_order(arrays)
    # every column in canonical order, but gid (strings: slow to gather, not needed here);
    # numpy lets go of the GIL while it gathers, so two threads share the work
    with ThreadPoolExecutor(2) as pool:
        r = ReportArrays(*pool.map(lambda f: arrays.gid if f == "gid"
                                   else getattr(arrays, f)[order],
                                   ReportArrays.__dataclass_fields__))
    mid = (r.t_start + r.t_end) / 2.0
    reach_t, reach_s = linkage.reaches(r.t_start, r.t_end, r.uncertainty_m,
                                       model.min_location_uncertainty_m)
    a, b, _ = compatible_pairs(r.source, r.event, r.lat, r.lon,
                               np.zeros(len(r), dtype=np.int16), mid, reach_t, reach_s,
                               use_numba=_kernels(len(arrays)) is not None, progress=progress)
    # numpy's distance decides the gate for both paths (the compiled sweep's own test may
    # differ from it in the last digits, within a millionth of the limit)
    d = haversine_m(r.lat[a], r.lon[a], r.lat[b], r.lon[b])
    inside = d <= reach_s[a] + reach_s[b]
    if not inside.all():
        a, b, d = a[inside], b[inside], d[inside]
    code = linkage.pattern(a, b, r.t_start, r.t_end, r.lat, r.lon, r.uncertainty_m,
                           r.category, r.side, model.min_location_uncertainty_m, d)
    weight = model.pattern_weights()[code]
    update = (r.source[a] == r.source[b]) & (r.event[a] == r.event[b]) & (r.event[a] >= 0)
    weight[update] = FORCED_BITS
    code[update] = -1
    return Graph(order, a, b, model.threshold_bits - weight, code)


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected component of each node (its smallest member), by hook-and-compress."""
    if (jit := _kernels(n)) is not None:
        return jit.components(n, a, b)
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


def match_components(n: int, graph: Graph) -> np.ndarray:
    """Component of each report in the match graph (see :func:`components`)."""
    match = graph.matches
    return components(n, graph.a[match], graph.b[match])


def _assign(n: int, graph: Graph, comp: np.ndarray, redo: np.ndarray) -> np.ndarray:
    """Anchor (canonical position of the first member) of each report's incident.

    Only components flagged in ``redo`` are computed; the others get -1.
    """
    inside = comp[graph.a] == comp[graph.b]  # pairs across components never decide
    a, b, score = graph.a[inside], graph.b[inside], graph.score[inside]
    if (jit := _kernels(n)) is not None:
        return jit.assign_all(n, a, b, score, comp, redo)
    anchor = np.full(n, -1, dtype=np.int64)
    size = np.bincount(comp, minlength=n)
    in_comp_edges = np.bincount(comp[a[score < 0.0]], minlength=n)
    clique = in_comp_edges == size * (size - 1) // 2
    simple = redo[comp] & clique[comp]
    anchor[simple] = comp[simple]  # a component's root is its smallest (first) member
    hard_nodes = np.flatnonzero(redo[comp] & ~clique[comp])
    if len(hard_nodes) == 0:
        return anchor
    hard_edge = redo[comp[b]] & ~clique[comp[b]]
    eb, ea, es = b[hard_edge], a[hard_edge], score[hard_edge]
    # edges are sorted by b: slice each node's earlier neighbours
    starts = np.searchsorted(eb, hard_nodes, "left")
    ends = np.searchsorted(eb, hard_nodes, "right")
    ea_l, es_l = ea.tolist(), es.tolist()
    label: dict[int, int] = {}
    members: dict[int, int] = {}
    for node, s, e in zip(hard_nodes.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if e - s <= 1:  # fast paths: no earlier neighbour, or exactly one
            inc = label[ea_l[s]] if e > s else -1
            if inc < 0 or members[inc] != 1 or es_l[s] >= 0.0:
                inc = node
                members[node] = 0
            label[node] = inc
            members[inc] += 1
            continue
        count: dict[int, int] = {}
        total: dict[int, float] = {}
        for j in range(s, e):  # in order of a: the same sums as the compiled kernel
            inc = label[ea_l[j]]
            count[inc] = count.get(inc, 0) + 1
            total[inc] = total.get(inc, 0.0) + es_l[j]
        chosen = -1
        chosen_key = (0.0, 0)  # a sum of minus weights: below 0 is net evidence for
        for inc, c in count.items():
            if c == members[inc] and (total[inc], inc) < chosen_key:
                chosen, chosen_key = inc, (total[inc], inc)
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
    is_anchor = np.zeros(len(order), dtype=np.int64)
    is_anchor[anchor_pos] = 1
    rank = np.cumsum(is_anchor) - 1  # label of an anchor: its rank among the anchors
    labels = np.empty(len(order), dtype=np.int64)
    labels[order] = rank[anchor_pos]
    return FusionResult(anchor, labels, int(rank[-1]) + 1 if len(rank) else 0, n_pairs)


def fuse(arrays: ReportArrays, model: LinkageModel,
         progress: Progress | None = None) -> FusionResult:
    """Group reports into incidents (batch). Deterministic; independent of input order.

    >>> arr = ReportArrays.build(["a:1", "b:1", "a:2"], ["a", "b", "a"], [None] * 3,
    ...     [0, 60, 60], [600, 660, 660], [48.0, 48.001, 48.0], [37.0, 37.0, 37.0],
    ...     [500, 500, 500], ["shelling"] * 3)
    >>> fuse(arr, LinkageModel()).labels.tolist()  # a:2 may not join its own source's a:1;
    [0, 0, 1]
    >>> # b:1 matches both equally well, and joins the earlier incident
    """
    graph = compatibility_graph(arrays, model, progress)
    n = len(arrays)
    comp = match_components(n, graph)
    anchor_pos = _assign(n, graph, comp, np.ones(n, dtype=bool))
    return _result(graph.order, anchor_pos, int(np.count_nonzero(graph.matches)))


def attach(arrays: ReportArrays, previous: np.ndarray, model: LinkageModel,
           progress: Progress | None = None) -> FusionResult:
    """Attach new reports to earlier incidents (incremental): same result as :func:`fuse`.

    ``previous[i]`` is an integer code of report ``i``'s existing incident, or -1 for a new
    report. Incidents of components that no new report touches are kept as they were; the
    components with a new report are recomputed.
    """
    graph = compatibility_graph(arrays, model, progress)
    n = len(arrays)
    order = graph.order
    comp = match_components(n, graph)
    prev = np.asarray(previous, dtype=np.int64)[order]
    redo = np.zeros(n, dtype=bool)
    redo[comp[prev < 0]] = True
    anchor_pos = _assign(n, graph, comp, redo)
    keep = anchor_pos < 0
    if keep.any():  # an earlier incident's anchor is its first member in canonical order
        first = np.full(int(prev.max()) + 1, n, dtype=np.int64)
        np.minimum.at(first, prev[keep], np.flatnonzero(keep))
        anchor_pos[keep] = first[prev[keep]]
    return _result(order, anchor_pos, int(np.count_nonzero(graph.matches)))


@dataclass(frozen=True)
class MemberLinks:
    """Every pair of reports within one incident (input indices ``a < b``, grouped by
    incident ``label``), with its linkage pattern and match weight (bits), and per report
    its ``membership``: the match probability of its best-matching fellow member (1 alone)."""

    a: np.ndarray
    b: np.ndarray
    label: np.ndarray
    pattern: np.ndarray   # -1: one source's updates of one event
    weight: np.ndarray
    membership: np.ndarray
    model: LinkageModel

    def explain(self, k: int, gids: Sequence[str]) -> list[dict[str, object]]:
        """Incident ``k``'s member pairs: each comparison's level and weight."""
        lo, hi = np.searchsorted(self.label, [k, k + 1])
        out: list[dict[str, object]] = []
        for i in range(int(lo), int(hi)):
            pair: dict[str, object] = {"reports": [gids[int(self.a[i])], gids[int(self.b[i])]]}
            if self.pattern[i] < 0:
                pair.update({"update_of_one_event": True, "match_probability": 1.0})
            else:
                pair.update(linkage.pair_explanation(self.model, int(self.pattern[i])))
            out.append(pair)
        return out


def member_links(arrays: ReportArrays, labels: np.ndarray, model: LinkageModel) -> MemberLinks:
    """The pairs within each incident and their match weights (see :class:`MemberLinks`)."""
    n = len(labels)
    order = np.lexsort((np.arange(n), labels))
    sorted_labels = labels[order]
    end = np.searchsorted(sorted_labels, sorted_labels, "right")  # each one's group end
    after = end - np.arange(n) - 1                                   # partners after it
    pos_a = np.repeat(np.arange(n), after)
    pos_b = pos_a + 1 + np.arange(len(pos_a)) - np.repeat(np.cumsum(after) - after, after)
    a, b = order[pos_a], order[pos_b]
    code = linkage.pattern(a, b, arrays.t_start, arrays.t_end, arrays.lat, arrays.lon,
                           arrays.uncertainty_m, arrays.category, arrays.side,
                           model.min_location_uncertainty_m)
    weight = model.pattern_weights()[code]
    update = (arrays.source[a] == arrays.source[b]) & (arrays.event[a] == arrays.event[b]) \
        & (arrays.event[a] >= 0)
    weight[update] = FORCED_BITS
    code[update] = -1
    p = 1.0 / (1.0 + np.exp2(-np.minimum(weight, 60.0)))
    membership = np.zeros(n)
    np.maximum.at(membership, a, p)
    np.maximum.at(membership, b, p)
    membership[np.bincount(labels, minlength=int(labels.max()) + 1 if n else 0)[labels] == 1] = 1.0
    return MemberLinks(a, b, labels[a], code, weight, membership, model)


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
