"""What the ledger answers with: plain values, free of storage and of the command line.

The pure fold, the reader and the CLI all speak these types. They import
nothing beyond the standard library, so that a single question from the
command line can be answered without loading the event store or SQLAlchemy
(``ledger.read.current``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.domain.dates import DateWindow


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
class InForceAnswer:
    """Sanctions in force against (or imposed by) one party on a date, as known at a time."""

    at: date
    known_at: datetime
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

    @property
    def status(self) -> str:
        """``match`` (one party), ``ambiguous`` (several) or ``unknown`` (none)."""
        return {0: "unknown", 1: "match"}.get(len(self.matches), "ambiguous")
