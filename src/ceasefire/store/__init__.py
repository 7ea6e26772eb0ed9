"""Persistence behind one small interface (see :mod:`ceasefire.store.base`)."""

from ceasefire.store.base import OnConflict, Row, Store
from ceasefire.store.conditions import Between, Eq, Ge, In, Le, Like, Ne, Where
from ceasefire.store.factory import open_store

__all__ = [
    "Between", "Eq", "Ge", "In", "Le", "Like", "Ne", "OnConflict", "Row", "Store", "Where",
    "open_store",
]
