"""The log's Merkle tree in the ledger's database, grown in the same transaction as the events.

Each event's leaf hash and leaf index ride on its ``event_chain`` row; the
complete subtrees of ``2**STORED_LEVEL`` leaves or more go to the
append-only ``merkle_nodes`` table (``ledger.store.tree`` says why not every
level). Every write path (the recorders' own inserts and the bulk path's
``append_within``, on both backends) calls ``grow`` under the lock that
orders positions, so the tree always covers exactly the committed events.
Leaf indexes count from 0 without gaps, even where PostgreSQL positions skip
numbers drawn by a transaction that rolled back.

The SQL here is written with ``?`` placeholders; a store on a driver that
takes ``%s`` (psycopg) is told so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, inspect, text

from ledger.store.chain import CHAIN_TABLE, GENESIS, ChainLink, EventRow, chain_rows, oid_hex
from ledger.store.tree import CompactRange, NodeId, StoredNode

MERKLE_TABLE = "merkle_nodes"
CHECKPOINT_TABLE = "checkpoints"

#: Runs one statement with its parameters and returns the rows it selected.
Query = Callable[[str, Sequence[Any]], Sequence[Sequence[Any]]]
#: Runs one statement once per parameter row.
ExecuteMany = Callable[[str, Sequence[Sequence[Any]]], None]

_CHUNK = 500  # ids per IN (...) list
_SELECT_HEAD = f"SELECT hash, leaf_index FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
INSERT_LINKS = (f"INSERT INTO {CHAIN_TABLE} (position, hash, leaf_index, leaf_hash) "
                "VALUES (?, ?, ?, ?)")
INSERT_NODES = f"INSERT INTO {MERKLE_TABLE} (level, node_index, hash) VALUES (?, ?, ?)"


class SQLNodeStore:
    """The ``NodeStore`` of a ledger: leaf hashes from ``event_chain``, the rest from
    ``merkle_nodes``, read and written through the caller's open transaction."""

    def __init__(self, query: Query, execute_many: ExecuteMany | None = None,
                 placeholder: str = "?"):
        self._query = query
        self._execute_many = execute_many
        self._placeholder = placeholder

    def sql(self, statement: str) -> str:
        return statement.replace("?", self._placeholder)

    def head(self) -> tuple[str, int]:
        """The last chain hash and the number of leaves (``GENESIS`` and 0 when empty)."""
        rows = self._query(self.sql(_SELECT_HEAD), ())
        return (rows[0][0], rows[0][1] + 1) if rows else (GENESIS, 0)

    def get_nodes(self, ids: Collection[NodeId]) -> Mapping[NodeId, bytes]:
        by_level: dict[int, list[int]] = defaultdict(list)
        for node in ids:
            by_level[node.level].append(node.offset)
        found: dict[NodeId, bytes] = {}
        for level, offsets in by_level.items():
            for start in range(0, len(offsets), _CHUNK):
                found.update(self._select(level, offsets[start:start + _CHUNK]))
        return found

    def _select(self, level: int, offsets: list[int]) -> dict[NodeId, bytes]:
        marks = ", ".join("?" * len(offsets))
        if level == 0:
            rows = self._query(self.sql(f"SELECT 0, leaf_index, leaf_hash FROM {CHAIN_TABLE} "
                                        f"WHERE leaf_index IN ({marks})"), offsets)
        else:
            rows = self._query(self.sql(f"SELECT level, node_index, hash FROM {MERKLE_TABLE} "
                                        f"WHERE level = ? AND node_index IN ({marks})"),
                               [level, *offsets])
        return {NodeId(level, offset): bytes(digest) for level, offset, digest in rows}

    def put_nodes(self, nodes: Iterable[StoredNode]) -> None:
        """Store subtree hashes (level >= 1); leaf hashes go with the chain links."""
        rows = [node for node in nodes if node[0] > 0]
        if rows:
            assert self._execute_many is not None, "a read-only node store"
            self._execute_many(self.sql(INSERT_NODES), rows)

    def put_links(self, links: Sequence[ChainLink]) -> None:
        assert self._execute_many is not None, "a read-only node store"
        self._execute_many(self.sql(INSERT_LINKS), links)


