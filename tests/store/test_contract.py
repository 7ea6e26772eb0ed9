"""The store contract: every backend must pass these tests unchanged.

Backends are listed in ``store_factory``'s params; the PostgreSQL backend joins this list
with its own marker when it exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ceasefire.errors import StoreError
from ceasefire.store import Between, Ge, In, Le, Like, Ne, Store, open_store
from ceasefire.store.migrations import latest_version


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":  # a fresh schema per test (tests/store/conftest.py)
        s = open_store(request.getfixturevalue("postgres_url"), create=True)
    else:
        s = open_store(str(tmp_path / "contract.db"), create=True)
    yield s
    s.close()


def _source(i: int, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {"source_id": f"s{i}", "name": f"Source {i}", "kind": "news",
                              "affiliation": "neutral", "reliability": "C",
                              "origin_group": f"g{i % 3}", "ledger_seq": 1}
    row.update(kw)
    return row


def test_schema_is_migrated_to_latest(store: Store) -> None:
    assert store.schema_version() == latest_version(store.backend)
    versions = [r["version"] for r in store.select("schema_migrations", order_by=["version"])]
    assert versions[-1] == latest_version(store.backend)


def test_insert_select_count(store: Store) -> None:
    assert store.insert("sources", [_source(i) for i in range(10)]) == 10
    assert store.count("sources") == 10
    rows = list(store.select("sources", {"source_id": "s3"}))
    assert rows == [_source(3)]


def test_insert_conflict_modes(store: Store) -> None:
    store.insert("sources", [_source(1)])
    with pytest.raises(StoreError):
        store.insert("sources", [_source(1)])
    assert store.insert("sources", [_source(1), _source(2)], on_conflict="ignore") == 1
    store.insert("sources", [_source(1, name="renamed")], on_conflict="replace")
    assert next(store.select("sources", {"source_id": "s1"}))["name"] == "renamed"


def test_insert_ignore_keeps_the_first_of_clashing_rows(store: Store) -> None:
    """Within one batch, as against stored rows: the first row of a key wins, and the
    count is of rows added."""
    store.insert("sources", [_source(1)])
    batch = [_source(3, name="first"), _source(1), _source(3, name="second"), _source(4)]
    assert store.insert("sources", batch, on_conflict="ignore") == 2
    assert next(store.select("sources", {"source_id": "s3"}))["name"] == "first"
    assert store.count("sources") == 3


def test_conditions(store: Store) -> None:
    store.insert("sources", [_source(i, reliability="ABCDEF"[i % 6]) for i in range(12)])
    ids = lambda where: sorted(r["source_id"] for r in store.select("sources", where))
    assert ids({"reliability": In(["A", "B"])}) == ["s0", "s1", "s6", "s7"]
    assert len(ids({"source_id": Ne("s1")})) == 11
    assert ids({"name": Like("SOURCE 1")}) == ["s1", "s10", "s11"]
    assert ids({"source_id": Between("s10", "s2")}) == ["s10", "s11", "s2"]
    assert ids({"source_id": Ge("s8")}) == ["s8", "s9"]
    assert ids({"source_id": Le("s1")}) == ["s0", "s1"]
    assert ids({"name": None}) == []
    assert ids({"reliability": In([])}) == []


def test_order_limit_offset(store: Store) -> None:
    store.insert("sources", [_source(i) for i in range(5)])
    got = [r["source_id"] for r in store.select("sources", order_by=["-source_id"], limit=2,
                                                offset=1)]
    assert got == ["s3", "s2"]
    assert [r["source_id"] for r in store.select("sources", order_by=["source_id"], offset=3)] \
        == ["s3", "s4"]


def test_update_and_delete(store: Store) -> None:
    store.insert("sources", [_source(i) for i in range(4)])
    assert store.update("sources", {"origin_group": "g0"}, {"reliability": "A"}) == 2
    assert store.count("sources", {"reliability": "A"}) == 2
    assert store.delete("sources", {"source_id": In(["s0", "s1"])}) == 2
    with pytest.raises(StoreError):
        store.delete("sources", {})


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("sources", [_source(1)])
        with store.transaction():  # nested blocks join the outer one
            store.insert("sources", [_source(2)])
        raise RuntimeError("boom")
    assert store.count("sources") == 0


def test_failed_insert_inside_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction():
        store.insert("sources", [_source(1)])
        store.insert("sources", [_source(1)])
    assert store.count("sources") == 0


def test_blob_and_null_round_trip(store: Store) -> None:
    row = {"snapshot_date": "2025-03-13", "side": "RU", "source": "deepstate",
           "geometry": b"\x01\x02\x00\xff", "area_km2": 112000.5, "ledger_seq": 1}
    store.insert("control_snapshots", [row])
    got = next(store.select("control_snapshots"))
    assert bytes(got["geometry"]) == row["geometry"]
    assert got["area_km2"] == row["area_km2"]


def test_rejects_bad_identifiers(store: Store) -> None:
    with pytest.raises(StoreError):
        list(store.select("sources; DROP TABLE sources"))
    with pytest.raises(StoreError):
        list(store.select("sources", {"name = name OR 1": 1}))


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "again.db")
    s = open_store(path, create=True)
    s.insert("sources", [_source(1)])
    s.close()
    s2 = open_store(path)
    assert s2.count("sources") == 1
    assert s2.schema_version() == latest_version("sqlite")
    s2.close()
