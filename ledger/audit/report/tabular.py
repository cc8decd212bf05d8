"""The evidence report as JSON (everything) and as CSV (one row per evidence line)."""

from __future__ import annotations

import csv
import io
from typing import Any

from ledger.audit.history import History
from ledger.audit.report.escaping import csv_cell
from ledger.audit.report.model import EvidenceReport
from ledger.domain.answers import PartyEntry, RecordedLine, SanctionInForce

CSV_COLUMNS = ["party", "at", "known_at", "answer", "sanction", "kind", "authority", "target",
               "measures", "effective_from", "effective_until", "line", "line_type", "recorded_at",
               "position", "sources", "head"]


def party_shape(party: PartyEntry) -> dict[str, Any]:
    return {"id": party.id, "kind": party.kind, "name": party.name, "country": party.country,
            "names": party.names}


def line_shape(line: RecordedLine, sources: dict[str, RecordedLine]) -> dict[str, Any]:
    """A recorded line with when it was recorded and its sources written out in full."""
    return {"id": line.id, "type": line.type, "recorded_at": line.recorded_at.isoformat(),
            "position": line.position,
            "sources": [sources[s].content if s in sources else {"id": s}
                        for s in line.sources]}


def history_shape(history: History) -> dict[str, Any]:
    return {"party": party_shape(history.party), **history.known.fields,
            "entries": [{
                "date": e.day.isoformat(), "dated_by": e.dated_by, "sanction": e.sanction,
                "summary": e.summary, "filed": e.line.content,
                **line_shape(e.line, history.sources),
            } for e in history.entries]}


def _sanction_shape(s: SanctionInForce, report: EvidenceReport) -> dict[str, Any]:
    return {"id": s.id, "kind": s.kind, "authority": s.authority, "target": s.target,
            "measures": s.measures, "program": s.program, "legal_basis": s.legal_basis,
            "effective_from": s.effective_from.isoformat(),
            "effective_until": s.effective_until.isoformat() if s.effective_until else None,
            "evidence": [line_shape(report.answer.evidence[i], report.sources)
                         for i in s.evidence]}


def evidence_json(report: EvidenceReport) -> dict[str, Any]:
    a = report.answer
    return {
        "party": party_shape(a.party), "at": a.at.isoformat(),
        **a.known.fields, "generated_at": report.generated_at.isoformat(),
        "chain": {"ok": report.chain.ok, "events": report.chain.events,
                  "head": report.chain.head, "bad_position": report.chain.bad_position},
        "sanctions": [_sanction_shape(s, report) for s in a.sanctions],
        "corrections": [{"id": e.line.id, "sanction": e.sanction, "set": e.line.content["set"],
                         "reason": e.line.content.get("reason"),
                         "recorded_at": e.line.recorded_at.isoformat()}
                        for e in report.corrections],
        "spans": [{"sanction": s.sanction_id, "authority": s.authority,
                   "valid_from": s.valid_from.isoformat(),
                   "valid_until": s.valid_until.isoformat() if s.valid_until else None,
                   "measures": s.measures} for s in report.spans],
        "history": history_shape(report.history)["entries"],
    }


def evidence_csv(report: EvidenceReport) -> str:
    """One row per evidence line; a clean screen is one row that says so, with the party,
    the day, the moment and the chain's head, so it still serves as evidence."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in _evidence_rows(report) or [_answer_row(report, "none in force")]:
        writer.writerow({column: csv_cell(value) for column, value in row.items()})
    return out.getvalue()


def _answer_row(report: EvidenceReport, answer: str) -> dict[str, Any]:
    a = report.answer
    return {"party": a.party.id, "at": a.at, "known_at": a.known.moment.isoformat(),
            "answer": answer, "head": report.chain.head}


def _evidence_rows(report: EvidenceReport) -> list[dict[str, Any]]:
    a = report.answer
    return [{
        **_answer_row(report, "in force"), "sanction": s.id,
        "kind": s.kind, "authority": s.authority, "target": s.target,
        "measures": " ".join(s.measures), "effective_from": s.effective_from,
        "effective_until": s.effective_until or "", "line": line.id,
        "line_type": line.type, "recorded_at": line.recorded_at.isoformat(),
        "position": line.position, "sources": " | ".join(
            _source_text(report.sources.get(i), i) for i in line.sources),
    } for s in a.sanctions for line in (a.evidence[i] for i in s.evidence)]


def _source_text(source: RecordedLine | None, source_id: str) -> str:
    if source is None:
        return source_id
    c = source.content
    return " \u2014 ".join(str(v) for v in (c["publisher"], c["title"], c.get("url")) if v)
