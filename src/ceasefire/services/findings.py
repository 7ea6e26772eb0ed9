"""Findings: listing, aggregates, history, and the review workflow.

Review rules (DESIGN.md "Access"): a monitor, analyst or admin confirms, rejects or marks a
finding disputed, with a note; a party's liaison replies to findings attributed to that
party; publishing (making a finding visible to the public) is for analysts and admins.
Every action is a ``finding_events`` row written through the ledger, so a finding's
history is tamper-evident; its review state is the latest confirm/reject/dispute.

Aggregates are computed here once and used by ``ceasefire findings``, the reports and the
web API, so their numbers agree by construction.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ceasefire.errors import AccessDenied, InputError, NotFound
from ceasefire.record import ledger
from ceasefire.store import Between, In, Store
from ceasefire.workspace import Workspace

VIOLATING = ("violation", "likely")
REVIEW_ACTIONS = ("confirm", "reject", "dispute")
ACTIONS = (*REVIEW_ACTIONS, "reply", "publish")
REVIEWER_ROLES = ("monitor", "analyst", "admin")
PUBLISHER_ROLES = ("analyst", "admin")
AGGREGATE_KEYS = ("party", "day", "zone", "provision", "verdict")
_KEY_COLUMN = {"party": "attributed_party", "day": "day", "zone": "zone_id",
               "provision": "provision_id", "verdict": "verdict"}


@dataclass(frozen=True)
class FindingFilter:
    agreement_id: str | None = None
    verdicts: Sequence[str] | None = None
    party: str | None = None
    provision: str | None = None
    day_from: str | None = None
    day_to: str | None = None
    min_probability: float | None = None

    def where(self) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if self.agreement_id:
            where["agreement_id"] = self.agreement_id
        if self.verdicts:
            where["verdict"] = In(list(self.verdicts))
        if self.party:
            where["attributed_party"] = self.party
        if self.provision:
            where["provision_id"] = self.provision
        if self.day_from or self.day_to:
            where["day"] = Between(self.day_from, self.day_to)
        if self.min_probability is not None:
            where["probability"] = Between(self.min_probability, None)
        return where


def list_findings(store: Store, flt: FindingFilter, *, limit: int | None = None,
                  offset: int | None = None) -> list[dict[str, Any]]:
    rows = list(store.select("findings", flt.where(),
                             order_by=["day", "-probability", "finding_id"],
                             limit=limit, offset=offset))
    states = review_states(store, [r["finding_id"] for r in rows])
    for row in rows:
        row["review_state"] = states.get(row["finding_id"], "unreviewed")
    return rows


def aggregate(store: Store, flt: FindingFilter, by: Sequence[str]) -> dict[tuple[str, ...], int]:
    """Count findings matching ``flt`` grouped by ``by`` (party, day, zone, provision, verdict)."""
    unknown = [k for k in by if k not in _KEY_COLUMN]
    if unknown:
        raise InputError(f"cannot aggregate by {', '.join(unknown)} (choose from "
                         f"{', '.join(AGGREGATE_KEYS)})", field="--by")
    columns = sorted({_KEY_COLUMN[k] for k in by})
    counts: Counter[tuple[str, ...]] = Counter()
    for row in store.select("findings", flt.where(), columns=columns or ["finding_id"]):
        counts[tuple(str(row[_KEY_COLUMN[k]] or "—") for k in by)] += 1
    return dict(sorted(counts.items()))


def get_finding(store: Store, finding_id: str) -> dict[str, Any]:
    rows = list(store.select("findings", {"finding_id": finding_id}))
    if not rows:
        raise NotFound(f"no finding {finding_id!r}")
    row = rows[0]
    row["rationale"] = json.loads(row["rationale"])
    row["subject"] = json.loads(row["subject"]) if row.get("subject") else None
    row["history"] = history(store, finding_id)
    row["review_state"] = _state(row["history"])
    return row


def history(store: Store, finding_id: str) -> list[dict[str, Any]]:
    return list(store.select("finding_events", {"finding_id": finding_id},
                             order_by=["event_id"]))


def _state(events: Iterable[dict[str, Any]]) -> str:
    state = "unreviewed"
    for event in events:
        if event["action"] in REVIEW_ACTIONS:
            state = {"confirm": "confirmed", "reject": "rejected", "dispute": "disputed"}[
                event["action"]]
    return state


def review_states(store: Store, finding_ids: Sequence[str]) -> dict[str, str]:
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids = list(finding_ids)
    for start in range(0, len(ids), 500):
        for event in store.select("finding_events", {"finding_id": In(ids[start:start + 500])},
                                  order_by=["event_id"]):
            events[event["finding_id"]].append(event)
    return {fid: _state(evs) for fid, evs in events.items()}


def act(ws: Workspace, finding_id: str, action: str, *, actor: str, role: str,
        note: str | None = None, party: str | None = None) -> dict[str, Any]:
    """Record a review action or a reply on a finding (through the ledger)."""
    if action not in ACTIONS:
        raise InputError(f"unknown action {action!r} (choose from {', '.join(ACTIONS)})",
                         field="action")
    finding = get_finding(ws.store, finding_id)
    if action in REVIEW_ACTIONS and role not in REVIEWER_ROLES:
        raise AccessDenied(f"role {role} may not {action} findings "
                           f"(allowed: {', '.join(REVIEWER_ROLES)})")
    if action == "publish" and role not in PUBLISHER_ROLES:
        raise AccessDenied(f"role {role} may not publish findings")
    if action == "reply":
        if role != "liaison" or not party:
            raise AccessDenied("only a party's liaison replies to findings")
        if finding["attributed_party"] != party:
            raise AccessDenied(f"the liaison of {party} may only reply to findings about "
                               f"{party}; this one is attributed to "
                               f"{finding['attributed_party'] or 'nobody'}")
    if action in ("dispute", "reply", "reject") and not (note and note.strip()):
        raise InputError(f"a {action} needs a note saying why", field="note")
    # Any: the ledger seq (an int) is added to the row once the ledger has recorded it
    event: dict[str, Any] = {"finding_id": finding_id, "at": datetime.now(UTC).isoformat(),
                             "actor": actor, "role": role, "action": action, "party": party,
                             "note": note}
    with ws.store.transaction():
        entry = ledger.record(ws.store, actor=actor, action=f"finding.{action}",
                              rows={"finding_events": [event]},
                              note={"finding_id": finding_id, "role": role})
        if action == "publish":
            ws.store.update("findings", {"finding_id": finding_id}, {"published": 1})
            ledger.record(ws.store, actor=actor, action="findings.state",
                          note={"derived": [ledger.derived_state(
                              ws.store, "findings", {"agreement_id": finding["agreement_id"]})]})
    event["ledger_seq"] = entry.seq
    return event
