"""Names as known at a moment: a party or alias recorded later never answers for an earlier one.

Party P is recorded first; its alias "Ex Official" in a second file. Asked as
known between the two, the alias names nobody; asked before the first, P does
not exist. Every command that resolves a party or lists lines follows, on both
backends; the read model's watermark (``complete_until``) caps them all alike.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from cli.main import main
from conftest import Clock, ledger_url, record
from ledger.application import SanctionsLedger
from ledger.errors import AmbiguousPartyError, UnknownPartyError
from ledger.read.schema import projection_position

FIRST = [
    {"type": "source", "id": "src:1", "publisher": "Council", "title": "Decision 1"},
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union",
     "aliases": ["EU"]},
    {"type": "party", "id": "person:p", "kind": "person", "name": "Party P"},
    {"type": "designation", "id": "eu:p", "authority": "auth:eu", "target": "person:p",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22", "sources": ["src:1"]},
]
ALIAS = {"type": "alias", "id": "alias:p", "party": "person:p", "name": "Ex Official"}
AT = date(2021, 4, 1)


@pytest.fixture
def two_files(ledger: SanctionsLedger, clock: Clock) -> dict[str, datetime]:
    """P in a first file, its alias in a second: the moments before, between and after."""
    moments = {"before": clock.now - timedelta(minutes=1), "first": clock.now}
    record(ledger, *FIRST)
    moments["second"] = clock.advance()
    record(ledger, ALIAS)
    return moments


def cli(ledger: SanctionsLedger, *args: str):
    return CliRunner().invoke(main, ["--db", ledger_url(ledger.location), *args])


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_an_alias_recorded_later_names_nobody_as_known_before_it(ledger, two_files):
    with pytest.raises(UnknownPartyError) as raised:
        ledger.get_in_force("Ex Official", at=AT, known_at=two_files["first"])
    assert str(raised.value) == ("no party with the id, name or alias 'Ex Official' was "
                                 f"known at {iso(two_files['first'])}")
    later = ledger.get_in_force("Ex Official", at=AT, known_at=two_files["second"])
    assert (later.party.id, [s.id for s in later.sanctions]) == ("person:p", ["eu:p"])


def test_in_force_by_a_later_alias_says_no_party_of_that_name_was_known_then(
        ledger, two_files):
    """The issue's reproduction, at the command line."""
    result = cli(ledger, "in-force", "Ex Official", "--known-at", iso(two_files["first"]))
    assert (result.exit_code, result.output) == (
        1, "Error: no party with the id, name or alias 'Ex Official' was known at "
           f"{iso(two_files['first'])}\n")


def test_a_party_asked_before_it_was_recorded_is_unknown_by_id_and_by_name(
        ledger, two_files):
    for party in ("person:p", "Party P", "party p"):
        with pytest.raises(UnknownPartyError):
            ledger.get_in_force(party, at=AT, known_at=two_files["before"])
    with pytest.raises(UnknownPartyError):
        ledger.get_authority_list("EU", at=AT, known_at=two_files["before"])


def test_a_party_recorded_later_does_not_make_a_name_ambiguous_as_known_before_it(
        ledger, two_files, clock):
    clock.advance()
    record(ledger, {"type": "party", "id": "person:q", "kind": "person", "name": "PARTY P"})
    with pytest.raises(AmbiguousPartyError):
        ledger.get_in_force("Party P", at=AT, known_at=clock.now)
    answer = ledger.get_in_force("Party P", at=AT, known_at=two_files["second"])
    assert (answer.party.id, [s.id for s in answer.sanctions]) == ("person:p", ["eu:p"])


