"""A party's history: every line about it, in valid-time order, as known at a moment."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import main
from conftest import record

SOURCE = {"type": "source", "id": "src:gazette", "publisher": "Official Gazette",
          "title": "Decision 1", "url": "https://example.org/decision-1"}
PARTIES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "party", "id": "p:other", "kind": "person", "name": "Someone Else"},
]
DESIGNATION = {"type": "designation", "id": "x:a", "authority": "auth:x", "target": "p:a",
               "measures": ["asset_freeze"], "effective_from": "2021-03-23",
               "sources": ["src:gazette"]}
OTHER = {"type": "designation", "id": "x:other", "authority": "auth:x", "target": "p:other",
         "measures": ["asset_freeze"], "effective_from": "2021-01-01"}


def test_history_orders_lines_by_valid_time_and_places_corrections_on_their_recorded_day(
        ledger, clock):
    record(ledger, SOURCE, *PARTIES, DESIGNATION, OTHER)
    clock.advance(days=2)
    record(ledger,
           {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
            "effective_from": "2022-06-01"},
           {"type": "amendment", "id": "x:a:renew", "sanction": "x:a",
            "effective_from": "2021-12-01", "measures": ["asset_freeze", "travel_ban"]},
           {"type": "correction", "id": "x:a:fix", "sanction": "x:a",
            "set": {"effective_from": "2021-03-22"}},
           {"type": "statement", "id": "st:1", "speaker": "auth:x", "date": "2021-03-22",
            "text": "We listed A.", "about": ["p:a"]})
    found = ledger.get_history("Person A", known_at=clock.advance())
    assert [(str(e.day), e.dated_by, e.line.id) for e in found.entries] == [
        ("2021-03-22", "valid", "x:a"),  # the corrected start
        ("2021-03-22", "valid", "st:1"),
        ("2021-12-01", "valid", "x:a:renew"),
        ("2022-06-01", "valid", "x:a:lift"),
        ("2026-01-01", "recorded", "p:a"),
        ("2026-01-03", "recorded", "x:a:fix"),
    ]
    assert "set effective_from = 2021-03-22" in found.entries[-1].summary
    assert found.sources["src:gazette"].content["publisher"] == "Official Gazette"


def test_history_as_known_earlier_hides_lines_recorded_later(ledger, clock):
    record(ledger, SOURCE, *PARTIES, DESIGNATION)
    before = clock.advance()
    clock.advance()
    record(ledger, {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
                    "effective_from": "2022-06-01"})
    found = ledger.get_history("p:a", known_at=before)
    assert [e.line.id for e in found.entries] == ["x:a", "p:a"]
    assert found.entries[0].summary == \
        "auth:x designates p:a: asset_freeze from 2021-03-23"


def test_history_of_an_authority_includes_the_sanctions_it_imposed(ledger, clock):
    record(ledger, SOURCE, *PARTIES, DESIGNATION, OTHER)
    found = ledger.get_history("auth:x", known_at=clock.advance())
    assert [e.line.id for e in found.entries] == ["x:other", "x:a", "auth:x"]


def test_history_command_prints_sources_and_json(ledger):
    record(ledger, SOURCE, *PARTIES, DESIGNATION)
    db = ledger.location.display
    result = CliRunner().invoke(main, ["--db", db, "history", "Person A"])
    assert result.exit_code == 0, result.output
    assert "History of Person A (p:a)" in result.output
    assert "source: Official Gazette, \u201cDecision 1\u201d https://example.org/decision-1" \
        in result.output
    assert "(dated by when it was recorded)" in result.output
    as_json = json.loads(CliRunner().invoke(main, ["--db", db, "history", "p:a", "--json"])
                         .output)
    assert [e["id"] for e in as_json["entries"]] == ["x:a", "p:a"]
    assert as_json["entries"][0]["sources"][0]["title"] == "Decision 1"


def test_history_of_an_unknown_party_is_a_one_line_error(ledger):
    record(ledger, *PARTIES)
    db = ledger.location.display
    result = CliRunner().invoke(main, ["--db", db, "history", "Nobody"])
    assert result.exit_code == 1
    assert result.output == "Error: no party has the id, name or alias 'Nobody'\n"
