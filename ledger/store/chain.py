"""The hash chain over stored events: pure functions, no database.

Every stored event gets a link ``sha256(previous hash, position, originator
id, version, topic, state)``, so editing, removing, reordering or inserting
any stored event breaks the chain from that position on. ``verify_chain``
recomputes it from the stored rows alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import StoredEvent

GENESIS = "0" * 64
CHAIN_TABLE = "event_chain"


def chain_hash(previous: str, position: int, originator_id: UUID | str, version: int,
               topic: str, state: bytes) -> str:
    """The hash of one stored event, chained to the hash of the one before it."""
    oid = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
    head = f"{previous}\n{position}\n{oid}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(head + bytes(state)).hexdigest()


#: An event to store as the bulk path sends it: originator id (hex), version, topic, state.
#: A plain tuple: a batch crosses to the writing process, where eventsourcing's
#: ``StoredEvent`` with its UUID pickles far slower (``ledger.write.bulk``).
EventRow = tuple[str, int, str, bytes]


def event_row(stored: StoredEvent) -> EventRow:
    oid = stored.originator_id
    return (oid.hex if isinstance(oid, UUID) else oid, stored.originator_version, stored.topic,
            stored.state)


def chain_rows(previous: str, positions: Sequence[int],
               events: Sequence[EventRow]) -> list[tuple[int, str]]:
    rows = []
    for position, (originator_id, version, topic, state) in zip(positions, events, strict=True):
        previous = chain_hash(previous, position, originator_id, version, topic, state)
        rows.append((position, previous))
    return rows


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found: how many events hash correctly, the head, the first fault."""

    events: int
    head: str
    bad_position: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_position is None


StoredRow = tuple[int, str, int, str, bytes]  # position, originator id, version, topic, state


def verify_chain(events: Iterable[StoredRow], chain: Iterable[tuple[int, str]]) -> ChainReport:
    """Recompute the chain over the stored events, both iterables in position order."""
    previous, count = GENESIS, 0
    chain_iter = iter(chain)
    for position, oid, version, topic, state in events:
        link = next(chain_iter, None)
        if link is None or link[0] != position:
            where = position if link is None else min(position, link[0])
            return ChainReport(count, previous, where, "the events and their chain disagree "
                               "(an event was inserted, removed or reordered)")
        expected = chain_hash(previous, position, oid, version, topic, state)
        if link[1] != expected:
            return ChainReport(count, previous, position,
                               "the event's content does not match its recorded hash")
        previous, count = expected, count + 1
    extra = next(chain_iter, None)
    if extra is not None:
        return ChainReport(count, previous, extra[0],
                           "a chained event is missing from the store (removed)")
    return ChainReport(count, previous)

