"""Official list files (OFAC, UN, OpenSanctions FtM) read as streams of typed list entries.

``open_snapshot(format, path)`` is the one way in: it checks the file is of
the format named and returns a ``Snapshot`` whose ``entries()`` streams
``ListEntry`` values. A wrong or malformed file raises ``SourceFormatError``
naming the file and line. FtM delta files are read with ``open_ftm_delta``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ledger.sources.entries import Address, Alias, Attributes, Identifier, ListEntry, PartialDate
from ledger.sources.errors import SourceFormatError
from ledger.sources.ftm import Delta, DeltaChange, open_ftm, open_ftm_delta
from ledger.sources.ofac import CONSOLIDATED, SDN, open_ofac
from ledger.sources.snapshot import Snapshot, SourceFile
from ledger.sources.un import open_un

FORMATS: dict[str, Callable[[Path], Snapshot]] = {
    "ofac-sdn": lambda path: open_ofac(SDN, path),
    "ofac-cons": lambda path: open_ofac(CONSOLIDATED, path),
    "un": open_un,
    "ftm": open_ftm,
}


def open_snapshot(format_name: str, path: Path) -> Snapshot:
    """The snapshot in ``path``, read as ``format_name`` (one of ``FORMATS``)."""
    opener = FORMATS.get(format_name)
    if opener is None:
        known = ", ".join(FORMATS)
        raise SourceFormatError(str(path), f"unknown list format {format_name!r}; known: {known}")
    return opener(path)


__all__ = [
    "FORMATS",
    "Address",
    "Alias",
    "Attributes",
    "Delta",
    "DeltaChange",
    "Identifier",
    "ListEntry",
    "PartialDate",
    "Snapshot",
    "SourceFile",
    "SourceFormatError",
    "open_ftm_delta",
    "open_snapshot",
]
