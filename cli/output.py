"""Writing a command's output into the file a user named, as a user expects.

A regular file (or a new path) is written whole or not at all: into a
temporary file beside it, renamed over it when complete, with the old
file's permissions. Anything else the path names is written into as it
is: a symlink's target (the link stays a link), a FIFO, a device such as
``/dev/stdout`` or ``/dev/full``. Renaming over those would replace them with
a regular file. A failed write is a one-line ``LedgerError``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ledger.errors import LedgerError


def write_out(path: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` of text (UTF-8) to ``path``: see the module's docstring."""
    target = path.resolve()  # through symlinks, to what the user's path names
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    try:
        if mode is None or stat.S_ISREG(mode):
            _replace_whole(target, chunks, mode)
        else:
            with target.open("w", encoding="utf-8") as stream:
                stream.writelines(chunks)
    except OSError as error:
        raise LedgerError(f"could not write {path}: {error.strerror or error}") from None


def _replace_whole(target: Path, chunks: Iterable[str], mode: int | None) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8") as stream:
            stream.writelines(chunks)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(partial, stat.S_IMODE(mode))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
