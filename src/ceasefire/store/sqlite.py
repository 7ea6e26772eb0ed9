"""The embedded default store: one SQLite file in WAL mode.

WAL gives several readers and one writer across processes; ``BEGIN IMMEDIATE`` takes the
write lock up front so that two writers queue (``busy_timeout``) rather than fail midway.
``synchronous=FULL`` because a committed report is evidence: it must survive a crash.

Reads outside a transaction go through a read-only connection of their own thread, never
through the writing one. A read left open on the writing connection (a caller that is
slow to consume a large ``select``) pins an old snapshot there, and the next
``BEGIN IMMEDIATE`` on it fails at once with "database is locked" once another process
has committed meanwhile (SQLite cannot upgrade a stale snapshot to a write, and
``busy_timeout`` does not retry that). Reads inside this thread's own transaction stay on
the writing connection, so a transaction sees its own writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ceasefire.errors import MigrationError, StoreError, WorkspaceError
from ceasefire.store.base import OnConflict, Row
from ceasefire.store.conditions import Where
from ceasefire.store.migrations import latest_version, migrations_for
from ceasefire.store.sql import compile_order, compile_page, compile_where, ident, row_values

_NO_LOCK = nullcontext()
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
        self._writer_thread: int | None = None  # the thread whose transaction is open
        self._local = threading.local()
        # every thread's read connection, closed when the thread is gone (server thread
        # pools retire idle threads) or the store is closed
        self._readers: list[tuple[threading.Thread, sqlite3.Connection]] = []
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
                self._writer_thread = threading.get_ident()
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._writer_thread = None
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._writer_thread = None
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
        reader = self._reader()
        lock = self._lock if reader is None else _NO_LOCK
        with lock:
            cur = (self._conn if reader is None else reader).cursor()
            try:
                cur.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path.name}: {exc}") from exc
            names = [d[0] for d in cur.description]
        try:
            while True:
                # the writing connection is shared by threads: its chunks are fetched under
                # the lock (a thread's own read connection needs none)
                with lock:
                    chunk = cur.fetchmany(10_000)
                if not chunk:
                    break
                for values in chunk:
                    yield dict(zip(names, values, strict=True))
        finally:
            with lock:
                cur.close()  # ends the statement, and with it the read snapshot

    def count(self, table: str, where: Where | None = None) -> int:
        clause, params = compile_where(where, "?")
        sql = f"SELECT COUNT(*) FROM {ident(table)}{clause}"
        reader = self._reader()
        if reader is None:
            with self._lock:
                return int(self._execute(sql, params).fetchone()[0])
        try:
            return int(reader.execute(sql, params).fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path.name}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for _, reader in self._readers:
                reader.close()
            self._readers.clear()
            self._conn.close()

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's read connection, or ``None`` inside this thread's own transaction
        (whose reads must see its uncommitted writes: they use the writing connection)."""
        if self._depth and self._writer_thread == threading.get_ident():
            return None
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None,
                                       check_same_thread=False, timeout=30.0)
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA query_only=ON")
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                for thread, old in [r for r in self._readers if not r[0].is_alive()]:
                    old.close()
                    self._readers.remove((thread, old))
                self._readers.append((threading.current_thread(), conn))
        return conn

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
