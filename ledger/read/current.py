"""A reader for one question from the command line, without opening the whole ledger.

Opening a ``SanctionsLedger`` imports SQLAlchemy and eventsourcing and builds
the event store, which costs far more than the answer. In the usual case, a
read model set up at this version's revision that holds every stored event,
the CLI asks a ``Reader`` on a plain driver connection instead. Otherwise (no
ledger yet, another revision, events not yet applied) there is no current
reader, and the CLI opens the ledger, which says why it cannot answer, or sets
up or catches up, and then answers through the same reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ledger.read import SCHEMA_REVISION
from ledger.read.reader import Reader
from ledger.settings import LedgerLocation


@contextmanager
def current_reader(location: LedgerLocation) -> Iterator[Reader | None]:
    """A reader on a plain connection if the read model is current, else None."""
    connection = _connect(location)
    if connection is None:
        yield None
        return
    try:
        reader = Reader.on(connection, location.backend)
        status = reader.status() if _at_this_revision(connection, location) else None
        current = status is not None and status.lag == 0
        yield Reader.on(connection, location.backend, status) if current else None
    finally:
        connection.close()


def _connect(location: LedgerLocation) -> Any:
    if location.backend == "sqlite":
        if not location.exists():
            return None  # the ledger says there is none, and how to make one
        return _driver(location).connect(location.sqlite_database(), uri=True, timeout=30)
    return _driver(location).connect(
        host=location.host, port=location.port, user=location.user,
        password=location.password, dbname=location.dbname, autocommit=True)


def _driver(location: LedgerLocation) -> Any:
    """The backend's DB-API module, imported only when that backend is asked."""
    if location.backend == "sqlite":
        import sqlite3

        return sqlite3
    import psycopg

    return psycopg


def _at_this_revision(connection: Any, location: LedgerLocation) -> bool:
    """Whether the read model is set up at the revision this version reads."""
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except _driver(location).Error:  # not set up (no table): opening the ledger sets it up
        return False
    return row is not None and row[0] == SCHEMA_REVISION
