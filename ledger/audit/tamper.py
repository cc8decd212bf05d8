"""What ``verify`` proves beyond the log's own rows: a head written down, signed checkpoints.

The log's rows can all be rewritten by whoever owns the database, chain and
tree included. What they cannot rewrite is what was taken out of it: a head
an auditor wrote down (``POSITION:HASH``) and checkpoints signed with a key
kept outside it. These checks compare the log, as recomputed from its
events (``ledger.audit.integrity``), with those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from ledger.errors import LedgerError
from ledger.store.chain import CHAIN_TABLE, ChainReport, Head
from ledger.store.checkpoints import Checkpoint
from ledger.store.logtree import connection_store
from ledger.store.merkle import verify_consistency
from ledger.store.tree import consistency_proof, root_hash


@dataclass(frozen=True)
class Verification:
    """Everything ``verify`` checked: the log itself, then each thing held outside it."""

    chain: ChainReport
    failures: list[str] = field(default_factory=list)  # one line each, first to last
    checked: list[str] = field(default_factory=list)  # what passed besides the chain

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.failures


def check_head(engine: Engine, report: ChainReport, expected: Head | str) -> str | None:
    """Why the log no longer holds the head written down, or None if it does.

    The whole chain has been recomputed (``report.ok``), so the stored hash
    at a position is the hash of everything up to it. A bare hash (as older
    versions printed heads) is looked up along the chain.
    """
    with engine.connect() as conn:
        if isinstance(expected, str):
            found = conn.execute(text(f"SELECT position FROM {CHAIN_TABLE} WHERE hash = :h"),
                                 {"h": expected}).first()
            return None if found else (f"no event's hash is {expected}: the event it sealed "
                                        "or one before it was changed or removed")
        stored = conn.execute(text(f"SELECT hash FROM {CHAIN_TABLE} WHERE position = :p"),
                              {"p": expected.position}).scalar()
    if stored is None and expected.position > report.head_position:
        return (f"the ledger ends at position {report.head_position}, before the expected "
                f"head at {expected.position}: events were removed from its end")
    if stored is None:
        return f"no event is stored at position {expected.position}: it was removed"
    if stored != expected.hash:
        return (f"the event at position {expected.position} hashes to {stored}, not the "
                f"expected {expected.hash}: it or an event before it was changed")
    return None


def check_checkpoint(engine: Engine, report: ChainReport, checkpoint: Checkpoint) -> str | None:
    """Why the log does not extend ``checkpoint``, or None if it does.

    The root of the first ``size`` events, recomputed from the events, must
    be the signed one (an edit, insertion, deletion or re-chaining before
    the checkpoint changes it); then the stored tree must prove, by an RFC
    9162 consistency proof, that today's tree extends the signed one.
    """
    size, events = checkpoint.size, report.events
    if size > events:
        return (f"the checkpoint signed {size} events but the ledger holds {events}: "
                "events were removed from its end")
    if report.roots.get(size) != checkpoint.root_hash:
        return (f"the first {size} events no longer hash to the checkpoint's signed root: "
                "an event before it was changed, inserted, removed or re-chained")
    if not report.tree_stored:
        return None  # the root recomputed from the events is all there is to compare
    with engine.connect() as conn:
        store = connection_store(conn)
        try:
            verify_consistency(size, events, consistency_proof(store, size, events),
                               checkpoint.root_hash, root_hash(store, events))
        except LedgerError as error:
            return f"the stored tree does not prove the checkpoint: {error}"
    return None


def verify_all(engine: Engine, report: ChainReport, expected: Head | str | None,
               checkpoints: Sequence[Checkpoint]) -> Verification:
    """The log's own report, then the written-down head and each checkpoint against it."""
    if not report.ok:
        return Verification(report)
    failures, checked = [], []
    if expected is not None:
        problem = check_head(engine, report, expected)
        failures += [f"expected head {expected}: {problem}"] if problem else []
        checked += [] if problem else [f"the log still holds head {expected}"]
    for checkpoint in checkpoints:
        problem = check_checkpoint(engine, report, checkpoint)
        name = f"checkpoint {checkpoint.origin} at {checkpoint.size} events"
        failures += [f"{name}: {problem}"] if problem else []
        checked += [] if problem else [f"the log extends {name}"]
    return Verification(report, failures, checked)
