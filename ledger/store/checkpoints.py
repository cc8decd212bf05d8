"""Checkpoints: the ledger's tree head in the C2SP tlog-checkpoint format, as a signed note.

The note text is the origin (which log), the tree size in decimal, the root
hash in base64 and optional extension lines::

    sanctions-ledger.example/eu
    1042
    wc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=

    — sanctions-ledger.example/eu AAAMZ6oR...

A checkpoint kept outside the database is what lets a later ``verify`` prove,
by a consistency proof, that today's log still extends what was signed then.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.errors import LedgerError
from ledger.store.merkle import HASH_SIZE
from ledger.store.notes import SignerKey, VerifierKey, open_note, sign_note


class CheckpointError(LedgerError):
    """A checkpoint's text is not a tlog-checkpoint, or not the one asked for."""


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: which log, how many leaves, and the root over them."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("a checkpoint's origin is one non-empty line")
        if self.size < 0 or len(self.root_hash) != HASH_SIZE:
            raise CheckpointError("a checkpoint has a size >= 0 and a 32-byte root hash")
        if any(not line or "\n" in line for line in self.extensions):
            raise CheckpointError("a checkpoint's extension lines are non-empty lines")

    def text(self) -> str:
        """The note text: origin, size, base64 root, extension lines, each ending in a newline."""
        root = base64.b64encode(self.root_hash).decode()
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), root,
                                                 *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a note text; ``CheckpointError`` names the line that is wrong."""
        lines = text.removesuffix("\n").split("\n")
        if not text.endswith("\n") or len(lines) < 3:
            raise CheckpointError("a checkpoint has at least three lines: origin, size, root")
        origin, size, root, *extensions = lines
        if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise CheckpointError(f"checkpoint line 2: {size[:40]!r} is not a tree size")
        return cls(origin, int(size), _root_hash(root), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: SignerKey) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.text(), *signers)


def open_checkpoint(note: str | bytes, trusted: Sequence[VerifierKey],
                    origin: str | None = None) -> Checkpoint:
    """The checkpoint in ``note`` once a trusted key's signature verifies.

    With ``origin``, a checkpoint of another log is refused: a key may sign
    the heads of several ledgers.
    """
    checkpoint = Checkpoint.parse(open_note(note, trusted).text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"the checkpoint is of {checkpoint.origin!r}, not of {origin!r}")
    return checkpoint


def _root_hash(line: str) -> bytes:
    try:
        root = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"checkpoint line 3: {line[:60]!r} is not a base64 SHA-256 hash")
    return root
