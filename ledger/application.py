"""The ledger application: wires the event store, the read model, writing and the audit trail.

Every entry point (the CLI, tests, the benchmark) that changes the ledger or
needs the read model caught up goes through ``SanctionsLedger``. Each
command here is a few lines: the work is in ``ledger.write``, ``ledger.read``
and ``ledger.audit``, which receive what they need, never this object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder
from sqlalchemy import Connection

from ledger.audit.diff import ListDiff, get_diff
from ledger.audit.history import History, get_history
from ledger.audit.log import LogEntry, check_log, read_log
from ledger.audit.proving import (
    ProvingError,
    generate_key,
    open_checkpoints,
    prove_line,
    read_text,
    sign_tree_head,
    tree_evidence,
    verify_proof,
)
from ledger.audit.readcheck import compare_read_model
from ledger.audit.replay import Replay
from ledger.audit.report.model import CrisisReport, EvidenceReport, build_crisis, build_report
from ledger.audit.tamper import Verification, verify_all
from ledger.domain.answers import (
    InForceAnswer,
    KnownAt,
    PartyEntry,
    RecordedLine,
    Screened,
    ScreeningDecision,
)
from ledger.errors import LedgerNotFoundError, NotALedgerError, ReadOnlyLedgerError
from ledger.read.database import (
    can_write_read_model,
    create_answer_engine,
    create_read_engine,
    ensure_schema,
    is_set_up,
    table_names,
)
from ledger.read.list_state import ListStateTables, SnapshotRecord
from ledger.read.projector import Progress, Projector, fresh_read_model
from ledger.read.reader import Reader
from ledger.settings import LedgerLocation
from ledger.sources import open_snapshot
from ledger.store.chain import CHAIN_TABLE, ChainReport, Head
from ledger.store.events import APPLICATION_NAME, EventLog
from ledger.store.locks import SETUP, WRITER, ledger_lock
from ledger.store.logtree import CHECKPOINT_TABLE
from ledger.store.proofs import ProofBundle
from ledger.store.transcoding import FastJSONTranscoder, register_transcodings
from ledger.write.bulk import (
    LedgerStore,
    import_in_child,
    import_transaction,
    rewrite_at,
    written_tables,
)
from ledger.write.collector import collecting_less
from ledger.write.ingest import IngestSummary, ingest_snapshot, publication_date
from ledger.write.recording import Recording, RecordingSummary
from ledger.write.transport import writing_in_child

if TYPE_CHECKING:  # the matcher loads only when a name is screened
    from ledger.read.screening import ScreeningAnswer, ScreeningQuestion

Clock = Callable[[], datetime]
#: What the CLI calls without opening a ledger (keys and proofs need no database).
__all__ = ["SanctionsLedger", "generate_key", "verify_proof"]


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

    def ingest(self, kind: str, path: Path, published: date | None = None,
               progress: Progress | None = None,
               on_wait: Callable[[], None] | None = None) -> IngestSummary:
        """Record one snapshot of an official list (``ledger.write.ingest``) whole, or not at
        all, in one transaction with the list's new state."""
        snapshot = open_snapshot(kind, path)
        day = publication_date(snapshot, published)
        with ledger_lock(self.location, WRITER, on_wait):
            self.projector.catch_up()
            recorded_at = self._next_recorded_at()
            with collecting_less(), import_transaction(self.store, recorded_at) as store:
                return ingest_snapshot(
                    kind, snapshot, day, Recording(store, recorded_at),
                    ListStateTables(store.conn), lambda i: store.known_line(i) is not None,
                    progress)

    def list_snapshots(self) -> list[SnapshotRecord]:
        """Every snapshot of every official list ingested, by list and publication date."""
        with self.engine.connect() as conn:
            return ListStateTables(conn).snapshots()

    def decide(self, customer: str, party: str, verdict: str, *, reason: str | None = None,
               by: str | None = None) -> ScreeningDecision:
        """Record an analyst's verdict on a customer and a party (an id, name or alias known
        now) as a ``decision`` line of its own: immutable, exported and imported like any."""
        with self._reading() as reader:
            party_id = reader.resolve_party(party, known_at=reader.known(self.clock()).moment).id
        line = {"type": "decision", "id": f"decision:{uuid4().hex}", "customer": customer,
                "party": party_id, "verdict": verdict,
                **({} if reason is None else {"reason": reason}),
                **({} if by is None else {"by": by})}
        self.record_file([(1, line)])
        return self.get_decisions(customer)[-1]

    def get_decisions(self, customer: str, *,
                      known_at: datetime | None = None) -> list[ScreeningDecision]:
        """The decisions taken about a customer as known at ``known_at`` (None: now), in
        recorded order."""
        with self._reading() as reader:
            moment = reader.known(known_at or self.clock()).moment
            return reader.decisions(known_at=moment, customer=customer)

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
        """Every table of the ledger: what a bulk write grows, and the signed checkpoints."""
        return [*written_tables(self.event_log), CHECKPOINT_TABLE]

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

    def screen_name(self, query: str, asked: ScreeningQuestion) -> ScreeningAnswer:
        """Who ``query`` may name, scored and explained (``Reader.screen_name``)."""
        with self._reading() as reader:
            return reader.screen_name(query, asked)

    def screen_names(self, rows: Iterable[tuple[str, str | None]],
                     asked: ScreeningQuestion) -> Iterator[ScreeningAnswer]:
        """Batch screening by name (``Reader.screen_names``) of (query, customer key) rows,
        in input order."""
        with self._reading() as reader:
            yield from reader.screen_names(rows, asked)

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

    def verify(self, expect_head: str | None = None, checkpoints: Sequence[Path] = (),
               public_keys: Sequence[Path] = (), *, read_model: bool = False) -> Verification:
        """Check the log from its events alone (chain, order, Merkle tree), then that it
        still holds a head written down and extends each signed checkpoint, then (with
        ``read_model``) that the read model is what the events project to."""
        expected = Head.parse(expect_head) if expect_head else None
        opened = open_checkpoints(checkpoints, public_keys, self.origin)
        report = check_log(self.engine, {checkpoint.size for checkpoint in opened})
        verification = verify_all(self.engine, report, expected, opened)
        if read_model and verification.chain.ok:
            with self._reading():  # caught up first, unless this role only reads
                pass
            with ledger_lock(self.location, WRITER):
                differences = compare_read_model(self.event_log, self.engine)
            verification.failures.extend(
                f"the read model differs from the events ({line}): run "
                "'sanctions-ledger rebuild'" for line in differences)
            verification.checked.extend([] if differences else [
                "the read model is what the events project to"])
        return verification

    def check_chain(self) -> ChainReport:
        """The log checked from its events alone (what reports state)."""
        return check_log(self.engine)

    @property
    def origin(self) -> str:
        """The name this ledger's checkpoints give their log."""
        return self.location.origin

    def head(self) -> str:
        """``POSITION:HASH`` of the last stored event (``0:000...`` when there is none)."""
        with self.engine.connect() as conn:
            row = conn.exec_driver_sql(f"SELECT position, hash FROM {CHAIN_TABLE} "
                                       "ORDER BY position DESC LIMIT 1").first()
        return str(Head(row[0], row[1])) if row else str(Head(0, "0" * 64))

    def checkpoint(self, key: Path) -> str:
        """Sign the current tree head with ``key``; keep a copy beside the log; the note.

        Taken under the writer lock, so the size and root are of committed
        imports only, never of one half-way.
        """
        with ledger_lock(self.location, WRITER), self.engine.begin() as conn:
            return sign_tree_head(conn, key, self.origin, self.clock())

    def prove(self, line_id: str, checkpoint: Path | None = None) -> ProofBundle:
        """The proof bundle of one recorded line, against a checkpoint (else the last one)."""
        line = self.get_line(line_id)
        if line is None:
            raise ProvingError(f"no line {line_id!r} is recorded")
        note = read_text(checkpoint, "checkpoint") if checkpoint else None
        with self.engine.connect() as conn:
            return prove_line(conn, line_id, line.position, note, self.origin)

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
            report = build_report(reader, party, at, known_at, chain=self.check_chain(),
                                  generated_at=self.clock())
        positions = {line.id: line.position for line in report.answer.evidence.values()}
        with self.engine.connect() as conn:
            return replace(report, tree=tree_evidence(conn, positions, self.origin))

    def get_crisis_report(self, *, start: date, end: date, known_at: datetime) -> CrisisReport:
        """Every sanction that started between two days, and what answered what."""
        with self._reading() as reader:
            return build_crisis(reader, start, end, reader.known(known_at),
                                chain=self.check_chain(), generated_at=self.clock())
