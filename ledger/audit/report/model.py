"""What an evidence report says, gathered from the reader.

A report is evidence only if the auditor can check it later, so it carries
the chain's head hash at the time it was made (``verify --expect-head``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ledger.audit.history import History, TimelineEntry, check_window, get_history
from ledger.domain.answers import InForceAnswer, KnownAt, RecordedLine, SpanInForce
from ledger.read.reader import Reader
from ledger.store.chain import ChainReport


@dataclass(frozen=True)
class EvidenceReport:
    """One party's answer on one day, as known at one moment, with everything behind it."""

    answer: InForceAnswer
    history: History
    spans: list[SpanInForce]
    sources: dict[str, RecordedLine]
    names: dict[str, str]
    chain: ChainReport
    generated_at: datetime

    @property
    def corrections(self) -> list[TimelineEntry]:
        """Corrections that rewrote the party's sanctions (rule 3), in recorded order."""
        found = [e for e in self.history.entries if e.line.type == "correction"]
        return sorted(found, key=lambda e: e.line.position)


@dataclass(frozen=True)
class CrisisMark:
    """A sanction that started within the crisis window, and the sanctions it answers."""

    id: str
    kind: str
    authority: str
    target: str
    start: date
    measures: list[str]
    in_response_to: list[str]


@dataclass(frozen=True)
class CrisisReport:
    start: date
    end: date
    known: KnownAt
    marks: list[CrisisMark]
    names: dict[str, str]
    chain: ChainReport
    generated_at: datetime


def build_report(reader: Reader, party: str, at: date, known_at: datetime, *,
                 chain: ChainReport, generated_at: datetime) -> EvidenceReport:
    """``chain`` is the chain's report and ``generated_at`` the moment, both as of now."""
    answer = reader.get_in_force(party, at=at, known_at=known_at)
    history = get_history(reader, answer.party.id, answer.known)
    spans = reader.find_spans(known_at=answer.known.moment, target=answer.party.id)
    cited = {s for line in (*answer.evidence.values(), *(e.line for e in history.entries))
             for s in line.sources}
    sources = {line.id: line for line in reader.lines(sorted(cited))}
    ids = {answer.party.id, *(s.authority for s in spans),
           *(s.authority for s in answer.sanctions)}
    return EvidenceReport(answer, history, spans, sources,
                          _names(reader, ids, answer.known.moment), chain, generated_at)


def build_crisis(reader: Reader, start: date, end: date, known: KnownAt, *,
                 chain: ChainReport, generated_at: datetime) -> CrisisReport:
    check_window(start, end)
    spans = reader.find_spans(known_at=known.moment, starting=(start, end))
    first = {s.sanction_id: s for s in reversed(spans)}  # each sanction's earliest span
    lines = {line.id: line for line in reader.lines(sorted(first))}
    marks = sorted((CrisisMark(s.sanction_id, s.kind, s.authority, s.target, s.effective_from,
                               s.measures, lines[s.sanction_id].content.get("in_response_to", []))
                    for s in first.values()), key=lambda m: (m.start, lines[m.id].position))
    ids = {m.authority for m in marks} | {m.target for m in marks}
    return CrisisReport(start, end, known, marks, _names(reader, ids, known.moment), chain,
                        generated_at)


def _names(reader: Reader, ids: set[str], known_at: datetime) -> dict[str, str]:
    return {ident: reader.resolve_party(ident, known_at=known_at).name for ident in sorted(ids)}
