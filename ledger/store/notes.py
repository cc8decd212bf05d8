"""C2SP signed notes with Ed25519 keys, byte for byte as Go's ``golang.org/x/mod/sumdb/note``.

A signed note is a text ending in a newline, a blank line, and one line per
signature: ``— <key name> <base64(key id || signature)>``. A key is named
(the ledger uses its origin) and identified by the first four bytes of
``SHA-256(name || "\\n" || 0x01 || public key)``. Keys are written in Go's
text forms, so Go's tools read ours and ours read theirs:

- verifier key (public): ``<name>+<hex key id>+<base64(0x01 || public key)>``
- signer key (private): ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``

Opening a note ignores signatures by unknown keys (witnesses may cosign),
rejects the note if a signature by a trusted key fails, and demands at least
one signature by a trusted key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import LedgerError

ED25519 = b"\x01"
MAX_SIGNATURES = 100
_SIGNATURE_PREFIX = "— "
_PRIVATE = "PRIVATE+KEY+"
_RAW = serialization.Encoding.Raw


class NoteError(LedgerError):
    """A signed note or a key is malformed."""


class NoteSignatureError(NoteError):
    """A note is not signed by a trusted key, or a trusted key's signature fails."""


def valid_name(name: str) -> bool:
    """Key names are non-empty, without spaces or ``+``."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A trusted public key: checks the signatures its signer key made."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(ED25519 + self.public)}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Read ``<name>+<hex key id>+<base64 key>``; ``NoteError`` names what is wrong."""
        name, hex_id, public = _key_fields(text.strip(), "public key")
        if len(public) != 32:
            raise NoteError("the public key is not 32 bytes long")
        _check_id(name, hex_id, public, "public key")
        return cls(name, public)

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A private Ed25519 key and the name it signs under."""

    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> SignerKey:
        if not valid_name(name):
            raise NoteError(f"{name!r} cannot name a key: it must be non-empty, "
                            "without spaces or '+'")
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> VerifierKey:
        public = self.private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
        return VerifierKey(self.name, public)

    def text(self) -> str:
        seed = self.private.private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
        return f"{_PRIVATE}{self.name}+{self.verifier.key_id.hex()}+{_b64(ED25519 + seed)}"

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        """Read ``PRIVATE+KEY+<name>+<hex key id>+<base64 seed>``."""
        text = text.strip()
        if not text.startswith(_PRIVATE):
            raise NoteError(f"a private key starts with {_PRIVATE!r}")
        name, hex_id, seed = _key_fields(text[len(_PRIVATE):], "private key")
        if len(seed) != 32:
            raise NoteError("the private key is not a 32-byte Ed25519 seed")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        _check_id(name, hex_id, signer.verifier.public, "private key")
        return signer

    def signature_line(self, text: bytes) -> str:
        signature = self.verifier.key_id + self.private.sign(text)
        return f"{_SIGNATURE_PREFIX}{self.name} {_b64(signature)}\n"


@dataclass(frozen=True)
class OpenedNote:
    """A note's text and the names of the trusted keys whose signatures verified."""

    text: str
    signed_by: tuple[str, ...]


def sign_note(text: str, *signers: SignerKey) -> str:
    """The note: ``text`` (ending in a newline), a blank line, a signature line per signer."""
    if not text.endswith("\n") or not signers:
        raise NoteError("a note's text ends in a newline and has at least one signer")
    _check_characters(text)
    body = text.encode()
    return text + "\n" + "".join(signer.signature_line(body) for signer in signers)


def open_note(note: str | bytes, trusted: Sequence[VerifierKey]) -> OpenedNote:
    """Check ``note``'s signatures against ``trusted`` keys; return its text if one verified."""
    text, lines = _split_note(note)
    by_id = {(key.name, key.key_id): key for key in trusted}
    verified: list[VerifierKey] = []
    for name, signature in map(_parse_signature, lines):
        key = by_id.get((name, signature[:4]))
        if key is None or key in verified:
            continue
        if not key.verifies(text.encode(), signature[4:]):
            raise NoteSignatureError(f"the signature by {key.name}+{key.key_id.hex()} "
                                     "does not verify: the note was changed or forged")
        verified.append(key)
    if not verified:
        raise NoteSignatureError(_untrusted_message(lines, trusted))
    return OpenedNote(text, tuple(key.name for key in verified))


