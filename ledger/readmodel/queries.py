"""Answers from the read model: each question is one indexed lookup, never a replay."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    Executable,
    Row,
    Select,
    any_,
    bindparam,
    func,
    or_,
    select,
)

from ledger.errors import AmbiguousPartyError, UnknownPartyError
from ledger.fold import SanctionInForce
from ledger.names import fold_name, lower_name
from ledger.readmodel.schema import (
    line_refs,
    parties,
    party_names,
    recorded_lines,
    sanction_spans,
)


@dataclass(frozen=True)
class RecordedLine:
    """A line as the ledger holds it: what was filed, when it was recorded, and where."""

    position: int
    id: str
    type: str
    recorded_at: datetime
    record_id: str
    sources: list[str]
    filed: str

    @property
    def content(self) -> dict[str, Any]:
        return json.loads(self.filed)


@dataclass(frozen=True)
class PartyEntry:
    id: str
    kind: str
    name: str
    country: str | None
    names: list[str]


@dataclass(frozen=True)
class KnownLine:
    """Enough of a recorded line to check a new line against it."""

    type: str
    filed: str
    party_kind: str | None


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

    def find_in_force(self, *, at: date, known_at: datetime, target: str | None = None,
                      authority: str | None = None) -> list[SanctionInForce]:
        """Sanctions in force on ``at`` as recorded by ``known_at``, against or by a party."""
        query, party = ((_SPANS_AGAINST, target) if target is not None
                        else (_SPANS_IMPOSED_BY, authority))
        with self._connect() as conn:
            rows = conn.execute(query, {"party": party, "at": at, "known_at": known_at})
            return _by_id(_in_force(row) for row in rows)

    def find_in_force_many(self, targets: Iterable[str], *, at: date,
                           known_at: datetime) -> dict[str, list[SanctionInForce]]:
        """``find_in_force`` for many targets at once: one query per chunk of targets."""
        found: dict[str, list[SanctionInForce]] = {}
        with self._connect() as conn:
            for chunk in chunks(sorted(set(targets))):
                rows = conn.execute(_SPANS_AGAINST_ANY.on(conn),
                                    {"parties": chunk, "at": at, "known_at": known_at})
                for row in rows:
                    found.setdefault(row.target, []).append(_in_force(row))
        return {target: _by_id(sanctions) for target, sanctions in found.items()}

    def lines(self, line_ids: list[str]) -> list[RecordedLine]:
        """The recorded lines with these ids, in recorded order (a crisis report over
        years cites more lines than one SQLite statement can bind: chunked)."""
        found: list[RecordedLine] = []
        with self._connect() as conn:
            for chunk in chunks(sorted(set(line_ids))):
                found += map(_recorded_line, conn.execute(_LINES.on(conn), {"ids": chunk}))
        return sorted(found, key=lambda line: line.position)

    def get_line(self, line_id: str) -> RecordedLine | None:
        found = self.lines([line_id])
        return found[0] if found else None

    def lines_about(self, record_id: str) -> list[RecordedLine]:
        """Every line recorded about a record: its own, and every line that names it."""
        c = recorded_lines.c
        naming = select(line_refs.c.position).where(line_refs.c.ref_id == record_id)
        query = (select(recorded_lines)
                 .where(or_(c.record_id == record_id, c.position.in_(naming)))
                 .order_by(c.position))
        with self._connect() as conn:
            return [_recorded_line(row) for row in conn.execute(query)]

    def known_line(self, line_id: str) -> KnownLine | None:
        return self.known_lines([line_id]).get(line_id)

    def known_lines(self, line_ids: Iterable[str]) -> dict[str, KnownLine]:
        """``known_line`` for many ids at once (absent ids are left out): chunked IN queries."""
        found: dict[str, KnownLine] = {}
        with self._connect() as conn:
            for chunk in chunks(sorted(set(line_ids))):
                found.update({row.line_id: KnownLine(row.type, row.filed, row.kind)
                              for row in conn.execute(_KNOWN_LINES.on(conn), {"ids": chunk})})
        return found

    def last_recorded_at(self) -> datetime | None:
        with self._connect() as conn:
            return conn.execute(select(func.max(recorded_lines.c.recorded_at))).scalar()

    def resolve_party(self, text: str) -> PartyEntry:
        """A party by id, else by name or alias (case-insensitive, then folded)."""
        found = self._parties([text]) or self._parties(self._named([text]).get(text, []))
        if not found:
            raise UnknownPartyError(f"no party has the id, name or alias {text!r}")
        if len(found) > 1:
            listed = "; ".join(f"{p.id} ({p.name})" for p in found)
            raise AmbiguousPartyError(f"{text!r} names more than one party: {listed}")
        return found[0]

    def resolve_parties(self, texts: Iterable[str]) -> dict[str, list[str]]:
        """The party ids each text names, for many texts at once: its id, else the
        parties whose name or alias matches case-insensitively, else folded.

        A text naming one party maps to ``[id]``, an ambiguous one to every
        candidate, an unknown one is absent. One query per chunk and rule.
        """
        texts = list(dict.fromkeys(texts))
        found = {t: [t] for t in self._matching(_PARTY_IDS, texts)}
        found.update(self._named([t for t in texts if t not in found]))
        return found

    def _named(self, texts: list[str]) -> dict[str, list[str]]:
        """The party ids each text is a name or alias of: case-insensitively, else folded."""
        found: dict[str, list[str]] = {}
        for query, key in ((_PARTIES_BY_LOWERED, lower_name), (_PARTIES_BY_FOLDED, fold_name)):
            keys = {t: key(t) for t in texts if t not in found}
            by_key = self._matching(query, set(keys.values()))
            found.update({t: sorted(by_key[k]) for t, k in keys.items() if k in by_key})
        return found

    def _matching(self, query: AmongList[Select[Any]], keys: Iterable[str]) -> dict[str, set[str]]:
        """key -> party ids that ``query`` (key, party id) pairs it with, chunk by chunk."""
        by_key: dict[str, set[str]] = {}
        if not keys:
            return by_key
        with self._connect() as conn:
            for chunk in chunks(sorted(set(keys))):
                for key, ident in conn.execute(query.on(conn), {"keys": chunk}):
                    by_key.setdefault(key, set()).add(ident)
        return by_key

    def find_parties(self, search: str | None = None, limit: int = 200) -> list[PartyEntry]:
        """Parties whose id, name or alias contains ``search`` (all parties without it)."""
        if not search:
            return self._parties(None, limit)
        ids = self._party_ids_where(or_(  # a search is literal text, never a LIKE pattern
            party_names.c.lowered.contains(lower_name(search), autoescape=True),
            party_names.c.folded.contains(fold_name(search), autoescape=True),
            party_names.c.party_id.contains(search, autoescape=True)))
        return self._parties(ids[:limit])  # a broad search can match more ids than SQLite binds

    def _party_ids_where(self, condition: Any) -> list[str]:
        query = select(party_names.c.party_id).where(condition).distinct()
        with self._connect() as conn:
            return sorted(conn.execute(query).scalars())

    def _parties(self, ids: list[str] | None, limit: int | None = None) -> list[PartyEntry]:
        if ids == []:
            return []
        with self._connect() as conn:
            query = _ALL_PARTIES if ids is None else _PARTIES.on(conn)
            if limit is not None:
                query = query.limit(limit)
            found = list(conn.execute(query, {"ids": ids}))
            names = _names_of(conn, [row.party_id for row in found])
        return [PartyEntry(r.party_id, r.kind, r.name, r.country, names.get(r.party_id, []))
                for r in found]

    # Audit trail and reports (issue 3): whole-log and whole-timeline reads.

    def iter_lines(self, *, known_at: datetime | None = None, types: Iterable[str] = (),
                   page: int = 5000) -> Iterator[RecordedLine]:
        """Every recorded line (by ``known_at`` if given; of these ``types`` if given) in
        recorded order, a page at a time so that memory stays bounded whatever the
        size of the ledger."""
        c, after, types = recorded_lines.c, 0, list(types)
        while True:
            query = select(recorded_lines).where(c.position > after)
            if known_at is not None:
                query = query.where(c.recorded_at <= known_at)
            if types:
                query = query.where(c.type.in_(types))
            query = query.order_by(c.position).limit(page)
            with self._connect() as conn:
                rows = [_recorded_line(row) for row in conn.execute(query)]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position

    def find_spans(self, *, known_at: datetime, target: str | None = None,
                   starting: tuple[date, date] | None = None) -> list[SpanInForce]:
        """The valid-time spans in force as known at ``known_at``: of the sanctions
        against ``target``, or of those whose start falls within ``starting``."""
        s = sanction_spans.c
        query = select(sanction_spans).where(*_believed_at(known_at)).order_by(
            s.authority, s.sanction_id, s.valid_from)
        if target is not None:
            query = query.where(s.target == target)
        if starting is not None:
            query = query.where(s.effective_from >= starting[0], s.effective_from <= starting[1])
        with self._connect() as conn:
            return [SpanInForce(row.sanction_id, row.kind, row.authority, row.target,
                                row.valid_from, row.valid_until, json.loads(row.measures),
                                row.effective_from) for row in conn.execute(query)]


def _names_of(conn: Any, ids: list[str]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    if ids:
        for party_id, name in conn.execute(_NAMES.on(conn), {"ids": ids}):
            names.setdefault(party_id, []).append(name)
    return names


def chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    """Pieces small enough for one IN list on every backend (SQLite caps bound variables)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _believed_at(known_at: datetime | BindParameter[Any]) -> list[Any]:
    """Spans the ledger held at ``known_at`` (rule 1: recorded by then, not yet superseded)."""
    s = sanction_spans.c
    return [s.recorded_from <= known_at,
            or_(s.recorded_until.is_(None), s.recorded_until > known_at)]


