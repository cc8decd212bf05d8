"""The tables the recorders keep beside eventsourcing's events table, and their triggers.

``event_chain`` (a chain link, leaf index and leaf hash per event),
``merkle_nodes`` (the tree's stored subtrees) and ``checkpoints`` (signed
tree heads, kept beside the log, never events) are append-only: triggers
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). The recorders create
them for a new ledger; the migration that introduced the tree creates them
for an older one, from the same statements.
"""

from __future__ import annotations

from ledger.store.chain import CHAIN_TABLE
from ledger.store.events import APPLICATION_NAME
from ledger.store.logtree import CHECKPOINT_TABLE, MERKLE_TABLE

APPEND_ONLY = (CHAIN_TABLE, MERKLE_TABLE, CHECKPOINT_TABLE)


def sqlite_tables() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (position INTEGER PRIMARY KEY, "
        "hash TEXT NOT NULL, leaf_index INTEGER NOT NULL UNIQUE, leaf_hash BLOB NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {MERKLE_TABLE} (level INTEGER NOT NULL, "
        "node_index INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, node_index)) "
        "WITHOUT ROWID",
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} (id INTEGER PRIMARY KEY, "
        "tree_size INTEGER NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL)",
    ]


def sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def postgres_tables(schema: str) -> list[str]:
    s = _quote(schema)
    return [
        f"CREATE TABLE IF NOT EXISTS {s}.{CHAIN_TABLE} (position bigint PRIMARY KEY, "
        "hash text NOT NULL, leaf_index bigint NOT NULL UNIQUE, leaf_hash bytea NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {s}.{MERKLE_TABLE} (level integer NOT NULL, "
        "node_index bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, node_index))",
        f"CREATE TABLE IF NOT EXISTS {s}.{CHECKPOINT_TABLE} (id bigserial PRIMARY KEY, "
        "tree_size bigint NOT NULL, note text NOT NULL, created_at text NOT NULL)",
        f"CREATE OR REPLACE FUNCTION {s}.sanctions_ledger_refuse_change() "
        "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$",
    ]


def postgres_trigger(schema: str, table: str) -> str:
    s = _quote(schema)
    return (f"CREATE OR REPLACE TRIGGER {_quote(table + '_append_only')} "
            f"BEFORE UPDATE OR DELETE OR TRUNCATE ON {s}.{_quote(table)} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {s}.sanctions_ledger_refuse_change()")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stored_events(dialect: str) -> tuple[str, str]:
    """eventsourcing's events table of a ledger and its position column, by backend.

    eventsourcing names the table after the application on PostgreSQL
    (``sanctionsledger_events``) and numbers SQLite's rows by ``rowid``.
    """
    if dialect == "sqlite":
        return "stored_events", "rowid"
    return f"{APPLICATION_NAME.lower()}_events", "notification_id"
