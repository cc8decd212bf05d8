"""Nothing lost, nothing half-said: a long list says how long it is, a question that does
not fit the party says so, a bad window or a blank name is refused, a clean screen is still
evidence."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import invoke as run
from conftest import ledger_url, record
from ledger.errors import LineError

LINES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    *({"type": "party", "id": f"p:{n:03d}", "kind": "person", "name": f"Person {n}"}
      for n in range(250)),
    {"type": "designation", "id": "x:1", "authority": "auth:x", "target": "p:001",
     "measures": ["asset_freeze"], "effective_from": "2021-03-23"},
]


@pytest.fixture
def db(ledger) -> str:
    record(ledger, *LINES)
    return ledger_url(ledger.location)


def test_parties_beyond_one_page_says_how_many_there_are_and_pages_on(db):
    first = run(db, "parties")
    assert first.exit_code == 0, first.output
    assert first.output.startswith("251 parties")
    assert first.output.endswith("\nshowing 200 of 251 (from number 1); "
                                 "the next page: --offset 200\n")
    rest = json.loads(run(db, "parties", "--offset", "200", "--json").output)
    shown = json.loads(run(db, "parties", "--limit", "200", "--json").output)
    assert len(rest) == 51
    assert {p["id"] for p in rest + shown} == {line["id"] for line in LINES[:251]}


@pytest.mark.parametrize("command", [
    ["list", "--authority", "Person 1"],
    ["diff", "--authority", "Person 1", "--from", "2021-03-01", "--to", "2021-04-01"]],
    ids=lambda c: c[0])
def test_asking_for_the_list_of_a_party_that_is_no_authority_says_so(db, command):
    result = run(db, *command)
    assert (result.exit_code, result.output) == (
        1, "Error: 'Person 1' is Person 1 (p:001), a person, not an authority\n")


def test_a_replay_window_that_ends_before_it_starts_is_an_error(db):
    result = run(db, "replay", "--from", "2021-03-31", "--to", "2021-03-15")
    assert (result.exit_code, result.output) == (
        1, "Error: --to 2021-03-15 is before --from 2021-03-31\n")


@pytest.mark.parametrize(("line", "field"), [
    ({"type": "party", "id": "p:new", "kind": "person", "name": "  "}, "name"),
    ({"type": "party", "id": "p:new", "kind": "person", "name": "New", "aliases": ["A", ""]},
     "aliases"),
    ({"type": "alias", "id": "p:001:alias", "party": "p:001", "name": "\t"}, "name")],
    ids=["party name", "alias in a party", "alias line"])
def test_an_empty_or_blank_name_is_refused_at_import_with_its_line_number(ledger, line, field):
    record(ledger, LINES[0])
    with pytest.raises(LineError) as refused:
        record(ledger, LINES[1], LINES[2], line)
    assert str(refused.value) == f"line 3: field '{field}' must not be empty or blank"
    assert [p.id for p in ledger.find_parties()] == ["auth:x"]


def test_a_clean_csv_report_still_names_the_party_the_day_the_moment_and_the_head(db, ledger):
    result = run(db, "report", "p:002", "--at", "2021-04-01", "--known-at",
                 "2030-01-01T00:00:00+00:00", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["party"], r["at"], r["answer"], r["sanction"], r["head"]) for r in rows] == [
        ("p:002", "2021-04-01", "none in force", "", ledger.verify().head)]
    assert rows[0]["known_at"].startswith("20")
