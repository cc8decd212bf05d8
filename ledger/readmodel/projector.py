"""Keeps the read model caught up with the event log, exactly once.

Each batch of notifications is applied in one read-model transaction that
first moves the tracked position from the value it read to the batch's last
position (``UPDATE ... WHERE position = :read``). Whoever loses that race, a
second projector or a crashed one, writes nothing and retries: no event is
ever applied twice, and a crash leaves the position at the last whole batch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Executable,
    Table,
    any_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from ledger.domain import Party, Sanction
from ledger.errors import ConflictError
from ledger.fold import spans_in_force
from ledger.interchange import referenced_ids
from ledger.names import fold_name, lower_name
from ledger.readmodel.database import SecondaryIndexes
from ledger.readmodel.lookups import PROJECTION, Lookups, ProjectionStatus, chunks
from ledger.readmodel.schema import (
    READ_MODEL_TABLES,
    line_refs,
    parties,
    party_names,
    projection_position,
    recorded_lines,
    sanction_spans,
)

Progress = Callable[[int, int], None]


class Projector:
    """Applies stored events to the read-model tables, in position order."""

    def __init__(self, app: Application[UUID], engine: Engine, batch_size: int = 10000,
                 cache_size: int = 20000):
        self.app = app
        self.engine = engine
        self.batch_size = batch_size
        self._sanctions: OrderedDict[UUID, Sanction] = OrderedDict()
        self._cache_size = cache_size

    def position(self) -> int:
        with self.engine.connect() as conn:
            return _read_position(conn)

    def status(self, conn: Connection) -> ProjectionStatus:
        """Where the read model stands against the store, as ``conn`` sees both."""
        return Lookups.within(conn).status()

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

    def rebuild(self, progress: Progress | None = None) -> int:
        """Forget every projected row and project the whole log again from the events
        alone, in ONE transaction.

        Readers keep the old read model until the new one commits: in separate
        transactions, a screening during a rebuild read an emptied model and
        found nobody sanctioned. A rebuild killed mid-way leaves the old one.
        """
        self._sanctions.clear()
        applied, start = 0, 0
        with self.engine.begin() as conn:
            for table in reversed(READ_MODEL_TABLES):
                conn.execute(delete(table))
            conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
            secondary_indexes = SecondaryIndexes(conn)
            secondary_indexes.drop()
            total = self.status(conn).last_stored
            while batch := self._batch_after(start):
                if not self._apply_batch(conn, start, batch):  # the row is ours until commit
                    raise ConflictError("the read model's position moved during the rebuild; "
                                        "nothing was changed, re-run it")
                applied, start = applied + len(batch), batch[-1].id
                if progress:
                    progress(applied, max(total, applied))
            secondary_indexes.build()
        return applied

    def _batch_after(self, start: int) -> list[Notification]:
        return self.app.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False)

    def _apply_batch(self, conn: Connection, start: int, batch: Sequence[Notification]) -> bool:
        """Project ``batch`` on ``conn`` if the position is still ``start``; False (nothing
        written) if another projector moved it first."""
        events = [self.app.mapper.to_domain_event(n) for n in batch]
        if not claim_position(conn, start, batch[-1].id, **self._complete_after(batch, events)):
            self._sanctions.clear()  # another projector moved on: our cache may be stale
            return False
        self._load_sanctions(conn, batch[0].id, events)
        write_projection(conn, [n.id for n in batch], events, self.sanction_after)
        return True

    def _load_sanctions(self, conn: Connection, first: int,
                        events: Sequence[DomainEventProtocol[UUID]]) -> None:
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
        self._sanctions.update(fold_records(self.app, conn, missing, before=first))

    # -- watermark: readers never see half a file (revision 0002) --------------------------

    def _complete_after(self, batch: Sequence[Notification],
                        events: list[DomainEventProtocol[UUID]]) -> dict[str, datetime]:
        """The ``complete_until`` this batch advances to, if it completes any recorded time.

        A file is saved in one transaction at one recorded time, so its events are
        contiguous and all visible at once; but a batch may stop inside one. Peek at
        the next notification: if there is none, or it has another time, the batch's
        last time is complete; otherwise only the latest earlier time in the batch is.
        Memory stays bounded by the batch, whatever the size of the file.
        """
        last = events[-1].timestamp
        after = self.app.recorder.select_notifications(
            start=batch[-1].id, limit=1, inclusive_of_start=False)
        if not after or self.app.mapper.to_domain_event(after[0]).timestamp != last:
            return {"complete_until": last}
        earlier = [e.timestamp for e in events if e.timestamp != last]
        return {"complete_until": max(earlier)} if earlier else {}

    # -- end watermark ------------------------------------------------------------------------

    def sanction_after(self, event: DomainEventProtocol[UUID]) -> Sanction:
        """The sanction as it stands once ``event`` is applied (cached between events)."""
        sanction = self._sanctions.pop(event.originator_id, None)
        previous = event.originator_version - 1
        stale = sanction is None or sanction.version != previous  # another process moved on
        if stale and not isinstance(event, Sanction.Created):
            sanction = self.app.repository.get(event.originator_id, version=previous)
        sanction = event.mutate(sanction)
        self._sanctions[event.originator_id] = sanction
        if len(self._sanctions) > self._cache_size:
            self._sanctions.popitem(last=False)
        return sanction


def fold_records(app: Application[UUID], conn: Connection, record_ids: Sequence[UUID],
                 before: int | None = None) -> dict[UUID, Any]:
    """Records folded from their stored events as ``conn`` sees them (only events stored
    before position ``before``, if given): one query for all of them."""
    found: dict[UUID, Any] = {}
    for stored in app.recorder.select_within(conn, record_ids, before=before):  # type: ignore[attr-defined]
        event = app.mapper.to_domain_event(stored)
        found[stored.originator_id] = event.mutate(found.get(stored.originator_id))
    return found


def claim_position(conn: Connection, read: int, new: int, **watermark: datetime) -> bool:
    """Move the tracked position from ``read`` to ``new`` in ``conn``'s transaction.

    False if another projector moved it first: the caller must then write nothing.
    """
    claimed = conn.execute(update(projection_position)
                           .where(projection_position.c.name == PROJECTION,
                                  projection_position.c.position == read)
                           .values(position=new, **watermark))
    return claimed.rowcount == 1


def write_projection(conn: Connection, positions: list[int],
                     events: Sequence[DomainEventProtocol[UUID]],
                     sanction_after: Callable[[Any], Sanction]) -> None:
    """Write the read-model rows of these events (at these positions) on ``conn``.

    ``sanction_after(event)`` is the sanction as it stands after the event: the
    projector folds it from the log; an import has it in hand.
    """
    write_planned(conn, positions, plan_projection(events, sanction_after, conn.dialect))


@dataclass
class PlannedRows:
    """A batch's read-model rows, worked out from its events alone, without the database.

    Values are already in the driver's form. A row's position is the index of
    its event in the batch until ``write_planned`` learns the positions the
    store gave the events: an import plans in one process and writes in
    another (``ledger.importing``), and PostgreSQL draws positions only then.
    """

    inserts: list[tuple[str, list[str], list[tuple[Any, ...]]]]  # table, columns, rows
    closing: dict[datetime, list[str]]  # stored spans to close, by recorded time


def plan_projection(events: Sequence[DomainEventProtocol[UUID]],
                    sanction_after: Callable[[Any], Sanction], dialect: Dialect) -> PlannedRows:
    return _BatchPlanner(sanction_after).plan(events, dialect)


def write_planned(conn: Connection, positions: list[int], planned: PlannedRows) -> None:
    """Close the stored spans the batch supersedes, then insert its rows."""
    _close_stored_spans(conn, planned.closing)
    for table, columns, rows in planned.inserts:
        if "position" in columns:
            at = columns.index("position")
            rows = [(*row[:at], positions[row[at]], *row[at + 1:]) for row in rows]
        _insert(conn, table, columns, rows)


_POSITION = select(projection_position.c.position).where(
    projection_position.c.name == PROJECTION)


def _read_position(conn: Connection) -> int:
    found = conn.execute(_POSITION).scalar()
    if found is None:
        conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
        conn.commit()
        return 0
    return int(found)


def _insert(conn: Connection, table: str, columns: list[str],
            rows: list[tuple[Any, ...]]) -> None:
    """Insert bound rows through the driver: one executemany on SQLite, COPY on PostgreSQL."""
    if conn.dialect.name == "postgresql":  # COPY: one stream instead of a statement per row
        with conn.connection.driver_connection.cursor() as curs, curs.copy(  # type: ignore[union-attr]
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", rows)


def _bound_values(table: Table, rows: list[dict[str, Any]], keys: Sequence[str],
                  dialect: Dialect) -> list[tuple[Any, ...]]:
    """The rows as tuples in ``keys`` order, each value through its column's bind processor.

    SQLAlchemy's executemany processes each parameter of each row in Python, a
    fifth of projection time in bench/; here each column's bind processor (the
    same one SQLAlchemy would use, so the stored values are identical) runs
    once per distinct value of the batch (an import's rows share one recorded
    time, and dates repeat).
    """
    columns = []
    for key in keys:
        column = [row[key] for row in rows]
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converted = {value: process(value) for value in set(column)}
            column = [converted[value] for value in column]
        columns.append(column)
    return list(zip(*columns, strict=True))


class _BatchPlanner:
    """Turns one batch of events into rows, and one span rewrite per sanction."""

    def __init__(self, sanction_after: Callable[[Any], Sanction]):
        self.sanction_after = sanction_after
        self.rows: dict[Table, list[dict[str, Any]]] = {t: [] for t in (
            recorded_lines, line_refs, parties, party_names)}
        self.spans: dict[str, list[dict[str, Any]]] = {}
        self.dirty: dict[UUID, tuple[Sanction, datetime]] = {}
        self.fresh: set[UUID] = set()
        self.closing: dict[datetime, list[str]] = {}  # stored spans to close, by time

    def plan(self, events: Sequence[DomainEventProtocol[UUID]], dialect: Dialect) -> PlannedRows:
        for index, event in enumerate(events):
            self._line(index, event)
        for sanction, recorded_at in self.dirty.values():
            self._respan(sanction, recorded_at)
        self.rows[sanction_spans] = [row for rows in self.spans.values() for row in rows]
        inserts = [(table.name, list(rows[0]), _bound_values(table, rows, list(rows[0]), dialect))
                   for table, rows in self.rows.items() if rows]
        return PlannedRows(inserts, self.closing)

    def _line(self, index: int, event: Any) -> None:
        """The event's line, references, party and names (``position`` holds ``index``
        until ``write_planned``)."""
        filed = orjson.loads(event.filed)
        self.rows[recorded_lines].append({
            "position": index, "line_id": event.line_id, "type": event.line_type,
            "recorded_at": event.timestamp, "filed": event.filed,
            "sources": _json(event.sources),
            "record_id": filed.get("sanction") or filed.get("party") or event.line_id,
        })
        self.rows[line_refs].extend(
            {"ref_id": ref, "position": index} for ref in referenced_ids(filed))
        if isinstance(event, Party.Registered):
            self.rows[parties].append({"party_id": event.line_id, "kind": event.kind,
                                       "name": event.name, "country": event.country})
            self._names(event.line_id, [event.name, *event.aliases])
        elif isinstance(event, Party.AliasAdded):
            self._names(filed["party"], [event.name])
        elif isinstance(event, Sanction.Event):
            self._sanction_event(event)

    def _names(self, party_id: str, names: list[str]) -> None:
        self.rows[party_names].extend(
            {"party_id": party_id, "name": n, "lowered": lower_name(n), "folded": fold_name(n)}
            for n in names)

    def _sanction_event(self, event: Any) -> None:
        """Rewrite a sanction's spans once per recorded time, not once per event."""
        key = event.originator_id
        pending = self.dirty.get(key)
        if pending and pending[1] != event.timestamp:
            self._respan(*pending)
        if isinstance(event, Sanction.Created):
            self.fresh.add(key)
        self.dirty[key] = (self.sanction_after(event), event.timestamp)

    def _respan(self, sanction: Sanction, recorded_at: datetime) -> None:
        """Close the sanction's current spans at ``recorded_at`` and open its new ones."""
        if sanction.id in self.fresh:
            self.fresh.discard(sanction.id)
        else:
            self._close_spans(sanction.line_id, recorded_at)
        terms = sanction.terms
        self.spans.setdefault(sanction.line_id, []).extend({
            "sanction_id": sanction.line_id, "recorded_from": recorded_at,
            "recorded_until": None, "valid_from": span.valid_from,
            "valid_until": span.valid_until, "kind": sanction.kind,
            "authority": terms.authority, "target": terms.target,
            "measures": _json(span.measures), "program": terms.program,
            "legal_basis": terms.legal_basis, "effective_from": terms.effective_from,
            "effective_until": span.effective_until, "evidence": _json(span.evidence),
        } for span in spans_in_force(sanction))

    def _close_spans(self, sanction_id: str, recorded_at: datetime) -> None:
        # Spans this batch has not inserted yet are closed the same way, in memory.
        for row in self.spans.get(sanction_id, []):
            if row["recorded_until"] is None:
                row["recorded_until"] = recorded_at
        self.spans[sanction_id] = [row for row in self.spans.get(sanction_id, [])
                                   if row["recorded_from"] != row["recorded_until"]]
        self.closing.setdefault(recorded_at, []).append(sanction_id)



