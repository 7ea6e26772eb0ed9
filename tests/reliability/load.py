"""The load driver of issue 11 (shared by tests/reliability/test_load.py and bench/bench_load.py).

N clients submit reports concurrently to a real ``ceasefire serve`` on loopback, one report
per ``POST /api/v1/reports``, each under its own ``Idempotency-Key``. Some requests are
deliberately sent again with the same key and body: a fraction after their answer came back
(the answer must be the stored first one, ``Idempotent-Replayed: true``), and a fraction
after the client gave up waiting (a read timeout of a few milliseconds, so the server usually
goes on to store the report nobody heard about). A retry must then be answered "added", never
"duplicate": either it is the first to arrive, or it gets the first request's stored answer.

:func:`audit` then reads the store behind the server: every acknowledged report is there
exactly once, under the ledger entry its answer named, nothing unacknowledged was written,
and ``ceasefire verify`` passes.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ceasefire.record import ledger
from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace
from tests.web.conftest import SOURCES, report

USER_PREFIX = "load"
CLI = [sys.executable, "-c", "from ceasefire.cli import main; main()"]


@dataclass(frozen=True)
class Plan:
    clients: int = 8
    reports: int = 2_000
    retry_fraction: float = 0.10  # resent after the answer arrived
    timeout_fraction: float = 0.03  # resent after a client-side read timeout
    timeout_s: float = 0.003  # the read timeout of a deliberately abandoned request
    deadline_s: float = 300.0  # the whole run, or it fails
    max_attempts: int = 20  # per report, against transport errors
    seed: int = 11


@dataclass
class Outcome:
    plan: Plan
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # first attempts answered
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # report gid -> first answer
    retries: int = 0  # requests sent again with the same key
    replayed: int = 0  # answers carrying Idempotent-Replayed: true
    timeouts: int = 0  # first attempts the client gave up on
    transport_errors: int = 0  # connections dropped (then retried)
    problems: list[str] = field(default_factory=list)  # wrong statuses and answers

    @property
    def per_second(self) -> float:
        return len(self.acks) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def init_workspace(root: Path, database: str | None = None) -> None:
    """``ceasefire init [--database URL]`` as the operator runs it."""
    args = [*CLI, "init", str(root)] + (["--database", database] if database else [])
    subprocess.run(args, check=True, capture_output=True, timeout=120)


def prepare(ws: Workspace, clients: int) -> list[str]:
    """The sources and one monitor per client; returns the clients' tokens."""
    ledger.record(ws.store, actor="load", action="sources.add",
                  rows={"sources": [dict(s) for s in SOURCES]})
    tokens = []
    for i in range(clients):
        add_user(ws.store, f"{USER_PREFIX}{i}", "monitor")
        tokens.append(new_token(ws.store, f"{USER_PREFIX}{i}"))
    return tokens


def _body(client: int, n: int, rng: random.Random) -> dict[str, Any]:
    return report(f"L{client}-{n}", rng.choice(["osce", "ua_gs", "ru_mod"]),
                  lat=round(rng.uniform(46.5, 49.5), 5), lon=round(rng.uniform(33.0, 39.5), 5),
                  location_uncertainty_m=rng.choice([100, 500, 2000]),
                  text=f"load test report {n} of client {client}")


