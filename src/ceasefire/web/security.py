"""Defences every response and request of the web app passes through.

* **Security headers** on every response (:class:`SecurityHeaders`): a Content Security
  Policy of ``default-src 'self'`` with ``frame-ancestors 'none'`` (the dashboard loads
  nothing from another host, and no page may be framed), ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: no-referrer`` (a feed URL with ``?access_token=`` never
  leaks through a Referer), ``Cache-Control: no-store`` on answers to authenticated
  requests (a shared cache must not keep one role's view), and HSTS when the request came
  over TLS (directly, or through a trusted proxy's ``X-Forwarded-Proto``, which uvicorn
  honours for ``--forwarded-allow-ips``). The ``/docs`` page (Swagger UI, served from this
  host) gets the same policy plus its one inline start-up script.
* **Cross-site request refusal** (:class:`SecurityHeaders` too): a state-changing request
  (POST, PUT, PATCH, DELETE) whose ``Origin`` names another host, or whose
  ``Sec-Fetch-Site`` is ``cross-site``, is refused with 403. The API authenticates with a
  bearer header that a browser never attaches by itself, so classic CSRF has nothing to
  ride on; this check keeps it so if an ambient credential (a cookie, HTTP auth) is ever
  added. Clients other than browsers send no ``Origin`` and are not affected.
* **Request size**: every body is capped: over :data:`MAX_BODY` (the evidence upload route:
  the app's ``max_upload_bytes`` plus the form's framing) it is refused with 413, before it
  is read when it declares its length, and cut off at the limit when it does not.
* **Authentication before the body**: a request that may change something (POST, PUT,
  PATCH, DELETE) to an endpoint of the access matrix has its token checked, and its role
  admitted, before any of its body is read; an anonymous upload gets 401 without being
  spooled to disk.
* **Failed-token rate limit** (:class:`AuthLimiter`): a client that presents
  :data:`AUTH_FAILURES` bad tokens within :data:`AUTH_WINDOW_S` gets 429 with
  ``Retry-After`` until the window has passed, before its token is even looked up. The
  dashboard's log-in is a token check (``GET /api/v1/me``), so this is the log-in limit.
* **No secrets in logs** (:class:`RedactSecrets`): bearer tokens, ``access_token=`` query
  values, ``cf_`` tokens and passwords in URLs are replaced by ``[redacted]`` in every log
  record the server's handlers write, including uvicorn's access log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ceasefire.errors import CeasefireError
from ceasefire.web.auth import (
    admit,
    bearer_token,
    endpoint_of,
    principal_of,
    url_token_refused,
)
from ceasefire.web.errors import describe, error_body, error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# /docs: Swagger UI's files are served from this host (web/api_docs.py); FastAPI starts it
# with one inline script, and its schema viewer shows data: images
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY = 64 * (1 << 20)
MULTIPART_SLACK = 1 << 20  # an upload's form framing around the file itself
AUTH_FAILURES = 10
AUTH_WINDOW_S = 60.0


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _host_of(origin: str) -> str:
    """``host[:port]`` of an Origin value, default ports dropped (``null`` stays ``null``)."""
    if "://" not in origin:
        return origin.lower()
    scheme, rest = origin.split("://", 1)
    host = rest.split("/", 1)[0].lower()
    default = {"http": ":80", "https": ":443"}.get(scheme.lower())
    return host[:-len(default)] if default and host.endswith(default) else host


def cross_site(method: str, headers: dict[str, str]) -> str | None:
    """Why a state-changing request is refused as cross-site, or ``None``."""
    if method not in UNSAFE_METHODS:
        return None
    if headers.get("sec-fetch-site") == "cross-site":
        return "a cross-site request may not change anything"
    origin = headers.get("origin")
    if origin is None:
        return None
    host = _host_of(headers.get("host", ""))
    if _host_of(origin) != host:
        return f"Origin {origin!r} is not this server ({host})"
    return None


class SecurityHeaders:
    """Pure ASGI middleware: headers on every response, cross-site and size refusals."""

    def __init__(self, app: ASGIApp, *, max_body: int | None = None) -> None:
        self.app = app
        self.max_body = MAX_BODY if max_body is None else max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        path: str = scope.get("path", "")
        extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                 (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
                 (b"content-security-policy",
                  (DOCS_CSP if path == "/docs" else CSP).encode())]
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS.encode()))
        private = "authorization" in headers or "access_token=" in scope.get(
            "query_string", b"").decode("latin-1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                if private and b"cache-control" not in present:
                    added.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        refusal = cross_site(scope["method"], headers)
        if refusal is not None:
            await _refuse(send_with_headers, 403, "forbidden", refusal)
            return
        name = endpoint_of(scope["method"], path)
        limit = self.max_body
        state = getattr(scope.get("app"), "state", None)
        if name == "evidence.upload" and state is not None:
            limit = state.max_upload_bytes + MULTIPART_SLACK
        if _too_long(headers, limit):
            await _refuse(send_with_headers, 413, "payload_too_large",
                          f"request body over {limit} bytes")
            return
        if scope["method"] in UNSAFE_METHODS and name is not None and state is not None:
            # who is asking is settled before a byte of the body is read: an anonymous
            # upload is refused at once instead of being spooled to disk first
            denied = await _admit_before_body(state, name, headers, scope)
            if denied is not None:
                await denied(scope, receive, send_with_headers)
                return
        await self.app(scope, _capped(receive, limit), send_with_headers)


async def _admit_before_body(state: Any, name: str, headers: dict[str, str], scope: Scope,
                             ) -> JSONResponse | None:
    """The answer refusing the request, or ``None`` to admit it."""
    client = scope["client"][0] if scope.get("client") else "unknown"
    try:
        if "access_token=" in scope.get("query_string", b"").decode("latin-1"):
            raise url_token_refused()  # only GET streams and feeds may carry one
        # a token lookup may wait on the store: not on the event loop
        await asyncio.to_thread(lambda: admit(name, principal_of(
            state, state.workspace, bearer_token(headers), client)))
    except CeasefireError as exc:
        status, code, message, field, extra = describe(exc)
        return error_response(status, code, message, field, extra)
    return None


def _too_long(headers: dict[str, str], limit: int) -> bool:
    try:
        return int(headers.get("content-length", "0")) > limit
    except ValueError:
        return False


def _capped(receive: Receive, limit: int) -> Receive:
    """A body without (or with a false) Content-Length is cut off at ``limit`` bytes."""
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return capped


class BodyTooLarge(StarletteHTTPException):
    """Raised inside the app when a streamed body passes the limit (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# -- failed-token rate limit -----------------------------------------------------------------
class AuthLimiter:
    """Counts failed token checks per client; refuses a client past the limit.

    A sliding window per client address: ``failures`` bad tokens within ``window_s``
    seconds block the client until the oldest of them leaves the window. Tokens are 256
    random bits, so this is not what keeps them secret; it stops a client from hammering
    the token table and makes a guessing run visible (429s in the access log).
    """

    def __init__(self, failures: int = AUTH_FAILURES, window_s: float = AUTH_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._seen.setdefault(client, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int | None:
        """Seconds until ``client`` may try again, ``None`` if it may now."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if len(times) < self.failures:
                if not times:
                    self._seen.pop(client, None)
                return None
            return max(1, int(times[0] + self.window_s - now + 0.999))

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(client, now).append(now)
            if len(self._seen) > 100_000:  # bounded memory under a spray of addresses
                for key in [k for k, v in self._seen.items() if not v][:50_000]:
                    del self._seen[key]


# -- secrets out of logs ---------------------------------------------------------------------
_SECRETS = (
    (re.compile(r"(?i)(access_token=)[^&\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"\bcf_[A-Za-z0-9_-]{16,}"), "[redacted]"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), r"\1[redacted]@"),
    (re.compile(r"(?i)(password=)[^&\s\"']+"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    """``text`` with tokens and passwords replaced by ``[redacted]``."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter that renders each record and removes secrets from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        # arguments are cleaned one by one: some formatters (uvicorn's access log) read them
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: the handler reports it
            return True
        cleaned = redact(message)
        if cleaned != message:  # a secret inside a non-text argument
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = RedactSecrets()
LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "ceasefire")


def redact_logs() -> None:
    """Attach the filter to every handler the server's loggers write through (idempotent).

    Called at start-up, after uvicorn has configured its logging: a filter on a handler
    sees the records of every logger that propagates to it.
    """
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def install(app: FastAPI) -> None:
    """Add the middleware and the limiter to ``app`` (called by ``create_app``)."""
    app.state.auth_limiter = AuthLimiter()
    app.add_middleware(SecurityHeaders)
