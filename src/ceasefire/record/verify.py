"""The whole-record check behind ``ceasefire verify``.

Three layers, each catching what the others cannot:

1. :func:`ceasefire.record.ledger.verify`: the hash chain, every entry's rows (payload hash and
   Merkle roots) and the newest derived states: an edited, deleted or inserted row, or an
   edited, deleted, inserted or reordered entry.
2. :func:`ceasefire.record.checkpoints.verify_checkpoints`: the signing keys and the signed
   checkpoints: a chain rewritten consistently after it was signed, a truncated ledger;
   then :func:`ceasefire.record.keys.verify_pins`: what lies outside the database (the log
   id pinned in ``ceasefire.toml`` or given with ``--log-id``, the key files in ``keys/``),
   so keys and checkpoints stripped or replaced in the database are seen.
3. :func:`verify_report_ids` here: the one link no hash covers. ``incident_reports`` joins
   incidents to reports by ``rid``, an id the database assigns at insert (so it is left
   out of the report's ledger encoding); an incident's confidence breakdown names its
   reports by ``source_id:report_id``, which is covered. Renumbering or swapping ``rid``
   behind the tool's back would silently re-attach reports to other incidents; comparing
   the two catches it.

Then the evidence files are re-hashed (:mod:`ceasefire.services.evidence`). On failure the
error raised names the earliest bad entry found by any layer.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ceasefire.errors import LedgerError
from ceasefire.record import keys, ledger
from ceasefire.record.checkpoints import CheckpointResult, verify_checkpoints
from ceasefire.store.base import Store

if TYPE_CHECKING:
    from ceasefire.workspace import Workspace


@dataclass(frozen=True)
class RecordCheck:
    ledger: ledger.VerifyResult
    checkpoints: CheckpointResult
    evidence_files: int
    incidents_linked: int
    key_files: int


def breakdown_reports(text: Any) -> set[str] | None:
    """The report ids (``source_id:report_id``) an incident's breakdown names, or ``None``
    when it names none (an incident written by hand, without a breakdown)."""
    try:
        groups = json.loads(text).get("groups")
    except (ValueError, AttributeError, TypeError):
        return None
    if not isinstance(groups, list):
        return None
    return {r["report"] for g in groups if isinstance(g, dict)
            for r in g.get("reports", []) if isinstance(r, dict) and "report" in r}


def verify_report_ids(store: Store) -> int:
    """Check every incident's linked reports are the ones its breakdown names; returns the
    number of incidents checked. Raises :class:`LedgerError` naming the entry that wrote the
    first report found re-attached."""
    reports = {r["rid"]: r for r in store.select(
        "reports", columns=["rid", "source_id", "report_id", "ledger_seq"])}
    links: dict[str, list[int]] = defaultdict(list)
    for row in store.select("incident_reports", columns=["incident_id", "rid"]):
        links[row["incident_id"]].append(row["rid"])
    checked = 0
    for incident in store.select("incidents", columns=["incident_id", "breakdown"],
                                 order_by=["incident_id"]):
        named = breakdown_reports(incident["breakdown"])
        if named is None:
            continue
        linked = [reports.get(rid) for rid in links.get(incident["incident_id"], [])]
        got = {f"{r['source_id']}:{r['report_id']}" for r in linked if r is not None}
        if None in linked or got != named:
            odd = sorted((r for r in linked if r is not None and
                          f"{r['source_id']}:{r['report_id']}" not in named),
                         key=lambda r: r["ledger_seq"])
            seq = odd[0]["ledger_seq"] if odd else None
            raise LedgerError(
                f"incident {incident['incident_id']} is linked to other reports than the "
                f"{len(named)} it names: report ids (rid) were changed behind the tool's back",
                seq=seq)
        checked += 1
    return checked


def verify_record(ws: Workspace, *, log_id: str | None = None) -> RecordCheck:
    """Everything ``ceasefire verify`` checks (see the module docstring); ``log_id``: the log
    an outside verifier expects (from a published checkpoint)."""
    from ceasefire.services.evidence import verify_evidence_files

    checks: dict[str, Callable[[], Any]] = {
        "ledger": lambda: ledger.verify(ws.store),
        "checkpoints": lambda: verify_checkpoints(ws.store, ws),
        "pins": lambda: keys.verify_pins(ws, log_id),
        "links": lambda: verify_report_ids(ws.store),
    }
    done: dict[str, Any] = {}
    errors: list[LedgerError] = []
    for name, check in checks.items():  # every layer runs: the earliest bad entry wins
        try:
            done[name] = check()
        except LedgerError as exc:
            errors.append(exc)
    if errors:
        raise min(errors, key=lambda e: (e.seq is None, e.seq or 0))
    return RecordCheck(done["ledger"], done["checkpoints"], verify_evidence_files(ws),
                      done["links"], done["pins"])
