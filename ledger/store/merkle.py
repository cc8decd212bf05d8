"""Merkle tree hashing and proof checking as RFC 9162 (Certificate Transparency v2) says.

A leaf hashes as ``SHA-256(0x00 || data)`` and a node as
``SHA-256(0x01 || left || right)``; a tree of n leaves splits at the largest
power of two below n. Roots, inclusion proofs and consistency proofs are the
RFC's, so any RFC 9162 / RFC 6962 verifier checks ours, and ours theirs.
Nothing here touches storage: an auditor's check needs only this module.
``ledger.store.tree`` keeps the tree in the ledger's database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.errors import LedgerError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_LEAF_HASHER = hashlib.sha256(_LEAF_PREFIX)


class ProofError(LedgerError):
    """A Merkle proof is malformed or does not lead to the root it claims."""


def leaf_hash(data: bytes) -> bytes:
    hasher = _LEAF_HASHER.copy()  # no copy of ``data`` behind the prefix: events are large
    hasher.update(data)
    return hasher.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Raise ``ProofError`` unless ``proof`` puts ``leaf`` at ``index`` under ``root`` (2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    _check_lengths(proof, len(inclusion_ranges(index, size)), "inclusion", leaf, root)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if r != root:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root "
                         f"of the tree of {size} leaves")


def verify_consistency(old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes,
                       new_root: bytes) -> None:
    """Raise ``ProofError`` unless the tree under ``new_root`` extends that under ``old_root``."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of {new_size} leaves cannot extend one of {old_size}")
    _check_lengths(proof, len(consistency_ranges(old_size, new_size)), "consistency",
                   old_root, new_root)
    if old_size in (0, new_size):
        _check_trivial_consistency(old_size, new_size, old_root, new_root)
        return
    first, second = _consistency_roots(old_size, new_size, proof, old_root)
    if first != old_root:
        raise ProofError(f"the consistency proof does not lead to the old root ({old_size} leaves)")
    if second != new_root:
        raise ProofError(f"the consistency proof does not lead to the new root ({new_size} leaves)")


def _consistency_roots(old_size: int, new_size: int, proof: Sequence[bytes],
                       old_root: bytes) -> tuple[bytes, bytes]:
    """RFC 9162 2.1.4.2 steps 2-6: the two roots the proof leads to."""
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr, sr


def _check_trivial_consistency(old_size: int, new_size: int, old_root: bytes,
                               new_root: bytes) -> None:
    if old_size == 0 and old_root != EMPTY_ROOT:
        raise ProofError("the old root is not the root of the empty tree")
    if old_size == new_size and old_root != new_root:
        raise ProofError(f"two different roots for the same tree of {old_size} leaves")


def _check_lengths(proof: Sequence[bytes], expected: int, kind: str, *hashes: bytes) -> None:
    if len(proof) != expected:
        raise ProofError(f"the {kind} proof has {len(proof)} hashes where {expected} are needed")
    if any(len(h) != HASH_SIZE for h in (*proof, *hashes)):
        raise ProofError(f"a hash of the {kind} proof is not {HASH_SIZE} bytes long")


def _split(size: int) -> int:
    """The largest power of two below ``size`` (``size`` >= 2): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes make up PATH(index, D[0:size]), bottom up."""
    ranges, begin, end = [], 0, size
    while end - begin > 1:
        middle = begin + _split(end - begin)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((begin, middle))
            begin = middle
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes make up PROOF(old_size, D[0:new_size]), bottom up."""
    if old_size in (0, new_size):
        return []
    ranges, begin, end, whole = [], 0, new_size, True
    while old_size != end - begin:
        middle = begin + _split(end - begin)
        if old_size <= middle - begin:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((begin, middle))
            old_size, begin, whole = old_size - (middle - begin), middle, False
    if not whole:
        ranges.append((begin, end))
    return ranges[::-1]
