"""Numbered SQL migrations per backend: ``<backend>/NNNN_name.sql``, applied in order.

Number ranges are reserved per area so that parallel work never collides:
0001-0009 foundation, 0010-0019 ingest, 0020-0029 fusion, 0030-0039 territory,
0040-0049 assessment and claims, 0050-0059 web and access, 0060-0069 ledger checkpoints,
0070-0079 report screening (event probability).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations_for(backend: str) -> list[Migration]:
    """All migrations of a backend, ordered by version."""
    folder = resources.files("ceasefire.store") / "migrations" / backend
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


def latest_version(backend: str) -> int:
    migs = migrations_for(backend)
    return migs[-1].version if migs else 0