def test_the_names_list_holds_only_the_names_known_at_the_moment(ledger, two_files):
    def names(moment: datetime) -> list[str]:
        result = cli(ledger, "in-force", "person:p", "--at", "2021-04-01",
                     "--known-at", iso(moment), "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["party"]["names"]

    assert names(two_files["first"]) == ["Party P"]
    assert names(two_files["second"]) == ["Party P", "Ex Official"]


def test_batch_screening_before_a_party_was_recorded_reports_it_unknown(ledger, two_files):
    def statuses(moment: datetime) -> list[tuple[str, list[str], list[str]]]:
        return [(s.status, s.matches, [x.id for x in s.sanctions]) for s in
                ledger.screen(["Party P", "Ex Official"], at=AT, known_at=moment)]

    assert statuses(two_files["before"]) == [("unknown", [], []), ("unknown", [], [])]
    assert statuses(two_files["first"]) == [("match", ["person:p"], ["eu:p"]),
                                            ("unknown", [], [])]
    assert statuses(two_files["second"]) == [("match", ["person:p"], ["eu:p"])] * 2


def test_history_of_a_party_not_yet_known_is_an_error_and_a_later_alias_finds_nothing(
        ledger, two_files):
    with pytest.raises(UnknownPartyError):
        ledger.get_history("Party P", known_at=two_files["before"])
    with pytest.raises(UnknownPartyError):
        ledger.get_history("Ex Official", known_at=two_files["first"])
    found = ledger.get_history("Ex Official", known_at=two_files["second"])
    assert [e.line.id for e in found.entries] == ["eu:p", "person:p", "alias:p"]


def test_a_report_and_a_diff_resolve_names_as_known_at_the_moment(ledger, two_files):
    with pytest.raises(UnknownPartyError):
        ledger.get_report("Ex Official", at=AT, known_at=two_files["first"])
    with pytest.raises(UnknownPartyError):
        ledger.get_diff("EU", start=AT, end=AT, known_at=two_files["before"])
    report = ledger.get_report("Ex Official", at=AT, known_at=two_files["second"])
    assert report.answer.party.names == ["Party P", "Ex Official"]


def test_parties_lists_only_the_parties_and_names_known_at_the_moment(ledger, two_files):
    def listed(moment: datetime) -> list[tuple[str, list[str]]]:
        return [(p.id, p.names) for p in ledger.find_parties(known_at=moment)]

    assert listed(two_files["before"]) == []
    assert listed(two_files["first"]) == [("auth:eu", ["European Union", "EU"]),
                                          ("person:p", ["Party P"])]
    assert ledger.find_parties("official", known_at=two_files["first"]) == []
    assert [p.id for p in ledger.find_parties("official", known_at=two_files["second"])] == [
        "person:p"]
    result = cli(ledger, "parties", "--known-at", iso(two_files["first"]))
    assert result.exit_code == 0, result.output
    assert "Ex Official" not in result.output


def test_show_log_and_export_leave_out_lines_recorded_after_the_moment(ledger, two_files):
    first = iso(two_files["first"])
    shown = cli(ledger, "show", "alias:p", "--known-at", first)
    assert (shown.exit_code, shown.output) == (
        1, f"Error: nothing was recorded with the id 'alias:p' as known at {first}\n")
    related = json.loads(cli(ledger, "show", "person:p", "--known-at", first, "--json").output)
    assert [r["id"] for r in related["related"]] == ["eu:p"]
    logged = cli(ledger, "log", "--known-at", first, "--json").output.splitlines()
    assert [json.loads(line)["id"] for line in logged] == [
        "src:1", "auth:eu", "person:p", "eu:p"]
    exported = cli(ledger, "export", "--known-at", first).output
    assert "alias:p" not in exported and '"id":"eu:p"' in exported


def test_names_of_a_file_beyond_the_watermark_do_not_resolve(ledger, two_files):
    """A reader never sees a file the projector is half-way through: set the watermark
    back to the first file, as if the second were still being applied."""
    with ledger.engine.begin() as conn:
        conn.execute(update(projection_position).values(complete_until=two_files["first"]))
    with pytest.raises(UnknownPartyError) as raised:
        ledger.get_in_force("Ex Official", at=AT, known_at=two_files["second"])
    assert str(raised.value) == "no party has the id, name or alias 'Ex Official'"
    assert [p.names for p in ledger.find_parties("Party P")] == [["Party P"]]
    result = cli(ledger, "in-force", "Ex Official")  # the lone-question reader, too
    assert result.output == "Error: no party has the id, name or alias 'Ex Official'\n"
    assert "alias:p" not in cli(ledger, "log").output


# One meaning of "known at" everywhere: a moment beyond what the ledger holds (the default,
# now, included) is answered as of the latest moment it holds, and every command says so
# in the same words; a moment within it is answered as asked.

FUTURE = "2099-01-01T00:00:00+00:00"
TEXT_COMMANDS = {
    "in-force": ["in-force", "Party P", "--at", "2021-04-01"],
    "list": ["list", "--authority", "EU", "--at", "2021-04-01"],
    "history": ["history", "Party P"],
    "diff": ["diff", "--authority", "EU", "--from", "2021-03-01", "--to", "2021-04-01"],
    "replay": ["replay"],
    "parties": ["parties"],
    "show": ["show", "eu:p"],
    "log": ["log"],
    "export": ["export"],
    "report": ["report", "Party P", "--at", "2021-04-01"],
}
JSON_COMMANDS = {
    "in-force": ["in-force", "Party P", "--at", "2021-04-01", "--json"],
    "list": ["list", "--authority", "EU", "--at", "2021-04-01", "--json"],
    "history": ["history", "Party P", "--json"],
    "diff": ["diff", "--authority", "EU", "--from", "2021-03-01", "--to", "2021-04-01",
             "--json"],
    "show": ["show", "eu:p", "--json"],
    "report": ["report", "Party P", "--at", "2021-04-01", "--format", "json"],
}


def said(result) -> str:
    """What a command printed, its lines joined (tables wrap their titles)."""
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.mark.parametrize("command", TEXT_COMMANDS)
def test_every_command_answers_beyond_the_ledger_as_of_its_latest_and_says_so_alike(
        ledger, two_files, command):
    """By default (now) and asked for the future: as of the second file, said in the same
    words; the JSON carries that moment and the moment asked."""
    latest = f"as known at {iso(two_files['second'])} (the latest the ledger holds)"
    assert latest in said(cli(ledger, *TEXT_COMMANDS[command]))
    assert latest in said(cli(ledger, *TEXT_COMMANDS[command], "--known-at", FUTURE))
    if command in JSON_COMMANDS:
        answer = json.loads(cli(ledger, *JSON_COMMANDS[command], "--known-at", FUTURE).output)
        assert (answer["known_at"], answer["known_at_asked"]) == (
            iso(two_files["second"]), FUTURE)


def test_batch_screening_lines_carry_the_moment_they_hold_as_of(ledger, two_files, tmp_path):
    customers = tmp_path / "customers.txt"
    customers.write_text("Ex Official\n")
    result = cli(ledger, "in-force", "--batch", str(customers), "--known-at", FUTURE)
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(text) for text in result.output.splitlines() if text.startswith("{")]
    assert (line["status"], line["known_at"], line["known_at_asked"]) == (
        "match", iso(two_files["second"]), FUTURE)


def test_a_moment_within_the_ledger_is_answered_as_asked_and_said_plainly(ledger, two_files):
    first = iso(two_files["first"])
    for command in ("in-force", "list", "history", "diff", "show"):
        answer = json.loads(cli(ledger, *JSON_COMMANDS[command], "--known-at", first).output)
        assert (answer["known_at"], answer["known_at_asked"]) == (first, first), command
        text = said(cli(ledger, *TEXT_COMMANDS[command], "--known-at", first))
        assert f"as known at {first}" in text, command
        assert "the latest the ledger holds" not in text, command
