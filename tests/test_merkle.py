"""The Merkle tree over the log hashes, proves and verifies exactly as RFC 9162 says.

The vectors are the reference values of transparency-dev/merkle (Go), files
``testonly/constants.go`` (leaf inputs, subtree hashes, roots of sizes 0-8)
and ``proof/verify_test.go`` (inclusion and consistency proofs), and the
hasher vectors of its ``rfc6962/rfc6962_test.go``. Only the values are
copied; leaf indexes are 0-based here (the Go inclusion table counts leaves
from 1). The tree is kept in ``ledger.store.tree``; hashing and checking are
``ledger.store.merkle``'s.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import LedgerError, TamperError
from ledger.store.merkle import (
    EMPTY_ROOT,
    ProofError,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from ledger.store.tree import (
    STORED_LEVEL,
    CompactRange,
    MemoryNodeStore,
    MissingNodeError,
    NodeId,
    consistency_proof,
    inclusion_proof,
    range_nodes,
    root_hash,
)

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]

ROOTS = [bytes.fromhex(h) for h in (  # by tree size, 0 to 8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]

NODES = {  # every complete subtree of the 8-leaf tree, by (level, offset)
    (0, 0): "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    (0, 1): "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    (0, 2): "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    (0, 3): "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    (0, 4): "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    (0, 5): "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    (0, 6): "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    (0, 7): "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    (1, 0): "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 2): "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 0): "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    (3, 0): "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def hexes(*values: str) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 1, []),
    (0, 8, hexes(NODES[0, 1], NODES[1, 1], NODES[2, 1])),
    (5, 8, hexes(NODES[0, 4], NODES[1, 3], NODES[2, 0])),
    (2, 3, hexes(NODES[1, 0])),
    (1, 5, hexes(NODES[0, 0], NODES[1, 1], NODES[0, 4])),
]

CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, hexes(NODES[0, 1], NODES[1, 1], NODES[2, 1])),
    (6, 8, hexes(NODES[1, 2], NODES[1, 3], NODES[2, 0])),
    (2, 5, hexes(NODES[1, 1], NODES[0, 4])),
    (6, 7, hexes(NODES[1, 2], NODES[0, 6], NODES[2, 0])),
]


def grown(leaves: list[bytes]) -> MemoryNodeStore:
    """A store holding the tree of ``leaves``, grown one append at a time."""
    store, compact = MemoryNodeStore(), CompactRange()
    for data in leaves:
        store.put_nodes(compact.append(leaf_hash(data)))
    return store


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 section 2.1.1, recursion and all."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


STORE = grown(LEAVES)


def test_leaf_and_node_hashes_carry_the_rfc_prefixes():
    # rfc6962_test.go: echo -n 004C313233343536 | xxd -r -p | sha256sum
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def stored(nodes):
    """The reference nodes a store keeps: leaves, and subtrees of 2**STORED_LEVEL leaves or more."""
    return {node: digest for node, digest in nodes.items()
            if node[0] == 0 or node[0] >= STORED_LEVEL}


def test_leaf_hashes_and_large_subtrees_are_stored_with_the_reference_hashes():
    assert {node: digest.hex() for node, digest in STORE.nodes.items()} == stored(NODES)


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_every_size_is_the_reference_root(size):
    assert root_hash(STORE, size) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_are_the_reference_audit_paths(index, size, path):
    assert inclusion_proof(STORE, index, size) == path
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, path, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_reference_proofs(old, new, proof):
    assert consistency_proof(STORE, old, new) == proof
    verify_consistency(old, new, proof, ROOTS[old], ROOTS[new])


def inclusion_forgeries(index, size, path):
    """Everything a forger could alter in a valid inclusion proof (after verify_test.go)."""
    leaf, root, other = leaf_hash(LEAVES[index]), ROOTS[size], hashlib.sha256(b"x").digest()
    yield "leaf index - 1", (leaf, index - 1, size, path, root)
    yield "leaf index + 1", (leaf, index + 1, size, path, root)
    yield "leaf index ^ 2", (leaf, index ^ 2, size, path, root)
    yield "tree size * 2", (leaf, index, size * 2, path, root)
    yield "tree size // 2", (leaf, index, size // 2, path, root)
    yield "wrong leaf", (other, index, size, path, root)
    yield "wrong root", (leaf, index, size, path, other)
    yield "empty root", (leaf, index, size, path, EMPTY_ROOT)
    yield "trailing hash", (leaf, index, size, [*path, root], root)
    yield "preceding hash", (leaf, index, size, [root, *path], root)
    yield "last hash removed", (leaf, index, size, path[:-1], root)
    for i in range(len(path)):
        flipped = bytes([path[i][0] ^ 8]) + path[i][1:]
        yield f"bit flipped in hash {i}", (leaf, index, size, [*path[:i], flipped,
                                                               *path[i + 1:]], root)


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION[1:])
def test_no_altered_inclusion_proof_verifies(index, size, path):
    for what, (leaf, i, n, p, root) in inclusion_forgeries(index, size, path):
        with pytest.raises(ProofError):
            verify_inclusion(leaf, i, n, p, root)
            pytest.fail(f"verified although {what}")


def consistency_forgeries(old, new, proof):
    """Everything a forger could alter in a valid consistency proof (after verify_test.go)."""
    r1, r2 = ROOTS[old], ROOTS[new]
    yield "old size - 1", (old - 1, new, proof, r1, r2)
    yield "old size + 1", (old + 1, new, proof, r1, r2)
    yield "old size ^ 2", (old ^ 2, new, proof, r1, r2)
    yield "new size * 2", (old, new * 2, proof, r1, r2)
    yield "new size // 2", (old, new // 2, proof, r1, r2)
    yield "wrong old root", (old, new, proof, hashlib.sha256(b"x").digest(), r2)
    yield "wrong new root", (old, new, proof, r1, hashlib.sha256(b"x").digest())
    yield "roots swapped", (old, new, proof, r2, r1)
    yield "empty proof", (old, new, [], r1, r2)
    yield "trailing old root", (old, new, [*proof, r1], r1, r2)
    yield "preceding new root", (old, new, [r2, *proof], r1, r2)
    yield "first hash repeated", (old, new, [proof[0], *proof], r1, r2)
    yield "last hash removed", (old, new, proof[:-1], r1, r2)
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        yield f"bit flipped in hash {i}", (old, new, [*proof[:i], flipped, *proof[i + 1:]], r1, r2)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_no_altered_consistency_proof_verifies(old, new, proof):
    for what, args in consistency_forgeries(old, new, proof):
        with pytest.raises(ProofError):
            verify_consistency(*args)
            pytest.fail(f"verified although {what}")


def test_the_empty_tree_is_extended_by_any_tree_but_only_with_an_empty_proof():
    verify_consistency(0, 8, [], EMPTY_ROOT, ROOTS[8])
    with pytest.raises(ProofError, match="proof has 1 hashes where 0 are needed"):
        verify_consistency(0, 8, [ROOTS[8]], EMPTY_ROOT, ROOTS[8])
    with pytest.raises(ProofError, match="not the root of the empty tree"):
        verify_consistency(0, 8, [], ROOTS[1], ROOTS[8])


def test_a_tree_is_consistent_with_itself_only_under_one_root():
    verify_consistency(5, 5, [], ROOTS[5], ROOTS[5])
    with pytest.raises(ProofError, match="two different roots for the same tree of 5 leaves"):
        verify_consistency(5, 5, [], ROOTS[5], ROOTS[6])


def test_a_shrunken_tree_is_refused_with_its_sizes_named():
    with pytest.raises(ProofError, match="a tree of 4 leaves cannot extend one of 6"):
        verify_consistency(6, 4, [], ROOTS[6], ROOTS[4])


def test_asking_for_a_leaf_past_the_end_names_the_leaf_and_the_size():
    with pytest.raises(ProofError, match="leaf 8 is not in a tree of 8 leaves"):
        inclusion_proof(STORE, 8, 8)


def test_proof_errors_are_ledger_errors_and_a_lost_node_is_tamper():
    assert issubclass(ProofError, LedgerError)
    damaged = grown([bytes([i]) for i in range(40)])
    del damaged.nodes[NodeId(0, 5)], damaged.nodes[NodeId(5, 0)]
    with pytest.raises(MissingNodeError, match="lacks the subtree at level 0, offset 5") as caught:
        root_hash(damaged, 6)
    assert isinstance(caught.value, TamperError)
    with pytest.raises(MissingNodeError, match="lacks the subtree at level 5, offset 0"):
        root_hash(damaged, 40)


class CountingStore(MemoryNodeStore):
    """Counts look-ups, hashes read and hashes written: what a database would pay."""

    def __init__(self):
        super().__init__()
        self.lookups = self.reads = self.writes = 0

    def get_nodes(self, ids):
        self.lookups, self.reads = self.lookups + 1, self.reads + len(ids)
        return super().get_nodes(ids)

    def put_nodes(self, nodes):
        nodes = list(nodes)
        self.writes += len(nodes)
        super().put_nodes(nodes)


def test_appends_write_few_hashes_and_proofs_read_logarithmically_many_in_one_lookup():
    store, compact, size = CountingStore(), CompactRange(), 1000
    store.put_nodes(compact.extend(leaf_hash(i.to_bytes(4, "big")) for i in range(size)))
    large_subtrees = sum(size >> level for level in range(STORED_LEVEL, 11))
    assert store.writes == size + large_subtrees
    assert large_subtrees <= 2 * size / 2 ** STORED_LEVEL
    for ask in (lambda: root_hash(store, 999), lambda: inclusion_proof(store, 517, 999),
                lambda: consistency_proof(store, 517, 999)):
        store.lookups = store.reads = 0
        ask()
        assert store.lookups == 1
        assert store.reads <= 2 * 10 + 2 * 2 ** STORED_LEVEL  # 2 log2(1000), two bottom tiles


def test_a_compact_range_loaded_from_the_store_grows_the_same_tree():
    leaves = [leaf_hash(data) for data in LEAVES]
    store = MemoryNodeStore()
    first = CompactRange()
    store.put_nodes(first.extend(leaves[:5]))
    resumed = CompactRange.load(store, 5)
    store.put_nodes(resumed.extend(leaves[5:]))
    assert resumed.root() == ROOTS[8]
    assert {node: digest.hex() for node, digest in store.nodes.items()} == stored(NODES)


def test_range_nodes_cover_a_range_with_the_fewest_aligned_subtrees():
    assert range_nodes(0, 13) == [NodeId(3, 0), NodeId(2, 2), NodeId(0, 12)]
    assert range_nodes(6, 13) == [NodeId(1, 3), NodeId(2, 2), NodeId(0, 12)]
    assert range_nodes(5, 5) == []


logs = st.lists(st.binary(max_size=12), min_size=1, max_size=40)


@given(logs, st.data())
def test_roots_of_random_logs_match_the_rfc_definition(leaves, data):
    size = data.draw(st.integers(0, len(leaves)))
    assert root_hash(grown(leaves), size) == reference_root(leaves[:size])


@given(logs, st.data())
def test_every_leaf_of_a_random_log_is_proven_and_a_changed_leaf_is_not(leaves, data):
    store, size = grown(leaves), len(leaves)
    root = root_hash(store, size)
    for index, leaf in enumerate(leaves):
        verify_inclusion(leaf_hash(leaf), index, size, inclusion_proof(store, index, size), root)
    index = data.draw(st.integers(0, size - 1))
    changed = data.draw(st.binary(max_size=12).filter(lambda b: b != leaves[index]))
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(changed), index, size, inclusion_proof(store, index, size),
                         root)


@given(logs, st.data())
def test_a_later_log_proves_it_extends_an_earlier_checkpoint(leaves, data):
    new = len(leaves)
    old = data.draw(st.integers(0, new))
    store = grown(leaves)
    verify_consistency(old, new, consistency_proof(store, old, new), root_hash(store, old),
                       root_hash(store, new))


@given(logs, st.data())
def test_changing_one_byte_of_an_earlier_leaf_breaks_every_consistency_proof(leaves, data):
    new = len(leaves)
    old = data.draw(st.integers(1, new))
    old_root = root_hash(grown(leaves), old)
    index = data.draw(st.integers(0, old - 1))
    leaf = bytearray(leaves[index] or b"\x00")  # an empty leaf gains a byte instead
    if leaves[index]:
        at = data.draw(st.integers(0, len(leaf) - 1))
        leaf[at] = (leaf[at] + data.draw(st.integers(1, 255))) % 256
    forged = grown([*leaves[:index], bytes(leaf), *leaves[index + 1:]])
    with pytest.raises(ProofError):
        verify_consistency(old, new, consistency_proof(forged, old, new), old_root,
                           root_hash(forged, new))
