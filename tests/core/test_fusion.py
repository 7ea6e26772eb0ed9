"""Fusion: linkage rules, no chaining, blocking = brute force, determinism, incremental = batch."""

from __future__ import annotations

import numpy as np
import pytest

from ceasefire.core import linkage
from ceasefire.core.blocking import haversine_m
from ceasefire.core.evidence import CATEGORIES, CATEGORY_FAMILY
from ceasefire.core.fusion import (
    ReportArrays,
    attach,
    compatibility_graph,
    fit_model,
    fuse,
    summarize,
)
from ceasefire.core.linkage import LinkageModel
from ceasefire.core.profile import DEFAULT_PROFILE

MODEL = LinkageModel()  # the default (unfitted) parameters

T = 1_745_000_000.0  # 2025-04-18


def arrays(rows: list[dict]) -> ReportArrays:
    """rows: gid, t (centre, s), dt (± s), lat, lon, u (m), cat, ev (event_ref)."""
    return ReportArrays.build(
        [r["gid"] for r in rows], [r["gid"].split(":")[0] for r in rows],
        [r.get("ev") for r in rows], [r.get("t", T) - r.get("dt", 300) for r in rows],
        [r.get("t", T) + r.get("dt", 300) for r in rows], [r.get("lat", 48.0) for r in rows],
        [r.get("lon", 37.5) for r in rows], [r.get("u", 500.0) for r in rows],
        [r.get("cat", "shelling") for r in rows])


def groups(arr: ReportArrays, labels: np.ndarray) -> set[frozenset[str]]:
    out: dict[int, set[str]] = {}
    for gid, lab in zip(arr.gid.tolist(), labels.tolist(), strict=True):
        out.setdefault(lab, set()).add(gid)
    return {frozenset(v) for v in out.values()}


def test_same_source_twice_one_minute_apart_is_two_incidents() -> None:
    arr = arrays([{"gid": "osce:1"}, {"gid": "osce:2", "t": T + 60}])
    assert fuse(arr, MODEL).n_incidents == 2


def test_same_source_with_one_event_ref_is_one_incident() -> None:
    arr = arrays([{"gid": "osce:1", "ev": "E7"}, {"gid": "osce:2", "t": T + 60, "ev": "E7"}])
    assert fuse(arr, MODEL).n_incidents == 1


def test_two_sources_same_place_and_time_merge() -> None:
    arr = arrays([{"gid": "a:1"}, {"gid": "b:1", "t": T + 600, "lat": 48.01}])
    assert fuse(arr, MODEL).n_incidents == 1


@pytest.mark.parametrize("change", [
    {"t": T + 12 * 3600},           # 12 h apart, both declared to the quarter hour
    {"lat": 48.5},                  # 55 km apart, both declared to 500 m
])
def test_incompatible_reports_stay_apart(change: dict) -> None:
    arr = arrays([{"gid": "a:1"}, {"gid": "b:1", **change}])
    assert fuse(arr, MODEL).n_incidents == 2


def test_category_families_merge_across_names() -> None:
    assert CATEGORY_FAMILY["explosion"] == CATEGORY_FAMILY["missile_strike"]
    arr = arrays([{"gid": "a:1", "cat": "explosion"}, {"gid": "b:1", "cat": "missile_strike"}])
    assert fuse(arr, MODEL).n_incidents == 1


def test_no_chaining_a_report_must_fit_every_member() -> None:
    # b matches a and c (2.1 km: 3 combined uncertainties, weakly), but a and c are
    # 4.2 km apart: beyond the gates (4 declared uncertainties each), never one event.
    # b joins one of them; a and c never meet.
    step = 2_100 / 111_195
    arr = arrays([{"gid": "a:1", "lat": 48.0}, {"gid": "b:1", "lat": 48.0 + step},
                  {"gid": "c:1", "lat": 48.0 + 2 * step}])
    graph = compatibility_graph(arr, MODEL)
    assert len(graph.a) == 2 and graph.matches.sum() == 2  # a-b, b-c; a-c no candidate
    got = groups(arr, fuse(arr, MODEL).labels)
    assert len(got) == 2
    assert not any({"a:1", "c:1"} <= g for g in got)


def test_a_report_joins_where_the_summed_evidence_is_for_it() -> None:
    # c matches b strongly (1.1 km) and is weakly against a (2.2 km, a candidate): the
    # sum of its weights with {a, b} is positive, so it joins them; moved 1 km further from
    # a (and b), the evidence against wins and it stays alone
    step = 1_100 / 111_195
    near = arrays([{"gid": "a:1", "lat": 48.0}, {"gid": "b:1", "lat": 48.0 + step / 2},
                   {"gid": "c:1", "lat": 48.0 + 2 * step}])
    assert fuse(near, MODEL).n_incidents == 1
    far = arrays([{"gid": "a:1", "lat": 48.0}, {"gid": "b:1", "lat": 48.0 + step / 2},
                  {"gid": "c:1", "lat": 48.0 + 3.2 * step}])
    assert groups(far, fuse(far, MODEL).labels) == {frozenset({"a:1", "b:1"}),
                                                    frozenset({"c:1"})}


def _random_arrays(n: int, seed: int) -> ReportArrays:
    rng = np.random.default_rng(seed)
    cats = rng.choice(["shelling", "drone_strike", "missile_strike", "small_arms_fire",
                       "explosion", "ground_assault"], n)
    unc = rng.choice([100.0, 1000.0, 5000.0, 20000.0], n)
    half = rng.choice([60.0, 1800.0, 3600.0, 43200.0], n)
    t = T + rng.uniform(0, 5 * 86400, n)
    return ReportArrays.build(
        [f"s{int(s)}:{i}" for i, s in enumerate(rng.integers(0, 6, n))],
        [f"s{int(s)}" for s in rng.integers(0, 6, n)], [None] * n, t - half, t + half,
        rng.uniform(47.0, 48.5, n), rng.uniform(36.0, 38.0, n), unc, list(cats))


