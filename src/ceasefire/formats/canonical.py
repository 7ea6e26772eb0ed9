"""The canonical exchange formats of DESIGN.md: ``reports.csv`` and ``sources.csv``.

``reports.csv`` columns are those of :data:`ceasefire.core.validation.REPORT_COLUMNS`;
``report_id``, ``source_id``, ``observed_at`` and ``category`` are required columns (a
row may still leave them empty: that row is quarantined, not the file). Unknown extra
columns are kept in the report's ``extra`` JSON. ``--source-id`` fills ``source_id`` where
the column is absent or empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ceasefire.core.evidence import NEUTRAL, RELIABILITY_GRADES, Source, SourceKind
from ceasefire.core.validation import REPORT_COLUMNS
from ceasefire.errors import InputError, Problem
from ceasefire.formats.base import Chunk, Reader, csv_chunks, prepare_csv, shown

REQUIRED_HEADER = ("report_id", "observed_at", "category")
SOURCE_COLUMNS = ("source_id", "name", "kind", "affiliation", "reliability", "origin_group")


class CanonicalReader(Reader):
    """``reports.csv`` as in DESIGN.md."""

    def __init__(self) -> None:
        super().__init__(name="canonical")

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        required = REQUIRED_HEADER if source_id else ("source_id", *REQUIRED_HEADER)
        header, encoding = prepare_csv(path, required, "canonical reports.csv")
        known = [c for c in header if c in REPORT_COLUMNS]
        others = [c for c in header if c not in REPORT_COLUMNS and c]

        def mapper(columns: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            mapped = {c: columns[c] for c in known}
            if source_id:
                mapped["source_id"] = [v or source_id for v in columns.get("source_id",
                                                                            [None] * n)]
            if others:
                mapped["extra"] = [
                    {c: columns[c][i] for c in others if columns[c][i]} or None for i in range(n)
                ]
            return mapped

        yield from csv_chunks(path, header, encoding, mapper)


class SourceRow(BaseModel):
    """One row of ``sources.csv``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_id: str
    name: str
    kind: SourceKind
    affiliation: str = NEUTRAL
    reliability: str = "F"
    origin_group: str = ""

    @field_validator("source_id", "name")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("reliability")
    @classmethod
    def _grade(cls, value: str) -> str:
        value = value.upper() or "F"
        if value not in RELIABILITY_GRADES:
            raise ValueError("Admiralty reliability is A..F")
        return value

    @field_validator("affiliation")
    @classmethod
    def _affiliation(cls, value: str) -> str:
        return value or NEUTRAL

    def to_source(self) -> Source:
        return Source(self.source_id, self.name, self.kind, self.affiliation, self.reliability,
                      self.origin_group or self.source_id)


def read_sources(path: Path) -> list[Source]:
    """Read ``sources.csv``; every bad row is reported (file, row, field) in one InputError."""
    header, encoding = prepare_csv(path, ("source_id", "name", "kind"), "sources.csv")
    unknown = [c for c in header if c not in SOURCE_COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(shown(c) for c in unknown)} (expected "
                         f"{', '.join(SOURCE_COLUMNS)})", file=path, line=1,
                         field=shown(unknown[0]))
    sources: list[Source] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for chunk in csv_chunks(path, header, encoding, lambda cols, n: cols):
        for i, row_no in enumerate(chunk.rows):
            raw = {c: chunk.columns[c][i] for c in header}
            try:
                source = SourceRow.model_validate(raw).to_source()
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(Problem(str(path), err["msg"], line=row_no,
                                            field=".".join(str(p) for p in err["loc"])))
                continue
            if source.source_id in seen:
                problems.append(Problem(str(path), f"duplicate source_id (first on row "
                                                   f"{seen[source.source_id]})",
                                        line=row_no, field="source_id"))
                continue
            seen[source.source_id] = row_no
            sources.append(source)
    if problems:
        raise InputError(problems=problems)
    return sources
