"""What an auditor asks of the store itself: is the chain intact, what is in the log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, text

from ledger.read.schema import UTCDateTime
from ledger.store.chain import CHAIN_TABLE, ChainReport, StoredRow, verify_chain


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: datetime
    type: str
    line_id: str
    hash: str


def _position_column(engine: Engine) -> str:
    return "rowid" if engine.dialect.name == "sqlite" else "notification_id"


def check_chain(engine: Engine, events_table: str) -> ChainReport:
    """Recompute the hash chain from the stored events alone, streaming both tables."""
    position = _position_column(engine)
    events_sql = text(f"SELECT {position}, originator_id, originator_version, topic, state "
                      f"FROM {events_table} ORDER BY {position}")
    chain_sql = text(f"SELECT position, hash FROM {CHAIN_TABLE} ORDER BY position")
    with engine.connect() as events_conn, engine.connect() as chain_conn:
        events = events_conn.execution_options(stream_results=True, yield_per=5000)
        chain = chain_conn.execution_options(stream_results=True, yield_per=5000)
        return verify_chain(
            (_as_stored_row(row) for row in events.execute(events_sql)),
            (tuple(row) for row in chain.execute(chain_sql)),
        )


def _as_stored_row(row: Any) -> StoredRow:
    """A stored event as hashed; a state edited into text (SQLite allows it) hashes as UTF-8."""
    position, oid, version, topic, state = row
    return position, oid, version, topic, state.encode() if isinstance(state, str) else state


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
