"""Attribution: each basis, the log-odds combination, and the undetermined case."""

from __future__ import annotations

import math

import pytest

from ceasefire.core.attribution import (
    IMPACT_AREA,
    NAMED,
    ORIGIN,
    WEAPON_CLASS,
    AttributionWeights,
    NamedPerpetrator,
    adversary,
    attribute,
    combine,
    impact_item,
    named_item,
)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_no_evidence_is_undetermined() -> None:
    a = attribute()
    assert a.party is None and a.probability == 0.5 and a.undetermined
    assert a.band == "undetermined" and a.basis == ()


def test_named_weight_depends_on_who_names() -> None:
    monitor = named_item(NamedPerpetrator("RU", "monitor", "neutral"))
    news = named_item(NamedPerpetrator("RU", "news", "neutral"))
    accusation = named_item(NamedPerpetrator("RU", "party", "UA"))
    admission = named_item(NamedPerpetrator("RU", "party", "RU"))
    assert admission.weight > monitor.weight > news.weight > accusation.weight > 0
    assert all(i.kind == NAMED and i.party == "RU" for i in (monitor, news, accusation, admission))
    assert "accuses" in accusation.reason and "admits" in admission.reason
    # A party-affiliated outlet (kind news) accusing the adversary is still an accusation.
    assert named_item(NamedPerpetrator("RU", "news", "UA")).weight == accusation.weight


def test_accusations_from_both_sides_cancel() -> None:
    a = attribute(named=[NamedPerpetrator("RU", "party", "UA", "ua-gs"),
                         NamedPerpetrator("UA", "party", "RU", "ru-mod")])
    assert a.party is None and a.probability == 0.5 and len(a.basis) == 2


def test_neutral_monitor_outweighs_an_accusation() -> None:
    a = attribute(named=[NamedPerpetrator("RU", "monitor", "neutral", "smm"),
                         NamedPerpetrator("UA", "party", "RU", "ru-mod")])
    assert a.party == "RU"
    assert a.probability == pytest.approx(_sigmoid(2.0 - 0.4))


def test_one_origin_group_counts_once() -> None:
    same_group = [NamedPerpetrator("RU", "news", "neutral", "wire", report=f"s:{i}")
                  for i in range(5)]
    one = attribute(named=same_group[:1])
    five = attribute(named=same_group)
    assert five.probability == pytest.approx(one.probability)
    independent = attribute(named=[NamedPerpetrator("RU", "news", "neutral", f"g{i}")
                                   for i in range(3)])
    assert independent.probability > one.probability


def test_credibility_scales_named_weight() -> None:
    sure = named_item(NamedPerpetrator("RU", "news", credibility=1))
    doubtful = named_item(NamedPerpetrator("RU", "news", credibility=5))
    assert doubtful.weight < sure.weight and "credibility 5" in doubtful.reason


def test_unknown_named_party_is_ignored_with_a_reason() -> None:
    a = attribute(named=[NamedPerpetrator("unknown", "news")])
    assert a.party is None and a.basis[0].weight == 0 and "ignored" in a.basis[0].reason


def test_origin_inside_one_side_points_to_that_side() -> None:
    a = attribute(origin_side="RU")
    assert a.party == "RU" and a.basis[0].kind == ORIGIN
    assert a.probability == pytest.approx(_sigmoid(2.5))
    half = attribute(origin_side="RU", origin_certainty=0.5)
    assert 0.5 < half.probability < a.probability and "certainty 0.50" in half.basis[0].reason


def test_impact_deep_inside_one_side_points_to_the_adversary() -> None:
    at_line = impact_item("UA", 0.0)
    near = impact_item("UA", 5.0)
    deep = impact_item("UA", 60.0)
    assert at_line.weight == 0.0
    assert 0 < near.weight < deep.weight <= 2.5
    assert deep.party == "RU" and deep.kind == IMPACT_AREA and "60.0 km inside UA" in deep.reason
    assert attribute(impact_side="RU", impact_distance_km=40).party == "UA"
    assert attribute(impact_side="UA", impact_distance_km=0).party is None


def test_impact_needs_distance_and_a_valid_side() -> None:
    with pytest.raises(ValueError):
        attribute(impact_side="UA")
    with pytest.raises(ValueError):
        impact_item("UA", -1.0)
    with pytest.raises(ValueError):
        attribute(origin_side="US")


def test_weapon_class_prior_is_neutral_by_default_and_configurable() -> None:
    assert attribute(weapon_class="aircraft").party is None
    weights = AttributionWeights(weapon_priors={"aircraft": {"RU": 1.5}, "mlrs": {"UA": -0.5}})
    a = attribute(weapon_class="aircraft", weights=weights)
    assert a.party == "RU" and a.basis[0].kind == WEAPON_CLASS
    assert a.probability == pytest.approx(_sigmoid(1.5))
    b = attribute(weapon_class="mlrs", weights=weights)
    assert b.party == "RU" and "rarely used by UA" in b.basis[0].reason


def test_evidence_combines_in_log_odds() -> None:
    a = attribute(named=[NamedPerpetrator("UA", "party", "RU", "ru-mod")],
                  impact_side="UA", impact_distance_km=30, origin_side="RU")
    expected = 2.5 * (1 - math.exp(-30 / 15)) + 2.5 - 0.4
    assert a.party == "RU" and a.log_odds == pytest.approx(expected)
    assert a.probability == pytest.approx(_sigmoid(expected))
    assert {b.kind for b in a.basis} == {NAMED, ORIGIN, IMPACT_AREA}
    assert a.band == "strong" and a.rationale.startswith("RU responsible with p=")
    assert all(len(b.as_tuple()) == 4 for b in a.basis)


def test_combine_and_adversary_with_other_parties() -> None:
    parties = ("A", "B")
    assert adversary("A", parties) == "B"
    a = combine([named_item(NamedPerpetrator("B", "monitor"), parties)], parties)
    assert a.party == "B"


def test_weights_from_mapping_rejects_typos() -> None:
    assert AttributionWeights.from_mapping({"origin": 1.0}).origin == 1.0
    with pytest.raises(ValueError, match="orgin"):
        AttributionWeights.from_mapping({"orgin": 1.0})
