"""The condition syntax tree used by :meth:`Store.select` and friends.

One small tree, evaluated per backend (SQL text for SQLite and PostgreSQL, Python for
tests), in the spirit of pygeofilter. A ``where`` mapping pairs column names with either a
plain value (equality; ``None`` means IS NULL) or one of these nodes::

    store.select("reports", where={"category": In(["shelling", "mlrs"]),
                                   "lat": Between(47.0, 48.5)})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Condition:
    """Base class of condition nodes."""

    def matches(self, value: Any) -> bool:  # the reference evaluator
        raise NotImplementedError


@dataclass(frozen=True)
class Eq(Condition):
    value: Any

    def matches(self, value: Any) -> bool:
        return value is None if self.value is None else value == self.value


@dataclass(frozen=True)
class Ne(Condition):
    value: Any

    def matches(self, value: Any) -> bool:
        return value is not None if self.value is None else value != self.value


@dataclass(frozen=True)
class In(Condition):
    values: Sequence[Any]

    def matches(self, value: Any) -> bool:
        return value in set(self.values)


@dataclass(frozen=True)
class Between(Condition):
    """Inclusive range; either bound may be ``None`` (open)."""

    low: Any = None
    high: Any = None

    def matches(self, value: Any) -> bool:
        if value is None:
            return False
        if self.low is not None and value < self.low:
            return False
        return not (self.high is not None and value > self.high)


@dataclass(frozen=True)
class Ge(Condition):
    value: Any

    def matches(self, value: Any) -> bool:
        return value is not None and value >= self.value


@dataclass(frozen=True)
class Le(Condition):
    value: Any

    def matches(self, value: Any) -> bool:
        return value is not None and value <= self.value


@dataclass(frozen=True)
class Like(Condition):
    """Case-insensitive substring match."""

    text: str

    def matches(self, value: Any) -> bool:
        return value is not None and self.text.lower() in str(value).lower()


Where = Mapping[str, Any]


def as_condition(value: Any) -> Condition:
    return value if isinstance(value, Condition) else Eq(value)


def matches(row: Mapping[str, Any], where: Where | None) -> bool:
    """Evaluate ``where`` against one row (the reference semantics every backend follows)."""
    if not where:
        return True
    return all(as_condition(cond).matches(row.get(col)) for col, cond in where.items())
