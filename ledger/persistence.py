"""Storage of events: eventsourcing's recorders, made tamper-evident and append-only.

eventsourcing stores each event as a row of ``stored_events`` and gives it a
position (its notification id) in the store's total order. It does nothing to
stop UPDATE or DELETE, so the recorders here add, in the same transaction as
each insert:

- a row of ``event_chain`` per event: ``sha256(previous hash, position,
  originator id, version, topic, state)``, so editing, removing, reordering or
  inserting any stored event breaks the chain from that position on;
- triggers that refuse UPDATE and DELETE on both tables.

``verify_chain`` recomputes the chain from the stored rows alone. The
PostgreSQL recorder lives in ``ledger.persistence_postgres`` so that a SQLite
ledger never imports psycopg.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, StoredEvent, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from sqlalchemy import Connection

GENESIS = "0" * 64
CHAIN_TABLE = "event_chain"
INSERT_CHUNK = 1000
_SELECT_HEAD = f"SELECT hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
_INSERT_LINKS = f"INSERT INTO {CHAIN_TABLE} (position, hash) VALUES (?, ?)"


class DateAsISO(Transcoding):
    """Legal dates travel as ``YYYY-MM-DD`` strings inside stored events."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, encoding through orjson: the same bytes, 3x faster.

    Encoding every event's state was a twentieth of an import. orjson hands
    dates and datetimes to the registered transcodings (passthrough), as the
    json module does, and writes the same compact UTF-8. It writes UUIDs
    natively where eventsourcing would tag them, but no event of ours holds a
    UUID in its state (originator ids are columns): tests/test_persistence.py
    compares the bytes of every event type with eventsourcing's own. Decoding
    is eventsourcing's: orjson has no hook to turn the tags back into objects.
    """

    _PASSTHROUGH = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
                    | orjson.OPT_PASSTHROUGH_DATACLASS)

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self._encode_obj, option=self._PASSTHROUGH)


def chain_hash(previous: str, position: int, originator_id: UUID | str, version: int,
               topic: str, state: bytes) -> str:
    """The hash of one stored event, chained to the hash of the one before it."""
    oid = originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
    head = f"{previous}\n{position}\n{oid}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(head + bytes(state)).hexdigest()


#: An event to store as the bulk path sends it: originator id (hex), version, topic, state.
#: A plain tuple: a batch crosses to the writing process, and eventsourcing's ``StoredEvent``
#: with its UUID pickled nine times slower (``ledger.importing``).
EventRow = tuple[str, int, str, bytes]


def event_row(stored: StoredEvent) -> EventRow:
    oid = stored.originator_id
    return (oid.hex if isinstance(oid, UUID) else oid, stored.originator_version, stored.topic,
            stored.state)


def chain_rows(previous: str, positions: Sequence[int],
               events: Sequence[EventRow]) -> list[tuple[int, str]]:
    rows = []
    for position, (originator_id, version, topic, state) in zip(positions, events, strict=True):
        previous = chain_hash(previous, position, originator_id, version, topic, state)
        rows.append((position, previous))
    return rows


def _immutability_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
        for verb in ("UPDATE", "DELETE")
    ]


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus the hash chain and append-only triggers."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} "
            "(position INTEGER PRIMARY KEY, hash TEXT NOT NULL)",
            *_immutability_triggers(self.events_table_name),
            *_immutability_triggers(CHAIN_TABLE),
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs) or []
        c.execute(_SELECT_HEAD)
        row = c.fetchone()
        c.executemany(_INSERT_LINKS,
                      chain_rows(row[0] if row else GENESIS, positions,
                                 [event_row(e) for e in stored_events]))
        return positions

    # The bulk path: an import's events, chain and read-model rows in ONE transaction
    # of the read model's connection (see ``ledger.importing``).

    def append_within(self, conn: Connection, events: Sequence[EventRow]) -> list[int]:
        """Insert events and their chain links on ``conn``; return their positions.

        The rows are numbered here (one past the last rowid, which is what
        eventsourcing's own inserts get) so that a whole batch goes in one
        ``executemany`` instead of one ``execute`` per event to read ``lastrowid``.
        The caller holds the ledger's writer lock and SQLite's write lock.
        """
        table = self.events_table_name
        last = self.last_position_within(conn)
        positions = list(range(last + 1, last + 1 + len(events)))
        conn.exec_driver_sql(
            f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            [(position, *event) for position, event in zip(positions, events, strict=True)])
        head = conn.exec_driver_sql(_SELECT_HEAD).scalar()
        conn.exec_driver_sql(_INSERT_LINKS, chain_rows(head or GENESIS, positions, events))
        return positions

    def last_position_within(self, conn: Connection) -> int:
        """The last stored position as ``conn`` sees it (eventsourcing's own statement)."""
        return conn.exec_driver_sql(self.select_max_notification_id_statement).scalar() or 0

    def select_within(self, conn: Connection, originator_ids: Sequence[UUID],
                      before: int | None = None) -> list[StoredEvent]:
        """The stored events of these originators (stored before position ``before``, if
        given), as ``conn`` sees them, in version order."""
        found: list[StoredEvent] = []
        for start in range(0, len(originator_ids), 900):
            chunk = [i.hex for i in originator_ids[start:start + 900]]
            rows = conn.exec_driver_sql(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {self.events_table_name} WHERE originator_id IN "
                f"({', '.join('?' * len(chunk))}) AND rowid < ? "
                "ORDER BY originator_id, originator_version",
                (*chunk, before or 2**62)).all()
            found += [StoredEvent(UUID(oid), version, topic, bytes(state))
                      for oid, version, topic, state in rows]
        return found


@dataclass(frozen=True)
class ChainReport:
    """What ``verify`` found: how many events hash correctly, the head, the first fault."""

    events: int
    head: str
    bad_position: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.bad_position is None


StoredRow = tuple[int, str, int, str, bytes]  # position, originator id, version, topic, state


def verify_chain(events: Iterable[StoredRow], chain: Iterable[tuple[int, str]]) -> ChainReport:
    """Recompute the chain over the stored events, both iterables in position order."""
    previous, count = GENESIS, 0
    chain_iter = iter(chain)
    for position, oid, version, topic, state in events:
        link = next(chain_iter, None)
        if link is None or link[0] != position:
            where = position if link is None else min(position, link[0])
            return ChainReport(count, previous, where, "the events and their chain disagree "
                               "(an event was inserted, removed or reordered)")
        expected = chain_hash(previous, position, oid, version, topic, state)
        if link[1] != expected:
            return ChainReport(count, previous, position,
                               "the event's content does not match its recorded hash")
        previous, count = expected, count + 1
    extra = next(chain_iter, None)
    if extra is not None:
        return ChainReport(count, previous, extra[0],
                           "a chained event is missing from the store (removed)")
    return ChainReport(count, previous)


def iter_stored_rows(cursor: Any, events_sql: str, batch: int = 5000) -> Iterator[Any]:
    """Stream a large SELECT in batches so that verifying a big ledger stays small in memory."""
    cursor.execute(events_sql)
    while rows := cursor.fetchmany(batch):
        yield from rows
