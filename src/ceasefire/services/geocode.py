"""Offline geocoding of place names, for reports that give a place and no coordinates.

Gazetteer: the bundled GeoNames extract ``ceasefire/data/gazetteer`` (data © GeoNames,
CC BY 4.0; how it was made: its SOURCE.md): the ``cities500`` places of Ukraine (5,488, with
their alternate names in English, Ukrainian, Russian and other spellings) and of the Russian
border regions (587), and the 27 oblasts of the bundled Minregion boundaries
(``ceasefire/data/boundaries``; © Мінрегіон, CC BY-SA). Names are looked up among the
Ukrainian places; :func:`nearest_settlements` searches the places of both countries that
GeoNames lists in ``cities1000``. Nothing is downloaded.

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

import csv
import gzip
import io
import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ceasefire.core.geodesy import GEOD
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


EXTRACT = "geonames_ua_border.tsv.gz"


@dataclass(frozen=True)
class GeoName:
    """One row of the bundled GeoNames extract."""

    geonameid: int
    name: str
    lat: float
    lon: float
    country: str
    admin1: str
    population: int
    cities1000: bool
    alternatenames: tuple[str, ...]


@lru_cache(maxsize=1)
def geonames() -> tuple[GeoName, ...]:
    """The bundled extract (see ``ceasefire/data/gazetteer/SOURCE.md``)."""
    data = resources.files("ceasefire.data.gazetteer").joinpath(EXTRACT).read_bytes()
    text = io.StringIO(gzip.decompress(data).decode("utf-8"))
    return tuple(
        GeoName(int(r["geonameid"]), r["name"], float(r["lat"]), float(r["lon"]),
                r["country"], r["admin1"], int(r["population"]), r["cities1000"] == "1",
                tuple(a for a in r["alternatenames"].split("|") if a))
        for r in csv.DictReader(text, delimiter="\t", quoting=csv.QUOTE_NONE))


class NearestPlaces:
    """Nearest-place search on the WGS84 ellipsoid: places and queries become 3-D
    earth-centred (ECEF) points, where the nearest by straight-line distance is the nearest
    on the surface; the candidates are a few thousand, so one vectorised pass over them per
    block of queries is exact and fast (no tree needed at this size)."""

    BLOCK = 256  # queries per pass: a BLOCK x places float64 matrix (~9 MB at 4,400 places)

    def __init__(self, places: Sequence[GeoName]) -> None:
        self.places = list(places)
        self.xyz = _ecef(np.array([p.lat for p in places]), np.array([p.lon for p in places]))
        self.norm2 = np.einsum("ij,ij->i", self.xyz, self.xyz)

    def nearest(self, lonlat: Sequence[tuple[float, float]]) -> list[tuple[GeoName, float]]:
        """The nearest place to each ``(lon, lat)`` and its geodesic distance in km."""
        if not lonlat:
            return []
        points = np.asarray(lonlat, dtype=float)
        query = _ecef(points[:, 1], points[:, 0])
        best: list[int] = []
        for start in range(0, len(query), self.BLOCK):
            block = query[start:start + self.BLOCK]
            # |q - p|^2 = |q|^2 - 2 q.p + |p|^2; |q|^2 is the same for every p of a row
            best.extend(np.argmin(self.norm2[None, :] - 2.0 * block @ self.xyz.T, axis=1)
                        .tolist())
        out = []
        for (lon, lat), i in zip(lonlat, best, strict=True):
            place = self.places[i]
            _, _, metres = GEOD.inv(lon, lat, place.lon, place.lat)
            out.append((place, metres / 1000.0))
        return out


def _ecef(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    a, e2 = 6378.137, 6.69437999014e-3  # WGS84, km
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    n = a / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    return np.column_stack([n * np.cos(lat) * np.cos(lon), n * np.cos(lat) * np.sin(lon),
                            n * (1.0 - e2) * np.sin(lat)])


@lru_cache(maxsize=1)
def settlement_index() -> NearestPlaces:
    """GeoNames ``cities1000`` places of Ukraine and the Russian border regions."""
    return NearestPlaces([g for g in geonames() if g.cities1000])


def nearest_settlements(points: Sequence[tuple[float, float]]) -> list[tuple[str, float]]:
    """The nearest GeoNames settlement (``cities1000``) to each ``(lon, lat)``, with its
    distance in km rounded to 0.1 km; names the place of a territorial change."""
    return [(place.name, round(km, 1)) for place, km in settlement_index().nearest(points)]


@lru_cache(maxsize=1)
def default_geocoder() -> Gazetteer:
    """The bundled gazetteer (built once per process, ~0.5 s)."""
    from shapely.geometry import shape

    text = resources.files("ceasefire.data.boundaries").joinpath(
        "ukraine_oblasts.geojson").read_text(encoding="utf-8")
    places: list[Place] = []
    names: list[list[str]] = []
    shapes: dict[str, object] = {}
    for feature in json.loads(text)["features"]:
        props = feature["properties"]
        geom = shape(feature["geometry"])
        area = abs(GEOD.geometry_area_perimeter(geom)[0])
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
    cities = [g for g in geonames() if g.country == COUNTRY]
    inside = tree.query(points([(c.lon, c.lat) for c in cities]), predicate="within")
    region_of = dict(zip(inside[0].tolist(), inside[1].tolist(), strict=True))
    for i, city in enumerate(cities):
        region = regions[region_of[i]] if i in region_of else ""
        places.append(Place(city.name, city.lat, city.lon, city.population, "settlement",
                            region, settlement_radius_m(city.population)))
        names.append([city.name, *city.alternatenames])
    return Gazetteer(places, names, shapes)
