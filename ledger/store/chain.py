"""The hash chain over stored events, and each event's Merkle leaf: pure functions.

Every stored event gets a link ``sha256(previous hash, position, originator
id, version, topic, state)``, so editing, removing, reordering or inserting
any stored event breaks the chain from that position on. The same row holds
the event's place in the Merkle tree (``leaf_index``, gap-free from 0 even
where PostgreSQL positions skip a number) and its RFC 9162 leaf hash.
``ledger.audit.integrity`` recomputes both from the stored rows alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.errors import LedgerError
from ledger.store.merkle import leaf_hash
from ledger.store.proofs import event_leaf

GENESIS = "0" * 64
CHAIN_TABLE = "event_chain"


class HeadFormatError(LedgerError):
    """A head written down is not ``POSITION:HASH`` (or a bare 64-hex-digit hash)."""


@dataclass(frozen=True)
class Head:
    """The chain's link at one position: ``POSITION:HASH``, what an auditor writes down.

    The position says how far the written-down head reaches, so a later
    check knows which link to compare however much the ledger grew since.
    """

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head | str:
        """A positional head, or a bare hash (as older versions printed) to look up."""
        position, _, digest = text.strip().rpartition(":")
        if not _is_hash(digest) or (position and not position.isdigit()):
            raise HeadFormatError(f"{text!r} is not a head: expected POSITION:HASH, "
                                  "e.g. 99:3f2a... (64 hex digits)")
        return cls(int(position), digest.lower()) if position else digest.lower()


def _is_hash(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


def oid_hex(originator_id: UUID | str) -> str:
    """An originator id as hashed: 32 hex digits (SQLite stores it so, PostgreSQL as a uuid)."""
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def chain_hash(previous: str, position: int, originator_id: UUID | str, version: int,
               topic: str, state: bytes) -> str:
    """The hash of one stored event, chained to the hash of the one before it."""
    head = f"{previous}\n{position}\n{oid_hex(originator_id)}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(head + bytes(state)).hexdigest()


#: An event to store as the bulk path sends it: originator id (hex), version, topic, state.
#: A plain tuple: a batch crosses to the writing process, where eventsourcing's
#: ``StoredEvent`` with its UUID pickles far slower (``ledger.write.bulk``).
EventRow = tuple[str, int, str, bytes]


def event_row(stored: StoredEvent) -> EventRow:
    oid = stored.originator_id
    return (oid.hex if isinstance(oid, UUID) else oid, stored.originator_version, stored.topic,
            stored.state)


#: A row of ``event_chain``: position, chain hash, leaf index, leaf hash.
ChainLink = tuple[int, str, int, bytes]


def chain_rows(previous: str, first_leaf: int, positions: Sequence[int],
               events: Sequence[EventRow]) -> list[ChainLink]:
    """The chain links of new events, the first of them becoming leaf ``first_leaf``."""
    rows = []
    for leaf, (position, (oid, version, topic, state)) in enumerate(
            zip(positions, events, strict=True), first_leaf):
        previous = chain_hash(previous, position, oid, version, topic, state)
        rows.append((position, previous, leaf, event_leaf_hash(position, oid, version, topic,
                                                               state)))
    return rows


def event_leaf_hash(position: int, originator_id: UUID | str, version: int, topic: str,
                    state: bytes) -> bytes:
    """The Merkle leaf hash of one stored event (``ledger.store.proofs.event_leaf``)."""
    return leaf_hash(event_leaf(position, oid_hex(originator_id), version, topic, state))


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found in the log: how many events check out, the head, the first fault.

    ``roots`` holds the Merkle root recomputed from the events at each tree
    size asked for (the sizes of the checkpoints to check).
    """

    events: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    problem: str | None = None
    roots: dict[int, bytes] = field(default_factory=dict)
    tree_stored: bool = True  # False for a ledger from before the tree (not migrated yet)

    @property
    def ok(self) -> bool:
        return self.bad_position is None

    @property
    def head(self) -> str:
        """``POSITION:HASH`` of the last event that checks out."""
        return str(Head(self.head_position, self.head_hash))


#: A stored event as hashed: position, originator id, version, topic, state.
StoredRow = tuple[int, str, int, str, bytes]
