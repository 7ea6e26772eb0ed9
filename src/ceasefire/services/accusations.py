"""The accusations view: every report in an agreement's window in which a party names its
adversary as perpetrator, with its status against the other evidence.

A party report is one whose source is of kind ``party`` and affiliated with one of the
agreement's parties; it is an *accusation* when its perpetrator is another party of the
agreement. The window is the agreement's own (its earliest start: the 2025 energy moratorium
from 18 Mar, as Russia counts it); ``accused_bound`` says whether the accused party itself
counted itself bound at that time (Ukraine from 25 Mar). Statuses are decided by
:func:`ceasefire.core.accusations.status` on the fused incidents, so ``ceasefire fuse`` must
have run; accusations not fused yet are weighed on silence only, and the result says so.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ceasefire.core.accusations import (
    COVER_DAYS,
    STATUSES,
    Located,
    located,
    status,
)
from ceasefire.core.agreement import epoch
from ceasefire.errors import InputError
from ceasefire.services.agreements import get_agreement
from ceasefire.store import Between, In
from ceasefire.workspace import Workspace

TRUNCATION_NOTE = ("RU MoD posts are read from snippets cut at 400 characters: later items of "
                   "long lists are not visible, so the MoD's counts here are lower bounds.")
LOW_CONFIDENCE_NOTE = ("A party's accusation alone stays at low confidence by design: a party "
                       "has a motive to accuse its adversary, so its report counts for less "
                       "than a neutral one, and the silence of independent sources lowers it "
                       "further (docs/scoring.md). Corroboration by another origin group is "
                       "what raises it.")
_SLICE = 500


@dataclass(frozen=True)
class Accusation:
    """One accusation and its status."""

    accuser: str
    accused: str
    source_id: str
    report_id: str
    observed_at: str
    place: str | None
    category: str
    target_class: str | None
    target: str | None
    weapon_class: str | None
    count: int | None
    truncated: bool
    accused_bound: bool
    incident_id: str | None
    confidence: float | None
    band: str | None
    status: str
    basis: str
    text: str


@dataclass
class AccusationList:
    agreement_id: str
    window: tuple[str, str]
    party: str | None
    fused: bool
    items: list[Accusation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """accuser → status → number of accusations (every status listed, zeros included)."""
        out: dict[str, dict[str, int]] = {}
        for item in self.items:
            out.setdefault(item.accuser, dict.fromkeys(STATUSES, 0))[item.status] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"agreement": self.agreement_id, "window": list(self.window),
                "party": self.party, "fused": self.fused, "counts": self.counts(),
                "notes": self.notes, "accusations": [asdict(i) for i in self.items]}


def list_accusations(ws: Workspace, agreement_id: str, party: str | None = None,
                     ) -> AccusationList:
    """The accusations of ``agreement_id``'s window (by ``party`` only, when given)."""
    agreement = get_agreement(ws, agreement_id).agreement
    parties = [p.id for p in agreement.parties]
    if party is not None and party not in parties:
        raise InputError(f"{party!r} is not a party of {agreement_id} "
                         f"(parties: {', '.join(parties)})", field="--party")
    start, end = agreement.window_for()
    t0 = epoch(start)
    t1 = epoch(end) if end is not None else datetime.now(UTC).timestamp()
    store = ws.store
    sources = {s["source_id"]: s for s in store.select("sources")}
    party_sources = [sid for sid, s in sources.items()
                     if s["kind"] == "party" and s["affiliation"] in parties
                     and (party is None or s["affiliation"] == party)]
    result = AccusationList(agreement.id, (start.isoformat(), end.isoformat() if end else ""),
                            party, store.count("incident_reports") > 0)
    rows = [r for r in store.select("reports", {"source_id": In(party_sources),
                                                "t_start": Between(t0 - 2 * 86400, t1)})
            if t0 <= (r["t_start"] + r["t_end"]) / 2 < t1 and r["lat"] is not None
            and r["perpetrator"] in parties
            and r["perpetrator"] != sources[r["source_id"]]["affiliation"]]
    rows.sort(key=lambda r: (r["t_start"], r["source_id"], r["report_id"]))
    incident_of, incidents, members = _fused(store, [r["rid"] for r in rows])
    nearby = _nearby(store, sources, t0, t1)
    starts = [n.t_start for n in nearby]
    unfused = 0
    for row in rows:
        src = sources[row["source_id"]]
        me = located(row, src)
        iid = incident_of.get(row["rid"])
        unfused += iid is None
        co = [m for rid, m in members.get(iid, []) if rid != row["rid"]] if iid else []
        lo = bisect.bisect_left(starts, me.t_start - (COVER_DAYS + 2) * 86400)
        hi = bisect.bisect_right(starts, me.t_end + COVER_DAYS * 86400)
        verdict = status(me, row["perpetrator"], co,
                         [n for n in nearby[lo:hi] if n.source_id != row["source_id"]])
        inc = incidents.get(iid or "", {})
        extra = json.loads(row["extra"]) if row.get("extra") else {}
        bound_start, bound_end = agreement.window_epoch(row["perpetrator"])
        mid = (row["t_start"] + row["t_end"]) / 2
        result.items.append(Accusation(
            src["affiliation"], row["perpetrator"], row["source_id"], row["report_id"],
            row["observed_at"], row.get("place"), row["category"], row.get("target_class"),
            extra.get("target"), row.get("weapon_class"), row.get("count"),
            bool(extra.get("truncated")), bound_start <= mid < bound_end, iid,
            inc.get("confidence"), inc.get("band"), verdict.status, verdict.basis,
            str(extra.get("item") or row.get("text") or "")[:300]))
    if not result.fused:
        result.notes.append("Not fused: run `ceasefire fuse` first. Until then no accusation "
                            "can be corroborated; statuses rest on silence only.")
    elif unfused:
        result.notes.append(f"{unfused} accusations are not in any incident yet (ingested "
                            "after the last fuse): run `ceasefire fuse`.")
    if any(i.source_id == "ru-mod" or i.truncated for i in result.items):
        result.notes.append(TRUNCATION_NOTE)
    result.notes.append(LOW_CONFIDENCE_NOTE)
    return result


