"""VIINA 2.0 event reports (the export in ``../shared/data/viina_incidents``).

Columns: ``datetime, lon, lat, place_name, event_type, headline`` (UTF-8 with a BOM, values
quoted). The export has no id column and no actor columns. Choices, documented in
docs/formats.md:

* **report_id** is derived from the row's content: ``v`` + the date (``YYYYMMDD``) + ``-`` +
  BLAKE2b of all six fields (16 hex digits), so it is stable across re-exports and file
  order. Rows that are
  identical in every field are the same report repeated by the exporter and count as
  duplicates.
* **One headline, several places**: the export already writes one row per geocoded place;
  each row is its own report (its content, hence its id, differs by the point).
* **Time**: ``datetime`` has no offset. It is read in ``Europe/Kyiv`` (VIINA codes Ukrainian
  and Russian news by local publication date). ``00:00:00`` means the date only, so such a
  row has day precision (the whole Kyiv day); any other time is a publication time and gets
  ±60 minutes.
* **Place**: the point is the GeoNames point of the settlement, so location uncertainty is
  5 km; ``place_name`` is kept as ``place``.
* **Labels** (``|``-joined VIINA ``t_*_b`` names) map to one category by precedence, most
  specific kinetic label first; all labels are kept in ``extra.labels``.
* Registers source ``viina``: kind news, neutral, reliability C, origin group ``viina``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import NEUTRAL, Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, csv_chunks, prepare_csv

COLUMNS = ("datetime", "lon", "lat", "place_name", "event_type", "headline")
SOURCE_ID = "viina"
SETTLEMENT_UNCERTAINTY_M = 5_000.0
PUBLICATION_UNCERTAINTY_MIN = 60.0

# (label, category) by precedence: the first label present decides the category.
LABEL_CATEGORY: tuple[tuple[str, str], ...] = (
    ("airstrike", "airstrike"),
    ("uav", "drone_strike"),
    ("artillery", "shelling"),
    ("ied", "explosion"),
    ("firefighb", "small_arms_fire"),
    ("raid", "ground_assault"),
    ("armor", "ground_assault"),
    ("occupy", "territorial_advance"),
    ("control", "territorial_advance"),
    ("retreab", "territorial_advance"),
    ("civcas", "civilian_harm"),
    ("hospital", "infrastructure_damage"),
    ("property", "infrastructure_damage"),
)
LABEL_WEAPON = {"artillery": "artillery", "uav": "drone", "airstrike": "aircraft",
                "armor": "tank"}
CIVILIAN_LABELS = frozenset({"civcas", "hospital"})


def labels_to_category(labels: list[str]) -> str:
    """Map VIINA labels to one category (``other`` when none is kinetic or harmful).

    >>> labels_to_category(["loc", "civcas", "artillery"])
    'shelling'
    >>> labels_to_category([])
    'other'
    """
    present = set(labels)
    for label, category in LABEL_CATEGORY:
        if label in present:
            return category
    return "other"


def report_id_for(values: tuple[str, ...]) -> str:
    """``v<YYYYMMDD>-<16 hex>``: the day first (readable, and ids of one file then reach the
    store's unique index nearly in order), then BLAKE2b of all six fields."""
    material = "\x1f".join(values).encode("utf-8")
    day = values[0][:10].replace("-", "")
    return f"v{day}-{hashlib.blake2b(material, digest_size=8).hexdigest()}"


def _observed_at(value: str) -> tuple[str, float | None]:
    value = value.strip()
    if value.endswith(" 00:00:00"):
        return value[:10], None
    return value, PUBLICATION_UNCERTAINTY_MIN


class ViinaReader(Reader):
    """Reader for the VIINA monthly incident CSVs."""

    def __init__(self) -> None:
        super().__init__(name="viina", timezone="Europe/Kyiv", screening="replace")

    def sources(self, source_id: str | None) -> list[Source]:
        return [Source(source_id or SOURCE_ID, "VIINA 2.0 news-derived event reports",
                       SourceKind.NEWS, NEUTRAL, "C", source_id or SOURCE_ID)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, COLUMNS, "VIINA")
        sid = source_id or SOURCE_ID
        times: dict[str, tuple[str, float | None]] = {}
        labelled: dict[str, tuple[str, str | None, str | None, str | None]] = {}

        def label_info(event_type: str) -> tuple[str, str | None, str | None, str | None]:
            labels = [t for t in event_type.split("|") if t]
            weapon = next((LABEL_WEAPON[t] for t in labels if t in LABEL_WEAPON), None)
            target = "civilian" if CIVILIAN_LABELS.intersection(labels) else None
            extra = json.dumps({"labels": labels}) if labels else None
            return labels_to_category(labels), weapon, target, extra

        def mapper(columns: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            # few distinct datetimes and label sets: map each once, then look rows up
            for dt in set(columns["datetime"]).difference(times):
                times[dt] = _observed_at(dt)
            for et in set(columns["event_type"]).difference(labelled):
                labelled[et] = label_info(et)
            when = [times[dt] for dt in columns["datetime"]]
            info = [labelled[et] for et in columns["event_type"]]
            return {
                "report_id": [report_id_for(values) for values in
                              zip(*(columns[c] for c in COLUMNS), strict=True)],
                "source_id": [sid] * n,
                "observed_at": [w[0] for w in when],
                "time_uncertainty_min": [w[1] for w in when],
                "lat": columns["lat"],
                "lon": columns["lon"],
                "location_uncertainty_m": [SETTLEMENT_UNCERTAINTY_M] * n,
                "place": columns["place_name"],
                "category": [x[0] for x in info],
                "weapon_class": [x[1] for x in info],
                "target_class": [x[2] for x in info],
                "text": columns["headline"],
                "extra": [x[3] for x in info],
            }

        yield from csv_chunks(path, header, encoding, mapper)
