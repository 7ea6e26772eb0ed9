"""OGC API – Features Part 1 Core, strictly: unknown parameters, HEAD, CORS, error bodies, the
OpenAPI 3.0 document, RFC 7946 winding, queryables/schema and the extent cache; and two
clients nobody on the project wrote, OWSLib and GDAL's OAPIF driver, reading every
collection from ``ceasefire serve`` on a loopback port."""

from __future__ import annotations

import json

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from ceasefire.record import ledger
from ceasefire.web.ogc_schema import CRS84, PROPERTIES
from tests.web.conftest import ServeProcess, World

ITEMS = "/ogc/collections/incidents/items"
TYPES = {"string": str, "number": (int, float), "integer": int, "boolean": bool}


def _holed_snapshot(world: World) -> None:
    """A snapshot whose rings are stored the wrong way round: exterior clockwise, hole
    anticlockwise (as the DeepState import left them)."""
    outer = [(30.0, 50.0), (30.0, 51.0), (31.0, 51.0), (31.0, 50.0), (30.0, 50.0)]  # cw
    hole = [(30.2, 50.2), (30.8, 50.2), (30.8, 50.8), (30.2, 50.8), (30.2, 50.2)]  # ccw
    polygon = shapely.Polygon(outer, [hole])
    assert not shapely.is_ccw(polygon.exterior) and shapely.is_ccw(polygon.interiors[0])
    ledger.record(world.ws.store, actor="test", action="territory.import", rows={
        "control_snapshots": [{"snapshot_date": "2025-03-14", "side": "RU", "source": "test",
                               "geometry": shapely.to_wkb(polygon), "area_km2": 7000.0}]})


