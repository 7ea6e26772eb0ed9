"""The deployment's Ed25519 signing keys: creation, rotation, and the chain of keys.

Where things live:

* the **private key** of the active key: ``<workspace>/keys/<key_id>.key`` (PKCS#8 PEM,
  mode 0600, folder 0700). It is never printed, logged or put in the database.
* every **public key**: ``<workspace>/keys/<key_id>.pub`` (PEM) and a ``signing_keys`` row
  written through the ledger, so a key's arrival is itself part of the tamper-evident
  record.

A key's id is the first 16 hex digits of SHA-256 over its raw 32-byte public key. The first
key's id is also the **log id**: it names the ledger in every signed statement, and it is
what a mission publishes so outsiders can pin it.

Rotation (``ceasefire keys rotate``): a new key is made; the old key signs a rotation
statement naming the new one (:func:`rotation_statement`); the new key's row carries that
statement and signature; the old private key file is deleted, its public key stays. A
chain of keys therefore verifies from the first key alone (:func:`verify_key_chain`), and
old checkpoints keep verifying with the old public keys.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ceasefire.errors import InputError, LedgerError
from ceasefire.record import ledger
from ceasefire.store.base import Store

if TYPE_CHECKING:
    from ceasefire.workspace import Workspace

TABLE = "signing_keys"
KEYS_DIR = "keys"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def key_id_of(public_hex: str) -> str:
    """The id of a public key (hex of the raw 32 bytes)."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw).hex()


def public_pem(public: str) -> bytes:
    """The SubjectPublicKeyInfo PEM of a public key given as hex (what openssl reads)."""
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def verify_signature(public: str, message: bytes, signature_hex: str) -> bool:
    """Whether ``signature_hex`` is the Ed25519 signature of ``message`` by ``public``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def rotation_statement(log_id: str, old: str, new: str, new_public: str, time: str) -> str:
    """The exact text the old key signs to hand over to the new one."""
    return (f"ceasefire key rotation v1\nlog: {log_id}\nold: {old}\nnew: {new}\n"
            f"public_key: {new_public}\ntime: {time}\n")


# -- the chain of keys ---------------------------------------------------------------------
@dataclass(frozen=True)
class KeyChain:
    """Verified keys, oldest first. ``from_seq[k]``: the ledger entry that introduced key k
    (its checkpoints must cover at least that entry); a key stops signing where the next
    one starts."""

    log_id: str
    keys: dict[str, str]          # key_id -> public hex
    order: list[str]
    from_seq: dict[str, int]

    def valid_range(self, key_id: str) -> tuple[int, int | None]:
        """Smallest and largest tree size ``key_id`` may sign (``None``: no upper bound)."""
        i = self.order.index(key_id)
        nxt = self.order[i + 1] if i + 1 < len(self.order) else None
        return self.from_seq[key_id], (self.from_seq[nxt] - 1 if nxt else None)


def verify_key_chain(rows: Iterable[Mapping[str, Any]]) -> KeyChain | None:
    """Check the ``signing_keys`` rows: ids match keys, each rotation is signed by the key
    before it. Returns ``None`` for no keys; raises :class:`LedgerError` on a bad link."""
    ordered = sorted(rows, key=lambda r: (r["ledger_seq"], r["key_id"]))
    if not ordered:
        return None
    keys: dict[str, str] = {}
    order: list[str] = []
    from_seq: dict[str, int] = {}
    log_id = ordered[0]["key_id"]
    for i, row in enumerate(ordered):
        kid, pub, seq = row["key_id"], row["public_key"], int(row["ledger_seq"])
        try:
            ok_id = key_id_of(pub) == kid and len(bytes.fromhex(pub)) == 32
        except (ValueError, TypeError):
            ok_id = False
        if not ok_id:
            raise LedgerError(f"signing key {kid}: its id does not match its public key", seq=seq)
        if i == 0:
            if row.get("previous_key") or row.get("statement") or row.get("signature"):
                raise LedgerError(f"first signing key {kid} claims a predecessor", seq=seq)
        else:
            prev = order[-1]
            expected = rotation_statement(log_id, prev, kid, pub, row["created_at"])
            if row.get("previous_key") != prev or row.get("statement") != expected:
                raise LedgerError(f"signing key {kid}: its rotation statement does not hand "
                                  f"over from key {prev}", seq=seq)
            if not verify_signature(keys[prev], expected.encode("utf-8"),
                                    row.get("signature") or ""):
                raise LedgerError(f"signing key {kid}: the rotation statement is not signed "
                                  f"by key {prev}", seq=seq)
        keys[kid] = pub
        order.append(kid)
        from_seq[kid] = seq
    return KeyChain(log_id, keys, order, from_seq)


def chain(store: Store) -> KeyChain | None:
    return verify_key_chain(store.select(TABLE))


# -- files ---------------------------------------------------------------------------------
def keys_dir(ws: Workspace) -> Path:
    return ws.path(KEYS_DIR)


def _write_private(path: Path, data: bytes) -> None:
    """Atomic write that keeps mkstemp's 0600 (fsutil's helper widens to the umask)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _save(ws: Workspace, key: Ed25519PrivateKey) -> str:
    from ceasefire.fsutil import write_bytes_atomic

    pub = public_hex(key)
    kid = key_id_of(pub)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_private(keys_dir(ws) / f"{kid}.key", pem)
    write_bytes_atomic(keys_dir(ws) / f"{kid}.pub", public_pem(pub))
    return kid


