"""The web application: ``create_app(workspace) -> FastAPI``.

One app serves the REST API (``/api/v1``), OGC API – Features (``/ogc``), Server-Sent
Events and the OpenAPI docs (``/docs``, ``/openapi.json``). It holds one open
:class:`~ceasefire.workspace.Workspace`; writes made through the API are serialised by one
lock (the SQLite store has one writer anyway), and a :class:`~ceasefire.web.sse.Watcher`
thread notices incidents and findings written by other processes (``ceasefire fuse``,
``ceasefire assess``) to stream them and to fire alerts.

>>> from ceasefire.web.app import create_app   # doctest: +SKIP
>>> app = create_app(Workspace.open("demo"))   # doctest: +SKIP
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from ceasefire import __version__
from ceasefire.web import api_docs, dashboard, errors, ogc, security, sse
from ceasefire.web.auth import gate
from ceasefire.web.group_commit import GroupCommit
from ceasefire.web.routes import (
    agreements,
    alerts,
    claims,
    evidence,
    findings,
    incidents,
    reports,
    sources,
)
from ceasefire.web.users import Principal, TokenCache
from ceasefire.workspace import Workspace

DEFAULT_MAX_UPLOAD = 500 * (1 << 20)

DESCRIPTION = """Ceasefire monitoring: submit reports and evidence, read incidents and
findings, review and reply, follow alerts. Authenticate with `Authorization: Bearer <token>`
(tokens from `ceasefire users token NAME`); without a token you have the public role.
Who may use what: docs/access.md. Every error body is
`{"error": {"code", "message", "field"?}}`."""


def create_app(workspace: Workspace, *, poll_s: float = 2.0,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD, watch: bool = True) -> FastAPI:
    """Build the app over an open workspace (the caller keeps ownership of it).

    ``poll_s``: how often the watcher looks for incidents/findings written elsewhere;
    ``watch=False`` disables the watcher (no SSE events, no alerts).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        security.redact_logs()  # after the server has set up its log handlers
        if watch:
            app.state.events.start()
        try:
            yield
        finally:
            app.state.events.stop()

    app = FastAPI(title="ceasefire", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None)
    app.state.workspace = workspace
    app.state.write_lock = threading.RLock()
    app.state.group_commit = GroupCommit(workspace, app.state.write_lock)
    app.state.token_cache = TokenCache()
    app.state.max_upload_bytes = max_upload_bytes
    app.state.events = sse.Watcher(workspace, poll_s=poll_s)
    errors.install(app)
    security.install(app)

    @app.get("/api/v1/me", tags=["auth"], summary="Who the token belongs to")
    def me(principal: Principal = Depends(gate("me"))) -> dict[str, Any]:
        return {"name": principal.name, "role": principal.role, "party": principal.party}

    for module in (sources, reports, evidence, incidents, findings, agreements, claims, alerts):
        app.include_router(module.router)
    app.include_router(sse.router)
    ogc.install(app)  # routes + HEAD/CORS/OGC error bodies under /ogc
    dashboard.install(app)  # the web page at / (docs/dashboard.md)
    api_docs.install(app)  # /docs, served from this host
    return app
