"""The read model's reads on the hot paths, in plain driver SQL.

An answer to "what is in force against X on D?" is three small indexed reads:
where the read model stands, the party with its names, its spans with the
lines they cite as evidence (each pair one read: on PostgreSQL every read is
a round trip).
Through SQLAlchemy each cost 40-60 µs of statement handling around a 10 µs
read, and a single question from the command line paid 150-180 ms to import
SQLAlchemy before asking anything (issue 5). Here they run on the DB-API
connection itself, as short fixed SQL over the read-model tables that
``schema`` declares, and this module imports nothing beyond the standard
library. ``ReadModel`` (inside the application) and ``ledger.questions``
(a lone CLI question) both answer through it, so there is one answer path.
The audit trail's scans (every line in recorded order, every span believed
at a moment) read here too: at a million lines, SQLAlchemy's row handling
and its parsing of SQLite date strings were half of a ``replay``.

The two drivers differ in three ways, kept in ``_Dialect``: the placeholder,
how a list is passed (SQLite: ``IN (?, ?, ...)``, a chunk at a time within its
bound-variable limit; PostgreSQL: ``= ANY(%s)``, one array), and how days and
moments travel (SQLite stores the text SQLAlchemy writes, naive UTC with
microseconds; PostgreSQL has native types).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.answers import (
    InForceAnswer,
    PartyEntry,
    RecordedLine,
    SanctionInForce,
    SpanInForce,
)
from ledger.errors import AmbiguousPartyError, UnknownPartyError
from ledger.names import fold_name, lower_name

if TYPE_CHECKING:
    from sqlalchemy import Connection

#: The read model's one tracked position (the ``projection_position`` row).
PROJECTION = "sanctions"


class KnownLine(NamedTuple):
    """Enough of a recorded line to check a new line against it."""

    type: str
    filed: str
    party_kind: str | None


class ProjectionStatus(NamedTuple):
    """The tracked position; the latest recorded time whose events are all applied
    (queries cap known_at there); the store's last position."""

    position: int
    complete_until: datetime | None
    last_stored: int

    @property
    def lag(self) -> int:
        return self.last_stored - self.position

    def cap(self, known_at: datetime) -> datetime:
        """``known_at``, but no later than what the read model holds whole: a reader never
        sees a file half-applied, and an empty read model answers as of the beginning."""
        return min(known_at, self.complete_until or datetime.min.replace(tzinfo=UTC))


# Spans the ledger held at a moment (rule 1: recorded by then, not yet superseded), and
# every span condition of rules 1-5: valid on the day, believed at the moment.
_BELIEVED_AT = "recorded_from <= ? AND (recorded_until IS NULL OR recorded_until > ?)"
_IN_FORCE_ON = f"valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?) AND {_BELIEVED_AT}"
_SPAN_COLUMNS = ("sanction_id, kind, authority, target, measures, program, legal_basis, "
                 "effective_from, effective_until, evidence")
_SPAN_WIDTH = _SPAN_COLUMNS.count(",") + 1
_PARTY_COLUMNS = "party_id, kind, name, country"

# The store's last position is the chain's: every event gets its link in its own
# transaction (``ledger.persistence``), and the chain table is named alike on both backends.
_STATUS = ("SELECT (SELECT position FROM projection_position WHERE name = ?), "
           "(SELECT complete_until FROM projection_position WHERE name = ?), "
           "(SELECT MAX(position) FROM event_chain)")
_SPANS_AGAINST = f"SELECT {_SPAN_COLUMNS} FROM sanction_spans WHERE target = ? AND {_IN_FORCE_ON}"
_SPANS_IMPOSED_BY = (f"SELECT {_SPAN_COLUMNS} FROM sanction_spans "
                     f"WHERE authority = ? AND {_IN_FORCE_ON}")