def _in_force_on(at: BindParameter[Any], known_at: BindParameter[Any]) -> list[Any]:
    """The span conditions of rules 1-5: valid on ``at``, believed at ``known_at``."""
    s = sanction_spans.c
    return [s.valid_from <= at, or_(s.valid_until.is_(None), s.valid_until >= at),
            *_believed_at(known_at)]


def _by_id(sanctions: Iterable[SanctionInForce]) -> list[SanctionInForce]:
    """Sorted by id in Python: PostgreSQL's collation would ignore punctuation and case."""
    return sorted(sanctions, key=lambda sanction: sanction.id)


def _in_force(row: Row[Any]) -> SanctionInForce:
    return SanctionInForce(
        id=row.sanction_id, kind=row.kind, authority=row.authority, target=row.target,
        measures=json.loads(row.measures), program=row.program, legal_basis=row.legal_basis,
        effective_from=row.effective_from, effective_until=row.effective_until,
        evidence=json.loads(row.evidence))


def _recorded_line(row: Row[Any]) -> RecordedLine:
    return RecordedLine(position=row.position, id=row.line_id, type=row.type,
                        recorded_at=row.recorded_at, record_id=row.record_id,
                        sources=json.loads(row.sources), filed=row.filed)


@dataclass(frozen=True)
class SpanInForce:
    """A valid-time interval (both ends inclusive, None: open) in which a sanction is in force."""

    sanction_id: str
    kind: str
    authority: str
    target: str
    valid_from: date
    valid_until: date | None
    measures: list[str]
    effective_from: date


