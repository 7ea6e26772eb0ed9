"""The linkage model: estimated from the data without labels, smoothed, ordered, frozen."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ceasefire.core import linkage
from ceasefire.core.fusion import ReportArrays, fit_model
from ceasefire.core.linkage import COMPARISONS, LinkageModel
from ceasefire.core.profile import DEFAULT_PROFILE

BENCH = Path(__file__).resolve().parents[2] / "bench"


def strip(disagree: float, misdeclare: bool = False, days: float = 6.0
          ) -> tuple[ReportArrays, np.ndarray]:
    """bench/strip_generator.py's reports as fusion arrays, and each report's true event."""
    sys.path.insert(0, str(BENCH))
    try:
        from evaluate import load
        from strip_generator import generate
    finally:
        sys.path.remove(str(BENCH))
    sources, reports, truth, _ = generate(days, 60.0, disagree, misdeclare, seed=3)
    arrays, _ = load(sources, reports)
    return arrays, pd.factorize(truth["event_id"])[0]


def weight(model: LinkageModel, comparison: str, level: str) -> float:
    k = COMPARISONS.index(comparison)
    return float(model.weights()[k][linkage.LEVELS[comparison].index(level)])


def test_the_model_learns_what_category_agreement_is_worth_here() -> None:
    consistent = fit_model(strip(0.0)[0], DEFAULT_PROFILE)
    disagreeing = fit_model(strip(0.3)[0], DEFAULT_PROFILE)
    assert consistent.method == disagreeing.method == "em"
    # where sources agree on categories, another family is strong evidence of two events;
    # where 30 % of reports name another category, much weaker
    assert weight(consistent, "category", "other family") < -3.0
    assert weight(disagreeing, "category", "other family") > \
        weight(consistent, "category", "other family") + 1.5
    for model in (consistent, disagreeing):
        assert weight(model, "distance", "<0.5") > 1.0 and weight(model, "time", "<0.5") > 1.0


def test_no_m_is_zero_and_farther_bands_never_weigh_more() -> None:
    model = fit_model(strip(0.0, misdeclare=True)[0], DEFAULT_PROFILE)
    for k, c in enumerate(COMPARISONS):
        assert min(model.m[k]) > 1e-5 and abs(sum(model.m[k]) - 1) < 1e-9
        assert abs(sum(model.u[k]) - 1) < 1e-9
        if linkage.ORDERED[k]:
            w = model.weights()[k]
            assert np.all(np.diff(w) <= 1e-9), (c, w)
    assert 0.01 <= model.prior <= 0.99
    assert linkage.MIN_THRESHOLD_BITS <= model.threshold_bits <= 0.0


def test_the_prior_is_close_to_the_true_share_of_matches() -> None:
    arrays, event = strip(0.0)
    model = fit_model(arrays, DEFAULT_PROFILE)
    oracle = labelled(arrays, event)
    assert oracle.method == "labelled"
    assert 0.5 * oracle.prior < model.prior < 2.0 * oracle.prior


def labelled(arrays: ReportArrays, event: np.ndarray) -> LinkageModel:
    """The model counted from the true events over the candidate pairs."""
    from ceasefire.core.fusion import compatibility_graph

    graph = compatibility_graph(arrays, LinkageModel())
    ev = event[graph.order]
    return linkage.fit_labelled(graph.pattern, ev[graph.a] == ev[graph.b],
                                DEFAULT_PROFILE.min_location_uncertainty_m)


def test_the_model_round_trips_through_its_ledger_form() -> None:
    model = fit_model(strip(0.15)[0], DEFAULT_PROFILE)
    again = LinkageModel.from_dict(model.as_dict())
    assert again == model and again.digest() == model.digest()
    rows = linkage.explain_table(model)
    assert len(rows) == sum(linkage.N_LEVELS)
    assert all(np.isfinite(r["weight_bits"]) for r in rows)


def test_a_tiny_workspace_keeps_the_default_u_and_prior() -> None:
    arrays = ReportArrays.build(["a:1", "b:1"], ["a", "b"], [None, None], [0, 0], [600, 600],
                                [48.0, 48.0], [37.0, 37.0], [500, 500],
                                ["shelling", "shelling"])
    model = fit_model(arrays, DEFAULT_PROFILE)
    default = LinkageModel()
    assert (model.m, model.u, model.prior, model.threshold_bits) == \
        (default.m, default.u, default.prior, default.threshold_bits)
    assert model.method.startswith("default")
