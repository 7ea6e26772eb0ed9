"""The agreement model: durations, offsets, per-party windows, look-ups, positions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ceasefire.core.agreement import (
    Access,
    Agreement,
    Commitment,
    Party,
    Position,
    Prohibition,
    Window,
    Withdrawal,
    Zone,
    add_duration,
    parse_duration,
    parse_instant,
    utc_text,
)

MSK = timezone(timedelta(hours=3))
KYIV_WINTER = timezone(timedelta(hours=2))


@pytest.mark.parametrize("text, parts", [
    ("P30D", {"days": 30}),
    ("PT54H", {"hours": 54}),
    ("P1Y2M3W4DT5H6M7S", {"years": 1, "months": 2, "weeks": 3, "days": 4, "hours": 5,
                          "minutes": 6, "seconds": 7}),
])
def test_parse_duration(text: str, parts: dict[str, int]) -> None:
    assert parse_duration(text) == parts


@pytest.mark.parametrize("text", ["30D", "P", "PT", "P0D", "P1.5D", "-P1D", "P1H", "", "p30d"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_add_duration_calendar_months_clamp_to_month_end() -> None:
    start = datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert add_duration(start, "P1M") == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert add_duration(start, "P1Y1M") == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert add_duration(start, "PT36H") == datetime(2025, 2, 2, 0, tzinfo=UTC)


def test_parse_instant_needs_an_offset() -> None:
    assert parse_instant("2025-04-19T18:00:00+03:00") == datetime(2025, 4, 19, 15, tzinfo=UTC)
    assert parse_instant("2025-04-19T15:00:00Z").utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_instant("2025-04-19T18:00:00")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_instant("19 April 2025")
    assert utc_text(parse_instant("2025-04-19T18:00:00+03:00")) == "2025-04-19T15:00:00Z"


def test_window_from_duration_shifts_each_partys_end() -> None:
    w = Window(datetime(2025, 3, 18, tzinfo=MSK), duration="P30D",
               party_starts={"UA": datetime(2025, 3, 25, tzinfo=KYIV_WINTER)})
    assert w.end == datetime(2025, 4, 17, tzinfo=MSK)
    assert w.for_party("RU") == (datetime(2025, 3, 18, tzinfo=MSK), datetime(2025, 4, 17, tzinfo=MSK))
    assert w.for_party("UA") == (datetime(2025, 3, 25, tzinfo=KYIV_WINTER),
                                 datetime(2025, 4, 24, tzinfo=KYIV_WINTER))
    assert w.contains(datetime(2025, 3, 20, tzinfo=UTC), "RU")
    assert not w.contains(datetime(2025, 3, 20, tzinfo=UTC), "UA")


def test_window_with_fixed_end_is_shared() -> None:
    end = datetime(2025, 4, 18, tzinfo=MSK)
    w = Window(datetime(2025, 3, 18, tzinfo=MSK), end=end,
               party_starts={"UA": datetime(2025, 3, 25, tzinfo=KYIV_WINTER)})
    assert w.for_party("UA")[1] == end == w.for_party("RU")[1]
    assert w.contains(end - timedelta(seconds=1)) and not w.contains(end)


def _agreement() -> Agreement:
    start, end = datetime(2015, 2, 15, tzinfo=KYIV_WINTER), datetime(2022, 2, 22, tzinfo=MSK)
    fire = Prohibition(id="fire", text="ceasefire", binds=("UA", "DPR"),
                       categories=("shelling", "mlrs"), target_classes=("energy",),
                       positions=(Position("UA", "accepted", date(2015, 2, 12)),
                                  Position("OSCE", "conditional", None, None, "if access")))
    guns = Withdrawal(id="guns", text="pull back", binds=("UA", "DPR", "RU"),
                      weapon_class="artillery", distance_km=50, min_calibre_mm=100,
                      zone="front", window=Window(datetime(2015, 3, 3, tzinfo=KYIV_WINTER)))
    access = Access(id="smm", text="access", binds=("DPR",), beneficiaries=("OSCE",))
    duty = Commitment(id="duty", text="exchange", binds=("UA",), due=date(2015, 3, 8))
    return Agreement(
        id="minsk2", title="Minsk II", status="collapsed",
        parties=(Party("UA", {"en": "Ukraine", "uk": "Україна"}, ("ЗСУ",)),
                 Party("DPR", aliases=("ДНР",)), Party("RU", role="signatory")),
        mediators=(Party("OSCE", role="mediator"),),
        window=Window(start, end),
        zones=(Zone("front", "contact_line_buffer", distance_km=140, side="both"),),
        provisions=(fire, guns, access, duty),
    )


def test_lookups_and_binding() -> None:
    a = _agreement()
    assert [p.id for p in a.provisions_binding("RU")] == ["guns"]
    assert [p.id for p in a.provisions_binding("DPR")] == ["fire", "guns", "smm"]
    assert a.zone("front").distance_km == 140
    assert a.provision("smm").categories == ("movement_restriction",)
    assert a.party("OSCE").role == "mediator"
    with pytest.raises(KeyError):
        a.zone("nowhere")
    assert a.resolve_party("україна") == "UA"
    assert a.resolve_party("днр") == "DPR"
    assert a.resolve_party("Martians") is None
    assert a.effective == a.window.start


def test_provision_window_inherits_the_agreement_end() -> None:
    a = _agreement()
    start, end = a.window_for("UA", "guns")
    assert start == datetime(2015, 3, 3, tzinfo=KYIV_WINTER)
    assert end == a.window.end
    assert a.window_for("UA") == (a.window.start, a.window.end)
    lo, hi = a.window_epoch("UA", a.provision("guns"))
    assert (lo, hi) == (start.timestamp(), end.timestamp())
    open_ended = Agreement(id="x", title="x", status="proposed", parties=(Party("UA"),),
                           window=Window(a.window.start), provisions=())
    assert open_ended.window_epoch("UA")[1] == float("inf")


def test_prohibition_covers_only_its_dimensions() -> None:
    fire = _agreement().provision("fire")
    assert isinstance(fire, Prohibition)
    assert fire.covers("shelling", "artillery", "energy")
    assert not fire.covers("shelling", "artillery", "civilian")
    assert not fire.covers("small_arms_fire", None, "energy")
    assert Prohibition(id="all", text="all", binds=("UA",)).covers("other")


def test_position_matrix_lists_only_position_holders() -> None:
    matrix = _agreement().position_matrix()
    assert [p.id for p, _ in matrix] == ["fire", "guns", "smm", "duty"]
    assert list(matrix[0][1]) == ["UA", "OSCE"]
    assert matrix[0][1]["UA"].label() == "accepted 2015-02-12"
    assert matrix[0][1]["OSCE"].label() == "conditional: if access"
    assert matrix[1][1] == {"UA": None, "OSCE": None}


def test_model_is_frozen() -> None:
    a = _agreement()
    with pytest.raises(AttributeError):
        a.status = "in_force"  # type: ignore[misc]
