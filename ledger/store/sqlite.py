"""The SQLite recorder: eventsourcing's, plus the hash chain and append-only triggers.

eventsourcing stores each event as a row of ``stored_events`` and gives it a
position (its notification id) in the store's total order. It does nothing to
stop UPDATE or DELETE, so the recorders here add, in the same transaction as
each insert, a link of the hash chain (``ledger.store.chain``) and a leaf of
the Merkle tree (``ledger.store.logtree``) per event, and triggers that
refuse UPDATE and DELETE on every table of the log (``ledger.store.tables``).
The PostgreSQL recorder lives in ``ledger.store.postgres`` so that a SQLite
ledger never imports psycopg.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from sqlalchemy import Connection

from ledger.store.chain import EventRow, event_row
from ledger.store.logtree import SQLNodeStore, append_links, connection_store
from ledger.store.tables import APPEND_ONLY, sqlite_tables, sqlite_triggers


def cursor_store(c: SQLiteCursor) -> SQLNodeStore:
    """The tree as eventsourcing's cursor sees it, in the transaction it inserts in."""
    def query(sql: str, params: Sequence[Any]) -> Any:
        c.execute(sql, params)
        return c.fetchall()

    return SQLNodeStore(query, c.executemany)




class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, plus the hash chain and append-only triggers."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *sqlite_tables(),
            *(trigger for table in (self.events_table_name, *APPEND_ONLY)
              for trigger in sqlite_triggers(table)),
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs) or []
        append_links(cursor_store(c), positions, [event_row(e) for e in stored_events])
        return positions

    # The bulk path: an import's events, chain and read-model rows in ONE transaction
    # of the read model's connection (see ``ledger.write.bulk``).

    def append_within(self, conn: Connection, events: Sequence[EventRow]) -> list[int]:
        """Insert events, their chain links and tree nodes on ``conn``; return their positions.

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
        append_links(connection_store(conn), positions, events)
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

