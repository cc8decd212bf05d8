"""The audit trail of one party: what the ledger holds about it, and when it learnt each piece.

The timeline is read from recorded lines; the in-force answers come from the
reader. Lines are labelled with their sanction's base record, corrected by
the domain's own rule (``ledger.domain.rules.corrected``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.domain.answers import KnownAt, PartyEntry, RecordedLine
from ledger.domain.dates import day_text, latest_day
from ledger.domain.rules import SANCTION_TYPES, corrected
from ledger.errors import LedgerError
from ledger.read.reader import Reader

#: Line types that carry a valid-time date of their own, and the field holding it.
DATE_FIELD = {"designation": "effective_from", "countermeasure": "effective_from",
              "amendment": "effective_from", "lifting": "effective_from", "statement": "date"}


class SanctionBases:
    """Each sanction's line as filed with the corrections seen so far laid over it.

    Used only to label lines (who imposed the sanction a lifting ends, which
    day a designation starts on); in-force answers come from the read model.
    """

    def __init__(self) -> None:
        self.bases: dict[str, dict[str, Any]] = {}

    @classmethod
    def learnt(cls, lines: Iterable[RecordedLine]) -> SanctionBases:
        """The bases after learning these lines, in recorded order."""
        bases = cls()
        for line in lines:
            bases.learn(line)
        return bases

    #: The only lines ``learn`` reads: a replay asks the read model for these alone.
    TYPES = (*SANCTION_TYPES, "correction")

    def learn(self, line: RecordedLine) -> None:
        """Keep only the fields labels read: a replay learns every sanction of the ledger."""
        content = line.content
        if line.type in SANCTION_TYPES:
            self.bases[line.id] = _label_fields(content)
        elif line.type == "correction" and content["sanction"] in self.bases:
            sanction = content["sanction"]
            self.bases[sanction] = _label_fields(corrected(self.bases[sanction], content["set"]))

    def of(self, line: RecordedLine) -> dict[str, Any] | None:
        """The base record of the sanction this line is about, if it is about one."""
        sanction = sanction_of(line)
        return self.bases.get(sanction) if sanction else None


def _label_fields(content: dict[str, Any]) -> dict[str, Any]:
    return {k: content[k] for k in _LABEL_FIELDS if k in content}


_LABEL_FIELDS = ("authority", "target", "measures", "effective_from", "effective_until")


def sanction_of(line: RecordedLine) -> str | None:
    if line.type in SANCTION_TYPES:
        return line.id
    sanction: str | None = line.content.get("sanction")
    return sanction


def valid_date(line: RecordedLine, base: dict[str, Any] | None = None) -> date | None:
    """The valid-time day a line speaks of; a sanction's own line reads its corrected start."""
    field = DATE_FIELD.get(line.type)
    if field is None:
        return None
    content = base if line.type in SANCTION_TYPES and base else line.content
    return latest_day(content[field])


def describe(line: RecordedLine, base: dict[str, Any] | None = None) -> str:
    """One line of prose saying what a recorded line states."""
    c = line.content
    kind = line.type
    if kind in SANCTION_TYPES:
        b = base or c
        verb = "designates" if kind == "designation" else "imposes a countermeasure on"
        until = f" until {b['effective_until']}" if b.get("effective_until") else ""
        answers = (f", answering {len(c['in_response_to'])} sanctions"
                   if c.get("in_response_to") else "")
        return (f"{b['authority']} {verb} {b['target']}: {', '.join(sorted(b['measures']))} "
                f"from {day_text(b['effective_from'])}{until}{answers}")
    return _DESCRIBE.get(kind, _describe_other)(c)


def _describe_amendment(c: dict[str, Any]) -> str:
    changes = []
    if "measures" in c:
        changes.append(f"measures {', '.join(sorted(c['measures']))}")
    if "effective_until" in c:
        changes.append(f"until {c['effective_until'] or 'open-ended'}")
    return f"{c['sanction']} amended from {c['effective_from']}: {'; '.join(changes)}"


def _describe_correction(c: dict[str, Any]) -> str:
    changes = ", ".join(f"{key} = {_plain(value)}" for key, value in c["set"].items())
    return f"{c['sanction']} corrected (rewrites history from when recorded): set {changes}"


def _describe_statement(c: dict[str, Any]) -> str:
    speaker = c["speaker"] + (f" for {c['on_behalf_of']}" if c.get("on_behalf_of") else "")
    text = c["text"] if len(c["text"]) <= 140 else c["text"][:139] + "\u2026"
    return f"{speaker}: {text}"


def _describe_other(c: dict[str, Any]) -> str:
    return f"{c['type']} {c['id']}"


def _plain(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


_DESCRIBE = {
    "amendment": _describe_amendment,
    "lifting": lambda c: f"{c['sanction']} lifted from {day_text(c['effective_from'])}",
    "correction": _describe_correction,
    "retraction": lambda c: f"{c['sanction']} retracted: never in force",
    "statement": _describe_statement,
    "party": lambda c: f"party {c['id']} registered: {c['name']} ({c['kind']})",
    "alias": lambda c: f"{c['party']} also known as {c['name']}",
    "source": lambda c: f"source: {c['publisher']}, {c['title']!r}",
    "decision": lambda c: f"screening decision on customer {c['customer']}: {c['verdict']}",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One recorded line placed on a timeline, with the day it is placed on and why."""

    day: date
    dated_by: str  # "valid" (the line's own date) or "recorded" (when the ledger learnt it)
    line: RecordedLine
    sanction: str | None
    summary: str


@dataclass(frozen=True)
class History:
    party: PartyEntry
    known: KnownAt
    entries: list[TimelineEntry]
    sources: dict[str, RecordedLine]


def timeline(lines: Iterable[RecordedLine], known_at: datetime) -> list[TimelineEntry]:
    """Lines recorded by ``known_at``, in valid-time order (ties: recorded order).

    Corrections, retractions and party lines have no valid-time date: they are
    placed on the day they were recorded, and say so (``dated_by``).
    """
    known = sorted({line.position: line for line in lines
                    if line.recorded_at <= known_at}.values(), key=lambda x: x.position)
    bases = SanctionBases.learnt(known)
    entries = []
    for line in known:
        base = bases.of(line)
        day = valid_date(line, base)
        entries.append(TimelineEntry(
            day or line.recorded_at.date(), "valid" if day else "recorded", line,
            sanction_of(line), describe(line, base)))
    return sorted(entries, key=lambda e: (e.day, e.line.position))


def party_lines(reader: Reader, party_id: str) -> list[RecordedLine]:
    """Every line about a party: its own lines, sanctions by or against it and every
    line about those sanctions, and statements naming the party or its sanctions."""
    direct = reader.lines_about(party_id)
    sanctions = sorted({s for line in direct if (s := sanction_of(line))})
    related = [line for s in sanctions for line in reader.lines_about(s)
               if line.record_id == s or line.type == "statement"]
    return direct + related


def get_history(reader: Reader, party: str, known: KnownAt) -> History:
    """Everything known about ``party`` at ``known.moment``: the party as known then (not
    yet known is an error), and the lines recorded by then."""
    entry = reader.resolve_party(party, known_at=known.moment)
    entries = timeline(party_lines(reader, entry.id), known.moment)
    source_ids = sorted({s for e in entries for s in e.line.sources})
    sources = {line.id: line for line in reader.lines(source_ids)}
    return History(entry, known, entries, sources)


def check_window(start: date | None, end: date | None) -> None:
    """A window of days (--from, --to) must not end before it starts."""
    if start is not None and end is not None and end < start:
        raise LedgerError(f"--to {end} is before --from {start}")
