"""Issue 18 item 6: webhooks refuse internal targets unless an admin allows them; one
failing webhook does not stall the others; alerts can be deleted (API and CLI).

Traffic goes to loopback receivers only, and only where the admin setting allows it; the
refusal tests send nothing anywhere (the target is refused before any connection)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ceasefire.web import alerts
from ceasefire.web.app import create_app
from ceasefire.web.webhooks import check_target
from tests.security.web_world import client_fixture, world_fixture  # noqa: F401
from tests.web.conftest import World, add_finding
from tests.web.test_alerts import Receiver

INTERNAL = ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.5/hook",
            "http://172.16.3.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/",
            "http://[::1]/hook", "http://[fd00::1]/", "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/",
            "https://224.0.0.1/"]


def _no_lookup(host: str, port: int) -> list[str]:
    raise AssertionError(f"looked up {host}: the test expected an IP literal")


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_webhook_targets_are_refused(world: World, client: TestClient,
                                              url: str) -> None:
    r = client.post("/api/v1/alerts", headers=world.headers("analyst"),
                    json={"name": "probe", "webhook_url": url})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "webhook_url"
    assert world.ws.store.count("alerts", {"owner": "ana"}) == 0


def test_a_name_resolving_inward_is_refused() -> None:
    """A public-looking name that resolves to a private address (no real lookup here)."""
    with pytest.raises(Exception, match="internal address"):
        check_target("https://hooks.example.org/x", allow_private=False,
                     resolver=lambda host, port: ["10.1.2.3"])
    check_target("https://hooks.example.org/x", allow_private=False,
                 resolver=lambda host, port: ["93.184.215.14"])  # global: accepted
    check_target("http://93.184.215.14/x", allow_private=False, resolver=_no_lookup)


def test_a_delivery_to_a_target_no_longer_allowed_is_refused_without_a_request(
        world: World) -> None:
    alert = alerts.create_alert(world.ws.store, "ana", "inside", {}, "http://10.9.9.9/hook",
                                allow_private=True)
    row = alerts.get_alert(world.ws.store, alert["alert_id"])
    match = {"kind": "finding", "item_id": "f-x", "payload": "{}"}
    assert not alerts.deliver_once(world.ws.store, row, match, 1, allow_private=False)
    log = alerts.deliveries(world.ws.store, alert["alert_id"])
    assert [(d["status_code"], d["error"][:8]) for d in log] == [(None, "refused:")]


def test_the_admin_setting_allows_internal_targets(world: World, client: TestClient) -> None:
    world.ws.settings.web.allow_private_webhooks = True
    r = client.post("/api/v1/alerts", headers=world.headers("analyst"),
                    json={"name": "inside", "webhook_url": "http://127.0.0.1:9/hook"})
    assert r.status_code == 201, r.text


def _receivers(*fails: int) -> list[Receiver]:
    out = [Receiver(fail=f) for f in fails]
    for rx in out:
        rx.thread.start()
    return out


def _wait(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)
    return cond()


def test_a_failing_webhook_does_not_stall_the_others(world: World) -> None:
    """Alert A's receiver always fails (five attempts, 0.5 + 1 + 2 + 4 s of backoff); alert
    B's, queued behind it, is delivered while A waits."""
    world.ws.settings.web.allow_private_webhooks = True  # both receivers are on loopback
    failing, working = _receivers(10**6, 0)
    try:
        with TestClient(create_app(world.ws, poll_s=0.1)) as client:
            for rx, name in ((failing, "a-failing"), (working, "b-working")):
                r = client.post("/api/v1/alerts", headers=world.headers("analyst"), json={
                    "name": name, "webhook_url": rx.url, "filter": {"kinds": ["finding"]}})
                assert r.status_code == 201, r.text
            add_finding(world.ws, "f-both", world.ids["incident"], "RU")
            client.app.state.events.poke()  # type: ignore[attr-defined]
            assert _wait(lambda: len(working.received) == 1, 4.0), \
                f"b waited behind a: {len(failing.received)} attempts to a so far"
            assert len(failing.received) < alerts.MAX_ATTEMPTS  # a still backing off
    finally:
        for rx in (failing, working):
            rx.server.shutdown()
            rx.server.server_close()


def test_alerts_can_be_deleted_through_the_api(world: World, client: TestClient) -> None:
    h = world.headers("analyst")
    alert_id = client.post("/api/v1/alerts", headers=h, json={"name": "x"}).json()["alert_id"]
    add_finding(world.ws, "f-del", world.ids["incident"], "RU")
    alerts.scan(world.ws, deliver=lambda a, m: None)
    assert world.ws.store.count("alert_matches", {"alert_id": alert_id}) > 0
    other = client.delete(f"/api/v1/alerts/{alert_id}", headers=world.headers("monitor"))
    assert other.status_code == 404  # not another user's to delete
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=h).status_code == 404
    assert world.ws.store.count("alert_matches", {"alert_id": alert_id}) == 0
    assert client.delete(f"/api/v1/alerts/{alert_id}", headers=h).status_code == 404


def test_alerts_can_be_deleted_from_the_cli(world: World, client: TestClient,
                                            cli: Any) -> None:
    alert_id = client.post("/api/v1/alerts", headers=world.headers("liaison"),
                           json={"name": "ru"}).json()["alert_id"]
    listed = cli("alerts", "list", "-w", world.ws.root)
    assert listed.exit_code == 0 and alert_id in listed.stdout
    result = cli("alerts", "delete", alert_id, "-w", world.ws.root)
    assert result.exit_code == 0, result.stderr
    assert world.ws.store.count("alerts", {"alert_id": alert_id}) == 0
    missing = cli("alerts", "delete", alert_id, "-w", world.ws.root)
    assert missing.exit_code != 0 and alert_id in missing.stderr
