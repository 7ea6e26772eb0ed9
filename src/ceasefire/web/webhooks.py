"""Where webhooks may go, and how they are delivered: one queue per alert, with backoff.

**Targets.** A webhook is sent by the server, from inside the mission's network, to a URL an
API user typed. Left open, that lets any user with an alert make the server knock on
internal addresses, and the delivery log (status codes, connection errors) then reports
what answered: a port scanner. So a webhook host must resolve only to globally routable
addresses: loopback, link-local (cloud metadata at 169.254.169.254), private (10/8,
172.16/12, 192.168/16, fc00::/7), carrier-grade NAT, multicast, reserved and unspecified
addresses are refused, both when the alert is saved and before every delivery (a name can
be re-pointed after the alert was saved). An admin who runs receivers inside the network
sets ``[web] allow_private_webhooks = true`` in ``ceasefire.toml``
(:class:`~ceasefire.config.WebSettings`). Redirects are never followed, so a public
receiver cannot bounce a delivery inward. The check and the connection resolve the name
separately: a name whose answer flips between the two (DNS rebinding) is not stopped by
this check, which is why the setting defaults to refusing and the log shows every target.

**Delivery.** :class:`Deliveries` keeps a queue per alert and a few worker threads. A failed
attempt puts only its own alert back to wait (``backoff_s * 2**k``); every other alert's
deliveries go on meanwhile, and one alert's matches still arrive in order. A delivery whose
attempt cannot even be logged (the store busy) is retried like a failed one, not dropped.
"""

from __future__ import annotations

import heapq
import ipaddress
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ceasefire.errors import InputError

log = logging.getLogger("ceasefire.web")
MAX_ATTEMPTS = 5
BACKOFF_S = 0.5
WORKERS = 4

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (an IP literal resolves to itself, no lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_target(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Raise :class:`InputError` (field ``webhook_url``) unless ``url`` may receive webhooks."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("webhook_url must be an http(s) URL with a host", field="webhook_url")
    if parts.username or parts.password:
        raise InputError("webhook_url must not carry a user name or password",
                         field="webhook_url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InputError(f"webhook_url: {exc}", field="webhook_url") from exc
    if allow_private:
        return
    try:
        addresses = [str(ipaddress.ip_address(parts.hostname))]  # a literal: no lookup
    except ValueError:
        try:
            addresses = resolver(parts.hostname, port)
        except (OSError, UnicodeError) as exc:
            raise InputError(f"webhook host {parts.hostname!r} does not resolve",
                             field="webhook_url") from exc
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
        if internal(getattr(address, "ipv4_mapped", None) or address):
            raise InputError(
                f"webhook host {parts.hostname!r} is {address}, an internal address "
                "(loopback, link-local, private or reserved); an admin may allow these "
                "with [web] allow_private_webhooks = true", field="webhook_url")


def internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not a public unicast address (``is_global`` alone lets multicast through)."""
    return (not address.is_global or address.is_multicast or address.is_private
            or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_unspecified)


@dataclass
class Job:
    alert: dict[str, Any]
    match: dict[str, Any]
    attempt: int = 1


class Deliveries:
    """Webhook deliveries: a queue per alert, ``workers`` threads, backoff per alert.

    ``send(alert, match, attempt) -> bool`` makes and logs one attempt; ``exists(alert_id)``
    tells whether the alert is still there (a deleted alert's queue is dropped).
    """

    def __init__(self, send: Callable[[dict[str, Any], dict[str, Any], int], bool],
                 exists: Callable[[str], bool], *, workers: int = WORKERS,
                 attempts: int = MAX_ATTEMPTS, backoff_s: float = BACKOFF_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.send, self.exists = send, exists
        self.workers, self.attempts, self.backoff_s, self.clock = \
            workers, attempts, backoff_s, clock
        self._queues: dict[str, deque[Job]] = {}
        # (due, tie-break, alert_id): exactly one entry per alert with work and no attempt
        # under way
        self._due: list[tuple[float, int, str]] = []
        self._tick = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"ceasefire-hooks-{i}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)

    def put(self, alert: dict[str, Any], match: dict[str, Any]) -> None:
        with self._cond:
            queue = self._queues.get(alert["alert_id"])
            if queue is None:
                queue = self._queues[alert["alert_id"]] = deque()
                self._schedule(alert["alert_id"], self.clock())
            queue.append(Job(alert, match))

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def _schedule(self, alert_id: str, due: float) -> None:
        self._tick += 1
        heapq.heappush(self._due, (due, self._tick, alert_id))
        self._cond.notify()

    def _next(self) -> Job | None:
        """The head job of the alert due first, waiting for it; ``None`` when stopping."""
        with self._cond:
            while not self._stopping:
                now = self.clock()
                if self._due and self._due[0][0] <= now:
                    _, _, alert_id = heapq.heappop(self._due)
                    return self._queues[alert_id][0]
                self._cond.wait(None if not self._due else self._due[0][0] - now)
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            alert_id = job.alert["alert_id"]
            ok = False
            try:
                if not self.exists(alert_id):
                    with self._cond:
                        self._queues.pop(alert_id, None)
                    continue
                ok = self.send(job.alert, job.match, job.attempt)
            except Exception:
                log.exception("webhook delivery of alert %s failed", alert_id)
            with self._cond:
                queue = self._queues[alert_id]
                if ok or job.attempt >= self.attempts:
                    queue.popleft()
                    due = self.clock()
                else:
                    due = self.clock() + self.backoff_s * 2 ** (job.attempt - 1)
                    job.attempt += 1
                if queue:
                    self._schedule(alert_id, due)
                else:
                    del self._queues[alert_id]

