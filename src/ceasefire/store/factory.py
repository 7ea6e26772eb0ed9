"""Which backend a database string names: the one place that knows every implementation.

Kept apart from :mod:`ceasefire.store.base` so the interface imports no backend.
"""

from __future__ import annotations

from ceasefire.errors import StoreError
from ceasefire.store.base import Store


def open_store(database: str, *, create: bool = False) -> Store:
    """Open the backend a database string names (a file path, or a ``postgresql://`` URL)."""
    if database.startswith(("postgresql://", "postgres://")):
        try:
            from ceasefire.store.postgres import PostgresStore
        except ImportError as exc:  # the [postgres] extra is not installed
            raise StoreError(
                "PostgreSQL support needs the [postgres] extra: pip install 'ceasefire[postgres]'"
            ) from exc
        return PostgresStore(database, create=create)
    from ceasefire.store.sqlite import SQLiteStore

    return SQLiteStore(database, create=create)
