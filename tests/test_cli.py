"""The command line as a user meets it: answers, JSON shapes, and one-line errors."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import event

from cli.main import main
from cli.render import answer_json
from conftest import SPEC_EXAMPLES, record
from ledger.application import SanctionsLedger
from ledger.settings import LedgerLocation


@pytest.fixture
def db(location) -> str:
    """The --db value for the test's ledger, on each backend."""
    return str(location.path) if location.backend == "sqlite" else location.sqlalchemy_url()


def run(db: str, *args: str, ok: bool = True):
    result = CliRunner().invoke(main, ["--db", db, *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_in_force_json_has_the_shape_the_spec_promises(db):
    imported = json.loads(run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"), "--json").output)
    out = json.loads(run(db, "in-force", "Example Official", "--at", "2021-03-23",
                         "--known-at", "2030-01-01T00:00:00+00:00", "--json").output)
    assert (out["at"], out["known_at"], out["known_at_asked"]) == (
        "2021-03-23", imported["recorded_at"], "2030-01-01T00:00:00+00:00")
    (sanction,) = out["sanctions"]
    assert {k: sanction[k] for k in ("id", "kind", "authority", "target", "measures",
                                     "program", "effective_from", "effective_until")} == {
        "id": "eu:ghr:example", "kind": "designation", "authority": "auth:eu",
        "target": "person:example", "measures": ["asset_freeze", "travel_ban"],
        "program": "EU Global Human Rights Sanctions Regime",
        "effective_from": "2021-03-23", "effective_until": "2021-12-08"}
    assert [(e["id"], e["type"], e["sources"]) for e in sanction["evidence"]] == [
        ("eu:ghr:example", "designation", ["src:council-2021-478"])]


def test_a_lone_question_answers_without_loading_sqlalchemy_or_the_event_store(tmp_path):
    """``in-force`` on a current ledger reads the read model on a plain connection
    (``ledger.read.current``): the imports it skips cost far more than the answer.
    Its answer is the one the opened ledger gives."""
    db = str(tmp_path / "ledger.db")
    run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    run(db, "import", str(SPEC_EXAMPLES / "stage2.jsonl"))
    question = ["in-force", "Example Official", "--at", "2021-04-01", "--json"]
    program = ("import json, sys\nfrom cli.main import main\n"
               "main(sys.argv[1:], standalone_mode=False)\n"
               "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules}\n"
               "                        & {'sqlalchemy', 'eventsourcing', 'psycopg'})))\n")
    done = subprocess.run([sys.executable, "-c", program, "--db", db, *question],
                          capture_output=True, text=True, check=True)
    *printed, loaded = done.stdout.splitlines()
    assert json.loads(loaded) == []
    answer = json.loads("\n".join(printed))
    assert [(s["id"], s["effective_from"]) for s in answer["sanctions"]] == [
        ("eu:ghr:example", "2021-03-22")]  # as corrected in stage 2
    with closing(SanctionsLedger(LedgerLocation("sqlite", path=Path(db)))) as ledger:
        opened = ledger.get_in_force("Example Official", at=date(2021, 4, 1),
                                     known_at=datetime.fromisoformat(answer["known_at_asked"]))
    assert answer == json.loads(json.dumps(answer_json(opened)))


def test_a_bad_file_is_refused_in_one_line_naming_file_and_line(db, tmp_path):
    run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "source", "id": "s1", "publisher": "P", "title": "T"}\n'
                   '{"type": "party", "id": "p1", "kind": "person", "name": "N", "nam": "x"}\n')
    result = run(db, "import", str(bad), ok=False)
    assert result.exit_code == 1
    assert result.output == f"Error: {bad} line 2: unknown field 'nam'\n"
    assert "s1" not in run(db, "export").output


def test_a_failed_first_import_leaves_no_ledger_file_behind(tmp_path):
    ledger_file = tmp_path / "new.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "nonsense", "id": "x"}\n')
    assert run(str(ledger_file), "import", str(bad), ok=False).exit_code == 1
    assert list(tmp_path.iterdir()) == [bad]


def test_an_ambiguous_name_lists_the_candidates(db, tmp_path):
    twins = tmp_path / "twins.jsonl"
    twins.write_text('{"type": "party", "id": "p:1", "kind": "person", "name": "Li Wei"}\n'
                     '{"type": "party", "id": "p:2", "kind": "person", "name": "LI WEI"}\n')
    run(db, "import", str(twins))
    result = run(db, "in-force", "li wei", ok=False)
    assert result.output == ("Error: 'li wei' names more than one party: "
                             "p:1 (Li Wei); p:2 (LI WEI)\n")


def test_an_unknown_party_is_a_one_line_error(db):
    run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    result = run(db, "in-force", "Nobody", ok=False)
    assert (result.exit_code, result.output) == (
        1, "Error: no party has the id, name or alias 'Nobody'\n")


def test_asking_a_ledger_that_does_not_exist_says_so(tmp_path):
    result = run(str(tmp_path / "missing.db"), "in-force", "anyone", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error: no ledger at ")
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("command", [["in-force", "anyone"], ["parties"], ["verify"]])
def test_a_file_that_is_not_a_ledger_is_a_one_line_error(tmp_path, command):
    junk = tmp_path / "notes.db"
    junk.write_text("not a database, just somebody's notes\n" * 100)
    result = run(str(junk), *command, ok=False)
    assert (result.exit_code, result.output) == (
        1, "Error: the ledger database failed: file is not a database\n")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--at", "22/03/2021", "'22/03/2021' is not a date YYYY-MM-DD"),
    ("--at", "2021-02-30", "'2021-02-30' is not a calendar date"),
    ("--known-at", "yesterday", "'yesterday' is not an ISO 8601 timestamp"),
])
def test_bad_option_values_exit_2_naming_the_problem(db, option, value, message):
    result = run(db, "in-force", "x", option, value, ok=False)
    assert result.exit_code == 2 and message in result.output


