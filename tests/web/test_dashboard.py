"""The dashboard's server side: its page and bundle are local-only, the base map is the
bundled boundaries, and the map layers (contact line, change in control, agreement zones)
are the territory services' results. The browser itself is driven in
test_dashboard_browser.py."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser

import pytest
import shapely
from fastapi.testclient import TestClient

from ceasefire.record import ledger
from ceasefire.web import dashboard
from tests.web.conftest import World

IDENTIFIERS = ("http://www.opengis.net/", "http://www.w3.org/")  # names, never fetched


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action"):
            if values.get(name):
                self.urls.append(str(values[name]))
        if "style" in values or tag == "style" or any(a.startswith("on") for a in values):
            self.inline.append(f"<{tag}> {values}")
        self.in_script = tag == "script"
        if tag == "script" and not values.get("src"):
            self.inline.append("<script> without src")

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.inline.append("inline script text")


def test_page_loads_only_its_own_files() -> None:
    page = _Page()
    page.feed((dashboard.STATIC / "index.html").read_text(encoding="utf-8"))
    assert page.urls, "the page names its bundle"
    # same-origin absolute paths or fragments: no scheme, no host, no protocol-relative //
    assert all(re.fullmatch(r"(/(?!/)|#)[^:]*", url) for url in page.urls), page.urls
    assert not page.inline, page.inline  # CSP 'self' allows no inline script or style


def _require_build() -> None:
    if not dashboard.built():
        if os.environ.get("CI") == "true":
            pytest.fail("the dashboard is not built: install.sh must run npm (web/dashboard)")
        pytest.skip("the dashboard is not built (bash install.sh)")


def test_bundle_names_no_other_host() -> None:
    _require_build()
    for name in ("app.js", "sw.js", "app.css"):
        text = (dashboard.BUILD / name).read_text(encoding="utf-8")
        urls = [u for u in re.findall(r"https?://[^\s\"'`)]+", text)
                if not u.startswith(IDENTIFIERS)]
        assert not urls, f"{name} names other hosts: {urls[:5]}"


def test_index_and_worker_are_served_with_a_strict_policy(client: TestClient) -> None:
    _require_build()
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "http" not in csp
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["service-worker-allowed"] == "/"
    assert "javascript" in sw.headers["content-type"]
    assert client.get("/static/build/app.js").status_code == 200
    assert client.get("/static/build/app.css").status_code == 200
    assert client.get("/static/nope.js").status_code == 404


def test_unbuilt_dashboard_says_how_to_build(client: TestClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "built", lambda: False)
    r = client.get("/")
    assert r.status_code == 503 and "npm run build" in r.text
    assert client.get("/sw.js").status_code == 404


def test_basemap_is_the_bundled_oblasts(client: TestClient) -> None:
    r = client.get("/basemap.geojson")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    doc = r.json()
    codes = {f["properties"]["code"] for f in doc["features"]}
    assert len(doc["features"]) == 27 and "UA-14" in codes and "UA-30" in codes
    kyiv = next(f for f in doc["features"] if f["properties"]["code"] == "UA-30")
    assert kyiv["properties"]["name_uk"] == "Місто Київ"
    # the oblasts tile the country: their union is the bundled outline's area, within 1 %
    union = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in doc["features"]])
    from ceasefire.services.territory import national_territory

    assert union.area == pytest.approx(national_territory().outline.area, rel=0.01)


def test_contact_line_of_the_snapshot_in_force(world: World, client: TestClient) -> None:
    r = client.get("/api/v1/territory/contact-line", params={"date": "2025-04-01"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["snapshot_date"] == "2025-03-13" and doc["source"] == "test"
    # the RU-held test square: its outline is contact line, except where its south-east
    # corner lies on the state border (a border is not a contact line)
    square = shapely.box(37.0, 47.5, 38.5, 48.5)
    line = shapely.geometry.shape(doc["features"][0]["geometry"])
    assert square.exterior.buffer(1e-6).contains(line)
    assert 0.7 * square.exterior.length < line.length < square.exterior.length
    assert 400 < doc["length_km"] < 556  # the whole outline: 2 × (111 km + 111.6 km) ≈ 556 km
    assert client.get("/api/v1/territory/contact-line").json()["snapshot_date"] == "2025-03-13"
    bad = client.get("/api/v1/territory/contact-line", params={"date": "13/03/2025"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "date"
    early = client.get("/api/v1/territory/contact-line", params={"date": "2025-01-01"})
    assert early.status_code == 422


def test_change_in_control_and_its_cache(world: World, client: TestClient) -> None:
    same = client.get("/api/v1/territory/change").json()
    assert same["sides"]["RU"]["gained_km2"] == 0 and same["features"] == []
    bigger = shapely.box(37.0, 47.5, 38.7, 48.5)  # RU takes a 0.2° strip to the east
    ledger.record(world.ws.store, actor="test", action="territory.import", rows={
        "control_snapshots": [{"snapshot_date": "2025-04-01", "side": "RU", "source": "test",
                               "geometry": shapely.to_wkb(bigger), "area_km2": 13000.0}]})
    doc = client.get("/api/v1/territory/change",
                     params={"from": "2025-03-13", "to": "2025-04-01"}).json()
    ru, ua = doc["sides"]["RU"], doc["sides"]["UA"]
    # the strip as far as it lies in Ukraine (its east end crosses the border), measured
    # here independently on the ellipsoid
    from pyproj import Geod

    from ceasefire.services.territory import national_territory

    strip = shapely.box(38.5, 47.5, 38.7, 48.5).intersection(national_territory().outline)
    expected = abs(Geod(ellps="WGS84").geometry_area_perimeter(strip)[0]) / 1e6
    assert 1000 < expected < 1656  # the whole strip: 0.2° × 1° at 48°N ≈ 1 656 km²
    assert ru["gained_km2"] == pytest.approx(expected, rel=0.01)
    assert ua["lost_km2"] == pytest.approx(ru["gained_km2"], rel=1e-6)
    assert {f["properties"]["side"] for f in doc["features"]} == {"RU"}
    backwards = client.get("/api/v1/territory/change",
                           params={"from": "2025-04-01", "to": "2025-03-13"})
    assert backwards.status_code == 422


def test_zones_of_an_agreement(world: World, client: TestClient) -> None:
    doc = client.get(f"/api/v1/agreements/{world.ids['agreement']}/zones").json()
    assert doc["date"] == "2025-04-19"  # the truce's first day
    assert [(f["properties"]["zone_id"], f["properties"]["kind"], f["geometry"])
            for f in doc["features"]] == [("all-fronts", "anywhere", None)]
    assert client.get("/api/v1/agreements/nope/zones").status_code == 404
