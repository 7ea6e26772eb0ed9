"""Rebuild the bundled boundary extract from ``../shared/data/boundaries`` (run by hand).

Not imported by ceasefire; kept so the derivation in SOURCE.md can be repeated::

    .venv/bin/python src/ceasefire/data/boundaries/derive_bundle.py ../shared/data/boundaries

What it does: coordinates snapped to a 1e-6 degree grid (about 0.1 m), compact JSON, no crs
member (RFC 7946); oblast features gain ``name_en``, ``iso_3166_2`` and ``name_uk``.
Every output geometry is checked to be valid after rounding.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
GRID = 1e-6

# Ukrainian name (ADMIN_1) -> (English name, ISO 3166-2), per the shared data SOURCE.md table.
OBLASTS: dict[str, tuple[str, str]] = {
    "Вінницька область": ("Vinnytsia Oblast", "UA-05"),
    "Волинська область": ("Volyn Oblast", "UA-07"),
    "Луганська область": ("Luhansk Oblast", "UA-09"),
    "Дніпропетровська область": ("Dnipropetrovsk Oblast", "UA-12"),
    "Донецька область": ("Donetsk Oblast", "UA-14"),
    "Житомирська область": ("Zhytomyr Oblast", "UA-18"),
    "Закарпатська область": ("Zakarpattia Oblast", "UA-21"),
    "Запорізька область": ("Zaporizhzhia Oblast", "UA-23"),
    "Івано-Франківська область": ("Ivano-Frankivsk Oblast", "UA-26"),
    "Місто Київ": ("Kyiv (city)", "UA-30"),
    "Київська область": ("Kyiv Oblast", "UA-32"),
    "Кіровоградська область": ("Kirovohrad Oblast", "UA-35"),
    "Місто Севастополь": ("Sevastopol (city)", "UA-40"),
    "Автономна Республіка Крим": ("Autonomous Republic of Crimea", "UA-43"),
    "Львівська область": ("Lviv Oblast", "UA-46"),
    "Миколаївська область": ("Mykolaiv Oblast", "UA-48"),
    "Одеська область": ("Odesa Oblast", "UA-51"),
    "Полтавська область": ("Poltava Oblast", "UA-53"),
    "Рівненська область": ("Rivne Oblast", "UA-56"),
    "Сумська область": ("Sumy Oblast", "UA-59"),
    "Тернопільська область": ("Ternopil Oblast", "UA-61"),
    "Харківська область": ("Kharkiv Oblast", "UA-63"),
    "Херсонська область": ("Kherson Oblast", "UA-65"),
    "Хмельницька область": ("Khmelnytskyi Oblast", "UA-68"),
    "Черкаська область": ("Cherkasy Oblast", "UA-71"),
    "Чернігівська область": ("Chernihiv Oblast", "UA-74"),
    "Чернівецька область": ("Chernivtsi Oblast", "UA-77"),
}


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def _write(features: list[dict[str, Any]], target: Path) -> None:
    for feature in features:
        # snapping to a 1e-6 degree grid with GEOS keeps the rings valid (plain rounding
        # made one Crimean coastline ring touch itself)
        geom = shapely.set_precision(shape(feature["geometry"]), GRID)
        feature["geometry"] = mapping(geom)
        feature["geometry"]["coordinates"] = _round(_lists(feature["geometry"]["coordinates"]))
        if not shape(feature["geometry"]).is_valid:
            raise SystemExit(f"{target.name}: {feature['properties']} invalid after rounding: "
                             f"{shapely.is_valid_reason(geom)}")
    text = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")


def main(shared: Path) -> None:
    adm0 = json.loads((shared / "UKR_ADM0_from_minregion_2020.geojson").read_text("utf-8"))
    outline = adm0["features"][0]
    outline["properties"] = {"name_en": "Ukraine", "iso3": "UKR",
                             "source": "Minregion 2020 oblasts, dissolved"}
    _write([outline], HERE / "ukraine_adm0.geojson")

    oblasts = json.loads((shared / "minregion_2020_oblast.geojson").read_text("utf-8"))
    features = []
    for feature in oblasts["features"]:
        name_uk = feature["properties"]["ADMIN_1"]
        name_en, iso = OBLASTS[name_uk]
        feature["properties"] = {"iso_3166_2": iso, "name_en": name_en, "name_uk": name_uk}
        features.append(feature)
    features.sort(key=lambda f: f["properties"]["iso_3166_2"])
    _write(features, HERE / "ukraine_oblasts.geojson")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[4] / "shared/data/boundaries")