def connection_store(conn: Connection) -> SQLNodeStore:
    """The tree as a SQLAlchemy connection sees it, in its transaction."""
    def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
        conn.exec_driver_sql(sql, [tuple(row) for row in rows])

    return SQLNodeStore(lambda sql, params: conn.exec_driver_sql(sql, tuple(params)).all(),
                        execute_many, placeholder="?" if conn.dialect.name == "sqlite" else "%s")


def has_tree(conn: Connection) -> bool:
    """Whether the log keeps its Merkle tree (a ledger from before it lacks the columns)."""
    columns = {column["name"] for column in inspect(conn).get_columns(CHAIN_TABLE)}
    return "leaf_index" in columns and inspect(conn).has_table(MERKLE_TABLE)


def stored_nodes(conn: Connection) -> dict[NodeId, bytes]:
    """Every stored subtree hash (about one per eight events)."""
    rows = conn.exec_driver_sql(f"SELECT level, node_index, hash FROM {MERKLE_TABLE}").all()
    return {NodeId(level, offset): bytes(digest) for level, offset, digest in rows}


def grow(store: SQLNodeStore, positions: Sequence[int],
         events: Sequence[EventRow]) -> tuple[list[ChainLink], list[StoredNode]]:
    """The chain links and the subtree hashes that new events add to the log.

    The caller writes them (``put_links``, ``put_nodes``, or its own COPY) in
    the transaction that stores the events.
    """
    previous, size = store.head()
    links = chain_rows(previous, size, positions, events)
    nodes = CompactRange.load(store, size).extend(link[3] for link in links)
    return links, [node for node in nodes if node[0] > 0]


def append_links(store: SQLNodeStore, positions: Sequence[int],
                 events: Sequence[EventRow]) -> None:
    """Write the chain links and tree nodes of events just inserted at ``positions``."""
    links, nodes = grow(store, positions, events)
    store.put_links(links)
    store.put_nodes(nodes)


def keep_checkpoint(conn: Connection, size: int, note: str, created_at: datetime) -> None:
    """Keep a signed checkpoint beside the log (a copy: the one that counts is held outside)."""
    conn.execute(text(f"INSERT INTO {CHECKPOINT_TABLE} (tree_size, note, created_at) "
                      "VALUES (:size, :note, :at)"),
                 {"size": size, "note": note, "at": created_at.isoformat()})


def latest_checkpoint(conn: Connection) -> str | None:
    """The signed note of the checkpoint taken last, if any."""
    return conn.execute(text(f"SELECT note FROM {CHECKPOINT_TABLE} "
                             "ORDER BY id DESC LIMIT 1")).scalar()


#: A stored event with its place in the tree: position, originator id (hex), version,
#: topic, state, leaf index.
LeafRow = tuple[int, str, int, str, bytes, int]


def leaf_at(conn: Connection, events_table: str, position_column: str,
            position: int) -> LeafRow | None:
    """The event stored at ``position`` and its leaf index, as stored."""
    row = conn.execute(text(
        f"SELECT e.{position_column}, e.originator_id, e.originator_version, e.topic, "
        f"e.state, c.leaf_index FROM {events_table} e JOIN {CHAIN_TABLE} c "
        f"ON c.position = e.{position_column} WHERE e.{position_column} = :p"),
        {"p": position}).first()
    if row is None:
        return None
    state = row[4].encode() if isinstance(row[4], str) else bytes(row[4])
    return row[0], oid_hex(row[1]), row[2], row[3], state, row[5]


def leaf_indexes(conn: Connection, positions: Sequence[int]) -> dict[int, int]:
    """The leaf index of the event at each of ``positions`` (position -> leaf index)."""
    found: dict[int, int] = {}
    for start in range(0, len(positions), _CHUNK):
        chunk = list(positions[start:start + _CHUNK])
        marks = ", ".join(f":p{n}" for n in range(len(chunk)))
        rows = conn.execute(text(
            f"SELECT position, leaf_index FROM {CHAIN_TABLE} WHERE position IN ({marks})"),
            {f"p{n}": position for n, position in enumerate(chunk)})
        found.update((position, leaf) for position, leaf in rows)
    return found
