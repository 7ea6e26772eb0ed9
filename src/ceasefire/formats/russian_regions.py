"""Russian regions named in the RU MoD's posts: names → an area, a point and a radius.

The areas are bundled in ``ceasefire/data/regions_ru/russia_regions.geojson``: an
approximation of each region built from the GeoNames settlements in it (see the SOURCE.md
there), because no boundary file with a licence that allows bundling could be brought
offline. A report placed by region gets the region's point and the radius of a circle of
the region's area, so "somewhere in Kursk oblast" stays as wide as the oblast.

Crimea and Sevastopol are named by the MoD as Russian regions; the project's gazetteer
knows them as Ukrainian oblasts (bundled Minregion boundaries), so they are returned as
place names for the ingest geocoder rather than from this table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Russian stems of regions the project's Ukrainian gazetteer already knows, with the place
# name it knows them by (the ingest geocoder places these).
GAZETTEER_REGIONS: dict[str, str] = {
    "крым": "Autonomous Republic of Crimea",
    "севастопол": "Sevastopol",
}
# Seas the MoD reports interceptions over; no area is bundled for them.
SEAS: dict[str, str] = {
    "азовск": "Sea of Azov",
    "черн": "Black Sea",
    "каспийск": "Caspian Sea",
}


@dataclass(frozen=True)
class Region:
    stem: str
    name_en: str
    lat: float
    lon: float
    radius_m: float


@lru_cache(maxsize=1)
def regions() -> tuple[Region, ...]:
    """The bundled regions, longest stem first (so a longer name wins over a prefix)."""
    text = resources.files("ceasefire.data.regions_ru").joinpath(
        "russia_regions.geojson").read_text(encoding="utf-8")
    found = [Region(p["stem"], p["name_en"], p["lat"], p["lon"], float(p["radius_m"]))
             for p in (f["properties"] for f in json.loads(text)["features"])]
    return tuple(sorted(found, key=lambda r: -len(r.stem)))


def find_regions(text: str) -> list[str]:
    """Stems of the regions, gazetteer regions and seas named in ``text``, in text order.

    >>> find_regions("над территориями Курской и Белгородской областей")
    ['курск', 'белгородск']
    >>> find_regions("над акваторией Азовского моря и Республикой Крым")
    ['азовск', 'крым']
    """
    low = text.lower()
    hits: dict[str, int] = {}
    stems = [r.stem for r in regions()] + list(GAZETTEER_REGIONS) + list(SEAS)
    for stem in stems:
        at = low.find(stem)
        # "черн" only as the Black Sea ("Черного моря"), never inside another word
        sea_ok = stem != "черн" or "черного мор" in low or "черное мор" in low
        if at >= 0 and sea_ok and not any(stem in other for other in hits):
            hits[stem] = at
    return sorted(hits, key=hits.__getitem__)


def region_by_stem(stem: str) -> Region | None:
    return next((r for r in regions() if r.stem == stem), None)


@lru_cache(maxsize=1)
def _settlements() -> dict[str, list[tuple[float, float, str]]]:
    """Russian name → (lat, lon, region stem) of the border regions' settlements (bundled
    extract of GeoNames: reading it is milliseconds, the full GeoNames cache seconds)."""
    text = resources.files("ceasefire.data.regions_ru").joinpath(
        "russia_border_settlements.csv").read_text(encoding="utf-8")
    found: dict[str, list[tuple[float, float, str]]] = {}
    for line in text.splitlines()[1:]:
        name, lat, lon, stem = line.rsplit(",", 3)
        found.setdefault(name.lower(), []).append((float(lat), float(lon), stem))
    return found


def settlement(name: str) -> tuple[float, float, str] | None:
    """``(lat, lon, region stem)`` of a settlement of a Russian border region named ``name``
    (GeoNames cities500), or ``None`` when there is no match or several in different regions.

    >>> settlement("Суджа")[2]
    'курск'
    """
    hits = _settlements().get(name.strip().lower(), [])
    return hits[0] if hits and len({h[2] for h in hits}) == 1 else None
