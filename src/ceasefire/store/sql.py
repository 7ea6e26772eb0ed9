"""Compile the condition tree into SQL text: the SQL evaluator shared by SQL backends.

Backends differ only in the parameter placeholder (``?`` for SQLite, ``%s`` for psycopg).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from ceasefire.errors import StoreError
from ceasefire.store.conditions import (
    Between,
    Condition,
    Eq,
    Ge,
    In,
    Le,
    Like,
    Ne,
    Where,
    as_condition,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """Check a table/column name; names are never taken from untrusted input unchecked."""
    if not _IDENT.match(name):
        raise StoreError(f"invalid identifier {name!r}")
    return name


def row_values(columns: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function from a row mapping to its values in ``columns`` order (a C-level
    itemgetter: bulk inserts spend a third of their Python time building these tuples)."""
    if len(columns) == 1:
        (only,) = columns
        return lambda row: (row[only],)
    return itemgetter(*columns)


def compile_where(where: Where | None, placeholder: str) -> tuple[str, list[Any]]:
    """Return ``(" WHERE ...", params)`` or ``("", [])``."""
    if not where:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    for column, raw in where.items():
        col = ident(column)
        sql, values = _compile_one(col, as_condition(raw), placeholder)
        parts.append(sql)
        params.extend(values)
    return " WHERE " + " AND ".join(parts), params


def _compile_one(col: str, cond: Condition, ph: str) -> tuple[str, list[Any]]:
    if isinstance(cond, Eq):
        return (f"{col} IS NULL", []) if cond.value is None else (f"{col} = {ph}", [cond.value])
    if isinstance(cond, Ne):
        if cond.value is None:
            return f"{col} IS NOT NULL", []
        return f"({col} IS NULL OR {col} <> {ph})", [cond.value]
    if isinstance(cond, In):
        values = list(cond.values)
        if not values:
            return "1 = 0", []
        return f"{col} IN ({', '.join([ph] * len(values))})", values
    if isinstance(cond, Between):
        parts, params = [], []
        if cond.low is not None:
            parts.append(f"{col} >= {ph}")
            params.append(cond.low)
        if cond.high is not None:
            parts.append(f"{col} <= {ph}")
            params.append(cond.high)
        return ("(" + " AND ".join(parts) + ")", params) if parts else (f"{col} IS NOT NULL", [])
    if isinstance(cond, Ge):
        return f"{col} >= {ph}", [cond.value]
    if isinstance(cond, Le):
        return f"{col} <= {ph}", [cond.value]
    if isinstance(cond, Like):
        escaped = cond.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"LOWER({col}) LIKE {ph} ESCAPE '\\'", [f"%{escaped}%"]
    raise StoreError(f"unsupported condition {cond!r}")


def compile_order(order_by: Sequence[str] | None) -> str:
    if not order_by:
        return ""
    items = []
    for item in order_by:
        if item.startswith("-"):
            items.append(f"{ident(item[1:])} DESC")
        else:
            items.append(f"{ident(item)} ASC")
    return " ORDER BY " + ", ".join(items)


def compile_page(limit: int | None, offset: int | None, *, unlimited: str = "ALL") -> str:
    """LIMIT/OFFSET; ``unlimited`` is the dialect's "no limit" (SQLite: -1, PostgreSQL: ALL)."""
    sql = ""
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    elif offset:
        sql += f" LIMIT {unlimited}"
    if offset:
        sql += f" OFFSET {int(offset)}"
    return sql
