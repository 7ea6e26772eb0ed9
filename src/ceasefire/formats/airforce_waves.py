"""UA Air Force nightly waves (``missile_uav_attacks/missile_attacks_daily.csv``).

One row of the file is one weapon model in one reported attack window (an overnight wave
is several rows). Choices, documented in docs/formats.md:

* **One report per row and region.** The regions are the hit locations (``affected
  region``) where the row gives them, else the ``target`` split on " and ". So a row gives
  one report per region; each carries the row's ``launched`` as ``count`` and the row's
  figures in ``extra`` (``launched``, ``destroyed``, ``not_reach_goal``,
  ``num_hit_location``, ``model``, ``launch_place``, ``regions_in_row``): counts are per
  wave and model, never to be summed over the reports of one row.
* **Time**: ``time_start``/``time_end`` are Kyiv local time (a date alone is the whole
  day); the report is the middle of the window ± half of it.
* **Place**: an oblast or city name is geocoded by the project's gazetteer at ingest
  ("Kherson oblast"); "Ukraine" and the Air Force's macro-regions ("south", "east", …) are
  given Ukraine's national point with the radius of Ukraine's area (the whole country:
  the Air Force does not say where in it).
* **Category**: missiles (X-101, Kalibr, Iskander, KN-23, Kinzhal, S-300/400 …) →
  ``missile_strike``; drones (Shahed, Lancet, ZALA, Orlan, "UAV" …) → ``drone_strike``;
  guided bombs (KAB) → ``airstrike``; else ``other``.
* A row without a model, a window or a readable ``launched`` is refused with the reason.
* Registers source ``ua-airforce``: kind party, affiliation UA, reliability F, origin
  group ``ua-airforce``. ``perpetrator`` is RU.
"""

from __future__ import annotations

import ast
import hashlib
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, prepare_csv, record_chunks

COLUMNS = ("time_start", "time_end", "model", "target", "launched", "destroyed")
SOURCE_ID = "ua-airforce"
WHOLE_COUNTRY = frozenset({"ukraine", "south", "east", "north", "west", "center", "centre",
                           "south-east", "north-east", "south-west", "north-west"})
MISSILE_WORDS = ("x-", "х-", "kalibr", "iskander", "kn-23", "kinzhal", "c-300", "c-400",
                 "s-300", "s-400", "missile", "oniks", "zircon", "tochka")
DRONE_WORDS = ("shahed", "uav", "lancet", "zala", "orlan", "supercam", "gerbera", "merlin",
               "молнія", "drone", "гербера")


def category(model: str) -> tuple[str, str]:
    """(category, weapon_class) of a model name.

    >>> category("Shahed-136/131"), category("X-101/X-555"), category("KAB")
    (('drone_strike', 'drone'), ('missile_strike', 'missile'), ('airstrike', 'aircraft'))
    """
    low = model.lower()
    if any(w in low for w in DRONE_WORDS):
        return "drone_strike", "drone"
    if any(w in low for w in MISSILE_WORDS):
        return "missile_strike", "missile"
    if "kab" in low or "каб" in low:
        return "airstrike", "aircraft"
    return "other", "other"


@lru_cache(maxsize=1)
def ukraine_extent() -> tuple[float, float, float]:
    """(lat, lon, radius_m) of Ukraine: the bundled outline's point and area circle."""
    import json

    from pyproj import Geod
    from shapely.geometry import shape

    text = resources.files("ceasefire.data.boundaries").joinpath(
        "ukraine_adm0.geojson").read_text(encoding="utf-8")
    geom = shape(json.loads(text)["features"][0]["geometry"])
    area = abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0])
    point = geom.representative_point()
    return point.y, point.x, round(math.sqrt(area / math.pi), -3)


def window(start: str, end: str) -> tuple[str, float]:
    """(middle as local ``YYYY-MM-DD HH:MM:SS``, ± minutes) of a Kyiv-time window.

    >>> window("2025-05-13 19:30", "2025-05-14 09:00")
    ('2025-05-14 02:15:00', 405.0)
    >>> window("2025-05-15", "2025-05-15")
    ('2025-05-15 12:00:00', 720.0)
    """
    first = _moment(start, False)
    last = _moment(end or start, True)
    if last < first:
        raise ValueError(f"time_end {end!r} is before time_start {start!r}")
    middle = first + (last - first) / 2
    return f"{middle:%Y-%m-%d %H:%M:%S}", (last - first).total_seconds() / 120.0


