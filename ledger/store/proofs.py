"""Proof bundles: one line's evidence that an auditor checks with no database.

A bundle is a JSON object holding the line as filed, the stored event that
recorded it (the tree's leaf, exact bytes), the leaf's place and hash, the
inclusion proof, and the signed checkpoint it is proven against. Checking it
needs only the ledger's public key: the checkpoint's signature, the leaf's
hash, the inclusion proof up to the signed root, and that the leaf records
the line the bundle shows.

A leaf is the stored event it stands for: its position, originator id,
version and topic, one per line, then its state (the event's JSON, which
holds the line as filed and the recorded time).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError
from ledger.store.checkpoints import Checkpoint, open_checkpoint
from ledger.store.merkle import leaf_hash, verify_inclusion
from ledger.store.notes import VerifierKey

FORMAT = "sanctions-ledger proof v1"
_FIELDS: dict[str, type] = {
    "format": str, "line_id": str, "filed": str, "position": int, "leaf_index": int,
    "leaf": str, "leaf_hash": str, "inclusion_proof": list, "checkpoint": str}
_KINDS = {str: "a string", int: "an integer", list: "a list"}


class ProofBundleError(LedgerError):
    """A proof bundle is malformed, or its parts do not agree."""


def event_leaf(position: int, originator_id: str, version: int, topic: str,
               state: bytes) -> bytes:
    """The tree's leaf for one stored event (originator id as 32 hex digits)."""
    return f"{position}\n{originator_id}\n{version}\n{topic}\n".encode() + state


@dataclass(frozen=True)
class ProofBundle:
    """One line, the event that recorded it, and its inclusion proof against a checkpoint."""

    line_id: str
    filed: str
    position: int
    leaf_index: int
    leaf: bytes
    inclusion_proof: tuple[bytes, ...]
    checkpoint: str

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "line_id": self.line_id, "filed": self.filed,
            "position": self.position, "leaf_index": self.leaf_index,
            "leaf": self.leaf.decode(), "leaf_hash": leaf_hash(self.leaf).hex(),
            "inclusion_proof": [h.hex() for h in self.inclusion_proof],
            "checkpoint": self.checkpoint}, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> ProofBundle:
        """Read a bundle; ``ProofBundleError`` names the field that is wrong."""
        obj = _fields(text)
        bundle = cls(obj["line_id"], obj["filed"], obj["position"], obj["leaf_index"],
                     _utf8(obj["leaf"]), tuple(_hashes(obj["inclusion_proof"])),
                     obj["checkpoint"])
        if obj["leaf_hash"] != leaf_hash(bundle.leaf).hex():
            raise ProofBundleError("leaf_hash is not the hash of the leaf")
        return bundle


def verify_bundle(bundle: ProofBundle, trusted: Sequence[VerifierKey],
                  origin: str | None = None) -> Checkpoint:
    """Check ``bundle`` against trusted keys alone; return the checkpoint it is proven in.

    Raises a ``LedgerError`` naming the first thing wrong: the checkpoint's
    signature, the leaf not recording the line shown, or the inclusion proof.
    """
    checkpoint = open_checkpoint(bundle.checkpoint, trusted, origin)
    _check_leaf_records_line(bundle)
    verify_inclusion(leaf_hash(bundle.leaf), bundle.leaf_index, checkpoint.size,
                     bundle.inclusion_proof, checkpoint.root_hash)
    return checkpoint


def _check_leaf_records_line(bundle: ProofBundle) -> None:
    parts = bundle.leaf.split(b"\n", 4)
    try:
        position, state = int(parts[0]), json.loads(parts[4])
    except (IndexError, ValueError):
        raise ProofBundleError("the leaf is not a stored event") from None
    if position != bundle.position:
        raise ProofBundleError(f"the leaf is the event at position {position}, "
                               f"not {bundle.position}")
    if not isinstance(state, dict) or state.get("line_id") != bundle.line_id:
        raise ProofBundleError(f"the leaf does not record line {bundle.line_id!r}")
    if state.get("filed") != bundle.filed:
        raise ProofBundleError(f"the leaf records line {bundle.line_id!r} as filed otherwise")


def _fields(text: str | bytes) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except ValueError:
        raise ProofBundleError("the proof bundle is not JSON") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ProofBundleError(f"not a proof bundle: its format is not {FORMAT!r}")
    for name, kind in _FIELDS.items():
        if not isinstance(obj.get(name), kind) or isinstance(obj.get(name), bool):
            raise ProofBundleError(f"the proof bundle's {name} is missing or not {_KINDS[kind]}")
    if unknown := sorted(set(obj) - set(_FIELDS)):
        raise ProofBundleError(f"the proof bundle has unknown fields: {', '.join(unknown)}")
    return obj


def _utf8(leaf: str) -> bytes:
    try:
        return leaf.encode()
    except UnicodeEncodeError:
        raise ProofBundleError("the proof bundle's leaf is not UTF-8 text") from None


def _hashes(values: list[Any]) -> list[bytes]:
    try:
        return [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError):
        raise ProofBundleError("inclusion_proof is not a list of hex hashes") from None
