"""OGC API – Features: the protocol documents, parameters, and GDAL's OAPIF driver as a
real client against uvicorn on a loopback port."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pyogrio
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import LiveServer, ServeProcess, World, add_finding


def test_landing_conformance_collections(world: World, client: TestClient) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    classes = client.get("/ogc/conformance").json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in classes)
    assert any(c.endswith("/conf/geojson") for c in classes)
    assert any(c.endswith("/conf/oas30") for c in classes)
    api = client.get("/ogc/api")
    assert api.json()["openapi"].startswith("3.")
    public = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert public == ["incidents", "findings", "control_snapshots"]  # reports hidden
    monitor = client.get("/ogc/collections", headers=world.headers("monitor")).json()
    assert [c["id"] for c in monitor["collections"]] == [
        "incidents", "findings", "reports", "control_snapshots"]
    incidents = client.get("/ogc/collections/incidents").json()
    assert incidents["extent"]["spatial"]["bbox"][0][1] == pytest.approx(47.2)
    assert incidents["extent"]["temporal"]["interval"][0][0].startswith("2025-04-20")


def test_items_datetime_bbox_paging(world: World, client: TestClient) -> None:
    url = "/ogc/collections/incidents/items"
    first = client.get(url, params={"limit": 1}).json()
    assert first["numberMatched"] == 3 and first["numberReturned"] == 1
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(nxt).json()
    assert second["features"][0]["id"] != first["features"][0]["id"]
    assert "prev" in {link["rel"] for link in second["links"]}
    for value, n in (("2025-04-20T07:15:00Z", 3), ("2025-04-20T07:15:00Z/..", 3),
                     ("../2025-04-20T06:00:00Z", 0), ("2025-04-21/2025-05-01", 0),
                     ("2025-04-19T00:00:00Z/2025-04-20T23:59:59Z", 3)):
        assert client.get(url, params={"datetime": value}).json()["numberMatched"] == n, value
    bad = client.get(url, params={"datetime": "2025-05-01/2025-04-01"})
    assert bad.status_code == 400 and bad.json()["field"] == "datetime"  # OGC body
    boxed = client.get(url, params={"bbox": "37.5,47.9,38.0,48.1"}).json()
    assert [f["id"] for f in boxed["features"]] == [world.ids["incident"]]
    snaps = client.get("/ogc/collections/control_snapshots/items",
                       params={"bbox": "37.9,48.0,38.0,48.1"}).json()
    assert snaps["numberMatched"] == 1
    assert snaps["features"][0]["geometry"]["type"] == "Polygon"
    assert client.get("/ogc/collections/control_snapshots/items",
                      params={"datetime": "2025-04-01/.."}).json()["numberMatched"] == 0
    finding = client.get(f"/ogc/collections/findings/items/{world.ids['finding']}").json()
    assert finding["geometry"]["coordinates"] == [37.8049, 48.0123]
    assert finding["properties"]["verdict"] == "likely"


def test_gdal_oapif_driver_lists_collections_and_reads_incidents(world: World) -> None:
    assert "OAPIF" in pyogrio.list_drivers()
    with ServeProcess(world.ws) as server:
        source = f"OAPIF:{server.url}/ogc"
        layers = {name for name, _ in pyogrio.list_layers(source)}
        assert layers == {"incidents", "findings", "control_snapshots"}
        frame = pyogrio.read_dataframe(source, layer="incidents")
        assert len(frame) == 3
        assert set(frame.geometry.geom_type) == {"Point"}
        assert {"category", "confidence", "band", "time_start"} <= set(frame.columns)
        assert "report_ids" not in frame.columns  # public view
        xy = {(round(p.x, 4), round(p.y, 4)) for p in frame.geometry}
        assert (37.8049, 48.0123) in xy
        assert (35.05, 48.55) in xy  # the sensitive one, blurred
        polygons = pyogrio.read_dataframe(source, layer="control_snapshots")
        assert polygons.iloc[0]["side"] == "RU"
        assert polygons.geometry.iloc[0].area == pytest.approx(1.5, rel=1e-6)


def test_sse_streams_new_findings_and_incidents(world: World) -> None:
    with LiveServer(world.ws, poll_s=0.1) as server:
        events: list[tuple[str, dict[str, object]]] = []

        def listen() -> None:
            headers = world.headers("analyst")
            with httpx.stream("GET", f"{server.url}/api/v1/events", headers=headers,
                              params={"max_events": 1, "timeout_s": 20}, timeout=30) as r:
                kind = None
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind:
                        events.append((kind, json.loads(line[6:])))

        thread = threading.Thread(target=listen)
        thread.start()
        time.sleep(0.5)  # connected before the write
        add_finding(world.ws, "f-live", world.ids["incident"], "RU")
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert events and events[0][0] == "finding"
        assert events[0][1]["finding_id"] == "f-live"
