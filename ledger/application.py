"""The ledger application: wires the event store, the read model, writing and the audit trail.

Every entry point (the CLI, tests, the benchmark) that changes the ledger or
needs the read model caught up goes through ``SanctionsLedger``. Each
command here is a few lines: the work is in ``ledger.write``, ``ledger.read``
and ``ledger.audit``, which receive what they need, never this object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder
from sqlalchemy import Connection

from ledger.audit.diff import ListDiff, get_diff
from ledger.audit.history import History, get_history
from ledger.audit.log import LogEntry, check_chain, read_log
from ledger.audit.replay import Replay
from ledger.audit.report.model import CrisisReport, EvidenceReport, build_crisis, build_report
from ledger.domain.answers import InForceAnswer, KnownAt, PartyEntry, RecordedLine, Screened
from ledger.errors import LedgerNotFoundError, NotALedgerError, ReadOnlyLedgerError
from ledger.read.database import (
    can_write_read_model,
    create_answer_engine,
    create_read_engine,
    ensure_schema,
    is_set_up,
    table_names,
)
from ledger.read.projector import Progress, Projector, fresh_read_model
from ledger.read.reader import Reader
from ledger.settings import LedgerLocation
from ledger.store.chain import CHAIN_TABLE, ChainReport
from ledger.store.events import APPLICATION_NAME, EventLog
from ledger.store.locks import SETUP, WRITER, ledger_lock
from ledger.store.transcoding import FastJSONTranscoder, register_transcodings
from ledger.write.bulk import (
    LedgerStore,
    import_in_child,
    import_transaction,
    rewrite_at,
    written_tables,
)
from ledger.write.collector import collecting_less
from ledger.write.recording import Recording, RecordingSummary
from ledger.write.transport import writing_in_child

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_read_model(conn: Connection) -> None:
    """A fresh ledger's read-model tables: the migrations (top-level ``migrations``) to head."""
    import migrations

    migrations.upgrade(conn)