def _fused(store: Any, rids: Sequence[int]) -> tuple[
        dict[int, str], dict[str, dict[str, Any]], dict[str, list[tuple[int, Located]]]]:
    """Incident of each rid, the incidents, and every member report of those incidents."""
    incident_of: dict[int, str] = {}
    for i in range(0, len(rids), _SLICE):
        for link in store.select("incident_reports", {"rid": In(list(rids[i:i + _SLICE]))}):
            incident_of[link["rid"]] = link["incident_id"]
    ids = sorted(set(incident_of.values()))
    incidents: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    for i in range(0, len(ids), _SLICE):
        part = ids[i:i + _SLICE]
        incidents.update((r["incident_id"], r) for r in store.select(
            "incidents", {"incident_id": In(part)},
            columns=["incident_id", "confidence", "band"]))
        links.extend(store.select("incident_reports", {"incident_id": In(part)}))
    sources = {s["source_id"]: s for s in store.select("sources")}
    members: dict[str, list[tuple[int, Located]]] = {}
    member_rids = [x["rid"] for x in links]
    by_rid = {x["rid"]: x["incident_id"] for x in links}
    for i in range(0, len(member_rids), _SLICE):
        for r in store.select("reports", {"rid": In(member_rids[i:i + _SLICE])}):
            if r["lat"] is not None:
                members.setdefault(by_rid[r["rid"]], []).append(
                    (r["rid"], located(r, sources[r["source_id"]])))
    return incident_of, incidents, members


def _nearby(store: Any, sources: dict[str, dict[str, Any]], t0: float, t1: float,
            ) -> list[Located]:
    """Reports around the window (± the coverage span), sorted by start, for silence."""
    span = (COVER_DAYS + 2) * 86400
    found = [located(r, sources[r["source_id"]]) for r in store.select(
        "reports", {"t_start": Between(t0 - span, t1 + span)},
        columns=["source_id", "lat", "lon", "location_uncertainty_m", "t_start", "t_end",
                 "category", "perpetrator"]) if r["lat"] is not None]
    return sorted(found, key=lambda n: n.t_start)
