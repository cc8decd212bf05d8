"""The log checked from its stored rows alone: chain, order, leaves and the stored tree.

One pass over the events in position order, beside their ``event_chain``
rows, recomputes for each event its chain link and its Merkle leaf, and
fails at the first event where any of these does not hold:

- the event and its chain row are at the same position (none inserted,
  removed or reordered on one side only);
- positions strictly grow, without a gap where the backend numbers without
  gaps (SQLite); leaf indexes count 0, 1, 2... on every backend;
- the stored chain hash and leaf hash are those of the event as stored;
- recorded times never go backwards along positions;
- each subtree the stored tree holds is the one the events give.

It also keeps the tree root at the sizes asked for (the checkpoints'), so
that a checkpoint is compared with a root computed from the events, never
with what the stored tree claims.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from ledger.store.chain import GENESIS, ChainReport, StoredRow, chain_hash, event_leaf_hash
from ledger.store.tree import CompactRange, NodeId

#: A chain row as stored: position, chain hash, leaf index, leaf hash.
LinkRow = tuple[int, str, int, bytes]


class Fault(Exception):
    """The first thing wrong, at a position (internal: becomes the report's problem)."""

    def __init__(self, position: int, problem: str):
        super().__init__(problem)
        self.position = position
        self.problem = problem


@dataclass
class LogWalk:
    """The state of the pass: what checked out so far."""

    contiguous: bool  # positions are numbered without gaps (SQLite)
    sizes: Collection[int]  # tree sizes whose roots to keep
    stored_nodes: dict[NodeId, bytes] | None  # None: no tree stored, roots from the events only
    previous_hash: str = GENESIS
    previous_position: int = 0
    recorded_at: datetime | None = None
    tree: CompactRange = field(default_factory=CompactRange)
    roots: dict[int, bytes] = field(default_factory=dict)

    def report(self, fault: Fault | None = None) -> ChainReport:
        return ChainReport(self.tree.size, self.previous_position, self.previous_hash,
                           fault.position if fault else None, fault.problem if fault else None,
                           self.roots, self.stored_nodes is not None)

    def step(self, event: StoredRow, link: LinkRow | None) -> None:
        position, oid, version, topic, state = event
        self._check_place(position, link)
        assert link is not None
        digest = chain_hash(self.previous_hash, position, oid, version, topic, state)
        if link[1] != digest:
            raise Fault(position, "the event's content does not match its recorded hash")
        leaf = event_leaf_hash(position, oid, version, topic, state)
        if self.stored_nodes is not None and bytes(link[3]) != leaf:
            raise Fault(position, "the stored Merkle leaf is not the hash of the event")
        self._check_recorded_time(position, state)
        self._grow(position, leaf)
        self.previous_hash, self.previous_position = digest, position

    def _check_place(self, position: int, link: LinkRow | None) -> None:
        if link is None or link[0] != position:
            where = position if link is None else min(position, link[0])
            raise Fault(where, "the events and their chain disagree "
                               "(an event was inserted, removed or reordered)")
        if position <= self.previous_position:
            raise Fault(position, f"position {position} comes again after "
                                  f"{self.previous_position} (a duplicated or reordered row)")
        if self.contiguous and position != self.previous_position + 1:
            raise Fault(position, f"positions jump from {self.previous_position} to {position}: "
                                  f"the event at {self.previous_position + 1} was deleted")
        if self.stored_nodes is not None and link[2] != self.tree.size:
            raise Fault(position, f"the event is leaf {link[2]} of the tree where leaf "
                                  f"{self.tree.size} comes next (a leaf was removed or added)")

    def _check_recorded_time(self, position: int, state: bytes) -> None:
        recorded_at = recorded_time(position, state)
        if self.recorded_at is not None and recorded_at < self.recorded_at:
            raise Fault(position, f"recorded time goes backwards: {recorded_at.isoformat()} "
                                  f"after {self.recorded_at.isoformat()}")
        self.recorded_at = recorded_at

    def _grow(self, position: int, leaf: bytes) -> None:
        for level, offset, digest in self.tree.extend((leaf,)):
            if level == 0 or self.stored_nodes is None:
                continue
            stored = self.stored_nodes.pop(NodeId(level, offset), None)
            if stored != digest:
                what = "lacks" if stored is None else "holds another hash for"
                raise Fault(position, f"the stored Merkle tree {what} the subtree at level "
                                      f"{level}, offset {offset}")
        if self.tree.size in self.sizes:
            self.roots[self.tree.size] = self.tree.root()


def recorded_time(position: int, state: bytes) -> datetime:
    """When the event at ``position`` was recorded, as its stored state says."""
    try:
        return datetime.fromisoformat(orjson.loads(state)["timestamp"]["_data_"])
    except (ValueError, KeyError, TypeError):
        raise Fault(position, "the event holds no recorded time: it is not one this ledger "
                              "stored") from None


def walk_log(events: Iterable[StoredRow], chain: Iterable[LinkRow],
             stored_nodes: Mapping[NodeId, bytes] | None, *, contiguous: bool,
             sizes: Collection[int] = ()) -> ChainReport:
    """Check the whole log, both iterables in position order; stop at the first fault.

    ``stored_nodes`` None: the ledger keeps no tree yet (recorded before it, not
    migrated); leaves and roots are still computed from the events.
    """
    walk = LogWalk(contiguous, set(sizes), None if stored_nodes is None else dict(stored_nodes))
    links: Iterator[LinkRow] = iter(chain)
    try:
        for event in events:
            walk.step(event, next(links, None))
        if (extra := next(links, None)) is not None:
            raise Fault(extra[0], "a chained event is missing from the store (removed)")
        if walk.stored_nodes:  # None or empty: nothing past the end
            node = min(walk.stored_nodes)
            raise Fault(walk.previous_position, f"the stored Merkle tree has a subtree past the "
                                                f"log's end (level {node.level}, offset "
                                                f"{node.offset})")
    except Fault as fault:
        return walk.report(fault)
    if 0 in walk.sizes:
        walk.roots[0] = CompactRange().root()
    return walk.report()


def as_stored_row(row: Any) -> StoredRow:
    """A stored event as hashed; a state edited into text (SQLite allows it) hashes as UTF-8."""
    position, oid, version, topic, state = row
    return position, oid, version, topic, state.encode() if isinstance(state, str) else state
