"""UCDP Georeferenced Event Dataset (GED) CSV, the 49 standard columns.

* **report_id** = GED ``id``; source ``ucdp_ged`` (kind other: a research dataset coded from
  news; neutral; reliability B).
* **Time**: ``date_start`` .. ``date_end``; the report sits at the middle of that span with
  ± half the span, widened to at least the precision ``date_prec`` states (1 the day,
  2 ±3 days, 3 ±1 week, 4 ±15 days, 5 ±half a year). A one-day, ``date_prec`` 1 event is
  a plain date (day precision). Dates are read as ISO, or as spreadsheet ``M/D/YYYY[ h:mm[:ss]
  [AM|PM]]`` (``D/M/YYYY`` when the first number cannot be a month): the ``mixed`` extract
  was edited in a spreadsheet. Anything else is left as written and quarantined.
* **Place**: ``where_prec`` → location uncertainty: 1 exact 1 km, 2 within 25 km, 3 district
  40 km, 4 region 150 km, 5 linear feature 100 km, 6 country 600 km, 7 waters 200 km.
* **Category**: GED does not code the means. ``type_of_violence`` 3 (one-sided, against
  civilians) → ``civilian_harm``; 1 and 2 → ``other``; ``target_class`` civilian when
  ``deaths_civilians`` > 0.
* **Sides**: ``side_a`` and ``side_b`` are kept (with party ids UA/RU where recognisable) in
  ``extra``, with deaths and precisions; ``perpetrator`` stays empty because GED records the
  dyad, not who fired.
* Encoding: UTF-8, else cp1252 (decoding is checked for the whole file before reading).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import NEUTRAL, Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, csv_chunks, prepare_csv

SOURCE_ID = "ucdp_ged"
REQUIRED = ("id", "latitude", "longitude", "date_start", "date_end", "where_prec",
            "date_prec", "side_a", "side_b")
WHERE_PREC_M = {1: 1_000.0, 2: 25_000.0, 3: 40_000.0, 4: 150_000.0, 5: 100_000.0,
                6: 600_000.0, 7: 200_000.0}
DATE_PREC_MIN = {1: 720.0, 2: 3 * 1440.0, 3: 7 * 1440.0, 4: 15 * 1440.0, 5: 182.5 * 1440.0}
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
                      r"\s*([AaPp][Mm])?)?$")


def party_of(side: str | None) -> str | None:
    """Party id for a GED side name, where one is recognisable."""
    if not side:
        return None
    text = side.lower()
    if "ukraine" in text:
        return "UA"
    if "russia" in text or "dpr" in text or "lpr" in text or "novorossiya" in text:
        return "RU"
    return None


def parse_day(text: str | None) -> date | None:
    """A GED date as written (ISO or spreadsheet M/D/YYYY); ``None`` if unreadable.

    >>> parse_day("2014-01-22"), parse_day("1/22/2014 12:00:00 AM"), parse_day("27/01/2014")
    (datetime.date(2014, 1, 22), datetime.date(2014, 1, 22), datetime.date(2014, 1, 27))
    """
    if not text:
        return None
    value = text.strip()
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    match = _SLASHED.match(value)
    if not match:
        return None
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    month, day = (second, first) if first > 12 else (first, second)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def observed(start_text: str, end_text: str, prec_text: str) -> tuple[str, float | None]:
    """``(observed_at, time_uncertainty_min)`` for a GED date span."""
    start, end = parse_day(start_text), parse_day(end_text)
    if start is None or end is None or end < start:
        return start_text, None  # left as written: validation quarantines it
    try:
        prec_min = DATE_PREC_MIN.get(int(prec_text), DATE_PREC_MIN[5])
    except ValueError:
        prec_min = DATE_PREC_MIN[5]
    if start == end and prec_min <= DATE_PREC_MIN[1]:
        return start.isoformat(), None
    t0 = datetime(start.year, start.month, start.day, tzinfo=UTC)
    t1 = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    mid = t0 + (t1 - t0) / 2
    half = (t1 - t0).total_seconds() / 120.0
    return mid.isoformat().replace("+00:00", "Z"), max(half, prec_min)


class UcdpReader(Reader):
    """Reader for UCDP GED CSV files (UTF-8 or cp1252)."""

    def __init__(self) -> None:
        super().__init__(name="ucdp", timezone="UTC")

    def sources(self, source_id: str | None) -> list[Source]:
        sid = source_id or SOURCE_ID
        return [Source(sid, "UCDP Georeferenced Event Dataset", SourceKind.OTHER, NEUTRAL, "B",
                       sid)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, REQUIRED, "UCDP GED", fallbacks=("cp1252",))
        sid = source_id or SOURCE_ID

        def mapper(cols: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            none: list[Any] = [None] * n
            when = [observed(s, e, p) for s, e, p in
                    zip(cols["date_start"], cols["date_end"], cols["date_prec"], strict=True)]
            kind = cols.get("type_of_violence", none)
            civ = cols.get("deaths_civilians", none)
            extra = []
            for i in range(n):
                item: dict[str, Any] = {c: cols[c][i] for c in ("side_a", "side_b", "where_prec", "date_prec",
                                                "best", "low", "high", "deaths_civilians",
                                                "conflict_name", "type_of_violence",
                                                "where_description")
                        if c in cols and cols[c][i]}
                item["side_a_party"] = party_of(cols["side_a"][i])
                item["side_b_party"] = party_of(cols["side_b"][i])
                extra.append(json.dumps(item, ensure_ascii=False))
            return {
                "report_id": cols["id"],
                "source_id": [sid] * n,
                "observed_at": [w[0] for w in when],
                "time_uncertainty_min": [w[1] for w in when],
                "lat": cols["latitude"],
                "lon": cols["longitude"],
                "location_uncertainty_m": [WHERE_PREC_M.get(_int(p), WHERE_PREC_M[6])
                                           for p in cols["where_prec"]],
                "place": cols.get("where_coordinates", none),
                "category": ["civilian_harm" if k == "3" else "other" for k in kind],
                "target_class": ["civilian" if _int(c) > 0 else None for c in civ],
                "count": [1] * n,
                "text": cols.get("source_headline", none),
                "extra": extra,
            }

        yield from csv_chunks(path, header, encoding, mapper)


def _int(text: str | None) -> int:
    try:
        return int(float(text or ""))
    except (ValueError, OverflowError):  # "inf" and "1e309" overflow int()
        return 0
