"""The Merkle tree over the log, kept in the database as it grows by appends.

The tree is stored the way Trillian and transparency-dev's "compact ranges"
store it: as the hashes of its *complete* subtrees, each keyed by
``(level, offset)`` (the subtree of leaves
``[offset * 2**level, (offset + 1) * 2**level)``). Such a hash never changes
once written, so the table is append-only like the events:

- appending a leaf writes its hash and the hash of each subtree of
  ``2**STORED_LEVEL`` leaves or more that it completes: one leaf hash and, on
  average, 2 / 2**STORED_LEVEL subtree hashes per leaf (``CompactRange``).
  Subtrees of 2 to ``2**(STORED_LEVEL - 1)`` leaves are not worth a row:
  they are recomputed from the leaf hashes beneath them when read;
- the root, or any proof, for any size n reads O(log n + 2**STORED_LEVEL)
  stored hashes in one look-up (``NodeStore.get_nodes``), the incomplete
  subtrees along the right edge being recomputed from the complete ones
  below them.

Hashes and proofs are RFC 9162's (``ledger.store.merkle``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from ledger.errors import TamperError
from ledger.store.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_ranges,
    inclusion_ranges,
    node_hash,
)

STORED_LEVEL = 4


class MissingNodeError(TamperError):
    """The stored tree lacks a subtree hash it must hold: it was cut or damaged."""


class NodeId(NamedTuple):
    """A complete subtree: leaves ``[offset * 2**level, (offset + 1) * 2**level)``."""

    level: int
    offset: int


#: A complete subtree's hash as stored: level, offset, hash.
StoredNode = tuple[int, int, bytes]


class NodeStore(Protocol):
    """Where the hashes of complete subtrees are kept (a table, in the ledger)."""

    def get_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        """The stored hashes among ``ids``; absent ones are simply left out."""
        ...

    def put_nodes(self, nodes: Iterable[StoredNode]) -> None:
        """Keep these hashes; each ``(level, offset)`` is written once, ever."""
        ...


@dataclass
class MemoryNodeStore:
    """A ``NodeStore`` in a dict: for tests and for proofs computed in memory."""

    nodes: dict[NodeId, bytes] = field(default_factory=dict)

    def get_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        return {node: self.nodes[node] for node in ids if node in self.nodes}

    def put_nodes(self, nodes: Iterable[StoredNode]) -> None:
        for level, offset, digest in nodes:
            self.nodes[NodeId(level, offset)] = digest


@dataclass
class CompactRange:
    """The roots of the complete subtrees covering leaves ``[0, size)``, largest first.

    That is all a growing log needs in memory: O(log size) hashes, from which
    each append computes the subtrees it completes and the new root.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @classmethod
    def load(cls, store: NodeStore, size: int) -> CompactRange:
        """The compact range of the stored tree at ``size`` (one look-up)."""
        return cls(size, _fetch(store, range_nodes(0, size)))

    def append(self, leaf: bytes) -> list[StoredNode]:
        """Add one leaf hash; return the nodes to store: the leaf and the subtrees it completes."""
        return self.extend((leaf,))

    def extend(self, leaves: Iterable[bytes]) -> list[StoredNode]:
        """Add leaf hashes in order; return every node to store, ready for ``executemany``."""
        written: list[StoredNode] = []
        hashes, size = self.hashes, self.size
        for leaf in leaves:
            written.append((0, size, leaf))
            offset, level, digest = size, 0, leaf
            while offset & 1:  # a right child: it completes its parent
                digest = node_hash(hashes.pop(), digest)
                offset, level = offset >> 1, level + 1
                if level >= STORED_LEVEL:
                    written.append((level, offset, digest))
            hashes.append(digest)
            size += 1
        self.size = size
        return written

    def root(self) -> bytes:
        return _fold(self.hashes) if self.hashes else EMPTY_ROOT


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The fewest complete subtrees that cover leaves ``[begin, end)``, left to right."""
    nodes = []
    while begin < end:
        size = begin & -begin or 1 << (end - begin).bit_length()
        while begin + size > end:
            size >>= 1
        level = size.bit_length() - 1
        nodes.append(NodeId(level, begin >> level))
        begin += size
    return nodes


def root_hash(store: NodeStore, size: int) -> bytes:
    """The tree head of the first ``size`` leaves (RFC 9162 MTH)."""
    return CompactRange.load(store, size).root()


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _subtree_hashes(store, inclusion_ranges(index, size))


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of ``new_size`` extends that of ``old_size`` (RFC 9162 2.1.4.1)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from {old_size} to {new_size} leaves")
    return _subtree_hashes(store, consistency_ranges(old_size, new_size))


def _subtree_hashes(store: NodeStore, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, all stored hashes read in one look-up."""
    covers = [range_nodes(begin, end) for begin, end in ranges]
    found = _fetch_map(store, [node for cover in covers for node in cover])
    return [_fold([found[node] for node in cover]) for cover in covers]


def _fetch(store: NodeStore, ids: Sequence[NodeId]) -> list[bytes]:
    found = _fetch_map(store, ids)
    return [found[node] for node in ids]


def _fetch_map(store: NodeStore, ids: Sequence[NodeId]) -> Mapping[NodeId, bytes]:
    """The hashes of ``ids``; unstored ones computed from the leaf hashes beneath them."""
    unstored = {node: _leaves_under(node) for node in ids if 0 < node.level < STORED_LEVEL}
    wanted = set(ids) - unstored.keys() | {leaf for leaves in unstored.values() for leaf in leaves}
    found = dict(store.get_nodes(wanted))
    if missing := sorted(wanted - found.keys()):
        raise MissingNodeError(f"the stored Merkle tree lacks the subtree at level "
                               f"{missing[0].level}, offset {missing[0].offset}")
    for node, leaves in unstored.items():
        found[node] = _perfect_root([found[leaf] for leaf in leaves])
    return found


def _leaves_under(node: NodeId) -> list[NodeId]:
    first = node.offset << node.level
    return [NodeId(0, offset) for offset in range(first, first + (1 << node.level))]


def _perfect_root(hashes: list[bytes]) -> bytes:
    """The root over a power-of-two count of leaf hashes, level by level."""
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The root over complete subtrees laid left to right, largest first (the RFC's shape)."""
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = node_hash(left, digest)
    return digest
