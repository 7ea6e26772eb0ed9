"""End-to-end: Debian's chromium, driven by Playwright, uses the dashboard served by the real
app on a loopback port: log in, filter, open an incident, confirm a finding, reply as a
liaison, and submit a report offline that is synced exactly once when the network returns.

Every test records every request the browser makes and fails if one goes to any host but
the server's own. Screenshots go to tests/artifacts/ (gitignored; CI keeps them).
Never ``playwright install``: the browser is /usr/bin/chromium from install.sh.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ceasefire.web import dashboard
from tests.conftest import REPO_ROOT
from tests.web.conftest import PNG, LiveServer, World

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the [dev] extra is not installed: the fixture says so
    sync_playwright = None

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
TIMEOUT_MS = 30_000


def _missing() -> list[str]:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("chromium (/usr/bin/chromium, from install.sh)")
    if not dashboard.built():
        missing.append("the dashboard bundle (npm run build, from install.sh)")
    if sync_playwright is None:
        missing.append("the playwright package (the [dev] extra)")
    return missing


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail("browser tests need " + ", ".join(missing))
        pytest.skip("browser tests need " + ", ".join(missing))
    assert sync_playwright is not None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Session:
    """A browser context on the served world that records every request it makes."""

    def __init__(self, browser: Any, server: LiveServer, **context: Any) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, **context)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.console: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def open(self, path: str = "/") -> Any:
        self.page.goto(self.server.url + path)
        self.page.wait_for_selector("body[data-ready=true]", state="attached")
        return self.page

    def login(self, token: str) -> None:
        page = self.page
        page.click("#login-open")
        page.fill("#login-token", token)
        page.click("#login-submit")
        page.wait_for_selector("#logout:not([hidden])")
        expect(page.locator("#f-count")).to_have_text(re.compile(r"^3 "))

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"))

    def close(self) -> None:
        self.context.close()
        own = urlsplit(self.server.url).netloc
        foreign = sorted({u for u in self.requests
                          if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                          and urlsplit(u).netloc != own})
        assert self.requests and not foreign, f"requests to other hosts: {foreign}"
        blocked = [m for m in self.console if "Content Security Policy" in m or "pageerror" in m]
        assert not blocked, blocked


def _until(check: Any, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Poll ``check()`` from Python (the page's CSP forbids the eval that
    ``wait_for_function`` would use, which is as it should be)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture
def served(world: World) -> Iterator[LiveServer]:
    with LiveServer(world.ws, poll_s=0.2) as server:
        yield server


@pytest.fixture
def session(browser: Any, served: LiveServer) -> Iterator[Session]:
    s = Session(browser, served)
    yield s
    s.close()


def _events(world: World, finding_id: str) -> list[dict[str, Any]]:
    return list(world.ws.store.select("finding_events", {"finding_id": finding_id},
                                      order_by=["event_id"]))


def test_login_filter_open_incident_and_confirm_a_finding(world: World,
                                                          session: Session) -> None:
    page = session.open()
    session.login(world.tokens["monitor"])
    assert page.text_content("#who").startswith("mona")
    assert page.text_content("#f-count").startswith("3 ")
    # filter: drop the band of the two monitor-observed incidents ("confirmed": a neutral
    # monitor's own A-grade observation, and no other non-party group to be silent), then
    # one category, then bring all back
    bands = sorted(r["band"] for r in world.ws.store.select("incidents"))
    assert bands == ["confirmed", "confirmed", "moderate"], bands
    page.uncheck("#band-confirmed")
    expect(page.locator("#f-count")).to_have_text(re.compile(r"^1 "))
    assert page.locator(".incident-item").count() == 1
    page.check("#band-confirmed")
    page.select_option("#f-category", ["drone_strike"])
    expect(page.locator("#f-count")).to_have_text(re.compile(r"^1 "))
    assert page.locator(f".incident-item[data-id='{world.ids['sensitive_incident']}']").count() == 1
    page.select_option("#f-category", [])
    expect(page.locator("#f-count")).to_have_text(re.compile(r"^3 "))
    session.shot("map")

    # open the incident of osce:p-1 from the keyboard-reachable list
    item = page.locator(f".incident-item[data-id='{world.ids['incident']}']")
    item.focus()
    page.keyboard.press("Enter")
    detail = page.locator("#detail")
    detail.locator("article.report").first.wait_for()
    text = detail.inner_text()
    assert world.ids["incident"] in text and "osce:p-1" in text
    assert "Monitoring mission patrol" in text and "reliability A" in text  # source + grade
    assert "Confidence breakdown" in text
    session.shot("incident")

    # its finding: confirm it with a note
    detail.locator(".finding-link", has_text="no-fire").first.click()
    page.wait_for_selector("#act-confirm")
    page.fill("#act-note", "seen from the patrol vehicle")
    page.click("#act-confirm")
    page.wait_for_selector(".history[data-updated=confirm]")
    assert "seen from the patrol vehicle" in detail.inner_text()
    events = _events(world, world.ids["finding"])
    assert [(e["action"], e["actor"], e["note"]) for e in events] == [
        ("confirm", "mona", "seen from the patrol vehicle")]
    # Escape closes the panel and gives focus back to the list
    page.keyboard.press("Escape")
    assert detail.is_hidden()
    session.shot("confirmed")


def test_liaison_replies_to_a_finding_about_its_party(world: World, session: Session) -> None:
    page = session.open()
    session.login(world.tokens["liaison"])  # lira, liaison of RU
    page.locator(f".incident-item[data-id='{world.ids['incident']}']").click()
    page.locator("#detail .finding-link").first.click()
    page.wait_for_selector("#act-reply")
    assert page.locator("#act-confirm").count() == 0  # liaisons do not review
    page.fill("#act-note", "Our units did not fire on 20 April.")
    page.click("#act-reply")
    page.wait_for_selector(".history[data-updated=reply]")
    events = _events(world, world.ids["finding"])
    assert [(e["action"], e["actor"], e["party"]) for e in events] == [("reply", "lira", "RU")]
    session.shot("reply")


def _fill_report(page: Any, text: str) -> str:
    page.click(".tab[data-view=report]")
    page.fill("#r-source", "osce")
    page.fill("#r-when", "2025-04-20T09:30")
    page.fill("#r-lat", "47.84")
    page.fill("#r-lon", "35.14")
    page.select_option("#r-category", "mlrs")
    page.select_option("#r-perpetrator", "RU")
    page.fill("#r-text", text)
    page.set_input_files("#r-photos", files=[{"name": "crater.png", "mimeType": "image/png",
                                              "buffer": PNG}])
    digest = hashlib.sha256(PNG).hexdigest()
    page.wait_for_selector(f"code.sha:text('{digest}')")  # hashed in the browser at capture
    return digest


def _stored(world: World, text: str) -> list[dict[str, Any]]:
    return list(world.ws.store.select("reports", {"text": text}))


def test_offline_report_is_synced_exactly_once(world: World, session: Session) -> None:
    page = session.open()
    session.login(world.tokens["monitor"])
    # the service worker holds the page's shell before the network goes away
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    _until(lambda: page.evaluate("navigator.serviceWorker.controller !== null"))
    session.context.set_offline(True)
    _until(lambda: page.evaluate("!navigator.onLine"))
    text = "Offline: 6 MLRS launches heard to the south-east."
    digest = _fill_report(page, text)
    page.click("#r-submit")
    page.wait_for_selector("#r-queue li.queued")
    assert page.locator("#r-queue li.queued").count() == 1
    assert "1" in page.text_content("#queue-badge")
    # reloading with no network: the shell comes from the service worker, the report from
    # IndexedDB; nothing has reached the server
    page.reload()
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.click(".tab[data-view=report]")
    page.wait_for_selector("#r-queue li.queued")
    assert _stored(world, text) == []
    session.shot("offline-queued")

    session.context.set_offline(False)
    page.wait_for_selector("#r-sent li.sent")
    page.wait_for_selector("#r-queue li.note")  # the queue is empty
    rows = _stored(world, text)
    assert len(rows) == 1, rows
    gid = f"{rows[0]['source_id']}:{rows[0]['report_id']}"
    assert rows[0]["ingest_file"] == "api:mona" and rows[0]["category"] == "mlrs"
    files = list(world.ws.store.select("evidence_files", {"report_id": rows[0]["report_id"]}))
    assert [f["sha256"] for f in files] == [digest]
    # more passes of the sender (page timer, service worker, button) change nothing
    page.click("#r-sync")
    page.wait_for_timeout(500)
    assert len(_stored(world, text)) == 1
    assert page.locator("#r-sent li.sent").count() == 1
    assert gid in page.text_content("#r-sent")
    session.shot("offline-synced")


def test_lost_response_is_retried_without_a_duplicate(browser: Any, world: World,
                                                      served: LiveServer) -> None:
    """The server stores the report but the answer never arrives: the device keeps it queued
    and sends it again under the same Idempotency-Key; the server replays its answer."""
    session = Session(browser, served, service_workers="block")  # the page sends, alone
    try:
        page = session.open()
        session.login(world.tokens["monitor"])
        seen: list[str] = []

        def lose_answer(route: Any) -> None:
            seen.append(route.request.headers.get("idempotency-key", ""))
            route.fetch()   # the server gets it and stores the report ...
            route.abort()   # ... and the device never hears back

        page.route("**/api/v1/reports", lose_answer)
        text = "Lost answer: small-arms fire near the checkpoint."
        _fill_report(page, text)
        page.click("#r-submit")
        expect(page.locator("#r-queue li.queued")).to_have_count(1)
        page.wait_for_timeout(300)
        assert len(seen) == 1 and seen[0].startswith("dash-")
        assert len(_stored(world, text)) == 1  # stored, though the device does not know
        page.unroute("**/api/v1/reports")
        page.click("#r-sync")
        page.wait_for_selector("#r-sent li.sent")
        assert "answer replayed" in page.text_content("#r-sent")
        assert len(_stored(world, text)) == 1
        keys = list(world.ws.store.select("idempotency_keys", {"key": seen[0]}))
        assert len(keys) == 1
    finally:
        session.close()


def test_ukrainian_interface(world: World, session: Session) -> None:
    page = session.open()
    page.select_option("#lang", "uk")
    assert page.get_attribute("html", "lang") == "uk"
    assert page.text_content(".tab[data-view=map]") == "Мапа"
    assert page.text_content("#f-band legend") == "Рівень достовірності"
    page.reload()  # the choice is kept
    page.wait_for_selector("body[data-ready=true]", state="attached")
    assert page.text_content(".tab[data-view=report]") == "Звіт"
    session.shot("uk")


def test_live_update_shows_a_new_incident(world: World, session: Session) -> None:
    """A report fused by another process appears on the open page through the SSE stream."""
    import httpx

    from ceasefire.services.fusion import fuse_workspace
    from tests.web.conftest import report

    page = session.open()
    session.login(world.tokens["analyst"])
    expect(page.locator("#live")).to_have_text("live")
    r = httpx.post(f"{session.server.url}/api/v1/reports", headers=world.headers("monitor"),
                   json=report("live-1", lat=46.6, lon=32.6, category="airstrike"))
    assert r.status_code == 201, r.text
    fuse_workspace(world.ws)  # what `ceasefire fuse` does in another process
    expect(page.locator("#f-count")).to_have_text(re.compile(r"^4 of 4 "))
    new = [i for i in world.ws.store.select("incidents") if i["category"] == "airstrike"]
    assert len(new) == 1
    expect(page.locator(f".incident-item[data-id='{new[0]['incident_id']}']")).to_have_count(1)
