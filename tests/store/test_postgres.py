"""PostgreSQL specifics: PostGIS columns and indexes, bounding-box queries through the
spatial index, identical ledger digests on both backends, serialised concurrent writers,
and ``ceasefire init --database postgresql://…`` end to end.

The migration-parity test needs no server; the others are marked ``postgres`` and use the
per-test schema of ``tests/store/conftest.py``.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ceasefire.errors import LedgerError, StoreError, WorkspaceError
from ceasefire.record import ledger
from ceasefire.store import Between, Store, open_store
from ceasefire.store.migrations import latest_version, migrations_for


def test_both_backends_have_the_same_migration_versions() -> None:
    """A sqlite migration without its postgres port (or the reverse) fails here."""
    sqlite = [m.version for m in migrations_for("sqlite")]
    postgres = [m.version for m in migrations_for("postgres")]
    assert postgres == sqlite
    assert latest_version("postgres") == latest_version("sqlite")



@pytest.fixture
def pg(postgres_url: str) -> Iterator[Store]:
    s = open_store(postgres_url, create=True)
    yield s
    s.close()


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Store]:
    s = open_store(str(tmp_path / "twin.db"), create=True)
    yield s
    s.close()


def _raw(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _report(i: int, rng: random.Random, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_id": "viina", "report_id": f"r{i}", "observed_at": "2025-04-19T18:40:00Z",
        "t_start": 1745088000.0 + i, "t_end": 1745091600.5 + i, "time_uncertainty_min": 30,
        "lat": round(rng.uniform(44.0, 52.0), 6), "lon": round(rng.uniform(22.0, 40.0), 6),
        "location_uncertainty_m": 250.0 + i / 3, "place": f"Place {i}", "category": "shelling",
        "perpetrator": None, "target_class": None, "weapon_class": "artillery",
        "count": i % 4, "credibility": None, "origin_lat": None, "origin_lon": None,
        "event_ref": None, "text": f"Shelling near place {i}\nsecond line ü",
        "evidence_hashes": None, "sensitive": i % 5 == 0, "extra": json.dumps({"i": i}),
        "ingest_file": "viina.csv", "ingest_row": i + 2,
    }
    row.update(kw)
    return row


@pytest.mark.postgres
def test_postgis_columns_are_generated_indexed_and_hidden(pg: Store, postgres_url: str) -> None:
    rng = random.Random(1)
    pg.insert("reports", [_report(0, rng, lat=48.5, lon=35.25, ledger_seq=1),
                          _report(1, rng, lat=None, lon=None, ledger_seq=1)])
    row = next(pg.select("reports", {"report_id": "r0"}))
    assert "geom" not in row and row["lat"] == 48.5 and row["lon"] == 35.25
    with _raw(postgres_url) as conn:
        points = dict(conn.execute("SELECT report_id, ST_AsText(geom) FROM reports").fetchall())
        indexes = {name: definition for name, definition in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")}
    assert points == {"r0": "POINT(35.25 48.5)", "r1": None}
    for index, table in [("reports_geom", "reports"), ("incidents_geom", "incidents"),
                         ("control_snapshots_geom", "control_snapshots")]:
        assert indexes[index].endswith(f".{table} USING gist (geom)")


@pytest.mark.postgres
def test_control_snapshot_wkb_round_trips_and_is_parsed(pg: Store, postgres_url: str) -> None:
    from shapely.geometry import Polygon

    wkb = Polygon([(37.0, 47.0), (38.5, 47.0), (38.5, 48.2), (37.0, 47.0)]).wkb
    pg.insert("control_snapshots", [
        {"snapshot_date": "2025-03-13", "side": "RU", "source": "deepstate", "geometry": wkb,
         "area_km2": 6312.25, "ledger_seq": 1},
        {"snapshot_date": "2025-03-13", "side": "UA", "source": "deepstate",
         "geometry": b"not wkb", "area_km2": 1.0, "ledger_seq": 1}])
    got = {r["side"]: r["geometry"] for r in pg.select("control_snapshots")}
    assert got == {"RU": wkb, "UA": b"not wkb"} and isinstance(got["RU"], bytes)
    with _raw(postgres_url) as conn:
        parsed = dict(conn.execute("SELECT side, ST_GeometryType(geom) || ' ' || ST_SRID(geom) "
                                   "FROM control_snapshots").fetchall())
    assert parsed == {"RU": "ST_Polygon 4326", "UA": None}


@pytest.mark.postgres
def test_bbox_query_uses_the_spatial_index_and_matches_sqlite(pg: Store, lite: Store,
                                                              postgres_url: str) -> None:
    rng = random.Random(7)
    rows = [_report(i, rng) for i in range(6000)]
    rows += [_report(6000, rng, lat=47.0, lon=36.0), _report(6001, rng, lat=48.0, lon=37.5)]
    for store in (pg, lite):
        store.insert("reports", [dict(r) | {"ledger_seq": 1} for r in rows])
    with _raw(postgres_url) as conn:
        conn.execute("ANALYZE reports")
    bbox = {"lat": Between(47.0, 48.0), "lon": Between(36.0, 37.5)}
    plan = pg.explain("reports", bbox)  # type: ignore[attr-defined]
    assert "reports_geom" in plan, plan
    got = sorted(r["report_id"] for r in pg.select("reports", bbox))
    assert got == sorted(r["report_id"] for r in lite.select("reports", bbox))
    assert {"r6000", "r6001"} <= set(got) and pg.count("reports", bbox) == len(got) > 2
    # one open bound: the portable predicates alone, still the same answer
    half = {"lat": Between(47.0, None), "lon": Between(36.0, 37.5)}
    assert pg.count("reports", half) == lite.count("reports", half)


def _evidence(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    from shapely.geometry import Point

    return {
        "sources": [{"source_id": "viina", "name": "VIINA", "kind": "dataset",
                     "affiliation": "neutral", "reliability": "B", "origin_group": "viina"}],
        "reports": [_report(i, rng) for i in range(300)],
        "control_snapshots": [{"snapshot_date": "2025-03-13", "side": "RU",
                               "source": "deepstate",
                               "geometry": Point(37.5, 47.9).buffer(0.3).wkb,
                               "area_km2": 2193.123456789, "ledger_seq": 0}],
    }


@pytest.mark.postgres
def test_ledger_digests_are_identical_on_both_backends(pg: Store, lite: Store,
                                                       postgres_url: str) -> None:
    entries = []
    for store in (lite, pg):
        entries.append(ledger.record(store, actor="monitor", action="ingest",
                                     rows=_evidence(random.Random(3)), note={"file": "a.csv"}))
    assert entries[0].payload_hash == entries[1].payload_hash
    # what the stores give back digests the same, row for row
    for table in ("sources", "reports", "control_snapshots"):
        assert ledger.digest_rows({table: lite.select(table)}) == \
            ledger.digest_rows({table: pg.select(table)})
    assert ledger.verify(pg).rows_checked == ledger.verify(lite).rows_checked == 302
    with _raw(postgres_url) as conn:  # an edit behind the tool's back
        conn.execute("UPDATE reports SET lat = lat + 0.001 WHERE report_id = 'r17'")
    with pytest.raises(LedgerError) as caught:
        ledger.verify(pg)
    assert caught.value.seq == 1


@pytest.mark.postgres
def test_concurrent_writers_serialise_without_lost_rows(postgres_url: str) -> None:
    open_store(postgres_url, create=True).close()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        store = open_store(postgres_url)
        try:
            for i in range(25):
                ledger.record(store, actor=name, action="add-source", rows={"sources": [
                    {"source_id": f"{name}-{i}", "name": name, "kind": "news",
                     "affiliation": "neutral", "reliability": "C", "origin_group": name}]})
        except (StoreError, LedgerError) as exc:  # surfaced below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("alpha", "bravo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(postgres_url)
    try:
        assert store.count("sources") == 50
        assert [r["seq"] for r in store.select("ledger", order_by=["seq"])] == list(range(1, 51))
        assert ledger.verify(store).entries == 50
    finally:
        store.close()


@pytest.mark.postgres
def test_conflicts_copy_path_and_row_ids_match_sqlite(pg: Store, lite: Store) -> None:
    rng = random.Random(5)
    big = [_report(i, rng, ledger_seq=1) for i in range(3000)]  # above the COPY threshold
    explicit, implicit = _report(9000, rng, ledger_seq=1, rid=50_000), _report(9001, rng,
                                                                                ledger_seq=1)
    for store in (pg, lite):
        assert store.insert("reports", big[:1000]) == 1000
        assert store.insert("reports", big, on_conflict="ignore") == 2000
        assert store.insert("reports", [big[5] | {"place": "moved"}, big[5] | {"place": "again"}],
                            on_conflict="replace") == 2
        assert store.insert("reports", [dict(explicit)]) == 1
        assert store.insert("reports", [dict(implicit)]) == 1
        with pytest.raises(StoreError):
            store.insert("reports", big[2000:2500])
    for store in (pg, lite):
        assert next(store.select("reports", {"report_id": "r5"}))["place"] == "again"
        assert next(store.select("reports", {"report_id": "r9001"}))["rid"] == 50_001

    def dump(store: Store) -> list[dict[str, Any]]:
        return list(store.select("reports", order_by=["report_id"]))

    pg_rows, lite_rows = dump(pg), dump(lite)
    assert pg_rows == lite_rows


@pytest.mark.postgres
def test_failed_statement_leaves_the_transaction_usable(pg: Store, lite: Store) -> None:
    source = {"source_id": "s1", "name": "S", "kind": "news", "affiliation": "neutral",
              "reliability": "C", "origin_group": "g", "ledger_seq": 1}
    for store in (pg, lite):
        with store.transaction():
            store.insert("sources", [source])
            with pytest.raises(StoreError):
                store.insert("sources", [source])
            store.insert("sources", [source | {"source_id": "s2"}])
        assert store.count("sources") == 2


@pytest.mark.postgres
def test_open_without_create_needs_a_schema(postgres_url: str) -> None:
    with pytest.raises(WorkspaceError):
        open_store(postgres_url)
    open_store(postgres_url, create=True).close()
    again = open_store(postgres_url)
    assert again.schema_version() == latest_version("sqlite")
    again.close()


@pytest.mark.postgres
def test_init_and_verify_a_workspace_on_postgres(cli: Any, tmp_path: Path,
                                                 postgres_url: str) -> None:
    ws = tmp_path / "server-ws"
    result = cli("init", ws, "--database", postgres_url)
    assert result.exit_code == 0, result.stderr
    assert postgres_url in (ws / "ceasefire.toml").read_text()
    store = open_store(postgres_url)
    ledger.record(store, actor="monitor", action="add-source", rows=_evidence(random.Random(9)))
    store.close()
    result = cli("verify", "-w", ws, "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    # entry 1 is the signing key `init` made (its signing_keys row), entry 2 the sources
    assert (summary["ok"], summary["entries"], summary["rows_checked"]) == (True, 2, 303)
    assert summary["log_id"] and summary["checkpoints"] == 1


_PG_TYPE = {"INTEGER": "bigint", "REAL": "double precision", "TEXT": "text", "BLOB": "bytea"}


@pytest.mark.postgres
def test_every_table_matches_its_sqlite_twin(pg: Store, lite: Store, postgres_url: str) -> None:
    """Same tables, columns (order, type, NOT NULL, default), primary and unique keys."""
    import sqlite3

    assert isinstance(lite.path, Path)  # type: ignore[attr-defined]
    with sqlite3.connect(lite.path) as conn:  # type: ignore[attr-defined]
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        expected = {}
        for table in tables:
            cols = [(name, _PG_TYPE[kind.upper()], bool(notnull or pk), default is not None)
                    for _, name, kind, notnull, default, pk in
                    conn.execute(f"PRAGMA table_info({table})")]
            keys = {tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index[1]})"))
                    for index in conn.execute(f"PRAGMA index_list({table})") if index[2]}
            pk = tuple(r[1] for r in sorted(
                (r for r in conn.execute(f"PRAGMA table_info({table})") if r[5]),
                key=lambda r: r[5]))
            expected[table] = (cols, keys | {pk})
    with _raw(postgres_url) as conn:
        got = {}
        for table in tables:
            cols = [(name, kind, notnull, has_default) for name, kind, notnull, has_default
                    in conn.execute(
                "SELECT attname, format_type(atttypid, NULL), attnotnull, atthasdef FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", (table,))]
            keys = {tuple(k) for (k,) in conn.execute(
                "SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)"
                " FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND i.indisunique",
                (table,))}
            got[table] = (cols, keys)
    assert got == expected


@pytest.mark.slow
@pytest.mark.postgres
def test_real_viina_month_gives_identical_results_on_both_backends(
        cli: Any, tmp_path: Path, postgres_url: str) -> None:
    """Ingest, fuse, export and verify April 2025 of VIINA on SQLite and on PostgreSQL."""
    from tests.conftest import require_shared_data

    month = require_shared_data("viina_incidents", "viina_incidents_202504.csv")
    outputs = {}
    for name, database in (("lite", None), ("pg", postgres_url)):
        ws = tmp_path / name
        # no key: each backend's would be a different random one, and the ledgers are compared
        init = ["init", "--no-key", ws] + (["--database", database] if database else [])
        assert cli(*init).exit_code == 0
        ingest = cli("ingest", "-q", "-w", ws, "--format", "viina", month, "--json")
        assert ingest.exit_code == 0, ingest.stderr
        fuse = cli("fuse", "-w", ws, "--json")
        assert fuse.exit_code == 0, fuse.stderr
        verify = cli("verify", "-w", ws, "--json")
        assert verify.exit_code == 0 and json.loads(verify.stdout)["ok"], verify.stdout
        for what in ("reports", "incidents"):
            assert cli("export", what, "-w", ws, "-o", tmp_path / f"{name}-{what}.csv"
                       ).exit_code == 0
        outputs[name] = {
            "ingest": {k: v for k, v in json.loads(ingest.stdout).items() if k != "file"},
            "incidents": json.loads(fuse.stdout)["incidents"],
            "reports.csv": (tmp_path / f"{name}-reports.csv").read_bytes(),
            "incidents.csv": (tmp_path / f"{name}-incidents.csv").read_bytes(),
            "ledger": [(e["seq"], e["payload_hash"], json.loads(e["note"]).get("derived"))
                       for e in open_store_rows(database or str(ws / "ceasefire.db"))],
        }
    assert outputs["pg"]["incidents"] > 1000 and len(outputs["pg"]["ledger"]) == 2
    assert outputs["pg"]["ledger"][1][2] and len(outputs["pg"]["incidents.csv"]) > 100_000
    assert outputs["pg"] == outputs["lite"]


def open_store_rows(database: str) -> list[dict[str, Any]]:
    store = open_store(database)
    try:
        return list(store.select("ledger", order_by=["seq"]))
    finally:
        store.close()
