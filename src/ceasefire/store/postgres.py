"""The server store: PostgreSQL with PostGIS, behind the same small Store interface.

It passes the one contract suite that SQLite passes, and it returns the same Python values
for the same rows (``float`` for double precision, ``bytes`` for bytea, ``int`` for bigint),
because ledger digests are computed from what the store gives back and must be identical on
both backends.

Semantics kept from :mod:`ceasefire.store.sqlite`:

* **Transactions** nest by joining the outermost block; only the outermost commits or rolls
  back. Every write transaction first takes one advisory lock, the counterpart of SQLite's
  ``BEGIN IMMEDIATE``: writers from several connections queue instead of racing for the
  next ledger ``seq``.
* **Statement atomicity** inside a transaction: a write that fails (e.g. a duplicate key)
  is rolled back to a savepoint, so the enclosing transaction stays usable, as in SQLite.
* **Conflicts**: ``ignore`` is ``ON CONFLICT DO NOTHING``; ``replace`` deletes the rows that
  clash on any primary or unique key, then inserts (SQLite's ``INSERT OR REPLACE``).
* **Row ids**: ``INTEGER PRIMARY KEY`` columns are identity columns; after rows arrive with
  explicit ids the sequence moves past them, as SQLite's next rowid is ``max + 1``.

PostGIS columns (``geom``) are generated from the interface columns and indexed with GIST;
they are never returned. A ``where`` that bounds both ``lat`` and ``lon`` on such a table is
also matched against the index (``geom && envelope``), so bounding-box queries through the
plain interface use the spatial index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.adapt import Dumper
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ceasefire.errors import MigrationError, StoreError, WorkspaceError
from ceasefire.store.base import OnConflict, Row
from ceasefire.store.conditions import Between, Where, as_condition
from ceasefire.store.migrations import latest_version, migrations_for
from ceasefire.store.sql import compile_order, compile_page, compile_where, ident, row_values

# pg_advisory_xact_lock key of the one write lock ("cfire" in ASCII).
_WRITE_LOCK = 0x6366697265
# Batches at least this large go through COPY instead of pipelined INSERTs.
COPY_THRESHOLD = 2000
_FETCH = 10_000


class _BoolAsInt(Dumper):
    """Store Python booleans as 0/1 in bigint columns, as SQLite does."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://<unparsable url>"
    user = f"{params['user']}@" if params.get("user") else ""
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}{params.get('host', '')}{port}/{params.get('dbname', '')}"


