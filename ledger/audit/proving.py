"""Keys, signed checkpoints and proof bundles: the evidence an auditor takes away.

A bundle (``ledger.store.proofs``) carries the stored event that recorded
the line, exactly as stored, and its RFC 9162 inclusion proof against a
signed checkpoint: an auditor checks it with the ledger's public key and
no database (``verify-proof``, or standard tools as docs/audit.md shows).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from ledger.errors import LedgerError
from ledger.store.checkpoints import Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint
from ledger.store.logtree import (
    connection_store,
    keep_checkpoint,
    latest_checkpoint,
    leaf_at,
    leaf_indexes,
)
from ledger.store.notes import SignerKey, read_signer_key, read_verifier_key, write_key_pair
from ledger.store.proofs import ProofBundle, event_leaf, verify_bundle
from ledger.store.tables import stored_events
from ledger.store.tree import inclusion_proof, root_hash


def read_text(path: Path, what: str) -> str:
    """A small text file the user named (a checkpoint, a proof), or one error saying why not."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise LedgerError(f"cannot read the {what} {path}: {reason}") from None


def generate_key(out: Path, name: str) -> Path:
    """A new Ed25519 signing key at ``out`` (mode 0600) and its public key; the latter's path."""
    return write_key_pair(out, SignerKey.generate(name))


def verify_proof(bundle: Path, public_keys: Sequence[Path]) -> tuple[ProofBundle, Checkpoint]:
    """Check a proof bundle with the ledger's public key(s) alone: no database."""
    if not public_keys:
        raise LedgerError("a proof is checked against the ledger's public key: --public-key")
    proof = ProofBundle.from_json(read_text(bundle, "proof"))
    return proof, verify_bundle(proof, [read_verifier_key(key) for key in public_keys])


def open_checkpoints(paths: Sequence[Path], public_keys: Sequence[Path],
                     origin: str) -> list[Checkpoint]:
    """The checkpoints in these files, each signed by one of the keys and of this ledger."""
    if paths and not public_keys:
        raise LedgerError("a checkpoint is checked against the ledger's public key: "
                          "--public-key KEY.pub")
    trusted = [read_verifier_key(key) for key in public_keys]
    return [open_checkpoint(read_text(path, "checkpoint"), trusted, origin) for path in paths]


def sign_tree_head(conn: Connection, key: Path, origin: str, now: datetime) -> str:
    """Sign the tree head as ``conn`` sees it and keep a copy beside the log; the note."""
    signer = read_signer_key(key)
    store = connection_store(conn)
    _, size = store.head()
    note = sign_checkpoint(Checkpoint(origin, size, root_hash(store, size)), signer)
    keep_checkpoint(conn, size, note, now)
    return note


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
    position, oid, version, topic, state, leaf_index = found
    if leaf_index >= checkpoint.size:
        raise ProvingError(f"line {line_id!r} was recorded after the checkpoint of "
                           f"{checkpoint.size} events: take a new checkpoint")
    store = connection_store(conn)
    if root_hash(store, checkpoint.size) != checkpoint.root_hash:
        raise ProvingError(f"the stored tree at {checkpoint.size} events is not the "
                           "checkpoint's: run 'sanctions-ledger verify' with the checkpoint")
    recorded = json.loads(state)
    if recorded.get("line_id") != line_id:
        raise ProvingError(f"the read model places line {line_id!r} at position {position}, "
                           "where another event is stored: run 'sanctions-ledger verify "
                           "--read-model'")
    leaf = event_leaf(position, oid, version, topic, state)
    filed = recorded.get("filed", "")
    return ProofBundle(line_id, filed, position, leaf_index, leaf,
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
