"""The pure point-in-time fold: events in, sanctions in force out.

Two readings of the same rules (interchange spec, "Meaning"):

- ``sanctions_in_force`` reads them literally, one query at a time, over the
  whole event history. It is slow and obviously right: the reference every
  other answer is tested against.
- ``spans_in_force`` turns one sanction, as currently known, into the
  valid-time intervals in which it is in force. The SQL read model stores these
  spans per recorded-time interval, so a query is one indexed lookup.

``names_known`` and ``parties_named`` are the same kind of reference for
names: which parties a text names as known at a moment.

None of them knows anything of SQL or of the command line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain.aggregates import Amendment, Party, Sanction, Terms
from ledger.domain.answers import SanctionInForce
from ledger.domain.names import fold_name, lower_name


@dataclasses.dataclass(frozen=True)
class Span:
    """A valid-time interval (both ends inclusive) over which a sanction's state is constant."""

    valid_from: date
    valid_until: date | None
    measures: list[str]
    effective_until: date | None
    evidence: list[str]


class _KnownSanction:
    """What was known of one sanction at the query's known-at time, in recorded order."""

    def __init__(self, created: Sanction.Created):
        self.created = created
        self.corrections: list[tuple[int, Sanction.Corrected]] = []
        self.amendments: list[tuple[int, Sanction.Amended]] = []
        self.lifting: Sanction.Lifted | None = None
        self.retracted = False

    def learn(self, seq: int, event: Aggregate.Event) -> None:
        if isinstance(event, Sanction.Corrected):
            self.corrections.append((seq, event))
        elif isinstance(event, Sanction.Amended):
            self.amendments.append((seq, event))
        elif isinstance(event, Sanction.Lifted):
            self.lifting = event
        elif isinstance(event, Sanction.Retracted):
            self.retracted = True

    def base(self) -> Terms:
        """Rule 3: the line with every correction applied, in the order recorded."""
        c = self.created
        terms = Terms(c.authority, c.target, c.measures, c.effective_from, c.effective_until,
                      c.program, c.legal_basis)
        for _, correction in self.corrections:
            terms = terms.corrected(correction.changes)
        return terms

    def on(self, day: date) -> SanctionInForce | None:
        """Rules 2, 4, 5 and 6 for one day."""
        if self.retracted:
            return None
        base = self.base()
        applied = sorted((a for a in self.amendments if a[1].effective_from <= day),
                         key=lambda a: (a[1].effective_from, a[0]))
        measures, until = base.measures, base.effective_until
        for _, amendment in applied:
            measures = amendment.measures if amendment.measures is not None else measures
            until = amendment.effective_until if amendment.sets_until else until
        in_force = base.effective_from <= day and (until is None or day <= until)
        if not in_force or (self.lifting and self.lifting.effective_from <= day):
            return None
        lines = [(seq, e.line_id) for seq, e in self.corrections]
        lines += [(seq, e.line_id) for seq, e in applied]
        evidence = [line_id for _, line_id in sorted(lines)]
        return SanctionInForce(
            id=self.created.line_id, kind=self.created.line_type, authority=base.authority,
            target=base.target, measures=sorted(set(measures)), program=base.program,
            legal_basis=base.legal_basis, effective_from=base.effective_from,
            effective_until=until, evidence=[self.created.line_id, *evidence])


def sanctions_in_force(events: Iterable[Aggregate.Event], *, at: date,
                       known_at: datetime) -> list[SanctionInForce]:
    """Every sanction in force on ``at`` as recorded by ``known_at``, sorted by id.

    ``events`` is the ledger's history in recorded order (any aggregate's
    events may be in it; only sanctions' count).
    """
    known: dict[UUID, _KnownSanction] = {}
    for seq, event in enumerate(events):
        if event.timestamp > known_at:  # rule 1
            continue
        if isinstance(event, Sanction.Created):
            known[event.originator_id] = _KnownSanction(event)
        elif event.originator_id in known:
            known[event.originator_id].learn(seq, event)
    answers = (sanction.on(at) for sanction in known.values())
    return sorted((a for a in answers if a is not None), key=lambda a: a.id)


def names_known(events: Iterable[Aggregate.Event], *,
                known_at: datetime) -> dict[str, list[str]]:
    """Every party recorded by ``known_at`` (by id) with the names it was known by then:
    its registered name and aliases, then the aliases added later, in recorded order."""
    names: dict[UUID, list[str]] = {}
    ids: dict[UUID, str] = {}
    for event in events:
        if event.timestamp > known_at:  # rule 1, for parties and names
            continue
        if isinstance(event, Party.Registered):
            ids[event.originator_id] = event.line_id
            names[event.originator_id] = [event.name, *event.aliases]
        elif isinstance(event, Party.AliasAdded):
            names[event.originator_id].append(event.name)
    return {ids[party]: known for party, known in names.items()}


def parties_named(text: str, known: dict[str, list[str]]) -> list[str]:
    """The ids of the parties ``text`` names among ``known`` (``names_known``): the party
    with that id, else those with a name or alias equal but for case, else folded."""
    if text in known:
        return [text]
    for key in (lower_name, fold_name):
        found = sorted(party for party, names in known.items()
                       if key(text) in {key(name) for name in names})
        if found:
            return found
    return []


def spans_in_force(sanction: Sanction) -> list[Span]:
    """The valid-time intervals in which ``sanction``, as it now stands, is in force.

    The timeline is cut at the sanction's start and at every amendment's
    ``effective_from``; within a piece the state is constant, so the piece is
    in force from its start to the earliest of its end, the state's
    ``effective_until`` and the day before a lifting.
    """
    if sanction.retracted:
        return []
    terms = sanction.terms
    stop = sanction.lifting.effective_from - timedelta(days=1) if sanction.lifting else None
    by_date = sorted(sanction.amendments, key=lambda a: a.effective_from)
    starts = sorted({terms.effective_from, *(a.effective_from for a in by_date)})
    spans = []
    for i, start in enumerate(starts):
        applied = [a for a in by_date if a.effective_from <= start]
        measures, until = _lay_over(terms, applied)
        piece_end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else None
        last = _earliest(piece_end, until, stop)
        if last is None or last >= start:
            evidence = [sanction.line_id, *sanction.corrections, *(a.line_id for a in applied)]
            spans.append(Span(start, last, sorted(set(measures)), until, evidence))
    return spans


def _lay_over(terms: Terms, applied: list[Amendment]) -> tuple[list[str], date | None]:
    measures, until = terms.measures, terms.effective_until
    for amendment in applied:
        measures = amendment.measures if amendment.measures is not None else measures
        until = amendment.effective_until if amendment.sets_until else until
    return measures, until


def _earliest(*days: date | None) -> date | None:
    given = [d for d in days if d is not None]
    return min(given) if given else None
