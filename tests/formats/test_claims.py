"""Claims formats: the claims YAML, the real truce-claims CSV, and their error reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ceasefire.core.claims import ControlAll, ControlShare, ViolationCount
from ceasefire.errors import InputError
from ceasefire.formats.claim_periods import TRUCES, parse_period
from ceasefire.formats.claims import (
    dumps_claims,
    loads_claims,
    read_claims,
    read_truce_claims_csv,
)
from tests.conftest import EXAMPLES, require_shared_data

MSK = timezone(timedelta(hours=3))
HEADER = ("claim_id,truce,statement_date,claimant_side,claimant_body,accused_side,"
          "period_covered,violations_claimed,breakdown_as_reported,source_url,"
          "source_reliability_note\n")


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


# ------------------------------------------------------------ the real CSV
def test_real_truce_claims_csv_reads_all_18_rows() -> None:
    path = require_shared_data("party_claims", "claimed_violations_2025_truces.csv")
    claims = read_truce_claims_csv(path)
    assert len(claims) == 18 and len({c.claim_id for c in claims}) == 18
    assert all(isinstance(c.proposition, ViolationCount) for c in claims)
    by_id = {c.claim_id: c for c in claims}
    p03, p02 = by_id["P03"], by_id["P02"]
    assert (p03.claimant_side, p03.proposition.accused, p03.proposition.claimed.low) == \
        ("UA", "RU", 2935)
    assert (p02.claimant_side, p02.proposition.accused, p02.proposition.claimed.low) == \
        ("RU", "UA", 4900)
    assert p02.proposition.start == datetime(2025, 4, 19, 18, 0, tzinfo=MSK)
    assert p02.proposition.end == datetime(2025, 4, 21, 0, 0, tzinfo=MSK)
    assert by_id["E06"].proposition.claimed.low == 61  # ">60"
    assert by_id["E11"].proposition.claimed.text == "several hundred"
    assert not by_id["E01"].proposition.claimed.stated  # empty count
    assert by_id["E01"].note and "approximated" in by_id["E01"].note
    assert all(c.statement.source_url.startswith("http") for c in claims)  # type: ignore[union-attr]
    assert by_id["M04"].proposition.end - by_id["M04"].proposition.start == timedelta(hours=72)


def test_bad_csv_rows_name_row_and_field(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "X1,easter_truce,2025-04-21,UA,GS,RU,2025-04-19 18:00 .. 2025-04-20 24:00,2935,,https://a.b,",
        "X2,easter_truce,2025-04-21,UA,GS,XX,2025-04-19 18:00 .. 2025-04-20 24:00,lots,,https://a.b,",
        "X3,no_truce,21/04/2025,RU,MoD,UA,whenever,5,,ftp://a,",
        "X1,easter_truce,2025-04-21,UA,GS,RU,2025-04-19 .. 2025-04-20,1,,https://a.b,",
    )
    with pytest.raises(InputError) as info:
        read_truce_claims_csv(path)
    where = {(p.line, p.field) for p in info.value.problems}
    assert {(3, "accused_side"), (3, "violations_claimed"), (4, "truce"),
            (4, "statement_date"), (4, "source_url"), (5, "claim_id")} <= where
    assert all(p.file == str(path) for p in info.value.problems)
    assert "3: violations_claimed: not a count" in str(info.value)


def test_bad_period_is_reported(tmp_path: Path) -> None:
    path = _csv(tmp_path, "X1,may_truce,2025-05-09,RU,MoD,UA,the other day,5,,https://a.b,")
    with pytest.raises(InputError) as info:
        read_truce_claims_csv(path)
    (p,) = info.value.problems
    assert (p.line, p.field) == (2, "period_covered") and "cannot read the period" in p.message


def test_missing_column_is_reported_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("claim_id,truce\nX,easter_truce\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_truce_claims_csv(path)


@pytest.mark.parametrize(
    ("text", "side", "start", "end", "approx"),
    [("2025-03-18..2025-03-25", "UA", "2025-03-18T00:00:00+02:00", "2025-03-26T00:00:00+02:00",
      False),
     ("2025-05-08 00:00..12:00", "UA", "2025-05-08T00:00:00+03:00", "2025-05-08T12:00:00+03:00",
      False),
     ("since 2025-05-08 00:00 MSK (cumulative)", "RU", "2025-05-08T00:00:00+03:00",
      "2025-05-11T00:00:00+03:00", False),
     ("past 24 h", "RU", "2025-05-09T00:00:00+03:00", "2025-05-10T00:00:00+03:00", True),
     ("night 2025-03-18/19", "UA", "2025-03-18T18:00:00+02:00", "2025-03-19T06:00:00+02:00",
      True),
     ("2025-04-19 18:00 MSK .. morning 2025-04-20 (<24 h)", "RU", "2025-04-19T18:00:00+03:00",
      "2025-04-20T09:00:00+03:00", True)],
)
def test_period_forms(text: str, side: str, start: str, end: str, approx: bool) -> None:
    s, e, a = parse_period(text, date(2025, 5, 10), claimant_side=side)
    assert (s.isoformat(), e.isoformat(), a) == (start, end, approx)


def test_period_errors() -> None:
    for text in ("", "2025-04-20 .. 2025-04-19", "2025-04-19 25:00 .. 2025-04-20", "soon"):
        with pytest.raises(ValueError):
            parse_period(text, date(2025, 4, 21), claimant_side="UA")
    assert TRUCES["easter_truce"][1] - TRUCES["easter_truce"][0] == timedelta(hours=30)


# ------------------------------------------------------------ YAML
def test_examples_read() -> None:
    claims = read_claims(EXAMPLES / "claims" / "march_2025_claims.yaml")
    share, kursk = claims
    assert isinstance(share.proposition, ControlShare)
    assert (share.proposition.qualifier, share.proposition.value_pct) == ("nearly", 20)
    assert isinstance(kursk.proposition, ControlAll) and kursk.claimant_side == "RU"
    assert kursk.statement.source_url and "moscowtimes" in kursk.statement.source_url
    truce = read_claims(EXAMPLES / "claims" / "truce_violations_2025.yaml")
    assert len(truce) == 18
    assert {c.claim_id: c.proposition.claimed.low for c in truce  # type: ignore[union-attr]
            if c.claim_id in ("P02", "P03")} == {"P02": 4900, "P03": 2935}


def test_truce_example_matches_the_csv() -> None:
    path = require_shared_data("party_claims", "claimed_violations_2025_truces.csv")
    from_csv = read_truce_claims_csv(path)
    from_yaml = read_claims(EXAMPLES / "claims" / "truce_violations_2025.yaml")
    assert from_yaml == from_csv  # Claim.extra (the CSV row) is not compared


def test_yaml_round_trip() -> None:
    claims = read_claims(EXAMPLES / "claims" / "march_2025_claims.yaml")
    assert loads_claims(dumps_claims(claims)) == claims


GOOD = """\
claims:
  - claim_id: a
    claimant: X
    date: 2025-04-21
    statement: {text: t, source_url: https://x.org}
    proposition:
      type: violation_count
      accused: RU
      start: 2025-04-19T18:00:00+03:00
      end: 2025-04-21T00:00:00+03:00
      claimed: ">1300"
"""


def test_good_yaml_and_its_times() -> None:
    (c,) = loads_claims(GOOD)
    assert c.proposition.start == datetime(2025, 4, 19, 18, tzinfo=MSK)  # type: ignore[union-attr]
    assert c.proposition.claimed.low == 1301  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        ("claimed: \">1300\"", "claimed: lots", 11, "claims[0].proposition.claimed",
         "not a count"),
        ("accused: RU", "accused: Russia", 8, "claims[0].proposition.accused", "pattern"),
        ("type: violation_count", "type: vibes", 7, "claims[0].proposition.type", "unknown type"),
        ("date: 2025-04-21", "date: 21.04.2025", 4, "claims[0].date", "Invalid isoformat"),
        ("start: 2025-04-19T18:00:00+03:00", "start: 2025-04-19T18:00:00", 9,
         "claims[0].proposition.start", "needs a UTC offset"),
        ("end: 2025-04-21T00:00:00+03:00", "end: 2025-04-19T00:00:00+03:00", 10,
         "claims[0].proposition.end", "after start"),
        ("    claimant: X\n", "    claimant: X\n    colour: red\n", 4, "claims[0].colour",
         "unknown key"),
        ("    claimant: X\n", "", 2, "claims[0].claimant", "missing required field"),
        ("source_url: https://x.org", "source_url: x.org", 5,
         "claims[0].statement.source_url", "pattern"),
    ],
)
def test_bad_yaml_names_line_and_field(old: str, new: str, line: int, field: str,
                                       message: str) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    with pytest.raises(InputError) as info:
        loads_claims(text, file="c.yaml")
    problems = info.value.problems
    assert any(p.line == line and p.field == field and message in p.message
               for p in problems), [str(p) for p in problems]


def test_bad_qualifier_and_duplicate_ids() -> None:
    share = GOOD.replace(
        "      type: violation_count\n      accused: RU\n"
        "      start: 2025-04-19T18:00:00+03:00\n      end: 2025-04-21T00:00:00+03:00\n"
        "      claimed: \">1300\"\n",
        "      type: control_share\n      region: UA\n      side: RU\n      date: 2025-03-12\n"
        "      qualifier: probably\n      value_pct: 20\n")
    with pytest.raises(InputError, match="unknown qualifier"):
        loads_claims(share)
    twice = GOOD + GOOD.split("claims:\n", 1)[1]
    with pytest.raises(InputError, match="duplicate claim_id") as info:
        loads_claims(twice, file="d.yaml")
    assert info.value.problems[0].field == "claims[1].claim_id"


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="YAML syntax error"):
        loads_claims("claims: [a\n", file="s.yaml")
    with pytest.raises(InputError, match="cannot read"):
        read_claims(tmp_path / "nope.yaml")