def _close_stored_spans(conn: Connection, closing: dict[datetime, list[str]]) -> None:
    """Close stored current spans, two statements per recorded time and chunk of ids.

    Run in recorded-time order and before the batch's rows are inserted, so
    only spans of earlier batches are touched. Spans opened at the same
    recorded time (an earlier batch of the same file) are replaced, not closed.
    """
    for recorded_at, ids in closing.items():
        for chunk in chunks(ids):
            for statement in (_DROP_REPLACED_SPANS, _CLOSE_SPANS):
                conn.execute(statement.on(conn), {"ids": chunk, "at": recorded_at})


def _json(value: list[str]) -> str:
    """A list column's text (compact: read back with json.loads, like the spaced
    text older versions wrote)."""
    return orjson.dumps(value).decode()


Among = Callable[[Any, str], ColumnElement[bool]]  # (column, list parameter) -> condition


Statement = TypeVar("Statement", bound=Executable)


class AmongList(Generic[Statement]):
    """A statement over a list parameter, built once per backend.

    SQLite gets an expanding ``IN (?, ?, ...)``. PostgreSQL gets ``= ANY(:list)``,
    one array parameter: psycopg converts a query's placeholders in Python and
    caches only short queries, so a 900-placeholder IN list was converted
    afresh on every call (a tenth of a PostgreSQL import's time).
    """

    def __init__(self, build: Callable[[Among], Statement]):
        self.sqlite = build(lambda column, name: column.in_(bindparam(name, expanding=True)))
        self.postgresql = build(
            lambda column, name: column == any_(bindparam(name, type_=ARRAY(column.type))))

    def on(self, conn: Connection) -> Statement:
        return self.postgresql if conn.dialect.name == "postgresql" else self.sqlite


def _current_spans(among: Among) -> ColumnElement[bool]:
    """The open spans (not yet superseded) of the sanctions in the list ``ids``."""
    return among(sanction_spans.c.sanction_id, "ids") & sanction_spans.c.recorded_until.is_(None)


# Built once, per backend (``AmongList``): run for every batch of an import or rebuild.
_DROP_REPLACED_SPANS = AmongList(lambda among: delete(sanction_spans).where(
    _current_spans(among), sanction_spans.c.recorded_from == bindparam("at")))
_CLOSE_SPANS = AmongList(lambda among: update(sanction_spans).where(
    _current_spans(among)).values(recorded_until=bindparam("at")))
