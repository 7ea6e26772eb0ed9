"""Merkle trees as in RFC 6962 / RFC 9162 (Certificate Transparency), over SHA-256.

Two trees use this module:

* the **ledger tree**: one leaf per ledger entry (the 32 bytes of its ``entry_hash``), in
  ``seq`` order. A signed checkpoint signs the root of its first ``n`` leaves.
* **row trees**: one leaf per stored row (its canonical encoding, see
  :func:`ceasefire.record.ledger.encode_row`), leaves in sorted byte order. A ledger entry's note
  records the root of the rows it wrote (``merkle``) or of a derived table (``derived``),
  so one row can be proven part of an entry without showing the others.

Domain separation as in RFC 6962: a leaf hashes ``0x00 || data``, an inner node
``0x01 || left || right``; a tree of ``n`` leaves splits at the largest power of two below
``n``. The bottom-up construction here (an odd node at the end of a level is carried up
unchanged) builds exactly that tree. Inclusion proofs are verified with the algorithm of
RFC 9162 section 2.1.3.2, so any CT tooling (or the 20 lines in docs/ledger.md) checks them.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    sha = hashlib.sha256
    return [sha(b"\x00" + data).digest() for data in leaves]


def root(hashes: Sequence[bytes]) -> bytes:
    """The root over already-hashed leaves (``EMPTY_ROOT`` for none).

    >>> root([leaf_hash(b"a")]) == leaf_hash(b"a")
    True
    """
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    sha = hashlib.sha256
    while len(level) > 1:
        nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest()
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def rows_root(encodings: Iterable[bytes]) -> tuple[int, str]:
    """``(count, root hex)`` of a row tree: leaves are the encodings in sorted order."""
    ordered = sorted(encodings)
    return len(ordered), root(leaf_hashes(ordered)).hex()


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree over ``hashes`` (leaf to root)."""
    if not 0 <= index < len(hashes):
        raise IndexError(f"leaf {index} is not in a tree of {len(hashes)}")
    path: list[bytes] = []
    level = list(hashes)
    i = index
    sha = hashlib.sha256
    while len(level) > 1:
        if i % 2:
            path.append(level[i - 1])
        elif i + 1 < len(level):
            path.append(level[i + 1])
        nxt = [sha(b"\x01" + level[k] + level[k + 1]).digest()
               for k in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
        i //= 2
    return path


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root a proof leads to (RFC 9162 2.1.3.2), or ``None`` if the proof is malformed.

    ``leaf`` is the leaf *hash*. Compare the result with a trusted root.
    """
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0 or len(p) != 32:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """Whether ``path`` proves leaf hash ``leaf`` is leaf ``index`` of the tree ``expected_root``."""
    return root_from_path(leaf, index, size, path) == expected_root


class Frontier:
    """A growing tree kept as its perfect subtrees (at most log2 n hashes): appending a
    leaf and taking the root of everything so far are both O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (leaf count, hash), largest first

    def append(self, leaf: bytes) -> None:
        """Add a leaf *hash*."""
        count, h = 1, leaf
        while self._stack and self._stack[-1][0] == count:
            h = node_hash(self._stack.pop()[1], h)
            count *= 2
        self._stack.append((count, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        r = self._stack[-1][1]
        for _, h in reversed(self._stack[:-1]):
            r = node_hash(h, r)
        return r


def roots_at(hashes: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """The roots of the first ``n`` leaves for each ``n`` in ``sizes``, in one pass."""
    out: dict[int, bytes] = {}
    tree = Frontier()
    for n in sorted({n for n in sizes if 0 <= n <= len(hashes)}):
        while tree.size < n:
            tree.append(hashes[tree.size])
        out[n] = tree.root()
    return out
