"""OFAC's legacy CSV files, read row by row into numbered, validated records.

OFAC publishes each list as up to four CSV files without a header: the main
file (one row per entry), addresses, alternate names and remark
continuations, all keyed by ``ent_num`` and sorted by it. ``-0-`` marks an
empty field and a lone Ctrl-Z may end the file. Because every file is sorted
by ``ent_num``, they can be joined as streams: memory stays flat whatever
the size of the files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ledger.sources.errors import SourceFormatError

_EMPTY = "-0-"
_END_OF_FILE = "\x1a"


@dataclass(frozen=True)
class Row:
    """One CSV row of an OFAC file: its ``ent_num``, its fields, its line.

    ``fields`` are trimmed, None for ``-0-``; ``raw`` keeps them as written, for
    text that continues in another file and may break at a space.
    """

    ent_num: int
    fields: tuple[str | None, ...]
    raw: tuple[str, ...]
    line: int


def read_rows(path: Path, width: int, layout: str) -> Iterator[Row]:
    """Each row of ``path``, checked to have ``width`` fields and rising ``ent_num``s.

    ``layout`` names the file's role in error messages (``OFAC sdn.csv``).
    """
    previous = -1
    for line, raw in _raw_rows(path):
        row = _checked(path, raw, line, width, layout)
        if row.ent_num < previous:
            reason = f"ent_num {row.ent_num} comes after {previous}; OFAC files are sorted"
            raise SourceFormatError(path.name, reason, line)
        previous = row.ent_num
        yield row


def _raw_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as handle:
        reader = csv.reader(_decoded(path, handle), strict=True)
        try:
            for raw in reader:
                if raw and raw != [_END_OF_FILE]:
                    yield reader.line_num, raw
        except csv.Error as error:
            raise SourceFormatError(path.name, f"not CSV text: {error}", reader.line_num) from None


def _decoded(path: Path, handle: BinaryIO) -> Iterator[str]:
    """Lines as text, so that a byte that is not UTF-8 is reported with its own line number."""
    for line, raw in enumerate(handle, 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            reason = f"not UTF-8 text: byte {raw[error.start]:#04x} at position {error.start + 1}"
            raise SourceFormatError(path.name, reason, line) from None


def _checked(path: Path, raw: list[str], line: int, width: int, layout: str) -> Row:
    if len(raw) != width:
        reason = f"expected {width} fields of the {layout} layout, found {len(raw)}"
        raise SourceFormatError(path.name, reason, line)
    ent_num = raw[0].strip()
    if not ent_num.isdigit():
        reason = f"the first field must be OFAC's numeric ent_num, found {raw[0][:40]!r}"
        raise SourceFormatError(path.name, reason, line)
    return Row(int(ent_num), tuple(_value(field) for field in raw), tuple(raw), line)


def _value(field: str) -> str | None:
    text = field.strip()
    return None if text == _EMPTY or not text else text


class Joined:
    """Rows of a secondary file handed out per ``ent_num``, in step with the main file.

    Rows whose ``ent_num`` has no entry in the main file are passed over: the
    published files refer only to entries of the same list.
    """

    def __init__(self, rows: Iterator[Row]):
        self._rows = rows
        self._next: Row | None = next(rows, None)

    def take(self, ent_num: int) -> list[Row]:
        while self._next is not None and self._next.ent_num < ent_num:
            self._next = next(self._rows, None)
        taken: list[Row] = []
        while self._next is not None and self._next.ent_num == ent_num:
            taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def no_rows() -> Iterator[Row]:
    """The rows of a companion file the snapshot does not include."""
    return iter(())
