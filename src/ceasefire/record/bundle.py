"""``ceasefire bundle``: an evidence bundle that proves one finding to an outsider.

The bundle holds the finding, its incident and the incident's links to reports (derived
state), the reports themselves, their sources, evidence-file records (and the files when
small), the finding's review events and its agreement, each **as stored**, less the ids the
database assigns (``rid``, ``event_id``), which no ledger entry covers. For every row:
a Merkle inclusion proof into the root its ledger entry recorded (``merkle`` for written
rows, ``derived`` for fused/assessed state). For every such entry: the entry itself and a
proof into a signed checkpoint. Then the checkpoint statement and signature, and the
chain of public keys from the first (the log id) to the one that signed.

Members (see :mod:`ceasefire.record.bundle_format` for the byte format)::

    manifest.json        format, finding id, log id, SHA-256 of every other member
    README.txt           what this is and how to check it by hand
    rows.json            {table: [row, ...]}
    proofs.json          {"rows": [...], "entries": [...]}: the inclusion proofs
    ledger.json          the ledger entries the proofs lead to
    checkpoint.txt       the signed checkpoint statement
    checkpoint.sig       its raw 64-byte Ed25519 signature
    keys/<key_id>.pem    each public key of the chain (for openssl)
    evidence/<sha256>    evidence files up to 10 MiB each, 100 MiB in all

:mod:`ceasefire.record.bundle_check` verifies it with no workspace.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ceasefire.errors import LedgerError, NotFound
from ceasefire.fsutil import write_bytes_atomic
from ceasefire.record import checkpoints, keys, ledger, merkle
from ceasefire.record.bundle_format import DERIVED, EVIDENCE, FORMAT, MANIFEST, dump_json, write_zip
from ceasefire.store import In, Like, Store
from ceasefire.workspace import Workspace

FILE_LIMIT = 10 << 20
FILES_TOTAL = 100 << 20


@dataclass(frozen=True)
class BundleSummary:
    finding_id: str
    path: str
    bytes: int
    rows: int
    entries: int
    evidence_files: int
    checkpoint_size: int
    key_id: str
    log_id: str


class _Prover:
    """Builds row proofs, caching each entry's sorted row encodings."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.notes: dict[int, dict[str, Any]] = {}
        self._sorted: dict[tuple[Any, ...], list[bytes]] = {}
        self._derived: list[tuple[int, dict[str, Any]]] | None = None

    def note(self, seq: int) -> dict[str, Any]:
        if seq not in self.notes:
            rows = list(self.store.select("ledger", {"seq": seq}))
            if not rows:
                raise LedgerError(f"entry {seq} is missing", seq=seq)
            self.notes[seq] = json.loads(rows[0]["note"])
        return self.notes[seq]

    def evidence(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        seq = int(row["ledger_seq"])
        recorded = self.note(seq).get("merkle", {}).get(table)
        if recorded is None:
            raise LedgerError(f"entry {seq} was written before rows carried Merkle roots: its "
                              f"{table} rows cannot be proven one by one", seq=seq)
        key = ("e", table, seq)
        if key not in self._sorted:
            self._sorted[key] = sorted(ledger.encode_rows(
                list(self.store.select(table, {"ledger_seq": seq})),
                ledger.EVIDENCE_TABLES[table], ledger.OPTIONAL_COLUMNS.get(table, frozenset())))
        return self._proof(table, row, seq, recorded, key, None)

    def derived(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        if self._derived is None:
            self._derived = []
            for entry in self.store.select("ledger", {"note": Like('"derived"')},
                                           order_by=["-seq"]):
                note = json.loads(entry["note"])
                self.notes[entry["seq"]] = note
                self._derived.extend((entry["seq"], r) for r in note.get("derived", []))
        for seq, record in self._derived:  # newest first
            if record["table"] == table and all(row.get(k) == v
                                                for k, v in record["where"].items()):
                if "root" not in record:
                    raise LedgerError(f"entry {seq} recorded {table} before derived state "
                                      "carried Merkle roots: run fuse/assess again", seq=seq)
                key = ("d", table, seq, ledger.canonical_json(record["where"]))
                if key not in self._sorted:
                    self._sorted[key] = sorted(ledger.encode_rows(
                        list(self.store.select(table, record["where"])),
                        ledger.EVIDENCE_TABLES.get(table, frozenset({"ledger_seq"})),
                        ledger.OPTIONAL_COLUMNS.get(table, frozenset())))
                return self._proof(table, row, seq, record, key, record["where"])
        raise LedgerError(f"no ledger entry records the {table} row {row}")

    def _proof(self, table: str, row: dict[str, Any], seq: int, recorded: dict[str, Any],
               key: tuple[Any, ...], where: dict[str, Any] | None) -> dict[str, Any]:
        leaves = self._sorted[key]
        size, root = merkle.rows_root(leaves)
        if (size, root) != (recorded["size"], recorded["root"]):
            raise LedgerError(f"entry {seq}: the stored {table} rows no longer match the root it "
                              "recorded (run `ceasefire verify`)", seq=seq)
        leaf = ledger.encode_row(row, ledger.EVIDENCE_TABLES.get(table, frozenset({"ledger_seq"})),
                                 ledger.OPTIONAL_COLUMNS.get(table, frozenset()))
        index = bisect.bisect_left(leaves, leaf)
        hashes = merkle.leaf_hashes(leaves)
        proof = {"table": table, "entry": seq, "leaf": leaf.hex(), "index": index, "size": size,
                 "path": [h.hex() for h in merkle.inclusion_proof(index, hashes)]}
        if where is not None:
            proof["where"] = where
        return proof


def _plain(row: dict[str, Any], table: str) -> dict[str, Any]:
    """A stored row without the database-assigned ids (not covered by the ledger)."""
    dropped = ledger.EVIDENCE_TABLES.get(table, frozenset()) - {"ledger_seq"}
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in dropped:
            continue
        if v is not None and not isinstance(v, (str, int, float)):
            v = float(v)  # Decimal from PostgreSQL
        out[k] = v
    return out


def collect(ws: Workspace, finding_id: str) -> dict[str, list[dict[str, Any]]]:
    """The stored rows a finding's bundle proves (with their DB ids, for linking)."""
    store = ws.store
    found = list(store.select("findings", {"finding_id": finding_id}))
    if not found:
        raise NotFound(f"no finding {finding_id!r} (see `ceasefire findings list`)")
    finding = found[0]
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in (*EVIDENCE, *DERIVED)}
    rows["findings"] = found
    rows["agreements"] = list(store.select("agreements", {
        "agreement_id": finding["agreement_id"], "version": finding["agreement_version"]}))
    rows["finding_events"] = list(store.select("finding_events", {"finding_id": finding_id},
                                               order_by=["event_id"]))
    if finding["incident_id"]:
        rows["incidents"] = list(store.select("incidents",
                                              {"incident_id": finding["incident_id"]}))
        rows["incident_reports"] = list(store.select(
            "incident_reports", {"incident_id": finding["incident_id"]}, order_by=["rid"]))
        rids = [r["rid"] for r in rows["incident_reports"]]
        for start in range(0, len(rids), 500):
            rows["reports"].extend(store.select("reports", {"rid": In(rids[start:start + 500])}))
        rows["reports"].sort(key=lambda r: (r["source_id"], r["report_id"]))
        ids = sorted({r["source_id"] for r in rows["reports"]})
        if ids:
            rows["sources"] = list(store.select("sources", {"source_id": In(ids)},
                                                order_by=["source_id"]))
        for report in rows["reports"]:
            rows["evidence_files"].extend(store.select(
                "evidence_files", {"source_id": report["source_id"],
                                   "report_id": report["report_id"]}, order_by=["sha256"]))
    return rows


def build(ws: Workspace, finding_id: str) -> tuple[dict[str, bytes], BundleSummary]:
    """All members of the bundle of ``finding_id`` (see the module docstring)."""
    from ceasefire.services.evidence import stored_path

    rows = collect(ws, finding_id)
    prover = _Prover(ws.store)
    proofs: list[dict[str, Any]] = []
    newest = max((int(r["ledger_seq"]) for t in EVIDENCE for r in rows[t]), default=1)
    for table in DERIVED:
        for i, row in enumerate(rows[table]):
            proofs.append({**prover.derived(table, row), "row": i})
    newest = max([newest, *(p["entry"] for p in proofs)])
    signed = checkpoints.covering(ws, newest)
    chain = keys.chain(ws.store)
    assert chain is not None
    upto = chain.order.index(signed["key_id"]) + 1
    wanted = set(chain.order[:upto])
    rows["signing_keys"] = [r for r in ws.store.select("signing_keys", order_by=["ledger_seq"])
                            if r["key_id"] in wanted]
    for table in EVIDENCE:
        for i, row in enumerate(rows[table]):
            proofs.append({**prover.evidence(table, row), "row": i})
    size = int(signed["tree_size"])
    hashes = checkpoints.leaves_of(checkpoints.entry_hashes(ws.store)[:size])
    seqs = sorted({p["entry"] for p in proofs})
    entries = [dict(e) for e in ws.store.select("ledger", {"seq": In(seqs)}, order_by=["seq"])]
    entry_proofs = [{"seq": s, "index": s - 1, "size": size,
                     "path": [h.hex() for h in merkle.inclusion_proof(s - 1, hashes)]}
                    for s in seqs]
    members: dict[str, bytes] = {
        "rows.json": dump_json({t: [_plain(r, t) for r in rows[t]] for t in rows if rows[t]}),
        "proofs.json": dump_json({"rows": sorted(proofs, key=lambda p: (p["table"], p["row"])),
                                  "entries": entry_proofs}),
        "ledger.json": dump_json(entries),
        "checkpoint.txt": signed["statement"].encode("utf-8"),
        "checkpoint.sig": bytes.fromhex(signed["signature"]),
    }
    for kid in chain.order[:upto]:
        members[f"keys/{kid}.pem"] = keys.public_pem(chain.keys[kid])
    files, total = 0, 0
    for row in rows["evidence_files"]:
        path = stored_path(ws, row["sha256"])
        name = f"evidence/{row['sha256']}"
        if name in members or not path.exists() or row["size"] > FILE_LIMIT \
                or total + row["size"] > FILES_TOTAL:
            continue
        members[name] = path.read_bytes()
        total += len(members[name])
        files += 1
    finding = rows["findings"][0]
    members["README.txt"] = readme(finding, signed, chain.log_id, len(rows["reports"]),
                                   files).encode("utf-8")
    members[MANIFEST] = dump_json({
        "format": FORMAT, "finding_id": finding_id, "log_id": chain.log_id,
        "members": {n: hashlib.sha256(d).hexdigest() for n, d in sorted(members.items())}})
    summary = BundleSummary(finding_id, "", 0, sum(len(v) for v in rows.values()), len(entries),
                            files, size, signed["key_id"], chain.log_id)
    return members, summary


def write_bundle(ws: Workspace, finding_id: str, out: Path) -> BundleSummary:
    members, summary = build(ws, finding_id)
    data = write_zip(members)
    write_bytes_atomic(out, data)
    return BundleSummary(**{**summary.__dict__, "path": str(out), "bytes": len(data)})


def readme(finding: dict[str, Any], signed: dict[str, Any], log_id: str, n_reports: int,
           n_files: int) -> str:
    return f"""CEASEFIRE EVIDENCE BUNDLE ({FORMAT})

Finding   {finding['finding_id']}
Verdict   {finding['verdict']} (probability {finding['probability']})
Incident  {finding['incident_id'] or '-'} with {n_reports} report(s), {n_files} evidence file(s)
Signed    checkpoint of ledger entries 1..{signed['tree_size']}, root {signed['root']}
          by key {signed['key_id']} at {signed['time']}
Log id    {log_id}  <- compare with the log id the mission publishes

Check it with the tool (no workspace needed):   ceasefire verify-bundle THIS.zip

Check it by hand (docs/ledger.md has the full recipe and a 40-line Python script):
1. manifest.json lists the SHA-256 of every other member:  sha256sum -c  (after
   reshaping the list), or compare `sha256sum rows.json` etc. by eye.
2. The signature:  openssl pkeyutl -verify -pubin -inkey keys/{signed['key_id']}.pem \\
       -rawin -in checkpoint.txt -sigfile checkpoint.sig
   Keys after the first carry a rotation statement signed by the key before them
   (rows.json, signing_keys).
3. Each ledger entry (ledger.json): entry_hash = SHA-256 of the compact JSON array
   [seq, time, actor, action, note, payload_hash, prev_hash]; its Merkle path
   (proofs.json "entries") leads to the checkpoint root: leaf = SHA-256(00 || entry_hash
   bytes), node = SHA-256(01 || left || right), RFC 6962.
4. Each row (rows.json): its canonical encoding is the "leaf" of its proof (values in
   sorted column order joined by 0x1f; ledger_seq left out); its path leads to the root the
   entry's note records: "merkle"[table] for written rows, "derived" for incidents,
   findings and links.
5. Evidence files: `sha256sum evidence/*` equals their names and evidence_files rows.

The bundle proves what the ledger recorded up to that checkpoint; it cannot show later
entries. Database ids (rid, event_id) are left out: no ledger entry covers them.
"""
