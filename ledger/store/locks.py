"""Ledger-wide locks: one writer at a time, one process setting up a fresh ledger.

Why a writer lock at all: a file's recorded time is chosen (``now``, but
later than anything recorded) *before* its lines are checked and saved. Two
writers choosing their times side by side could commit them out of position
order, and the read model's recorded-time intervals (and every ``--known-at``
answer) assume that recorded time grows with position. So the lock is held
from before the time is chosen until the save has committed. Optimistic
concurrency on aggregate versions stays underneath as the second line of
defence (``ConflictError``).

The mechanisms release themselves when their holder dies, so ``kill -9``
never leaves a ledger locked:

- PostgreSQL: a session-level ``pg_advisory_lock`` taken on a connection of
  its own (the recorder's pool may have a single connection, which the
  writer's own transactions need). The server drops the lock with the
  session when the process dies or the connection breaks.
- SQLite: ``fcntl.flock`` on the sidecar file ``<db>.writer-lock``. flock
  locks belong to the open file, not to the process, so two ledgers in one
  process exclude each other too, and the kernel releases them on exit.
  The database file itself is not used: SQLite's own POSIX locks on it are
  dropped when any descriptor of that file is closed by the process. On
  SQLite setting up a fresh ledger takes the same file (opening an existing
  ledger takes no lock at all, so readers never wait for a writer here).
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.settings import LedgerLocation

WRITER = "sanctions-ledger:writer"
SETUP = "sanctions-ledger:setup"
RECORDER_TABLES = "sanctions-ledger:recorder-tables"


def advisory_key(purpose: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``, one per purpose."""
    return int.from_bytes(hashlib.sha256(purpose.encode()).digest()[:8], "big", signed=True)


@contextmanager
def ledger_lock(location: LedgerLocation, purpose: str = WRITER,
                on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the ledger's lock for ``purpose`` until the block ends.

    If another process holds it, ``on_wait`` is called once before waiting, so
    that a user whose import queues behind another one is told why nothing moves.
    """
    if location.backend == "sqlite":
        with sqlite_lock(location.writer_lock, on_wait):
            yield
        return
    with postgres_advisory_lock(postgres_conninfo(location), purpose, on_wait):
        yield


@contextmanager
def sqlite_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def postgres_advisory_lock(conninfo: dict[str, object], purpose: str,
                           on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """A session-level advisory lock on a dedicated connection, released in ``finally``."""
    import psycopg

    key = advisory_key(purpose)
    # psycopg types each keyword of connect(); a conninfo mapping cannot say which is which.
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if not (taken and taken[0]):
            if on_wait:
                on_wait()
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def postgres_conninfo(location: LedgerLocation) -> dict[str, object]:
    return {"host": location.host, "port": location.port, "user": location.user,
            "password": location.password, "dbname": location.dbname}
