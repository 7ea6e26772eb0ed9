"""Signed Merkle checkpoints over the ledger, and the whole-record check behind ``verify``.

A checkpoint is the Merkle root (:mod:`ceasefire.record.merkle`) of ledger entries ``1..n``, one
leaf per entry (the 32 bytes of its ``entry_hash``), signed with the deployment's active
Ed25519 key (:mod:`ceasefire.record.keys`). The signed text is :func:`statement`, six lines::

    ceasefire checkpoint v1
    log: <log id = id of the first key>
    size: <n>
    root: <64 hex>
    time: <UTC ISO 8601>
    key: <id of the signing key>

When: automatically inside the write of every entry whose ``seq`` is a multiple of
:data:`EVERY` (once the workspace has a key and holds its private half), before every key
rotation, and on demand (``ceasefire checkpoint``; ``ceasefire bundle`` makes one when the
newest does not cover what it proves).

A checkpoint row also keeps the entry hashes since the previous checkpoint (``leaves``).
They are authenticated by the signed root, so ``verify`` can name the exact entry that was
rewritten after a checkpoint signed it, even when the rewrite kept the hash chain
consistent. Checkpoints published outside the workspace are what defeats an attacker who
also holds the key; docs/ledger.md says how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ceasefire.errors import InputError, LedgerError
from ceasefire.record import keys, ledger, merkle
from ceasefire.store.base import Store

if TYPE_CHECKING:
    from ceasefire.workspace import Workspace

TABLE = "checkpoints"
#: an automatic checkpoint is signed with every entry whose seq is a multiple of this
EVERY = 64


def statement(log_id: str, size: int, root_hex: str, time: str, key_id: str) -> str:
    """The exact text a checkpoint's signature covers (UTF-8, every line ends in LF)."""
    return (f"ceasefire checkpoint v1\nlog: {log_id}\nsize: {size}\nroot: {root_hex}\n"
            f"time: {time}\nkey: {key_id}\n")


def entry_hashes(store: Store) -> list[str]:
    """Every entry's hash (hex) in seq order: the ledger tree's leaf data."""
    return [r["entry_hash"] for r in store.select("ledger", columns=["entry_hash"],
                                                  order_by=["seq"])]


def leaves_of(hex_hashes: list[str]) -> list[bytes]:
    return merkle.leaf_hashes(bytes.fromhex(h) for h in hex_hashes)


# -- signing -------------------------------------------------------------------------------
def create(ws: Workspace) -> dict[str, Any]:
    """Sign a checkpoint of the whole ledger with the active key (creating the workspace's
    first key if it has none). Returns the checkpoint row; one that exists is reused."""
    store = ws.store
    if keys.active(store) is None:
        keys.init_key(ws)
    with store.transaction():
        row = keys.active(store)
        assert row is not None
        private = keys.load_private(ws, row["key_id"])
        if private is None:
            raise InputError(f"the private key of {row['key_id']} is not in "
                             f"{keys.keys_dir(ws)}: this workspace cannot sign", field="keys")
        return sign(store, private, row["key_id"])


def sign(store: Store, private: Any, key_id: str) -> dict[str, Any]:
    hashes = entry_hashes(store)
    size = len(hashes)
    for existing in store.select(TABLE, {"tree_size": size, "key_id": key_id}):
        return existing
    known = keys.chain(store)
    assert known is not None
    earlier = [r["tree_size"] for r in store.select(TABLE, columns=["tree_size"])
               if r["tree_size"] <= size]
    from_size = max(earlier, default=0)
    root_hex = merkle.root(leaves_of(hashes)).hex()
    time = keys.now()
    text = statement(known.log_id, size, root_hex, time, key_id)
    row = {"tree_size": size, "from_size": from_size, "root": root_hex, "time": time,
           "key_id": key_id, "statement": text,
           "signature": private.sign(text.encode("utf-8")).hex(),
           "leaves": "".join(hashes[from_size:size])}
    store.insert(TABLE, [row])
    return row


def attach(ws: Workspace, store: Store) -> None:
    """Sign automatically every :data:`EVERY` entries on ``store`` (the workspace's)."""

    def every_n(store_: Store, entry: ledger.LedgerEntry) -> None:
        if entry.seq % EVERY:
            return
        row = keys.active(store_)
        private = keys.load_private(ws, row["key_id"]) if row else None
        if row is not None and private is not None:
            sign(store_, private, row["key_id"])

    ledger.on_append(store, every_n)


def covering(ws: Workspace, seq: int) -> dict[str, Any]:
    """The newest checkpoint if it covers entry ``seq``; else a new one of the whole ledger."""
    for row in ws.store.select(TABLE, order_by=["-tree_size"], limit=1):
        if row["tree_size"] >= seq:
            return row
    return create(ws)


