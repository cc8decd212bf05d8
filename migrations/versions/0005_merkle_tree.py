"""The Merkle tree over the log: leaf index and hash per chain link, stored subtrees, checkpoints.

A ledger recorded before the tree gets it here, built from the events
already stored, in position order, exactly as the recorders grow it: the
chain table is copied into its new shape (it is append-only, so rows are
never updated in place), ``merkle_nodes`` receives the stored subtrees, and
``checkpoints`` is created empty. A ledger created by this version already
has all of it, and this revision only records that.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Iterator

from alembic import op
from sqlalchemy import Connection, inspect, text

from ledger.store.chain import CHAIN_TABLE, EventRow, event_leaf_hash, oid_hex
from ledger.store.logtree import INSERT_LINKS, INSERT_NODES
from ledger.store.tables import (
    APPEND_ONLY,
    postgres_tables,
    postgres_trigger,
    sqlite_tables,
    sqlite_triggers,
    stored_events,
)
from ledger.store.tree import CompactRange

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    conn = op.get_bind()
    columns = _chain_columns(conn)
    if not columns:
        return  # a read model without events: the recorder creates the tables with them
    if "leaf_index" in columns:
        _create_tables(conn)  # created by this version's recorder: nothing to fill
        return
    conn.exec_driver_sql(f"ALTER TABLE {CHAIN_TABLE} RENAME TO {CHAIN_TABLE}_before_tree")
    if not _is_sqlite(conn):  # PostgreSQL keeps the index's name, which the new table needs
        conn.exec_driver_sql(f"ALTER INDEX {CHAIN_TABLE}_pkey RENAME TO "
                             f"{CHAIN_TABLE}_before_tree_pkey")
    _create_tables(conn, triggers=False)
    _fill(conn)
    conn.exec_driver_sql(f"DROP TABLE {CHAIN_TABLE}_before_tree")  # its triggers with it
    _create_tables(conn)


def downgrade() -> None:
    """Back to the chain alone: the tree's tables go, the chain keeps its hashes."""
    conn = op.get_bind()
    if "leaf_index" not in _chain_columns(conn):
        return
    conn.exec_driver_sql(f"ALTER TABLE {CHAIN_TABLE} RENAME TO {CHAIN_TABLE}_with_tree")
    if not _is_sqlite(conn):
        conn.exec_driver_sql(f"ALTER INDEX {CHAIN_TABLE}_pkey RENAME TO "
                             f"{CHAIN_TABLE}_with_tree_pkey")
    conn.exec_driver_sql(f"CREATE TABLE {CHAIN_TABLE} (position "
                         f"{'INTEGER' if _is_sqlite(conn) else 'bigint'} PRIMARY KEY, "
                         "hash TEXT NOT NULL)")
    conn.exec_driver_sql(f"INSERT INTO {CHAIN_TABLE} (position, hash) "
                         f"SELECT position, hash FROM {CHAIN_TABLE}_with_tree")
    for table in (f"{CHAIN_TABLE}_with_tree", *APPEND_ONLY[1:]):
        conn.exec_driver_sql(f"DROP TABLE {table}")
    _triggers(conn, [CHAIN_TABLE])


def _chain_columns(conn: Connection) -> set[str]:
    if not inspect(conn).has_table(CHAIN_TABLE):
        return set()
    return {column["name"] for column in inspect(conn).get_columns(CHAIN_TABLE)}


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _create_tables(conn: Connection, triggers: bool = True) -> None:
    schema = "" if _is_sqlite(conn) else conn.execute(text("SELECT current_schema()")).scalar()
    for statement in sqlite_tables() if _is_sqlite(conn) else postgres_tables(str(schema)):
        # psycopg reads '%' as a placeholder once SQLAlchemy hands it parameters (none here)
        conn.exec_driver_sql(statement.replace("%", "%%") if schema else statement)
    if triggers:
        _triggers(conn, list(APPEND_ONLY))


def _triggers(conn: Connection, tables: list[str]) -> None:
    if _is_sqlite(conn):
        statements = [t for table in tables for t in sqlite_triggers(table)]
    else:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar())
        statements = [postgres_trigger(schema, table) for table in tables]
    for statement in statements:
        conn.exec_driver_sql(statement)


def _fill(conn: Connection) -> None:
    """Chain links with their leaves, and the stored subtrees, from the events in order.

    The chain hashes are kept as stored, not recomputed: a chain that was
    broken before the migration stays broken, for ``verify`` to report.
    """
    placeholder = "?" if _is_sqlite(conn) else "%s"
    tree = CompactRange()
    for links in _batches(conn):
        rows = [(position, digest, tree.size + n, event_leaf_hash(position, *event))
                for n, (position, digest, event) in enumerate(links)]
        conn.exec_driver_sql(INSERT_LINKS.replace("?", placeholder), rows)
        nodes = [node for node in tree.extend(row[3] for row in rows) if node[0] > 0]
        if nodes:
            conn.exec_driver_sql(INSERT_NODES.replace("?", placeholder), nodes)


def _batches(conn: Connection) -> Iterator[list[tuple[int, str, EventRow]]]:
    """Stored events with their chain hashes, in position order, a batch at a time (read
    by position ranges: the same connection writes between two batches)."""
    table, position = stored_events(conn.dialect.name)
    select = text(
        f"SELECT e.{position}, c.hash, e.originator_id, e.originator_version, e.topic, e.state "
        f"FROM {table} e JOIN {CHAIN_TABLE}_before_tree c ON c.position = e.{position} "
        f"WHERE e.{position} > :after ORDER BY e.{position} LIMIT {BATCH}")
    after = 0
    while rows := conn.execute(select, {"after": after}).all():
        yield [(row[0], row[1], (oid_hex(row[2]), row[3], row[4], bytes(row[5])))
               for row in rows]
        after = rows[-1][0]
