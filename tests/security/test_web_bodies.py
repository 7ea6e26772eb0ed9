"""Issue 18 item 7 and the web low items: bodies are capped and authenticated before they
are read; huge offsets are bad requests; the bad-token limit holds against a rotating
X-Forwarded-For. Traffic stays in-process or on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ceasefire.web.app import create_app
from ceasefire.workspace import Workspace
from tests.security.web_world import client_fixture, world_fixture  # noqa: F401
from tests.web.conftest import ServeProcess, World

MIB = 1 << 20
BOUNDARY = "x-boundary"


def _post(app: Any, path: str, chunks: int, headers: dict[str, str] | None = None,
          chunk: bytes = b"\0" * MIB) -> tuple[int, int]:
    """POST ``chunks`` MiB to ``app`` as a stream without Content-Length, straight over
    ASGI; return the status and how many chunks the app took from the stream."""
    taken = 0
    status = 0
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").encode()

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += 1
        if taken > chunks:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": head if taken == 1 else chunk,
                "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "client": ("127.0.0.1", 5000),
             "server": ("127.0.0.1", 80),
             "headers": [(b"host", b"127.0.0.1"), (b"content-type",
                                                    f"multipart/form-data; boundary={BOUNDARY}"
                                                    .encode()),
                         *[(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]]}
    asyncio.run(app(scope, receive, send))
    return status, min(taken, chunks)


@pytest.fixture
def app(world: World) -> Iterator[Any]:
    yield create_app(world.ws, watch=False, max_upload_bytes=2 * MIB)


def test_anonymous_upload_is_refused_before_its_body_is_read(app: Any, world: World) -> None:
    status, taken = _post(app, f"/api/v1/reports/{world.ids['report']}/evidence", 200)
    assert status == 401
    assert taken == 0  # not one chunk of the 200 MiB was read, let alone spooled


def test_an_upload_is_capped_at_the_upload_limit(app: Any, world: World) -> None:
    status, taken = _post(app, f"/api/v1/reports/{world.ids['report']}/evidence", 40,
                          world.headers("admin"))
    assert status == 413
    assert taken <= 2 + 1 + 1  # the limit, the form's framing, the chunk that crossed it


def test_the_body_cap_does_not_skip_paths_ending_in_evidence(client: TestClient,
                                                             world: World) -> None:
    r = client.post("/api/v1/anything/evidence", headers={
        **world.headers("admin"), "Content-Length": str(65 * MIB)}, content=b"")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_a_token_for_the_wrong_role_is_refused_before_the_body(app: Any, world: World) -> None:
    status, taken = _post(app, f"/api/v1/reports/{world.ids['report']}/evidence", 50,
                          world.headers("analyst"))
    assert (status, taken) == (403, 0)
    status, taken = _post(app, f"/api/v1/reports/{world.ids['report']}/evidence", 50,
                          {"Authorization": "Bearer cf_wrong"})
    assert (status, taken) == (401, 0)


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/findings", "/api/v1/reports",
                                  "/ogc/collections/incidents/items"])
def test_a_huge_offset_is_a_bad_request(client: TestClient, world: World, path: str) -> None:
    r = client.get(path, params={"offset": str(10**40)}, headers=world.headers("admin"))
    assert r.status_code == 400, r.text
    body = r.json()
    if path.startswith("/ogc"):  # OGC API's own error body: {code, description}
        assert "offset" in body["description"]
    else:
        assert body["error"]["field"] == "offset"


@pytest.mark.slow
def test_rotating_x_forwarded_for_does_not_dodge_the_token_limit(workspace: Workspace) -> None:
    """``ceasefire serve`` with no proxy configured, on loopback: X-Forwarded-For is not
    believed, so 11 bad tokens under 11 claimed addresses still hit the limit of 10."""
    with ServeProcess(workspace) as server:
        statuses = [httpx.get(f"{server.url}/api/v1/me", timeout=10, headers={
            "Authorization": "Bearer cf_guess", "X-Forwarded-For": f"203.0.113.{i}"}
                              ).status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
