"""The one error a list file can cause: it is not what its format promises."""

from __future__ import annotations

from ledger.errors import LedgerError


class SourceFormatError(LedgerError):
    """A list file is of the wrong format, or one of its rows is malformed.

    The message names the file and, when known, the line (text files) or
    record; it is meant to be shown as one line, never as a traceback.
    """

    def __init__(self, file: str, reason: str, line: int | None = None):
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")
        self.file = file
        self.line = line
        self.reason = reason
