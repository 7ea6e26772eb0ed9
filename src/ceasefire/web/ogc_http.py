"""The HTTP side of the OGC API that FastAPI routes do not give: HEAD, CORS, OGC error bodies.

One ASGI middleware, applied to ``/ogc`` and below only (the REST API keeps its own error
shape and no CORS):

* ``HEAD`` is answered as ``GET`` with the body dropped (the headers, ``Content-Length``
  included, are those of the GET), so ``HEAD …/items`` is no longer 405;
* every answer carries ``Access-Control-Allow-Origin: *``; an ``OPTIONS`` preflight is
  answered 204 allowing GET/HEAD and the ``Authorization`` header (the API authenticates with
  a bearer header, never a cookie, so a wildcard origin exposes only what the caller's own
  token may read);
* an error answer of the app (``{"error": {"code", "message", "field"?}}``, web/errors.py) is
  rewritten into OGC's exception body ``{"code", "description", "field"?}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/ogc"
CORS = [(b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", b"Content-Length, Content-Type, Link")]
PREFLIGHT = [*CORS, (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
             (b"access-control-allow-headers", b"Authorization, Accept, Content-Type"),
             (b"access-control-max-age", b"86400")]


def ogc_error(body: bytes) -> bytes | None:
    """The OGC exception body for one of the app's error bodies (``None``: not one)."""
    try:
        inner = json.loads(body)["error"]
        out = {"code": str(inner["code"]), "description": str(inner["message"])}
    except (ValueError, KeyError, TypeError):
        return None
    if inner.get("field"):
        out["field"] = inner["field"]
    return json.dumps(out, ensure_ascii=False).encode()


class OgcProtocol:
    """ASGI middleware: HEAD, CORS and OGC error bodies under ``/ogc``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
            await send({"type": "http.response.body", "body": b""})
            return
        head = method == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        state: dict[str, Any] = {"error": False, "buffer": b""}

        async def reply(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"access-control-allow-origin"]
                typed = dict(headers).get(b"content-type", b"").startswith(b"application/json")
                state["error"] = message["status"] >= 400 and typed
                state["start"] = dict(message, headers=headers + CORS)
                if not state["error"]:
                    await send(state["start"])
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            if state["error"]:  # small: keep it all, rewrite it once it is complete
                state["buffer"] += message.get("body", b"")
                if message.get("more_body"):
                    return
                body = ogc_error(state["buffer"]) or state["buffer"]
                start = state["start"]
                start["headers"] = [(k, v) for k, v in start["headers"]
                                    if k.lower() != b"content-length"]
                start["headers"].append((b"content-length", str(len(body)).encode()))
                await send(start)
                message = {"type": "http.response.body", "body": body}
            if head:
                message = dict(message, body=b"")
            await send(message)

        await self.app(scope, receive, reply)
