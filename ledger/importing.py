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

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from ledger.errors import ConflictError
from ledger.persistence import EventRow, event_row
from ledger.readmodel.database import GrowingStatistics, SecondaryIndexes
from ledger.readmodel.lookups import KnownLine
from ledger.readmodel.projector import claim_position, fold_records
from ledger.readmodel.queries import ReadModel
from ledger.readmodel.rows import LineFacts, PlannedSpans, lines_of, plan_spans, write_rows
from ledger.recording import Found
from ledger.writing import WritingProcess, writing_in_child

if TYPE_CHECKING:
    from ledger.application import SanctionsLedger

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
        self.statistics = GrowingStatistics(conn, ledger.written_tables(), start)

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        """The recorded lines among these ids, and these records folded from their events,
        as this transaction sees them now."""
        found = self.find(line_ids, record_ids)
        return lambda: found

    def find(self, line_ids: list[str], record_ids: list[UUID]) -> Found:
        return (self.read_model.known_lines(line_ids),
                fold_records(self.ledger, self.conn, record_ids))

    def known_line(self, line_id: str) -> KnownLine | None:
        return self.read_model.known_line(line_id)

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        """Store a batch of new events (in line order) and project them.

        ``records`` holds each touched record as it stands after the batch:
        what the read model's spans are computed from.
        """
        self.write(prepare_batch(self.ledger, events, records))

    def write(self, batch: PreparedBatch) -> None:
        """Store a prepared batch: its events, their chain links and read-model rows."""
        try:
            positions = self.ledger.recorder.append_within(  # type: ignore[attr-defined]
                self.conn, batch.stored)
        except (IntegrityError, SQLIntegrityError) as error:
            raise ConflictError(CONFLICT.format("a record this file changes")) from error
        write_rows(self.conn, positions, batch.lines, batch.spans)
        self.last = positions[-1]
        self.statistics.grown_to(self.last)
        if self.last - self.start >= self.start:
            # From here on, maintaining the secondary indexes row by row costs more
            # than building them over the whole ledger once at the end.
            self.secondary_indexes.drop()


@dataclass
class PreparedBatch:
    """A batch as the database takes it: stored events, the facts of their lines, and their
    planned spans.

    Everything but the SQL, so that a child process writing the batch
    (``import_in_child``) receives plain values, not aggregates: pickling
    those cost more than writing them. The lines' own rows are planned where
    they are written, from their facts.
    """

    stored: list[EventRow]
    lines: list[LineFacts]
    spans: PlannedSpans


def prepare_batch(ledger: SanctionsLedger, events: Sequence[Any],
                  records: Mapping[UUID, Aggregate]) -> PreparedBatch:
    return PreparedBatch([event_row(ledger.mapper.to_stored_event(e)) for e in events],
                         lines_of(events),
                         plan_spans(events, lambda event: records[event.originator_id],
                                    ledger.engine.dialect))


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


# -- The same transaction, held by a child process (large files) ----------------------------

class ChildTransaction:
    """An ``ImportTransaction`` held by a child process (``ledger.writing``), which writes
    one batch while this process checks the next.

    ``Recording.take_all`` asks for a batch's lookups two batches ahead, so the
    child looks them up, and may fall up to two batches behind, while this
    process checks.
    """

    def __init__(self, ledger: SanctionsLedger, writer: WritingProcess):
        self._ledger = ledger
        self._writer = writer

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        return self._writer.ask("find", line_ids, record_ids)

    def known_line(self, line_id: str) -> KnownLine | None:
        return self._writer.ask("known_line", line_id)()

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        self._writer.write(prepare_batch(self._ledger, events, records))


@contextmanager
def import_in_child(ledger: SanctionsLedger,
                    recorded_at: datetime) -> Iterator[ChildTransaction]:
    """``import_transaction`` in a child process: committed at the end, or nothing."""
    with writing_in_child("import", ledger.location, import_transaction, recorded_at) as writer:
        yield ChildTransaction(ledger, writer)
