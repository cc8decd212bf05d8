"""One line's evidence as a proof bundle, and the checkpoints it is proven against.

A bundle (``ledger.store.proofs``) carries the stored event that recorded
the line, exactly as stored, and its RFC 9162 inclusion proof against a
signed checkpoint: an auditor checks it with the ledger's public key and
no database (``verify-proof``, or standard tools as docs/audit.md shows).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from ledger.errors import LedgerError
from ledger.store.checkpoints import Checkpoint, CheckpointError
from ledger.store.logtree import connection_store, latest_checkpoint, leaf_at, leaf_indexes
from ledger.store.proofs import ProofBundle, event_leaf
from ledger.store.tables import stored_events
from ledger.store.tree import inclusion_proof, root_hash


class ProvingError(LedgerError):
    """A proof cannot be made: no checkpoint, a checkpoint of another log, a line after it."""


def checkpoint_of(note: str, origin: str) -> Checkpoint:
    """The checkpoint a signed note holds (its signature is the verifier's to check)."""
    body, _, _ = note.partition("\n\n")
    checkpoint = Checkpoint.parse(body + "\n")
    if checkpoint.origin != origin:
        raise CheckpointError(f"the checkpoint is of {checkpoint.origin!r}, not of {origin!r}")
    return checkpoint


def prove_line(conn: Connection, line_id: str, position: int, note: str | None,
               origin: str) -> ProofBundle:
    """The bundle of the line recorded at ``position``, against ``note`` (a signed
    checkpoint) or else the checkpoint taken last."""
    note = note or latest_checkpoint(conn)
    if note is None:
        raise ProvingError("no checkpoint to prove against: run "
                           "'sanctions-ledger checkpoint --key KEY' first")
    checkpoint = checkpoint_of(note, origin)
    found = leaf_at(conn, *stored_events(conn.dialect.name), position)
    if found is None:
        raise ProvingError(f"no stored event at position {position} (line {line_id!r})")
    *event, leaf_index = found
    if leaf_index >= checkpoint.size:
        raise ProvingError(f"line {line_id!r} was recorded after the checkpoint of "
                           f"{checkpoint.size} events: take a new checkpoint")
    store = connection_store(conn)
    if root_hash(store, checkpoint.size) != checkpoint.root_hash:
        raise ProvingError(f"the stored tree at {checkpoint.size} events is not the "
                           "checkpoint's: run 'sanctions-ledger verify' with the checkpoint")
    leaf = event_leaf(*event)  # type: ignore[arg-type]
    filed = json.loads(event[4]).get("filed", "")
    return ProofBundle(line_id, filed, event[0], leaf_index, leaf,
                       tuple(inclusion_proof(store, leaf_index, checkpoint.size)), note)


@dataclass(frozen=True)
class TreeEvidence:
    """A report's Merkle evidence: the checkpoint taken last, and for each evidence line it
    covers, the line's leaf index and inclusion proof against it (hex hashes)."""

    checkpoint: str
    size: int
    proofs: dict[str, tuple[int, tuple[str, ...]]]


def tree_evidence(conn: Connection, positions: Mapping[str, int],
                  origin: str) -> TreeEvidence | None:
    """The inclusion proofs of the lines at ``positions`` (line id -> position) against the
    checkpoint taken last; None before any checkpoint. Lines after it get no proof."""
    note = latest_checkpoint(conn)
    if note is None:
        return None
    checkpoint, store = checkpoint_of(note, origin), connection_store(conn)
    leaves = leaf_indexes(conn, sorted(positions.values()))
    proofs = {line_id: (leaf, tuple(h.hex() for h in inclusion_proof(store, leaf,
                                                                      checkpoint.size)))
              for line_id, position in sorted(positions.items())
              if (leaf := leaves.get(position, checkpoint.size)) < checkpoint.size}
    return TreeEvidence(note, checkpoint.size, proofs)
