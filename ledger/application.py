"""The ledger application: records interchange files as events, answers from the read model.

Every entry point (the CLI, tests, the benchmark) goes through
``SanctionsLedger``; nothing else touches the stores directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import JSONTranscoder

from ledger.answers import InForceAnswer, PartyEntry, RecordedLine
from ledger.audit import LogEntry, check_chain, read_log
from ledger.errors import LedgerNotFoundError
from ledger.importing import import_in_child, import_transaction
from ledger.locking import SETUP, WRITER, ledger_lock
from ledger.persistence import CHAIN_TABLE, ChainReport, DateAsISO, FastJSONTranscoder
from ledger.readmodel.database import (
    can_write_read_model,
    create_answer_engine,
    create_read_engine,
    ensure_schema,
    is_set_up,
)
from ledger.readmodel.lookups import Lookups
from ledger.readmodel.projector import Progress, Projector, fresh_read_model
from ledger.readmodel.queries import ReadModel
from ledger.readmodel.schema import READ_MODEL_TABLES
from ledger.recording import Recording, RecordingSummary
from ledger.screening import Screened, screen
from ledger.settings import LedgerLocation
from ledger.writing import collecting_less, writing_in_child

if TYPE_CHECKING:  # the audit trail's types, imported when first used (issue 3)
    from ledger.history import History, ListDiff
    from ledger.replay import Replay
    from ledger.report.model import CrisisReport, EvidenceReport

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SanctionsLedger(Application[UUID]):
    """One ledger, on SQLite or PostgreSQL."""

    name = "SanctionsLedger"

    def __init__(self, location: LedgerLocation, *, clock: Clock = utc_now,
                 must_exist: bool = False):
        if must_exist and not location.exists():
            raise LedgerNotFoundError(
                f"no ledger at {location.display}: import a file or a dataset first")
        self.location = location
        self.clock = clock
        self.engine = create_read_engine(location)
        self.answering = create_answer_engine(location, self.engine)
        # A fresh ledger is set up by one process at a time (tables, then migrations).
        with nullcontext() if is_set_up(self.engine) else ledger_lock(location, SETUP):
            super().__init__(env=location.eventsourcing_env())
            try:
                ensure_schema(self.engine)
            except BaseException:
                self.close()  # e.g. an older revision: do not leave the recorder's pool open
                raise
        self.read_only = not can_write_read_model(self.engine)
        self.read_model = ReadModel(self.answering)  # reads only: autocommit on PostgreSQL
        self.projector = Projector(self, self.engine)

    def construct_transcoder(self) -> FastJSONTranscoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def close(self) -> None:
        super().close()
        self.engine.dispose()
        self.answering.dispose()

    # Commands.

    def record_file(self, objects: Iterable[tuple[int, dict[str, Any]]],
                    on_wait: Callable[[], None] | None = None, *,
                    two_processes: bool = False) -> RecordingSummary:
        """Record one interchange file whole, or not at all (see ``ledger.recording``).

        The writer lock (``ledger.locking``) is held from choosing the recorded
        time until the file's one transaction has committed, so recorded time
        grows with position. ``on_wait`` is called if another writer holds it.
        With ``two_processes`` a child process writes while this one checks
        (``ledger.importing.import_in_child``): faster for large files on two
        cores or more, not worth its start-up for small ones.
        """
        with ledger_lock(self.location, WRITER, on_wait):
            self.projector.catch_up()
            recorded_at = self._next_recorded_at()
            transaction = import_in_child if two_processes else import_transaction
            with collecting_less(), transaction(self, recorded_at) as store:
                return Recording(store, recorded_at).take_all(objects)

    def rebuild_read_model(self, progress: Progress | None = None,
                           on_wait: Callable[[], None] | None = None, *,
                           two_processes: bool = False) -> int:
        """Project every stored event again, queued behind any import under the writer lock.

        An import holds the database's write lock for its whole file: a rebuild
        started meanwhile would otherwise give up after SQLite's busy timeout.
        With ``two_processes`` a child process writes the rows while this one
        decodes the events (``ledger.writing``): faster for large ledgers on two
        cores or more, not worth its start-up for small ones.
        """
        rewrite = (partial(writing_in_child, "rebuild", self.location, fresh_read_model)
                   if two_processes else partial(fresh_read_model, self))
        with ledger_lock(self.location, WRITER, on_wait), collecting_less():
            return self.projector.rebuild(rewrite, progress)

    def stored_events(self) -> int:
        """How many events the ledger holds."""
        return self.projector.stored_events()

    def written_tables(self) -> list[str]:
        """Every table a bulk write grows: the event log, its chain and the read model."""
        return [self.recorder.events_table_name, CHAIN_TABLE,  # type: ignore[attr-defined]
                *(table.name for table in READ_MODEL_TABLES)]

    def _next_recorded_at(self) -> datetime:
        """Now, but never earlier than what is already recorded: recorded time only grows."""
        now, last = self.clock(), self.read_model.last_recorded_at()
        return max(now, last + timedelta(microseconds=1)) if last else now

    # Queries.

    def get_in_force(self, party: str, *, at: date, known_at: datetime) -> InForceAnswer:
        return self._answer(party, "target", at, known_at)

    def get_authority_list(self, authority: str, *, at: date,
                           known_at: datetime) -> InForceAnswer:
        return self._answer(authority, "authority", at, known_at)

    def _answer(self, party: str, role: str, at: date, known_at: datetime) -> InForceAnswer:
        with self.answering.connect() as conn:
            lookups = Lookups.within(conn)
            return lookups.answer(party, role, at=at, known_at=known_at,
                                  known_by=self._known_by(known_at, lookups))

    def _catch_up(self) -> None:
        """Apply new events before answering; a read-only role answers from the read model
        as the writers (who catch up after every import) left it."""
        if not self.read_only:
            self.projector.catch_up()

    def _known_by(self, known_at: datetime, lookups: Lookups | None = None) -> datetime:
        """Catch up as ``_catch_up`` does, then cap ``known_at`` at the last recorded time
        the read model holds whole.

        With nothing new (the usual case) that is one small read, on the
        answer's own connection if it has one.
        """
        with nullcontext(lookups) if lookups is not None else self.read_model.lookups() as reading:
            status = reading.status()
            if not self.read_only and status.lag > 0:
                self.projector.catch_up()
                status = reading.status()
        return status.cap(known_at)

    def screen(self, queries: Iterable[str], *, at: date,
               known_at: datetime) -> Iterator[Screened]:
        """Batch screening: each query (id, name or alias) with the sanctions in force
        against what it names; see ``ledger.screening``."""
        with self.answering.connect() as conn:
            lookups = Lookups.within(conn)
            yield from screen(lookups, queries, at=at, known_at=self._known_by(known_at, lookups))

    def find_parties(self, search: str | None = None) -> list[PartyEntry]:
        self._catch_up()
        return self.read_model.find_parties(search)

    def get_line(self, line_id: str) -> RecordedLine | None:
        self._catch_up()
        return self.read_model.get_line(line_id)

    def iter_events(self, batch: int = 1000) -> Iterator[DomainEventProtocol[UUID]]:
        """Every stored event in recorded order, decoded: the input of the pure fold."""
        position = 0
        while notifications := self.recorder.select_notifications(
                start=position, limit=batch, inclusive_of_start=False):
            yield from (self.mapper.to_domain_event(n) for n in notifications)
            position = notifications[-1].id

    def verify(self) -> ChainReport:
        """Recompute the hash chain over every stored event."""
        return check_chain(self.engine, self.recorder.events_table_name)  # type: ignore[attr-defined]

    def get_log(self, since: int = 0, limit: int | None = None) -> Iterator[LogEntry]:
        self._catch_up()
        return read_log(self.engine, since, limit)

    def export_lines(self) -> Iterator[str]:
        """The ledger as an interchange file: every line as filed, in recorded order.

        A comment marks each recorded time, so a reader of the export can still
        see when the ledger learnt each group of lines (re-import ignores it).
        """
        self._catch_up()
        yield "# sanctions-ledger export: interchange format version 1"
        last = None
        for line in self.read_model.iter_lines():
            if line.recorded_at != last:
                yield f"# recorded at {line.recorded_at.isoformat()}"
                last = line.recorded_at
            yield line.filed

    # Audit trail and reports (issue 3). Their modules load on first use, so that
    # commands which never ask for a history or a report do not import them.

    def get_history(self, party: str, *, known_at: datetime) -> History:
        """Everything the ledger holds about a party, in valid-time order."""
        from ledger.history import get_history

        return get_history(self.read_model, party, self._known_by(known_at))

    def get_diff(self, authority: str, *, start: date, end: date,
                 known_at: datetime) -> ListDiff:
        """What changed on an authority's list between two days, as known at one moment."""
        from ledger.history import get_diff

        return get_diff(self.read_model, authority, start, end, self._known_by(known_at))

    def get_replay(self, *, by: str, known_at: datetime, today: date,
                   start: date | None = None, end: date | None = None,
                   authority: str | None = None, at: date | None = None) -> Replay:
        """The ledger's story step by step, by valid or by recorded time."""
        from ledger.replay import Replay

        return Replay(self.read_model, by=by, known_at=self._known_by(known_at), start=start,
                      end=end, authority=authority, at=at, today=today)

    def get_report(self, party: str, *, at: date, known_at: datetime) -> EvidenceReport:
        """The evidence an auditor needs for one party's answer on one day."""
        from ledger.report.model import build_report

        return build_report(self, party, at, known_at)

    def get_crisis_report(self, *, start: date, end: date, known_at: datetime) -> CrisisReport:
        """Every sanction that started between two days, and what answered what."""
        from ledger.report.model import build_crisis

        return build_crisis(self, start, end, self._known_by(known_at))
