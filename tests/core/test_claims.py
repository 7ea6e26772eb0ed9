"""Claims: each proposition, each qualifier, each verdict, coverage and missing data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ceasefire.core.claim_rules import interval_verdict, normalise_qualifier, qualifier_verdict
from ceasefire.core.claims import (
    CONTRADICTED,
    NOT_VERIFIABLE,
    PARTLY_SUPPORTED,
    SUPPORTED,
    AreaMeasurement,
    Claim,
    ClaimedCount,
    ControlAll,
    ControlShare,
    CountMeasurement,
    IncidentAt,
    IncidentMeasurement,
    ShareMeasurement,
    Statement,
    ViolationCount,
    check_claim,
    check_claims,
)

D = date(2025, 3, 12)
EASTER_START = datetime(2025, 4, 19, 15, 0, tzinfo=UTC)  # 18:00 MSK
EASTER_END = datetime(2025, 4, 20, 21, 0, tzinfo=UTC)  # 21 Apr 00:00 MSK


def _claim(p: object, cid: str = "c") -> Claim:
    return Claim(cid, "someone", D, Statement("text", "https://example.org"), p)  # type: ignore[arg-type]


# ------------------------------------------------------------ qualifiers
@pytest.mark.parametrize(
    ("qualifier", "v", "m", "verdict"),
    [
        ("nearly", 20, 18.6, SUPPORTED), ("nearly", 20, 17.0, SUPPORTED),
        ("nearly", 20, 20.0, SUPPORTED), ("nearly", 20, 16.0, PARTLY_SUPPORTED),
        ("nearly", 20, 20.5, PARTLY_SUPPORTED), ("nearly", 20, 14.0, CONTRADICTED),
        ("nearly", 20, 21.5, CONTRADICTED),
        ("about", 20, 21.9, SUPPORTED), ("about", 20, 17.0, PARTLY_SUPPORTED),
        ("about", 20, 25.0, CONTRADICTED),
        ("more_than", 60, 61, SUPPORTED), ("more_than", 60, 60, PARTLY_SUPPORTED),
        ("more_than", 60, 40, CONTRADICTED),
        ("at_least", 60, 60, SUPPORTED), ("at_least", 60, 58, PARTLY_SUPPORTED),
        ("at_least", 60, 50, CONTRADICTED),
        ("less_than", 10, 9.9, SUPPORTED), ("less_than", 10, 10.2, PARTLY_SUPPORTED),
        ("less_than", 10, 12, CONTRADICTED),
        ("at_most", 10, 10, SUPPORTED), ("at_most", 10, 10.4, PARTLY_SUPPORTED),
        ("at_most", 10, 11, CONTRADICTED),
        ("exactly", 20, 20.4, SUPPORTED), ("exactly", 20, 20.9, PARTLY_SUPPORTED),
        ("exactly", 20, 22, CONTRADICTED), ("exactly", 18.6, 18.64, SUPPORTED),
        ("exactly", 18.6, 18.7, PARTLY_SUPPORTED),
    ],
)
def test_each_qualifier(qualifier: str, v: float, m: float, verdict: str) -> None:
    assert qualifier_verdict(qualifier, v, m)[0] == verdict


def test_qualifier_aliases_and_unknown() -> None:
    assert normalise_qualifier("Almost") == "nearly"
    assert normalise_qualifier("just under") == "nearly"
    assert normalise_qualifier("More than") == "more_than"
    assert normalise_qualifier(None) == "exactly"
    with pytest.raises(ValueError, match="unknown qualifier"):
        normalise_qualifier("probably")


def test_tolerance_overrides_the_supported_band() -> None:
    assert qualifier_verdict("nearly", 20, 16.5)[0] == PARTLY_SUPPORTED
    assert qualifier_verdict("nearly", 20, 16.5, tolerance=0.2)[0] == SUPPORTED
    assert qualifier_verdict("exactly", 20, 21, tolerance=0.06)[0] == SUPPORTED


def test_interval_verdict_is_not_verifiable_when_ends_disagree() -> None:
    assert interval_verdict("nearly", 20, 17.5, 18.5)[0] == SUPPORTED
    assert interval_verdict("nearly", 20, 10, 30)[0] == NOT_VERIFIABLE
    assert interval_verdict("more_than", 10, 12, 30)[0] == SUPPORTED


# ------------------------------------------------------------ control share
def test_nearly_20_percent_supported_with_measured_share() -> None:
    c = _claim(ControlShare("UA", "RU", D, 20, "nearly"), "march-2025-share")
    v = check_claim(c, ShareMeasurement(18.6))
    assert (v.verdict, v.measured, v.coverage) == (SUPPORTED, 18.6, 1.0)
    assert "18.6%" in v.reason and v.to_dict()["claim_id"] == "march-2025-share"
    assert set(v.to_dict()) >= {"claim_id", "verdict", "measured", "coverage", "reason"}


def test_share_with_partial_coverage() -> None:
    c = _claim(ControlShare("UA", "RU", D, 20, "nearly"))
    v = check_claim(c, ShareMeasurement(17.5, coverage=0.99))  # true share 17.5..18.5
    assert v.verdict == SUPPORTED and v.coverage == 0.99 and "cover 99%" in v.reason
    v = check_claim(c, ShareMeasurement(10.0, coverage=0.8))  # 10..30: cannot settle
    assert v.verdict == NOT_VERIFIABLE and v.measured == 10.0


def test_share_contradicted_and_no_data() -> None:
    c = _claim(ControlShare("Kharkiv oblast", "RU", D, 50, "more than"))
    assert check_claim(c, ShareMeasurement(3.1)).verdict == CONTRADICTED
    v = check_claim(c, ShareMeasurement(None, note="no snapshot on that date"))
    assert v.verdict == NOT_VERIFIABLE and v.reason == "no snapshot on that date"
    assert v.measured is None and v.coverage == 0.0


# ------------------------------------------------------------ control of all
def test_kursk_full_control_not_verifiable_without_territory_data() -> None:
    c = _claim(ControlAll("Kursk oblast (RU)", "RU", date(2025, 4, 26)), "kursk")
    v = check_claim(c, AreaMeasurement(
        None, note="no territory data for Kursk oblast: the boundaries cover Ukraine only"))
    assert v.verdict == NOT_VERIFIABLE and "Ukraine only" in v.reason
    # With no measurement at all the verdict is the same, never a guess.
    assert check_claim(c, None).verdict == NOT_VERIFIABLE


@pytest.mark.parametrize(
    ("fraction", "coverage", "verdict"),
    [(0.998, 1.0, SUPPORTED), (0.95, 1.0, PARTLY_SUPPORTED), (0.5, 1.0, CONTRADICTED),
     (0.97, 0.97, NOT_VERIFIABLE)],
)
def test_control_all_verdicts(fraction: float, coverage: float, verdict: str) -> None:
    c = _claim(ControlAll("Luhansk oblast", "RU", D))
    v = check_claim(c, AreaMeasurement(fraction, coverage))
    assert v.verdict == verdict and v.measured == pytest.approx(fraction * 100)


# ------------------------------------------------------------ violation counts
def _count(text: str, accused: str = "RU") -> ViolationCount:
    return ViolationCount(accused, EASTER_START, EASTER_END, ClaimedCount.parse(text),
                          "easter_truce")


def test_easter_count_gives_evidence_count_and_caveat_not_a_match() -> None:
    c = _claim(_count("2935"), "P03")
    v = check_claim(c, CountMeasurement(57, "incidents", coverage=1.0, comparable=False))
    assert v.verdict == PARTLY_SUPPORTED and v.measured == 57
    assert v.caveat and "not comparable" in v.caveat
    assert "2935" in v.reason and v.details["claimed_low"] == 2935
    assert v.to_dict()["evidence_unit"] == "incidents"


def test_count_without_evidence_is_not_verifiable() -> None:
    c = _claim(_count("4900", "UA"))
    assert check_claim(c, CountMeasurement(0)).verdict == NOT_VERIFIABLE
    assert check_claim(c, CountMeasurement(None)).verdict == NOT_VERIFIABLE


@pytest.mark.parametrize(
    ("claimed", "count", "coverage", "verdict"),
    [("8", 8, 1.0, SUPPORTED), ("8", 9, 1.0, SUPPORTED), ("8", 20, 1.0, CONTRADICTED),
     ("8", 5, 0.5, PARTLY_SUPPORTED), ("8", 5, 1.0, PARTLY_SUPPORTED),
     ("8", 1, 1.0, CONTRADICTED), ("8", 0, 1.0, CONTRADICTED), (">60", 70, 1.0, SUPPORTED),
     ("several hundred", 250, 1.0, SUPPORTED), ("several hundred", 2000, 1.0, CONTRADICTED),
     ("", 3, 1.0, SUPPORTED)],
)
def test_comparable_counts(claimed: str, count: int, coverage: float, verdict: str) -> None:
    c = _claim(_count(claimed))
    v = check_claim(c, CountMeasurement(count, "energy strikes", coverage, comparable=True))
    assert v.verdict == verdict and v.measured == count


def test_partial_window_coverage_is_a_caveat() -> None:
    v = check_claim(_claim(_count("8")), CountMeasurement(5, coverage=0.5, comparable=True))
    assert v.caveat == "evidence covers 50% of the window" and v.coverage == 0.5


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("2935", 2935, 2935), ("2,935", 2935, 2935), (">1300", 1301, None), ("> 60", 61, None),
     ("at least 30", 30, None), ("several hundred", 200, 999), ("", None, None)],
)
def test_claimed_count_parse(text: str, low: int | None, high: int | None) -> None:
    k = ClaimedCount.parse(text)
    assert (k.low, k.high, k.text) == (low, high, text)


def test_claimed_count_rejects_nonsense_and_window_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="not a count"):
        ClaimedCount.parse("lots")
    with pytest.raises(ValueError):
        ViolationCount("RU", EASTER_END, EASTER_START, ClaimedCount.parse("1"))


# ------------------------------------------------------------ incident at place/time
@pytest.mark.parametrize(
    ("m", "verdict"),
    [(IncidentMeasurement(2, 0.8, "RU"), SUPPORTED),
     (IncidentMeasurement(1, 0.3, "RU"), PARTLY_SUPPORTED),
     (IncidentMeasurement(1, 0.9, "UA"), PARTLY_SUPPORTED),
     (IncidentMeasurement(0, coverage=0.95), CONTRADICTED),
     (IncidentMeasurement(0, coverage=0.3), NOT_VERIFIABLE),
     (IncidentMeasurement(None), NOT_VERIFIABLE)],
)
def test_incident_verdicts(m: IncidentMeasurement, verdict: str) -> None:
    p = IncidentAt(EASTER_START, EASTER_START + timedelta(hours=2), place="Sumy",
                   category="missile_strike", perpetrator="RU")
    assert check_claim(_claim(p), m).verdict == verdict


# ------------------------------------------------------------ wiring
class _Measurer:
    def control_share(self, p: ControlShare) -> ShareMeasurement | None:
        return ShareMeasurement(18.6) if p.region == "UA" else None

    def control_all(self, p: ControlAll) -> AreaMeasurement | None:
        return None

    def violation_count(self, p: ViolationCount) -> CountMeasurement | None:
        return CountMeasurement(12)

    def incident_at(self, p: IncidentAt) -> IncidentMeasurement | None:
        return None


def test_check_claims_with_a_measurer() -> None:
    claims = [_claim(ControlShare("UA", "RU", D, 20, "nearly"), "a"),
              _claim(ControlAll("Kursk oblast (RU)", "RU", D), "b"),
              _claim(_count("2935"), "c")]
    verdicts = check_claims(claims, _Measurer())
    assert [v.verdict for v in verdicts] == [SUPPORTED, NOT_VERIFIABLE, PARTLY_SUPPORTED]
    assert [v.claim_id for v in verdicts] == ["a", "b", "c"]


def test_wrong_measurement_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="ShareMeasurement"):
        check_claim(_claim(ControlShare("UA", "RU", D, 20)), CountMeasurement(3))


def test_spread_widens_the_interval_for_stale_data() -> None:
    c = _claim(ControlShare("UA", "RU", D, 20, "nearly"))
    v = check_claim(c, ShareMeasurement(18.6, spread_pct=0.3, note="snapshot of 2025-03-05"))
    assert v.verdict == SUPPORTED and v.measured == 18.6
    assert "18.3–18.9%" in v.reason and v.reason.endswith("snapshot of 2025-03-05")
    v = check_claim(c, ShareMeasurement(19.8, spread_pct=0.5))  # 19.3..20.3: partly at the top
    assert v.verdict == NOT_VERIFIABLE
    a = _claim(ControlAll("Luhansk oblast", "RU", D))
    assert check_claim(a, AreaMeasurement(0.993, spread=0.0)).verdict == PARTLY_SUPPORTED
    assert check_claim(a, AreaMeasurement(0.993, spread=0.01)).verdict == NOT_VERIFIABLE
