"""Load through the API (issue 11): concurrent clients, retries, no loss, no duplicates.

``ceasefire serve`` runs as a child process on loopback; 8 clients submit 2,000 reports one
per request with Idempotency-Keys, some resent after their answer and some after a client
timeout (tests/reliability/load.py). Counts are bounded and nothing is timed here: the
throughput and latency figures are bench/bench_load.py's (bench/RESULTS.md).

The group commit under it (src/ceasefire/web/group_commit.py) is also driven in process,
where one submission's write fails in the middle of a shared transaction.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ceasefire.errors import InputError, StoreError
from ceasefire.record import ledger
from ceasefire.web import group_commit, submit
from ceasefire.web.errors import Conflict
from ceasefire.web.users import ANONYMOUS, Principal, TokenCache, add_user, new_token
from ceasefire.workspace import Workspace
from tests.reliability.load import Plan, audit, init_workspace, prepare, run_load
from tests.store.conftest import postgres_url  # noqa: F401 - the fixture
from tests.web.conftest import ServeProcess, report

PLAN = Plan(clients=8, reports=2_000, timeout_s=0.001, deadline_s=240.0)


def _load(root: Path, database: str | None) -> None:
    init_workspace(root, database)
    with Workspace.open(root) as ws:
        tokens = prepare(ws, PLAN.clients)
        with ServeProcess(ws) as server:
            out = run_load(server.url, tokens, PLAN)
        check = audit(ws, out)
    assert out.problems == [] and out.transport_errors == 0
    assert len(out.acks) == PLAN.reports
    assert out.timeouts > 0 and out.retries > out.timeouts  # both kinds of retry happened
    assert out.replayed > 0
    assert check.lost == [] and check.unacknowledged == []
    assert check.duplicates == 0 and check.wrong_entry == []
    assert check.stored == check.ledger_added == PLAN.reports
    assert check.verify.get("ok") is True, check.verify


@pytest.mark.slow
def test_load_sqlite(tmp_path: Path) -> None:
    _load(tmp_path / "ws", None)


@pytest.mark.slow
@pytest.mark.postgres
def test_load_postgres(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    _load(tmp_path / "ws", postgres_url)


# -- the group commit in process ------------------------------------------------------------
def _as_one_group(queue: group_commit.GroupCommit, jobs: list[tuple[str | None, Any]],
                  ) -> list[Any]:
    """Submit ``(key, reports)`` jobs from one thread each while the write lock is held
    elsewhere, so that all of them are queued and then committed as one group."""
    principal = Principal("mona", "monitor")
    results: list[Any] = [None] * len(jobs)

    def run(i: int, key: str | None, reports: list[dict[str, Any]]) -> None:
        digest = submit.request_hash("POST", "/api/v1/reports", reports) if key else None
        try:
            results[i] = queue.submit(principal, key, digest, reports)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    with queue.write_lock:  # another writer (an evidence upload ...) holds it
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(queue._queue) < len(jobs) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(queue._queue) == len(jobs)
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[group_commit.GroupCommit]:
    with Workspace.init(tmp_path / "ws") as ws:
        prepare(ws, 0)
        yield group_commit.GroupCommit(ws, threading.RLock())


def test_one_group_answers_each_submission_as_if_alone(queue: group_commit.GroupCommit,
                                                       ) -> None:
    jobs: list[tuple[str | None, Any]] = [(f"k{i}", [report(f"g-{i}")]) for i in range(10)]
    jobs += [("k0", [report("g-0")]),  # a retry queued behind its first request
             ("k1", [report("g-1", text="changed")]),  # the key with another body
             (None, [report("g-2")]),  # the same report again, no key
             ("bad", [report("g-bad", category="not-a-category")])]
    results = _as_one_group(queue, jobs)
    first, retry, other, again, bad = results[0], *results[10:]
    assert isinstance(bad, InputError) and isinstance(other, Conflict)
    assert [r.status for r in results[:10]] == [201] * 10
    assert not first.replayed and retry.replayed
    assert (retry.status, retry.body) == (201, first.body)
    assert again.status == 200 and again.body["reports"] == [
        {"id": "osce:g-2", "status": "duplicate"}]
    store = queue.ws.store
    assert store.count("reports") == 10
    assert store.count("idempotency_keys") == 10
    # one ledger entry for the group, naming each submission
    [entry] = store.select("ledger", {"action": submit.ACTION})
    assert {r.body["ledger_seq"] for r in results[:10]} == {entry["seq"]}
    assert entry["actor"] == "mona"
    note = json.loads(entry["note"])
    assert (note["added"], note["duplicates"], len(note["submissions"])) == (10, 1, 11)
    assert ledger.verify(store).entries == 2


def test_failed_write_rolls_back_the_group_and_reruns_alone(
        queue: group_commit.GroupCommit, monkeypatch: pytest.MonkeyPatch) -> None:
    real = submit.store_group
    poisoned: list[int] = []

    def flaky(store: Any, submissions: list[tuple[Principal, list[dict[str, Any]]]]) -> Any:
        result = real(store, submissions)  # written, then the failure
        if any(rows[0]["report_id"] == "poison" for _, rows in submissions):
            poisoned.append(len(submissions))
            raise StoreError("disk full")
        return result
    monkeypatch.setattr(submit, "store_group", flaky)
    jobs: list[tuple[str | None, Any]] = [(f"k{i}", [report(f"h-{i}")]) for i in range(8)]
    jobs.insert(4, ("kp", [report("poison")]))
    results = _as_one_group(queue, jobs)
    assert poisoned == [9, 1]  # in the group, then alone
    assert isinstance(results[4], StoreError)
    assert [r.status for r in results[:4] + results[5:]] == [201] * 8
    store = queue.ws.store
    ids = {r["report_id"] for r in store.select("reports", columns=["report_id"])}
    assert ids == {f"h-{i}" for i in range(8)}  # nothing of the poisoned one
    assert store.count("idempotency_keys") == 8
    assert ledger.verify(store).entries == 1 + 8  # sources.add + one per lone submission


def test_token_cache_keeps_valid_tokens_only_for_its_ttl(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as ws:
        add_user(ws.store, "mona", "monitor")
        token = new_token(ws.store, "mona")
        cache = TokenCache(ttl_s=0.2)
        assert cache.authenticate(ws.store, token) == Principal("mona", "monitor")
        assert cache.authenticate(ws.store, token + "x") is None  # looked up, not kept
        new_token(ws.store, "mona", revoke_old=True)
        # within the TTL the revoked token may still pass; after it, it no longer does
        time.sleep(0.25)
        assert cache.authenticate(ws.store, token) is None
        assert cache.authenticate(ws.store, None) is ANONYMOUS
