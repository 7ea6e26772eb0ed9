"""The source registry: who reports, how reliable, and which sources are not independent.

Sources are evidence: they are written through the ledger and never changed in place. Adding
a ``sources.csv`` again is harmless (identical rows are counted as unchanged); a row that
contradicts a stored source is an error, because silently re-grading a source would change
the weight of every report it already made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import Source, source_from_row
from ceasefire.errors import InputError, Problem
from ceasefire.formats.canonical import read_sources
from ceasefire.record import ledger
from ceasefire.store.base import Store
from ceasefire.workspace import Workspace


@dataclass(frozen=True)
class SourcesResult:
    """What ``sources add`` did: how many sources were new and how many already stored."""

    file: str
    added: int
    unchanged: int
    ledger_seq: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "added": self.added, "unchanged": self.unchanged,
                "ledger_seq": self.ledger_seq}


def source_row(source: Source) -> dict[str, Any]:
    """The ``sources`` table row of a source (without ``ledger_seq``)."""
    return {"source_id": source.source_id, "name": source.name, "kind": str(source.kind),
            "affiliation": source.affiliation, "reliability": source.reliability,
            "origin_group": source.origin_group}


def stored_sources(store: Store) -> dict[str, Source]:
    return {row["source_id"]: source_from_row(row)
            for row in store.select("sources", order_by=["source_id"])}


def new_sources(store: Store, sources: Iterable[Source], *, file: str | None = None,
                ) -> tuple[list[Source], int]:
    """Split ``sources`` into those to add and the count already stored identically.

    Raises :class:`InputError` for a source id stored with different attributes.
    """
    stored = stored_sources(store)
    fresh: list[Source] = []
    unchanged = 0
    problems: list[Problem] = []
    for source in sources:
        old = stored.get(source.source_id)
        if old is None:
            fresh.append(source)
        elif old == source:
            unchanged += 1
        else:
            problems.append(Problem(file, f"source {source.source_id!r} is already stored with "
                                          f"different attributes ({_describe(old)}); sources "
                                          "are evidence and are not edited in place",
                                    field="source_id"))
    if problems:
        raise InputError(problems=problems)
    return fresh, unchanged


def add_sources_file(ws: Workspace, path: Path) -> SourcesResult:
    """``ceasefire sources add FILE``: read, check, and record new sources in one entry."""
    sources = read_sources(path)
    fresh, unchanged = new_sources(ws.store, sources, file=str(path))
    seq = None
    if fresh:
        entry = ledger.record(ws.store, actor=ws.actor, action="sources.add",
                              rows={"sources": [source_row(s) for s in fresh]},
                              note={"file": str(path), "added": len(fresh)})
        seq = entry.seq
    return SourcesResult(str(path), len(fresh), unchanged, seq)


def list_sources(store: Store) -> list[dict[str, Any]]:
    """Stored sources with their number of reports (for ``sources list``)."""
    rows = []
    for source in stored_sources(store).values():
        row = source_row(source)
        row["reports"] = store.count("reports", {"source_id": source.source_id})
        rows.append(row)
    return rows


def _describe(source: Source) -> str:
    return (f"kind {source.kind}, affiliation {source.affiliation}, reliability "
            f"{source.reliability}, origin group {source.origin_group}")
