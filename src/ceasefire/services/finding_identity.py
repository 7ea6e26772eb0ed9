"""Stable finding identities across re-assessment, so review history is never lost.

A finding's id names its incident (``agreement:vN:provision:inc-…``), and an incident's id
derives from its first report. New reports can change that first report (an earlier account
of the same event), and fusion can merge incidents, so re-running ``assess`` after ``fuse``
used to produce new ids, delete the old findings (a published one included) and leave
their review events pointing at nothing.

Before assessment replaces an agreement's findings, :func:`carry_over` keeps what review
made of them:

* a finding produced again under the same id keeps its ``published`` flag and birth time;
* a *reviewed* finding (one with review events, or published) whose incident now lives on
  under another id hands its id to the new finding about that incident and provision (the
  successor incident is the one that now holds the old incident's first report, whose
  :func:`~ceasefire.services.fusion.incident_id_for` is the old id), and keeps its flag;
* a reviewed finding with no successor is kept as it was, with a ``kept`` rationale line
  saying why, and is named in the assessment's ledger note.

Unreviewed findings are plain derived state and are replaced as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ceasefire.services.fusion import incident_id_for
from ceasefire.store.base import Store

#: what review made of a finding, carried over to the row that continues it
REVIEW_COLUMNS = ("published", "created_at")


def successors(members: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """For every id an incident could have had (one per member report as the first),
    the incident that now holds that report."""
    return {incident_id_for(f"{r['source_id']}:{r['report_id']}"): incident_id
            for incident_id, reports in members.items() for r in reports}


def carry_over(store: Store, agreement_id: str, rows: list[dict[str, Any]],
               members: Mapping[str, Sequence[Mapping[str, Any]]], now: str,
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows to store for ``agreement_id`` instead of ``rows`` (the new assessment), and
    the ids of reviewed findings kept without a successor (see the module docstring)."""
    old = {r["finding_id"]: r for r in store.select("findings", {"agreement_id": agreement_id})}
    if not old:
        return rows, []
    events = {e["finding_id"] for e in store.select("finding_events", columns=["finding_id"])}
    reviewed = [fid for fid, r in old.items() if fid in events or r["published"]]
    new = {r["finding_id"]: r for r in rows}
    for fid, row in new.items():
        if fid in old:
            row.update({c: old[fid][c] for c in REVIEW_COLUMNS})
    after = successors(members)
    by_subject = {(r["provision_id"], r["incident_id"]): r for r in rows if r["incident_id"]}
    claimed = set(new)
    kept: list[str] = []
    for fid in reviewed:
        if fid in new:
            continue
        was = old[fid]
        heir = by_subject.get((was["provision_id"], after.get(was["incident_id"] or "")))
        if heir is not None and heir["finding_id"] not in old and heir["finding_id"] in claimed:
            claimed.discard(heir["finding_id"])
            heir.update({"finding_id": fid, **{c: was[c] for c in REVIEW_COLUMNS}})
        else:
            rationale = json.loads(was["rationale"] or "[]")
            rationale.append({"factor": "kept", "probability": 1.0, "reason": (
                f"re-assessed {now}: no longer produced, kept because it was reviewed")})
            rows.append({**was, "rationale": json.dumps(rationale, sort_keys=True,
                                                        separators=(",", ":"),
                                                        ensure_ascii=False)})
            kept.append(fid)
    return rows, kept
