"""One question from the command line, answered without opening the whole ledger.

Opening a ``SanctionsLedger`` imports SQLAlchemy and eventsourcing and builds
the event store: about 300 ms on a 2-core machine before the first read, for
an answer that takes a tenth of a millisecond (issue 5). In the usual case,
a read model set up at this version's revision that holds every stored
event, ``in-force``, ``list`` and batch screening ask ``Lookups`` on a plain
driver connection instead. Otherwise (no ledger yet, another revision, events
not yet applied) they open the ledger, which says why it cannot answer, or
sets up or catches up, and then answers through the same lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ledger.readmodel import SCHEMA_REVISION
from ledger.readmodel.lookups import Lookups, ProjectionStatus
from ledger.screening import Screened, screen
from ledger.settings import LedgerLocation

if TYPE_CHECKING:
    from ledger.answers import InForceAnswer
    from ledger.application import SanctionsLedger


def ask_in_force(location: LedgerLocation, party: str, *, role: str, at: date,
                 known_at: datetime) -> InForceAnswer:
    """What is in force against (role "target") or imposed by (role "authority") a party."""
    with current_lookups(location) as current:
        if current is not None:
            lookups, status = current
            return lookups.answer(party, role, at=at, known_at=known_at,
                                  known_by=status.cap(known_at))
    with _opened(location) as ledger:
        if role == "target":
            return ledger.get_in_force(party, at=at, known_at=known_at)
        return ledger.get_authority_list(party, at=at, known_at=known_at)


def ask_screening(location: LedgerLocation, queries: Iterable[str], *, at: date,
                  known_at: datetime) -> Iterator[Screened]:
    """Batch screening (``ledger.screening``) of every query, in input order."""
    with current_lookups(location) as current:
        if current is not None:
            lookups, status = current
            yield from screen(lookups, queries, at=at, known_at=status.cap(known_at))
            return
    with _opened(location) as ledger:
        yield from ledger.screen(queries, at=at, known_at=known_at)


@contextmanager
def current_lookups(location: LedgerLocation) -> Iterator[tuple[Lookups, ProjectionStatus] | None]:
    """Lookups on a plain connection and the read model's status, if the read model is
    current; None if the ledger must be opened to answer (or to say why it cannot)."""
    connection = _connect(location)
    if connection is None:
        yield None
        return
    try:
        lookups = Lookups(connection, location.backend)
        status = lookups.status() if _at_this_revision(connection, location) else None
        yield (lookups, status) if status is not None and status.lag == 0 else None
    finally:
        connection.close()


def _connect(location: LedgerLocation) -> Any:
    if location.backend == "sqlite":
        if not location.exists():
            return None  # the ledger says there is none, and how to make one
        return _driver(location).connect(location.path, timeout=30)
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


def _opened(location: LedgerLocation) -> closing[SanctionsLedger]:
    from ledger.application import SanctionsLedger

    return closing(SanctionsLedger(location, must_exist=True))
