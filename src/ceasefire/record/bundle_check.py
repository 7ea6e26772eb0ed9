"""``ceasefire verify-bundle``: check an evidence bundle with no workspace at all.

Every byte of the archive is accounted for: the archive must be exactly what
:func:`ceasefire.record.bundle_format.write_zip` makes of its members, the manifest must list the
SHA-256 of every other member, and every field of every member is either covered by a hash
that chains up to the signed checkpoint or checked against one that is:

1. the checkpoint statement is signed by a key of the bundle's key chain, which starts at
   the log id (optionally required to equal ``--log-id``);
2. each ledger entry's hash is recomputed and proven into the checkpoint's Merkle root;
3. each row's canonical encoding is proven into the root its entry's note records;
4. the rows agree with each other: the finding's incident, the incident's reports (the
   ones its confidence breakdown names, as many as it counts), their sources, the
   evidence files (re-hashed), the review events and the agreement.

Failures raise :class:`BundleMismatch` (does not verify) or
:class:`~ceasefire.errors.InputError` (not a readable bundle). No workspace, no database.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ceasefire.errors import LedgerError
from ceasefire.record import keys, ledger, merkle
from ceasefire.record.bundle_format import (
    DERIVED,
    EVIDENCE,
    FORMAT,
    MANIFEST,
    BundleMismatch,
    load_json,
    read_zip,
    write_zip,
)
from ceasefire.record.verify import breakdown_reports

_STATEMENT = re.compile(r"ceasefire checkpoint v1\nlog: ([0-9a-f]{16})\nsize: ([1-9][0-9]*)\n"
                        r"root: ([0-9a-f]{64})\ntime: ([0-9TZ:.+-]+)\nkey: ([0-9a-f]{16})\n")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ENTRY_KEYS = {"seq", "time", "actor", "action", "note", "payload_hash", "prev_hash",
               "entry_hash"}


@dataclass(frozen=True)
class BundleReport:
    finding_id: str
    verdict: str
    incident_id: str | None
    reports: int
    evidence_files: int
    entries: int
    checkpoint_size: int
    checkpoint_time: str
    key_id: str
    log_id: str


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise BundleMismatch(message)


def check_bundle(data: bytes, file: str = "bundle.zip", log_id: str | None = None
                 ) -> BundleReport:
    """Verify a bundle's bytes; see the module docstring."""
    members = read_zip(data, file)
    try:
        return _check(members, data, log_id)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # a well-formed archive whose members lack or mistype what a bundle needs
        raise BundleMismatch(f"malformed content ({type(exc).__name__}: {exc})") from exc


def _check(members: dict[str, bytes], data: bytes, log_id: str | None) -> BundleReport:
    _require(write_zip(members) == data, "the archive is not byte for byte what its members "
             "make (headers, order or padding were changed)")
    _require(MANIFEST in members, "no manifest.json")
    manifest = load_json(MANIFEST, members[MANIFEST])
    _require(isinstance(manifest, dict) and set(manifest) == {"format", "finding_id",
                                                              "log_id", "members"},
             "manifest.json has unexpected fields")
    _require(manifest["format"] == FORMAT, f"unknown bundle format {manifest['format']!r}")
    listed = manifest["members"]
    _require(isinstance(listed, dict) and set(listed) == set(members) - {MANIFEST},
             "manifest.json does not list exactly the archive's members")
    for name, digest in listed.items():
        _require(hashlib.sha256(members[name]).hexdigest() == digest,
                 f"{name} was changed: its SHA-256 differs from the manifest's")

    chain, statement = _check_checkpoint(members, manifest, log_id)
    size, root = int(statement[1]), bytes.fromhex(statement[2])
    entries = _check_entries(members, size, root)
    rows = load_json("rows.json", members["rows.json"])
    _require(isinstance(rows, dict) and set(rows) <= set(EVIDENCE) | set(DERIVED)
             and all(isinstance(v, list) and all(isinstance(r, dict) for r in v)
                     for v in rows.values()), "rows.json has unexpected tables")
    proofs = load_json("proofs.json", members["proofs.json"])["rows"]
    _check_rows(rows, proofs, entries)
    used = {p["entry"] for p in proofs}
    _require(used == set(entries), "ledger.json holds entries no row needs")
    keys_rows = rows.get("signing_keys", [])
    _require(_key_order(keys_rows) == chain.order, "signing_keys rows do not match the chain")
    files = _check_links(rows, manifest["finding_id"], members)
    finding = rows["findings"][0]
    return BundleReport(finding["finding_id"], finding["verdict"], finding["incident_id"],
                        len(rows.get("reports", [])), files, len(entries), size,
                        statement[3], statement[4], chain.log_id)