def write_key_pair(path: Path, signer: SignerKey) -> Path:
    """Write the private key to ``path`` (mode 0600, never over an existing file) and the
    public key to ``path.pub``; return the latter. Nothing is left half-written."""
    public = path.with_name(path.name + ".pub")
    for target in (path, public):
        if os.path.lexists(target):
            raise NoteError(f"{target} exists: a key is never written over another")
    _write_new(path, signer.text() + "\n", 0o600)
    try:
        _write_new(public, signer.verifier.text() + "\n", 0o644)
    except NoteError:
        path.unlink()
        raise
    return public


def read_signer_key(path: Path) -> SignerKey:
    """The private key at ``path``, refused if others may read it (as ssh does)."""
    mode = stat.S_IMODE(_read_stat(path).st_mode)
    if mode & 0o077:
        raise NoteError(f"{path} can be read by others (mode {mode:04o}): chmod 600 {path}")
    return SignerKey.parse(path.read_text())


def read_verifier_key(path: Path) -> VerifierKey:
    _read_stat(path)
    return VerifierKey.parse(path.read_text())


def _read_stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as error:
        raise NoteError(f"cannot read the key file {path}: {error.strerror}") from None


def _write_new(path: Path, text: str, mode: int) -> None:
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "w") as file:
            file.write(text)
    except OSError as error:
        raise NoteError(f"cannot write the key file {path}: {error.strerror}") from None


def _split_note(note: str | bytes) -> tuple[str, list[str]]:
    try:  # str may hold lone surrogates, which no UTF-8 signature covers
        note = note.decode() if isinstance(note, bytes) else note.encode().decode()
    except UnicodeError:
        raise NoteError("the note is not UTF-8") from None
    _check_characters(note)
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n") or cut + 2 == len(note):
        raise NoteError("the note has no signature lines after a blank line")
    lines = note[cut + 2:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has more than {MAX_SIGNATURES} signatures")
    return note[:cut + 1], lines


def _check_characters(text: str) -> None:
    if any(c < " " and c != "\n" for c in text):
        raise NoteError("the note holds a control character other than newline")


def _parse_signature(line: str) -> tuple[str, bytes]:
    name, _, encoded = line.removeprefix(_SIGNATURE_PREFIX).partition(" ")
    signature = _unb64(encoded)
    if not line.startswith(_SIGNATURE_PREFIX) or not valid_name(name) or len(signature) < 5:
        raise NoteError(f"not a signature line: {line[:80]!r}")
    return name, signature


def _untrusted_message(lines: list[str], trusted: Sequence[VerifierKey]) -> str:
    signers = sorted({f"{name}+{sig[:4].hex()}" for name, sig in map(_parse_signature, lines)})
    keys = sorted(f"{key.name}+{key.key_id.hex()}" for key in trusted) or ["none"]
    return (f"the note is signed by {', '.join(signers)}, none of them a trusted key "
            f"({', '.join(keys)})")


def _key_fields(text: str, what: str) -> tuple[str, str, bytes]:
    name, hex_id, encoded = (text.split("+", 2) + ["", ""])[:3]
    if not valid_name(name) or len(hex_id) != 8:
        raise NoteError(f"the {what} is not of the form <name>+<8 hex digits>+<base64 key>")
    key = _unb64(encoded)
    if key[:1] != ED25519:
        raise NoteError(f"the {what} is not an Ed25519 key (algorithm byte 0x01)")
    return name, hex_id, key[1:]


def _check_id(name: str, hex_id: str, public: bytes, what: str) -> None:
    if hex_id.lower() != key_id(name, public).hex():
        raise NoteError(f"the {what}'s id {hex_id} does not match its name and key")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b""
