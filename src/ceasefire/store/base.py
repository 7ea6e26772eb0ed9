"""The Store interface: the one small door between ceasefire and its database.

Every backend (``sqlite``: the embedded default; ``postgres``: the server) implements
these few table-oriented methods and passes the shared contract suite in
``tests/store/test_contract.py``. Services never write SQL; they speak in tables, rows
(plain dicts) and the condition tree of :mod:`ceasefire.store.conditions`.

The tables and their columns are defined by the migrations in
``store/migrations/<backend>/``; ``docs/schema.md`` describes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol, runtime_checkable

from ceasefire.store.conditions import Where

Row = dict[str, Any]
OnConflict = Literal["error", "ignore", "replace"]


@runtime_checkable
class Store(Protocol):
    """A transactional table store.

    Writes outside :meth:`transaction` commit one call at a time; inside it, they commit
    together or not at all (the block may nest; only the outermost commits).
    """

    backend: str

    def schema_version(self) -> int:
        """The migration number the database is at."""

    def transaction(self) -> AbstractContextManager[None]:
        """A write transaction: all or nothing."""

    def insert(
        self, table: str, rows: Iterable[Mapping[str, Any]], *, on_conflict: OnConflict = "error"
    ) -> int:
        """Insert rows (all with the same keys); return how many were actually added.

        ``on_conflict="ignore"`` skips rows whose primary/unique key exists;
        ``"replace"`` overwrites them; ``"error"`` raises :class:`StoreError`.
        """

    def update(self, table: str, where: Where, values: Mapping[str, Any]) -> int:
        """Set ``values`` on the rows matching ``where``; return the number changed."""

    def delete(self, table: str, where: Where) -> int:
        """Delete the rows matching ``where`` (never all rows by accident: ``where`` is required)."""

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
        """Stream matching rows as dicts. ``order_by`` items may start with ``-`` (descending)."""

    def count(self, table: str, where: Where | None = None) -> int:
        """Count matching rows."""

    def close(self) -> None:
        """Release the connection."""

