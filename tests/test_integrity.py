"""The log's own check (``ledger.audit.integrity``) on logs built in memory: no database.

A property test over random logs: the root the check recomputes at any
earlier size is the root a checkpoint would have signed, the stored tree's
consistency proof between any two sizes verifies, and changing any single
byte of any event before the older size changes that root, whatever the
attacker recomputes afterwards.
"""

from __future__ import annotations

from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.integrity import walk_log
from ledger.store.chain import GENESIS, chain_rows
from ledger.store.merkle import verify_consistency
from ledger.store.tree import CompactRange, MemoryNodeStore, NodeId, consistency_proof, root_hash

TOPIC = "sanctions-ledger:Party.Recorded"


def state(n: int, payload: bytes, second: int) -> bytes:
    return (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T09:00:%02d+00:00"},'
            % second + b'"n":%d,"payload":"%s"}' % (n, payload.hex().encode()))


def a_log(payloads: list[bytes]) -> list[tuple[int, str, int, str, bytes]]:
    return [(n + 1, UUID(int=n).hex, 1, TOPIC, state(n, p, min(n, 59)))
            for n, p in enumerate(payloads)]


def stored(events: list[tuple[int, str, int, str, bytes]]) -> tuple[list, MemoryNodeStore]:
    """The chain rows and stored tree the recorders would write for these events."""
    links = chain_rows(GENESIS, 0, [e[0] for e in events], [e[1:] for e in events])
    tree = MemoryNodeStore()
    tree.put_nodes(CompactRange().extend(link[3] for link in links))
    return links, tree


def subtrees(tree: MemoryNodeStore) -> dict[NodeId, bytes]:
    return {node: digest for node, digest in tree.nodes.items() if node.level > 0}


logs = st.lists(st.binary(min_size=0, max_size=20), min_size=1, max_size=70)


@settings(max_examples=60, deadline=None)
@given(logs, st.data())
def test_checkpoint_roots_and_consistency_proofs_hold_and_any_earlier_byte_breaks_them(
        payloads, data):
    events = a_log(payloads)
    links, tree = stored(events)
    n = len(events)
    old = data.draw(st.integers(min_value=1, max_value=n), label="checkpoint size")
    report = walk_log(events, links, subtrees(tree), contiguous=True, sizes={old, n})
    assert report.ok, report.problem
    assert report.roots[old] == root_hash(tree, old) and report.roots[n] == root_hash(tree, n)
    verify_consistency(old, n, consistency_proof(tree, old, n), report.roots[old],
                       report.roots[n])

    victim = data.draw(st.integers(min_value=0, max_value=old - 1), label="event changed")
    position, oid, version, topic, blob = events[victim]
    at = data.draw(st.integers(min_value=0, max_value=len(blob) - 1), label="byte")
    changed = blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1:]
    forged = [*events[:victim], (position, oid, version, topic, changed), *events[victim + 1:]]
    relinked, retree = stored(forged)  # the attacker recomputes chain and tree
    after = walk_log(forged, relinked, subtrees(retree), contiguous=True, sizes={old})
    assert after.ok or "recorded time" in str(after.problem) or "no recorded time" in str(
        after.problem)
    if after.ok:
        assert after.roots[old] != report.roots[old]


def test_a_leaf_index_out_of_step_is_named():
    events = a_log([b"a", b"b", b"c"])
    links, tree = stored(events)
    links[2] = (links[2][0], links[2][1], 5, links[2][3])
    report = walk_log(events, links, subtrees(tree), contiguous=True)
    assert (report.bad_position, report.problem) == (
        3, "the event is leaf 5 of the tree where leaf 2 comes next (a leaf was removed or added)")


def test_positions_may_skip_where_the_backend_numbers_with_gaps():
    events = [(p * 2, *rest) for p, *rest in a_log([b"a", b"b", b"c"])]
    links, tree = stored(events)  # type: ignore[arg-type]
    assert walk_log(events, links, subtrees(tree), contiguous=False).ok
    report = walk_log(events, links, subtrees(tree), contiguous=True)
    assert report.problem == "positions jump from 0 to 2: the event at 1 was deleted"