# -- verifying -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckpointResult:
    checkpoints: int
    keys: int
    log_id: str | None
    newest_size: int


def verify_checkpoints(store: Store, ws: Workspace | None = None) -> CheckpointResult:
    """Check the key chain and every checkpoint: statement, signature, signing period, root,
    and that the entries it signed are still the ledger's. Raises :class:`LedgerError`
    (``seq`` = the first rewritten entry when one can be named)."""
    chain = keys.chain(store)
    rows = sorted(store.select(TABLE), key=lambda r: (r["tree_size"], r["key_id"]))
    if chain is None:
        if rows:
            raise LedgerError(f"{len(rows)} checkpoints but no signing keys (keys removed?)")
        return CheckpointResult(0, 0, None, 0)
    current = entry_hashes(store)
    authentic: list[str] = []      # entry hashes proven by the checkpoints so far
    tree = merkle.Frontier()
    verified = {0}
    for row in rows:
        size, kid, name = row["tree_size"], row["key_id"], f"checkpoint of {row['tree_size']}"
        public = chain.keys.get(kid)
        if public is None:
            raise LedgerError(f"{name} is signed by unknown key {kid}")
        text = statement(chain.log_id, size, row["root"], row["time"], kid)
        if row["statement"] != text:
            raise LedgerError(f"{name} (key {kid}) was altered: its statement does not match")
        if not keys.verify_signature(public, text.encode("utf-8"), row["signature"]):
            raise LedgerError(f"{name}: the signature by key {kid} does not verify")
        low, high = chain.valid_range(kid)
        if size < low or (high is not None and size > high):
            raise LedgerError(f"{name} is signed by key {kid} outside the entries it may sign "
                              f"({low}..{high if high is not None else 'now'})")
        if row["from_size"] not in verified:
            raise LedgerError(f"{name} follows the checkpoint of {row['from_size']}, which "
                              "is missing (deleted?)")
        leaves = _split(row["leaves"], size - row["from_size"], name)
        claimed = authentic[:row["from_size"]] + leaves
        if row["from_size"] == tree.size:
            for leaf in leaves_of(leaves):
                tree.append(leaf)
            root = tree.root()
        else:
            root = merkle.root(leaves_of(claimed))
        if root.hex() != row["root"]:
            raise LedgerError(f"{name} was altered: its stored entry hashes do not give the "
                              "root it signed")
        for i in range(row["from_size"], size):  # earlier ones were compared already
            h = claimed[i]
            if i >= len(current):
                raise LedgerError(f"entries {len(current) + 1}..{size} are missing: {name} "
                                  "signed them", seq=len(current) + 1)
            if current[i] != h:
                raise LedgerError(f"entry {i + 1} was rewritten after {name} signed it "
                                  f"(signed hash {h[:16]}..., now {current[i][:16]}...)",
                                  seq=i + 1)
        if len(claimed) > len(authentic):
            authentic = claimed
            if tree.size != len(authentic):
                tree = merkle.Frontier()
                for leaf in leaves_of(authentic):
                    tree.append(leaf)
        verified.add(size)
    for kid in chain.order:
        if not any(r["key_id"] == kid and r["tree_size"] >= chain.from_seq[kid] for r in rows):
            raise LedgerError(f"key {kid} signed no checkpoint, yet each key signs one as it is "
                              "introduced: checkpoints were deleted", seq=chain.from_seq[kid])
    _check_cadence(store, ws, chain, {r["tree_size"] for r in rows}, len(current))
    return CheckpointResult(len(rows), len(chain.order), chain.log_id, len(authentic))


def _split(leaves: str, count: int, name: str) -> list[str]:
    if len(leaves) != 64 * count:
        raise LedgerError(f"{name} was altered: it should keep {count} entry hashes")
    return [leaves[i:i + 64] for i in range(0, len(leaves), 64)]


def _check_cadence(store: Store, ws: Workspace | None, chain: keys.KeyChain,
                   present: set[int], size: int) -> None:
    """A workspace that holds its active private key signed every EVERY-th entry: a missing
    one was deleted (the only way to hide a rewrite of the newest entries locally)."""
    if ws is None or keys.load_private(ws, chain.order[-1]) is None:
        return
    first = chain.from_seq[chain.order[0]]
    for n in range(EVERY * -(-first // EVERY), size + 1, EVERY):
        if n not in present:
            raise LedgerError(f"the automatic checkpoint of entry {n} is missing (deleted?)",
                              seq=n)
