"""The web app's defences (docs/security.md): headers, cross-site refusal, the failed-token
limit, body size, error bodies without internals, and no secrets in the server's logs."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ceasefire.errors import StoreError
from ceasefire.web import security
from ceasefire.web.app import create_app
from ceasefire.web.security import AuthLimiter, redact
from tests.web.conftest import ServeProcess, World, report

# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/incidents", "/ogc",
                                  "/openapi.json", "/api/v1/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # plain http: HSTS would be ignored


def test_hsts_only_over_tls(world: World) -> None:
    with TestClient(create_app(world.ws, watch=False), base_url="https://testserver") as c:
        r = c.get("/api/v1/me")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_docs_page_loads_nothing_from_another_host(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "https://" not in csp
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets
    for asset in assets:  # every file the page names is served here
        assert client.get(asset).status_code == 200, asset


def test_authenticated_answers_are_not_cached(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/incidents", headers=world.headers("monitor")
                      ).headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/api/v1/incidents").headers


# --- cross-site requests ------------------------------------------------------------------------


def test_cross_site_writes_are_refused(client: TestClient, world: World) -> None:
    h = world.headers("monitor")
    for extra in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                  {"Sec-Fetch-Site": "cross-site"}):
        r = client.post("/api/v1/reports", headers={**h, **extra}, json=report("x-1"))
        assert r.status_code == 403, extra
        assert r.json()["error"]["code"] == "forbidden"
        assert r.headers["content-security-policy"]
    assert world.ws.store.count("reports", {"report_id": "x-1"}) == 0
    # the page's own origin may write; reads are never refused for their origin
    r = client.post("/api/v1/reports", json=report("x-1"),
                    headers={**h, "Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201, r.text
    assert client.get("/api/v1/incidents", headers={"Origin": "https://evil.example"}
                      ).status_code == 200


def test_access_token_in_url_only_for_streams_and_feeds(client: TestClient,
                                                        world: World) -> None:
    token = world.tokens["monitor"]
    r = client.post(f"/api/v1/reports?access_token={token}", json=report("u-1"))
    assert r.status_code == 400 and r.json()["error"]["field"] == "access_token"
    assert client.get(f"/api/v1/incidents?access_token={token}").status_code == 400
    r = client.get(f"/api/v1/events?access_token={token}&timeout_s=0.05")
    assert r.status_code == 200


# --- failed-token limit -------------------------------------------------------------------------


def test_bad_tokens_are_rate_limited_with_retry_after(client: TestClient,
                                                       world: World) -> None:
    bad = {"Authorization": "Bearer cf_wrong"}
    codes = [client.get("/api/v1/me", headers=bad).status_code
             for _ in range(security.AUTH_FAILURES)]
    assert codes == [401] * security.AUTH_FAILURES
    r = client.get("/api/v1/me", headers=bad)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(r.headers["retry-after"]) <= security.AUTH_WINDOW_S
    # a blocked client is refused before its token is looked up, good or bad
    assert client.get("/api/v1/me", headers=world.headers("monitor")).status_code == 429
    assert client.get("/api/v1/me").status_code == 200  # anonymous reads stay open


def test_limiter_window_slides() -> None:
    now = [1000.0]
    limiter = AuthLimiter(failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("a") is None
        limiter.failed("a")
        now[0] += 10
    assert limiter.retry_after("a") == 30  # the first failure leaves the window at 1060
    assert limiter.retry_after("b") is None
    now[0] = 1060.5
    assert limiter.retry_after("a") is None


# --- body size, error bodies ---------------------------------------------------------------------


def test_oversized_body_is_refused_before_it_is_read(world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "MAX_BODY", 2_000)
    h = world.headers("monitor")
    with TestClient(create_app(world.ws, watch=False)) as c:
        big = {"reports": [report(f"b-{i}") for i in range(40)]}
        r = c.post("/api/v1/reports/batch", headers=h, json=big)
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

        def chunks():  # no Content-Length: the stream is cut off at the limit
            yield b'{"reports": ['
            for i in range(40):
                yield (b"," if i else b"") + httpx.Response(200, json=report(f"b-{i}")).content
            yield b"]}"

        r = c.post("/api/v1/reports/batch", headers={**h, "Content-Type": "application/json"},
                   content=chunks())
        assert r.status_code == 413, r.text
        assert c.post("/api/v1/reports", headers=h, json=report("small")).status_code == 201
    assert world.ws.store.count("reports", {"report_id": "b-0"}) == 0


def test_server_errors_keep_internals_in_the_log(world: World, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from ceasefire.web.routes import incidents

    def broken(*args: object, **kw: object) -> None:
        raise StoreError("/srv/mission/ceasefire.sqlite: disk I/O error near 'SELECT secret'")

    monkeypatch.setattr(incidents, "parse_page", broken)
    with caplog.at_level(logging.ERROR, logger="ceasefire.web"), \
            TestClient(create_app(world.ws, watch=False)) as c:
        r = c.get("/api/v1/incidents")
    assert r.status_code == 503
    assert r.json() == {"error": {"code": "store_error", "message":
                                  "the server failed (the details are in the server log)"}}
    assert "disk I/O error" in caplog.text


# --- no secrets in logs -----------------------------------------------------------------------------


def test_redact_covers_tokens_and_passwords() -> None:
    line = ('GET /api/v1/events?access_token=cf_abcDEF123456789_xyz-000&timeout_s=1 '
            'Authorization: Bearer sometoken.value postgresql://cf:hunter2@db:5432/x '
            'password=s3cret cf_AAAAAAAAAAAAAAAAAAAAAA')
    clean = redact(line)
    for secret in ("cf_abcDEF", "sometoken", "hunter2", "s3cret", "cf_AAAA"):
        assert secret not in clean
    assert "access_token=[redacted]&timeout_s=1" in clean
    assert "postgresql://cf:[redacted]@db:5432/x" in clean


@contextmanager
def served(world: World) -> Iterator[tuple[str, Any]]:
    """``ceasefire serve`` in a child process, stdout (uvicorn's access log) and stderr in
    one file."""
    args = ServeProcess(world.ws)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args.args, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, "ceasefire serve exited"
                try:
                    if httpx.get(f"{args.url}/ogc", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "ceasefire serve did not start"
                time.sleep(0.1)
            yield args.url, log
        finally:
            proc.terminate()
            proc.wait(timeout=15)


@pytest.mark.slow
def test_served_logs_hold_no_tokens(world: World) -> None:
    """A real ``ceasefire serve``: every way a token can reach the server, then its log."""
    token = world.tokens["monitor"]
    feed_token = world.tokens["analyst"]
    with served(world) as (url, log_file):
        h = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/api/v1/me", headers=h).status_code == 200
        assert httpx.get(f"{url}/api/v1/events",
                         params={"access_token": feed_token, "timeout_s": 0.1}
                         ).status_code == 200
        assert httpx.get(f"{url}/api/v1/incidents", params={"access_token": token}
                         ).status_code == 400
        assert httpx.post(f"{url}/api/v1/reports", headers=h,
                          json=report("log-1", text=f"note {token}")).status_code == 201
        assert httpx.get(f"{url}/api/v1/me",
                         headers={"Authorization": "Bearer cf_guessed_token_value_123"}
                         ).status_code == 401
        time.sleep(0.3)  # let the access log reach the file
        log_file.seek(0)
        log = log_file.read().decode()
    assert "/api/v1/events?access_token=[redacted]&timeout_s=0.1" in log, log
    assert '"GET /api/v1/me HTTP/1.1" 401' in log  # the access log is on, and readable
    for secret in (token, feed_token, "cf_guessed_token_value_123"):
        assert secret not in log