_LINE_COLUMNS = "position, line_id, type, recorded_at, record_id, sources, filed"
# An answer's spans with the lines each cites, one row per (span, line): one read, not two.
# ``{cited}`` is how the driver unnests a span's evidence list and joins each id's line.
_CITING = (f"SELECT {_SPAN_COLUMNS}, "
           f"{', '.join(f'l.{column}' for column in _LINE_COLUMNS.split(', '))} "
           "FROM sanction_spans LEFT JOIN {cited} WHERE")
_SPANS_AGAINST_CITING = f"{_CITING} target = ? AND {_IN_FORCE_ON}"
_SPANS_IMPOSED_BY_CITING = f"{_CITING} authority = ? AND {_IN_FORCE_ON}"
# A party's names come with it (``{names}``: the driver's aggregate of them, in the order
# the index on party_names.party_id keeps them, as a read of its own did).
_FIRST_PARTIES = f"SELECT {_PARTY_COLUMNS}, {{names}} FROM parties ORDER BY party_id LIMIT ?"
# Statements over a list: ``{among}`` is where the list goes, always the first parameter.
_SPANS_AGAINST_ANY = (f"SELECT {_SPAN_COLUMNS} FROM sanction_spans "
                      f"WHERE target {{among}} AND {_IN_FORCE_ON}")
_PARTIES = f"SELECT {_PARTY_COLUMNS}, {{names}} FROM parties WHERE party_id {{among}}"
_PARTY_IDS = "SELECT party_id, party_id FROM parties WHERE party_id {among}"
_BY_LOWERED = "SELECT lowered, party_id FROM party_names WHERE lowered {among}"
_BY_FOLDED = "SELECT folded, party_id FROM party_names WHERE folded {among}"
_KNOWN_LINES = ("SELECT r.line_id, r.type, r.filed, p.kind FROM recorded_lines r "
                "LEFT JOIN parties p ON p.party_id = r.line_id WHERE r.line_id {among}")
_LINES = f"SELECT {_LINE_COLUMNS} FROM recorded_lines WHERE line_id {{among}}"
_LINES_ABOUT = (f"SELECT {_LINE_COLUMNS} FROM recorded_lines WHERE record_id = ? OR position IN "
                "(SELECT position FROM line_refs WHERE ref_id = ?) ORDER BY position")


def chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    """Pieces small enough for one IN list on every backend (SQLite caps bound variables)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Dialect:
    """How one driver spells a statement, passes a list, and carries days and moments."""

    def __init__(self, backend: str):
        self.postgresql = backend == "postgresql"
        self._spelled: dict[tuple[str, int], str] = {}

    def sql(self, statement: str, listed: int = 0) -> str:
        """The statement in this driver's placeholders, with room for ``listed`` values."""
        key = (statement, 0 if self.postgresql else listed)
        if key not in self._spelled:
            among = "= ANY(%s)" if self.postgresql else f"IN ({', '.join('?' * listed)})"
            spelled = (statement.replace("{among}", among).replace("{names}", self._names)
                       .replace("{cited}", self._cited))
            self._spelled[key] = spelled.replace("?", "%s") if self.postgresql else spelled
        return self._spelled[key]

    @property
    def _names(self) -> str:
        aggregate = "array_agg(n.name)" if self.postgresql else "json_group_array(n.name)"
        return (f"(SELECT {aggregate} FROM party_names n "
                "WHERE n.party_id = parties.party_id)")

    @property
    def _cited(self) -> str:
        if self.postgresql:
            # Each line is looked up by its id (LIMIT 1 keeps the lookup a lookup): as a
            # plain join, a table PostgreSQL has no statistics for yet (a fresh import) got
            # a hash join that read every recorded line once per span.
            return ("LATERAL jsonb_array_elements_text(sanction_spans.evidence::jsonb) "
                    "AS e(value) ON true LEFT JOIN LATERAL "
                    f"(SELECT {_LINE_COLUMNS} FROM recorded_lines WHERE line_id = e.value "
                    "LIMIT 1) AS l ON true")
        return ("json_each(sanction_spans.evidence) AS e "
                "LEFT JOIN recorded_lines l ON l.line_id = e.value")

    def read_names(self, value: Any) -> list[str]:
        """A party's names as the ``{names}`` aggregate gives them."""
        if self.postgresql:
            return value or []
        return json.loads(value)

    def listed(self, values: list[str]) -> tuple[Any, ...]:
        """A list as the first parameters of a statement."""
        return (values,) if self.postgresql else tuple(values)

    def day(self, value: date) -> Any:
        return value if self.postgresql else value.isoformat()

    def moment(self, value: datetime) -> Any:
        naive = value.astimezone(UTC).replace(tzinfo=None)
        if self.postgresql:
            return naive
        return (f"{naive.year:04d}-{naive.month:02d}-{naive.day:02d} {naive.hour:02d}:"
                f"{naive.minute:02d}:{naive.second:02d}.{naive.microsecond:06d}")

    def read_day(self, value: Any) -> date:
        return value if self.postgresql else date.fromisoformat(value)

    def read_moment(self, value: Any) -> datetime:
        naive = value if self.postgresql else datetime.fromisoformat(value)
        return naive.replace(tzinfo=UTC)

    def read_open_day(self, value: Any) -> date | None:
        """A day that may be open-ended (NULL)."""
        return None if value is None else self.read_day(value)


