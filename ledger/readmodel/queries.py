"""Answers from the read model: each question is one indexed lookup, never a replay.

``ReadModel`` is what the application asks. The reads of answers, screening,
the audit trail and the import's checks run in ``lookups`` (plain driver SQL,
on the same connection); the last recorded time and the party search are
SQLAlchemy statements here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    func,
    or_,
    select,
)

from ledger.answers import PartyEntry, RecordedLine, SanctionInForce, SpanInForce
from ledger.names import fold_name, lower_name
from ledger.readmodel.lookups import KnownLine, Lookups
from ledger.readmodel.schema import (
    party_names,
    recorded_lines,
)


class ReadModel:
    """Queries over the projected tables (the projector keeps them current)."""

    def __init__(self, engine: Engine, connection: Connection | None = None):
        self.engine = engine
        self._connection = connection

    @classmethod
    def within(cls, connection: Connection) -> ReadModel:
        """The read model as one connection sees it: an answer's reads share one, and an
        import checks its lines against what its own earlier batches wrote, uncommitted."""
        return cls(connection.engine, connection)

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        if self._connection is not None:
            yield self._connection
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def lookups(self) -> Iterator[Lookups]:
        """The driver-SQL reads (``ledger.readmodel.lookups``) on this read model's connection."""
        with self._connect() as conn:
            yield Lookups.within(conn)

    def find_in_force(self, *, at: date, known_at: datetime, target: str | None = None,
                      authority: str | None = None) -> list[SanctionInForce]:
        with self.lookups() as lookups:
            return lookups.find_in_force(at=at, known_at=known_at, target=target,
                                         authority=authority)

    def lines(self, line_ids: list[str]) -> list[RecordedLine]:
        with self.lookups() as lookups:
            return lookups.lines(line_ids)

    def get_line(self, line_id: str) -> RecordedLine | None:
        found = self.lines([line_id])
        return found[0] if found else None

    def resolve_party(self, text: str) -> PartyEntry:
        with self.lookups() as lookups:
            return lookups.resolve_party(text)

    def lines_about(self, record_id: str) -> list[RecordedLine]:
        with self.lookups() as lookups:
            return lookups.lines_about(record_id)

    def known_line(self, line_id: str) -> KnownLine | None:
        return self.known_lines([line_id]).get(line_id)

    def known_lines(self, line_ids: Iterable[str]) -> dict[str, KnownLine]:
        with self.lookups() as lookups:
            return lookups.known_lines(line_ids)

    def last_recorded_at(self) -> datetime | None:
        with self._connect() as conn:
            return conn.execute(select(func.max(recorded_lines.c.recorded_at))).scalar()

    def find_parties(self, search: str | None = None, limit: int = 200) -> list[PartyEntry]:
        """Parties whose id, name or alias contains ``search`` (all parties without it)."""
        if not search:
            with self.lookups() as lookups:
                return lookups.first_parties(limit)
        ids = self._party_ids_where(or_(  # a search is literal text, never a LIKE pattern
            party_names.c.lowered.contains(lower_name(search), autoescape=True),
            party_names.c.folded.contains(fold_name(search), autoescape=True),
            party_names.c.party_id.contains(search, autoescape=True)))
        with self.lookups() as lookups:  # a broad search can match more ids than SQLite binds
            return lookups.parties(ids[:limit])

    def _party_ids_where(self, condition: Any) -> list[str]:
        query = select(party_names.c.party_id).where(condition).distinct()
        with self._connect() as conn:
            return sorted(conn.execute(query).scalars())

    # Audit trail and reports (issue 3): whole-log and whole-timeline reads.

    def iter_lines(self, *, known_at: datetime | None = None, types: Iterable[str] = (),
                   page: int = 5000) -> Iterator[RecordedLine]:
        """Every recorded line (by ``known_at`` if given; of these ``types`` if given) in
        recorded order, a page at a time so that memory stays bounded whatever the
        size of the ledger."""
        after, types = 0, list(types)
        while True:
            with self.lookups() as lookups:
                rows = lookups.lines_after(after, known_at=known_at, types=types, page=page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position

    def find_spans(self, *, known_at: datetime, target: str | None = None,
                   starting: tuple[date, date] | None = None) -> list[SpanInForce]:
        with self.lookups() as lookups:
            return lookups.spans(known_at=known_at, target=target, starting=starting)
