"""Schemathesis against the app's own ``/openapi.json`` (issue 11: hostile input).

Every operation in the schema gets generated requests, valid (positive) and invalid
(negative), sent as an admin (who reaches the most code), a liaison (the narrowed views)
and anonymously, to the real app over a small monitoring operation (users of every role,
sources, reports, incidents, findings, an agreement, a control snapshot). Every answer
must be a 2xx/3xx/4xx in the one error shape, never a 5xx, never a traceback.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire.web.app import create_app
from ceasefire.web.security import AuthLimiter
from ceasefire.workspace import Workspace
from tests.web.conftest import World

ROLES = ("admin", "liaison", None)
EXAMPLES = 25


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation: the schema needs the routes only, not data."""
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            spec = create_app(ws, watch=False).openapi()
        finally:
            ws.close()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


OPERATIONS = _operations()


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS,
                         ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors(method: str, path: str, world: World) -> None:
    app = create_app(world.ws, watch=False)
    # generated requests carry made-up tokens: the failed-token limit (tested in
    # test_security.py) would soon answer everything with 429 and hide the routes
    app.state.auth_limiter = AuthLimiter(failures=10**9)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode)
                        for mode in schemathesis.GenerationMode))
    calls = []

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        if path == "/api/v1/events":  # a stream: make it end
            case.query = {**(case.query or {}), "timeout_s": 0.05}
        for role in ROLES:
            headers = {**(case.headers or {}), **(world.headers(role) if role else {})}
            response = case.call(headers=headers)
            calls.append(response.status_code)
            where = f"{case.method} {case.formatted_path} as {role or 'public'}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
            assert "Traceback" not in response.text, where
            content_type = response.headers.get("content-type") or [""]  # a list per name
            if response.status_code >= 400 and content_type[0].startswith("application/json"):
                if path.startswith("/ogc"):  # OGC's exception shape (web/ogc_http.py)
                    ogc_error = response.json()
                    assert ogc_error["code"] and ogc_error["description"], where
                else:
                    error = response.json()["error"]
                    assert error["code"] and error["message"], where

    check()
    assert calls, "no request was generated"
    print(f"{method} {path}: {len(calls)} requests, statuses {sorted(set(calls))}")
