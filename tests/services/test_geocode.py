"""The offline gazetteer: spellings in three languages, regions, ambiguity, uncertainty."""

from __future__ import annotations

import pytest

from ceasefire.core.validation import RowInvalid
from ceasefire.services.geocode import default_geocoder, name_key, transliterate

KUPIANSK = (49.71, 37.62)


@pytest.fixture(scope="module")
def gazetteer():  # type: ignore[no-untyped-def]
    return default_geocoder()


@pytest.mark.parametrize("name", ["Kupiansk", "Kupyansk", "Куп'янськ", "Купянск", "KUPIANSK"])
def test_english_ukrainian_and_russian_spellings_meet(gazetteer, name: str) -> None:  # type: ignore[no-untyped-def]
    lat, lon, radius = gazetteer.locate(name)
    assert (round(lat, 2), round(lon, 2)) == KUPIANSK and radius == 4000.0


@pytest.mark.parametrize("name", ["Kyiv", "Kiev", "Київ", "Киев"])
def test_capital_in_every_spelling(gazetteer, name: str) -> None:  # type: ignore[no-untyped-def]
    lat, _lon, radius = gazetteer.locate(name)
    assert abs(lat - 50.45) < 0.05 and radius == 15000.0  # a city of millions


def test_ambiguous_name_is_rejected_with_candidates_and_resolved_by_region(gazetteer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RowInvalid) as info:
        gazetteer.locate("Kostiantynivka")
    assert info.value.field == "place" and "ambiguous" in info.value.reason
    assert "Donetsk Oblast" in info.value.reason
    lat, _, _ = gazetteer.locate("Kostiantynivka, Donetsk Oblast")
    assert lat == pytest.approx(48.53, abs=0.01)
    assert gazetteer.locate("Гуляйполе, Запорізька область")[0] == pytest.approx(47.67, abs=0.01)


def test_unknown_name_and_unknown_region_are_rejected(gazetteer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RowInvalid, match="no place named"):
        gazetteer.locate("Atlantis")
    with pytest.raises(RowInvalid, match="unknown region"):
        gazetteer.locate("Kupiansk, Narnia")


def test_oblast_has_a_regional_uncertainty(gazetteer) -> None:  # type: ignore[no-untyped-def]
    lat, lon, radius = gazetteer.locate("Donetsk Oblast")
    assert 47 < lat < 49.5 and 36 < lon < 39.5 and 80_000 < radius < 110_000
    assert gazetteer.locate("Донецька область") == (lat, lon, radius)


def test_transliteration_and_keys() -> None:
    assert transliterate("Запоріжжя") == "Zaporizhzhia"
    assert transliterate("Ягідне") == "Yahidne"
    assert transliterate("Згурівка") == "Zghurivka"
    assert transliterate("Знам'янка") == "Znamianka"  # apostrophe dropped, ia not ya
    assert name_key("Kup'yans'k") == name_key("Kupyansk") == "kupyansk"
