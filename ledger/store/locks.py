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

- PostgreSQL: the writer holds a row lock (``SELECT ... FOR UPDATE``) on the
  one row of ``sanctions_ledger_writer``, in a transaction on a connection of
  its own (the recorder's pool may have a single connection, which the
  writer's own transactions need). The server drops it with the session when
  the process dies or the connection breaks. A row lock needs UPDATE on the
  table, which a role made by ``db grant-readonly`` never has: an advisory
  lock, which any role can take and hold, would let a reader stall every
  writer. Setting up a fresh database (no tables yet) is serialised with
  advisory locks.
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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger.errors import ReadOnlyLedgerError, WriterBusyError
from ledger.settings import LedgerLocation

WRITER = "sanctions-ledger:writer"
SETUP = "sanctions-ledger:setup"
RECORDER_TABLES = "sanctions-ledger:recorder-tables"
WRITER_TABLE = "sanctions_ledger_writer"
POLL = 0.05  # seconds between two tries of a SQLite lock with a time limit


def advisory_key(purpose: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``, one per purpose."""
    return int.from_bytes(hashlib.sha256(purpose.encode()).digest()[:8], "big", signed=True)


@contextmanager
def ledger_lock(location: LedgerLocation, purpose: str = WRITER,
                on_wait: Callable[[], None] | None = None,
                wait: float | None = None) -> Iterator[None]:
    """Hold the ledger's lock for ``purpose`` until the block ends.

    If another process holds it, ``on_wait`` is called once before waiting, so
    that a user whose import queues behind another one is told why nothing moves;
    with ``wait`` seconds given, ``WriterBusyError`` ends the wait after them.
    """
    if location.backend == "sqlite":
        with sqlite_lock(location.writer_lock, on_wait, wait):
            yield
        return
    lock = postgres_writer_lock if purpose == WRITER else postgres_advisory_lock
    with lock(postgres_conninfo(location), purpose, on_wait, wait):
        yield


@contextmanager
def sqlite_lock(path: Path, on_wait: Callable[[], None] | None = None,
                wait: float | None = None) -> Iterator[None]:
    with path.open("a") as handle:
        if not _try_flock(handle.fileno()):
            if on_wait:
                on_wait()
            _flock_within(handle.fileno(), wait)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _flock_within(fd: int, wait: float | None) -> None:
    if wait is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while not _try_flock(fd):
        if time.monotonic() >= deadline:
            raise _gave_up(wait)
        time.sleep(POLL)


def _gave_up(wait: float) -> WriterBusyError:
    return WriterBusyError(f"another import or rebuild still holds the ledger after {wait:g} "
                           "s of waiting: gave up, nothing was written")


@contextmanager
def postgres_writer_lock(conninfo: dict[str, object], _purpose: str = WRITER,
                         on_wait: Callable[[], None] | None = None,
                         wait: float | None = None) -> Iterator[None]:
    """The writer's row lock, held in a transaction on a dedicated connection."""
    import psycopg

    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        _ensure_writer_row(conn)
        with conn.transaction():
            _lock_writer_row(conn, on_wait, wait)
            yield


def _ensure_writer_row(conn: Any) -> None:
    """Create the lock's table and row once, by the first writer (two at once are
    serialised by a transaction-level advisory lock held only for this moment)."""
    if conn.execute(f"SELECT to_regclass('{WRITER_TABLE}') IS NOT NULL").fetchone()[0]:
        return  # and so is its row: both are created in one transaction
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(WRITER_TABLE),))
        conn.execute(f"CREATE TABLE IF NOT EXISTS {WRITER_TABLE} "
                     "(id integer PRIMARY KEY CHECK (id = 1))")
        conn.execute(f"INSERT INTO {WRITER_TABLE} VALUES (1) ON CONFLICT DO NOTHING")


def _lock_writer_row(conn: Any, on_wait: Callable[[], None] | None,
                     wait: float | None) -> None:
    from psycopg import errors

    take = f"SELECT id FROM {WRITER_TABLE} FOR UPDATE"
    try:
        with conn.transaction():  # a savepoint: a refused NOWAIT leaves the lock's transaction
            conn.execute(take + " NOWAIT")
        return
    except errors.InsufficientPrivilege:
        raise ReadOnlyLedgerError("this role may only read the ledger: it cannot take "
                                  "the writer's lock") from None
    except errors.LockNotAvailable:
        if on_wait:
            on_wait()
    if wait is not None:
        conn.execute(f"SET LOCAL lock_timeout = {max(1, round(wait * 1000))}")
    try:
        conn.execute(take)
    except errors.LockNotAvailable:
        raise _gave_up(wait or 0) from None


@contextmanager
def postgres_advisory_lock(conninfo: dict[str, object], purpose: str,
                           on_wait: Callable[[], None] | None = None,
                           wait: float | None = None) -> Iterator[None]:
    """A session-level advisory lock on a dedicated connection, released in ``finally``."""
    import psycopg

    key = advisory_key(purpose)
    # psycopg types each keyword of connect(); a conninfo mapping cannot say which is which.
    with psycopg.connect(**conninfo, autocommit=True) as conn:  # type: ignore[arg-type]
        taken = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if not (taken and taken[0]):
            if on_wait:
                on_wait()
            if wait is not None:
                conn.execute(f"SET lock_timeout = {max(1, round(wait * 1000))}")
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            except psycopg.errors.LockNotAvailable:
                raise _gave_up(wait or 0) from None
        try:
            yield
        finally:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def postgres_conninfo(location: LedgerLocation) -> dict[str, object]:
    return {"host": location.host, "port": location.port, "user": location.user,
            "password": location.password, "dbname": location.dbname}
