"""Group commit of report submissions: concurrent POSTs share one transaction.

One submission per transaction made every POST pay for a commit (an fsync with SQLite's
``synchronous=FULL``, a round trip with PostgreSQL) while holding the write lock, and with
many clients the lock holder kept losing the GIL to request parsing: throughput fell as
clients were added. Here the first request to arrive leads: it takes every submission
queued so far (its own first), checks and writes them one after the other inside ONE
transaction, commits, and only then answers them all; the next queued request leads the
following group. The group's reports go into one ledger entry whose note names each
submission's user and counts (``submit.store_group``); each submission keeps its own
idempotency record and its own answer, exactly as when run alone. No request is
acknowledged before the commit that holds its reports.

Within a group, submissions run in arrival order and see the rows the earlier ones wrote,
so a retried Idempotency-Key queued behind its first request gets that request's answer,
and the same report sent under two keys is stored once and answered "duplicate" once.

A submission the checks reject (bad input, wrong role, a key reused with another body) is
refused before it writes anything, so the rest of its group goes on. Any other failure
(a store error in the middle of a write) rolls the whole group back and every submission in
it runs again alone, in its own transaction, so one bad request cannot fail the others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ceasefire.core.evidence import Source
from ceasefire.errors import AccessDenied, InputError, StoreError
from ceasefire.services.sources import stored_sources
from ceasefire.web import submit
from ceasefire.web.errors import Conflict
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace

# refused by the checks, before the submission writes anything
_REFUSALS = (InputError, AccessDenied, Conflict)
MAX_GROUP_REPORTS = submit.MAX_BATCH  # bounds one transaction (a batch may fill it alone)


@dataclass
class Submission:
    """One request's reports and, once its group committed, its answer or error."""

    principal: Principal
    key: str | None
    digest: str | None
    reports: list[dict[str, Any]]
    status: int = 0
    body: Any = None
    replayed: bool = False
    error: BaseException | None = None
    lead: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return self.status != 0 or self.error is not None


class GroupCommit:
    """The submission queue of one app (``app.state.group_commit``, made by
    ``create_app``), over its write lock."""

    def __init__(self, ws: Workspace, write_lock: threading.RLock) -> None:
        self.ws = ws
        self.write_lock = write_lock
        self._mutex = threading.Lock()
        self._queue: list[Submission] = []
        self._leading = False

    def submit(self, principal: Principal, key: str | None, digest: str | None,
               reports: list[dict[str, Any]]) -> Submission:
        """Queue a submission and return it answered (after its commit) or failed."""
        item = Submission(principal, key, digest, reports)
        with self._mutex:
            self._queue.append(item)
            if not self._leading:
                self._leading = item.lead = True
        while True:
            if item.lead:
                self._lead()
            if item.done:
                if item.error is not None:
                    raise item.error
                return item
            item.wake.wait()
            item.wake.clear()

    def _lead(self) -> None:
        """Commit one group (this thread's submission is its first), then pass the lead on."""
        group: list[Submission] = []
        try:
            # the group is taken once the write lock is held: while another writer (an
            # evidence upload ...) holds it, submissions keep joining the queue
            with self.write_lock:
                with self._mutex:
                    size = 0
                    while self._queue and (not group or size + len(self._queue[0].reports)
                                           <= MAX_GROUP_REPORTS):
                        size += len(self._queue[0].reports)
                        group.append(self._queue.pop(0))
                self._commit(group)
        finally:
            with self._mutex:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].wake.set()
                else:
                    self._leading = False
            for item in group:
                if not item.done:  # only if the leader itself was interrupted
                    item.error = StoreError("the submission was interrupted; nothing of it "
                                            "was committed")
                item.lead = False
                item.wake.set()

    def _commit(self, group: list[Submission]) -> None:
        store = self.ws.store
        try:
            with store.transaction():
                self._run(group, stored_sources(store))
        except Exception:  # noqa: BLE001 - any failure: retried one by one below
            # the group rolled back: nothing in it was written; run each one alone
            for item in group:
                item.status, item.body, item.replayed, item.error = 0, None, False, None
            for item in group:
                try:
                    with store.transaction():
                        self._run([item], stored_sources(store))
                except Exception as exc:  # noqa: BLE001 - handed to its request
                    item.status, item.body, item.error = 0, None, exc

    def _run(self, group: list[Submission], sources: dict[str, Source]) -> None:
        """Check ``group`` in order and write what passes, inside the caller's transaction."""
        store = self.ws.store
        writing: list[tuple[Submission, list[dict[str, Any]]]] = []
        firsts: dict[tuple[str, str], Submission] = {}  # (user, key) -> first in this group
        repeats: list[tuple[Submission, Submission]] = []
        answers = submit.stored_answers(store, [(i.principal.name, i.key) for i in group
                                                if i.key is not None and i.digest is not None])
        for item in group:
            try:
                if item.key is not None and item.digest is not None:
                    first = firsts.get((item.principal.name, item.key))
                    if first is not None:  # its retry, queued behind it
                        if first.digest != item.digest:
                            raise Conflict(f"Idempotency-Key {item.key!r} was already used "
                                           "with a different request body")
                        repeats.append((item, first))
                        continue
                    stored = submit.replay_from(answers, item.principal, item.key, item.digest)
                    if stored is not None:
                        item.status, item.body = stored
                        item.replayed = True
                        continue
                rows = submit.check_reports(self.ws, item.principal, item.reports, sources)
            except _REFUSALS as exc:
                item.error = exc
                continue
            if item.key is not None:
                firsts[(item.principal.name, item.key)] = item
            writing.append((item, rows))
        if writing:
            bodies = submit.store_group(store, [(i.principal, rows) for i, rows in writing])
            for (item, _), body in zip(writing, bodies, strict=True):
                item.status, item.body = (201 if body["added"] else 200), body
            submit.remember_many(store, [(i.principal, i.key, i.digest, i.status, i.body)
                                         for i, _ in writing if i.key and i.digest])
        for item, first in repeats:
            item.status, item.body, item.replayed = first.status, first.body, True