def test_blocking_finds_exactly_the_brute_force_pairs() -> None:
    arr = _random_arrays(1500, 3)
    graph = compatibility_graph(arr, MODEL)
    r = arr.take(graph.order)
    reach_t, reach_s = linkage.reaches(r.t_start, r.t_end, r.uncertainty_m,
                                       MODEL.min_location_uncertainty_m)
    mid = (r.t_start + r.t_end) / 2
    a, b = np.triu_indices(len(r), 1)
    ok = r.source[a] != r.source[b]
    ok &= np.abs(mid[a] - mid[b]) <= reach_t[a] + reach_t[b]
    ok &= haversine_m(r.lat[a], r.lon[a], r.lat[b], r.lon[b]) <= reach_s[a] + reach_s[b]
    a, b = a[ok], b[ok]
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == \
        set(zip(graph.a.tolist(), graph.b.tolist(), strict=True))
    code = linkage.pattern(a, b, r.t_start, r.t_end, r.lat, r.lon, r.uncertainty_m,
                           r.category, r.side, MODEL.min_location_uncertainty_m)
    match = MODEL.pattern_weights()[code] > MODEL.threshold_bits
    assert 100 < match.sum() < len(a)
    assert set(zip(a[match].tolist(), b[match].tolist(), strict=True)) == \
        set(zip(graph.a[graph.matches].tolist(), graph.b[graph.matches].tolist(), strict=True))


def test_every_incident_is_pairwise_compatible() -> None:
    arr = _random_arrays(1500, 4)
    graph = compatibility_graph(arr, MODEL)  # every candidate pair (within the gates)
    edges = set(zip(graph.order[graph.a].tolist(), graph.order[graph.b].tolist(), strict=True))
    result = fuse(arr, MODEL)
    for lab in np.unique(result.labels):
        members = np.flatnonzero(result.labels == lab).tolist()
        for i, x in enumerate(members):
            for y in members[i + 1:]:
                assert (x, y) in edges or (y, x) in edges


def test_shuffled_input_gives_identical_incidents() -> None:
    arr = _random_arrays(2000, 5)
    model = fit_model(arr, DEFAULT_PROFILE)
    base = groups(arr, fuse(arr, model).labels)
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(len(arr))
        shuffled = arr.take(perm)
        assert fit_model(shuffled, DEFAULT_PROFILE) == model  # the fit is order-free too
        assert groups(shuffled, fuse(shuffled, model).labels) == base


def test_two_halves_incremental_equal_one_batch() -> None:
    arr = _random_arrays(2000, 6)
    model = fit_model(arr, DEFAULT_PROFILE)  # frozen between the two halves
    batch = groups(arr, fuse(arr, model).labels)
    half = np.random.default_rng(1).permutation(len(arr))[:1000]
    first = fuse(arr.take(half), model)
    previous = np.full(len(arr), -1)
    previous[half] = first.labels
    incremental = attach(arr, previous, model)
    assert groups(arr, incremental.labels) == batch
    # the anchors (which name incidents) agree too
    assert (incremental.anchor == fuse(arr, model).anchor).all()


def test_summary_weights_precise_reports() -> None:
    arr = arrays([{"gid": "a:1", "lat": 48.0, "u": 100}, {"gid": "b:1", "lat": 48.02, "u": 5000}])
    result = fuse(arr, MODEL)
    assert result.n_incidents == 1
    places = summarize(arr, result.labels, np.array([0.9, 0.6]), DEFAULT_PROFILE)
    assert abs(places.lat[0] - 48.0) < 0.001
    assert CATEGORIES[int(places.category[0])] == "shelling"
    assert places.t_start[0] == T - 300 and places.t_end[0] == T + 300


def test_real_viina_month_is_order_independent_and_never_chains() -> None:
    """One month of real VIINA reports (each row its own outlet, as in bench_fusion.py)."""
    import pandas as pd

    from tests.conftest import require_shared_data

    path = require_shared_data("viina_incidents", "viina_incidents_202504.csv")
    df = pd.read_csv(path, encoding="utf-8-sig", usecols=["datetime", "lon", "lat"])
    stamp = pd.to_datetime(df["datetime"], format="%Y-%m-%d %H:%M:%S")
    t = ((stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1)).to_numpy()
    n = len(df)
    arr = ReportArrays.build([f"v{i}:{i}" for i in range(n)], [f"v{i}" for i in range(n)],
                             [None] * n, t - 3600, t + 3600, df["lat"].to_numpy(float),
                             df["lon"].to_numpy(float), [2000.0] * n, ["explosion"] * n)
    model = MODEL  # fitted, VIINA's model finds too little evidence to merge (docs/scoring.md)
    result = fuse(arr, model)
    assert n > 3000 and 0 < result.n_incidents < n
    perm = np.random.default_rng(0).permutation(n)
    assert groups(arr.take(perm), fuse(arr.take(perm), model).labels) == \
        groups(arr, result.labels)
    graph = compatibility_graph(arr, model)
    edges = set(zip(graph.order[graph.a].tolist(), graph.order[graph.b].tolist(), strict=True))
    for lab in np.unique(result.labels):
        members = np.flatnonzero(result.labels == lab).tolist()
        assert all((x, y) in edges or (y, x) in edges
                   for i, x in enumerate(members) for y in members[i + 1:])
