"""Compliance: every provision kind, uncertainty at zone and window edges, verdicts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from shapely.geometry import box

from ceasefire.core.agreement import (
    Access,
    Agreement,
    Commitment,
    NoAdvance,
    Party,
    Prohibition,
    Window,
    Withdrawal,
)
from ceasefire.core.compliance import (
    ComplianceParams,
    IncidentFacts,
    TerritorialGain,
    assess_commitments,
    assess_gains,
    assess_incidents,
    p_inside,
    p_window,
    verdict_for,
)

MSK = timezone(timedelta(hours=3))
START = datetime(2025, 4, 19, 18, 0, tzinfo=MSK)
END = datetime(2025, 4, 21, 0, 0, tzinfo=MSK)


def _agreement(*provisions, zones=()) -> Agreement:  # type: ignore[no-untyped-def]
    return Agreement(id="easter", title="Easter truce", status="expired",
                     parties=(Party("UA"), Party("RU")), window=Window(START, END),
                     provisions=tuple(provisions), zones=tuple(zones))


def _incident(**kw) -> IncidentFacts:  # type: ignore[no-untyped-def]
    t = datetime(2025, 4, 20, 12, 0, tzinfo=UTC).timestamp()
    base = {"incident_id": "i1", "t_start": t - 600, "t_end": t + 600, "lat": 48.0,
            "lon": 37.8, "uncertainty_m": 1000.0, "category": "shelling", "p_real": 0.95,
            "attributed_party": "RU", "attribution_probability": 0.9}
    base.update(kw)
    return IncidentFacts(**base)  # type: ignore[arg-type]


HOSTILITIES = Prohibition(id="p1", text="no fire", binds=("UA", "RU"))


def test_clear_violation_inside_window() -> None:
    [f] = assess_incidents(_agreement(HOSTILITIES), [_incident()], {})
    assert f.verdict == "violation" and f.attributed_party == "RU"
    assert f.probability == pytest.approx(0.95)  # both sides bound: whoever fired is bound
    assert {x.name for x in f.factors} >= {"real", "bound", "zone", "window", "target"}
    assert f.day == "2025-04-20"


def test_outside_window_gives_no_finding() -> None:
    t = START.timestamp() - 86400
    assert assess_incidents(_agreement(HOSTILITIES), [_incident(t_start=t, t_end=t + 60)], {}) == []


def test_day_precision_at_window_edge_is_partial() -> None:
    # "on 19 April" (Kyiv/Moscow day) overlaps the truce that began at 18:00 by 6 of 24 hours
    day_start = datetime(2025, 4, 19, 0, 0, tzinfo=MSK).timestamp()
    assert p_window(day_start, day_start + 86400, START.timestamp(), END.timestamp()) \
        == pytest.approx(0.25)
    [f] = assess_incidents(_agreement(HOSTILITIES),
                           [_incident(t_start=day_start, t_end=day_start + 86400)], {})
    assert f.probability == pytest.approx(0.95 * 0.25)
    assert f.verdict == "not_a_violation"


def test_zone_edge_uncertainty() -> None:
    zone = box(37.0, 47.0, 38.0, 48.0)  # the incident at 48.0 N lies on the northern edge
    p = p_inside(zone, np.array([48.0, 47.5, 48.5]), np.array([37.5, 37.5, 37.5]),
                 np.array([2000.0, 2000.0, 2000.0]))
    assert p[0] == pytest.approx(0.5, abs=0.02)
    assert p[1] == 1.0 and p[2] == 0.0
    assert p_inside(None, np.array([1.0]), np.array([1.0]), np.array([1.0]))[0] == 1.0


def test_zone_provision_uses_the_zone_probability() -> None:
    prov = Prohibition(id="p2", text="no fire in zone", binds=("UA", "RU"), zone="z")
    findings = assess_incidents(_agreement(prov), [_incident(lat=48.0, lon=37.5)],
                                {"z": box(37.0, 47.0, 38.0, 48.0)})
    assert findings[0].probability == pytest.approx(0.95 * 0.5, abs=0.02)


def test_energy_target_named_near_plant_or_out_of_scope() -> None:
    energy = Prohibition(id="e", text="no strikes on energy", binds=("UA", "RU"),
                         categories=("missile_strike", "drone_strike", "shelling"),
                         target_classes=("energy",))
    named = _incident(incident_id="a", target_classes=frozenset({"energy"}))
    near = _incident(incident_id="b", nearest_plant_km=2.0)
    far = _incident(incident_id="c", nearest_plant_km=40.0)
    found = {f.incident_id: f for f in assess_incidents(_agreement(energy), [named, near, far], {})}
    assert set(found) == {"a", "b"}
    assert found["a"].probability > found["b"].probability


def test_category_outside_prohibition_is_out_of_scope() -> None:
    prov = Prohibition(id="p", text="no drones", binds=("RU",), categories=("drone_strike",))
    assert assess_incidents(_agreement(prov), [_incident(category="shelling")], {}) == []


def test_unbound_attributed_party_lowers_probability() -> None:
    ru_only = Prohibition(id="p", text="RU must not fire", binds=("RU",))
    [f] = assess_incidents(_agreement(ru_only), [_incident(attributed_party="UA",
                                                           attribution_probability=0.9)], {})
    assert f.probability == pytest.approx(0.95 * 0.1)
    assert f.verdict == "not_a_violation"


def test_no_attribution_is_undetermined_when_only_one_party_is_bound() -> None:
    ru_only = Prohibition(id="p", text="RU must not fire", binds=("RU",))
    [f] = assess_incidents(_agreement(ru_only), [_incident(attributed_party=None,
                                                           attribution_probability=None)], {})
    assert f.probability == pytest.approx(0.95 * 0.5)
    assert f.verdict == "possible"
    weak = _incident(attributed_party=None, attribution_probability=None, p_real=0.5)
    [g] = assess_incidents(_agreement(ru_only), [weak], {})
    assert g.verdict == "undetermined"


def test_withdrawal_inside_and_beyond_distance() -> None:
    prov = Withdrawal(id="w", text="MLRS 70 km back", binds=("UA", "RU"), weapon_class="mlrs",
                      distance_km=70.0)
    inside = _incident(incident_id="in", category="weapons_sighting", weapon_class="mlrs",
                       contact_line_km=30.0)
    beyond = _incident(incident_id="out", category="weapons_sighting", weapon_class="mlrs",
                       contact_line_km=120.0)
    other = _incident(incident_id="tank", category="weapons_sighting", weapon_class="tank",
                      contact_line_km=10.0)
    found = {f.incident_id: f for f in assess_incidents(_agreement(prov),
                                                         [inside, beyond, other], {})}
    assert found["in"].verdict == "violation"
    assert "out" not in found and "tank" not in found  # p(zone) ~ 0, other weapon class


def test_access_restriction() -> None:
    prov = Access(id="a", text="free access for monitors", binds=("UA", "RU"))
    [f] = assess_incidents(_agreement(prov), [_incident(category="movement_restriction")], {})
    assert f.provision_kind == "access" and f.verdict == "violation"
    assert assess_incidents(_agreement(prov), [_incident()], {}) == []


def test_no_advance_gains_beyond_tolerance() -> None:
    prov = NoAdvance(id="n", text="line frozen", binds=("UA", "RU"), tolerance_km2=1.0)
    gains = [TerritorialGain("RU", 12.5, "2025-03-18", "2025-04-17", 48.1, 37.6, "Donetsk"),
             TerritorialGain("UA", 0.4, "2025-03-18", "2025-04-17", 47.5, 36.0)]
    [f] = assess_gains(_agreement(prov), gains)
    assert f.attributed_party == "RU" and f.verdict == "violation"
    assert f.subject["area_km2"] == 12.5 and f.incident_id is None


def test_commitment_status() -> None:
    prov = Commitment(id="c", text="no NATO membership", binds=("UA",), status="pending",
                      due=date(2025, 4, 17))
    [f] = assess_commitments(_agreement(prov))
    assert f.verdict == "undetermined" and f.attributed_party == "UA"
    breached = Commitment(id="c2", text="exchange", binds=("RU",), status="breached")
    assert assess_commitments(_agreement(breached))[0].verdict == "violation"


def test_verdict_thresholds() -> None:
    p = ComplianceParams()
    assert [verdict_for(x, x, True, p) for x in (0.85, 0.7, 0.4, 0.1)] == \
        ["violation", "likely", "possible", "not_a_violation"]
