"""Authentication (bearer tokens) and the gate every route passes through.

``Authorization: Bearer <token>`` names a user (see :mod:`ceasefire.web.users`); no header
means the ``public`` role; a wrong or revoked token is refused with 401 rather than quietly
downgraded to public, so a client with a broken token notices.

Each route declares its endpoint name from :mod:`ceasefire.web.access` with
``Depends(gate("reports.submit"))``; the gate looks the role up in the matrix and returns
the :class:`~ceasefire.web.users.Principal`. Narrowing a ``limited`` cell (a liaison's own
reports ...) is the route's job, told by the principal's role and party.
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ceasefire.errors import AccessDenied
from ceasefire.web.access import ENDPOINTS, endpoint
from ceasefire.web.errors import QueryError, RateLimited, Unauthenticated
from ceasefire.web.users import Principal, TokenCache
from ceasefire.workspace import Workspace

_TOKEN_IN_URL = re.compile(r"^/api/v1/(events|alerts/[^/]+/atom)$")
_bearer = HTTPBearer(auto_error=False, description="a token from `ceasefire users token NAME`")


def workspace_of(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def current_principal(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                      ) -> Principal:
    """The caller: a user from the bearer token, or anonymous (public)."""
    token = credentials.credentials if credentials is not None else None
    if token is None and "access_token" in request.query_params:
        # feed readers and EventSource cannot send headers: only their GET URLs may carry
        # ?access_token= (a token in a URL reaches logs and histories: see docs/security.md)
        if request.method != "GET" or not _TOKEN_IN_URL.search(request.url.path):
            raise url_token_refused()
        token = request.query_params["access_token"]
    client = request.client.host if request.client is not None else "unknown"
    return principal_of(request.app.state, workspace_of(request), token, client)


def url_token_refused() -> QueryError:
    return QueryError("access_token is accepted only by the event stream and Atom feeds; "
                      "send `Authorization: Bearer <token>`", field="access_token")


def principal_of(state: Any, ws: Workspace, token: str | None, client: str) -> Principal:
    """The principal of ``token`` (anonymous without one), rate-limited per client.

    Raises :class:`RateLimited` for a client past its bad-token limit (before the token is
    looked up) and :class:`Unauthenticated` for a wrong or revoked token.
    """
    limiter = getattr(state, "auth_limiter", None)
    if token and limiter is not None:
        wait = limiter.retry_after(client)
        if wait is not None:
            raise RateLimited(f"too many invalid tokens from this client: try again in "
                              f"{wait} s", wait)
    cache: TokenCache = state.token_cache
    principal = cache.authenticate(ws.store, token)
    if principal is None:
        if limiter is not None:
            limiter.failed(client)
        raise Unauthenticated("invalid or revoked token")
    return principal


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header (lower-case header names)."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def admit(name: str, principal: Principal) -> Principal:
    """``principal`` if the matrix lets its role use endpoint ``name``; else 401/403."""
    declared = endpoint(name)
    if declared.allows(principal.role):
        return principal
    if principal.is_public:
        raise Unauthenticated(f"{declared.method} {declared.path} needs a token")
    raise AccessDenied(f"role {principal.role} may not use {declared.method} "
                       f"{declared.path}")


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


_ROUTES = [(e.method, _route_pattern(e.path), e.name) for e in ENDPOINTS]


def endpoint_of(method: str, path: str) -> str | None:
    """The matrix name of the endpoint a request is for, ``None`` if it names none."""
    for m, pattern, name in _ROUTES:
        if m == method and pattern.match(path):
            return name
    return None


def gate(name: str) -> Callable[..., Principal]:
    """A dependency that admits the roles the matrix allows for endpoint ``name``."""
    declared = endpoint(name)  # fails at import time for an undeclared endpoint

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        return admit(declared.name, principal)

    check.__name__ = f"gate_{name.replace('.', '_')}"
    return check


def deny(message: str) -> AccessDenied:
    """A row-level refusal inside a ``limited`` cell (e.g. another party's finding)."""
    return AccessDenied(message)
