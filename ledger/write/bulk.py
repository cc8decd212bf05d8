"""One file, one transaction: the bulk path from checked lines to events and read model.

eventsourcing's ``Application.save`` needs every event of a file in memory at
once and writes them on the recorder's own connection, with the read model
following in separate transactions. An ``ImportTransaction`` instead opens ONE
transaction on the read model's connection and, batch by batch, appends the
stored events and their hash-chain links (through the recorder's
``append_within``) and the read-model rows of the same events. Checks of
later batches read what earlier batches wrote through the same connection,
so memory stays bounded by the batch, and the file is still recorded whole
or not at all: the position claim and ``complete_until`` move at commit.

A bulk write receives a ``LedgerStore``, never the application: the
application hands over its own, and a writing process opens one from the
ledger's location (``import_at``, ``rewrite_at``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from ledger.domain.aggregates import Sanction
from ledger.errors import ConflictError
from ledger.read.database import (
    GrowingStatistics,
    SecondaryIndexes,
    create_read_engine,
)
from ledger.read.projector import ReadModelRewrite, claim_position, fresh_read_model, read_position
from ledger.read.reader import Reader
from ledger.read.rows import PlannedBatch, lines_of, plan_spans, write_rows
from ledger.read.schema import READ_MODEL_TABLES
from ledger.read.sql import KnownLine
from ledger.settings import LedgerLocation
from ledger.store.chain import CHAIN_TABLE
from ledger.store.events import EventLog
from ledger.store.logtree import MERKLE_TABLE
from ledger.write.recording import Found
from ledger.write.transport import WritingProcess, writing_in_child

CONFLICT = ("another writer recorded changes to the ledger first ({}); "
            "nothing was written, re-run the import")


@dataclass(frozen=True)
class LedgerStore:
    """What a bulk write needs of a ledger: where it is, the read model's engine, the events."""

    location: LedgerLocation
    engine: Engine
    event_log: EventLog

    @classmethod
    @contextmanager
    def opened(cls, location: LedgerLocation) -> Iterator[LedgerStore]:
        """The store of the ledger at ``location``, opened without an application."""
        engine, event_log = create_read_engine(location), EventLog.open(location)
        try:
            yield cls(location, engine, event_log)
        finally:
            event_log.close()
            engine.dispose()


def written_tables(event_log: EventLog) -> list[str]:
    """Every table a bulk write grows: the event log, its chain and tree, the read model."""
    return [event_log.events_table, CHAIN_TABLE, MERKLE_TABLE,
            *(table.name for table in READ_MODEL_TABLES)]


class ImportTransaction:
    """The open transaction an import writes through, batch by batch."""

    def __init__(self, store: LedgerStore, conn: Connection, start: int):
        self.event_log = store.event_log
        self.conn = conn
        self.reader = Reader.within(conn)
        self.start = start  # the position of the last event before this file
        self.last = start  # the position of the last event written so far
        self.secondary_indexes = SecondaryIndexes(conn)
        self.statistics = GrowingStatistics(conn, written_tables(store.event_log), start)

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        """The recorded lines among these ids, and these records folded from their events,
        as this transaction sees them now."""
        found = self.find(line_ids, record_ids)
        return lambda: found

    def find(self, line_ids: list[str], record_ids: list[UUID]) -> Found:
        return Found(self.reader.known_lines(line_ids),
                     self.event_log.fold_within(self.conn, record_ids))

    def known_line(self, line_id: str) -> KnownLine | None:
        return self.reader.known_line(line_id)

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        """Store a batch of new events (in line order) and project them.

        ``records`` holds each touched record as it stands after the batch:
        what the read model's spans are computed from.
        """
        self.write(plan_batch(self.event_log, self.conn.dialect, events, records))

    def write(self, batch: PlannedBatch) -> None:
        """Store a planned batch: its events, their chain links and read-model rows."""
        try:
            positions = self.event_log.append_within(self.conn, batch.stored)
        except (IntegrityError, SQLIntegrityError) as error:
            raise ConflictError(CONFLICT.format("a record this file changes")) from error
        write_rows(self.conn, positions, batch)
        self.last = positions[-1]
        self.statistics.grown_to(self.last)
        if self.last - self.start >= self.start:
            # From here on, maintaining the secondary indexes row by row costs more
            # than building them over the whole ledger once at the end.
            self.secondary_indexes.drop()


def plan_batch(event_log: EventLog, dialect: Dialect, events: Sequence[Any],
               records: Mapping[UUID, Aggregate]) -> PlannedBatch:
    """New events as the database takes them: event rows to store, lines and spans."""
    def sanction_after(event: Any) -> Sanction:
        sanction = records[event.originator_id]
        assert isinstance(sanction, Sanction)
        return sanction

    return PlannedBatch(lines_of(events), plan_spans(events, sanction_after, dialect),
                        stored=[event_log.to_row(e) for e in events])


@contextmanager
def import_transaction(store: LedgerStore,
                       recorded_at: datetime) -> Iterator[ImportTransaction]:
    """Commit everything written through the yielded transaction at the end, or nothing.

    The first statement claims the projection position (the caller has caught
    the read model up under the writer lock): on SQLite it takes the write
    lock, on PostgreSQL it locks the row, so a projector elsewhere waits and
    then finds the position moved, rather than applying these events twice.
    """
    start = read_position(store.engine)
    with store.engine.begin() as conn:
        if not claim_position(conn, start, start):
            raise ConflictError(CONFLICT.format("the read model moved"))
        transaction = ImportTransaction(store, conn, start)
        yield transaction
        transaction.secondary_indexes.build()
        if transaction.last != start and not claim_position(
                conn, start, transaction.last, complete_until=recorded_at):
            raise ConflictError(CONFLICT.format("the read model moved"))


@contextmanager
def import_at(location: LedgerLocation, recorded_at: datetime) -> Iterator[ImportTransaction]:
    """``import_transaction`` on the ledger at ``location``: what a writing process opens."""
    with LedgerStore.opened(location) as store, import_transaction(store, recorded_at) as t:
        yield t


@contextmanager
def rewrite_at(location: LedgerLocation) -> Iterator[ReadModelRewrite]:
    """``fresh_read_model`` of the ledger at ``location``: what a writing process opens."""
    engine = create_read_engine(location)
    try:
        with fresh_read_model(engine) as rewrite:
            yield rewrite
    finally:
        engine.dispose()


# The same transaction, held by a child process (large files).

class ChildTransaction:
    """An ``ImportTransaction`` held by a child process (``ledger.write.transport``), which
    writes one batch while this process checks the next.

    ``Recording.take_all`` asks for a batch's lookups two batches ahead, so the
    child looks them up, and may fall up to two batches behind, while this
    process checks.
    """

    def __init__(self, store: LedgerStore, writer: WritingProcess):
        self._event_log = store.event_log
        self._dialect = store.engine.dialect
        self._writer = writer

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        return self._writer.ask("find", line_ids, record_ids)

    def known_line(self, line_id: str) -> KnownLine | None:
        return self._writer.ask("known_line", line_id)()

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        self._writer.write(plan_batch(self._event_log, self._dialect, events, records))


@contextmanager
def import_in_child(store: LedgerStore, recorded_at: datetime) -> Iterator[ChildTransaction]:
    """``import_transaction`` in a child process: committed at the end, or nothing."""
    with writing_in_child("import", store.location, import_at, recorded_at) as writer:
        yield ChildTransaction(store, writer)
