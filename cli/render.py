"""How answers look: JSON shapes from the interchange spec, and tables for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cli.tables import Grid
from cli.terminal import shown

if TYPE_CHECKING:
    from ledger.domain.answers import (
        InForceAnswer,
        PartyEntry,
        RecordedLine,
        SanctionInForce,
        Screened,
    )


def line_json(line: RecordedLine) -> dict[str, Any]:
    return {"id": line.id, "type": line.type, "recorded_at": line.recorded_at.isoformat(),
            "position": line.position, "sources": line.sources}


def party_json(party: PartyEntry) -> dict[str, Any]:
    return {"id": party.id, "kind": party.kind, "name": party.name, "country": party.country,
            "names": party.names}


def sanction_fields(sanction: SanctionInForce) -> dict[str, Any]:
    """A sanction in force as the spec's JSON shows it, before its evidence."""
    return {
        "id": sanction.id, "kind": sanction.kind, "authority": sanction.authority,
        "target": sanction.target, "measures": sanction.measures,
        "program": sanction.program, "legal_basis": sanction.legal_basis,
        "effective_from": sanction.effective_from.isoformat(),
        "effective_until": iso(sanction.effective_until),
    }


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


def answer_table(answer: InForceAnswer) -> Grid:
    """One row per sanction; program and sources are in --json and in `show`."""
    role = "against" if answer.role == "target" else "imposed by"
    title = (f"In force {role} {answer.party.name} ({answer.party.id}) on {answer.at}, "
             f"{answer.known.text}")
    other = "Authority" if answer.role == "target" else "Target"
    rows: list[Sequence[str]] = [
        tuple(map(shown, (s.id, s.authority if answer.role == "target" else s.target,
                          ", ".join(s.measures), s.effective_from,
                          s.effective_until or "open-ended", _lines(len(s.evidence)))))
        for s in answer.sanctions]
    caption = f"{len(answer.sanctions)} in force" if answer.sanctions else "none in force"
    return Grid(shown(title), ("Sanction", other, "Measures", "From", "Until", "Evidence"),
                rows, caption)


def _lines(count: int) -> str:
    return f"{count} line" + ("s" if count != 1 else "")


def iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