def _key_order(rows: list[dict[str, Any]]) -> list[str]:
    return [r["key_id"] for r in sorted(rows, key=lambda r: (r["ledger_seq"], r["key_id"]))]


def _check_checkpoint(members: dict[str, bytes], manifest: dict[str, Any],
                      log_id: str | None) -> tuple[keys.KeyChain, tuple[str, ...]]:
    text = members.get("checkpoint.txt", b"")
    match = _STATEMENT.fullmatch(text.decode("utf-8", "replace"))
    _require(match is not None, "checkpoint.txt is not a checkpoint statement")
    assert match is not None
    statement = match.groups()
    rows = load_json("rows.json", members.get("rows.json", b"{}"))
    try:
        chain = keys.verify_key_chain(rows.get("signing_keys", []) if isinstance(rows, dict)
                                      else [])
    except (LedgerError, KeyError, TypeError, ValueError) as exc:
        raise BundleMismatch(f"the key chain does not verify: {exc}") from exc
    _require(chain is not None, "the bundle carries no signing keys")
    assert chain is not None
    _require(statement[0] == chain.log_id == manifest["log_id"],
             "the log id of the checkpoint, the key chain and the manifest differ")
    if log_id is not None:
        _require(chain.log_id == log_id, f"this bundle is from log {chain.log_id}, not the "
                 f"trusted log {log_id}")
    kid = statement[4]
    _require(kid in chain.keys, f"the checkpoint is signed by key {kid}, not in the chain")
    _require(chain.order[-1] == kid, "the key chain goes past the key that signed")
    _require(int(statement[1]) >= chain.from_seq[kid],
             "the checkpoint is older than the key that claims to sign it")
    _require(keys.verify_signature(chain.keys[kid], text, members["checkpoint.sig"].hex()),
             "the checkpoint signature does not verify")
    expected = {f"keys/{k}.pem": keys.public_pem(chain.keys[k]) for k in chain.order}
    _require({n: d for n, d in members.items() if n.startswith("keys/")} == expected,
             "keys/*.pem differ from the key chain")
    return chain, statement


def _check_entries(members: dict[str, bytes], size: int, root: bytes) -> dict[int, Any]:
    entries_list = load_json("ledger.json", members["ledger.json"])
    proofs = load_json("proofs.json", members["proofs.json"])
    _require(isinstance(proofs, dict) and set(proofs) == {"rows", "entries"},
             "proofs.json has unexpected fields")
    by_seq = {p["seq"]: p for p in proofs["entries"]}
    _require(len(by_seq) == len(proofs["entries"]) == len(entries_list),
             "ledger.json and the entry proofs do not pair up")
    entries: dict[int, Any] = {}
    for e in entries_list:
        _require(isinstance(e, dict) and set(e) == _ENTRY_KEYS, "a ledger entry has odd fields")
        seq = e["seq"]
        recomputed = ledger.entry_hash(seq, e["time"], e["actor"], e["action"], e["note"],
                                       e["payload_hash"], e["prev_hash"])
        _require(recomputed == e["entry_hash"], f"ledger entry {seq} was altered")
        p = by_seq.get(seq)
        _require(p is not None and set(p) == {"seq", "index", "size", "path"}
                 and p["index"] == seq - 1 and p["size"] == size,
                 f"entry {seq} has no proof into the checkpoint")
        assert p is not None  # for the type checker: _require has raised otherwise
        leaf = merkle.leaf_hash(bytes.fromhex(e["entry_hash"]))
        _require(merkle.verify_inclusion(leaf, seq - 1, size, _path(p["path"]), root),
                 f"entry {seq} is not in the signed checkpoint")
        entries[seq] = ledger.LedgerEntry(**e).note_data
    return entries


def _path(items: Any) -> list[bytes]:
    _require(isinstance(items, list) and all(isinstance(h, str) and _HEX64.match(h)
                                             for h in items), "a Merkle path is malformed")
    return [bytes.fromhex(h) for h in items]


