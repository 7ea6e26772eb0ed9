"""Report submission through the API, one at a time or in batches, with idempotency keys.

A submission is validated by the same rules as ingest (:class:`ReportValidator`), and a
batch is all or nothing: any bad report rejects the whole batch with every problem named
(``reports[3].observed_at: ...``), so a client never has to work out which half landed.
Reports already stored under the same ``source_id:report_id`` are answered ``duplicate``
and not written again. Good reports go in with ONE ledger entry (``reports.submit``) whose
rows carry ``ingest_file = "api:<user>"`` (who submitted; never shown to the public).

Idempotency: a client sends ``Idempotency-Key``; the first response to a (user, key) is
stored with the SHA-256 of the request. The same key and body again gets the stored
response (no second write); the same key with another body is a 409 conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ceasefire.core.evidence import Source
from ceasefire.core.validation import ReportValidator, RowInvalid
from ceasefire.errors import AccessDenied, InputError, Problem
from ceasefire.record import ledger
from ceasefire.services.sources import stored_sources
from ceasefire.store.base import Store
from ceasefire.store.conditions import In
from ceasefire.web.errors import Conflict, QueryError
from ceasefire.web.users import Principal
from ceasefire.web.views import gid
from ceasefire.workspace import Workspace

ACTION = "reports.submit"
MAX_BATCH = 5_000
MAX_KEY_LENGTH = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def submit_reports(ws: Workspace, principal: Principal, reports: Sequence[dict[str, Any]],
                   ) -> dict[str, Any]:
    """Validate and store ``reports`` (raw canonical rows + ``sensitive``); all or nothing."""
    return store_reports(ws.store, principal, check_reports(ws, principal, reports))


def check_reports(ws: Workspace, principal: Principal, reports: Sequence[dict[str, Any]],
                  sources: dict[str, Source] | None = None) -> list[dict[str, Any]]:
    """The rows to store for ``reports``; raises InputError/AccessDenied and writes nothing.

    ``sources``: :func:`stored_sources`, when the caller already has it (a group commit
    checks many submissions against one read).
    """
    if not reports:
        raise InputError("no reports to submit", field="reports")
    if len(reports) > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} reports per batch", field="reports")
    if sources is None:
        sources = stored_sources(ws.store)
    tz_name = ws.settings.workspace.timezone
    validator = ReportValidator(set(sources), ZoneInfo(tz_name) if tz_name else None)
    problems: list[Problem] = []
    good: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(reports):
        where = f"reports[{i}]"
        fields = {k: v for k, v in raw.items() if k != "sensitive"}
        try:
            row = validator.validate(fields)
            if row["lat"] is None:
                raise RowInvalid("lat", "give lat and lon (places are geocoded only by "
                                        "`ceasefire ingest`)")
        except RowInvalid as exc:
            problems.append(Problem(None, f"{where}.{exc.field}: {exc.reason}",
                                    field=f"{where}.{exc.field}"))
            continue
        if principal.role == "liaison":
            affiliation = sources[row["source_id"]].affiliation
            if affiliation != principal.party:
                raise AccessDenied(f"{where}: the liaison of {principal.party} submits only as "
                                   f"a source affiliated with {principal.party} (source "
                                   f"{row['source_id']!r} is {affiliation})")
        key = (row["source_id"], row["report_id"])
        if key in seen:
            problems.append(Problem(None, f"{where}: {gid(*key)} appears twice in the batch",
                                    field=f"{where}.report_id"))
            continue
        seen.add(key)
        row.update({"evidence_hashes": None, "sensitive": 1 if raw.get("sensitive") else 0,
                    "extra": None, "ingest_file": f"api:{principal.name}", "ingest_row": i})
        good.append(row)
    if problems:
        raise InputError(problems=problems)
    return good


def store_reports(store: Store, principal: Principal, good: list[dict[str, Any]],
                  ) -> dict[str, Any]:
    """Write checked rows (:func:`check_reports`) not stored yet, as one ledger entry."""
    return store_group(store, [(principal, good)])[0]


def store_group(store: Store, submissions: Sequence[tuple[Principal, list[dict[str, Any]]]],
                ) -> list[dict[str, Any]]:
    """Write several checked submissions with ONE ledger entry; one answer each.

    Answers are those of running the submissions one after the other: a report an earlier
    submission of the group stores is a duplicate for a later one. The entry's actor is the
    submitter when there is one (its note as for a lone submission), else ``api`` with the
    submitters and their counts in the note; each row names its submitter in
    ``ingest_file`` either way.
    """
    stored = _stored_keys(store, [r for _, good in submissions for r in good])
    fresh: list[dict[str, Any]] = []
    counts: list[tuple[Principal, set[tuple[str, str]], int]] = []
    for principal, good in submissions:
        mine = set()
        for row in good:
            key = (row["source_id"], row["report_id"])
            if key not in stored:
                stored.add(key)
                mine.add(key)
                fresh.append(row)
        counts.append((principal, mine, len(good) - len(mine)))
    seq = None
    if fresh:
        users: list[dict[str, Any]] = [
            {"user": p.name, "role": p.role, "added": len(mine), "duplicates": dup}
            for p, mine, dup in counts]
        note = ({"via": "api", **users[0]} if len(users) == 1 else
                {"via": "api", "added": len(fresh),
                 "duplicates": sum(dup for _, _, dup in counts), "submissions": users})
        names = {p.name for p, _, _ in counts}
        seq = ledger.record(store, actor=names.pop() if len(names) == 1 else "api",
                            action=ACTION, rows={"reports": fresh}, note=note).seq
    return [{
        "added": len(mine), "duplicates": dup, "ledger_seq": seq if mine else None,
        "reports": [{"id": gid(r["source_id"], r["report_id"]),
                     "status": "added" if (r["source_id"], r["report_id"]) in mine
                     else "duplicate"} for r in good],
    } for (_, mine, dup), (_, good) in zip(counts, submissions, strict=True)]


def _stored_keys(store: Store, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row["report_id"])
    found: set[tuple[str, str]] = set()
    for sid, ids in by_source.items():
        for start in range(0, len(ids), 500):
            for hit in store.select("reports", {"source_id": sid,
                                                "report_id": In(ids[start:start + 500])},
                                    columns=["report_id"]):
                found.add((sid, hit["report_id"]))
    return found


# -- idempotency keys ---------------------------------------------------------------------------
def request_hash(method: str, path: str, body: Any) -> str:
    material = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise QueryError(f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} printable characters",
                         field="Idempotency-Key")
    return key


def stored_answers(store: Store, keys: Sequence[tuple[str, str]],
                   ) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored first answers of ``(user, Idempotency-Key)`` pairs, in one query per 500
    keys (a group commit looks up all its submissions' keys at once)."""
    asked = set(keys)
    wanted = sorted(asked)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        # both columns of the primary key (user, key): an index lookup on either store
        where = {"principal": In(sorted({u for u, _ in chunk})),
                 "key": In(sorted({k for _, k in chunk}))}
        for row in store.select("idempotency_keys", where):
            if (row["principal"], row["key"]) in asked:
                found[(row["principal"], row["key"])] = row
    return found


def replay_from(stored: dict[tuple[str, str], dict[str, Any]], principal: Principal, key: str,
                digest: str) -> tuple[int, Any] | None:
    """The stored ``(status, body)`` for this key among ``stored``
    (:func:`stored_answers`), ``None`` if new; 409 if the request body differs."""
    row = stored.get((principal.name, key))
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise Conflict(f"Idempotency-Key {key!r} was already used with a different "
                       "request body")
    return row["status_code"], json.loads(row["response"])


def remember_many(store: Store, answers: Sequence[tuple[Principal, str, str, int, Any]],
                  ) -> None:
    """Store first answers ``(principal, key, request digest, status, body)``."""
    store.insert("idempotency_keys", [{
        "principal": principal.name, "key": key, "request_hash": digest, "status_code": status,
        "response": json.dumps(body, ensure_ascii=False, default=str), "created_at": _now()}
        for principal, key, digest, status, body in answers], on_conflict="ignore")
