"""Official list snapshots in: answers on every publication date match the files.

The expected entries are read from the raw files here with csv and lxml, not
with ``ledger.sources``, so a parser and a diff that agree on a mistake
still fail. The OFAC pair (9,124 then 9,120 entries) is ingested once for the
module; the UN pair is ingested on each backend.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from cli.main import main
from conftest import Clock, record
from ledger.application import SanctionsLedger
from ledger.errors import LedgerError
from ledger.settings import resolve_location

LISTS = Path(__file__).parent / "fixtures" / "lists"
SDN_0824 = LISTS / "ofac-sdn" / "sdn_20210824T184858Z_d04932b372.csv"
SDN_0902 = LISTS / "ofac-sdn" / "sdn_20210902T184941Z_71a57c050c.csv"
UN_0621 = LISTS / "un" / "UN_consolidated_2018-06-21.xml"
UN_0824 = LISTS / "un" / "UN_consolidated_2018-08-24.xml"
FIRST, SECOND = date(2021, 8, 24), date(2021, 9, 2)


def sdn_ids(path: Path) -> set[str]:
    """The party ids an OFAC sdn.csv lists: its first column, row by row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {f"ofac-sdn:{row[0]}" for row in csv.reader(handle) if len(row) == 12}


def un_ids(path: Path) -> set[str]:
    tree = etree.parse(str(path))
    return {f"un:{ref.text.strip()}" for ref in tree.iter("REFERENCE_NUMBER")}


class Ingested:
    """A ledger holding both OFAC snapshots, and the moments around the two ingests."""

    def __init__(self, ledger: SanctionsLedger, clock: Clock):
        self.ledger = ledger
        self.first = ledger.ingest("ofac-sdn", SDN_0824, FIRST)
        self.between = clock.advance()
        clock.advance()
        self.second = ledger.ingest("ofac-sdn", SDN_0902, SECOND)
        self.now = clock.advance()

    def listed(self, at: date, known_at: datetime | None = None) -> set[str]:
        answer = self.ledger.get_authority_list("auth:ofac", at=at,
                                                known_at=known_at or self.now)
        return {s.target for s in answer.sanctions}


@pytest.fixture(scope="module")
def ofac(tmp_path_factory: pytest.TempPathFactory):
    clock = Clock()
    ledger = SanctionsLedger(resolve_location(str(tmp_path_factory.mktemp("ofac") / "l.db")),
                             clock=clock)
    yield Ingested(ledger, clock)
    ledger.close()


def test_each_publication_date_lists_exactly_the_snapshots_entries(ofac):
    assert ofac.listed(FIRST) == sdn_ids(SDN_0824)
    assert ofac.listed(SECOND) == sdn_ids(SDN_0902)
    assert (ofac.first.entries, ofac.second.entries) == (9124, 9120)


def test_the_diff_between_the_two_dates_is_the_set_difference_of_the_files(ofac):
    found = ofac.ledger.get_diff("auth:ofac", start=FIRST, end=SECOND, known_at=ofac.now)
    assert {s.target for s in found.removed} == sdn_ids(SDN_0824) - sdn_ids(SDN_0902)
    assert {s.target for s in found.added} == sdn_ids(SDN_0902) - sdn_ids(SDN_0824)
    assert (ofac.second.added, ofac.second.removed, ofac.second.changed) == (0, 4, 2)


def test_known_at_between_the_two_ingests_answers_as_the_first_snapshot(ofac):
    assert ofac.listed(SECOND, known_at=ofac.between) == sdn_ids(SDN_0824)


def test_the_renamed_vessel_is_found_by_the_names_it_had_on_each_date(ofac):
    for name, day in (("SAND SWAN", FIRST), ("SAND SWAN", SECOND), ("EBANO", SECOND)):
        answer = ofac.ledger.get_in_force(name, at=day, known_at=ofac.now)
        assert (answer.party.id, [s.id for s in answer.sanctions]) == (
            "ofac-sdn:4243", ["ofac-sdn:4243:1"]), (name, day)
    assert ofac.ledger.get_in_force("EBANO", at=SECOND, known_at=ofac.now).party.kind == "vessel"
    with pytest.raises(LedgerError, match="no party has the id, name or alias 'EBANO'"):
        ofac.ledger.get_in_force("EBANO", at=FIRST, known_at=ofac.now)


def test_a_day_between_two_snapshots_is_answered_uncertain_with_the_window(ofac):
    def on(day: date):
        return ofac.ledger.get_in_force("ofac-sdn:7676", at=day, known_at=ofac.now).sanctions

    (unsure,) = on(date(2021, 8, 28))
    assert (unsure.certainty, unsure.window.wire()) == (
        "uncertain", {"between": ["2021-08-25", "2021-09-02"]})
    assert [s.certainty for s in on(FIRST)] == ["certain"]
    assert on(SECOND) == []


def test_a_day_before_the_first_snapshot_is_uncertain_not_unsanctioned(ofac):
    (unsure,) = ofac.ledger.get_in_force("ofac-sdn:4243", at=date(2021, 1, 1),
                                         known_at=ofac.now).sanctions
    assert (unsure.certainty, unsure.window.wire()) == (
        "uncertain", {"on_or_before": "2021-08-24"})


