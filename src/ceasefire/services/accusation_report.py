"""The report section "Accusations by each party" (built from services.accusations).

For each party of the agreement: its accusations in the window counted by status, the
strongest ones (named energy sites first, then corroborated, by confidence and count), and its
published totals (the claims passed to the report whose period meets the window) beside how many of its accusations the
evidence holds for the same period and how many of those are corroborated. Kept apart from
``services/reporting.py`` so the report's other sections and this one change independently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ceasefire.core.accusations import CORROBORATED, STATUSES
from ceasefire.core.agreement import epoch
from ceasefire.reports.model import AccusationLine, PartyAccusations, PublishedTotal
from ceasefire.services.accusations import Accusation, list_accusations
from ceasefire.workspace import Workspace

STRONGEST = 8
_RANK = {CORROBORATED: 0, "standing alone": 1, "contradicted": 2}


def accusation_sections(ws: Workspace, agreement_id: str, claims: Sequence[tuple[Any, Any]] = (),
                        ) -> tuple[tuple[PartyAccusations, ...], tuple[str, ...]]:
    """The per-party sections and the notes that go with them (truncation, low confidence)."""
    result = list_accusations(ws, agreement_id)
    w0 = datetime.fromisoformat(result.window[0]).timestamp()
    w1 = datetime.fromisoformat(result.window[1]).timestamp() if result.window[1] else math.inf
    claims = [(c, v) for c, v in claims if c.proposition.type == "violation_count"
              and epoch(c.proposition.start) < w1 and epoch(c.proposition.end) > w0]
    parties = sorted({p for i in result.items for p in (i.accuser, i.accused)} |
                     {c.claimant_side for c, _ in claims if c.claimant_side})
    sections = []
    for accuser in parties:
        mine = [i for i in result.items if i.accuser == accuser]
        accused = mine[0].accused if mine else next((p for p in parties if p != accuser), "")
        counts = dict.fromkeys(STATUSES, 0)
        for item in mine:
            counts[item.status] += 1
        ranked = sorted(mine, key=_strength)
        sections.append(PartyAccusations(
            accuser, accused, counts, tuple(_line(i) for i in ranked[:STRONGEST]),
            tuple(_published(c, mine) for c, _ in claims if c.claimant_side == accuser)))
    return tuple(sections), tuple(result.notes)


def _strength(item: Accusation) -> tuple[int, int, float, int, str]:
    """Named energy sites first (what the moratorium is about), then by status, confidence
    and count."""
    return (0 if item.target_class == "energy" else 1, _RANK.get(item.status, 3),
            -(item.confidence or 0.0), -(item.count or 0), item.observed_at)


def _line(item: Accusation) -> AccusationLine:
    what = item.category.replace("_", " ")
    if item.target_class:
        what += f" on {item.target_class}"
    if item.target:
        what += f" ({item.target})"
    if not item.accused_bound:
        what += f" — before {item.accused} counted itself bound"
    confidence = "" if item.confidence is None else f"{item.confidence:.2f} ({item.band})"
    return AccusationLine(item.observed_at, item.place or "", what,
                          "" if item.count is None else str(item.count), item.status,
                          item.basis, confidence)


def _published(claim: Any, mine: Sequence[Accusation]) -> PublishedTotal:
    prop = claim.proposition
    t0, t1 = epoch(prop.start), epoch(prop.end)
    inside = [i for i in mine if t0 <= _instant(i.observed_at) < t1]
    return PublishedTotal(claim.claim_id, claim.date.isoformat(), claim.claimant,
                          prop.claimed.text or "(no number)",
                          f"{prop.start.isoformat()} to {prop.end.isoformat()}", len(inside),
                          sum(1 for i in inside if i.status == CORROBORATED))


def _instant(observed_at: str) -> float:
    if len(observed_at) == 10:  # a date: its middle, UTC
        return datetime.fromisoformat(observed_at + "T12:00:00+00:00").timestamp()
    return datetime.fromisoformat(observed_at).timestamp()
