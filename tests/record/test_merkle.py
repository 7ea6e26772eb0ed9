"""RFC 6962 Merkle trees: the bottom-up tree equals the recursive definition, every proof
verifies, and any wrong leaf, index, size or path element fails."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.record import merkle


def _rfc_root(leaves: list[bytes]) -> bytes:
    """MTH from RFC 6962 section 2.1, written recursively as the RFC states it."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _rfc_root(leaves[:k]) + _rfc_root(leaves[k:])).digest()


def _data(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 100])
def test_root_matches_rfc_definition(n: int) -> None:
    data = _data(n)
    assert merkle.root(merkle.leaf_hashes(data)) == _rfc_root(data)


def test_known_vector() -> None:
    # the CT test vector: the root of the empty tree is SHA-256 of nothing
    assert merkle.root([]).hex() == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 8, 13, 64, 65])
def test_every_proof_verifies_and_wrong_ones_fail(n: int) -> None:
    hashes = merkle.leaf_hashes(_data(n))
    top = merkle.root(hashes)
    for i in range(n):
        path = merkle.inclusion_proof(i, hashes)
        assert merkle.verify_inclusion(hashes[i], i, n, path, top)
        other = hashes[(i + 1) % n] if n > 1 else merkle.leaf_hash(b"x")
        assert not merkle.verify_inclusion(other, i, n, path, top)
        for j in range(n):
            if j != i:
                assert not merkle.verify_inclusion(hashes[i], j, n, path, top)
        # (the tree size is not always bound by a path: callers take it from signed data)
        for k in range(len(path)):
            bad = list(path)
            bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
            assert not merkle.verify_inclusion(hashes[i], i, n, bad, top)
        if path:
            assert not merkle.verify_inclusion(hashes[i], i, n, path[:-1], top)
        assert not merkle.verify_inclusion(hashes[i], i, n, [*path, top], top)


def test_roots_at_every_prefix() -> None:
    hashes = merkle.leaf_hashes(_data(70))
    sizes = range(71)
    got = merkle.roots_at(hashes, sizes)
    for n in sizes:
        assert got[n] == merkle.root(hashes[:n]), n


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_proofs_property(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = merkle.leaf_hashes(leaves)
    i = data.draw(st.integers(0, len(leaves) - 1))
    top = merkle.root(hashes)
    assert top == _rfc_root(leaves)
    assert merkle.verify_inclusion(hashes[i], i, len(hashes), merkle.inclusion_proof(i, hashes),
                                   top)


def test_rows_root_ignores_order() -> None:
    assert merkle.rows_root([b"b", b"a", b"c"]) == merkle.rows_root([b"c", b"b", b"a"])
    assert merkle.rows_root([b"a"])[0] == 1
