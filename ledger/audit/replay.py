"""Replay: the ledger's story told step by step, with the count in force after each step.

Two orders, the two timelines of a bitemporal ledger:

- by valid time, how the world changed: every dated line (a sanction
  starting, an amendment or renewal taking effect, a lifting, a statement) in
  date order, ties in recorded order. Counts are what was in force on the
  step's day as known at one moment. Within a day the count moves at the step
  that caused each change (a designation starting, a lifting), so 22 March 2021
  unfolds designation by designation; a change no step of that day explains
  (a term running out) is applied when the day begins.
- by recorded time, how the ledger learnt it: every recorded line in position
  order, with the counts as known right after it was recorded. Lines recorded
  together (one file) became known at the same moment and share their counts.

Every count is read from the read model's spans as known at the moment asked
(``Reader.find_spans``): the rows ``find_in_force`` answers from, with the
same test (a span covers the day). They are read once per moment instead of
asking ``find_in_force`` per day and authority; tests check that both agree
at every step.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ledger.audit.history import (
    DATE_FIELD,
    SanctionBases,
    check_window,
    describe,
    sanction_of,
    valid_date,
)
from ledger.domain.answers import KnownAt, RecordedLine, SpanInForce
from ledger.read.reader import Reader


@dataclass(frozen=True)
class _Planned:
    """A line placed in the story: its day, the sanction and authority it concerns, its label."""

    day: date | None
    line: RecordedLine
    sanction: str | None
    authority: str | None
    summary: str


@dataclass(frozen=True)
class ReplayStep(_Planned):
    """A planned line as told: its number, and the count in force after it."""

    number: int
    known_at: datetime
    counted_on: date
    in_force: dict[str, int]  # authority id -> sanctions in force, every authority listed


@dataclass(frozen=True)
class StatusChange:
    """A sanction comes into force (``enters``) or goes out of force on ``day``."""

    day: date
    sanction: str
    authority: str
    enters: bool


def status_changes(spans: list[SpanInForce]) -> list[StatusChange]:
    """The days on which each sanction enters and leaves force, from its read-model spans.

    A sanction is in force on a day exactly when one of its spans covers the day
    (the test ``find_in_force`` makes); contiguous spans are one stretch in force.
    """
    changes: list[StatusChange] = []
    ordered = sorted(spans, key=lambda s: (s.sanction_id, s.valid_from))
    for i, span in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        if not (prev and prev.sanction_id == span.sanction_id and prev.valid_until
                and prev.valid_until + timedelta(days=1) == span.valid_from):
            changes.append(StatusChange(span.valid_from, span.sanction_id, span.authority, True))
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        ends = span.valid_until
        if ends and not (nxt and nxt.sanction_id == span.sanction_id
                         and nxt.valid_from == ends + timedelta(days=1)):
            changes.append(StatusChange(ends + timedelta(days=1), span.sanction_id,
                                        span.authority, False))
    return sorted(changes, key=lambda c: c.day)


class InForceCounter:
    """How many sanctions each authority has in force on a day, as known at one moment.

    A sanction's spans never overlap, so the spans covering a day are those that
    start by it less those that ended before it: two bisects per authority.
    """

    def __init__(self, spans: list[SpanInForce]):
        self.starts: dict[str, list[date]] = {}
        self.ends: dict[str, list[date]] = {}
        for s in spans:
            self.starts.setdefault(s.authority, []).append(s.valid_from)
            if s.valid_until is not None:
                self.ends.setdefault(s.authority, []).append(s.valid_until)
        for days in (*self.starts.values(), *self.ends.values()):
            days.sort()

    def on(self, day: date, authority: str) -> int:
        return (bisect_right(self.starts.get(authority, []), day)
                - bisect_left(self.ends.get(authority, []), day))


class Replay:
    """The planned steps (known before any count is taken, for progress) and their counts."""

    def __init__(self, reader: Reader, *, by: str, known: KnownAt,
                 start: date | None = None, end: date | None = None,
                 authority: str | None = None, at: date | None = None, today: date):
        check_window(start, end)
        self.by, self.known, self.at, self.today = by, known, at, today
        self.known_at = known_at = known.moment
        self.authority = (reader.resolve_party(authority, known_at=known_at).id
                          if authority else None)
        # Two passes over the log, a page at a time: the sanctions' bases first (a
        # line's label needs its sanction's corrected base), then only the steps
        # wanted, so memory does not grow with the ledger.
        bases = SanctionBases.learnt(reader.iter_lines(known_at=known_at,
                                                           types=SanctionBases.TYPES))
        self.authorities = ([self.authority] if self.authority
                            else sorted({b["authority"] for b in bases.bases.values()}))
        dated = DATE_FIELD if by == "valid" else ()  # by valid time, only dated lines step
        self.planned = [p for p in _plan(reader.iter_lines(known_at=known_at, types=dated),
                                         bases, by)
                        if _within(p, start, end)
                        and (self.authority is None or _concerns(p, self.authority))]
        if by == "valid":
            self.planned.sort(key=lambda p: (p.day, p.line.position))
        self.reader = reader
        self._counters: dict[datetime, InForceCounter] = {}

    def __len__(self) -> int:
        return len(self.planned)

    def __iter__(self) -> Iterator[ReplayStep]:
        return self._by_valid() if self.by == "valid" else self._by_recorded()

    def _step(self, number: int, planned: _Planned, known_at: datetime, on: date,
              in_force: dict[str, int]) -> ReplayStep:
        return ReplayStep(**vars(planned), number=number, known_at=known_at, counted_on=on,
                          in_force=in_force)

    def _by_valid(self) -> Iterator[ReplayStep]:
        """Changes of a day that a step of that day causes wait for the step; the rest
        (a term running out, a sanction whose lines are filtered out) open the day."""
        changes = status_changes(self.reader.find_spans(known_at=self.known_at))
        caused: dict[date | None, set[str | None]] = {}
        for p in self.planned:
            caused.setdefault(p.day, set()).add(p.sanction)
        running = _Running()
        waiting: dict[str, StatusChange] = {}
        k, today = 0, date.min
        for number, planned in enumerate(self.planned, start=1):
            assert planned.day is not None
            if planned.day != today:
                today = planned.day
                running.apply(waiting.values())
                waiting = {}
                while k < len(changes) and changes[k].day <= today:
                    change, k = changes[k], k + 1
                    if change.day == today and change.sanction in caused[today]:
                        waiting[change.sanction] = change
                    else:
                        running.apply([change])
            if planned.sanction in waiting:
                running.apply([waiting.pop(planned.sanction)])
            yield self._step(number, planned, self.known_at, today,
                             {a: running.counts[a] for a in self.authorities})

    def _by_recorded(self) -> Iterator[ReplayStep]:
        for number, planned in enumerate(self.planned, start=1):
            on = self.at or planned.day or self.today
            known_at = planned.line.recorded_at
            counter = self._counter(known_at)
            yield self._step(number, planned, known_at, on,
                             {a: counter.on(on, a) for a in self.authorities})

    def _counter(self, known_at: datetime) -> InForceCounter:
        if known_at not in self._counters:
            self._counters = {known_at: InForceCounter(
                self.reader.find_spans(known_at=known_at))}
        return self._counters[known_at]


class _Running:
    """The sanctions in force so far, and how many per authority, kept as changes apply
    rather than recounted at every step."""

    def __init__(self) -> None:
        self.authority_of: dict[str, str] = {}
        self.counts: Counter[str] = Counter()

    def apply(self, changes: Iterable[StatusChange]) -> None:
        for change in changes:
            previous = self.authority_of.pop(change.sanction, None)
            if previous is not None:
                self.counts[previous] -= 1
            if change.enters:
                self.authority_of[change.sanction] = change.authority
                self.counts[change.authority] += 1


def _plan(lines: Iterable[RecordedLine], bases: SanctionBases, by: str) -> Iterator[_Planned]:
    """Every step, in recorded order, labelled with its sanction's base."""
    for line in lines:
        base = bases.of(line)
        day = valid_date(line, base) or (_sanction_start(base) if by == "recorded" else None)
        if by == "valid" and day is None:
            continue  # party, source, correction, retraction: no valid-time date
        yield _Planned(day, line, sanction_of(line), base["authority"] if base else None,
                       describe(line, base))


def _sanction_start(base: dict[str, object] | None) -> date | None:
    return date.fromisoformat(str(base["effective_from"])) if base else None


def _within(planned: _Planned, start: date | None, end: date | None) -> bool:
    if start is None and end is None:
        return True
    return planned.day is not None and (start is None or planned.day >= start) and (
        end is None or planned.day <= end)


def _concerns(planned: _Planned, authority: str) -> bool:
    """A step concerns an authority when it is about one of its sanctions, or it speaks."""
    if planned.authority is not None:
        return planned.authority == authority
    c = planned.line.content
    return planned.line.type == "statement" and authority in (
        c["speaker"], c.get("on_behalf_of"), *c.get("about", []))
