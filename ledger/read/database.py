"""Connecting to the read-model database and keeping its schema at the expected revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from ledger.errors import PrivilegeError, SchemaError
from ledger.read import SCHEMA_REVISION
from ledger.read.schema import SECONDARY_INDEXES
from ledger.settings import LedgerLocation


def create_read_engine(location: LedgerLocation) -> Engine:
    """The read model's engine. On PostgreSQL each pooled connection is pinged before use,
    so the first import or question after a server restart reconnects instead of failing."""
    if location.backend == "sqlite":
        engine = create_engine(location.sqlalchemy_url(), connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(location.sqlalchemy_url(), pool_pre_ping=True)


def create_answer_engine(location: LedgerLocation, engine: Engine) -> Engine:
    """Where answers read: on PostgreSQL a pool of autocommit connections.

    Under READ COMMITTED each statement of an answer sees its own snapshot
    whether or not they share a transaction (the ``complete_until`` cap is what
    keeps an answer consistent), so BEGIN and ROLLBACK were two round trips
    of six for nothing. SQLite's driver opens no transaction for a SELECT, so
    there the read-model engine serves as it is.
    """
    if location.backend == "postgresql":
        return create_engine(location.sqlalchemy_url(), isolation_level="AUTOCOMMIT",
                             pool_pre_ping=True)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def ensure_schema(engine: Engine, create: Callable[[Connection], None]) -> None:
    """Create a fresh ledger's read model with ``create`` (the migrations, run to head);
    refuse one at another revision."""
    with engine.begin() as conn:
        if not inspect(conn).has_table("alembic_version"):
            create(conn)
            return
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if found != SCHEMA_REVISION:
        raise SchemaError(f"the ledger's read model is at revision {found}, this version "
                          f"needs {SCHEMA_REVISION}: run 'sanctions-ledger db upgrade'")


def table_names(engine: Engine) -> list[str]:
    """Every table of the database, sorted: what is there before a ledger writes anything."""
    with engine.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def is_set_up(engine: Engine) -> bool:
    """Whether a ledger was ever set up here (set-up is serialized only when it was not)."""
    with engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")


def can_write_read_model(engine: Engine) -> bool:
    """False for a role granted only SELECT (``db grant-readonly``): it must not catch up.

    On SQLite the file's permissions are the mechanism, and a ledger a process
    cannot write is an error for it, as for any SQLite database.
    """
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT has_table_privilege('projection_position', 'UPDATE')")).scalar())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


class GrowingStatistics:
    """PostgreSQL's statistics of the tables a bulk write grows, kept up as they grow.

    A bulk write is one transaction, and autovacuum sees no row of it until
    it commits, so PostgreSQL plans the write's own lookups for the tables as
    they were before it: empty, for a first import. For a large import that
    plan (a hash join over a sequential scan of ``parties`` for every batch's
    known-line lookup) reads the whole table again and again, and the import
    slows as it grows. ANALYZE in the write's transaction counts the write's
    own rows; run each time the ledger has doubled, it costs a few ANALYZEs
    over a whole import. SQLite plans from its indexes, not from statistics.
    """

    FIRST = 5_000  # events: below this every plan is cheap

    def __init__(self, conn: Connection, tables: list[str], start: int):
        self.conn = conn
        self.tables = tables
        self.analysed_at = max(start, self.FIRST // 2)  # log positions, about one an event

    def grown_to(self, position: int) -> None:
        """The log now reaches ``position``: analyse if it doubled since the last time."""
        if self.conn.dialect.name != "postgresql" or position < 2 * self.analysed_at:
            return
        self.conn.exec_driver_sql(f"ANALYZE {', '.join(self.tables)}")
        self.analysed_at = position


class SecondaryIndexes:
    """The question-only indexes, dropped for a bulk write and built again before it commits.

    Keeping them up to date row by row costs a large import more than building
    them once from the finished tables, and more as they outgrow the page
    cache. SQLite only: there
    the DROP and CREATE are part of the write's transaction, so a rollback or
    a kill leaves them as they were, and readers keep their snapshot with its
    indexes meanwhile. On PostgreSQL DROP INDEX would take an ACCESS EXCLUSIVE
    lock that stops every reader of the shared ledger until the commit.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        self.dropped = False

    def drop(self) -> None:
        """Drop them within the open transaction (it must have written already, so that
        Python's sqlite3 has begun it: DDL alone would run in autocommit)."""
        if self.dropped or self.conn.dialect.name != "sqlite":
            return
        # SQLAlchemy types driver_connection as Optional (None once closed); this one is open.
        assert self.conn.connection.driver_connection.in_transaction, (  # type: ignore[union-attr]
            "indexes are dropped only inside the bulk write's transaction")
        for index in SECONDARY_INDEXES:
            index.drop(self.conn)
        self.dropped = True

    def build(self) -> None:
        """Build again what ``drop`` dropped, in the same transaction."""
        if self.dropped:
            for index in SECONDARY_INDEXES:
                index.create(self.conn)
            self.dropped = False


def grant_read_only(engine: Engine, role: str, ledger_tables: list[str], *,
                    login: bool = False) -> list[str]:
    """Let ``role`` read every ledger table and nothing else (PostgreSQL); return the tables.

    The role is created if missing (NOLOGIN unless ``login``). It gets CONNECT
    on the database, USAGE on the schema and SELECT on the ledger's tables
    (``SanctionsLedger.written_tables``: the event log, its chain and the read
    model) and ``alembic_version`` (so it can open the ledger and check its
    revision): no INSERT, UPDATE, DELETE, TRUNCATE or CREATE anywhere. An
    existing role that can already write is refused, its privileges named: it
    may be a writer, and revoking a writer's rights is not this command's call.
    """
    quote = engine.dialect.identifier_preparer.quote
    tables = [*ledger_tables, "alembic_version"]
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                              {"r": role}).first()
        if not exists:
            conn.exec_driver_sql(f"CREATE ROLE {quote(role)} {'LOGIN' if login else 'NOLOGIN'}")
        else:
            refuse_a_writer(conn, role)
            if login:
                conn.exec_driver_sql(f"ALTER ROLE {quote(role)} LOGIN")
        database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quote(database)} TO {quote(role)}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}")
        listed = ", ".join(f"{quote(schema)}.{quote(t)}" for t in tables)
        conn.exec_driver_sql(f"GRANT SELECT ON {listed} TO {quote(role)}")
    return tables


_WRITES = text(
    "SELECT c.relname, p.privilege FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) "
    "WITH ORDINALITY AS p(privilege, n) "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "AND has_table_privilege(:r, c.oid, p.privilege) ORDER BY c.relname, p.n")


def refuse_a_writer(conn: Connection, role: str) -> None:
    """Raise ``PrivilegeError`` naming what ``role`` can write in the ledger's schema, if
    anything (granted directly, through a role it belongs to, as an owner or superuser)."""
    if conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"),
                    {"r": role}).scalar():
        raise PrivilegeError(f"role {role} is a superuser and can write everything: "
                             "it cannot be made read-only")
    by_table: dict[str, list[str]] = {}
    for table, privilege in conn.execute(_WRITES, {"r": role}):
        by_table.setdefault(table, []).append(privilege)
    held = [f"{', '.join(privileges)} on {table}" for table, privileges in by_table.items()]
    if conn.execute(text("SELECT has_schema_privilege(:r, current_schema(), 'CREATE')"),
                    {"r": role}).scalar():
        held.append("CREATE on the schema")
    if held:
        raise PrivilegeError(f"role {role} can already write the ledger ({'; '.join(held)}): "
                             "revoke that first, or grant a new role")
