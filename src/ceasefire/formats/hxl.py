"""HXL-tagged CSV (Humanitarian Exchange Language, hxlstandard.org).

The hashtag row is the first row, or the second under a human header (as on HDX). A tag
is matched by name and attributes in any order and case (``#geo +lat`` = ``#geo+lat``):

=====================================  ==========================================
hashtag                                canonical column
=====================================  ==========================================
``#event+id``, ``#event+code``,        report_id (else derived from the row's
``#meta+id``                           content: ``h`` + BLAKE2b, as for VIINA)
``#date`` (``+occurred`` preferred)    observed_at
``#geo+lat`` / ``#geo+lon``            lat / lon
``#event+type``, ``#event+subtype``    category (a category name as is; else ACLED
                                       event/sub-event names, see formats/acled.py)
``#loc+name``, else ``#adm2+name``,    place (a name to geocode when there is no
``#adm1+name``                         point)
``#description``, ``#event+desc``      text
``#meta+source``                       source_id (else ``--source-id``)
=====================================  ==========================================

Any other tagged column goes to ``extra`` under its normalised hashtag.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import CATEGORIES
from ceasefire.errors import InputError
from ceasefire.formats.acled import category_for
from ceasefire.formats.base import Chunk, Reader, csv_chunks, detect_encoding, sniff_bytes

# canonical column -> candidate (tag, attributes) in order of preference
TAG_RULES: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {
    "report_id": (("event", frozenset({"id"})), ("event", frozenset({"code"})),
                  ("meta", frozenset({"id"}))),
    "observed_at": (("date", frozenset({"occurred"})), ("date", frozenset())),
    "lat": (("geo", frozenset({"lat"})),),
    "lon": (("geo", frozenset({"lon"})),),
    "type": (("event", frozenset({"type"})), ("event", frozenset({"category"}))),
    "subtype": (("event", frozenset({"subtype"})), ("event", frozenset({"type", "sub"}))),
    "place": (("loc", frozenset({"name"})), ("loc", frozenset()), ("adm3", frozenset()),
              ("adm2", frozenset()), ("adm1", frozenset())),
    "text": (("description", frozenset()), ("event", frozenset({"desc"})),
             ("event", frozenset({"description"}))),
    "source_id": (("meta", frozenset({"source"})),),
}
_CATEGORY_NAMES = frozenset(CATEGORIES)


def parse_tag(cell: str) -> tuple[str, frozenset[str]] | None:
    """``"#geo +lat"`` → ``("geo", {"lat"})``; ``None`` for a cell that is not a hashtag."""
    text = cell.strip().lower().replace(" ", "")
    if not text.startswith("#") or len(text) < 2:
        return None
    name, *attrs = text[1:].split("+")
    return (name, frozenset(a for a in attrs if a)) if name else None


def category_of(event_type: str | None, subtype: str | None) -> str:
    value = (event_type or "").strip().lower().replace(" ", "_")
    if value in _CATEGORY_NAMES:
        return value
    return category_for(event_type or "", subtype or "")


class HxlReader(Reader):
    """Reader for HXL-tagged CSV."""

    def __init__(self) -> None:
        super().__init__(name="hxl")

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        head = sniff_bytes(path)
        encoding = detect_encoding(path, head)
        first_rows = []
        with open(path, encoding=encoding, newline="") as fh:
            try:
                for row in csv.reader(line.lstrip("\ufeff") for line in fh):
                    first_rows.append(row)
                    if len(first_rows) == 2:
                        break
            except csv.Error as exc:  # a cell over csv's 131,072-character limit, a NUL
                raise InputError(f"cannot read the header rows ({exc})", file=path,
                                 line=len(first_rows) + 1) from exc
        tag_row_index = next((i for i, row in enumerate(first_rows)
                              if sum(parse_tag(c) is not None for c in row) >= 2), None)
        if tag_row_index is None:
            raise InputError("not an HXL file: no hashtag row (e.g. #date,#geo+lat,#geo+lon) "
                             "in the first two rows", file=path, line=1)
        tags = [parse_tag(c) for c in first_rows[tag_row_index]]
        chosen: dict[str, int] = {}
        for column, rules in TAG_RULES.items():
            for tag, attrs in rules:
                index = next((i for i, t in enumerate(tags)
                              if t is not None and t[0] == tag and attrs <= t[1]
                              and i not in chosen.values()), None)
                if index is not None:
                    chosen[column] = index
                    break
        missing = [c for c in ("observed_at",) if c not in chosen]
        if missing or ("lat" not in chosen and "place" not in chosen):
            raise InputError("HXL file needs #date and either #geo+lat/#geo+lon or a place tag "
                             "(#loc+name, #adm1 ...)", file=path, line=tag_row_index + 1)
        if "source_id" not in chosen and not source_id:
            raise InputError("HXL file has no #meta+source column: pass --source-id",
                             field="--source-id", file=path)
        names = [f"c{i}" for i in range(len(tags))]
        extra_cols = {f"#{t[0]}{''.join('+' + a for a in sorted(t[1]))}": names[i]
                      for i, t in enumerate(tags) if t is not None and i not in chosen.values()}

        def mapper(cols: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            none: list[Any] = [None] * n

            def get(column: str) -> list[Any]:
                return cols[names[chosen[column]]] if column in chosen else none

            ids = get("report_id")
            if "report_id" not in chosen:
                ids = ["h" + hashlib.blake2b("\x1f".join(cols[c][i] or "" for c in names)
                                             .encode(), digest_size=8).hexdigest()
                       for i in range(n)]
            sources = get("source_id")
            return {
                "report_id": ids,
                "source_id": [s or source_id for s in sources],
                "observed_at": get("observed_at"),
                "lat": get("lat"),
                "lon": get("lon"),
                "place": get("place"),
                "category": [category_of(t, s) for t, s in
                             zip(get("type"), get("subtype"), strict=True)],
                "text": get("text"),
                "extra": [json.dumps({k: cols[c][i] for k, c in extra_cols.items()
                                      if cols[c][i]}, ensure_ascii=False) if extra_cols
                          else None for i in range(n)],
            }

        yield from csv_chunks(path, names, encoding, mapper, skip_rows=tag_row_index + 1)
