"""Server-Sent Events of new incidents and findings, and the watcher that finds them.

Fusion and assessment usually run in another process (the CLI), so the server learns of
new rows by watching: :class:`Watcher` polls the ledger head (one indexed read) every
``poll_s`` seconds, or at once when a route ``poke()`` s it after its own write, and only
when the head moved does it compare the stored incident and finding ids with those it has
seen. Each new id becomes an event in a bounded ring buffer with a rising sequence number
(the SSE ``id``; a client reconnecting with ``Last-Event-ID`` gets what it missed, as far
as the buffer reaches); the same pass runs :func:`ceasefire.web.alerts.scan`, whose
webhooks go out through :class:`~ceasefire.web.webhooks.Deliveries` (a queue per alert,
backoff per alert) so a slow or failing receiver stalls neither the watcher nor the other
alerts.

``GET /api/v1/events`` streams ``event: incident`` / ``event: finding`` with the item as
JSON ``data`` in the caller's view; the public gets findings only once published. A
stream opened with a token checks it before each batch and every :data:`REAUTH_S` seconds:
once the token is revoked (or its user's role changes), the stream sends ``event: end`` and
closes.
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from ceasefire.record import ledger
from ceasefire.web import alerts
from ceasefire.web.auth import bearer_token, gate, workspace_of
from ceasefire.web.users import Principal, TokenCache
from ceasefire.web.views import finding_views, incident_views, visible_finding_ids
from ceasefire.web.webhooks import Deliveries
from ceasefire.workspace import Workspace

log = logging.getLogger("ceasefire.web")
BUFFER = 10_000
KEEPALIVE_S = 15.0
REAUTH_S = 1.0  # how often an idle stream checks that its token still stands


class Watcher:
    """Polls the store for new incidents/findings; feeds SSE clients and alerts."""

    def __init__(self, ws: Workspace, poll_s: float = 2.0) -> None:
        self.ws = ws
        self.poll_s = poll_s
        self.seq = 0
        self.events: deque[tuple[int, str, str]] = deque(maxlen=BUFFER)
        self._seen: dict[str, set[str]] = {"incident": set(), "finding": set()}
        self._head: int | None = -1
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.deliveries = Deliveries(
            lambda alert, match, attempt: alerts.deliver_once(
                ws.store, alert, match, attempt,
                allow_private=ws.settings.web.allow_private_webhooks),
            lambda alert_id: alerts.exists(ws.store, alert_id))
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self.check(initial=True)
        self.deliveries.start()
        thread = threading.Thread(target=self._run, name="ceasefire-watch", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.deliveries.stop()

    def poke(self) -> None:
        """Check now (after a write the server made itself)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.check()
            except Exception:  # keep watching: one bad pass must not end the stream
                log.exception("watcher pass failed")

    def check(self, *, initial: bool = False) -> None:
        """One pass: new ids become events (not on the initial pass) and alerts are scanned."""
        with self._lock:
            store = self.ws.store
            entry = ledger.head(store)
            head = entry.seq if entry else None
            if head == self._head:
                return
            self._head = head
            for kind, table, column in (("incident", "incidents", "incident_id"),
                                        ("finding", "findings", "finding_id")):
                ids = {r[column] for r in store.select(table, columns=[column])}
                if not initial:
                    for item_id in sorted(ids - self._seen[kind]):
                        self.seq += 1
                        self.events.append((self.seq, kind, item_id))
                self._seen[kind] = ids
            alerts.scan(self.ws, deliver=self.deliveries.put)

    def since(self, seq: int) -> list[tuple[int, str, str]]:
        return [e for e in list(self.events) if e[0] > seq]


router = APIRouter(prefix="/api/v1", tags=["events"])


def _payloads(ws: Workspace, principal: Principal, batch: list[tuple[int, str, str]],
              ) -> list[tuple[int, str, dict[str, Any]]]:
    store = ws.store
    out: list[tuple[int, str, dict[str, Any]]] = []
    visible = visible_finding_ids(store, principal)
    for seq, kind, item_id in batch:
        if kind == "incident":
            rows = list(store.select("incidents", {"incident_id": item_id}))
            views = incident_views(store, rows, principal)
        else:
            if visible is not None and item_id not in visible:
                continue
            rows = list(store.select("findings", {"finding_id": item_id}))
            views = finding_views(store, rows, principal)
        if views:  # gone again (re-fused) before it was sent
            out.append((seq, kind, views[0]))
    return out


@router.get("/events", summary="Server-Sent Events: new incidents and findings",
            response_class=StreamingResponse)
async def events_stream(request: Request, last_event_id: str | None = Header(
                            None, alias="Last-Event-ID"),
                        max_events: int | None = Query(
                            None, ge=1, description="close after this many events"),
                        timeout_s: float | None = Query(
                            None, gt=0, le=86_400, description="close after this many seconds"),
                        ws: Workspace = Depends(workspace_of),
                        principal: Principal = Depends(gate("events.stream"))
                        ) -> StreamingResponse:
    watcher: Watcher = request.app.state.events
    try:
        cursor = int(last_event_id) if last_event_id else watcher.seq
    except ValueError:
        cursor = watcher.seq

    token = bearer_token(request.headers) or request.query_params.get("access_token")
    cache: TokenCache = request.app.state.token_cache

    async def still_valid() -> bool:
        """Whether the token still names the same user and role (revoked: it does not)."""
        if not token:
            return True
        return await asyncio.to_thread(cache.authenticate, ws.store, token) == principal

    async def stream() -> AsyncIterator[bytes]:
        nonlocal cursor
        sent = 0
        idle = 0.0
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        checked = loop.time()
        yield b": ceasefire events\nretry: 3000\n\n"
        while not await request.is_disconnected():
            if deadline is not None and loop.time() >= deadline:
                return
            batch = watcher.since(cursor)
            if (batch or loop.time() - checked >= REAUTH_S) and not await still_valid():
                # a revoked token ends its streams: nothing more goes out under it
                yield b'event: end\ndata: {"reason": "token revoked"}\n\n'
                return
            checked = loop.time()
            if batch:
                cursor = batch[-1][0]
                for seq, kind, view in await asyncio.to_thread(_payloads, ws, principal, batch):
                    data = json.dumps(view, ensure_ascii=False, default=str)
                    yield f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()
                    sent += 1
                    if max_events is not None and sent >= max_events:
                        return
                idle = 0.0
                continue
            await asyncio.sleep(0.25)
            idle += 0.25
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield b": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
