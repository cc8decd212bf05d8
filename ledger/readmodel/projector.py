"""Keeps the read model caught up with the event log, exactly once.

Each batch of notifications is applied in one read-model transaction that
first moves the tracked position from the value it read to the batch's last
position (``UPDATE ... WHERE position = :read``). Whoever loses that race, a
second projector or a crashed one, writes nothing and retries: no event is
ever applied twice, and a crash leaves the position at the last whole batch.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from ledger.domain import Party, Sanction
from ledger.fold import spans_in_force
from ledger.interchange import referenced_ids
from ledger.names import fold_name, lower_name
from ledger.readmodel.schema import (
    READ_MODEL_TABLES,
    line_refs,
    parties,
    party_names,
    projection_position,
    recorded_lines,
    sanction_spans,
)

PROJECTION = "sanctions"
Progress = Callable[[int, int], None]


class Projector:
    """Applies stored events to the read-model tables, in position order."""

    def __init__(self, app: Application[UUID], engine: Engine, batch_size: int = 2000,
                 cache_size: int = 20000):
        self.app = app
        self.engine = engine
        self.batch_size = batch_size
        self._sanctions: OrderedDict[UUID, Sanction] = OrderedDict()
        self._cache_size = cache_size

    def position(self) -> int:
        with self.engine.connect() as conn:
            return _read_position(conn)

    def complete_until(self) -> datetime | None:
        """The latest recorded time whose events are all applied (queries cap known_at here)."""
        with self.engine.connect() as conn:
            return conn.execute(select(projection_position.c.complete_until)
                                .where(projection_position.c.name == PROJECTION)).scalar()

    def lag(self) -> int:
        """How many stored events the read model has not applied yet."""
        return (self.app.recorder.max_notification_id() or 0) - self.position()

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every event recorded after the tracked position; return how many."""
        applied, total = 0, self.lag()
        if total <= 0:  # the common case before every query: nothing new, two reads only
            return 0
        while True:
            start = self.position()
            batch = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size, inclusive_of_start=False)
            if not batch:
                return applied
            if self._apply_batch(start, batch):
                applied += len(batch)
                if progress:
                    progress(applied, max(total, applied))

    def apply_recorded(self, recordings: Sequence[Any],
                       progress: Progress | None = None) -> int:
        """Project events this process has just saved from the objects in hand.

        Reading them back and decoding them again was a fifth of import time.
        Each batch is applied only if nothing else is stored between the tracked
        position and it (otherwise, or for whatever is left, ``catch_up``), and
        under the same position claim, so the outcome is what ``catch_up`` gives.
        """
        applied = 0
        for first in range(0, len(recordings), self.batch_size):
            piece = recordings[first:first + self.batch_size]
            start = self.position()
            following = self.app.recorder.select_notifications(
                start=start, limit=1, inclusive_of_start=False)
            batch = [r.notification for r in piece]
            if not following or following[0].id != batch[0].id or not self._apply_batch(
                    start, batch, [r.domain_event for r in piece]):
                break
            applied += len(piece)
            if progress:
                progress(applied, len(recordings))
        return applied + self.catch_up(progress)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Forget every projected row and project the whole log again from the events alone."""
        with self.engine.begin() as conn:
            for table in reversed(READ_MODEL_TABLES):
                conn.execute(delete(table))
            conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
        self._sanctions.clear()
        return self.catch_up(progress)

    def _apply_batch(self, start: int, batch: Sequence[Notification],
                     events: list[DomainEventProtocol[UUID]] | None = None) -> bool:
        if events is None:
            events = [self.app.mapper.to_domain_event(n) for n in batch]
        watermark = self._complete_after(batch, events)
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(projection_position)
                .where(projection_position.c.name == PROJECTION,
                       projection_position.c.position == start)
                .values(position=batch[-1].id, **watermark))
            if claimed.rowcount != 1:
                self._sanctions.clear()  # another projector moved on: our cache may be stale
                return False
            _BatchWriter(conn, self).write([n.id for n in batch], events)
        return True

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


def _read_position(conn: Connection) -> int:
    found = conn.execute(select(projection_position.c.position)
                         .where(projection_position.c.name == PROJECTION)).scalar()
    if found is None:
        conn.execute(insert(projection_position).values(name=PROJECTION, position=0))
        conn.commit()
        return 0
    return int(found)


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) through the driver's own executemany.

    SQLAlchemy's executemany processes each parameter of each row in Python, a
    fifth of projection time in bench/; here each column's bind processor (the
    same one SQLAlchemy would use, so the stored values are identical) is
    looked up once per batch.
    """
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    keys = compiled.positiontup if compiled.positional else list(rows[0])
    convert = [(key, table.c[key].type._cached_bind_processor(dialect)) for key in keys]
    if compiled.positional:
        values: list[Any] = [tuple(p(row[k]) if p else row[k] for k, p in convert)
                             for row in rows]
    else:
        values = [{k: p(row[k]) if p else row[k] for k, p in convert} for row in rows]
    conn.exec_driver_sql(compiled.string, values)


class _BatchWriter:
    """Turns one batch of events into bulk inserts, and one span rewrite per sanction."""

    def __init__(self, conn: Connection, projector: Projector):
        self.conn = conn
        self.projector = projector
        self.rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in (
            recorded_lines, line_refs, parties, party_names)}
        self.spans: dict[str, list[dict[str, Any]]] = {}
        self.dirty: dict[UUID, tuple[Sanction, datetime]] = {}
        self.fresh: set[UUID] = set()

    def write(self, positions: list[int], events: list[DomainEventProtocol[UUID]]) -> None:
        for position, event in zip(positions, events, strict=True):
            self._line(position, event)
        for sanction, recorded_at in self.dirty.values():
            self._respan(sanction, recorded_at)
        self.rows[sanction_spans] = [row for rows in self.spans.values() for row in rows]
        for table, rows in self.rows.items():
            if rows:
                bulk_insert(self.conn, table, rows)

    def _line(self, position: int, event: Any) -> None:
        filed = json.loads(event.filed)
        self.rows[recorded_lines].append({
            "position": position, "line_id": event.line_id, "type": event.line_type,
            "recorded_at": event.timestamp, "filed": event.filed,
            "sources": json.dumps(event.sources),
            "record_id": filed.get("sanction") or filed.get("party") or event.line_id,
        })
        self.rows[line_refs].extend(
            {"ref_id": ref, "position": position} for ref in referenced_ids(filed))
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
        self.dirty[key] = (self.projector.sanction_after(event), event.timestamp)

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
            "measures": json.dumps(span.measures), "program": terms.program,
            "legal_basis": terms.legal_basis, "effective_from": terms.effective_from,
            "effective_until": span.effective_until, "evidence": json.dumps(span.evidence),
        } for span in spans_in_force(sanction))

    def _close_spans(self, sanction_id: str, recorded_at: datetime) -> None:
        # Spans this batch has not inserted yet are closed the same way, in memory.
        for row in self.spans.get(sanction_id, []):
            if row["recorded_until"] is None:
                row["recorded_until"] = recorded_at
        self.spans[sanction_id] = [row for row in self.spans.get(sanction_id, [])
                                   if row["recorded_from"] != row["recorded_until"]]
        spans = sanction_spans.c
        current = (spans.sanction_id == sanction_id) & spans.recorded_until.is_(None)
        self.conn.execute(delete(sanction_spans)
                          .where(current & (spans.recorded_from == recorded_at)))
        self.conn.execute(update(sanction_spans).where(current)
                          .values(recorded_until=recorded_at))