# The database drivers keep real time: their pools' waits never end on a frozen clock.
@freeze_time("2030-06-01 12:00:00", ignore=["psycopg", "psycopg_pool"])
def test_at_defaults_to_today_and_known_at_to_now(db, frozen_time_storable):
    run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    out = json.loads(run(db, "in-force", "person:example", "--json").output)
    assert (out["at"], out["known_at"]) == ("2030-06-01", "2030-06-01T12:00:00+00:00")


def test_a_known_at_without_offset_is_read_as_utc(db):
    run(db, "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    out = json.loads(run(db, "list", "--authority", "EU", "--at", "2021-04-01",
                         "--known-at", "2030-01-01T00:00:00", "--json").output)
    assert out["known_at_asked"] == "2030-01-01T00:00:00+00:00"
    assert [s["id"] for s in out["sanctions"]] == ["eu:ghr:example"]


def test_export_reimported_into_an_empty_ledger_answers_the_same(db, tmp_path):
    run(db, "import", "--dataset", "xinjiang-2021")
    exported = tmp_path / "export.jsonl"
    run(db, "export", "--out", str(exported))
    copy = str(tmp_path / "copy.db")
    run(copy, "import", str(exported))
    for party, day in [("Chen Mingguo", "2021-03-22"), ("Adrian Zenz", "2021-03-22"),
                       ("XPCC", "2020-08-01")]:
        answers = [json.loads(run(target, "in-force", party, "--at", day, "--json").output)
                   for target in (db, copy)]
        assert [[s["id"], s["measures"], s["effective_from"]] for s in answers[0]["sanctions"]] \
            == [[s["id"], s["measures"], s["effective_from"]] for s in answers[1]["sanctions"]]
    assert run(copy, "import", str(exported)).output.startswith("Recorded 0 lines")


def test_show_gives_the_line_as_filed_with_its_recorded_time_and_sources(db):
    run(db, "import", "--dataset", "xinjiang-2021")
    out = json.loads(run(db, "show", "eu:2021-03-22:chen-mingguo", "--json").output)
    assert out["filed"]["target"] == "person:chen-mingguo"
    assert out["recorded_at"] and out["source_lines"][0]["type"] == "source"
    assert "cn:2021-03-22:adrian-zenz" in [r["id"] for r in out["related"]]


def test_parties_search_folds_accents(db):
    run(db, "import", "--dataset", "xinjiang-2021")
    out = json.loads(run(db, "parties", "butikofer", "--json").output)
    assert [p["id"] for p in out] == ["person:reinhard-butikofer"]


def test_rebuild_reports_the_events_it_replayed_and_changes_no_answer(db):
    run(db, "import", "--dataset", "xinjiang-2021")
    before = run(db, "list", "--authority", "China", "--at", "2021-03-23", "--json").output
    rebuilt = json.loads(run(db, "rebuild", "--json").output)
    assert rebuilt["events"] == 245
    after = run(db, "list", "--authority", "China", "--at", "2021-03-23", "--json").output
    assert json.loads(after)["sanctions"] == json.loads(before)["sanctions"]


def test_datasets_lists_the_bundled_dataset():
    result = CliRunner().invoke(main, ["datasets"])
    assert result.exit_code == 0 and result.output.startswith("xinjiang-2021\t")


def test_python_dash_m_runs_the_same_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ledger", "--help"], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).parents[1])
    assert "in-force" in done.stdout


def test_a_party_search_is_literal_text_not_a_pattern(db):
    run(db, "import", "--dataset", "xinjiang-2021")
    assert json.loads(run(db, "parties", "%", "--json").output) == []
    found = json.loads(run(db, "parties", "xpcc", "--json").output)
    assert [p["id"] for p in found] == ["org:xpcc", "org:xpcc-public-security-bureau"]



def test_broad_reads_stay_within_sqlites_variable_limit(tmp_path):
    """Many SQLite builds bind at most 999 values per statement (32,766 since 3.32,
    250,000 on Debian's): a search as broad as 'party' in a large ledger, or a
    report citing thousands of lines, must still answer, where each failed with
    "too many SQL variables"."""
    ledger = SanctionsLedger(LedgerLocation("sqlite", path=tmp_path / "ledger.db"))
    event.listen(ledger.engine, "connect", lambda dbapi, _: dbapi.setlimit(
        sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999))
    ledger.engine.dispose()  # connections opened so far have the build's own limit
    record(ledger, *({"type": "party", "id": f"p:{n:04d}", "kind": "person",
                      "name": f"Party {n}"} for n in range(1500)))
    assert [p.id for p in ledger.find_parties("party")] == [f"p:{n:04d}" for n in range(200)]
    cited = ledger.reader.lines([f"p:{n:04d}" for n in reversed(range(1500))])
    assert [line.id for line in cited] == [f"p:{n:04d}" for n in range(1500)]  # recorded order
    ledger.close()