_DIALECTS = {name: _Dialect(name) for name in ("sqlite", "postgresql")}


class Lookups:
    """The read model's reads over one DB-API connection (sqlite3 or psycopg).

    Each call reads in whatever transaction the connection is in: inside the
    application that is SQLAlchemy's, so an answer and its status check share
    one connection, a rebuild's status check sees its own transaction, and an
    import's known-line lookups see the batches it has written, uncommitted.
    """

    def __init__(self, connection: Any, backend: str):
        self._connection = connection
        self._dialect = _DIALECTS[backend]

    @classmethod
    def within(cls, conn: Connection) -> Lookups:
        """The lookups on a SQLAlchemy connection's own driver connection."""
        return cls(conn.connection.driver_connection, conn.dialect.name)

    def _rows(self, statement: str, parameters: tuple[Any, ...]) -> Iterator[Any]:
        """The statement's rows as the cursor yields them: a scan of every span holds
        each raw row only until it is converted."""
        return iter(self._connection.execute(statement, parameters))

    def _rows_among(self, statement: str, values: Iterable[str],
                    *parameters: Any) -> Iterator[Any]:
        """A list statement's rows, a chunk of ``values`` at a time (sorted, distinct)."""
        d = self._dialect
        for chunk in chunks(sorted(set(values))):
            yield from self._rows(d.sql(statement, len(chunk)), (*d.listed(chunk), *parameters))

    def status(self) -> ProjectionStatus:
        """Where the read model stands against the store: one read, before every answer."""
        position, complete_until, last_stored = self._connection.execute(
            self._dialect.sql(_STATUS), (PROJECTION, PROJECTION)).fetchone()
        complete = None if complete_until is None else self._dialect.read_moment(complete_until)
        return ProjectionStatus(int(position or 0), complete, int(last_stored or 0))

    def answer(self, party: str, role: str, *, at: date, known_at: datetime,
               known_by: datetime) -> InForceAnswer:
        """What is in force against (role "target") or imposed by (role "authority")
        ``party`` on ``at`` as recorded by ``known_by`` (``known_at``, capped by the
        caller at what the read model holds whole), with the lines it rests on."""
        entry = self.resolve_party(party)
        found, lines = self._in_force_citing(role, entry.id, at, known_by)
        evidence = {line.id: line for line in sorted(lines, key=lambda line: line.position)}
        in_recorded_order = [
            replace(s, evidence=sorted(s.evidence, key=lambda i: evidence[i].position))
            for s in found]
        return InForceAnswer(at, known_at, entry, role, in_recorded_order, evidence)

    def find_in_force(self, *, at: date, known_at: datetime, target: str | None = None,
                      authority: str | None = None) -> list[SanctionInForce]:
        """Sanctions in force on ``at`` as recorded by ``known_at``, against or by a party."""
        d = self._dialect
        statement, party = ((_SPANS_AGAINST, target) if target is not None
                            else (_SPANS_IMPOSED_BY, authority))
        rows = self._rows(d.sql(statement), (party, *self._in_force_on(at, known_at)))
        return _by_id(map(self._in_force, rows))

    def _in_force_citing(self, role: str, party: str, at: date,
                         known_at: datetime) -> tuple[list[SanctionInForce], list[RecordedLine]]:
        """``find_in_force`` with the lines its sanctions cite, in one read."""
        d = self._dialect
        statement = _SPANS_AGAINST_CITING if role == "target" else _SPANS_IMPOSED_BY_CITING
        sanctions: dict[str, SanctionInForce] = {}
        lines: dict[str, RecordedLine] = {}
        for row in self._rows(d.sql(statement), (party, *self._in_force_on(at, known_at))):
            span, line = row[:_SPAN_WIDTH], row[_SPAN_WIDTH:]
            if span[0] not in sanctions:  # its sanction id
                sanctions[span[0]] = self._in_force(span)
            if line[1] is not None and line[1] not in lines:  # its line id (none: no line)
                lines[line[1]] = self._line(line)
        return _by_id(sanctions.values()), list(lines.values())

    def find_in_force_many(self, targets: Iterable[str], *, at: date,
                           known_at: datetime) -> dict[str, list[SanctionInForce]]:
        """``find_in_force`` for many targets at once: one query per chunk of targets."""
        found: dict[str, list[SanctionInForce]] = {}
        for row in self._rows_among(_SPANS_AGAINST_ANY, targets,
                                    *self._in_force_on(at, known_at)):
            sanction = self._in_force(row)
            found.setdefault(sanction.target, []).append(sanction)
        return {target: _by_id(sanctions) for target, sanctions in found.items()}

    def _in_force_on(self, at: date, known_at: datetime) -> tuple[Any, ...]:
        day, moment = self._dialect.day(at), self._dialect.moment(known_at)
        return day, day, moment, moment

    def _in_force(self, row: Any) -> SanctionInForce:
        (sanction_id, kind, authority, target, measures, program, legal_basis,
         effective_from, effective_until, evidence) = row
        return SanctionInForce(
            id=sanction_id, kind=kind, authority=authority, target=target,
            measures=json.loads(measures), program=program, legal_basis=legal_basis,
            effective_from=self._dialect.read_day(effective_from),
            effective_until=self._dialect.read_open_day(effective_until),
            evidence=json.loads(evidence))

    def lines(self, line_ids: Iterable[str]) -> list[RecordedLine]:
        """The recorded lines with these ids, in recorded order (a crisis report over
        years cites more lines than one SQLite statement can bind: chunked)."""
        found = [self._line(row) for row in self._rows_among(_LINES, line_ids)]
        return sorted(found, key=lambda line: line.position)

    def known_lines(self, line_ids: Iterable[str]) -> dict[str, KnownLine]:
        """What is recorded under each of these ids (absent ids are left out): the
        import's lookup, a batch of a file's ids and references at a time."""
        return {line_id: KnownLine(kind, filed, party_kind)
                for line_id, kind, filed, party_kind in self._rows_among(_KNOWN_LINES, line_ids)}

    def lines_about(self, record_id: str) -> list[RecordedLine]:
        """Every line recorded about a record: its own, and every line that names it."""
        return [self._line(row) for row in self._rows(
            self._dialect.sql(_LINES_ABOUT), (record_id, record_id))]

    def lines_after(self, position: int, *, known_at: datetime | None, types: list[str],
                    page: int) -> list[RecordedLine]:
        """Up to ``page`` recorded lines after ``position``, in recorded order: those
        recorded by ``known_at`` if given, of these ``types`` if given."""
        d = self._dialect
        conditions: list[str] = ["position > ?"]
        parameters: list[Any] = [position]
        if types:  # first: a list is always a statement's first parameter
            conditions.insert(0, "type {among}")
            parameters[:0] = d.listed(types)
        if known_at is not None:
            conditions.append("recorded_at <= ?")
            parameters.append(d.moment(known_at))
        statement = (f"SELECT {_LINE_COLUMNS} FROM recorded_lines "
                     f"WHERE {' AND '.join(conditions)} ORDER BY position LIMIT ?")
        return [self._line(row) for row in self._rows(
            d.sql(statement, len(types)), (*parameters, page))]

    def _line(self, row: Any) -> RecordedLine:
        position, line_id, kind, recorded_at, record_id, sources, filed = row
        return RecordedLine(position=position, id=line_id, type=kind,
                            recorded_at=self._dialect.read_moment(recorded_at),
                            record_id=record_id, sources=json.loads(sources), filed=filed)

    def spans(self, *, known_at: datetime, target: str | None = None,
              starting: tuple[date, date] | None = None) -> list[SpanInForce]:
        """The valid-time spans in force as known at ``known_at``: of the sanctions
        against ``target``, or of those whose start falls within ``starting``."""
        d = self._dialect
        moment = d.moment(known_at)
        conditions: list[str] = [_BELIEVED_AT]
        parameters: list[Any] = [moment, moment]
        if target is not None:
            conditions.append("target = ?")
            parameters.append(target)
        if starting is not None:
            conditions.append("effective_from >= ? AND effective_from <= ?")
            parameters += [d.day(starting[0]), d.day(starting[1])]
        statement = ("SELECT sanction_id, kind, authority, target, valid_from, valid_until, "
                     f"measures, effective_from FROM sanction_spans WHERE "
                     f"{' AND '.join(conditions)} ORDER BY authority, sanction_id, valid_from")
        return [SpanInForce(sanction_id, kind, authority, target, d.read_day(valid_from),
                            d.read_open_day(valid_until), json.loads(measures),
                            d.read_day(effective_from))
                for sanction_id, kind, authority, target, valid_from, valid_until, measures,
                effective_from in self._rows(d.sql(statement), tuple(parameters))]

    def resolve_party(self, text: str) -> PartyEntry:
        """A party by id, else by name or alias (case-insensitive, then folded)."""
        found = self.parties([text]) or self.parties(self._named([text]).get(text, []))
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
        for statement, key in ((_BY_LOWERED, lower_name), (_BY_FOLDED, fold_name)):
            keys = {t: key(t) for t in texts if t not in found}
            by_key = self._matching(statement, keys.values())
            found.update({t: sorted(by_key[k]) for t, k in keys.items() if k in by_key})
        return found

    def _matching(self, statement: str, keys: Iterable[str]) -> dict[str, set[str]]:
        """key -> party ids that ``statement``'s (key, party id) rows pair it with."""
        by_key: dict[str, set[str]] = {}
        for key, ident in self._rows_among(statement, keys):
            by_key.setdefault(key, set()).add(ident)
        return by_key

    def parties(self, ids: list[str]) -> list[PartyEntry]:
        """The parties with these ids, by id, with every name and alias of each."""
        return self._entries(list(self._rows_among(_PARTIES, ids)))

    def first_parties(self, limit: int) -> list[PartyEntry]:
        return self._entries(list(self._rows(self._dialect.sql(_FIRST_PARTIES), (limit,))))

    def _entries(self, rows: list[Any]) -> list[PartyEntry]:
        read_names = self._dialect.read_names
        return [PartyEntry(party_id, kind, name, country, read_names(names))
                for party_id, kind, name, country, names in sorted(rows)]  # by id, as Python


def _by_id(sanctions: Iterable[SanctionInForce]) -> list[SanctionInForce]:
    """Sorted by id in Python: PostgreSQL's collation would ignore punctuation and case."""
    return sorted(sanctions, key=lambda sanction: sanction.id)
