"""Alembic environment for the read-model tables.

``sanctions-ledger db upgrade|downgrade|current`` call these functions; a
fresh ledger is brought to ``head`` when it is first opened. The event tables
(``stored_events``, ``event_chain``) belong to the recorder and are left
alone by Alembic (see ``env.py``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection


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


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    # Reading the scripts' head needs no database: the config is built without a connection.
    config = _config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
