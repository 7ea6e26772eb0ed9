"""Issue 18 item 2: alerts apply their owner's visibility.

The outside review: a UA liaison's alert ``{"filter": {"kinds": ["finding"]}}`` carried,
after ``fuse`` and ``assess``, the full view of unpublished RU findings in its Atom feed and
webhook, while ``GET /api/v1/findings/{id}`` answered that liaison 404. No network: the
webhook deliveries are collected in-process."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient

from ceasefire.web import alerts
from tests.security.web_world import client_fixture, world_fixture  # noqa: F401
from tests.web.conftest import World, add_finding

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_ids(client: TestClient, world: World, alert_id: str) -> set[str]:
    r = client.get(f"/api/v1/alerts/{alert_id}/atom", headers=world.headers("liaison_ua"))
    assert r.status_code == 200, r.text
    return {json.loads(e.findtext(f"{ATOM}content") or "{}").get("finding_id", "")
            for e in ET.fromstring(r.content).iter(f"{ATOM}entry")}


def test_a_liaison_alert_carries_no_unpublished_finding_of_the_other_party(
        world: World, client: TestClient) -> None:
    r = client.post("/api/v1/alerts", headers=world.headers("liaison_ua"),
                    json={"name": "all findings", "filter": {"kinds": ["finding"]}})
    assert r.status_code == 201, r.text
    alert_id = r.json()["alert_id"]
    # what fuse + assess write next: an unpublished RU finding, one against UA, one published
    add_finding(world.ws, "f-ru-hidden", world.ids["incident"], "RU")
    add_finding(world.ws, "f-ua-new", world.ids["incident"], "UA")
    add_finding(world.ws, "f-ru-public", world.ids["incident"], "RU", published=1)
    sent: list[dict[str, Any]] = []
    alerts.scan(world.ws, deliver=lambda a, m: sent.append(json.loads(m["payload"])))
    assert feed_ids(client, world, alert_id) == {"f-ua-new", "f-ru-public"}
    matched = {row["item_id"] for row in world.ws.store.select(
        "alert_matches", {"alert_id": alert_id})}
    assert "f-ru-hidden" not in matched
    assert "f-ru-hidden" not in json.dumps(sent)
    # consistent with the API: the same liaison cannot read that finding either
    assert client.get("/api/v1/findings/f-ru-hidden",
                      headers=world.headers("liaison_ua")).status_code == 404


def test_a_published_finding_reaches_the_alert_once_it_is_published(
        world: World, client: TestClient) -> None:
    r = client.post("/api/v1/alerts", headers=world.headers("liaison_ua"),
                    json={"name": "all findings", "filter": {"kinds": ["finding"]}})
    alert_id = r.json()["alert_id"]
    add_finding(world.ws, "f-ru-later", world.ids["incident"], "RU")
    alerts.scan(world.ws, deliver=lambda a, m: None)
    assert "f-ru-later" not in feed_ids(client, world, alert_id)
    assert client.post("/api/v1/findings/f-ru-later/publish",
                       headers=world.headers("analyst")).status_code == 201
    alerts.scan(world.ws, deliver=lambda a, m: None)
    assert "f-ru-later" in feed_ids(client, world, alert_id)


def test_the_feed_drops_matches_recorded_before_the_fix(world: World,
                                                        client: TestClient) -> None:
    """A workspace whose alerts already matched findings the owner may not see (the old
    matching) does not serve them."""
    r = client.post("/api/v1/alerts", headers=world.headers("liaison_ua"),
                    json={"name": "all findings", "filter": {"kinds": ["finding"]}})
    alert_id = r.json()["alert_id"]
    add_finding(world.ws, "f-ru-old", world.ids["incident"], "RU")
    leaked = {"alert_id": alert_id, "kind": "finding", "id": "f-ru-old",
              "item": {"finding_id": "f-ru-old", "subject": "full view"}}
    world.ws.store.insert("alert_matches", [{
        "alert_id": alert_id, "kind": "finding", "item_id": "f-ru-old",
        "matched_at": "2026-01-01T00:00:00Z", "payload": json.dumps(leaked), "notified": 1}])
    assert "f-ru-old" not in feed_ids(client, world, alert_id)