def _check_rows(rows: dict[str, list[dict[str, Any]]], proofs: list[dict[str, Any]],
                entries: dict[int, Any]) -> None:
    seen = Counter((p.get("table"), p.get("row")) for p in proofs)
    wanted = {(t, i) for t, table_rows in rows.items() for i in range(len(table_rows))}
    _require(set(seen) == wanted and all(n == 1 for n in seen.values()),
             "proofs.json does not prove every row exactly once")
    for p in proofs:
        table, row = p["table"], rows[p["table"]][p["row"]]
        derived = table in DERIVED
        _require(set(p) == {"table", "row", "entry", "leaf", "index", "size", "path"}
                 | ({"where"} if derived else set()), f"a {table} proof has odd fields")
        note = entries.get(p["entry"])
        _require(note is not None, f"a {table} row's entry {p['entry']} is not in the bundle")
        assert note is not None  # for the type checker: _require has raised otherwise
        if derived:
            records = [r for r in note.get("derived", []) if r["table"] == table
                       and r["where"] == p["where"]]
            _require(len(records) == 1 and all(row.get(k) == v for k, v in p["where"].items()),
                     f"entry {p['entry']} records no such {table} state")
            recorded = records[0]
        else:
            _require(row.get("ledger_seq") == p["entry"], f"a {table} row claims entry "
                     f"{row.get('ledger_seq')} but is proven in {p['entry']}")
            recorded = note.get("merkle", {}).get(table)
            _require(recorded is not None, f"entry {p['entry']} wrote no {table} rows")
        try:
            leaf = ledger.encode_row(row, frozenset({"ledger_seq"}),
                                     ledger.OPTIONAL_COLUMNS.get(table, frozenset()))
        except LedgerError as exc:
            raise BundleMismatch(f"a {table} row cannot be encoded: {exc}") from exc
        _require(leaf.hex() == p["leaf"], f"a {table} row differs from the one proven")
        _require(p["size"] == recorded["size"], f"a {table} proof names the wrong tree size")
        _require(merkle.verify_inclusion(merkle.leaf_hash(leaf), p["index"], p["size"],
                                         _path(p["path"]), bytes.fromhex(recorded["root"])),
                 f"a {table} row is not in the rows entry {p['entry']} recorded")


def _check_links(rows: dict[str, list[dict[str, Any]]], finding_id: str,
                 members: dict[str, bytes]) -> int:
    findings = rows.get("findings", [])
    _require(len(findings) == 1 and findings[0]["finding_id"] == finding_id,
             "the bundle does not hold exactly the finding its manifest names")
    finding = findings[0]
    agreements = rows.get("agreements", [])
    _require(len(agreements) == 1 and agreements[0]["agreement_id"] == finding["agreement_id"]
             and agreements[0]["version"] == finding["agreement_version"],
             "the agreement is not the finding's")
    _require(all(e["finding_id"] == finding_id for e in rows.get("finding_events", [])),
             "a review event is about another finding")
    incidents, links = rows.get("incidents", []), rows.get("incident_reports", [])
    reports = rows.get("reports", [])
    if finding["incident_id"] is None:
        _require(not incidents and not links and not reports, "rows about no incident")
    else:
        _require(len(incidents) == 1 and incidents[0]["incident_id"] == finding["incident_id"],
                 "the incident is not the finding's")
        incident = incidents[0]
        _require(all(r["incident_id"] == incident["incident_id"] for r in links)
                 and len({r["rid"] for r in links}) == len(links) == incident["n_reports"]
                 == len(reports), "the incident's reports are not all here")
        gids = {f"{r['source_id']}:{r['report_id']}" for r in reports}
        _require(len(gids) == len(reports), "a report appears twice")
        named = breakdown_reports(incident["breakdown"])
        _require(named is None or named == gids, "the reports are not the ones the incident's "
                 "breakdown names")
    _require({s["source_id"] for s in rows.get("sources", [])}
             == {r["source_id"] for r in reports}, "the sources are not the reports'")
    report_keys = {(r["source_id"], r["report_id"]) for r in reports}
    files = rows.get("evidence_files", [])
    _require(all((f["source_id"], f["report_id"]) in report_keys for f in files),
             "an evidence file belongs to another report")
    sizes = {f["sha256"]: f["size"] for f in files}
    shipped = {n: d for n, d in members.items() if n.startswith("evidence/")}
    for name, data in shipped.items():
        sha = name.removeprefix("evidence/")
        _require(sha in sizes and hashlib.sha256(data).hexdigest() == sha
                 and len(data) == sizes[sha], f"{name} is not an evidence file of these reports")
    return len(shipped)
