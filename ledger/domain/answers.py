"""What the ledger answers with: plain values, free of storage and of the command line.

The pure fold, the reader and the CLI all speak these types. They import
nothing beyond the standard library, so that a single question from the
command line can be answered without loading the event store or SQLAlchemy
(``ledger.read.current``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from ledger.domain.dates import DateWindow

#: The moment an empty ledger answers as of: before anything could be recorded.
BEGINNING = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class KnownAt:
    """The recorded-time moment an answer is given as of, and the moment that was asked.

    A ledger can only answer for what it holds whole: ``held`` is the latest
    recorded time all of whose lines the read model has applied (None: it holds
    nothing yet). A moment asked beyond it, the default "now" included, is
    answered as of ``held``, and says so: an answer "as known at" a moment the
    ledger has not reached would claim knowledge it may not have.
    """

    asked: datetime
    held: datetime | None

    @property
    def moment(self) -> datetime:
        """The moment the answer holds as of."""
        return min(self.asked, self.held or BEGINNING)

    @property
    def capped(self) -> bool:
        """Whether the moment asked lies beyond what the ledger holds."""
        return self.moment < self.asked

    @property
    def text(self) -> str:
        """How every answer states its known-at moment, in prose."""
        if self.held is None:
            return f"as known at {self.asked.isoformat()} (the ledger holds nothing yet)"
        said = f"as known at {self.moment.isoformat()}"
        return f"{said} (the latest the ledger holds)" if self.capped else said

    @cached_property  # one per screening, shared by each of its rows
    def fields(self) -> dict[str, str]:
        """The two fields every JSON answer carries: the moment it holds as of, and the
        moment asked (later when the ledger holds nothing after ``known_at``)."""
        return {"known_at": self.moment.isoformat(), "known_at_asked": self.asked.isoformat()}


@dataclass(frozen=True)
class SanctionInForce:
    """One sanction in force on a date, as known at a time, with the lines it rests on."""

    id: str
    kind: str
    authority: str
    target: str
    measures: list[str]
    program: str | None
    legal_basis: str | None
    effective_from: date
    effective_until: date | None
    evidence: list[str]
    programs: list[str] | None = None
    legal_bases: list[str] | None = None
    start_window: DateWindow | None = None  # the start, when known only within a window
    #: "uncertain" when the day falls in a window of the start or of the lifting (``window``)
    certainty: str = "certain"
    window: DateWindow | None = None


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


@dataclass(frozen=True)
class RecordedLine(ABC):
    """A line as the ledger holds it: what was filed, when it was recorded, and where.

    ``filed`` is the line's text exactly as filed; the reader that holds it
    decodes it into ``content`` (the domain knows no JSON text).
    """

    position: int
    id: str
    type: str
    recorded_at: datetime
    record_id: str
    sources: list[str]
    filed: str

    @property
    @abstractmethod
    def content(self) -> dict[str, Any]:
        """The line as filed, as an object of its fields (decoded afresh on each call)."""


@dataclass(frozen=True)
class PartyEntry:
    id: str
    kind: str
    name: str
    country: str | None
    names: list[str]


@dataclass(frozen=True)
class InForceAnswer:
    """Sanctions in force against (or imposed by) one party on a date, as known at a time."""

    at: date
    known: KnownAt
    party: PartyEntry
    role: str  # "target" or "authority"
    sanctions: list[SanctionInForce]
    evidence: dict[str, RecordedLine]


@dataclass(frozen=True)
class Screened:
    """One party of a batch screening: the parties it names, and every sanction in force
    against them."""

    query: str
    matches: list[str]
    sanctions: list[SanctionInForce]
    known: KnownAt

    @property
    def status(self) -> str:
        """``match`` (one party), ``ambiguous`` (several) or ``unknown`` (none)."""
        return {0: "unknown", 1: "match"}.get(len(self.matches), "ambiguous")


@dataclass(frozen=True)
class ScreeningDecision:
    """An analyst's verdict on a customer and a party, and when the ledger recorded it."""

    line_id: str
    customer: str
    party: str
    verdict: str  # "false-positive" or "true-match"
    reason: str | None
    by: str | None
    recorded_at: datetime
    position: int

    @classmethod
    def of(cls, line: RecordedLine) -> ScreeningDecision:
        """The decision a recorded ``decision`` line holds."""
        c = line.content
        return cls(line.id, c["customer"], c["party"], c["verdict"], c.get("reason"),
                   c.get("by"), line.recorded_at, line.position)