async def _client(url: str, token: str, index: int, count: int, plan: Plan,
                  out: Outcome) -> None:
    rng = random.Random(plan.seed * 1000 + index)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0) as http:

        async def send(body: dict[str, Any], key: str,
                       timeout: float | None = None) -> httpx.Response | None:
            extra = {"timeout": httpx.Timeout(60.0, read=timeout)} if timeout else {}
            try:
                return await http.post("/api/v1/reports", json=body,
                                       headers={"Idempotency-Key": key}, **extra)
            except httpx.TimeoutException:
                if timeout is None:
                    raise
                out.timeouts += 1
                return None
            except httpx.TransportError:  # a dropped connection: retried, as a client would
                out.transport_errors += 1
                return None

        for n in range(count):
            body, key = _body(index, n, rng), f"k-{index}-{n}"
            gid = f"{body['source_id']}:{body['report_id']}"
            roll = rng.random()
            abandon = roll < plan.timeout_fraction
            start = time.perf_counter()
            answer = await send(body, key, plan.timeout_s if abandon else None)
            if answer is not None:
                out.latencies_ms.append((time.perf_counter() - start) * 1000)
            attempts = 1
            while answer is None or answer.status_code >= 500:  # retry until answered
                if attempts >= plan.max_attempts:
                    out.problems.append(f"{gid}: no answer after {attempts} attempts")
                    break
                attempts += 1
                out.retries += 1
                answer = await send(body, key)
            if answer is None:
                continue
            out.replayed += answer.headers.get("Idempotent-Replayed") == "true"
            first = answer.json()
            if answer.status_code != 201 or first.get("reports") != [
                    {"id": gid, "status": "added"}]:
                out.problems.append(f"{gid}: answered {answer.status_code} {first}")
                continue
            out.acks[gid] = first
            if abandon or roll < plan.timeout_fraction + plan.retry_fraction:
                out.retries += 1
                again = await send(body, key)
                assert again is not None
                if again.headers.get("Idempotent-Replayed") != "true" or again.json() != first:
                    out.problems.append(f"{gid}: the retry was answered {again.status_code} "
                                        f"{again.text} instead of the first answer {first}")
                out.replayed += again.headers.get("Idempotent-Replayed") == "true"


async def _run(url: str, tokens: list[str], plan: Plan, out: Outcome) -> None:
    share = [plan.reports // plan.clients + (i < plan.reports % plan.clients)
             for i in range(plan.clients)]
    await asyncio.wait_for(asyncio.gather(*(
        _client(url, tokens[i], i, share[i], plan, out) for i in range(plan.clients))),
        plan.deadline_s)


def run_load(url: str, tokens: list[str], plan: Plan) -> Outcome:
    """Drive the server at ``url`` with ``plan``; bounded by ``plan.deadline_s``."""
    out = Outcome(plan)
    start = time.perf_counter()
    asyncio.run(_run(url, tokens, plan, out))
    out.seconds = time.perf_counter() - start
    return out


@dataclass(frozen=True)
class Audit:
    stored: int  # reports written by the load users
    lost: list[str]  # acknowledged, not stored
    unacknowledged: list[str]  # stored, never acknowledged
    duplicates: int  # rows beyond one per report id
    wrong_entry: list[str]  # stored under another ledger entry than the answer named
    ledger_added: int  # sum of "added" over the reports.submit entries
    verify: dict[str, Any]


def audit(ws: Workspace, out: Outcome) -> Audit:
    """Compare what the clients were told with what the store holds, and verify the ledger."""
    rows = [r for r in ws.store.select("reports", columns=[
        "source_id", "report_id", "ledger_seq", "ingest_file"])
        if r["ingest_file"].startswith(f"api:{USER_PREFIX}")]
    seqs: dict[str, list[int]] = {}
    for r in rows:
        seqs.setdefault(f"{r['source_id']}:{r['report_id']}", []).append(r["ledger_seq"])
    # the load workspace has no other submissions (a group commit's entry is actor "api")
    added = sum(json.loads(e["note"])["added"] for e in ws.store.select(
        "ledger", {"action": "reports.submit"}, columns=["note"]))
    done = subprocess.run([*CLI, "verify", "--json", "-w", str(ws.root)], check=False,
                          capture_output=True, text=True, timeout=300)
    verify = json.loads(done.stdout) if done.stdout.strip() else {"ok": False,
                                                                   "error": done.stderr}
    return Audit(
        stored=len(rows),
        lost=sorted(g for g in out.acks if g not in seqs),
        unacknowledged=sorted(g for g in seqs if g not in out.acks),
        duplicates=len(rows) - len(seqs),
        wrong_entry=sorted(g for g, a in out.acks.items()
                           if g in seqs and seqs[g] != [a["ledger_seq"]]),
        ledger_added=added, verify=verify)