class PostgresStore:
    """:class:`~ceasefire.store.base.Store` on a PostgreSQL database with PostGIS."""

    backend = "postgres"

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = redact(url)
        self._conn = _connect(url, create=create, label=self.url)
        self._conn.adapters.register_dumper(bool, _BoolAsInt)
        self._lock = threading.RLock()
        self._depth = 0
        self._columns: dict[str, list[str]] = {}
        self._keys: dict[str, list[tuple[str, ...]]] = {}
        self._identity: dict[str, list[str]] = {}
        self._migrate(create)

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self._lock:
            if self._scalar("SELECT to_regclass('schema_migrations') IS NOT NULL") is not True:
                return 0
            return int(self._scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    def _migrate(self, create: bool) -> None:
        target = latest_version(self.backend)
        current = self.schema_version()
        if current == 0 and not create:
            raise WorkspaceError(f"{self.url} holds no ceasefire schema (run `ceasefire init "
                                 "--database URL` to create one)")
        if current > target:
            raise MigrationError(f"{self.url}: schema version {current} is newer than this "
                                 f"ceasefire ({target})")
        if current == target:
            return
        with self.transaction():  # the write lock: concurrent openers migrate one at a time
            current = self.schema_version()
            for mig in migrations_for(self.backend):
                if mig.version <= current:
                    continue
                try:
                    with self._savepoint():
                        # one script per execute: PostgreSQL takes several statements at once
                        self._conn.execute(mig.sql.encode("utf-8"))
                        self._conn.execute(
                            "INSERT INTO schema_migrations (version, name, applied_at) "
                            "VALUES (%s, %s, %s)",
                            (mig.version, mig.name, datetime.now(UTC).isoformat()))
                except psycopg.Error as exc:
                    raise MigrationError(f"migration {mig.version:04d}_{mig.name} on {self.url}: "
                                         f"{_message(exc)}") from exc
        self._columns.clear()
        self._keys.clear()
        self._identity.clear()

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._execute("BEGIN")
                try:
                    self._execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
                except BaseException:
                    self._rollback()
                    raise
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._rollback()
                raise
            self._depth -= 1
            if outermost:
                try:
                    self._execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise

    def _rollback(self) -> None:
        if self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self._conn.execute("ROLLBACK")

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """One statement's atomicity inside an enclosing transaction (SQLite's behaviour)."""
        self._conn.execute("SAVEPOINT ceasefire_stmt")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK TO SAVEPOINT ceasefire_stmt")
            self._conn.execute("RELEASE SAVEPOINT ceasefire_stmt")
            raise
        self._conn.execute("RELEASE SAVEPOINT ceasefire_stmt")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A write statement: its own transaction, or a savepoint in the caller's."""
        with self._lock:
            if self._depth:
                with self.transaction(), self._translated(), self._savepoint():
                    yield
            else:
                with self.transaction(), self._translated():
                    yield

    # -- rows -----------------------------------------------------------------------------
    def insert(
        self, table: str, rows: Iterable[Mapping[str, Any]], *, on_conflict: OnConflict = "error"
    ) -> int:
        table = ident(table)
        batch = rows if isinstance(rows, list) else list(rows)
        if not batch:
            return 0
        if on_conflict not in ("error", "ignore", "replace"):
            raise StoreError(f"unknown on_conflict {on_conflict!r}")
        columns = [ident(c) for c in batch[0]]
        try:
            values = list(map(row_values(columns), batch))
        except KeyError as exc:
            raise StoreError(f"insert into {table}: every row needs the same keys ({exc})") from exc
        with self._write():
            self._sync_identity(table, columns)
            if on_conflict == "error":
                added = self._insert_plain(table, columns, values)
            elif (on_conflict == "ignore" and len(values) < COPY_THRESHOLD
                  and all(c in columns for c in self._identity_columns(table))):
                added = self._insert_or_skip(table, columns, values)
            else:
                added = self._insert_staged(table, columns, values, on_conflict)
        # SQLite counts every row of INSERT OR REPLACE as a change, replaced or not
        return len(batch) if on_conflict == "replace" else added

    def _insert_plain(self, table: str, columns: list[str], values: list[tuple[Any, ...]]) -> int:
        target = _target(table, columns)
        if len(values) >= COPY_THRESHOLD:
            self._copy(target, values)
        else:
            placeholders = pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns))
            self._conn.cursor().executemany(
                pgsql.SQL("INSERT INTO {} VALUES ({})").format(target, placeholders), values)
        return len(values)

    def _insert_or_skip(self, table: str, columns: list[str],
                        values: list[tuple[Any, ...]]) -> int:
        """``ignore`` for a few rows that draw no identity value: one pipelined INSERT … ON
        CONFLICT DO NOTHING per row, as SQLite's INSERT OR IGNORE (the first of clashing
        rows wins). The staging below costs six statements, and its temporary table makes
        psycopg drop every prepared statement (DEALLOCATE ALL) after each use."""
        placeholders = pgsql.SQL(", ").join(pgsql.Placeholder() * len(columns))
        cur = self._conn.cursor()
        cur.executemany(pgsql.SQL("INSERT INTO {} VALUES ({}) ON CONFLICT DO NOTHING").format(
            _target(table, columns), placeholders), values)
        return max(cur.rowcount, 0)

    def _insert_staged(self, table: str, columns: list[str], values: list[tuple[Any, ...]],
                       on_conflict: OnConflict) -> int:
        """``ignore``/``replace``: stage the rows, settle the clashes, insert in order.

        Clashes are settled before the INSERT (not with ON CONFLICT) so that no identity
        value is spent on a skipped row: row ids stay dense and equal to SQLite's.
        """
        keys = [k for k in self._unique_keys(table) if set(k) <= set(columns)]
        kept = _settle_batch(values, [[columns.index(c) for c in k] for k in keys],
                             keep_last=on_conflict == "replace")
        implicit = [c for c in self._identity_columns(table) if c not in columns]
        if on_conflict == "replace" and implicit:
            # SQLite gives every row of the batch the next rowid, also rows that a later
            # row of the same batch replaces: number them the same way
            bases = [int(self._scalar(pgsql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
                pgsql.Identifier(c), pgsql.Identifier(table)))) for c in implicit]
            columns = [*columns, *implicit]
            values = [(*values[i], *(base + i for base in bases)) for i in kept]
        else:
            values = [values[i] for i in kept]
        cols = pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
        self._conn.execute(pgsql.SQL(
            "CREATE TEMP TABLE ceasefire_stage ON COMMIT DROP AS "
            "SELECT {}, 0::bigint AS ceasefire_ord FROM {} WITH NO DATA"
        ).format(cols, pgsql.Identifier(table)))
        self._copy(pgsql.SQL("ceasefire_stage ({}, ceasefire_ord)").format(cols),
                   [(*row, i) for i, row in enumerate(values)])
        for key in keys:
            match = pgsql.SQL(" AND ").join(
                pgsql.SQL("t.{0} = s.{0}").format(pgsql.Identifier(c)) for c in key)
            if on_conflict == "replace":
                sql = "DELETE FROM {} AS t USING ceasefire_stage AS s WHERE {}"
            else:
                sql = "DELETE FROM ceasefire_stage AS s USING {} AS t WHERE {}"
            self._conn.execute(pgsql.SQL(sql).format(pgsql.Identifier(table), match))
        cur = self._conn.execute(pgsql.SQL(
            "INSERT INTO {} SELECT {} FROM ceasefire_stage ORDER BY ceasefire_ord"
        ).format(_target(table, columns), cols))
        # on failure the rollback (to the savepoint) takes the stage table with it
        self._conn.execute("DROP TABLE ceasefire_stage")
        return max(cur.rowcount, 0)

    def _copy(self, target: pgsql.Composable, values: list[tuple[Any, ...]]) -> None:
        with self._conn.cursor().copy(pgsql.SQL("COPY {} FROM STDIN").format(target)) as copy:
            for row in values:
                copy.write_row(row)

    def _sync_identity(self, table: str, columns: list[str]) -> None:
        """Point each identity sequence the insert will draw from at ``max + 1``.

        That is SQLite's rule for the next rowid, so ids match across backends even after
        deletions, rolled-back transactions or rows given explicit ids. The write lock makes
        the read-then-set safe.
        """
        for column in self._identity_columns(table):
            if column not in columns:
                self._conn.execute(pgsql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({}), 0) + 1, "
                    "false) FROM {}").format(pgsql.Identifier(column), pgsql.Identifier(table)),
                    (table, column))

    def update(self, table: str, where: Where, values: Mapping[str, Any]) -> int:
        if not values:
            return 0
        sets = ", ".join(f"{ident(c)} = %s" for c in values)
        clause, params = compile_where(where, "%s")
        with self._write():
            cur = self._conn.execute(f"UPDATE {ident(table)} SET {sets}{clause}",
                                     [*values.values(), *params])
            return cur.rowcount

    def delete(self, table: str, where: Where) -> int:
        clause, params = compile_where(where, "%s")
        if not clause:
            raise StoreError("delete needs a where clause; use an explicit condition to clear a table")
        with self._write():
            return self._conn.execute(f"DELETE FROM {ident(table)}{clause}", params).rowcount

    def select(
        self,
        table: str,
        where: Where | None = None,
        *,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Iterator[Row]:
        with self._lock:
            sql, params = self._select_sql(table, where, columns, order_by, limit, offset)
            cur = self._execute(sql, params)
            names = [d.name for d in cur.description or ()]
        while True:
            # the whole result is already client-side: other statements may run between chunks
            with self._lock:
                chunk = cur.fetchmany(_FETCH)
            if not chunk:
                break
            for values in chunk:
                yield dict(zip(names, values, strict=True))

    def count(self, table: str, where: Where | None = None) -> int:
        with self._lock:
            clause, params = self._where(ident(table), where)
            return int(self._scalar(f"SELECT COUNT(*) FROM {table}{clause}", params))

    def explain(self, table: str, where: Where | None = None) -> str:
        """The query plan of a :meth:`select` (to check which index a query uses)."""
        with self._lock:
            sql, params = self._select_sql(table, where, None, None, None, None)
            rows = self._execute("EXPLAIN " + sql, params).fetchall()
        return "\n".join(r[0] for r in rows)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- SQL building ---------------------------------------------------------------------
    def _select_sql(self, table: str, where: Where | None, columns: Sequence[str] | None,
                    order_by: Sequence[str] | None, limit: int | None,
                    offset: int | None) -> tuple[str, list[Any]]:
        table = ident(table)
        cols = ", ".join(ident(c) for c in (columns or self._interface_columns(table)))
        clause, params = self._where(table, where)
        sql = f"SELECT {cols} FROM {table}{clause}{compile_order(order_by)}"
        return sql + compile_page(limit, offset, unlimited="ALL"), params

    def _where(self, table: str, where: Where | None) -> tuple[str, list[Any]]:
        """The portable WHERE, plus ``geom && envelope`` when lat and lon are both bounded."""
        clause, params = compile_where(where, "%s")
        if not where or "geom" not in self._all_columns(table):
            return clause, params
        lat, lon = as_condition(where.get("lat")), as_condition(where.get("lon"))
        if (isinstance(lat, Between) and isinstance(lon, Between)
                and None not in (lat.low, lat.high, lon.low, lon.high)):
            clause += " AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
            params += [float(lon.low), float(lat.low), float(lon.high), float(lat.high)]
        return clause, params

    # -- catalog --------------------------------------------------------------------------
    def _all_columns(self, table: str) -> list[str]:
        self._catalog(table)
        return self._columns[table + "*"]

    def _interface_columns(self, table: str) -> list[str]:
        """The columns SQLite has too: everything but the generated PostGIS columns."""
        self._catalog(table)
        return self._columns[table]

    def _unique_keys(self, table: str) -> list[tuple[str, ...]]:
        self._catalog(table)
        return self._keys[table]

    def _identity_columns(self, table: str) -> list[str]:
        self._catalog(table)
        return self._identity[table]

    def _catalog(self, table: str) -> None:
        if table in self._columns:
            return
        rows = self._execute(
            "SELECT attname, attgenerated <> '', attidentity <> '' FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum", (table,)).fetchall()
        if not rows:
            raise StoreError(f"{self.url}: no such table: {table}")
        keys = self._execute(
            "SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(num, pos) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
            "ORDER BY k.pos) FROM pg_index i WHERE i.indrelid = to_regclass(%s) "
            "AND i.indisunique AND i.indpred IS NULL ORDER BY i.indisprimary DESC, i.indexrelid",
            (table,)).fetchall()
        self._columns[table + "*"] = [r[0] for r in rows]
        self._identity[table] = [r[0] for r in rows if r[2]]
        self._keys[table] = [tuple(k[0]) for k in keys]
        self._columns[table] = [r[0] for r in rows if not r[1]]

    # -- internals ------------------------------------------------------------------------
    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except psycopg.errors.IntegrityError as exc:
            raise StoreError(f"{self.url}: constraint failed: {_message(exc)}") from exc
        except psycopg.Error as exc:
            raise StoreError(f"{self.url}: {_message(exc)}") from exc

    def _execute(self, sql: Any, params: Any = None) -> psycopg.Cursor[Any]:
        with self._translated():
            return self._conn.execute(sql, params)

    def _scalar(self, sql: str | pgsql.Composable, params: Any = None) -> Any:
        row = self._execute(sql, params).fetchone()
        return row[0] if row else None


def _target(table: str, columns: list[str]) -> pgsql.Composed:
    return pgsql.SQL("{} ({})").format(
        pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns)))


