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

from ledger.store.chain import CHAIN_TABLE, GENESIS, EventRow, chain_rows, event_row
from ledger.store.locks import RECORDER_TABLES, postgres_advisory_lock

INSERT_CHUNK = 1000  # events per INSERT of eventsourcing's own path
LOCK_ATTEMPTS = 3  # tries of the table lock on the bulk path, each up to the lock timeout


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, plus the hash chain and append-only triggers.

    The chain rows are written while the recorder holds its table lock, so the
    chain follows commit order exactly as positions do.
    """

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        names = {"schema": Identifier(datastore.schema), "chain": Identifier(CHAIN_TABLE)}
        self.sql_create_statements.append(SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{chain} "
            "(position bigint PRIMARY KEY, hash text NOT NULL)").format(**names))
        self.sql_create_statements.append(SQL(
            "CREATE OR REPLACE FUNCTION {schema}.sanctions_ledger_refuse_change() "
            "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        ).format(**names))
        for table in (self.events_table_name, CHAIN_TABLE):
            self.sql_create_statements.append(SQL(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE UPDATE OR DELETE OR TRUNCATE "
                "ON {schema}.{table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION {schema}.sanctions_ledger_refuse_change()"
            ).format(trigger=Identifier(f"{table}_append_only"), table=Identifier(table),
                     **names))
        self._select_head = SQL(
            "SELECT hash FROM {schema}.{chain} ORDER BY position DESC LIMIT 1").format(**names)
        self._select_tables_exist = SQL(
            "SELECT to_regclass({events}) IS NOT NULL AND to_regclass({chain}) IS NOT NULL "
            "AS found").format(
            events=f"{datastore.schema}.{self.events_table_name}",
            chain=f"{datastore.schema}.{CHAIN_TABLE}")
        events = {"events": Identifier(self.events_table_name), **names}
        self._draw_positions = SQL(
            "SELECT nextval(pg_get_serial_sequence({table}, 'notification_id')) "
            "FROM generate_series(1, %s)").format(
            table=f"{datastore.schema}.{self.events_table_name}")
        self._copy_events = SQL(
            "COPY {schema}.{events} (notification_id, originator_id, originator_version, "
            "topic, state) FROM STDIN").format(**events)
        self._copy_links = SQL("COPY {schema}.{chain} (position, hash) FROM STDIN").format(
            **names)
        self._select_originators = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{events} "
            "WHERE originator_id = ANY(%s) AND notification_id < %s "
            "ORDER BY originator_id, originator_version"
        ).format(**events)
        self._insert_links = SQL(
            "INSERT INTO {schema}.{chain} (position, hash) VALUES (%s, %s)").format(**names)

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
        # The chain table and the triggers are created in one transaction, after the events table.
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select_tables_exist)
            row = curs.fetchone()
        return bool(row and row["found"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """Insert in chunks, then chain, all in one transaction under the table lock.

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
            curs.execute(self._select_head)
            row = curs.fetchone()
            links = chain_rows(row["hash"] if row else GENESIS, positions,
                               [event_row(e) for e in stored_events])
            for start in range(0, len(links), INSERT_CHUNK):
                curs.executemany(self._insert_links, links[start:start + INSERT_CHUNK])
        return positions

    # The bulk path: an import's events, chain and read-model rows in ONE transaction
    # of the read model's connection (see ``ledger.write.bulk``).

    def append_within(self, conn: Connection, events: Sequence[EventRow]) -> list[int]:
        """COPY events and their chain links on ``conn``; return their positions.

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
        curs.execute(self._select_head)
        row = curs.fetchone()
        with curs.copy(self._copy_links) as copy:
            for link in chain_rows(row[0] if row else GENESIS, positions, events):
                copy.write_row(link)
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
