"""How stored events become read-model rows, and how those rows are written.

A batch's rows come in two kinds, planned apart so that two processes can
share the work (``ledger.write.bulk``, ``Projector.rebuild``):

- a line's own rows (``recorded_lines``, ``line_refs``, ``parties``,
  ``party_names``, ``screening_keys``) depend on nothing but the line: its
  ``LineFacts``, plain values that cost little to send, are planned into rows
  where they are written;
- a sanction's spans depend on the sanction as all its events so far leave
  it: they are planned (``plan_spans``) where the sanctions are at hand.

Rows are inserted through the driver itself (one ``executemany`` on SQLite,
``COPY`` on PostgreSQL), each value through its column's own bind processor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Dialect,
    Executable,
    Table,
    any_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from ledger.domain.aggregates import Party, Sanction
from ledger.domain.fold import spans_in_force
from ledger.domain.names import fold_name, lower_name
from ledger.domain.rules import referenced_ids
from ledger.read.schema import (
    line_refs,
    parties,
    party_names,
    recorded_lines,
    sanction_spans,
    screening_keys,
)
from ledger.read.screening import key_rows
from ledger.read.sql import chunks

Insert = tuple[str, list[str], list[tuple[Any, ...]]]  # table, columns, bound rows


#: What a recorded line's own rows are made of, all but its position: line id, line type,
#: recorded time, filed text, sources, the (kind, name, country) of a party it registers,
#: and the names it gives a party (registered name and aliases, or an alias). A plain
#: tuple, because it is sent to the writing process, where a named tuple pickles slower;
#: ``LineFact`` names its fields' positions.
LineFacts = tuple[str, str, datetime, str, list[str], tuple[str, str, str | None] | None,
                  list[str]]


class LineFact:
    """The position of each field in a ``LineFacts`` tuple."""

    ID, TYPE, RECORDED_AT, FILED, SOURCES, PARTY, NAMES = range(7)


def lines_of(events: Sequence[Any]) -> list[LineFacts]:
    """The facts of the lines these events record. Equal recorded times share one object,
    which pickle then writes once."""
    times: dict[datetime, datetime] = {}
    return [_line_facts(e, times.setdefault(e.timestamp, e.timestamp)) for e in events]


def _line_facts(event: Any, recorded_at: datetime) -> LineFacts:
    party, names = None, []
    if isinstance(event, Party.Registered):
        party, names = (event.kind, event.name, event.country), [event.name, *event.aliases]
    elif isinstance(event, Party.AliasAdded | Party.Amended) and event.name is not None:
        names = [event.name]
    return (event.line_id, event.line_type, recorded_at, event.filed, event.sources, party,
            names)


@dataclass
class PlannedSpans:
    """A batch's span rows, worked out from its events alone, without the database.

    Values are already in the driver's form. A row's position is the index of
    its event in the batch until ``write_rows`` learns the positions the store
    gave the events (PostgreSQL draws them only when it stores them).
    """

    inserts: list[Insert]
    closing: dict[datetime, list[str]]  # stored spans to close, by recorded time


@dataclass
class PlannedBatch:
    """A batch of events as the database takes it, planned without the database.

    ``lines`` and ``spans`` become the read model's rows. Events not yet
    stored (an import's) travel as ``stored``, each (originator id, version,
    topic, state) as ``ledger.store.chain.EventRow``, and get their positions
    when they are stored; events already stored (a rebuild's) come with their
    ``positions``. Plain values only: a writing process receives the batch
    pickled, and pickling aggregates cost more than writing them.
    """

    lines: list[LineFacts]
    spans: PlannedSpans
    positions: list[int] = field(default_factory=list)
    stored: list[tuple[str, int, str, bytes]] = field(default_factory=list)

    @property
    def recorded_until(self) -> datetime:
        """The recorded time of its last line: recorded time grows with position."""
        return cast(datetime, self.lines[-1][LineFact.RECORDED_AT])


def plan_spans(events: Sequence[DomainEventProtocol[UUID]],
               sanction_after: Callable[[Any], Sanction], dialect: Dialect) -> PlannedSpans:
    """The span rows of the sanctions these events change.

    ``sanction_after(event)`` is the sanction as it stands after the event: the
    projector folds it from the log; an import has it in hand.
    """
    return _SpanPlanner(sanction_after).plan(events, dialect)


def write_rows(conn: Connection, positions: list[int], batch: PlannedBatch) -> None:
    """Write a batch's rows (its events at these positions) on ``conn``: close the stored
    spans the batch supersedes, then insert the lines' rows and the new spans."""
    _close_stored_spans(conn, batch.spans.closing)
    for table, columns, rows in [*_plan_lines(batch.lines, conn.dialect), *batch.spans.inserts]:
        if "position" in columns:
            at = columns.index("position")
            rows = [(*row[:at], positions[row[at]], *row[at + 1:]) for row in rows]
        _insert(conn, table, columns, rows)
    _end_names(conn, batch.lines)


def _plan_lines(lines: Sequence[LineFacts], dialect: Dialect) -> list[Insert]:
    """Each line's row, references, party and names (``position`` holds its index)."""
    rows: dict[Table, list[dict[str, Any]]] = {
        t: [] for t in (recorded_lines, line_refs, parties, party_names, screening_keys)}
    for index, (line_id, line_type, recorded_at, filed, sources, party, names) in enumerate(
            lines):
        fields = orjson.loads(filed)
        rows[recorded_lines].append({
            "position": index, "line_id": line_id, "type": line_type,
            "recorded_at": recorded_at, "filed": filed, "sources": _json(sources),
            "record_id": (fields.get("sanction") or fields.get("same_party")
                          or fields.get("party") or line_id),
        })
        rows[line_refs].extend({"ref_id": ref, "position": index}
                               for ref in referenced_ids(fields))
        if party:
            kind, name, country = party
            rows[parties].append({"party_id": line_id, "kind": kind, "name": name,
                                  "country": country, "recorded_from": recorded_at})
        party_id = fields.get("party") or line_id
        valid_from = fields.get("effective_from") if line_type in _NAMING_FROM else None
        rows[party_names].extend(name_rows(party_id, names, recorded_at,
                                           valid_from and date.fromisoformat(valid_from)))
        rows[screening_keys].extend(key_rows(party_id, names, recorded_at))
    return _bound(rows, dialect)


#: Lines whose names are valid from their ``effective_from`` (version 2); other names
#: are valid whenever the party is.
_NAMING_FROM = ("alias", "party_amendment")


def name_rows(party_id: str, names: list[str], recorded_at: datetime,
              valid_from: date | None = None) -> list[dict[str, Any]]:
    """The ``party_names`` rows of names a line recorded at ``recorded_at`` gives a party:
    known from then on, valid from ``valid_from`` (None: whenever the party is)."""
    return [{"party_id": party_id, "name": n, "lowered": lower_name(n), "folded": fold_name(n),
             "recorded_from": recorded_at, "recorded_until": None, "valid_from": valid_from,
             "valid_until": None} for n in names]


def _end_names(conn: Connection, lines: Sequence[LineFacts]) -> None:
    """Alias ends: each row naming the party so, as currently known, is superseded at the
    line's recorded time by one valid until the day before the alias ends."""
    for line in lines:
        if line[LineFact.TYPE] != "alias_end":
            continue
        fields, at = orjson.loads(str(line[LineFact.FILED])), line[LineFact.RECORDED_AT]
        last = date.fromisoformat(fields["effective_from"]) - timedelta(days=1)
        current = (party_names.c.party_id == fields["party"],
                   party_names.c.name == fields["name"], party_names.c.recorded_until.is_(None))
        known = [dict(row) for row in conn.execute(select(party_names).where(*current)).mappings()]
        conn.execute(update(party_names).where(*current).values(recorded_until=at))
        ended = [{**row, "recorded_from": at, "recorded_until": None,
                  "valid_until": min(last, row["valid_until"] or last)} for row in known]
        if ended:
            conn.execute(insert(party_names), ended)


def names_filed(line_type: str, fields: dict[str, Any]) -> list[str]:
    """The names a line as filed gives a party: a party line its name and aliases (strings,
    or version 2 objects with a name), an alias line or a renaming party amendment its
    one name (what ``lines_of`` reads from the line's event)."""
    if line_type == "party":
        return [fields["name"], *(alias if isinstance(alias, str) else alias["name"]
                                  for alias in fields.get("aliases", []))]
    named = line_type == "alias" or (line_type == "party_amendment" and "name" in fields)
    return [fields["name"]] if named else []


class _SpanPlanner:
    """Turns one batch of events into one span rewrite per sanction and recorded time."""

    def __init__(self, sanction_after: Callable[[Any], Sanction]):
        self.sanction_after = sanction_after
        self.spans: dict[str, list[dict[str, Any]]] = {}
        self.dirty: dict[UUID, tuple[Sanction, datetime]] = {}
        self.fresh: set[UUID] = set()
        self.closing: dict[datetime, list[str]] = {}  # stored spans to close, by time

    def plan(self, events: Sequence[DomainEventProtocol[UUID]],
             dialect: Dialect) -> PlannedSpans:
        for event in events:
            if isinstance(event, Sanction.Event):
                self._sanction_event(event)
        for sanction, recorded_at in self.dirty.values():
            self._respan(sanction, recorded_at)
        spans = [row for rows in self.spans.values() for row in rows]
        return PlannedSpans(_bound({sanction_spans: spans}, dialect), self.closing)

    def _sanction_event(self, event: Any) -> None:
        """Rewrite a sanction's spans once per recorded time, not once per event."""
        key = event.originator_id
        pending = self.dirty.get(key)
        if pending and pending[1] != event.timestamp:
            self._respan(*pending)
        if isinstance(event, Sanction.Created):
            self.fresh.add(key)
        self.dirty[key] = (self.sanction_after(event), event.timestamp)

    def _respan(self, sanction: Sanction, recorded_at: datetime) -> None:
        """Close the sanction's current spans at ``recorded_at`` and open its new ones."""
        if sanction.id in self.fresh:
            self.fresh.discard(sanction.id)
        else:
            self._close_spans(sanction.line_id, recorded_at)
        terms = sanction.terms
        self.spans.setdefault(sanction.line_id, []).extend({
            "sanction_id": sanction.line_id, "recorded_from": recorded_at,
            "recorded_until": None, "valid_from": span.valid_from,
            "valid_until": span.valid_until, "kind": sanction.kind,
            "authority": terms.authority, "target": terms.target,
            "measures": _json(span.measures), "program": terms.program,
            "legal_basis": terms.legal_basis, "effective_from": terms.effective_from,
            "effective_until": span.effective_until, "evidence": _json(span.evidence),
            "programs": _json_or_null(span.programs),
            "legal_bases": _json_or_null(span.legal_bases),
            "start_window": _json_or_null(terms.start_window and terms.start_window.wire()),
            "unsure_window": _json_or_null(span.window and span.window.wire()),
        } for span in spans_in_force(sanction))

    def _close_spans(self, sanction_id: str, recorded_at: datetime) -> None:
        # Spans this batch has not inserted yet are closed the same way, in memory.
        for row in self.spans.get(sanction_id, []):
            if row["recorded_until"] is None:
                row["recorded_until"] = recorded_at
        self.spans[sanction_id] = [row for row in self.spans.get(sanction_id, [])
                                   if row["recorded_from"] != row["recorded_until"]]
        self.closing.setdefault(recorded_at, []).append(sanction_id)


def _bound(rows: dict[Table, list[dict[str, Any]]], dialect: Dialect) -> list[Insert]:
    return [(table.name, list(found[0]), _bound_values(table, found, list(found[0]), dialect))
            for table, found in rows.items() if found]


def _insert(conn: Connection, table: str, columns: list[str],
            rows: list[tuple[Any, ...]]) -> None:
    """Insert bound rows through the driver: one executemany on SQLite, COPY on PostgreSQL."""
    if conn.dialect.name == "postgresql":  # COPY: one stream instead of a statement per row
        # SQLAlchemy types driver_connection as Optional (None once closed); this one is open.
        with conn.connection.driver_connection.cursor() as curs, curs.copy(  # type: ignore[union-attr]
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", rows)


def _bound_values(table: Table, rows: list[dict[str, Any]], keys: Sequence[str],
                  dialect: Dialect) -> list[tuple[Any, ...]]:
    """The rows as tuples in ``keys`` order, each value through its column's bind processor.

    SQLAlchemy's executemany processes each parameter of each row in Python, a
    large share of projection time (docs/performance.md); here each column's bind processor (the
    same one SQLAlchemy would use, so the stored values are identical) runs
    once per distinct value of the batch (an import's rows share one recorded
    time, and dates repeat).
    """
    columns = []
    for key in keys:
        column = [row[key] for row in rows]
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converted = {value: process(value) for value in set(column)}
            column = [converted[value] for value in column]
        columns.append(column)
    return list(zip(*columns, strict=True))


def _close_stored_spans(conn: Connection, closing: dict[datetime, list[str]]) -> None:
    """Close stored current spans, two statements per recorded time and chunk of ids.

    Run in recorded-time order and before the batch's rows are inserted, so
    only spans of earlier batches are touched. Spans opened at the same
    recorded time (an earlier batch of the same file) are replaced, not closed.
    """
    for recorded_at, ids in closing.items():
        for chunk in chunks(ids):
            for statement in (_DROP_REPLACED_SPANS, _CLOSE_SPANS):
                conn.execute(statement.on(conn), {"ids": chunk, "at": recorded_at})


def _json(value: list[str]) -> str:
    """A list column's text (compact: read back with json.loads, like the spaced
    text older versions wrote)."""
    return orjson.dumps(value).decode()


def _json_or_null(value: Any) -> str | None:
    """A version 2 column: NULL when a version 1 line leaves it unsaid."""
    return None if value is None else orjson.dumps(value).decode()


Among = Callable[[Any, str], ColumnElement[bool]]  # (column, list parameter) -> condition


Statement = TypeVar("Statement", bound=Executable)


class AmongList(Generic[Statement]):
    """A statement over a list parameter, built once per backend.

    SQLite gets an expanding ``IN (?, ?, ...)``. PostgreSQL gets ``= ANY(:list)``,
    one array parameter: psycopg converts a query's placeholders in Python and
    caches only short queries, so a long IN list would be converted afresh on
    every call.
    """

    def __init__(self, build: Callable[[Among], Statement]):
        self.sqlite = build(lambda column, name: column.in_(bindparam(name, expanding=True)))
        self.postgresql = build(
            lambda column, name: column == any_(bindparam(name, type_=ARRAY(column.type))))

    def on(self, conn: Connection) -> Statement:
        return self.postgresql if conn.dialect.name == "postgresql" else self.sqlite


def _current_spans(among: Among) -> ColumnElement[bool]:
    """The open spans (not yet superseded) of the sanctions in the list ``ids``."""
    return among(sanction_spans.c.sanction_id, "ids") & sanction_spans.c.recorded_until.is_(None)


# Built once, per backend (``AmongList``): run for every batch of an import or rebuild.
_DROP_REPLACED_SPANS = AmongList(lambda among: delete(sanction_spans).where(
    _current_spans(among), sanction_spans.c.recorded_from == bindparam("at")))
_CLOSE_SPANS = AmongList(lambda among: update(sanction_spans).where(
    _current_spans(among)).values(recorded_until=bindparam("at")))
