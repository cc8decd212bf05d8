"""Keeps the read model caught up with the event log, exactly once.

Each batch of notifications is applied in one read-model transaction that
first moves the tracked position from the value it read to the batch's last
position (``UPDATE ... WHERE position = :read``). Whoever loses that race, a
second projector or a crashed one, writes nothing and retries: no event is
ever applied twice, and a crash leaves the position at the last whole batch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification, StoredEvent
from sqlalchemy import Connection, Engine, delete, insert, select, update

from ledger.domain.aggregates import Sanction
from ledger.errors import ConflictError
from ledger.read.database import SecondaryIndexes
from ledger.read.reader import Reader
from ledger.read.rows import PlannedBatch, lines_of, plan_spans, write_rows
from ledger.read.schema import READ_MODEL_TABLES, projection_position
from ledger.read.sql import PROJECTION, ProjectionStatus

Progress = Callable[[int, int], None]


class EventSource(Protocol):
    """What the projector reads of the event store (``ledger.store.events.EventLog``)."""

    def notifications_after(self, position: int, limit: int) -> list[Notification]: ...

    def to_domain_event(self, stored: StoredEvent) -> Aggregate.Event: ...

    def fold_within(self, conn: Connection, record_ids: Sequence[UUID],
                    before: int | None = None) -> dict[UUID, Any]: ...

    def record_at(self, record_id: UUID, version: int) -> Any: ...


class BatchWriter(Protocol):
    """What holds a bulk write's open transaction: it takes one planned batch at a time."""

    def write(self, batch: Any) -> None: ...


