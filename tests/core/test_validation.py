"""The pure validation rules: times, coordinates, vocabularies, required fields."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from ceasefire.core.validation import ReportValidator, RowInvalid, parse_observed_at

GOOD = {"report_id": "r1", "source_id": "smm", "observed_at": "2025-04-19T21:40:00+03:00",
        "category": "shelling", "lat": "48.0", "lon": "37.8"}


def test_offset_time_is_normalised_to_utc() -> None:
    parsed = parse_observed_at("2025-04-19T21:40:00+03:00")
    assert parsed.observed_at == "2025-04-19T18:40:00Z"
    assert parsed.t_start == parsed.t_end == 1745088000.0


def test_date_is_the_whole_day_in_the_given_zone() -> None:
    utc = parse_observed_at("2025-04-19")
    kyiv = parse_observed_at("2025-04-19", ZoneInfo("Europe/Kyiv"))
    assert utc.t_end - utc.t_start == 86400 and utc.uncertainty_min == 720
    assert utc.t_start - kyiv.t_start == 3 * 3600  # Kyiv is UTC+3 in April


@pytest.mark.parametrize("text, minutes", [("2025-04-19T21Z", 30.0), ("2025-04-19T21:40Z", 1.0),
                                           ("2025-04-19T21:40:05.5+02:00", 0.0)])
def test_default_uncertainty_follows_precision(text: str, minutes: float) -> None:
    assert parse_observed_at(text).uncertainty_min == minutes


def test_explicit_uncertainty_widens_the_interval() -> None:
    parsed = parse_observed_at("2025-04-19T12:00:00Z", uncertainty_min=90)
    assert parsed.t_end - parsed.t_start == 180 * 60


@pytest.mark.parametrize("text, reason", [
    ("2025-04-19 21:40", "no UTC offset"),
    ("19.04.2025", "not ISO 8601"),
    ("2025-02-30", "not a valid date"),
    ("2025-04-19T25:00:00Z", "not a valid date-time"),
    ("2025-04-19T10:00:00+15:00", "offset out of range"),
])
def test_bad_times_are_rejected(text: str, reason: str) -> None:
    with pytest.raises(RowInvalid) as info:
        parse_observed_at(text)
    assert info.value.field == "observed_at" and reason in info.value.reason


def test_offsetless_time_is_read_in_the_declared_zone() -> None:
    parsed = parse_observed_at("2025-01-10 12:00", ZoneInfo("Europe/Kyiv"))
    assert parsed.observed_at == "2025-01-10T10:00:00Z"  # winter: UTC+2


@pytest.mark.parametrize("change, field", [
    ({"lat": "95"}, "lat"), ({"lon": "-180.5"}, "lon"), ({"lat": "nan"}, "lat"),
    ({"lat": "north"}, "lat"), ({"lat": ""}, "lat"), ({"lat": "", "lon": ""}, "lat"),
    ({"category": "riot"}, "category"), ({"category": ""}, "category"),
    ({"source_id": "nobody"}, "source_id"), ({"report_id": "  "}, "report_id"),
    ({"observed_at": ""}, "observed_at"), ({"credibility": "7"}, "credibility"),
    ({"count": "0"}, "count"), ({"count": "1.5"}, "count"),
    ({"weapon_class": "laser"}, "weapon_class"), ({"target_class": "cats"}, "target_class"),
    ({"origin_lat": "48.1"}, "origin_lon"), ({"location_uncertainty_m": "-1"},
                                             "location_uncertainty_m"),
    ({"time_uncertainty_min": "-5"}, "time_uncertainty_min"),
    ({"text": "shelling\x00reported"}, "text"), ({"place": "Kup\x00iansk"}, "place"),
])
def test_each_rule_names_its_field(change: dict[str, str], field: str) -> None:
    with pytest.raises(RowInvalid) as info:
        ReportValidator({"smm"}).validate({**GOOD, **change})
    assert info.value.field == field


def test_place_without_coordinates_is_left_for_the_geocoder() -> None:
    row = ReportValidator({"smm"}).validate({**GOOD, "lat": "", "lon": "", "place": "Kupiansk"})
    assert row["lat"] is None and row["place"] == "Kupiansk"
    assert row["location_uncertainty_m"] is None


def test_good_row_is_typed() -> None:
    row = ReportValidator({"smm"}).validate({**GOOD, "count": "3", "credibility": "2"})
    assert (row["lat"], row["count"], row["credibility"]) == (48.0, 3, 2)
    assert row["location_uncertainty_m"] == 100.0


def test_batch_gives_each_row_the_same_verdict_as_alone() -> None:
    rows = [GOOD, {**GOOD, "lat": "95"}, {**GOOD, "category": "riot", "lat": "95"},
            {**GOOD, "report_id": "r2"}, {**GOOD, "observed_at": "x"}]
    validator = ReportValidator({"smm"})
    columns = {k: [r.get(k) for r in rows] for k in GOOD}
    good, bad = validator.validate_columns(columns, len(rows))
    assert [i for i, _ in good] == [0, 3]
    alone = []
    for i, row in enumerate(rows):
        try:
            validator.validate(row)
        except RowInvalid as exc:
            alone.append((i, exc.field, exc.reason))
    assert [(i, e.field, e.reason) for i, e in bad] == alone
    assert bad[1][1].field == "category"  # fields are checked in a fixed order


def test_fast_local_time_path_equals_the_general_path() -> None:
    import random
    from datetime import datetime, timedelta

    from ceasefire.core import validation

    kyiv = ZoneInfo("Europe/Kyiv")
    rng = random.Random(3)
    texts = ["2025-03-30 02:30:00", "2025-03-30 03:30:00", "2025-03-30 04:30", "2024-10-27 03:30",
             "2024-10-27 04:00:00", "2024-02-29 23:59:59", "2023-12-31T00:00", "2025-04-19 21"]
    start = datetime(2023, 1, 1)
    for _ in range(3000):
        moment = start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        texts.append(moment.strftime(rng.choice(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                                                 "%Y-%m-%d %H"])))
    for text in texts:
        fast = validation._local_whole_seconds(text, text[:10], text[11:13],
                                               (text[13:16] or None), (text[16:19] or None),
                                               kyiv, None)
        general = _general(text, kyiv)
        assert fast is None or fast == general, text
        assert parse_observed_at(text, kyiv) == general


def _general(text: str, tz: ZoneInfo):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from ceasefire.core.validation import ParsedTime

    parts = text.replace("T", " ")
    fmt = {13: "%Y-%m-%d %H", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}[len(parts)]
    moment = datetime.strptime(parts, fmt).replace(tzinfo=tz)
    minutes = {13: 30.0, 16: 1.0, 19: 0.0}[len(parts)]
    instant = moment.timestamp()
    stored = datetime.fromtimestamp(instant, UTC).isoformat().replace("+00:00", "Z")
    return ParsedTime(stored, instant - minutes * 60, instant + minutes * 60, minutes)