def load_private(ws: Workspace, key_id: str) -> Ed25519PrivateKey | None:
    """The private key of ``key_id`` from keys/, or ``None`` if this workspace lacks it."""
    path = keys_dir(ws) / f"{key_id}.key"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(f"{path} is not an Ed25519 private key")
    return key


def active(store: Store) -> dict[str, Any] | None:
    """The newest key's row (the one that signs), or ``None``."""
    for row in store.select(TABLE, order_by=["-ledger_seq"], limit=1):
        return row
    return None


# -- commands ------------------------------------------------------------------------------
def init_key(ws: Workspace) -> str:
    """Create the workspace's first key; returns its id (the log id)."""
    if active(ws.store) is not None:
        raise InputError("this workspace already has a signing key; use `ceasefire keys "
                         "rotate` to replace it", field="keys")
    key = Ed25519PrivateKey.generate()
    kid = _save(ws, key)
    row = {"key_id": kid, "public_key": public_hex(key), "created_at": now(),
           "previous_key": None, "statement": None, "signature": None}
    _introduce(ws, key, kid, "keys.init", row, {"key_id": kid})
    ws.pin_log_id(kid)
    return kid


def _introduce(ws: Workspace, key: Ed25519PrivateKey, kid: str, action: str,
               row: dict[str, Any], note: dict[str, Any]) -> None:
    """Record a new key and, in the same transaction, its first checkpoint (covering its
    own entry): every key of the chain has signed at least once, so removing all
    checkpoints is seen by ``verify``."""
    from ceasefire.record import checkpoints

    with ws.store.transaction():
        ledger.record(ws.store, actor=ws.actor, action=action, rows={TABLE: [row]}, note=note)
        checkpoints.sign(ws.store, key, kid)


def rotate(ws: Workspace) -> tuple[str, str]:
    """Replace the active key; returns ``(old id, new id)``.

    The old key first signs a checkpoint of the ledger as it stands, then the rotation
    statement; its private file is removed only after the new key is recorded.
    """
    from ceasefire.record import checkpoints

    current = active(ws.store)
    if current is None:
        raise InputError("this workspace has no signing key yet: `ceasefire keys init`",
                         field="keys")
    old_id = current["key_id"]
    old_key = load_private(ws, old_id)
    if old_key is None:
        raise InputError(f"the private key of {old_id} is not in {keys_dir(ws)}: only the "
                         "holder of the current key can rotate it", field="keys")
    known = chain(ws.store)
    assert known is not None
    checkpoints.create(ws)
    new_key = Ed25519PrivateKey.generate()
    new_pub = public_hex(new_key)
    new_id = _save(ws, new_key)
    time = now()
    statement = rotation_statement(known.log_id, old_id, new_id, new_pub, time)
    row = {"key_id": new_id, "public_key": new_pub, "created_at": time,
           "previous_key": old_id, "statement": statement,
           "signature": old_key.sign(statement.encode("utf-8")).hex()}
    _introduce(ws, new_key, new_id, "keys.rotate", row, {"old": old_id, "new": new_id})
    (keys_dir(ws) / f"{old_id}.key").unlink(missing_ok=True)
    return old_id, new_id


# -- what lies outside the database -------------------------------------------------------
def verify_pins(ws: Workspace, log_id: str | None = None) -> int:
    """Check the database's signing keys against what an attacker with write access to the
    database alone cannot change: the log id pinned in ``ceasefire.toml`` (and ``log_id``,
    given by an outside verifier), and the key files in ``keys/``. Returns the number of
    key files checked; raises :class:`LedgerError` naming the mismatch."""
    try:
        known = chain(ws.store)
    except LedgerError:
        return 0  # a broken chain of keys is named by verify_checkpoints
    db_log = known.log_id if known else None
    for pinned, where in ((log_id, "--log-id"), (ws.settings.workspace.log_id, "ceasefire.toml")):
        if pinned and db_log != pinned:
            found = (" has no signing keys: they were stripped" if db_log is None else
                     f"'s log is {db_log}: the signing keys were replaced")
            raise LedgerError(f"{where} pins log {pinned}, but the database{found}")
    files = sorted(p for p in keys_dir(ws).glob("*") if p.suffix in (".key", ".pub"))
    for path in files:
        kid = path.stem
        public = known.keys.get(kid) if known else None
        if public is None:
            raise LedgerError(f"{path} is in the workspace, but key {kid} is not among the "
                              "database's signing keys: keys were stripped or replaced")
        if _file_public_hex(path) != public:
            raise LedgerError(f"{path} does not hold the public key the database records "
                              f"for key {kid}")
    return len(files)


def _file_public_hex(path: Path) -> str | None:
    data = path.read_bytes()
    try:
        if path.suffix == ".key":
            key: Any = serialization.load_pem_private_key(data, password=None)
            key = key.public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None
    if not isinstance(key, Ed25519PublicKey):
        return None
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def list_keys(store: Store) -> list[dict[str, Any]]:
    return list(store.select(TABLE, columns=["key_id", "public_key", "created_at",
                                             "previous_key", "ledger_seq"],
                             order_by=["ledger_seq"]))