class SanctionsLedger(Application[UUID]):
    """One ledger, on SQLite or PostgreSQL."""

    name = APPLICATION_NAME

    def __init__(self, location: LedgerLocation, *, clock: Clock = utc_now,
                 must_exist: bool = False, events_only: bool = False):
        """Open (or, unless ``must_exist``, create) the ledger at ``location``.

        With ``events_only`` the read model may be at any revision, or none: for
        ``verify``, which reads the stored events alone. Such a ledger answers no
        question and never catches up.
        """
        if must_exist and not location.exists():
            raise LedgerNotFoundError(
                f"no ledger at {location.display}: import a file or a dataset first")
        self.location = location
        self.clock = clock
        self.engine = create_read_engine(location)
        self.answering = create_answer_engine(location, self.engine)
        self._refuse_what_is_no_ledger(must_exist)
        # A fresh ledger is set up by one process at a time (tables, then migrations).
        with nullcontext() if is_set_up(self.engine) else ledger_lock(location, SETUP):
            super().__init__(env=location.eventsourcing_env())
            try:
                if not events_only:
                    ensure_schema(self.engine, create_read_model)
            except BaseException:
                self.close()  # e.g. an older revision: do not leave the recorder's pool open
                raise
        self.read_only = (events_only or location.read_only
                          or not can_write_read_model(self.engine))
        self.event_log = EventLog(self.recorder, self.mapper)
        self.store = LedgerStore(location, self.engine, self.event_log)
        self.projector = Projector(self.event_log, self.engine)
        #: Reads as the read model stands, without catching up (reads only: autocommit
        #: on PostgreSQL).
        self.reader = Reader.of_engine(self.answering)

    def _refuse_what_is_no_ledger(self, must_exist: bool) -> None:
        """Write nothing into a database that holds something else, and (for a read)
        nothing into an empty one: it stays exactly as it was."""
        tables = table_names(self.engine)
        others = [] if {"alembic_version", CHAIN_TABLE} & set(tables) else tables
        if not others and (tables or not must_exist):
            return
        self.engine.dispose()
        self.answering.dispose()
        if not others:
            raise LedgerNotFoundError(
                f"no ledger at {self.location.display}: import a file or a dataset first")
        raise NotALedgerError(f"{self.location.display} is not a sanctions ledger "
                              f"(it holds {', '.join(others[:5])}"
                              f"{', ...' if len(others) > 5 else ''}); nothing was changed")

    def construct_transcoder(self) -> FastJSONTranscoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        register_transcodings(transcoder)

    def close(self) -> None:
        super().close()
        self.engine.dispose()
        self.answering.dispose()

    # Commands.

    def record_file(self, objects: Iterable[tuple[int, dict[str, Any]]],
                    on_wait: Callable[[], None] | None = None, *,
                    two_processes: bool = False, wait: float | None = None) -> RecordingSummary:
        """Record one interchange file whole, or not at all (see ``ledger.write.recording``).

        The writer lock (``ledger.store.locks``) is held from choosing the recorded
        time until the file's one transaction has committed, so recorded time
        grows with position. ``on_wait`` is called if another writer holds it;
        after ``wait`` seconds (if given) the import gives up with ``WriterBusyError``.
        With ``two_processes`` a child process writes while this one checks
        (``ledger.write.bulk.import_in_child``): faster for large files on two
        cores or more, not worth its start-up for small ones.
        """
        self._refuse_if_read_only()
        with ledger_lock(self.location, WRITER, on_wait, wait):
            self.projector.catch_up()
            recorded_at = self._next_recorded_at()
            transaction = import_in_child if two_processes else import_transaction
            with collecting_less(), transaction(self.store, recorded_at) as store:
                return Recording(store, recorded_at).take_all(objects)

    def rebuild_read_model(self, progress: Progress | None = None,
                           on_wait: Callable[[], None] | None = None, *,
                           two_processes: bool = False, wait: float | None = None) -> int:
        """Project every stored event again, queued behind any import under the writer lock.

        An import holds the database's write lock for its whole file: a rebuild
        started meanwhile would otherwise give up after SQLite's busy timeout.
        With ``two_processes`` a child process writes the rows while this one
        decodes the events (``ledger.write.transport``): faster for large ledgers
        on two cores or more, not worth its start-up for small ones.
        """
        rewrite = (partial(writing_in_child, "rebuild", self.location, rewrite_at)
                   if two_processes else partial(fresh_read_model, self.engine))
        self._refuse_if_read_only()
        with ledger_lock(self.location, WRITER, on_wait, wait), collecting_less():
            return self.projector.rebuild(rewrite, progress)

    def _refuse_if_read_only(self) -> None:
        if self.location.read_only:
            raise ReadOnlyLedgerError(f"the ledger at {self.location.display} is read-only "
                                      "here: it can be asked, not written")

    def stored_events(self) -> int:
        """How many events the ledger holds."""
        return self.projector.stored_events()

    def written_tables(self) -> list[str]:
        """Every table a bulk write grows: the event log, its chain and the read model."""
        return written_tables(self.event_log)

    def _next_recorded_at(self) -> datetime:
        """Now, but never earlier than what is already recorded: recorded time only grows."""
        now, last = self.clock(), self.reader.last_recorded_at()
        return max(now, last + timedelta(microseconds=1)) if last else now

    # Queries: the reader's answers, with the read model caught up first.

    @contextmanager
    def _reading(self) -> Iterator[Reader]:
        """A reader on one connection, the read model caught up first unless this role only
        reads (it answers from the read model as the writers, who catch up after every
        import, left it). With nothing new, the usual case, that is one small read."""
        with self.answering.connect() as conn:
            status = Reader.within(conn).status()
            if not self.read_only and status.lag > 0:
                self.projector.catch_up()
                status = Reader.within(conn).status()
            yield Reader.within(conn, status)

    def get_known(self, known_at: datetime | None = None) -> KnownAt:
        """The moment an answer asked as of ``known_at`` (None: now) is given as of: capped
        at what the ledger holds whole. Every query caps alike: asking it first and
        passing its ``moment`` on gives the answer as of that moment."""
        with self._reading() as reader:
            return reader.known(known_at or self.clock())

    def get_in_force(self, party: str, *, at: date, known_at: datetime) -> InForceAnswer:
        with self._reading() as reader:
            return reader.get_in_force(party, at=at, known_at=known_at)

    def get_authority_list(self, authority: str, *, at: date,
                           known_at: datetime) -> InForceAnswer:
        with self._reading() as reader:
            return reader.get_authority_list(authority, at=at, known_at=known_at)

    def screen(self, queries: Iterable[str], *, at: date,
               known_at: datetime) -> Iterator[Screened]:
        """Batch screening (``Reader.screen``) of every query, in input order."""
        with self._reading() as reader:
            yield from reader.screen(queries, at=at, known_at=known_at)

    def find_parties(self, search: str | None = None, *,
                     known_at: datetime | None = None) -> list[PartyEntry]:
        """Parties, with the names they had, as known at ``known_at`` (None: now)."""
        with self._reading() as reader:
            return reader.find_parties(search, known_at=reader.known(
                known_at or self.clock()).moment)

    def get_party_page(self, search: str | None = None, *, known_at: datetime | None = None,
                       limit: int = 200, offset: int = 0) -> tuple[list[PartyEntry], int]:
        """A page of the parties ``find_parties`` finds as known at ``known_at`` (None: now),
        and how many it finds in all."""
        with self._reading() as reader:
            return reader.party_page(search, known_at=reader.known(known_at or self.clock()).moment,
                                     limit=limit, offset=offset)

    def get_line(self, line_id: str, *, known_at: datetime | None = None) -> RecordedLine | None:
        """The line recorded with this id, if it was recorded by ``known_at`` (None: now)."""
        return next(iter(self.get_lines([line_id], known_at=known_at)), None)

    def get_lines(self, line_ids: Iterable[str], *,
                  known_at: datetime | None = None) -> list[RecordedLine]:
        """The lines with these ids recorded by ``known_at`` (None: now), in recorded order."""
        with self._reading() as reader:
            moment = reader.known(known_at or self.clock()).moment
            return [line for line in reader.lines(line_ids) if line.recorded_at <= moment]

    def get_lines_about(self, record_id: str, *,
                        known_at: datetime | None = None) -> list[RecordedLine]:
        """Every line about a record (its own, and those naming it) recorded by ``known_at``."""
        with self._reading() as reader:
            moment = reader.known(known_at or self.clock()).moment
            return [line for line in reader.lines_about(record_id) if line.recorded_at <= moment]

    def iter_events(self, batch: int = 1000) -> Iterator[DomainEventProtocol[UUID]]:
        """Every stored event in recorded order, decoded: the input of the pure fold."""
        position = 0
        while notifications := self.event_log.notifications_after(position, batch):
            yield from (self.mapper.to_domain_event(n) for n in notifications)
            position = notifications[-1].id

    def verify(self) -> ChainReport:
        """Recompute the hash chain over every stored event."""
        return check_chain(self.engine, self.event_log.events_table)

    def get_log(self, since: int = 0, limit: int | None = None, *,
                known_at: datetime | None = None) -> Iterator[LogEntry]:
        """The log's entries recorded by ``known_at`` (None: now), after ``since``."""
        return read_log(self.engine, since, limit, known_at=self.get_known(known_at).moment)

    def export_lines(self, known_at: datetime | None = None) -> Iterator[str]:
        """The ledger as an interchange file: every line recorded by ``known_at`` (None: now)
        as filed, in recorded order.

        A comment marks each recorded time, so a reader of the export can still
        see when the ledger learnt each group of lines (re-import ignores it).
        """
        known = self.get_known(known_at)
        yield "# sanctions-ledger export: interchange format version 1"
        yield f"# {known.text}"
        last = None
        for line in self.reader.iter_lines(known_at=known.moment):
            if line.recorded_at != last:
                yield f"# recorded at {line.recorded_at.isoformat()}"
                last = line.recorded_at
            yield line.filed

    # Audit trail and reports.

    def get_history(self, party: str, *, known_at: datetime) -> History:
        """Everything the ledger holds about a party, in valid-time order."""
        with self._reading() as reader:
            return get_history(reader, party, reader.known(known_at))

    def get_diff(self, authority: str, *, start: date, end: date,
                 known_at: datetime) -> ListDiff:
        """What changed on an authority's list between two days, as known at one moment."""
        with self._reading() as reader:
            return get_diff(reader, authority, start, end, reader.known(known_at))

    def get_replay(self, *, by: str, known_at: datetime, today: date,
                   start: date | None = None, end: date | None = None,
                   authority: str | None = None, at: date | None = None) -> Replay:
        """The ledger's story step by step, by valid or by recorded time."""
        return Replay(self.reader, by=by, known=self.get_known(known_at), start=start,
                      end=end, authority=authority, at=at, today=today)

    def get_report(self, party: str, *, at: date, known_at: datetime) -> EvidenceReport:
        """The evidence an auditor needs for one party's answer on one day."""
        with self._reading() as reader:
            return build_report(reader, party, at, known_at, chain=self.verify(),
                                generated_at=self.clock())

    def get_crisis_report(self, *, start: date, end: date, known_at: datetime) -> CrisisReport:
        """Every sanction that started between two days, and what answered what."""
        with self._reading() as reader:
            return build_crisis(reader, start, end, reader.known(known_at),
                                chain=self.verify(), generated_at=self.clock())