class Projector:
    """Applies stored events to the read-model tables, in position order."""

    def __init__(self, events: EventSource, engine: Engine, batch_size: int = 10000,
                 cache_size: int = 20000):
        self.events = events
        self.engine = engine
        self.batch_size = batch_size
        self._sanctions: OrderedDict[UUID, Sanction] = OrderedDict()
        self._cache_size = cache_size

    def position(self) -> int:
        return read_position(self.engine)

    def status(self, conn: Connection) -> ProjectionStatus:
        """Where the read model stands against the store, as ``conn`` sees both."""
        return Reader.within(conn).status()

    def stored_events(self) -> int:
        """How many events the store holds (its last position)."""
        with self.engine.connect() as conn:
            return self.status(conn).last_stored

    def lag(self) -> int:
        """How many stored events the read model has not applied yet."""
        with self.engine.connect() as conn:
            return self.status(conn).lag

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every event recorded after the tracked position, a transaction per batch;
        return how many."""
        applied, total = 0, self.lag()
        if total <= 0:  # the common case before every query: nothing new, two reads only
            return 0
        while batch := self._batch_after(start := self.position()):
            with self.engine.begin() as conn:
                if not self._apply_batch(conn, start, batch):
                    continue
            applied += len(batch)
            if progress:
                progress(applied, max(total, applied))
        return applied

    def rebuild(self, rewrite: Callable[[], AbstractContextManager[BatchWriter]],
                progress: Progress | None = None) -> int:
        """Project every stored event again, from the events alone, into a fresh read model
        that ``rewrite()`` opens (``fresh_read_model``, here or in a child process).

        This process decodes the events and folds the sanctions; the writer plans
        each line's rows and writes them. The stored events do not change
        meanwhile: the caller holds the writer lock.
        """
        self._sanctions.clear()
        applied, start = 0, 0
        with rewrite() as writer, self.engine.connect() as reading:
            total = self.status(reading).last_stored
            while batch := self._batch_after(start):
                events = [self.events.to_domain_event(n) for n in batch]
                writer.write(self._planned(reading, batch, events))
                applied, start = applied + len(batch), batch[-1].id
                if progress:
                    progress(applied, max(total, applied))
        return applied

    def _batch_after(self, start: int) -> list[Notification]:
        return self.events.notifications_after(start, self.batch_size)

    def _apply_batch(self, conn: Connection, start: int, batch: Sequence[Notification]) -> bool:
        """Project ``batch`` on ``conn`` if the position is still ``start``; False (nothing
        written) if another projector moved it first."""
        events = [self.events.to_domain_event(n) for n in batch]
        if not claim_position(conn, start, batch[-1].id, **self._complete_after(batch, events)):
            self._sanctions.clear()  # another projector moved on: our cache may be stale
            return False
        write_rows(conn, [n.id for n in batch], self._planned(conn, batch, events))
        return True

    def _planned(self, conn: Connection, batch: Sequence[Notification],
                 events: Sequence[Aggregate.Event]) -> PlannedBatch:
        """The batch's rows, planned from the sanctions it changes (loaded through ``conn``
        where not cached)."""
        self._load_sanctions(conn, batch[0].id, events)
        return PlannedBatch(lines_of(events), plan_spans(events, self.sanction_after,
                                                         conn.dialect),
                            positions=[n.id for n in batch])

    def _load_sanctions(self, conn: Connection, first: int,
                        events: Sequence[Aggregate.Event]) -> None:
        """Fold, with one query, the sanctions this batch changes that the cache lacks.

        Each is loaded as it stood before the batch (its events stored before
        position ``first``). One repository read per sanction made a rebuild of a
        large ledger, whose sanctions outnumber the cache, crawl. Every sanction
        the batch changes becomes the most recently used, so that the sanctions
        the batch creates cannot push one out before its turn (it was then read
        back alone, through the repository).
        """
        before: dict[UUID, int] = {}
        for event in events:
            if isinstance(event, Sanction.Event):
                before.setdefault(event.originator_id, event.originator_version - 1)
        for sanction_id in before.keys() & self._sanctions.keys():
            self._sanctions.move_to_end(sanction_id)
        missing = [i for i, version in before.items() if version > 0 and getattr(
            self._sanctions.get(i), "version", None) != version]
        self._sanctions.update(self.events.fold_within(conn, missing, before=first))

    # Watermark: readers never see half a file.

    def _complete_after(self, batch: Sequence[Notification],
                        events: list[Aggregate.Event]) -> dict[str, datetime]:
        """The ``complete_until`` this batch advances to, if it completes any recorded time.

        A file is saved in one transaction at one recorded time, so its events are
        contiguous and all visible at once; but a batch may stop inside one. Peek at
        the next notification: if there is none, or it has another time, the batch's
        last time is complete; otherwise only the latest earlier time in the batch is.
        Memory stays bounded by the batch, whatever the size of the file.
        """
        last = events[-1].timestamp
        after = self.events.notifications_after(batch[-1].id, 1)
        if not after or self.events.to_domain_event(after[0]).timestamp != last:
            return {"complete_until": last}
        earlier = [e.timestamp for e in events if e.timestamp != last]
        return {"complete_until": max(earlier)} if earlier else {}

    def sanction_after(self, event: Aggregate.Event) -> Sanction:
        """The sanction as it stands once ``event`` is applied (cached between events)."""
        sanction = self._sanctions.pop(event.originator_id, None)
        previous = event.originator_version - 1
        stale = sanction is None or sanction.version != previous  # another process moved on
        if stale and not isinstance(event, Sanction.Created):
            sanction = self.events.record_at(event.originator_id, previous)
        sanction = event.mutate(sanction)
        assert isinstance(sanction, Sanction)  # a sanction's events never delete it
        self._sanctions[event.originator_id] = sanction
        if len(self._sanctions) > self._cache_size:
            self._sanctions.popitem(last=False)
        return sanction


def claim_position(conn: Connection, read: int, new: int, **watermark: datetime) -> bool:
    """Move the tracked position from ``read`` to ``new`` in ``conn``'s transaction.

    False if another projector moved it first: the caller must then write nothing.
    """
    claimed = conn.execute(update(projection_position)
                           .where(projection_position.c.name == PROJECTION,
                                  projection_position.c.position == read)
                           .values(position=new, **watermark))
    return claimed.rowcount == 1


class ReadModelRewrite:
    """A rebuild's one transaction: the batches' rows, then the position they reach."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.last = 0  # the position of the last event written
        self.complete_until: datetime | None = None

    def write(self, batch: PlannedBatch) -> None:
        write_rows(self.conn, batch.positions, batch)
        # A file's events are stored at once: every recorded time up to the last is complete.
        self.last, self.complete_until = batch.positions[-1], batch.recorded_until


@contextmanager
def fresh_read_model(engine: Engine) -> Iterator[ReadModelRewrite]:
    """Forget every projected row and write the read model again, in ONE transaction.

    Readers keep the old read model until the new one commits: in separate
    transactions, a screening during a rebuild read an emptied model and
    found nobody sanctioned. A rebuild killed mid-way leaves the old one.
    """
    with engine.begin() as conn:
        for table in reversed(READ_MODEL_TABLES):
            conn.execute(delete(table))
        conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
        secondary_indexes = SecondaryIndexes(conn)
        secondary_indexes.drop()
        rewrite = ReadModelRewrite(conn)
        yield rewrite
        secondary_indexes.build()
        if rewrite.complete_until is not None and not claim_position(  # None: no events
                conn, 0, rewrite.last, complete_until=rewrite.complete_until):
            raise ConflictError("the read model's position moved during the rebuild; "
                                "nothing was changed, re-run it")


_POSITION = select(projection_position.c.position).where(
    projection_position.c.name == PROJECTION)


def read_position(engine: Engine) -> int:
    """The tracked position (set to 0 if the read model has none yet)."""
    with engine.connect() as conn:
        found = conn.execute(_POSITION).scalar()
        if found is None:
            conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
            conn.commit()
            return 0
        return int(found)


