"""The server side of the crash harness: SIGKILL ``ceasefire serve`` while clients submit.

Clients POST reports (one per request, and small all-or-nothing batches) to a real
``ceasefire serve`` child process, each request under its own ``Idempotency-Key``, and note
which requests were acknowledged (2xx). At a random moment the server is frozen, its
position noted (inside a write transaction or not, see :mod:`crash_harness`) and killed.
Then:

* the store is audited: every acknowledged report is there, once; no ledger entry is
  missing rows and no batch request is half stored; ``ceasefire verify`` passes;
* the server is restarted and every request that got no answer is sent again with the same
  key; the answer must be the one an uninterrupted server gives (201, every report
  ``added``): a request that was committed before the kill must be *replayed*, not answered
  "duplicate".

At the end every request ever issued is sent once more: acknowledged ones must get their
first answer back byte for byte (``Idempotent-Replayed: true``), and the store must equal
an uninterrupted in-process run of the same submissions.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx

from ceasefire.record import ledger
from ceasefire.web import submit
from ceasefire.web.routes.reports import ReportIn
from ceasefire.web.users import Principal, add_user, new_token
from ceasefire.workspace import Workspace
from tests.reliability.crash_harness import (
    Kill,
    StoreState,
    audit,
    freeze_and_kill,
    lock_probe,
    new_workspace,
    outcome,
)
from tests.web.conftest import SOURCES, ServeProcess, report

USER = "mona"
BATCH_EVERY = 5   # every 5th request is a batch of BATCH_SIZE reports
BATCH_SIZE = 4


@dataclass
class Request:
    key: str
    path: str
    body: dict[str, Any]
    reports: list[tuple[str, str]]
    status: int | None = None          # the first answer's status, if one came back
    answer: dict[str, Any] | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.body.get("reports", [self.body])
        return rows


def make_request(i: int) -> Request:
    def one(n: str) -> dict[str, Any]:
        # spread in space and time so fusion-like readers see distinct reports
        return report(f"crash-{n}", "osce", lat=47.0 + (i % 97) / 50, lon=36.0 + (i % 89) / 40,
                      observed_at=f"2025-04-{1 + i % 28:02d}T{i % 24:02d}:15:00+03:00")
    if i % BATCH_EVERY == BATCH_EVERY - 1:
        body: dict[str, Any] = {"reports": [one(f"{i}-{j}") for j in range(BATCH_SIZE)]}
        path = "/api/v1/reports/batch"
    else:
        body, path = one(str(i)), "/api/v1/reports"
    req = Request(f"crash-key-{i}", path, body, [])
    req.reports = [(r["source_id"], r["report_id"]) for r in req.rows]
    return req


class Traffic:
    """Client threads issuing fresh requests until the server dies or they are stopped."""

    def __init__(self, url: str, token: str, requests: list[Request], clients: int) -> None:
        self.url, self.token, self.requests = url, token, requests
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._client, daemon=True)
                        for _ in range(clients)]

    def __enter__(self) -> Self:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _client(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self.stop.is_set():
                with self.lock:
                    req = make_request(len(self.requests))
                    self.requests.append(req)
                try:
                    r = http.post(req.path, json=req.body,
                                  headers={**headers, "Idempotency-Key": req.key})
                except httpx.TransportError:
                    return  # the server is gone; this request stays unacknowledged
                if r.is_success:
                    req.status, req.answer = r.status_code, r.json()
                else:
                    self.errors.append(f"{req.key}: {r.status_code} {r.text[:200]}")


def send_again(http: httpx.Client, token: str, req: Request) -> tuple[str | None, httpx.Response]:
    """Resend ``req`` with its key; what is wrong with the answer, if anything."""
    r = http.post(req.path, json=req.body,
                  headers={"Authorization": f"Bearer {token}", "Idempotency-Key": req.key})
    if req.status is not None:
        if r.status_code != req.status or r.json() != req.answer \
                or r.headers.get("Idempotent-Replayed") != "true":
            return (f"{req.key}: acknowledged {req.status}, replayed {r.status_code} "
                    f"{r.text[:200]}"), r
        return None, r
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    statuses = [x.get("status") for x in body.get("reports", [])]
    if r.status_code != 201 or statuses != ["added"] * len(req.reports):
        return (f"{req.key}: resent after the kill, got {r.status_code} "
                f"{statuses or r.text[:200]} (an uninterrupted server answers 201, every "
                "report added)"), r
    return None, r


def setup(root: Path) -> str:
    """A workspace with the sources and one monitor; the monitor's token."""
    new_workspace(root)
    with Workspace.open(root) as ws:
        ledger.record(ws.store, actor="test", action="sources.add",
                      rows={"sources": [dict(s) for s in SOURCES]})
        add_user(ws.store, USER, "monitor")
        return new_token(ws.store, USER)