def _moment(text: str, end: bool) -> datetime:
    text = text.strip()
    if len(text) == 10:
        day = datetime.strptime(text, "%Y-%m-%d")
        return day + timedelta(days=1) if end else day
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def regions(target: str, affected: str) -> list[str]:
    """Hit regions where given, else the target's parts.

    >>> regions("Ukraine", "['Sumy oblast', 'Kyiv oblast']")
    ['Sumy oblast', 'Kyiv oblast']
    >>> regions("Odesa oblast and Mykolaiv oblast", "")
    ['Odesa oblast', 'Mykolaiv oblast']
    """
    if affected.strip().startswith("["):
        try:
            listed = [str(r).strip() for r in ast.literal_eval(affected.strip()) if str(r).strip()]
        except (ValueError, SyntaxError):
            listed = []
        if listed:
            return listed
    return [p.strip() for p in target.split(" and ") if p.strip()]


class AirforceWavesReader(Reader):
    """Reader for the Kaggle/piterfm digest of the UA Air Force's attack reports."""

    def __init__(self) -> None:
        super().__init__(name="airforce-waves", timezone="Europe/Kyiv")

    def sources(self, source_id: str | None) -> list[Source]:
        return [Source(source_id or SOURCE_ID, "Air Force of the Armed Forces of Ukraine",
                       SourceKind.PARTY, "UA", "F", source_id or SOURCE_ID)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, COLUMNS, "UA Air Force waves")
        sid = source_id or SOURCE_ID
        yield from record_chunks(path, header, encoding,
                                 lambda chunk, row, record: _wave(chunk, sid, row, record))


NAMES = ("report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
         "location_uncertainty_m", "place", "category", "perpetrator", "weapon_class",
         "count", "text", "extra")


def _wave(chunk: Chunk, sid: str, row: int, record: dict[str, Any]) -> None:
    """Append the reports of one file row to ``chunk`` (or one refused row)."""
    get = {k: (v or "").strip() for k, v in record.items()}
    digest = hashlib.blake2b("\x1f".join(get[c] for c in sorted(get)).encode(),
                             digest_size=6).hexdigest()
    model = get["model"]
    refusal: tuple[str, str] | None = None
    try:
        observed, unc = window(get["time_start"], get["time_end"])
    except ValueError as exc:
        observed, unc, refusal = get["time_start"], 0.0, ("time_start", str(exc))
    launched = _number(get["launched"])
    if refusal is None and not model:
        refusal = ("model", "required field is empty")
    if refusal is None and (launched is None or launched < 1):
        refusal = ("launched", f"not a positive count: {get['launched']!r}")
    places = regions(get["target"], get.get("affected region", "")) or ["Ukraine"]
    cat, weapon_class = category(model)
    figures = {k: _number(get.get(k, "")) for k in
               ("launched", "destroyed", "not_reach_goal", "num_hit_location")}
    for k, place in enumerate(places if refusal is None else places[:1]):
        whole = place.lower() in WHOLE_COUNTRY
        lat, lon, radius = ukraine_extent() if whole else (None, None, None)
        values = {
            "report_id": f"af{observed[:10].replace('-', '')}-{digest}-{k}",
            "source_id": sid, "observed_at": observed, "time_uncertainty_min": unc,
            "lat": lat, "lon": lon, "location_uncertainty_m": radius,
            "place": f"Ukraine ({place})" if whole else _oblast(place),
            "category": cat, "perpetrator": "RU", "weapon_class": weapon_class,
            "count": int(launched) if launched else None,
            "text": f"{model}: launched {get['launched']}, destroyed {get['destroyed']} "
                    f"({get['time_start']} – {get['time_end']}, target {get['target']})",
            "extra": {**figures, "model": model, "launch_place": get.get("launch_place"),
                      "target": get["target"], "regions_in_row": len(places),
                      "time_start": get["time_start"], "time_end": get["time_end"],
                      "post": get.get("source")}}
        chunk.append(row, values, NAMES, refusal)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _oblast(place: str) -> str:
    """The gazetteer's spelling: "Dnipropetrovsk oblast, Dnipro Raion" → the oblast (the
    raion is not in the gazetteer, and the oblast contains it)."""
    head = place.split(",")[0].strip()
    return head.replace(" oblast", " Oblast")
