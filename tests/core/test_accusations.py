"""core.accusations: the status rules of a party's accusation."""

from __future__ import annotations

from dataclasses import replace

from ceasefire.core.accusations import (
    CONTRADICTED,
    CORROBORATED,
    STANDING_ALONE,
    Located,
    status,
)

HOUR = 3600.0
DAY = 86400.0
# a MoD claim: a drone attack on Belgorod oblast at noon of day 10, ±15 min
CLAIM = Located(50.64, 37.19, 100_000.0, 10 * DAY + 12 * HOUR - 900, 10 * DAY + 12 * HOUR + 900,
                "drone_strike", "ru-mod", "RU", "UA", "ru-mod")
NEWS = Located(50.60, 36.58, 5_000.0, 10 * DAY, 11 * DAY, "explosion", "viina", "neutral",
               None, "viina")
AIRFORCE = Located(50.0, 36.2, 20_000.0, 10 * DAY, 11 * DAY, "drone_strike", "ua-airforce",
                   "UA", "RU", "ua-airforce")


def test_an_independent_report_in_the_incident_corroborates() -> None:
    assert status(CLAIM, "UA", [NEWS], []).status == CORROBORATED


def test_the_accused_partys_own_report_neither_corroborates_nor_refutes() -> None:
    result = status(CLAIM, "UA", [AIRFORCE], [AIRFORCE] * 5)
    assert result.status == STANDING_ALONE


def test_an_independent_source_naming_another_author_contradicts() -> None:
    named = replace(NEWS, perpetrator="RU")
    assert status(CLAIM, "UA", [named], []).status == CONTRADICTED
    # ... but only from a report placed precisely: a whole oblast fuses with anything
    vague = replace(named, radius_m=100_000.0)
    assert status(CLAIM, "UA", [vague], []).status == CORROBORATED


def test_silence_of_a_source_that_was_watching_contradicts() -> None:
    before = [replace(NEWS, t_start=NEWS.t_start - k * DAY, t_end=NEWS.t_end - k * DAY)
              for k in (2, 2, 3)]
    result = status(CLAIM, "UA", [], before)
    assert result.status == CONTRADICTED and "silence" in result.basis
    # two reports are not enough to call it coverage
    assert status(CLAIM, "UA", [], before[:2]).status == STANDING_ALONE
    # a report the same day (not fused) is not silence
    assert status(CLAIM, "UA", [], [*before, NEWS]).status == STANDING_ALONE
    # far away (Kyiv) is not coverage of Belgorod oblast
    far = [replace(r, lat=50.45, lon=30.52) for r in before]
    result = status(CLAIM, "UA", [], far)
    assert result.status == STANDING_ALONE and result.basis.startswith("no independent")
