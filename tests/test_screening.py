"""Screening by name: fuzzy candidates over the names valid on a day as known at a moment.

The read model files every name under its blocking keys as the projector,
an import and a rebuild write the name; ``screen`` scores the few names a
query's keys reach and shows what is in force against each. Both backends.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from click.testing import CliRunner

from cli.main import main
from conftest import Clock, ledger_url, read_model_rows, record, record_path
from ledger.application import SanctionsLedger
from ledger.datasets import dataset_path
from ledger.read.screening import ScreeningQuestion

AT = date(2021, 3, 23)

# The issue's spellings, each with the party it must find first, as a match.
SPELLINGS = {
    "Chen Minguo": "person:chen-mingguo", "Wang Junzhen": "person:wang-junzheng",
    "Adrian Zens": "person:adrian-zenz", "Miriam Lexman": "person:miriam-lexmann",
    "REINHARD BUETIKOFER": "person:reinhard-butikofer", "Mingguo Chen": "person:chen-mingguo",
    "Zenz, Adrian": "person:adrian-zenz", "Quanguo Chen": "person:chen-quanguo",
    "Alliance of Democracies": "org:alliance-of-democracies-foundation",
    "Zhu Hai-lun": "person:zhu-hailun",
}


def cli(ledger: SanctionsLedger, *args: str):
    return CliRunner().invoke(main, ["--db", ledger_url(ledger.location), *args])


def screened(ledger: SanctionsLedger, name: str, **asked) -> list[tuple[str, bool]]:
    question = ScreeningQuestion(**{"at": AT, "known_at": ledger.clock(), **asked})
    return [(c.hit.party_id, c.match) for c in ledger.screen_name(name, question).candidates]


def test_every_misspelling_transliteration_and_order_of_the_issue_finds_its_party(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    found = {name: screened(ledger, name)[:1] for name in SPELLINGS}
    assert found == {name: [(party, True)] for name, party in SPELLINGS.items()}


def test_a_surname_alone_lists_its_bearers_as_candidates_none_a_match(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    result = cli(ledger, "screen", "Chen", "--at", "2021-03-23", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert [(c["party"]["id"], c["match"]) for c in answer["candidates"]] == [
        ("person:chen-mingguo", False), ("person:chen-quanguo", False)]
    assert (answer["query"], answer["at"], answer["threshold"]) == ("Chen", "2021-03-23", 0.8)


def test_a_candidate_carries_its_matched_name_explanation_and_sanctions_with_evidence(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    result = cli(ledger, "screen", "Adrian Zens", "--at", "2021-03-22", "--json")
    (candidate,) = json.loads(result.output)["candidates"]
    assert candidate["matched_name"] == "Adrian Zenz" and candidate["match"] is True
    assert {m["method"] for m in candidate["explanation"]["matched"]} == {"exact", "phonetic"}
    in_force = json.loads(cli(ledger, "in-force", "Adrian Zenz", "--at", "2021-03-22",
                              "--json").output)
    assert candidate["party"] == in_force["party"]
    assert candidate["sanctions"] == in_force["sanctions"] != []


def test_an_alias_recorded_later_is_no_candidate_as_known_before_it(ledger, clock: Clock):
    record(ledger, {"type": "party", "id": "person:p", "kind": "person", "name": "Party P"})
    before = clock.now
    clock.advance()
    record(ledger, {"type": "alias", "id": "alias:p", "party": "person:p",
                    "name": "Ekaterina Volkova"})
    assert screened(ledger, "Ekaterina Volkowa") == [("person:p", True)]
    assert screened(ledger, "Ekaterina Volkowa", known_at=before) == []
    assert screened(ledger, "Ekaterina Volkowa", known_at=before - timedelta(days=1)) == []


def test_a_rebuild_writes_the_same_screening_index_as_the_projector(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    projected = read_model_rows(ledger)
    assert projected["screening_keys"]
    ledger.rebuild_read_model()
    assert read_model_rows(ledger) == projected
    assert screened(ledger, "Chen Minguo")[:1] == [("person:chen-mingguo", True)]


def test_authority_keeps_only_parties_it_sanctions_and_only_its_sanctions(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    result = cli(ledger, "screen", "Chen", "--authority", "auth:ca", "--at", "2021-03-23",
                 "--json")
    (candidate,) = json.loads(result.output)["candidates"]
    assert candidate["party"]["id"] == "person:chen-mingguo"
    assert {s["authority"] for s in candidate["sanctions"]} == {"auth:ca"}


def test_a_person_query_never_returns_an_organisation(ledger):
    record(ledger, {"type": "party", "id": "org:v", "kind": "organization",
                    "name": "Maria Petrova"})
    assert screened(ledger, "Maria Petrova", kind="person") == []
    assert screened(ledger, "Maria Petrova") == [("org:v", True)]


def test_stored_text_reaches_the_terminal_as_text_never_as_markup(ledger):
    record(ledger, {"type": "party", "id": "person:m", "kind": "person",
                    "name": "[bold red]Ivan[/] Markupov"})
    result = cli(ledger, "screen", "Ivan Markupov")
    assert result.exit_code == 0, result.output
    assert "[bold red]Ivan[/] Markupov" in result.output


def test_a_batch_answers_every_row_with_its_line_number_key_and_candidates(ledger, tmp_path):
    record_path(ledger, dataset_path("xinjiang-2021"))
    customers = tmp_path / "customers.csv"
    customers.write_text('id,name\nc1,Chen Minguo\nc2,\nc3,"Zenz, Adrian"\nc4,Nobody Atall\n')
    result = CliRunner().invoke(main, ["--db", ledger_url(ledger.location), "screen", "--batch",
                                       str(customers), "--column", "name", "--key", "id",
                                       "--at", "2021-03-22"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["row"], line["key"], line["query"],
             [(c["party"]["id"], c["match"]) for c in line["candidates"]]) for line in lines] == [
        (2, "c1", "Chen Minguo", [("person:chen-mingguo", True)]), (3, "c2", "", []),
        (4, "c3", "Zenz, Adrian", [("person:adrian-zenz", True)]), (5, "c4", "Nobody Atall", [])]
    single = json.loads(cli(ledger, "screen", "Chen Minguo", "--at", "2021-03-22",
                            "--json").output)["candidates"][0]
    assert [s["evidence"] for s in lines[0]["candidates"][0]["sanctions"]] == [
        [line["id"] for line in s["evidence"]] for s in single["sanctions"]]
    assert result.stderr == ("Screened 4 rows: 2 with a match, 0 with candidates below the "
                             "threshold only, 1 blank.\n")


def test_a_plain_text_batch_reads_standard_input(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    result = CliRunner().invoke(main, ["--db", ledger_url(ledger.location), "screen", "--batch",
                                       "-", "--at", "2021-03-22"], input="Adrian Zens\n\nChen\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["row"], [c["match"] for c in line["candidates"]]) for line in lines] == [
        (1, [True]), (2, []), (3, [False, False])]


def test_a_batch_naming_a_column_the_file_lacks_is_a_one_line_error(ledger, tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text("id,name\nc1,Chen\n")
    result = cli(ledger, "screen", "--batch", str(customers), "--column", "nme")
    assert result.exit_code == 1
    assert result.output == (f"Error: {customers} has no column 'nme' for --column "
                             "(its columns: id, name)\n")