@dataclass
class ServeResult:
    kills: list[Kill]
    requests: list[Request]
    final_problems: list[str] = field(default_factory=list)
    resume_s: float = 0.0
    equal: bool = False


def serve_kills(work: Path, kills: int, *, seed: int = 11, clients: int = 2,
                delay: tuple[float, float] = (0.1, 0.5)) -> ServeResult:
    """Kill ``ceasefire serve`` ``kills`` times under client load and audit each time."""
    rng = random.Random(seed)
    root = work / "served"
    token = setup(root)
    probe = lock_probe(root)
    requests: list[Request] = []
    result = ServeResult([], requests)
    before: StoreState | None = None
    pending: list[Request] = []   # unanswered when the server died: resend after restart
    for _ in range(kills):
        wait = rng.uniform(*delay)
        start = time.perf_counter()
        with _server(root) as server:
            restart_s = time.perf_counter() - start
            problems = _resend_all(server.url, token, pending)
            issued = len(requests)
            with Traffic(server.url, token, requests, clients) as traffic:
                time.sleep(wait)
                in_transaction = freeze_and_kill(server.proc, probe)  # type: ignore[arg-type]
            problems += traffic.errors
        fresh = requests[issued:]
        acked = {k for req in requests if req.status is not None for k in req.reports}
        pending = [req for req in fresh if req.status is None]
        checked = audit(root, before, acked_reports=acked)
        # a batch request is all or nothing, whichever ledger entry (group) carried it
        checked.half += [f"{req.key}: {n} of {len(req.reports)} reports stored"
                         for req in requests if 0 < (n := sum(
                             k in checked.state.report_keys for k in req.reports))
                         < len(req.reports)]
        unacked_stored = sum(1 for req in pending for k in req.reports
                             if k in checked.state.report_keys)
        committed = len(checked.state.entries) - (len(before.entries) if before else 0)
        finished = committed or any(r.status is not None for r in fresh)
        phase = "during" if in_transaction else ("after" if finished else "before")
        result.kills.append(Kill("serve", wait, phase,
                                 sum(len(r.reports) for r in fresh if r.status is not None),
                                 unacked_stored, problems + checked.problems,
                                 restart_s).counted(checked))
        before = checked.state
    start = time.perf_counter()
    with _server(root) as server:
        result.final_problems = _resend_all(server.url, token, requests)
        result.resume_s = time.perf_counter() - start
    final = audit(root, before, acked_reports={k for r in requests for k in r.reports})
    result.final_problems += final.problems
    with Workspace.open(root) as ws:
        got = outcome(ws)["reports"]
    result.equal = got == uninterrupted(requests)
    if not result.equal:
        result.final_problems.append(f"final reports differ from an uninterrupted run "
                                     f"({len(got)} rows)")
    return result


def _resend_all(url: str, token: str, requests: list[Request]) -> list[str]:
    problems = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for req in requests:
            problem, response = send_again(http, token, req)
            if problem:
                problems.append(problem)
            if req.status is None and response.is_success:
                req.status, req.answer = response.status_code, response.json()
    return problems


def _server(root: Path) -> ServeProcess:
    with Workspace.open(root) as ws:
        return ServeProcess(ws)  # it only keeps ws.root


def uninterrupted(requests: list[Request]) -> list[str]:
    """The reports an uninterrupted run of the same submissions stores (in process)."""
    with tempfile.TemporaryDirectory() as tmp:
        setup(Path(tmp) / "ws")
        with Workspace.open(Path(tmp) / "ws") as ws:
            principal = Principal(USER, "monitor")
            for req in requests:  # as the route hands them over: every field, defaults too
                submit.submit_reports(ws, principal, [ReportIn(**row).model_dump(mode="json")
                                                      for row in req.rows])
            return outcome(ws)["reports"]
