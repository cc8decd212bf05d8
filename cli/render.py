"""How answers look: JSON shapes from the interchange spec, and tables for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cli.tables import Grid
from cli.terminal import shown
from ledger.domain.dates import day_text

if TYPE_CHECKING:
    from ledger.domain.answers import (
        InForceAnswer,
        PartyEntry,
        RecordedLine,
        SanctionInForce,
        Screened,
        ScreeningDecision,
    )
    from ledger.read.screening import ScreeningAnswer, ScreeningCandidate


def line_json(line: RecordedLine) -> dict[str, Any]:
    return {"id": line.id, "type": line.type, "recorded_at": line.recorded_at.isoformat(),
            "position": line.position, "sources": line.sources}


def party_json(party: PartyEntry) -> dict[str, Any]:
    return {"id": party.id, "kind": party.kind, "name": party.name, "country": party.country,
            "names": party.names}


def sanction_fields(sanction: SanctionInForce) -> dict[str, Any]:
    """A sanction in force as the spec's JSON shows it, before its evidence.

    Version 2 keys appear only when the sanction has them, so answers from
    version 1 lines read exactly as before.
    """
    fields: dict[str, Any] = {
        "id": sanction.id, "kind": sanction.kind, "authority": sanction.authority,
        "target": sanction.target, "measures": sanction.measures,
        "program": sanction.program, "legal_basis": sanction.legal_basis,
        "effective_from": sanction.effective_from.isoformat(),
        "effective_until": iso(sanction.effective_until),
    }
    for key in ("programs", "legal_bases"):
        if getattr(sanction, key) is not None:
            fields[key] = getattr(sanction, key)
    if sanction.start_window is not None:
        fields["effective_from_window"] = sanction.start_window.wire()
    if sanction.window is not None:
        fields.update(certainty=sanction.certainty, window=sanction.window.wire())
    return fields


def sanction_json(sanction: SanctionInForce,
                  evidence: dict[str, RecordedLine]) -> dict[str, Any]:
    return {**sanction_fields(sanction),
            "evidence": [line_json(evidence[i]) for i in sanction.evidence]}


def answer_json(answer: InForceAnswer) -> dict[str, Any]:
    return {
        "at": answer.at.isoformat(), **answer.known.fields,
        "party" if answer.role == "target" else "authority": party_json(answer.party),
        "sanctions": [sanction_json(s, answer.evidence) for s in answer.sanctions],
    }


def screened_json(screened: Screened) -> dict[str, Any]:
    """One line of batch screening; evidence as line ids (``show ID`` has the rest)."""
    return {"query": screened.query, "status": screened.status, "matches": screened.matches,
            "sanctions": [{**sanction_fields(s), "evidence": s.evidence}
                          for s in screened.sanctions], **screened.known.fields}


def screening_json(answer: ScreeningAnswer) -> dict[str, Any]:
    return {"query": answer.query, "at": answer.at.isoformat(), **answer.known.fields,
            "threshold": answer.threshold,
            "candidates": [candidate_json(c) for c in answer.candidates]}


def candidate_json(candidate: ScreeningCandidate) -> dict[str, Any]:
    """A candidate; its sanctions' evidence as lines, or as line ids in a batch."""
    evidence = candidate.evidence
    return {"party": party_json(candidate.party), "score": round(candidate.hit.score.value, 3),
            "match": candidate.match, "matched_name": candidate.hit.name,
            "explanation": candidate.hit.score.explanation.as_dict(),
            "sanctions": [sanction_json(s, evidence) if evidence
                          else {**sanction_fields(s), "evidence": s.evidence}
                          for s in candidate.sanctions],
            **({} if candidate.decision is None else {
                "decision": decision_json(candidate.decision),
                "changed_since_decision": candidate.changed})}


def decision_json(decision: ScreeningDecision) -> dict[str, Any]:
    return {"id": decision.line_id, "customer": decision.customer, "party": decision.party,
            "verdict": decision.verdict, "reason": decision.reason, "by": decision.by,
            "recorded_at": decision.recorded_at.isoformat()}


def answer_table(answer: InForceAnswer) -> Grid:
    """One row per sanction; program and sources are in --json and in `show`."""
    role = "against" if answer.role == "target" else "imposed by"
    title = (f"In force {role} {answer.party.name} ({answer.party.id}) on {answer.at}, "
             f"{answer.known.text}")
    other = "Authority" if answer.role == "target" else "Target"
    unsure = [s for s in answer.sanctions if s.window is not None]
    rows: list[Sequence[str]] = [
        tuple(map(shown, (s.id, s.authority if answer.role == "target" else s.target,
                          ", ".join(s.measures), starts(s), s.effective_until or "open-ended",
                          _lines(len(s.evidence)), *([certainty(s)] if unsure else []))))
        for s in answer.sanctions]
    headers = ("Sanction", other, "Measures", "From", "Until", "Evidence",
               *(("Certainty",) if unsure else ()))
    return Grid(shown(title), headers, rows, _caption(len(answer.sanctions), len(unsure)))


def starts(sanction: SanctionInForce) -> str:
    """The start as a person reads it: a day, or the window it is known within."""
    return day_text(sanction.start_window.wire() if sanction.start_window
                    else sanction.effective_from)


def certainty(sanction: SanctionInForce) -> str:
    if sanction.window is None:
        return "certain"
    return f"uncertain: {day_text(sanction.window.wire())}"


def _caption(count: int, unsure: int) -> str:
    if not count:
        return "none in force"
    return f"{count} in force" + (f", {unsure} of them uncertain on this day" if unsure else "")


def _lines(count: int) -> str:
    return f"{count} line" + ("s" if count != 1 else "")


def iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