@pytest.mark.parametrize(("path", "params"), [
    (ITEMS, {"foo": "bar"}), (ITEMS, {"f": "xml"}),
    (ITEMS, {"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}),
    (ITEMS, {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}),
    ("/ogc/collections/control_snapshots/items", {"category": "shelling"}),
    ("/ogc", {"foo": "1"}), ("/ogc/collections", {"f": "html"}),
    ("/ogc/collections/incidents", {"limit": "5"}), ("/ogc/api", {"x": "y"}),
])
def test_unknown_parameters_are_400_in_the_ogc_shape(client: TestClient, path: str,
                                                     params: dict[str, str]) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "bad_request" and body["description"]
    assert set(body) <= {"code", "description", "field"}
    assert r.headers["access-control-allow-origin"] == "*"


def test_declared_values_are_accepted(client: TestClient) -> None:
    for params in ({"f": "json"}, {"f": "geojson"}, {"crs": CRS84}, {"bbox-crs": CRS84,
                                                                     "bbox": "30,44,40,52"}):
        assert client.get(ITEMS, params=params).status_code == 200, params
    assert client.get("/ogc", params={"f": "json"}).status_code == 200
    missing = client.get("/ogc/collections/incidents/items/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_head_and_cors(client: TestClient) -> None:
    get = client.get(ITEMS)
    head = client.head(ITEMS)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"] == "application/geo+json"
    assert head.headers["content-length"] == get.headers["content-length"]
    assert get.headers["access-control-allow-origin"] == "*"
    assert client.head("/ogc/collections").status_code == 200
    pre = client.options(ITEMS, headers={"Origin": "https://map.example",
                                         "Access-Control-Request-Method": "GET",
                                         "Access-Control-Request-Headers": "authorization"})
    assert pre.status_code == 204
    assert "Authorization" in pre.headers["access-control-allow-headers"]
    assert "HEAD" in pre.headers["access-control-allow-methods"]
    # the REST API is not opened to other origins
    assert "access-control-allow-origin" not in client.get("/api/v1/incidents").headers


def test_openapi_document_matches_oas30(client: TestClient) -> None:
    r = client.get("/ogc/api")
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    assert doc["openapi"].startswith("3.0.")
    params = doc["components"]["parameters"]
    assert params["bbox"]["schema"]["type"] == "array"
    assert params["bbox"]["style"] == "form" and params["bbox"]["explode"] is False
    assert params["limit"]["schema"]["maximum"] == 10_000
    statuses = {s for path in doc["paths"].values() for op in path.values()
                for s in op["responses"]}
    assert "422" not in statuses and statuses <= {"200", "400", "401", "403", "404"}
    # every parameter the document declares for items is one the route accepts
    items = doc["paths"]["/collections/incidents/items"]["get"]["parameters"]
    names = [params[p["$ref"].rsplit("/", 1)[1]]["name"] for p in items]
    examples = {"bbox": "30,44,40,52", "datetime": "2025-04-20", "limit": "5", "offset": "0",
                "f": "json", "crs": CRS84, "bbox-crs": CRS84, "category": "shelling",
                "party": "RU", "min_confidence": "0.1"}
    for name in names:
        assert client.get(ITEMS, params={name: examples[name]}).status_code == 200, name
    assert {"head", "get"} <= set(doc["paths"]["/collections/incidents/items"])


def test_control_snapshot_rings_wind_per_rfc7946(world: World, client: TestClient) -> None:
    _holed_snapshot(world)
    features = client.get("/ogc/collections/control_snapshots/items").json()["features"]
    holed = [f for f in features if f["id"] == "2025-03-14_RU_test"]
    assert holed and len(features) == 2
    for feature in features:
        geom = shapely.geometry.shape(feature["geometry"])
        for polygon in getattr(geom, "geoms", [geom]):
            assert shapely.is_ccw(polygon.exterior), feature["id"]
            assert not any(shapely.is_ccw(ring) for ring in polygon.interiors), feature["id"]
    assert len(shapely.geometry.shape(holed[0]["geometry"]).interiors) == 1
    one = client.get("/ogc/collections/control_snapshots/items/2025-03-14_RU_test").json()
    assert shapely.is_ccw(shapely.geometry.shape(one["geometry"]).exterior)


@pytest.mark.parametrize("role", [None, "monitor"])
def test_schema_and_queryables_declare_what_features_carry(world: World, client: TestClient,
                                                           role: str | None) -> None:
    headers = world.headers(role) if role else {}
    listed = client.get("/ogc/collections", headers=headers).json()["collections"]
    for collection in listed:
        cid = collection["id"]
        links = {link["rel"]: link["href"] for link in collection["links"]}
        schema = client.get(links["describedby"], headers=headers)
        assert schema.headers["content-type"] == "application/schema+json"
        declared = schema.json()["properties"]["properties"]["properties"]
        queryables = client.get(
            links["http://www.opengis.net/def/rel/ogc/1.0/queryables"], headers=headers).json()
        assert queryables["type"] == "object"
        assert set(queryables["properties"]) - {"geometry"} <= set(declared)
        features = client.get(f"/ogc/collections/{cid}/items", headers=headers).json()
        assert features["features"], cid
        for feature in features["features"]:
            for key, value in feature["properties"].items():
                assert key in declared, (cid, key)
                if value is not None:
                    assert isinstance(value, TYPES[declared[key]["type"]]), (cid, key, value)
        assert set(declared) <= set(PROPERTIES[cid])
    if role is None:
        public = client.get("/ogc/collections/incidents/schema").json()[
            "properties"]["properties"]["properties"]
        assert "report_ids" not in public and "location_blurred" in public


def test_extent_is_cached_until_a_write(world: World, client: TestClient) -> None:
    url = "/ogc/collections/control_snapshots"
    before = client.get(url).json()["extent"]
    assert client.get(url).json()["extent"] == before
    _holed_snapshot(world)  # a write: further west, a day later
    after = client.get(url).json()["extent"]
    assert after["spatial"]["bbox"][0][0] == pytest.approx(30.0)
    assert after["temporal"]["interval"][0][1].startswith("2025-03-14")
    assert before["spatial"]["bbox"][0][0] == pytest.approx(37.0)


def test_owslib_and_gdal_read_every_collection(world: World) -> None:
    from owslib.ogcapi.features import Features

    _holed_snapshot(world)
    store = world.ws.store
    counts = {"incidents": store.count("incidents"), "reports": store.count("reports"),
              "control_snapshots": store.count("control_snapshots"),
              "findings": store.count("findings")}
    token = world.tokens["monitor"]
    with ServeProcess(world.ws) as server:
        api = Features(f"{server.url}/ogc", headers={"Authorization": f"Bearer {token}"})
        ids = [c["id"] for c in api.collections()["collections"]]
        assert ids == ["incidents", "findings", "reports", "control_snapshots"]
        assert any(c.endswith("/conf/oas30") for c in api.conformance()["conformsTo"])
        for cid in ids:
            items = api.collection_items(cid, limit=2)
            assert items["numberMatched"] == counts[cid], cid
            assert len(items["features"]) == min(2, counts[cid])
            queryables = api.collection_queryables(cid)
            assert queryables["properties"], cid
        assert api.api()["openapi"].startswith("3.0.")

        source = f"OAPIF:{server.url}/ogc"
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER",
                                         "GDAL_HTTP_BEARER": token})
        try:
            for cid in ids:
                frame = pyogrio.read_dataframe(source, layer=cid)
                assert len(frame) == counts[cid], cid
                info = pyogrio.read_info(source, layer=cid)
                types = dict(zip(info["fields"], info["dtypes"], strict=True))
                for name, spec in PROPERTIES[cid].items():
                    if name in types and spec.get("format") is None:
                        want = {"number": "float64", "integer": ("int32", "int64"),
                                "boolean": "bool", "string": "object"}[spec["type"]]
                        assert types[name] in (want if isinstance(want, tuple) else (want,)), (
                            cid, name, types[name])
            incidents = pyogrio.read_info(source, layer="incidents")
            assert dict(zip(incidents["fields"], incidents["dtypes"], strict=True))[
                "attribution_probability"] == "float64"
        finally:
            pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})


def test_error_body_is_json_with_code_and_description(client: TestClient) -> None:
    r = client.get(ITEMS, params={"limit": "many"})
    assert r.status_code == 400
    assert json.loads(r.content)["code"] == "bad_request"