# The statements a point answer, a screening and an import run over and over, built
# once: building a select and its cache key cost more than executing it (issue 5).
_SPANS_AGAINST = select(sanction_spans).where(
    sanction_spans.c.target == bindparam("party"),
    *_in_force_on(bindparam("at"), bindparam("known_at")))
_SPANS_IMPOSED_BY = select(sanction_spans).where(
    sanction_spans.c.authority == bindparam("party"),
    *_in_force_on(bindparam("at"), bindparam("known_at")))


Among = Callable[[Any, str], ColumnElement[bool]]  # (column, list parameter) -> condition


Statement = TypeVar("Statement", bound=Executable)


class AmongList(Generic[Statement]):
    """A statement over a list parameter, built once per backend.

    SQLite gets an expanding ``IN (?, ?, ...)``. PostgreSQL gets ``= ANY(:list)``,
    one array parameter: psycopg converts a query's placeholders in Python and
    caches only short queries, so a 900-placeholder IN list was converted
    afresh on every call (a tenth of a PostgreSQL import's time).
    """

    def __init__(self, build: Callable[[Among], Statement]):
        self.sqlite = build(lambda column, name: column.in_(bindparam(name, expanding=True)))
        self.postgresql = build(
            lambda column, name: column == any_(bindparam(name, type_=ARRAY(column.type))))

    def on(self, conn: Connection) -> Statement:
        return self.postgresql if conn.dialect.name == "postgresql" else self.sqlite


_SPANS_AGAINST_ANY = AmongList(lambda among: select(sanction_spans).where(
    among(sanction_spans.c.target, "parties"),
    *_in_force_on(bindparam("at"), bindparam("known_at"))))
_LINES = AmongList(lambda among: select(recorded_lines).where(
    among(recorded_lines.c.line_id, "ids")))
_KNOWN_LINES = AmongList(lambda among: select(
    recorded_lines.c.line_id, recorded_lines.c.type, recorded_lines.c.filed, parties.c.kind)
    .join(parties, parties.c.party_id == recorded_lines.c.line_id, isouter=True)
    .where(among(recorded_lines.c.line_id, "ids")))
_PARTY_IDS, _PARTIES_BY_LOWERED, _PARTIES_BY_FOLDED = (
    AmongList(lambda among, key=key, party_id=party_id:
               select(key, party_id).where(among(key, "keys")))
    for key, party_id in ((parties.c.party_id, parties.c.party_id),
                          (party_names.c.lowered, party_names.c.party_id),
                          (party_names.c.folded, party_names.c.party_id)))
_ALL_PARTIES = select(parties).order_by(parties.c.party_id)
_PARTIES = AmongList(lambda among: _ALL_PARTIES.where(among(parties.c.party_id, "ids")))
_NAMES = AmongList(lambda among: select(party_names.c.party_id, party_names.c.name).where(
    among(party_names.c.party_id, "ids")))
