"""Batch screening: `in-force --batch FILE` answers a whole customer file, line by line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import ledger_url, record
from ledger.application import SanctionsLedger
from ledger.settings import resolve_location

AT = date(2021, 3, 23)
LINES = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "Council of the EU",
     "aliases": ["EU"]},
    {"type": "party", "id": "p:1", "kind": "person", "name": "Chen Mingguo"},
    {"type": "party", "id": "p:2", "kind": "person", "name": "Wang Junzheng",
     "aliases": ["Twin Name"]},
    {"type": "party", "id": "p:3", "kind": "person", "name": "Twin Name"},
    {"type": "party", "id": "p:4", "kind": "person", "name": "Adrian Zenz"},
    {"type": "designation", "id": "eu:1", "authority": "auth:eu", "target": "p:1",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
    {"type": "designation", "id": "eu:2", "authority": "auth:eu", "target": "p:2",
     "measures": ["travel_ban"], "effective_from": "2021-03-22"},
    {"type": "designation", "id": "eu:3", "authority": "auth:eu", "target": "p:4",
     "measures": ["travel_ban"], "effective_from": "2021-03-24"},
]


def screened(ledger: SanctionsLedger, *queries: str, known_at: datetime | None = None) -> dict:
    moment = known_at or datetime(2100, 1, 1, tzinfo=UTC)
    return {s.query: (s.status, s.matches, [x.id for x in s.sanctions])
            for s in ledger.screen(queries, at=AT, known_at=moment)}


def test_each_query_gets_its_matches_and_the_sanctions_in_force_against_them(ledger):
    record(ledger, *LINES)
    assert screened(ledger, "p:1", "chen mingguo", "Adrian Zenz", "nobody") == {
        "p:1": ("match", ["p:1"], ["eu:1"]),
        "chen mingguo": ("match", ["p:1"], ["eu:1"]),
        "Adrian Zenz": ("match", ["p:4"], []),
        "nobody": ("unknown", [], []),
    }


def test_an_ambiguous_name_lists_every_candidate_and_their_sanctions(ledger):
    record(ledger, *LINES)
    assert screened(ledger, "twin name") == {
        "twin name": ("ambiguous", ["p:2", "p:3"], ["eu:2"])}


def test_batch_answers_agree_with_single_queries_at_every_known_at(ledger, clock):
    record(ledger, *LINES[:6])
    before = clock.advance(hours=1)
    clock.advance(hours=1)
    record(ledger, *LINES[6:], {"type": "lifting", "id": "eu:1:lift", "sanction": "eu:1",
                                "effective_from": "2021-03-23"})
    for moment in (before, clock.advance(hours=1)):
        batch = screened(ledger, "p:1", "p:2", known_at=moment)
        single = {p: [s.id for s in ledger.get_in_force(p, at=AT, known_at=moment).sanctions]
                  for p in ("p:1", "p:2")}
        assert {q: ids for q, (_, _, ids) in batch.items()} == single


def test_more_queries_than_one_chunk_are_all_answered_in_input_order(ledger):
    record(ledger, *LINES)
    queries = ["p:1", "unknown", "p:2"] * 700
    answers = list(ledger.screen(queries, at=AT, known_at=datetime.now(UTC)))
    assert [a.query for a in answers] == queries
    assert [a.status for a in answers[:3]] == ["match", "unknown", "match"]


@pytest.fixture
def cli_ledger(tmp_path: Path) -> str:
    db = str(tmp_path / "ledger.db")
    app = SanctionsLedger(resolve_location(db))
    record(app, *LINES)
    app.close()
    return db


@pytest.fixture
def any_ledger(ledger) -> str:
    """The --db value of a ledger holding LINES, on each backend."""
    record(ledger, *LINES)
    return ledger_url(ledger.location)


def run(db: str, *args: str):
    return CliRunner().invoke(main, ["--db", db, "in-force", *args], catch_exceptions=False)


def test_the_cli_prints_one_json_line_per_party_of_a_plain_file(cli_ledger, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Chen Mingguo\n\nnobody\np:2\n", encoding="utf-8")
    result = run(cli_ledger, "--batch", str(names), "--at", "2021-03-23")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["row"], x["query"], x["matches"]) for x in lines] == [
        (1, "Chen Mingguo", ["p:1"]), (2, "", []), (3, "nobody", []), (4, "p:2", ["p:2"])]
    assert lines[0]["sanctions"][0]["id"] == "eu:1"
    assert lines[0]["sanctions"][0]["measures"] == ["asset_freeze"]


def test_the_cli_reads_one_column_of_a_csv_file(cli_ledger, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\n1,Chen Mingguo\n2,Adrian Zenz\n", encoding="utf-8")
    result = run(cli_ledger, "--batch", str(customers), "--column", "name", "--at", "2021-03-23")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["matches"] for line in result.stdout.splitlines()] == [
        ["p:1"], ["p:4"]]


def test_a_missing_csv_column_is_a_one_line_error(cli_ledger, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\n1,Chen Mingguo\n", encoding="utf-8")
    result = run(cli_ledger, "--batch", str(customers), "--column", "party")
    assert result.exit_code == 1
    assert result.output == (f"Error: {customers} has no column 'party' for --column "
                             "(its columns: ref, name)\n")


def test_party_and_batch_together_are_refused(cli_ledger, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("p:1\n", encoding="utf-8")
    result = run(cli_ledger, "p:1", "--batch", str(names))
    assert result.exit_code == 2
    assert "give either PARTY or --batch FILE" in result.output


def test_a_batch_file_that_is_not_utf8_is_a_one_line_error_naming_the_line(cli_ledger, tmp_path):
    names = tmp_path / "names.txt"
    names.write_bytes(b"Adrian Zenz\nM\xfcller\n")  # Latin-1, as some exports are
    result = run(cli_ledger, "--batch", str(names), "--at", "2021-03-22")
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: {names} line 2: not valid UTF-8\n")


def test_each_output_line_carries_its_row_number_and_key_and_blank_rows_are_reported(
        any_ledger, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\nc1,Chen Mingguo\nc2,\n\nc3,nobody\n", encoding="utf-8")
    result = run(any_ledger, "--batch", str(customers), "--column", "name", "--key", "ref",
                 "--at", "2021-03-23")
    assert result.exit_code == 0, result.output
    assert [(x["row"], x.get("key"), x["status"]) for x in map(
        json.loads, result.stdout.splitlines())] == [
        (2, "c1", "match"), (3, "c2", "blank"), (4, "", "blank"), (5, "c3", "unknown")]
    assert result.stderr == ("Screened 4 rows: 1 matched, 0 ambiguous, 1 unknown, 2 blank; "
                             "1 with a sanction in force.\n")


def test_a_csv_batch_without_a_column_is_an_error_naming_its_columns(any_ledger, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("ref,name\nc1,Chen Mingguo\n", encoding="utf-8")
    result = run(any_ledger, "--batch", str(customers))
    assert result.exit_code == 1
    assert result.output == (f"Error: {customers} is a CSV file: name the column to screen "
                             "with --column (its columns: ref, name)\n")


def test_a_batch_dash_reads_standard_input(any_ledger):
    result = CliRunner().invoke(main, ["--db", any_ledger, "in-force", "--batch", "-",
                                       "--at", "2021-03-23"], input="p:1\nnobody\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["status"] for line in result.stdout.splitlines()] == [
        "match", "unknown"]
