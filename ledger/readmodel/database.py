"""Connecting to the read-model database and keeping its schema at the expected revision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text

from ledger.errors import SchemaError
from ledger.readmodel.schema import SCHEMA_REVISION
from ledger.settings import LedgerLocation


def create_read_engine(location: LedgerLocation) -> Engine:
    if location.backend == "sqlite":
        engine = create_engine(location.sqlalchemy_url(), connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(location.sqlalchemy_url())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def ensure_schema(engine: Engine) -> None:
    """Create a fresh ledger's read model at head; refuse one at another revision."""
    with engine.begin() as conn:
        if not inspect(conn).has_table("alembic_version"):
            import migrations

            migrations.upgrade(conn)
            return
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if found != SCHEMA_REVISION:
        raise SchemaError(f"the ledger's read model is at revision {found}, this version "
                          f"needs {SCHEMA_REVISION}: run 'sanctions-ledger db upgrade'")


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
