"""VIINA events screened for strikes on energy and strategic infrastructure.

The ``../shared/data/viina_energy_strikes`` export (``VIINA_<year>_REBUILD.csv``): one row per
VIINA one-event-per-day id whose reports matched attack terms and target terms (fuel storage,
refineries, pipelines, the grid, airbases, arsenals, ports ...). Choices, documented in
docs/formats.md:

* **report_id** ``e<event_id_1pd>-<date>``: the export's own event id and day;
* **time**: ``date`` (``YYYYMMDD``) is a day in Kyiv time: day precision;
* **place**: the GeoNames point of ``asciiname`` (5 km), as VIINA geocodes it;
* **category** from ``attack_terms``: drone words → ``drone_strike``, missile words →
  ``missile_strike``, else ``explosion``;
* **target_class** ``energy`` when ``target_classes`` names fuel storage, refining, pipelines
  or the grid; ``military`` for airbases, arsenals, repair yards and the defence industry;
  else ``infrastructure``. All classes are kept in ``extra``;
* **perpetrator** from VIINA's initiator flags ``a_ukr_init`` / ``a_rus_init`` when exactly one
  is set (the perpetrator as the news reports claim it), else unset;
* Registers source ``viina-energy``: kind news, neutral, reliability C, origin group ``viina``
  — the same news reports as the VIINA incident export, so not an independent origin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import NEUTRAL, Source, SourceKind
from ceasefire.formats.base import (
    Chunk,
    Reader,
    csv_chunks,
    detect_encoding,
    read_header,
    require_columns,
    sniff_bytes,
)

COLUMNS = ("event_id_1pd", "date", "target_classes", "attack_terms", "asciiname", "longitude",
           "latitude", "a_ukr_init", "a_rus_init", "representative_text")
SOURCE_ID = "viina-energy"
ORIGIN_GROUP = "viina"
ENERGY = frozenset({"FUEL_STORAGE_TERMINAL", "REFINING_PETROCHEM_GAS", "PIPELINE_PUMPING",
                    "ENERGY_GRID_SUPPORT"})
MILITARY = frozenset({"STRATEGIC_AIRBASE", "AMMUNITION_ARSENAL", "MILITARY_REPAIR_SHIPYARD",
                      "DEFENSE_INDUSTRY"})
DRONE_TERMS = ("дрон", "безпілот", "беспилот", "бпла", "шахед")
MISSILE_TERMS = ("ракет",)


def target_class(classes: str) -> str:
    """``energy`` > ``military`` > ``infrastructure`` by what the screen matched.

    >>> target_class("AMMUNITION_ARSENAL|REFINING_PETROCHEM_GAS")
    'energy'
    """
    found = {c for c in classes.split("|") if c}
    if found & ENERGY:
        return "energy"
    if found & MILITARY:
        return "military"
    return "infrastructure"


def category(attack_terms: str) -> str:
    terms = attack_terms.lower()
    if any(t in terms for t in DRONE_TERMS):
        return "drone_strike"
    if any(t in terms for t in MISSILE_TERMS):
        return "missile_strike"
    return "explosion"


def perpetrator(ukr_init: str, rus_init: str) -> str | None:
    ua, ru = ukr_init.strip() == "1", rus_init.strip() == "1"
    if ua == ru:
        return None
    return "UA" if ua else "RU"


class ViinaEnergyReader(Reader):
    """Reader for the VIINA energy/strategic-infrastructure strike screen."""

    def __init__(self) -> None:
        super().__init__(name="viina-energy", timezone="Europe/Kyiv", screening="annotate")

    def sources(self, source_id: str | None) -> list[Source]:
        return [Source(source_id or SOURCE_ID,
                       "VIINA 2.0 events screened for energy/strategic-infrastructure strikes",
                       SourceKind.NEWS, NEUTRAL, "C", ORIGIN_GROUP)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        head = sniff_bytes(path)
        encoding = detect_encoding(path, head)
        header = read_header(path, encoding)
        require_columns(path, header, COLUMNS, "VIINA energy-strike")
        sid = source_id or SOURCE_ID

        def mapper(columns: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            days = [d.strip() for d in columns["date"]]
            return {
                "report_id": [f"e{e.strip()}-{d}" for e, d in
                              zip(columns["event_id_1pd"], days, strict=True)],
                "source_id": [sid] * n,
                "observed_at": [f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 else d
                                for d in days],
                "time_uncertainty_min": [None] * n,
                "lat": columns["latitude"],
                "lon": columns["longitude"],
                "location_uncertainty_m": [5_000.0] * n,
                "place": columns["asciiname"],
                "category": [category(t) for t in columns["attack_terms"]],
                "target_class": [target_class(c) for c in columns["target_classes"]],
                "perpetrator": [perpetrator(u, r) for u, r in
                                zip(columns["a_ukr_init"], columns["a_rus_init"], strict=True)],
                "text": columns["representative_text"],
                "extra": [json.dumps({"target_classes": c.split("|")}) for c in
                          columns["target_classes"]],
            }

        yield from csv_chunks(path, header, encoding, mapper)
