"""The column-wise encoder of the ledger gives exactly the bytes of the row-wise one."""

from __future__ import annotations

import random

import pytest

from ceasefire.core.evidence import SourceKind
from ceasefire.errors import InputError
from ceasefire.record import ledger

VALUES = ["", "a", "back\\slash", "unit\x1fsep", "line\nbreak", "Київ", None, 0, 1, -7, 2**40,
          0.1, 1e300, -0.0, 3.0, True, False, b"\x00\xff", SourceKind.NEWS]


def test_encode_rows_is_byte_identical_to_encode_row() -> None:
    rng = random.Random(7)
    rows = [{c: rng.choice(VALUES) for c in ("b", "a", "ledger_seq", "z")} for _ in range(500)]
    excluded = frozenset({"ledger_seq"})
    assert ledger.encode_rows(rows, excluded) == [ledger.encode_row(r, excluded) for r in rows]


def test_rows_of_different_shapes_fall_back_to_the_row_path() -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 2.5, "c": None}]
    assert ledger.encode_rows(rows) == [ledger.encode_row(r) for r in rows]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    with pytest.raises(InputError):
        ledger.encode_rows([{"a": bad}])


@pytest.mark.parametrize("column", [
    ["plain", "Київ", ""],
    ["plain", None, "x"],
    ["needs\\escape", "ok"],
    ["new\nline", None],
    [1.5, -0.0, 1e300, None],
    [1e308, 1e308],  # the sum overflows: the per-value path decides
    [1, 2**53, None],
    [2**60, 1],
    [None, None],
    [1, 2.5, "x", None],
])
def test_homogeneous_columns_take_the_bulk_path_with_the_same_bytes(column: list) -> None:
    rows = [{"v": value, "k": "id"} for value in column]
    assert ledger.encode_rows(rows) == [ledger.encode_row(r) for r in rows]


def test_add_columns_records_the_same_payload_as_add(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ceasefire.workspace import Workspace

    rows = [{"source_id": f"s{i}", "name": f"Name {i}\n", "kind": "news", "affiliation": "neutral",
             "reliability": "C", "origin_group": "g"} for i in range(5)]
    hashes = []
    for mode in ("rows", "columns"):
        with Workspace.init(tmp_path / mode) as ws:
            with ledger.batch(ws.store, actor="t", action="a") as open_batch:
                if mode == "rows":
                    open_batch.add("sources", [dict(r) for r in rows])
                else:
                    open_batch.add_columns("sources", {k: [r[k] for r in rows] for k in rows[0]})
            hashes.append(open_batch.entry.payload_hash)  # type: ignore[union-attr]
            assert ledger.verify(ws.store).rows_checked == 5
    assert hashes[0] == hashes[1]
