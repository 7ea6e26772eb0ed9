"""Issue 18 item 10: a Server-Sent Events stream does not outlive its token. Loopback only."""

from __future__ import annotations

import json
import threading
import time

import httpx

from ceasefire.web.users import new_token
from tests.security.web_world import world_fixture  # noqa: F401
from tests.web.conftest import LiveServer, World, add_finding


def test_a_revoked_token_ends_its_event_stream(world: World) -> None:
    lines: list[str] = []
    with LiveServer(world.ws, poll_s=0.1) as server:
        def listen() -> None:
            with httpx.stream("GET", f"{server.url}/api/v1/events",
                              headers=world.headers("analyst"),
                              params={"timeout_s": 15}, timeout=30) as r:
                lines.extend(r.iter_lines())

        thread = threading.Thread(target=listen)
        thread.start()
        time.sleep(0.5)  # connected
        add_finding(world.ws, "f-before", world.ids["incident"], "RU")
        deadline = time.monotonic() + 10
        while not any("f-before" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        new_token(world.ws.store, "ana", revoke_old=True)  # `users token ana --revoke-old`
        time.sleep(1.5)  # past the token cache (1 s)
        add_finding(world.ws, "f-after", world.ids["incident"], "UA")  # unpublished
        started = time.monotonic()
        thread.join(timeout=30)
        assert not thread.is_alive()
    data = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert [d.get("finding_id") for d in data if "finding_id" in d] == ["f-before"]
    assert data[-1] == {"reason": "token revoked"}
    assert time.monotonic() - started < 10  # ended by the revocation, not by timeout_s
