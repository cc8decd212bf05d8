"""Alembic environment for the read-model tables.

``sanctions-ledger db upgrade|downgrade|current`` call these functions; a
fresh ledger is brought to ``head`` when it is first opened. The event tables
(``stored_events``, ``event_chain``) belong to the recorder and are left
alone by Alembic (see ``env.py``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from ledger.errors import NotALedgerError, SchemaError


def _config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(_config(connection), revision)


def revisions() -> list[str]:
    """Every revision, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(None))  # type: ignore[arg-type]
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def migrate(connection: Connection, direction: str, revision: str) -> tuple[str | None, str]:
    """Upgrade or downgrade to ``revision`` ("head", "base" or a revision id); return the
    revisions before and after. A revision that does not exist, or lies the other way,
    is a ``SchemaError`` and nothing changes; "after" is "base" when no revision is left."""
    from alembic.migration import MigrationContext

    refuse_what_is_no_ledger(connection)
    known = [None, *revisions()]
    before = MigrationContext.configure(connection).get_current_revision()
    target = _target(revision, known)
    step = known.index(target) - known.index(before)
    if step and (step > 0) != (direction == "upgrade"):
        other = "downgrade" if direction == "upgrade" else "upgrade"
        raise SchemaError(f"cannot {direction} to {target or 'base'}: the read model is at "
                          f"{before or 'base'}, {'above' if step < 0 else 'below'} it; "
                          f"nothing changed (run 'sanctions-ledger db {other} {revision}')")
    if step:
        upgrade(connection, revision) if step > 0 else downgrade(connection, revision)
    return before, target or "base"


def refuse_what_is_no_ledger(connection: Connection) -> None:
    """Migrate only a ledger (or an empty database): never somebody else's tables."""
    from sqlalchemy import inspect

    from ledger.store.chain import CHAIN_TABLE

    tables = set(inspect(connection).get_table_names())
    if tables and not tables & {"alembic_version", CHAIN_TABLE}:
        raise NotALedgerError(f"this database is not a sanctions ledger (it holds "
                              f"{', '.join(sorted(tables)[:5])}); nothing was changed")


def _target(revision: str, known: list[str | None]) -> str | None:
    aliases = {"head": known[-1], "base": None}
    if revision in aliases:
        return aliases[revision]
    if revision not in known:
        raise SchemaError(f"there is no read-model revision {revision!r}: the revisions are "
                          f"{', '.join(r for r in known if r)}, head and base")
    return revision


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    # Reading the scripts' head needs no database: the config is built without a connection.
    config = _config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
