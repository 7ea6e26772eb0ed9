"""Alerts: a matching finding triggers a signed webhook and an Atom entry; retries are logged."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from ceasefire.web import alerts
from ceasefire.web.users import get_user
from tests.web.conftest import World, add_finding


class Receiver:
    """A loopback HTTP server recording POSTs; answers the first ``fail`` with 500."""

    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if len(outer.received) <= outer.fail else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait(self, n: int, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= n, f"got {len(self.received)} webhook calls, wanted {n}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver()
    rx.thread.start()
    yield rx
    rx.server.shutdown()
    rx.server.server_close()


def test_matching_finding_triggers_signed_webhook_and_atom_entry(
        world: World, client: TestClient, receiver: Receiver) -> None:
    h = world.headers("analyst")
    world.ws.settings.web.allow_private_webhooks = True  # the receiver is on loopback
    r = client.post("/api/v1/alerts", headers=h, json={
        "name": "RU fire near Donetsk", "webhook_url": receiver.url,
        "filter": {"bbox": [37.0, 47.5, 38.5, 48.5], "parties": ["RU"], "kinds": ["finding"],
                   "min_confidence": 0.5}})
    assert r.status_code == 201, r.text
    alert = r.json()
    secret = alert["secret"]
    assert "secret" not in client.get(f"/api/v1/alerts/{alert['alert_id']}", headers=h).json()
    # the finding that already existed (f-ru-1) is not news
    client.app.state.events.poke()  # type: ignore[attr-defined]
    time.sleep(0.5)
    assert receiver.received == []

    add_finding(world.ws, "f-ru-2", world.ids["incident"], "RU", probability=0.9)
    add_finding(world.ws, "f-ru-low", world.ids["incident"], "RU", probability=0.1)
    client.app.state.events.poke()  # type: ignore[attr-defined]
    receiver.wait(1)
    time.sleep(0.3)
    assert len(receiver.received) == 1  # the low-probability one does not match
    headers, body = receiver.received[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-ceasefire-signature"] == expected
    assert headers["x-ceasefire-event"] == "finding"
    assert b'"f-ru-2"' in body

    feed = client.get(f"/api/v1/alerts/{alert['alert_id']}/atom", headers=h)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ET.fromstring(feed.content).findall("a:entry", ns)
    assert [e.find("a:id", ns).text.rsplit(":", 1)[1] for e in entries] == ["f-ru-2"]
    log = client.get(f"/api/v1/alerts/{alert['alert_id']}/deliveries", headers=h).json()
    assert [(d["item_id"], d["ok"], d["status_code"]) for d in log] == [("f-ru-2", 1, 204)]
    # another user's alert is invisible
    other = client.get(f"/api/v1/alerts/{alert['alert_id']}", headers=world.headers("monitor"))
    assert other.status_code == 404


def test_failed_deliveries_are_retried_with_backoff_and_logged(world: World) -> None:
    rx = Receiver(fail=2)
    rx.thread.start()
    try:
        alert = alerts.create_alert(world.ws.store, "ana", "any", {}, rx.url,
                                    allow_private=True)
        stored = alerts.get_alert(world.ws.store, alert["alert_id"])
        add_finding(world.ws, "f-new", None, "UA")
        waits: list[float] = []
        sent = alerts.scan(world.ws, deliver=lambda a, m: alerts.send_webhook(
            world.ws.store, a, m, sleep=waits.append, allow_private=True))
        assert [m["item_id"] for m in sent] == ["f-new"]
        log = alerts.deliveries(world.ws.store, stored["alert_id"])
        assert [(d["attempt"], d["ok"], d["status_code"]) for d in log] == [
            (1, 0, 500), (2, 0, 500), (3, 1, 204)]
        assert waits == [alerts.BACKOFF_S, alerts.BACKOFF_S * 2]
        assert alerts.scan(world.ws) == []  # a match is new once
    finally:
        rx.server.shutdown()
        rx.server.server_close()


def test_unreachable_webhook_gives_up_after_max_attempts(world: World) -> None:
    alert = alerts.create_alert(world.ws.store, "ana", "any", {"kinds": ["incident"]},
                                "http://127.0.0.1:9/nothing", allow_private=True)
    row = alerts.get_alert(world.ws.store, alert["alert_id"])
    match = {"kind": "incident", "item_id": "x", "payload": "{}"}
    assert not alerts.send_webhook(world.ws.store, row, match, sleep=lambda s: None,
                                   allow_private=True)
    log = alerts.deliveries(world.ws.store, alert["alert_id"])
    assert len(log) == alerts.MAX_ATTEMPTS and not any(d["ok"] for d in log)
    assert all(d["error"] for d in log)


def test_polygon_filter(world: World) -> None:
    square = {"type": "Polygon", "coordinates": [[[34.9, 48.4], [35.1, 48.4], [35.1, 48.6],
                                                  [34.9, 48.6], [34.9, 48.4]]]}
    alert = alerts.create_alert(world.ws.store, "ana", "poly",
                                {"polygon": square, "kinds": ["incident"]}, None)
    row = alerts.get_alert(world.ws.store, alert["alert_id"])
    assert [i for _, i, _ in alerts.matching(world.ws.store, row, get_user(world.ws.store, "ana"))] == [
        world.ids["sensitive_incident"]]
