"""The one reader of the read model: every question the ledger answers is read here.

An answer to "what is in force against X on D?" is three small indexed
reads: where the read model stands, the party with its names, and its spans
with the lines they cite as evidence. The CLI asks a ``Reader`` on a plain
driver connection when the read model is current (``ledger.read.current``);
the application asks the same reader once it has caught the read model up.
The audit trail's scans (every line in recorded order, every span believed at
a moment) and an import's checks of its lines read here too. Statements and
driver differences are in ``ledger.read.sql``; this module imports nothing
beyond the standard library, so a lone question does not load SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from ledger.domain.answers import (
    InForceAnswer,
    KnownAt,
    PartyEntry,
    RecordedLine,
    SanctionInForce,
    Screened,
    ScreeningDecision,
    SpanInForce,
)
from ledger.domain.dates import DateWindow
from ledger.domain.names import fold_name, lower_name
from ledger.errors import AmbiguousPartyError, NotAnAuthorityError, UnknownPartyError
from ledger.read import sql
from ledger.read.sql import KnownLine, ProjectionStatus

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from ledger.read.screening import ScreeningAnswer, ScreeningQuestion

Connect = Callable[[], AbstractContextManager[Any]]  # yields a DB-API connection



class StoredLine(RecordedLine):
    """A recorded line read from the read model, whose ``filed`` column is JSON text.

    Decoded only when asked: an export writes the text as filed, and most
    evidence lines of an answer are cited by id alone.
    """

    @property
    def content(self) -> dict[str, Any]:
        content: dict[str, Any] = json.loads(self.filed)
        return content

class Reader:
    """Every read of the read model, over DB-API connections (sqlite3 or psycopg).

    Each call reads in whatever transaction its connection is in: inside the
    application that is SQLAlchemy's, so an answer and its status check share
    one connection, and an import's known-line lookups see the batches it has
    written, uncommitted. ``status``, if given, is where the read model stood
    when the reader was made: answers are capped there without reading it again.
    """

    def __init__(self, connect: Connect, backend: str, status: ProjectionStatus | None = None):
        self._connect = connect
        self._dialect = sql.DIALECTS[backend]
        self._status = status

    @classmethod
    def on(cls, connection: Any, backend: str, status: ProjectionStatus | None = None) -> Reader:
        """A reader on one DB-API connection."""
        return cls(lambda: nullcontext(connection), backend, status)

    @classmethod
    def within(cls, conn: Connection, status: ProjectionStatus | None = None) -> Reader:
        """A reader on a SQLAlchemy connection's own driver connection (and transaction)."""
        return cls.on(conn.connection.driver_connection, conn.dialect.name, status)

    @classmethod
    def of_engine(cls, engine: Engine) -> Reader:
        """A reader that takes a connection from ``engine``'s pool for each read."""
        @contextmanager
        def connect() -> Iterator[Any]:
            with engine.connect() as conn:
                yield conn.connection.driver_connection

        return cls(connect, engine.dialect.name)

    def _rows(self, statement: str, parameters: tuple[Any, ...]) -> Iterator[Any]:
        """The statement's rows as the cursor yields them: a scan of every span holds
        each raw row only until it is converted."""
        with self._connect() as connection:
            yield from connection.execute(statement, parameters)

    def _rows_among(self, statement: str, values: Iterable[str], *parameters: Any,
                    leading: tuple[Any, ...] = ()) -> Iterator[Any]:
        """A list statement's rows, a chunk of ``values`` at a time (sorted, distinct);
        ``leading`` parameters come before the list, the others after it."""
        d = self._dialect
        for chunk in sql.chunks(sorted(set(values))):
            yield from self._rows(d.sql(statement, len(chunk)),
                                  (*leading, *d.listed(chunk), *parameters))

    def status(self) -> ProjectionStatus:
        """Where the read model stands against the store: one read."""
        ((position, complete_until, last_stored),) = self._rows(
            self._dialect.sql(sql.STATUS), (sql.PROJECTION, sql.PROJECTION))
        complete = None if complete_until is None else self._dialect.read_moment(complete_until)
        return ProjectionStatus(int(position or 0), complete, int(last_stored or 0))

    def known(self, asked: datetime) -> KnownAt:
        """The moment ``asked``, capped at what the read model holds whole
        (``ProjectionStatus.known``): every answer is given as of its ``moment``."""
        return (self._status or self.status()).known(asked)

    def get_in_force(self, party: str, *, at: date, known_at: datetime) -> InForceAnswer:
        """What is in force against ``party`` on ``at`` as known at ``known_at``."""
        return self.answer(party, "target", at=at, known_at=known_at)

    def get_authority_list(self, authority: str, *, at: date,
                           known_at: datetime) -> InForceAnswer:
        """What ``authority`` has in force on ``at`` as known at ``known_at``."""
        return self.answer(authority, "authority", at=at, known_at=known_at)

    def answer(self, party: str, role: str, *, at: date, known_at: datetime) -> InForceAnswer:
        """What is in force against (role "target") or imposed by (role "authority")
        ``party`` on ``at`` as known at ``known_at`` (capped at what the read model holds
        whole), with the lines it rests on."""
        known = self.known(known_at)
        entry = self.resolve_party(party, known_at=known.moment, on=at,
                                   authority=role == "authority")
        found, lines = self._in_force_citing(role, entry.id, at, known.moment)
        if role == "target":
            found, lines = self._with_linked(entry.id, at, known.moment, found, lines)
        evidence = {line.id: line for line in sorted(lines, key=lambda line: line.position)}
        in_recorded_order = [
            replace(s, evidence=sorted(s.evidence, key=lambda i: evidence[i].position))
            for s in found]
        return InForceAnswer(at, known, entry, role, in_recorded_order, evidence)

    def _with_linked(self, party: str, at: date, known_at: datetime,
                     found: list[SanctionInForce], lines: list[RecordedLine]
                     ) -> tuple[list[SanctionInForce], list[RecordedLine]]:
        """The sanctions against the parties linked to ``party`` as the same real-world
        party, each with the link among its evidence, added to an answer."""
        for link in self.links_of(party, known_at):
            for other in link.content["parties"]:
                if other != party:
                    linked, cited = self._in_force_citing("target", other, at, known_at)
                    found += [replace(s, evidence=[*s.evidence, link.id]) for s in linked]
                    lines += [*cited, link]
        return _by_id({s.id: s for s in found}.values()), lines

    def find_in_force(self, *, at: date, known_at: datetime, target: str | None = None,
                      authority: str | None = None) -> list[SanctionInForce]:
        """Sanctions in force on ``at`` as recorded by ``known_at``, against or by a party."""
        d = self._dialect
        statement, party = ((sql.SPANS_AGAINST, target) if target is not None
                            else (sql.SPANS_IMPOSED_BY, authority))
        rows = self._rows(d.sql(statement), (party, *self._in_force_on(at, known_at)))
        return _by_id(map(self._in_force, rows))

    def _in_force_citing(self, role: str, party: str, at: date,
                         known_at: datetime) -> tuple[list[SanctionInForce], list[RecordedLine]]:
        """``find_in_force`` with the lines its sanctions cite, in one read."""
        d = self._dialect
        statement = sql.SPANS_AGAINST_CITING if role == "target" else sql.SPANS_IMPOSED_BY_CITING
        sanctions: dict[str, SanctionInForce] = {}
        lines: dict[str, RecordedLine] = {}
        for row in self._rows(d.sql(statement), (party, *self._in_force_on(at, known_at))):
            span, line = row[:sql.SPAN_WIDTH], row[sql.SPAN_WIDTH:]
            if span[0] not in sanctions:  # its sanction id
                sanctions[span[0]] = self._in_force(span)
            if line[1] is not None and line[1] not in lines:  # its line id (none: no line)
                lines[line[1]] = self._line(line)
        return _by_id(sanctions.values()), list(lines.values())

    def find_in_force_many(self, targets: Iterable[str], *, at: date,
                           known_at: datetime) -> dict[str, list[SanctionInForce]]:
        """``find_in_force`` for many targets at once: one query per chunk of targets."""
        found: dict[str, list[SanctionInForce]] = {}
        for row in self._rows_among(sql.SPANS_AGAINST_ANY, targets,
                                    *self._in_force_on(at, known_at)):
            sanction = self._in_force(row)
            found.setdefault(sanction.target, []).append(sanction)
        return {target: _by_id(sanctions) for target, sanctions in found.items()}

    def _in_force_on(self, at: date, known_at: datetime) -> tuple[Any, ...]:
        day, moment = self._dialect.day(at), self._dialect.moment(known_at)
        return day, day, moment, moment

    def _in_force(self, row: Any) -> SanctionInForce:
        (sanction_id, kind, authority, target, measures, program, legal_basis,
         effective_from, effective_until, evidence, programs, legal_bases, start_window,
         unsure_window) = row
        unsure = _window(unsure_window)
        return SanctionInForce(
            id=sanction_id, kind=kind, authority=authority, target=target,
            measures=json.loads(measures), program=program, legal_basis=legal_basis,
            effective_from=self._dialect.read_day(effective_from),
            effective_until=self._dialect.read_open_day(effective_until),
            evidence=json.loads(evidence), programs=_loads(programs),
            legal_bases=_loads(legal_bases), start_window=_window(start_window),
            certainty="certain" if unsure is None else "uncertain", window=unsure)

    def screen(self, queries: Iterable[str], *, at: date, known_at: datetime,
               chunk: int = 5000) -> Iterator[Screened]:
        """Batch screening, every query (an id, name or alias) in input order: its parties
        and the sanctions in force against them. A chunk of queries is resolved and
        looked up at once, so the cost per party is a share of a few IN queries; an
        unknown or ambiguous name is an answer for its own line, never an error."""
        known, pending = self.known(known_at), iter(queries)
        while piece := list(islice(pending, chunk)):
            matches = self.resolve_parties(piece, known_at=known.moment, on=at)
            targets = {ident for ids in matches.values() for ident in ids}
            found = self.find_in_force_many(targets, at=at, known_at=known.moment)
            for query in piece:
                ids = matches.get(query, [])
                yield Screened(query, ids, [s for ident in ids for s in found.get(ident, [])],
                               known)

    def screen_name(self, query: str, asked: ScreeningQuestion) -> ScreeningAnswer:
        """Who ``query`` may name (``ledger.read.screening.screen_name``). The matcher is
        imported here, when a name is screened, so other questions do not load it."""
        from ledger.read.screening import screen_name

        return screen_name(self, query, asked)

    def screen_names(self, rows: Iterable[tuple[str, str | None]],
                     asked: ScreeningQuestion) -> Iterator[ScreeningAnswer]:
        """``screen_name`` for every (query, customer key), in input order (a batch)."""
        from ledger.read.screening import screen_names

        yield from screen_names(self, rows, asked)

    def decisions(self, *, known_at: datetime, parties: Iterable[str] | None = None,
                  customer: str | None = None) -> list[ScreeningDecision]:
        """Screening decisions recorded by ``known_at`` (about these parties, about this
        customer), in recorded order."""
        moment = self._dialect.moment(known_at)
        rows = (self._rows(self._dialect.sql(sql.DECISIONS), (moment,)) if parties is None
                else self._rows_among(sql.DECISIONS_ABOUT, parties, moment))
        found = [ScreeningDecision.of(self._line(row)) for row in rows]
        return sorted((d for d in found if customer is None or d.customer == customer),
                      key=lambda d: d.position)

    def changes_since(self, party: str, since: datetime, *, known_at: datetime) -> list[str]:
        """What changed about ``party`` after ``since`` as known at ``known_at``: its names
        and the sanctions against it, each said in a few words."""
        d = self._dialect
        between = (d.moment(since), d.moment(known_at)) * 2
        names = [n for (n,) in self._rows(d.sql(sql.NAMES_CHANGED), (party, *between))]
        spans = [s for (s,) in self._rows(d.sql(sql.SANCTIONS_CHANGED), (party, *between))]
        return ([f"name {n!r} recorded or ended after the decision" for n in sorted(names)]
                + [f"sanction {s} changed after the decision" for s in sorted(spans)])

    def name_postings(self, keys: Iterable[str], *, at: date,
                      known_at: datetime) -> list[tuple[str, str, str, str, int]]:
        """(key, party id, name, party kind, words) of every name filed under one of ``keys`` that
        names its party on ``at`` as known at ``known_at`` (screening's blocking step)."""
        d = self._dialect
        moment, day = d.moment(known_at), d.day(at)
        return [tuple(row) for row in self._rows_among(
            sql.NAME_POSTINGS, keys, moment, moment, day, day, moment)]

    def all_name_postings(self, *, at: date,
                          known_at: datetime) -> Iterator[tuple[str, str, str, str, int]]:
        """``name_postings`` of every key: the whole screening index valid on ``at``."""
        d = self._dialect
        moment, day = d.moment(known_at), d.day(at)
        yield from self._rows(d.sql(sql.ALL_NAME_POSTINGS), (moment, moment, day, day, moment))

    def name_count(self) -> int:
        """How many name rows the read model holds (the rarity of a key is against it)."""
        ((count,),) = self._rows(self._dialect.sql(sql.NAME_COUNT), ())
        return int(count)

    def lines(self, line_ids: Iterable[str]) -> list[RecordedLine]:
        """The recorded lines with these ids, in recorded order (a crisis report over
        years cites more lines than one SQLite statement can bind: chunked)."""
        found = [self._line(row) for row in self._rows_among(sql.LINES, line_ids)]
        return sorted(found, key=lambda line: line.position)

    def known_line(self, line_id: str) -> KnownLine | None:
        return self.known_lines([line_id]).get(line_id)

    def known_lines(self, line_ids: Iterable[str]) -> dict[str, KnownLine]:
        """What is recorded under each of these ids (absent ids are left out): the
        import's lookup, a batch of a file's ids and references at a time."""
        return {line_id: KnownLine(kind, filed, party_kind)
                for line_id, kind, filed, party_kind in self._rows_among(sql.KNOWN_LINES, line_ids)}

    def lines_about(self, record_id: str) -> list[RecordedLine]:
        """Every line recorded about a record: its own, and every line that names it."""
        return [self._line(row) for row in self._rows(
            self._dialect.sql(sql.LINES_ABOUT), (record_id, record_id))]

    def iter_lines(self, *, known_at: datetime | None = None, types: Iterable[str] = (),
                   page: int = 5000) -> Iterator[RecordedLine]:
        """Every recorded line (by ``known_at`` if given; of these ``types`` if given) in
        recorded order, a page at a time so that memory stays bounded whatever the
        size of the ledger."""
        after, types = 0, list(types)
        while True:
            rows = self.lines_after(after, known_at=known_at, types=types, page=page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position

    def last_recorded_at(self) -> datetime | None:
        (found,) = self._rows(sql.LAST_RECORDED_AT, ())
        return None if found[0] is None else self._dialect.read_moment(found[0])

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
        statement = (f"SELECT {sql.LINE_COLUMNS} FROM recorded_lines "
                     f"WHERE {' AND '.join(conditions)} ORDER BY position LIMIT ?")
        return [self._line(row) for row in self._rows(
            d.sql(statement, len(types)), (*parameters, page))]

    def links_of(self, party: str, known_at: datetime) -> list[RecordedLine]:
        """The same-party lines naming ``party`` as known at ``known_at`` (not retracted)."""
        moment = self._dialect.moment(known_at)
        return [self._line(row) for row in self._rows(
            self._dialect.sql(sql.LINKS_OF), (party, moment, moment))]

    def _line(self, row: Any) -> RecordedLine:
        position, line_id, kind, recorded_at, record_id, sources, filed = row
        return StoredLine(position=position, id=line_id, type=kind,
                          recorded_at=self._dialect.read_moment(recorded_at),
                          record_id=record_id, sources=json.loads(sources), filed=filed)

    def find_spans(self, *, known_at: datetime, target: str | None = None,
              starting: tuple[date, date] | None = None) -> list[SpanInForce]:
        """The valid-time spans in force as known at ``known_at``: of the sanctions
        against ``target``, or of those whose start falls within ``starting``."""
        d = self._dialect
        moment = d.moment(known_at)
        conditions: list[str] = [sql.BELIEVED_AT]
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

    def resolve_party(self, text: str, *, known_at: datetime,
                      on: date | None = None, authority: bool = False) -> PartyEntry:
        """A party by id, else by name or alias (case-insensitive, then folded), among the
        parties and names the ledger held at ``known_at`` (and valid ``on`` that day, if
        given: a party renamed from a date on is not yet called by its new name before);
        with ``authority``, one of kind authority (only those keep a list)."""
        found = ((self.parties([text], known_at=known_at)
                  or self.parties(self._named([text], known_at, on).get(text, []),
                                  known_at=known_at))
                 if askable(text) else [])
        if not found:
            raise UnknownPartyError(self._unknown(text, known_at))
        if len(found) > 1:
            listed = "; ".join(f"{p.id} ({p.name})" for p in found)
            raise AmbiguousPartyError(f"{text!r} names more than one party: {listed}")
        if authority and found[0].kind != "authority":
            raise NotAnAuthorityError(f"{text!r} is {found[0].name} ({found[0].id}), "
                                      f"a {found[0].kind}, not an authority")
        return found[0]

    def _unknown(self, text: str, known_at: datetime) -> str:
        """Why ``text`` names no party: none has it, or none had it by ``known_at``."""
        held = (self._status or self.status()).complete_until
        if held is None or known_at >= held:  # asked of all the ledger holds: none has it
            return f"no party has the id, name or alias {text!r}"
        return f"no party with the id, name or alias {text!r} was known at {known_at.isoformat()}"

    def resolve_parties(self, texts: Iterable[str], *, known_at: datetime,
                        on: date | None = None) -> dict[str, list[str]]:
        """The party ids each text names as known at ``known_at``, for many texts at once:
        its id, else the parties whose name or alias matches case-insensitively, else folded.

        A text naming one party maps to ``[id]``, an ambiguous one to every
        candidate, an unknown one is absent. One query per chunk and rule.
        """
        texts = [text for text in dict.fromkeys(texts) if askable(text)]
        found = {t: [t] for t in self._matching(sql.PARTY_IDS, texts,
                                                self._dialect.moment(known_at))}
        found.update(self._named([t for t in texts if t not in found], known_at, on))
        return found

    def _named(self, texts: list[str], known_at: datetime,
               on: date | None = None) -> dict[str, list[str]]:
        """The party ids each text was a name or alias of at ``known_at`` (valid ``on``, if
        given): case-insensitively, else folded."""
        found: dict[str, list[str]] = {}
        moment = self._dialect.moment(known_at)
        when = (moment, moment) if on is None else (moment, moment, *[self._dialect.day(on)] * 2)
        statements = ((sql.BY_LOWERED, sql.BY_FOLDED) if on is None
                      else (sql.BY_LOWERED_ON, sql.BY_FOLDED_ON))
        for statement, key in zip(statements, (lower_name, fold_name), strict=True):
            keys = {t: key(t) for t in texts if t not in found}
            by_key = self._matching(statement, keys.values(), *when)
            found.update({t: sorted(by_key[k]) for t, k in keys.items() if k in by_key})
        return found

    def _matching(self, statement: str, keys: Iterable[str],
                  *parameters: Any) -> dict[str, set[str]]:
        """key -> party ids that ``statement``'s (key, party id) rows pair it with (its
        ``parameters`` after the list: the moment its rows are known at)."""
        by_key: dict[str, set[str]] = {}
        for key, ident in self._rows_among(statement, keys, *parameters):
            by_key.setdefault(key, set()).add(ident)
        return by_key

    def parties(self, ids: list[str], *, known_at: datetime) -> list[PartyEntry]:
        """The parties with these ids known at ``known_at``, by id, with every name and alias
        of each known then."""
        moment = self._dialect.moment(known_at)
        return self._entries(list(self._rows_among(sql.PARTIES, ids, moment,
                                                   leading=(moment, moment))))

    def find_parties(self, search: str | None = None, *, known_at: datetime,
                     limit: int = 200) -> list[PartyEntry]:
        """Parties known at ``known_at`` whose id, name or alias then contained ``search``
        (all parties without it)."""
        return self.party_page(search, known_at=known_at, limit=limit)[0]

    def party_page(self, search: str | None = None, *, known_at: datetime, limit: int = 200,
                   offset: int = 0) -> tuple[list[PartyEntry], int]:
        """``limit`` parties from ``offset`` on, by id, of those ``find_parties`` finds;
        and how many it finds in all."""
        moment = self._dialect.moment(known_at)
        if not search:
            rows = self._rows(self._dialect.sql(sql.FIRST_PARTIES),
                              (moment, moment, moment, limit, offset))
            entries = self._entries(list(rows))
            (count,) = next(self._rows(self._dialect.sql(sql.PARTY_COUNT), (moment,)))
            return entries, int(count)
        patterns = (sql.containing(lower_name(search)), sql.containing(fold_name(search)),
                    sql.containing(search))
        ids = sorted(ident for (ident,) in self._rows(self._dialect.sql(sql.PARTIES_CONTAINING),
                                                      (*patterns, moment, moment)))
        # a broad search matches more ids than SQLite binds
        return self.parties(ids[offset:offset + limit], known_at=known_at), len(ids)

    def _entries(self, rows: list[Any]) -> list[PartyEntry]:
        read_names = self._dialect.read_names
        return [PartyEntry(party_id, kind, name, country, read_names(names))
                for party_id, kind, name, country, names in sorted(rows)]  # by id, as Python


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _window(text: str | None) -> DateWindow | None:
    """A window column (its wire JSON) as a ``DateWindow``."""
    if text is None:
        return None
    wire = json.loads(text)
    if "on_or_before" in wire:
        return DateWindow(None, date.fromisoformat(wire["on_or_before"]))
    earliest, latest = wire["between"]
    return DateWindow(date.fromisoformat(earliest), date.fromisoformat(latest))


def askable(text: str) -> bool:
    """Whether a query text can name a party at all: none has a NUL character in its id,
    name or alias (the import refuses them), and PostgreSQL refuses one in a parameter."""
    return "\x00" not in text


def _by_id(sanctions: Iterable[SanctionInForce]) -> list[SanctionInForce]:
    """Sorted by id in Python: PostgreSQL's collation would ignore punctuation and case."""
    return sorted(sanctions, key=lambda sanction: sanction.id)
