"""Confidence: report probabilities, origin groups, combination, bands, breakdown."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ceasefire.core.confidence import breakdown, combine, score_reports
from ceasefire.core.profile import DEFAULT_PROFILE as P
from ceasefire.core.profile import profile_from_settings
from ceasefire.errors import InputError


def _p(rel: str, aff: str = "neutral", perp: str | None = None, cred: int | None = None) -> float:
    return float(score_reports(P, [rel], [cred], [aff], [perp]).p[0])


def test_reliability_orders_probability() -> None:
    ps = [_p(g) for g in "ABCDE"]
    assert ps == sorted(ps, reverse=True)
    assert _p("F") == pytest.approx(0.5)


def test_accusation_discounted_admission_strong() -> None:
    assert _p("C", "UA", "RU") < _p("C", "UA") < _p("C", "UA", "UA")
    assert _p("C", "UA", "UA") >= P.admission_p
    assert _p("C", "neutral", "RU") == _p("C")  # a neutral naming a perpetrator is no accusation


def test_credibility_adjusts() -> None:
    assert _p("C", cred=1) > _p("C", cred=3) == _p("C") > _p("C", cred=5)


def _combine(groups: list[int], ps: list[float], monitor: list[bool] | None = None):
    n = len(ps)
    return combine(P, np.zeros(n, dtype=np.int64), np.array(groups), np.array(ps),
                   np.array(monitor or [False] * n))


def test_two_independent_groups_beat_either_alone() -> None:
    one = _combine([0], [0.85]).probability[0]
    two = _combine([0, 1], [0.85, 0.70]).probability[0]
    assert two > one and two > _combine([1], [0.70]).probability[0]


def test_one_origin_group_counts_once() -> None:
    one = _combine([0], [0.85])
    echo = _combine([0, 0, 0], [0.85, 0.85, 0.6])
    assert echo.probability[0] == pytest.approx(one.probability[0])
    assert echo.n_origin_groups[0] == 1
    assert echo.group_best.tolist() == [True, False, False]


def test_confirmed_needs_monitor_or_two_groups() -> None:
    # an admission alone can be very probable but is not "confirmed"
    alone = _combine([0], [0.999])
    assert alone.band[0] != "confirmed"
    assert _combine([0, 1, 2], [0.95, 0.9, 0.9]).band[0] == "confirmed"
    monitor = _combine([0, 1, 2], [0.95, 0.3, 0.3], [True, False, False])
    assert monitor.confirmable[0]


def test_bands_follow_thresholds() -> None:
    assert P.band(0.96, confirmable=True) == "confirmed"
    assert P.band(0.96, confirmable=False) == "high"
    assert P.band(0.6, confirmable=True) == "moderate"
    assert P.band(0.2, confirmable=True) == "possible"


def test_breakdown_names_groups_reports_and_factors() -> None:
    sources = [
        {"source_id": "ua", "kind": "party", "affiliation": "UA", "reliability": "C",
         "origin_group": "UA"},
        {"source_id": "ua-tg", "kind": "news", "affiliation": "UA", "reliability": "C",
         "origin_group": "UA"},
        {"source_id": "sat", "kind": "satellite", "affiliation": "neutral", "reliability": "B",
         "origin_group": "sat"},
    ]
    scores = score_reports(P, ["C", "C", "B"], [None, None, None], ["UA", "UA", "neutral"],
                           ["RU", "RU", None])
    res = combine(P, np.zeros(3, dtype=np.int64), np.array([0, 0, 1]), scores.p,
                  np.zeros(3, dtype=bool))
    detail = breakdown(P, [0, 1, 2], ["ua:1", "ua-tg:1", "sat:1"], sources, scores,
                       [None, None, None], float(res.probability[0]), str(res.band[0]),
                       bool(res.confirmable[0]), [False] * 3)
    assert [g["origin_group"] for g in detail["groups"]] == ["UA", "sat"]
    ua = detail["groups"][0]
    assert ua["counted_report"] == "ua-tg:1" or ua["counted_report"] == "ua:1"
    assert {r["role"] for r in ua["reports"]} == {"accusation"}
    assert sum(r["counted"] for r in ua["reports"]) == 1
    assert detail["confirmable_because"] == "two or more independent supporting origin groups"
    assert "log-odds" in detail["rule"]


def test_profile_from_settings_rejects_bad_values() -> None:
    with pytest.raises(InputError) as err:
        profile_from_settings({"radii_km": {"shelling": -1}})
    assert "scoring.radii_km" in str(err.value)
    with pytest.raises(InputError):
        profile_from_settings({"no_such_setting": 1})
    with pytest.raises(InputError):
        profile_from_settings({"reliability_p": {"A": 1.5}})


def test_small_synthetic_quality() -> None:
    """The must-show measures on a small seeded synthetic set (fast)."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    sys.path.insert(0, str(bench))
    try:
        from evaluate import evaluate
        from synthetic import generate
    finally:
        sys.path.remove(str(bench))
    res = evaluate(*generate(days=10, events_per_day=60, seed=11))
    _, _, f1, _, brier = res["ceasefire"]
    assert f1 >= res["naive"][2] + 0.05
    assert brier <= 0.125  # small set; was 0.12 with the fixed-slack rules (see RESULTS.md)
    assert f1 > 0.7
