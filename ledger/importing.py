"""One file, one transaction: the bulk path from checked lines to events and read model.

eventsourcing's ``Application.save`` needs every event of a file in memory at
once and writes them on the recorder's own connection; the read model then
followed in separate transactions. At a million lines that held gigabytes
and wrote everything twice. An ``ImportTransaction`` instead opens ONE
transaction on the read model's connection and, batch by batch, appends the
stored events and their hash-chain links (through the recorder's
``append_within``) and the read-model rows of the same events. Checks of
later batches read what earlier batches wrote through the same connection,
so memory stays bounded by the batch, and the file is still recorded whole
or not at all: the position claim and ``complete_until`` move at commit.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from ledger.errors import ConflictError
from ledger.readmodel.database import SecondaryIndexes
from ledger.readmodel.projector import claim_position, fold_records, write_projection
from ledger.readmodel.queries import ReadModel

if TYPE_CHECKING:
    from ledger.application import SanctionsLedger

_COLLECTOR_LOCK = threading.Lock()
_COLLECTOR_USERS: list[tuple[int, ...]] = []  # thresholds each overlapping user found
CONFLICT = ("another writer recorded changes to the ledger first ({}); "
            "nothing was written, re-run the import")


class ImportTransaction:
    """The open transaction an import writes through, batch by batch."""

    def __init__(self, ledger: SanctionsLedger, conn: Connection, start: int):
        self.ledger = ledger
        self.conn = conn
        self.read_model = ReadModel.within(conn)
        self.start = start  # the position of the last event before this file
        self.last = start  # the position of the last event written so far
        self.secondary_indexes = SecondaryIndexes(conn)

    def load(self, record_ids: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """The records with these ids as this transaction sees them, folded from their events."""
        return fold_records(self.ledger, self.conn, record_ids)

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        """Store a batch of new events (in line order) and project them.

        ``records`` holds each touched record as it stands after the batch:
        what the read model's spans are computed from.
        """
        stored = [self.ledger.mapper.to_stored_event(e) for e in events]
        try:
            positions = self.ledger.recorder.append_within(  # type: ignore[attr-defined]
                self.conn, stored)
        except (IntegrityError, SQLIntegrityError) as error:
            raise ConflictError(CONFLICT.format("a record this file changes")) from error
        write_projection(self.conn, positions, events,
                         lambda event: records[event.originator_id])
        self.last = positions[-1]
        if self.last - self.start >= self.start:
            # From here on, maintaining the secondary indexes row by row costs more
            # than building them over the whole ledger once at the end.
            self.secondary_indexes.drop()


@contextmanager
def collecting_less() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a long import or rebuild.

    Both create millions of short-lived objects while holding many long-lived
    ones (records in hand, the projector's cache), and the default thresholds
    rescan those again and again: a quarter of a 200k-line import's time.
    Collections still run, so memory stays bounded. The collector's settings
    are process-wide: the first of overlapping imports (threads of one
    process) changes them, the last to finish restores them.
    """
    with _COLLECTOR_LOCK:
        _COLLECTOR_USERS.append(gc.get_threshold())
        if len(_COLLECTOR_USERS) == 1:
            gc.freeze()  # what existed before is not rescanned at all
            gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        with _COLLECTOR_LOCK:
            thresholds = _COLLECTOR_USERS.pop(0)
            if not _COLLECTOR_USERS:
                gc.set_threshold(*thresholds)
                gc.unfreeze()


@contextmanager
def import_transaction(ledger: SanctionsLedger,
                       recorded_at: datetime) -> Iterator[ImportTransaction]:
    """Commit everything written through the yielded transaction at the end, or nothing.

    The first statement claims the projection position (the caller has caught
    the read model up under the writer lock): on SQLite it takes the write
    lock, on PostgreSQL it locks the row, so a projector elsewhere waits and
    then finds the position moved, rather than applying these events twice.
    """
    start = ledger.projector.position()
    with ledger.engine.begin() as conn:
        if not claim_position(conn, start, start):
            raise ConflictError(CONFLICT.format("the read model moved"))
        transaction = ImportTransaction(ledger, conn, start)
        yield transaction
        transaction.secondary_indexes.build()
        if transaction.last != start and not claim_position(
                conn, start, transaction.last, complete_until=recorded_at):
            raise ConflictError(CONFLICT.format("the read model moved"))
