"""The embedded default store: one SQLite file in WAL mode.

WAL gives several readers and one writer across processes; ``BEGIN IMMEDIATE`` takes the
write lock up front so that two writers queue (``busy_timeout``) rather than fail midway.
``synchronous=FULL`` because a committed report is evidence: it must survive a crash.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ceasefire.errors import MigrationError, StoreError, WorkspaceError
from ceasefire.store.base import OnConflict, Row
from ceasefire.store.conditions import Where
from ceasefire.store.migrations import latest_version, migrations_for
from ceasefire.store.sql import compile_order, compile_page, compile_where, ident, row_values

_CONFLICT_VERB = {"error": "INSERT", "ignore": "INSERT OR IGNORE", "replace": "INSERT OR REPLACE"}


class SQLiteStore:
    """:class:`~ceasefire.store.base.Store` on a SQLite file."""

    backend = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise WorkspaceError(f"database {self.path} does not exist (run `ceasefire init`)")
        try:
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self._lock = threading.RLock()
        self._depth = 0
        self._migrate()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version()
        target = latest_version(self.backend)
        if current > target:
            raise MigrationError(
                f"{self.path}: schema version {current} is newer than this ceasefire ({target})"
            )
        pending = [m for m in migrations_for(self.backend) if m.version > current]
        for mig in pending:
            try:
                with self.transaction():
                    # executescript would commit on its own; run statements one by one instead
                    for statement in _split_sql(mig.sql):
                        self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (mig.version, mig.name, datetime.now(UTC).isoformat()),
                    )
                    self._conn.execute(f"PRAGMA user_version = {mig.version}")
            except sqlite3.DatabaseError as exc:
                raise MigrationError(f"migration {mig.version:04d}_{mig.name}: {exc}") from exc

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._execute("COMMIT")

    # -- rows -----------------------------------------------------------------------------
    def insert(
        self, table: str, rows: Iterable[Mapping[str, Any]], *, on_conflict: OnConflict = "error"
    ) -> int:
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        columns = [ident(c) for c in first]
        sql = (
            f"{_CONFLICT_VERB[on_conflict]} INTO {ident(table)} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )

        row_tuple = row_values(columns)

        def values() -> Iterator[tuple[Any, ...]]:
            yield row_tuple(first)
            yield from map(row_tuple, iterator)

        with self.transaction():
            before = self._conn.total_changes
            self._execute(sql, values(), many=True)
            return self._conn.total_changes - before

    def update(self, table: str, where: Where, values: Mapping[str, Any]) -> int:
        if not values:
            return 0
        sets = ", ".join(f"{ident(c)} = ?" for c in values)
        clause, params = compile_where(where, "?")
        with self._lock:
            cur = self._execute(f"UPDATE {ident(table)} SET {sets}{clause}", [*values.values(), *params])
            return cur.rowcount

    def delete(self, table: str, where: Where) -> int:
        clause, params = compile_where(where, "?")
        if not clause:
            raise StoreError("delete needs a where clause; use an explicit condition to clear a table")
        with self._lock:
            return self._execute(f"DELETE FROM {ident(table)}{clause}", params).rowcount

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
        cols = ", ".join(ident(c) for c in columns) if columns else "*"
        clause, params = compile_where(where, "?")
        sql = f"SELECT {cols} FROM {ident(table)}{clause}{compile_order(order_by)}"
        sql += compile_page(limit, offset, unlimited="-1")
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path.name}: {exc}") from exc
            names = [d[0] for d in cur.description]
        while True:
            # each chunk is fetched under the lock: threads share this connection
            with self._lock:
                chunk = cur.fetchmany(10_000)
            if not chunk:
                break
            for values in chunk:
                yield dict(zip(names, values, strict=True))

    def count(self, table: str, where: Where | None = None) -> int:
        clause, params = compile_where(where, "?")
        with self._lock:
            return int(self._execute(f"SELECT COUNT(*) FROM {ident(table)}{clause}", params).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- internals ------------------------------------------------------------------------
    def _execute(self, sql: str, params: Any = (), *, many: bool = False) -> sqlite3.Cursor:
        try:
            if many:
                return self._conn.executemany(sql, params)
            return self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{self.path.name}: constraint failed: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path.name}: {exc}") from exc


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations keep ';' out of literals)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
