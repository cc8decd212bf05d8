"""A published snapshot of one list: where it came from, and its entries as a stream."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec

from ledger.sources.entries import ListEntry

_CHUNK = 1 << 20


class SourceFile(msgspec.Struct, frozen=True):
    """One file a snapshot was read from, with the fingerprint a `source` line cites."""

    name: str
    sha256: str
    size: int


def describe_file(path: Path) -> SourceFile:
    """Hash a file in fixed-size chunks, so memory stays flat whatever its size."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return SourceFile(path.name, digest.hexdigest(), size)


class Snapshot:
    """One publication of one list.

    ``published`` is the list's own date (UN ``dateGenerated``) or None when
    the file does not carry one, so the caller must supply it. ``entries()``
    reads the file(s) again on every call; ``row_count`` is known once a call
    has been read to its end.
    """

    def __init__(
        self,
        list_name: str,
        published: str | None,
        files: tuple[SourceFile, ...],
        read: Callable[[], Iterator[ListEntry]],
    ):
        self.list_name = list_name
        self.published = published
        self.files = files
        self.row_count: int | None = None
        self._read = read

    def entries(self) -> Iterator[ListEntry]:
        count = 0
        for entry in self._read():
            count += 1
            yield entry
        self.row_count = count
