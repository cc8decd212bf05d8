"""What an auditor asks of the store itself: is the chain intact, what is in the log."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, text

from ledger.audit.integrity import as_stored_row, walk_log
from ledger.read.schema import UTCDateTime
from ledger.store.chain import CHAIN_TABLE, ChainReport
from ledger.store.logtree import has_tree, stored_nodes
from ledger.store.tables import stored_events


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: datetime
    type: str
    line_id: str
    hash: str


def check_log(engine: Engine, sizes: Collection[int] = ()) -> ChainReport:
    """Check the log from the stored rows alone (``ledger.audit.integrity``), streaming the
    events and the chain; keep the tree's root at each of ``sizes``."""
    table, position = stored_events(engine.dialect.name)
    events_sql = text(f"SELECT {position}, originator_id, originator_version, topic, state "
                      f"FROM {table} ORDER BY {position}")
    with engine.connect() as events_conn, engine.connect() as chain_conn:
        tree = has_tree(chain_conn)  # a ledger from before the tree, not migrated: chain only
        leaves = "leaf_index, leaf_hash" if tree else "NULL, NULL"
        chain_sql = text(f"SELECT position, hash, {leaves} FROM {CHAIN_TABLE} "
                         "ORDER BY position")
        nodes = stored_nodes(chain_conn) if tree else None
        events = events_conn.execution_options(stream_results=True, yield_per=5000)
        chain = chain_conn.execution_options(stream_results=True, yield_per=5000)
        return walk_log(
            (as_stored_row(row) for row in events.execute(events_sql)),
            (tuple(row) for row in chain.execute(chain_sql)),
            nodes, contiguous=engine.dialect.name == "sqlite", sizes=sizes)


def read_log(engine: Engine, since: int = 0, limit: int | None = None, *,
             known_at: datetime) -> Iterator[LogEntry]:
    """The lines recorded by ``known_at``, in position order, each with the hash that
    seals it."""
    query = text(
        "SELECT r.position, r.recorded_at, r.type, r.line_id, c.hash "
        f"FROM recorded_lines r JOIN {CHAIN_TABLE} c ON c.position = r.position "
        "WHERE r.position > :since AND r.recorded_at <= :known_at ORDER BY r.position"
        + (" LIMIT :limit" if limit is not None else "")
    ).bindparams(bindparam("known_at", type_=UTCDateTime))
    to_aware = UTCDateTime().process_result_value
    with engine.connect() as conn:
        params = {"since": since, "limit": limit, "known_at": known_at}
        for row in conn.execution_options(stream_results=True).execute(query, params):
            recorded = row.recorded_at
            if isinstance(recorded, str):
                recorded = datetime.fromisoformat(recorded)
            yield LogEntry(row.position, to_aware(recorded, engine.dialect), row.type,
                           row.line_id, row.hash)
