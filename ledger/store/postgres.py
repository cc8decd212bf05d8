"""The PostgreSQL recorder: eventsourcing's, plus the hash chain and append-only triggers.

Kept apart from ``ledger.store.sqlite`` so that only PostgreSQL ledgers import
psycopg (it is named by ``APPLICATION_RECORDER_TOPIC`` in ``ledger.settings``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier
from sqlalchemy import Connection

from ledger.store.chain import CHAIN_TABLE, EventRow, event_row
from ledger.store.locks import RECORDER_TABLES, postgres_advisory_lock
from ledger.store.logtree import MERKLE_TABLE, SQLNodeStore, append_links, grow
from ledger.store.tables import APPEND_ONLY, postgres_tables, postgres_trigger

INSERT_CHUNK = 1000  # events per INSERT of eventsourcing's own path
LOCK_ATTEMPTS = 3  # tries of the table lock on the bulk path, each up to the lock timeout


def cursor_store(curs: Any) -> SQLNodeStore:
    """The tree as a psycopg cursor sees it, in the transaction it inserts in."""
    def query(sql: str, params: Sequence[Any]) -> Any:
        curs.execute(sql, params)
        return [tuple(row.values()) if isinstance(row, dict) else row for row in curs.fetchall()]

    def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for start in range(0, len(rows), INSERT_CHUNK):
            curs.executemany(sql, rows[start:start + INSERT_CHUNK])

    return SQLNodeStore(query, execute_many, placeholder="%s")


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, plus the hash chain, the Merkle tree and
    append-only triggers.

    The chain rows and tree nodes are written while the recorder holds its
    table lock, so the chain and the tree follow commit order exactly as
    positions do.
    """

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        names = {"schema": Identifier(datastore.schema), "chain": Identifier(CHAIN_TABLE)}
        # Our own DDL text (``ledger.store.tables``), not a literal psycopg can see as one.
        self.sql_create_statements += [
            SQL(statement).format() for statement in
            (*postgres_tables(datastore.schema),
             *(postgres_trigger(datastore.schema, table)
               for table in (self.events_table_name, *APPEND_ONLY)))]
        self._select_tables_exist = SQL(
            "SELECT to_regclass({events}) IS NOT NULL AND to_regclass({chain}) IS NOT NULL "
            "AS found").format(
            events=f"{datastore.schema}.{self.events_table_name}",
            chain=f"{datastore.schema}.{MERKLE_TABLE}")
        events = {"events": Identifier(self.events_table_name), **names}
        self._draw_positions = SQL(
            "SELECT nextval(pg_get_serial_sequence({table}, 'notification_id')) "
            "FROM generate_series(1, %s)").format(
            table=f"{datastore.schema}.{self.events_table_name}")
        self._copy_events = SQL(
            "COPY {schema}.{events} (notification_id, originator_id, originator_version, "
            "topic, state) FROM STDIN").format(**events)
        self._copy_links = SQL(
            "COPY {schema}.{chain} (position, hash, leaf_index, leaf_hash) FROM STDIN").format(
            **names)
        self._select_originators = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = ANY(%s) AND notification_id < %s "
            "ORDER BY originator_id, originator_version"
        ).format(**events)

    def create_table(self) -> None:
        """Create the tables once, under an advisory lock; opening an existing ledger runs no DDL.

        Processes opening a brand-new database at once would otherwise race on
        CREATE TYPE/TABLE; and re-running CREATE OR REPLACE TRIGGER on every open
        would wait for any writer's table lock and fail for a read-only role.
        """
        if not self._tables_exist():
            kwargs = self.datastore.pool.kwargs
            assert isinstance(kwargs, dict)  # eventsourcing's pool passes a dict
            conninfo = {k: v for k, v in kwargs.items() if k != "row_factory"}
            with postgres_advisory_lock(conninfo, RECORDER_TABLES):
                if not self._tables_exist():
                    super().create_table()
        self.datastore.register_type_adapters()

    def _tables_exist(self) -> bool:
        # The tree's tables and the triggers are created in one transaction, after the events
        # table. An older ledger without them is brought up to date by its migration.
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_tables_exist)
            row = curs.fetchone()
        return bool(row and row["found"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """Insert in chunks, then chain and grow the tree, in one transaction under the table lock.

        eventsourcing sends a whole save as one array parameter through
        psycopg's pipeline mode, which deadlocks on large saves (psycopg's
        issue 685). Plain round-trips of ``INSERT_CHUNK`` events keep a large
        save moving, and the single transaction keeps it all-or-nothing. A dropped
        connection (a server restart) or a lock timeout is retried on a fresh
        connection, as eventsourcing's own recorder retries.
        """
        positions: list[int] = []
        with self.datastore.get_connection() as conn, conn.transaction(), \
                conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            for start in range(0, len(stored_events), INSERT_CHUNK):
                chunk = stored_events[start:start + INSERT_CHUNK]
                curs.execute(self.insert_events_statement, ([
                    self.construct_pg_stored_event(e.originator_id, e.originator_version,
                                                   e.topic, e.state) for e in chunk],))
                positions += [row["notification_id"] for row in curs.fetchall()]
            append_links(cursor_store(curs), positions, [event_row(e) for e in stored_events])
        return positions

    # The bulk path: an import's events, chain and read-model rows in ONE transaction
    # of the read model's connection (see ``ledger.write.bulk``).

    def append_within(self, conn: Connection, events: Sequence[EventRow]) -> list[int]:
        """COPY events, their chain links and tree nodes on ``conn``; return their positions.

        Takes the table lock eventsourcing's inserts take (held to commit), so
        positions are committed in order. Positions come from the table's own
        sequence, drawn for the whole batch at once.
        """
        # SQLAlchemy types driver_connection as Optional (None once closed); this one is open.
        curs = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self._lock_table_patiently(curs)
        self._notify_channel(curs)
        curs.execute(self._draw_positions, (len(events),))
        positions = sorted(row[0] for row in curs.fetchall())
        try:
            with curs.copy(self._copy_events) as copy:
                for position, event in zip(positions, events, strict=True):
                    copy.write_row((position, *event))
        except psycopg.IntegrityError as error:  # a (record, version) stored meanwhile
            raise IntegrityError(str(error)) from error
        store = cursor_store(curs)
        links, nodes = grow(store, positions, events)
        with curs.copy(self._copy_links) as copy:
            for link in links:
                copy.write_row(link)
        store.put_nodes(nodes)
        return positions

    def _lock_table_patiently(self, curs: Any) -> None:
        """eventsourcing's table lock, a lock timeout retried as its inserts retry one.

        Each try runs in a savepoint, so a timed-out one leaves the import's
        transaction usable; the lock, once taken, is held to the commit.
        """
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            try:
                with curs.connection.transaction():
                    self._lock_table(curs)
                return
            except psycopg.errors.LockNotAvailable:
                if attempt == LOCK_ATTEMPTS:
                    raise

    def select_within(self, conn: Connection, originator_ids: Sequence[UUID],
                      before: int | None = None) -> list[StoredEvent]:
        """The stored events of these originators (stored before position ``before``, if
        given), as ``conn`` sees them, in version order."""
        if not originator_ids:
            return []
        # SQLAlchemy types driver_connection as Optional (None once closed); this one is open.
        curs = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        curs.execute(self._select_originators, (list(originator_ids), before or 2**62))
        return [StoredEvent(oid, version, topic, bytes(state))
                for oid, version, topic, state in curs.fetchall()]