def _settle_batch(values: list[tuple[Any, ...]], keys: list[list[int]], *,
                  keep_last: bool) -> list[int]:
    """The indices of the rows left once rows clashing within the batch on any key (given
    as column positions) are settled.

    ``keep_last`` is INSERT OR REPLACE (the later row wins), otherwise INSERT OR IGNORE
    (the first row wins). NULL never clashes, as in SQL.
    """
    dropped: set[int] = set()
    for positions in keys:
        seen: dict[tuple[Any, ...], int] = {}
        for i, row in enumerate(values):
            if i in dropped:
                continue
            key = tuple(row[p] for p in positions)
            if None in key:
                continue
            if key not in seen:
                seen[key] = i
            elif keep_last:
                dropped.add(seen[key])
                seen[key] = i
            else:
                dropped.add(i)
    return [i for i in range(len(values)) if i not in dropped]


def _message(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc).strip().splitlines()[0]
    return f"{text} ({diag.message_detail})" if diag.message_detail else text


def _connect(url: str, *, create: bool, label: str) -> psycopg.Connection[Any]:
    """Connect; with ``create``, make the database first if the server lacks it."""
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        missing = "does not exist" in str(exc) and "database" in str(exc)
        if not (create and missing):
            raise StoreError(f"{label}: cannot connect: {str(exc).strip()}") from exc
    params = conninfo_to_dict(url)
    dbname = params.get("dbname") or params.get("user") or ""
    try:
        with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
            admin.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(str(dbname))))
        return psycopg.connect(url, autocommit=True)
    except psycopg.Error as exc:
        raise StoreError(f"{label}: the database does not exist and cannot be created "
                         f"({str(exc).strip()}); create it with createdb and enable PostGIS "
                         "(see docs/deployment.md)") from exc