def test_the_same_snapshot_again_records_nothing_and_an_older_one_is_refused(ofac):
    stored = ofac.ledger.stored_events()
    again = ofac.ledger.ingest("ofac-sdn", SDN_0902, SECOND)
    assert (again.added, again.removed, again.changed, again.unchanged) == (0, 0, 0, 9120)
    with pytest.raises(LedgerError, match="published on 2021-08-24 is older than the newest "
                                          "one ingested, published on 2021-09-02"):
        ofac.ledger.ingest("ofac-sdn", SDN_0824, FIRST)
    assert ofac.ledger.stored_events() == stored
    assert [(s.published, s.entries) for s in ofac.ledger.list_snapshots()] == [
        (FIRST, 9124), (SECOND, 9120)]


def test_the_publication_source_names_file_hash_and_rows(ofac):
    line = ofac.ledger.get_line("src:ofac-sdn:2021-09-02").content
    assert (line["list"], line["published"], line["rows"]) == ("ofac-sdn", "2021-09-02", 9120)
    assert line["files"][0]["name"] == SDN_0902.name
    assert len(line["files"][0]["sha256"]) == 64


def test_un_snapshots_diff_on_each_backend_with_listed_on_as_an_exact_start(ledger, clock):
    first = ledger.ingest("un", UN_0621)
    clock.advance()
    second = ledger.ingest("un", UN_0824)
    assert (first.added, second.added, second.removed, second.changed) == (1100, 6, 8, 14)
    now = clock.advance()
    for day, path in ((date(2018, 6, 21), UN_0621), (date(2018, 8, 24), UN_0824)):
        answer = ledger.get_authority_list("auth:un-sc", at=day, known_at=now)
        assert {s.target for s in answer.sanctions} == un_ids(path)
    (yemen,) = ledger.get_in_force("un:YEi.001", at=date(2014, 11, 7), known_at=now).sanctions
    assert (yemen.effective_from, yemen.start_window, yemen.certainty) == (
        date(2014, 11, 7), None, "certain")


def test_a_un_and_an_ofac_entry_linked_answer_for_each_other(ledger, clock):
    ledger.ingest("un", UN_0621)
    ledger.ingest("ofac-sdn", SDN_0824, FIRST)
    clock.advance()
    link = {"type": "same_party", "id": "link:yei001", "parties": ["un:YEi.001",
                                                                  "ofac-sdn:17368"],
            "sources": ["src:un:2018-06-21", "src:ofac-sdn:2021-08-24"]}
    record(ledger, link)
    linked = clock.advance()
    clock.advance()
    record(ledger, {"type": "retraction", "id": "link:yei001:retracted",
                    "same_party": "link:yei001", "reason": "linked in error"})
    now = clock.advance()
    answer = ledger.get_in_force("un:YEi.001", at=FIRST, known_at=linked)
    assert [(s.id, "link:yei001" in s.evidence) for s in answer.sanctions] == [
        ("ofac-sdn:17368:1", True), ("un:YEi.001:1", False)]
    assert "link:yei001" in answer.evidence
    after = ledger.get_in_force("un:YEi.001", at=FIRST, known_at=now)
    assert [s.id for s in after.sanctions] == ["un:YEi.001:1"]


def test_ingest_json_and_lists_on_the_command_line(tmp_path):
    db = str(tmp_path / "l.db")
    runner = CliRunner()
    result = runner.invoke(main, ["--db", db, "ingest", "un", str(UN_0621), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"list", "published", "recorded_at", "added", "removed", "changed",
                        "unchanged"}
    assert (out["list"], out["published"], out["added"]) == ("un", "2018-06-21", 1100)
    shown = json.loads(runner.invoke(main, ["--db", db, "lists", "--json"]).output)
    assert [(s["list"], s["published"], s["entries"]) for s in shown] == [
        ("un", "2018-06-21", 1100)]


@pytest.mark.parametrize(("args", "message"), [
    (["ofac-sdn", str(UN_0621), "--published", "2021-01-01"],
     "Error: UN_consolidated_2018-06-21.xml, line 1: expected 12 fields of the OFAC sdn.csv "
     "layout, found 1\n"),
    (["ofac-sdn", str(SDN_0824)],
     "Error: the ofac-sdn file carries no publication date: give it with --published "
     "YYYY-MM-DD\n"),
    (["un", str(UN_0621), "--published", "2018-06-22"],
     "Error: the un file says it was published on 2018-06-21, not 2018-06-22 as --published "
     "says\n"),
])
def test_a_wrong_file_or_date_is_one_line_and_records_nothing(tmp_path, args, message):
    db = str(tmp_path / "l.db")
    result = CliRunner().invoke(main, ["--db", db, "ingest", *args])
    assert (result.exit_code, result.output) == (1, message)
    listed = CliRunner().invoke(main, ["--db", db, "lists", "--json"])
    assert listed.output.strip() in ("[]", "") or "no ledger" in listed.output


def test_an_ftm_file_ingests_with_its_publication_date_given(ledger, clock):
    found = ledger.ingest("ftm", LISTS / "ftm" / "t1" / "entities.ftm.json", date(2024, 5, 27))
    assert found.added == 6
    assert [s.entries for s in ledger.list_snapshots()] == [6]
    assert ledger.stored_events() > 6 and timedelta(0) <= clock.advance() - found.recorded_at
