"""ACLED CSV exports, with ACLED's official column names.

Used columns: ``event_id_cnty`` (→ report_id), ``event_date`` (ISO, or ``19 April 2025``),
``time_precision``, ``event_type``, ``sub_event_type``, ``actor1``, ``actor2``,
``civilian_targeting``, ``location``, ``admin1``, ``latitude``, ``longitude``,
``geo_precision``, ``notes``, ``fatalities``, ``source``. Others go to ``extra`` if listed in
:data:`EXTRA`.

* **Category** from ``event_type``/``sub_event_type`` (:data:`SUB_EVENT_CATEGORY`; the
  notes refine "Air/drone strike" to ``drone_strike`` and "Shelling/artillery/missile
  attack" to ``missile_strike`` when they name drones or missiles).
* **Uncertainty**: ``time_precision`` 1 the day, 2 ±3.5 days (week), 3 ±15 days (month);
  ``geo_precision`` 1 town 2 km, 2 near a town / part of a region 25 km, 3 region 100 km.
* **perpetrator**: ``actor1`` (ACLED's initiating actor) as a party id when it names the
  armed forces of Ukraine or Russia; the actors themselves are kept in ``extra``.
* ``civilian_targeting`` set → ``target_class`` civilian.
* Registers source ``acled`` (kind other: a research dataset coded from news and partners;
  neutral; reliability B).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import NEUTRAL, Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, csv_chunks, prepare_csv

SOURCE_ID = "acled"
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude",
            "longitude")
EXTRA = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2", "interaction", "admin1",
         "admin2", "fatalities", "source", "source_scale", "geo_precision", "time_precision",
         "disorder_type", "event_type", "sub_event_type", "tags")
SUB_EVENT_CATEGORY: dict[str, str] = {
    "armed clash": "small_arms_fire",
    "government regains territory": "territorial_advance",
    "non-state actor overtakes territory": "territorial_advance",
    "non-violent transfer of territory": "territorial_advance",
    "air/drone strike": "airstrike",
    "shelling/artillery/missile attack": "shelling",
    "remote explosive/landmine/ied": "explosion",
    "grenade": "explosion",
    "suicide bomb": "explosion",
    "chemical weapon": "other",
    "attack": "civilian_harm",
    "abduction/forced disappearance": "civilian_harm",
    "sexual violence": "civilian_harm",
    "looting/property destruction": "infrastructure_damage",
    "disrupted weapons use": "other",
}
EVENT_TYPE_CATEGORY = {"battles": "small_arms_fire", "explosions/remote violence": "explosion",
                       "violence against civilians": "civilian_harm"}
GEO_PRECISION_M = {1: 2_000.0, 2: 25_000.0, 3: 100_000.0}
TIME_PRECISION_MIN = {1: None, 2: 3.5 * 1440.0, 3: 15 * 1440.0}
_DRONE = re.compile(r"\b(drone|uav|shahed|geran|lancet|fpv)", re.IGNORECASE)
_MISSILE = re.compile(r"\b(missile|iskander|kalibr|kh-\d+|s-300)", re.IGNORECASE)


def category_for(event_type: str, sub_event_type: str, notes: str = "") -> str:
    """ACLED event and sub-event type → report category.

    >>> category_for("Explosions/Remote violence", "Air/drone strike", "Shahed drones hit")
    'drone_strike'
    >>> category_for("Protests", "Peaceful protest")
    'other'
    """
    sub = (sub_event_type or "").strip().lower()
    category = SUB_EVENT_CATEGORY.get(sub) or EVENT_TYPE_CATEGORY.get(
        (event_type or "").strip().lower(), "other")
    if category == "airstrike" and _DRONE.search(notes or ""):
        return "drone_strike"
    if category == "shelling" and _MISSILE.search(notes or ""):
        return "missile_strike"
    return category


def party_of(actor: str | None) -> str | None:
    text = (actor or "").lower()
    if "forces of russia" in text:
        return "RU"
    if "forces of ukraine" in text:
        return "UA"
    return None


def iso_date(text: str) -> str:
    """ACLED dates: ISO already, or ``19 April 2025``; anything else as written."""
    value = (text or "").strip()
    for fmt in ("%d %B %Y", "%d-%B-%Y", "%d %b %Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return value


def _int(text: str | None, default: int) -> int:
    try:
        return int(float(text or ""))
    except (ValueError, OverflowError):  # "inf" and "1e309" overflow int()
        return default


class AcledReader(Reader):
    """Reader for ACLED CSV exports."""

    def __init__(self) -> None:
        super().__init__(name="acled", timezone="UTC")

    def sources(self, source_id: str | None) -> list[Source]:
        sid = source_id or SOURCE_ID
        return [Source(sid, "ACLED (Armed Conflict Location & Event Data)", SourceKind.OTHER,
                       NEUTRAL, "B", sid)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, REQUIRED, "ACLED")
        sid = source_id or SOURCE_ID
        extra_cols = [c for c in EXTRA if c in header]

        def mapper(cols: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            none: list[Any] = [None] * n
            notes = cols.get("notes", none)
            return {
                "report_id": cols["event_id_cnty"],
                "source_id": [sid] * n,
                "observed_at": [iso_date(d) for d in cols["event_date"]],
                "time_uncertainty_min": [TIME_PRECISION_MIN.get(_int(p, 1), None)
                                         for p in cols.get("time_precision", none)],
                "lat": cols["latitude"],
                "lon": cols["longitude"],
                "location_uncertainty_m": [GEO_PRECISION_M.get(_int(p, 3), 100_000.0)
                                           for p in cols.get("geo_precision", none)],
                "place": cols.get("location", none),
                "category": [category_for(e, s, t) for e, s, t in
                             zip(cols["event_type"], cols["sub_event_type"], notes, strict=True)],
                "perpetrator": [party_of(a) for a in cols.get("actor1", none)],
                "target_class": ["civilian" if c else None
                                 for c in cols.get("civilian_targeting", none)],
                "text": notes,
                "extra": [json.dumps({c: cols[c][i] for c in extra_cols if cols[c][i]},
                                     ensure_ascii=False) for i in range(n)],
            }

        yield from csv_chunks(path, header, encoding, mapper)
