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
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from ledger.errors import ConflictError, LedgerError
from ledger.readmodel.database import SecondaryIndexes
from ledger.readmodel.lookups import KnownLine
from ledger.readmodel.projector import claim_position, fold_records
from ledger.readmodel.queries import ReadModel
from ledger.readmodel.rows import LineFacts, PlannedSpans, line_facts, plan_spans, write_rows
from ledger.recording import Found

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

    stored: list[StoredEvent]
    lines: list[LineFacts]
    spans: PlannedSpans


def prepare_batch(ledger: SanctionsLedger, events: Sequence[Any],
                  records: Mapping[UUID, Aggregate]) -> PreparedBatch:
    return PreparedBatch([ledger.mapper.to_stored_event(e) for e in events],
                         [line_facts(e) for e in events],
                         plan_spans(events, lambda event: records[event.originator_id],
                                    ledger.engine.dialect))


@contextmanager
def collecting_less() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a long import or rebuild.

    Both create millions of short-lived objects while holding many long-lived
    ones (records in hand, the projector's cache), and the default thresholds
    rescan those again and again: a quarter of a 200k-line import's time.
    A young collection also walks every object still alive since the last,
    and a batch's rows live until it is written: at 50,000 a rebuild of 100k
    events still spent 0.7 s of 6.4 collecting, at 200,000 0.25 s of 5.5.
    Collections still run, so memory stays bounded (a 1M-line import peaked
    at 269 MB, as at 50,000). The collector's settings
    are process-wide: the first of overlapping imports (threads of one
    process) changes them, the last to finish restores them.
    """
    with _COLLECTOR_LOCK:
        _COLLECTOR_USERS.append(gc.get_threshold())
        if len(_COLLECTOR_USERS) == 1:
            gc.freeze()  # what existed before is not rescanned at all
            gc.set_threshold(200_000, 20, 100)
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


# -- The same transaction, held by a child process (large files) ----------------------------

class ChildTransaction:
    """An ``ImportTransaction`` run by a child process, which writes one batch while this
    process checks the next.

    An import is bound to one core by Python: checking lines and staging their
    events is about half of it; encoding, chaining, projecting and inserting
    them the other half. In a child, the second half runs beside the first.
    The child opens the ledger and holds the file's one transaction; requests
    go through a pipe in order, so a lookup is answered once every batch sent
    before it is written (``Recording.take_all`` asks for the next batch's
    lookups before checking this one). A batch is sent without waiting; an
    error writing it comes back as the answer to the next request.
    """

    def __init__(self, ledger: SanctionsLedger, pipe: Any, process: Any):
        self._ledger = ledger
        self._pipe = pipe
        self._process = process
        self._asked = self._answered = 0  # requests with answers, sent and received
        self._answers: dict[int, Any] = {}

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        ticket = self._ask("find", (line_ids, record_ids))
        return lambda: self._answer(ticket)

    def known_line(self, line_id: str) -> KnownLine | None:
        return self._answer(self._ask("known_line", line_id))

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None:
        self._send("write", prepare_batch(self._ledger, events, records))

    def started(self) -> None:
        """Wait until the child holds the transaction (or raise what stopped it)."""
        self._answer(self._ask("ready", None))

    def commit(self) -> None:
        self._answer(self._ask("commit", None))

    def _send(self, request: str, payload: Any) -> None:
        """Send a request once every answer due has been read: a child blocked sending a
        large answer while this process blocks sending a large batch would wait forever."""
        while self._answered < self._asked:
            self._receive_one()
        try:
            self._pipe.send((request, payload))
        except (BrokenPipeError, EOFError):
            raise self._gone() from None

    def _ask(self, request: str, payload: Any) -> int:
        """Send a request that has an answer; return its ticket for ``_answer``."""
        self._send(request, payload)
        self._asked += 1
        return self._asked

    def _answer(self, ticket: int) -> Any:
        """The answer to that request, reading earlier ones first (the child answers in
        order). An error answers whatever request is next: the child has stopped."""
        while ticket not in self._answers:
            self._receive_one()
        return self._answers.pop(ticket)

    def _receive_one(self) -> None:
        try:
            status, answer = self._pipe.recv()
        except (EOFError, ConnectionResetError):
            raise self._gone() from None
        if status == "error":
            raise answer
        self._answered += 1
        self._answers[self._answered] = answer

    def _gone(self) -> LedgerError:
        self._process.join(5)
        return LedgerError(f"the process writing the import ended (exit code "
                           f"{self._process.exitcode}); nothing was written, re-run the import")


@contextmanager
def import_in_child(ledger: SanctionsLedger,
                    recorded_at: datetime) -> Iterator[ChildTransaction]:
    """``import_transaction`` in a child process: committed at the end, or nothing.

    The caller holds the writer lock. If this process fails or is killed, the
    child reads the end of the pipe and rolls the transaction back.
    """
    context = multiprocessing.get_context("spawn")  # a fork would share open connections
    pipe, child_end = context.Pipe()
    process = context.Process(target=_serve_import, args=(ledger.location, recorded_at, child_end),
                              daemon=True, name="sanctions-ledger import writer")
    process.start()
    child_end.close()
    transaction = ChildTransaction(ledger, pipe, process)
    try:
        transaction.started()
        yield transaction
        transaction.commit()
    finally:
        pipe.close()  # the child, if still waiting, rolls back and exits
        process.join(30)
        if process.is_alive():
            process.kill()


def _serve_import(location: Any, recorded_at: datetime, pipe: Any) -> None:
    """The child's side: one ``import_transaction``, driven by the parent's requests."""
    from ledger.application import SanctionsLedger

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which closes the pipe
    try:
        with closing(SanctionsLedger(location)) as ledger, collecting_less(), \
                import_transaction(ledger, recorded_at) as store:
            request, payload = pipe.recv()
            while request != "commit":
                if request == "write":
                    store.write(payload)
                elif request == "find":
                    pipe.send(("ok", store.find(*payload)))
                elif request == "known_line":
                    pipe.send(("ok", store.known_line(payload)))
                else:  # "ready"
                    pipe.send(("ok", None))
                request, payload = pipe.recv()
        pipe.send(("ok", None))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent is gone or gave up: the transaction was rolled back
    except Exception as error:  # noqa: BLE001 - every failure goes back to the parent
        with suppress(OSError):  # unless it is gone too
            pipe.send(("error", _portable(error)))


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    return error
