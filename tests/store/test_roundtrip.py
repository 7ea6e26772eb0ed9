"""Write a row, read it back: the canonical ledger encoding of both is the same, on every
backend (issue 18 item 3). A difference would make ``verify`` fail for good on a write the
tool itself made.

Values cover every column kind of the ``reports`` table: REAL (any finite float, with
``-0.0``, the largest and the subnormal ones, and whole numbers), INTEGER (the whole signed
64-bit range, long integers included) and TEXT (any Unicode a backend can hold, decomposed
and composed forms alike).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.record import ledger
from ceasefire.store import Store, open_store

EXCLUDED = ledger.EVIDENCE_TABLES["reports"]
OPTIONAL = ledger.OPTIONAL_COLUMNS["reports"]
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.0, 0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     -1.7976931348623157e308, 2.0**53, 2.0**53 + 2, 1e16, -1e300]),
    st.integers(-(2**53), 2**53),  # an int into a REAL column: stored as a float
)
INTEGERS = st.one_of(st.integers(-(2**63), 2**63 - 1),
                     st.sampled_from([2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63)]))
# everything PostgreSQL's text holds: no NUL, no lone surrogate (both refused at write)
TEXTS = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00")),
    st.sampled_from(["Sie\u0301versk", "Sievérsk", "\u1e9b\u0323", "ﬁ", "\\\x1f\n", "0012", "5"]),
)
REAL = ("t_start", "t_end", "time_uncertainty_min", "lat", "lon", "location_uncertainty_m",
        "origin_lat", "origin_lon")
INTEGER = ("count", "credibility", "sensitive", "ingest_row")
TEXT = ("observed_at", "place", "category", "perpetrator", "target_class", "weapon_class",
        "event_ref", "text", "evidence_hashes", "extra", "ingest_file")
NOT_NULL = {"observed_at", "t_start", "t_end", "time_uncertainty_min", "category", "sensitive"}


def _maybe(column: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return values if column in NOT_NULL else st.one_of(st.none(), values)


ROWS = st.fixed_dictionaries({
    **{c: _maybe(c, FLOATS) for c in REAL},
    **{c: _maybe(c, INTEGERS) for c in INTEGER},
    **{c: _maybe(c, TEXTS) for c in TEXT},
})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        s = open_store(request.getfixturevalue("postgres_url"), create=True)
    else:
        s = open_store(str(tmp_path / "roundtrip.db"), create=True)
    yield s
    s.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=ROWS)
def test_a_row_read_back_encodes_as_written(store: Store, row: dict[str, Any]) -> None:
    written = {**row, "source_id": "s", "report_id": f"r{next(_ids)}", "ledger_seq": 1}
    store.insert("reports", [written])
    read = next(store.select("reports", {"report_id": written["report_id"]}))
    read.pop("rid")
    assert ledger.encode_row(read, EXCLUDED, OPTIONAL) == ledger.encode_row(written, EXCLUDED,
                                                                            OPTIONAL)
    assert ledger.encode_rows([read], EXCLUDED, OPTIONAL) == ledger.encode_rows([written],
                                                                                EXCLUDED, OPTIONAL)


_ids = itertools.count()
