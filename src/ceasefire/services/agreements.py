"""Agreements in a workspace: add versions (amendments), fetch one, list them.

Each version is one row of the ``agreements`` table, written with its ledger entry
(``agreement.add``) so the stored terms cannot change unseen. The row's ``document`` is the
canonical JSON of the agreement (GeoJSON zones inline), so a stored version stands alone
without the file it came from.

Versioning rules:

* adding a document identical to a stored version adds nothing;
* adding a new ``version`` of a known id records an amendment; older versions stay;
* adding a *different* document under a version number that is already stored is refused
  (bump ``version`` in the file).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ceasefire.core.agreement import Agreement, utc_text
from ceasefire.errors import AgreementError, NotFound
from ceasefire.formats.agreement_schema import to_document
from ceasefire.formats.agreement_yaml import from_document, read_agreement
from ceasefire.record import ledger
from ceasefire.workspace import Workspace

ACTION_ADD = "agreement.add"


@dataclass(frozen=True)
class AddResult:
    """What :func:`add_agreement` did."""

    agreement_id: str
    version: int
    added: bool
    amends: int | None = None
    ledger_seq: int | None = None

    @property
    def summary(self) -> str:
        if not self.added:
            return (f"{self.agreement_id} version {self.version} is already stored "
                    "(identical document): nothing added")
        what = f"amendment of version {self.amends}" if self.amends else "first version"
        return (f"added {self.agreement_id} version {self.version} ({what}), "
                f"ledger entry {self.ledger_seq}")


@dataclass(frozen=True)
class StoredAgreement:
    """One stored version, with its row metadata."""

    agreement: Agreement
    version: int
    effective_at: str
    source_file: str | None
    ledger_seq: int
    versions: tuple[int, ...]


def document_text(agreement: Agreement) -> str:
    """The canonical JSON stored in ``agreements.document``."""
    return ledger.canonical_json(to_document(agreement))


def document_digest(agreement: Agreement) -> str:
    return hashlib.sha256(document_text(agreement).encode("utf-8")).hexdigest()


def add_agreement(ws: Workspace, source: str | Path | Agreement,
                  source_file: str | None = None) -> AddResult:
    """Store a version of an agreement (a file path, or an already loaded agreement)."""
    if isinstance(source, Agreement):
        agreement = source
    else:
        agreement = read_agreement(source)
        source_file = source_file or str(source)
    store = ws.store
    text = document_text(agreement)
    with store.transaction():
        stored = {row["version"]: row for row in store.select(
            "agreements", {"agreement_id": agreement.id},
            columns=["version", "document"])}
        for version, existing in sorted(stored.items()):
            if existing["document"] == text:
                return AddResult(agreement.id, version, added=False)
        if agreement.version in stored:
            raise AgreementError(
                f"{agreement.id} version {agreement.version} is already stored with "
                f"different terms; raise `version` (stored: "
                f"{', '.join(map(str, sorted(stored)))}) to record an amendment",
                file=source_file, field="version")
        amends = max((v for v in stored if v < agreement.version), default=None)
        row: dict[str, Any] = {
            "agreement_id": agreement.id, "version": agreement.version,
            "effective_at": utc_text(agreement.effective), "status": agreement.status,
            "title": agreement.title, "document": text, "source_file": source_file,
        }
        entry = ledger.record(
            store, actor=ws.actor, action=ACTION_ADD, rows={"agreements": [row]},
            note={"agreement_id": agreement.id, "version": agreement.version,
                  "amends": amends, "sha256": document_digest(agreement)})
    return AddResult(agreement.id, agreement.version, added=True, amends=amends,
                     ledger_seq=entry.seq)


def get_agreement(ws: Workspace, agreement_id: str, version: int | None = None) -> StoredAgreement:
    """The latest (or the given) stored version of an agreement."""
    rows = list(ws.store.select("agreements", {"agreement_id": agreement_id},
                                order_by=["version"]))
    if not rows:
        known = ", ".join(sorted({r["agreement_id"] for r in ws.store.select(
            "agreements", columns=["agreement_id"])})) or "none"
        raise NotFound(f"no agreement {agreement_id!r} in this workspace (stored: {known})")
    versions = tuple(r["version"] for r in rows)
    if version is None:
        row = rows[-1]
    else:
        matching = [r for r in rows if r["version"] == version]
        if not matching:
            raise NotFound(f"agreement {agreement_id!r} has no version {version} "
                           f"(stored: {', '.join(map(str, versions))})")
        row = matching[0]
    agreement = from_document(json.loads(row["document"]),
                              file=f"{agreement_id} v{row['version']} (stored)")
    return StoredAgreement(agreement, row["version"], row["effective_at"],
                           row.get("source_file"), row["ledger_seq"], versions)


def list_agreements(ws: Workspace) -> list[dict[str, Any]]:
    """One summary per agreement id: latest version, status, title, versions, effective."""
    latest: dict[str, dict[str, Any]] = {}
    counts: dict[str, list[int]] = {}
    for row in ws.store.select("agreements", columns=[
            "agreement_id", "version", "effective_at", "status", "title"],
            order_by=["agreement_id", "version"]):
        latest[row["agreement_id"]] = row
        counts.setdefault(row["agreement_id"], []).append(row["version"])
    return [{**row, "versions": counts[aid]} for aid, row in latest.items()]
