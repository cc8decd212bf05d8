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

Every count comes from ``ReadModel.find_in_force``; nothing here re-reads the rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ledger.history import SanctionBases, describe, sanction_of, valid_date
from ledger.readmodel.queries import ReadModel, RecordedLine


@dataclass(frozen=True)
class ReplayStep:
    number: int
    day: date | None
    line: RecordedLine
    sanction: str | None
    authority: str | None
    summary: str
    known_at: datetime
    counted_on: date
    in_force: dict[str, int]  # authority id -> sanctions in force, every authority listed


@dataclass(frozen=True)
class _Planned:
    day: date | None
    line: RecordedLine
    sanction: str | None
    authority: str | None
    summary: str


class InForceCache:
    """sanction id -> authority of what is in force on a day as known at a moment."""

    def __init__(self, read_model: ReadModel, authorities: list[str]):
        self.read_model = read_model
        self.authorities = authorities
        self._cache: dict[tuple[date, datetime], dict[str, str]] = {}

    def on(self, day: date, known_at: datetime) -> dict[str, str]:
        key = (day, known_at)
        if key not in self._cache:
            self._cache[key] = {s.id: a for a in self.authorities for s in
                                self.read_model.find_in_force(authority=a, at=day,
                                                              known_at=known_at)}
        return self._cache[key]


class Replay:
    """The planned steps (known before any count is taken, for progress) and their counts."""

    def __init__(self, read_model: ReadModel, *, by: str, known_at: datetime,
                 start: date | None = None, end: date | None = None,
                 authority: str | None = None, at: date | None = None, today: date):
        self.by, self.known_at, self.at, self.today = by, known_at, at, today
        self.authority = read_model.resolve_party(authority).id if authority else None
        lines = list(read_model.find_lines(known_at=known_at))
        self.planned, authorities = _plan(lines, by)
        self.authorities = [self.authority] if self.authority else authorities
        self.planned = [p for p in self.planned if _within(p, start, end)
                        and (self.authority is None or _concerns(p, self.authority))]
        self.in_force = InForceCache(read_model, self.authorities)

    def __len__(self) -> int:
        return len(self.planned)

    def __iter__(self) -> Iterator[ReplayStep]:
        steps = self._by_valid() if self.by == "valid" else self._by_recorded()
        for number, (planned, known_at, on, running) in enumerate(steps, start=1):
            counts = Counter(running.values())
            yield ReplayStep(number, planned.day, planned.line, planned.sanction,
                             planned.authority, planned.summary, known_at, on,
                             {a: counts.get(a, 0) for a in self.authorities})

    def _by_valid(self) -> Iterator[tuple[_Planned, datetime, date, dict[str, str]]]:
        running: dict[str, str] = {}
        caused: dict[date | None, set[str | None]] = {}
        for p in self.planned:
            caused.setdefault(p.day, set()).add(p.sanction)
        for i, planned in enumerate(self.planned):
            assert planned.day is not None
            if i == 0 or planned.day != self.planned[i - 1].day:
                day_ends = self.in_force.on(planned.day, self.known_at)
                begins = self.in_force.on(planned.day - timedelta(days=1), self.known_at)
                unexplained = set(begins.keys() ^ day_ends.keys()) - caused[planned.day]
                running = _flip(dict(begins), day_ends, unexplained)
            if planned.sanction:
                running = _flip(running, day_ends, {planned.sanction})
            yield planned, self.known_at, planned.day, running

    def _by_recorded(self) -> Iterator[tuple[_Planned, datetime, date, dict[str, str]]]:
        for planned in self.planned:
            on = self.at or planned.day or self.today
            known_at = planned.line.recorded_at
            yield planned, known_at, on, self.in_force.on(on, known_at)


def _flip(running: dict[str, str], target: dict[str, str], ids: set[str]) -> dict[str, str]:
    """Bring these sanctions to the state they have in ``target``: in force or not."""
    for sanction in ids:
        if sanction in target:
            running[sanction] = target[sanction]
        else:
            running.pop(sanction, None)
    return running


def _plan(lines: list[RecordedLine], by: str) -> tuple[list[_Planned], list[str]]:
    """Every step in the chosen order, and every authority that imposed a sanction."""
    bases = SanctionBases.learnt(lines)
    planned = []
    for line in lines:
        base = bases.of(line)
        day = valid_date(line, base) or (_sanction_start(base) if by == "recorded" else None)
        if by == "valid" and day is None:
            continue  # party, source, correction, retraction: no valid-time date
        planned.append(_Planned(day, line, sanction_of(line),
                                base["authority"] if base else None, describe(line, base)))
    if by == "valid":
        planned.sort(key=lambda p: (p.day, p.line.position))
    return planned, sorted({b["authority"] for b in bases.bases.values()})


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
