"""The read model checked against the events: project them afresh, compare table by table.

Answers and exports come from the read-model tables, which whoever owns the
database can edit without touching the events. ``compare_read_model``
projects every stored event again into an empty in-memory SQLite database,
with the same projector as ``rebuild``, and lists the first rows that differ
in each table. The fix is ``rebuild``, which writes the read model again
from the events alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import Engine, Table, create_engine, select
from sqlalchemy.pool import StaticPool

from ledger.read.projector import EventSource, Projector, fresh_read_model
from ledger.read.schema import READ_MODEL_TABLES, metadata, projection_position

SHOWN = 3  # rows shown per table and side


@contextmanager
def projected_afresh(events: EventSource, engine: Engine) -> Iterator[Engine]:
    """An in-memory read model projected from every stored event of the ledger at ``engine``."""
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        metadata.create_all(scratch)
        Projector(events, engine).rebuild(partial(fresh_read_model, scratch))
        yield scratch
    finally:
        scratch.dispose()


def compare_read_model(events: EventSource, engine: Engine) -> list[str]:
    """One line per read-model table that differs from the events' projection."""
    with projected_afresh(events, engine) as scratch:
        return [line for table in READ_MODEL_TABLES if table is not projection_position
                if (line := _difference(table, _rows(engine, table), _rows(scratch, table)))]


def _rows(engine: Engine, table: Table) -> Counter[tuple[Any, ...]]:
    with engine.connect() as conn:
        return Counter(tuple(row) for row in conn.execute(select(table)))


def _difference(table: Table, stored: Counter[tuple[Any, ...]],
                projected: Counter[tuple[Any, ...]]) -> str | None:
    missing, extra = projected - stored, stored - projected
    if not missing and not extra:
        return None
    parts = [f"{table.name}: {sum(missing.values())} rows missing, "
             f"{sum(extra.values())} rows the events do not give"]
    if missing:
        parts.append("missing " + "; ".join(_shown(missing)))
    if extra:
        parts.append("not from the events " + "; ".join(_shown(extra)))
    return " - ".join(parts)


def _shown(rows: Counter[tuple[Any, ...]]) -> list[str]:
    return [repr(tuple(_short(value) for value in row))
            for row in sorted(rows, key=repr)[:SHOWN]]


def _short(value: Any) -> Any:
    text = value if isinstance(value, str) else None
    return text[:60] + "..." if text is not None and len(text) > 60 else value
