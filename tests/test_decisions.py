"""An analyst's screening decisions are lines of the ledger: immutable, exported, as known.

A false positive recorded for (customer, party) stops a keyed batch screening
from counting that party as a match for that customer, until the party's names
or sanctions change after the decision; then it alerts again and says why.
Both backends.
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date

from click.testing import CliRunner

from cli.main import main
from conftest import Clock, ledger_url, record
from ledger.application import SanctionsLedger
from ledger.interchange import read_objects
from ledger.read.screening import ScreeningQuestion
from ledger.settings import LedgerLocation

AT = date(2021, 4, 1)
LINES = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union"},
    {"type": "party", "id": "person:p", "kind": "person", "name": "Ekaterina Volkova"},
    {"type": "designation", "id": "eu:p", "authority": "auth:eu", "target": "person:p",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
]


def keyed(ledger: SanctionsLedger, known_at=None) -> tuple[bool, str | None, list[str]]:
    """Customer c-1 named "Ekaterina Volkowa", screened with its key: (match, verdict, why)."""
    asked = ScreeningQuestion(at=AT, known_at=known_at or ledger.clock())
    (answer,) = ledger.screen_names([("Ekaterina Volkowa", "c-1")], asked)
    (candidate,) = answer.candidates
    verdict = candidate.decision.verdict if candidate.decision else None
    return candidate.match, verdict, candidate.changed


def test_a_false_positive_is_no_match_for_that_customer_only(ledger, clock: Clock):
    record(ledger, *LINES)
    clock.advance()
    ledger.decide("c-1", "Ekaterina Volkova", "false-positive", reason="born 1990", by="ana")
    assert keyed(ledger) == (False, "false-positive", [])
    asked = ScreeningQuestion(at=AT, known_at=ledger.clock())
    (other,) = ledger.screen_names([("Ekaterina Volkowa", "c-2")], asked)
    assert [(c.match, c.decision) for c in other.candidates] == [(True, None)]


def test_a_decision_is_not_known_before_it_was_recorded(ledger, clock: Clock):
    record(ledger, *LINES)
    before = clock.now
    clock.advance()
    ledger.decide("c-1", "person:p", "false-positive")
    assert keyed(ledger, known_at=before) == (True, None, [])
    assert keyed(ledger) == (False, "false-positive", [])


def test_a_new_alias_or_sanction_after_the_decision_alerts_again_and_says_why(ledger,
                                                                                clock: Clock):
    record(ledger, *LINES)
    clock.advance()
    ledger.decide("c-1", "person:p", "false-positive")
    decided = ledger.clock()
    clock.advance()
    record(ledger, {"type": "alias", "id": "al:p", "party": "person:p", "name": "Katya Volkova"})
    assert keyed(ledger, known_at=decided) == (False, "false-positive", [])
    assert keyed(ledger) == (True, "false-positive", [
        "name 'Katya Volkova' recorded or ended after the decision"])
    clock.advance()
    record(ledger, {"type": "lifting", "id": "eu:p:lift", "sanction": "eu:p",
                    "effective_from": "2022-01-01"})
    assert keyed(ledger)[2] == ["name 'Katya Volkova' recorded or ended after the decision",
                                "sanction eu:p changed after the decision"]


def test_a_later_true_match_overrides_an_earlier_false_positive(ledger, clock: Clock):
    record(ledger, *LINES)
    clock.advance()
    ledger.decide("c-1", "person:p", "false-positive")
    clock.advance()
    ledger.decide("c-1", "person:p", "true-match", reason="same passport")
    assert keyed(ledger) == (True, "true-match", [])


def test_decisions_round_trip_through_export_and_import(ledger, clock: Clock, tmp_path):
    record(ledger, *LINES)
    clock.advance()
    decision = ledger.decide("c-1", "person:p", "false-positive", reason="born 1990", by="ana")
    exported = list(ledger.export_lines())
    assert json.loads(exported[-1]) == {
        "type": "decision", "id": decision.line_id, "customer": "c-1", "party": "person:p",
        "verdict": "false-positive", "reason": "born 1990", "by": "ana"}
    copy = LedgerLocation("sqlite", tmp_path / "copy.db")
    with closing(SanctionsLedger(copy, clock=clock)) as other:
        clock.advance()
        other.record_file(read_objects(exported))
        (imported,) = other.get_decisions("c-1")
        assert (imported.line_id, imported.verdict, imported.reason, imported.by) == (
            decision.line_id, "false-positive", "born 1990", "ana")
        assert keyed(other) == (False, "false-positive", [])
    assert ledger.record_file(read_objects(exported)).skipped == len(
        [line for line in exported if not line.startswith("#")])


def test_decide_and_history_decisions_at_the_command_line(ledger, clock: Clock):
    record(ledger, *LINES)
    clock.advance()
    db = ["--db", ledger_url(ledger.location)]
    runner = CliRunner()
    result = runner.invoke(main, [*db, "decide", "c-1", "Ekaterina Volkova", "--verdict",
                                  "false-positive", "--by", "ana", "--json"])
    assert result.exit_code == 0, result.output
    decided = json.loads(result.output)
    result = runner.invoke(main, [*db, "history", "c-1", "--decisions", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["decisions"] == [decided]
    text = runner.invoke(main, [*db, "history", "c-1", "--decisions"]).output
    assert f"{decided['id']}: false-positive; party person:p" in text
    bad = runner.invoke(main, [*db, "decide", "c-1", "Nobody Else", "--verdict", "true-match"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: ")
    assert len(bad.output.splitlines()) == 1
