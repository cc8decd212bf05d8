"""The bundled xinjiang-2021 dataset answers the questions its articles answer."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from conftest import FIXTURES, record_path
from ledger.datasets import bundled, dataset_path

NOW = datetime(2030, 1, 1, tzinfo=UTC)
SEEDS = FIXTURES / "seeds"


@pytest.fixture
def xinjiang(ledger):
    record_path(ledger, dataset_path("xinjiang-2021"))
    return ledger


def sanction_ids(ledger, party: str, day: str) -> list[str]:
    answer = ledger.get_in_force(party, at=date.fromisoformat(day), known_at=NOW)
    return [s.id for s in answer.sanctions]


def test_chen_mingguo_was_not_sanctioned_the_day_before_the_coordinated_round(xinjiang):
    assert sanction_ids(xinjiang, "Chen Mingguo", "2021-03-21") == []


def test_chen_mingguo_was_sanctioned_by_the_eu_uk_canada_and_us_on_22_march_2021(xinjiang):
    assert sanction_ids(xinjiang, "Chen Mingguo", "2021-03-22") == [
        "ca:2021-03-22:chen-mingguo", "eu:2021-03-22:chen-mingguo",
        "uk:2021-03-22:chen-mingguo", "us:2021-03-22:chen-mingguo"]


def test_adrian_zenz_was_under_chinas_countermeasure_answering_the_eu_listings(xinjiang):
    answer = xinjiang.get_in_force("adrian zenz", at=date(2021, 3, 22), known_at=NOW)
    (countermeasure,) = answer.sanctions
    assert (countermeasure.id, countermeasure.kind, countermeasure.authority) == (
        "cn:2021-03-22:adrian-zenz", "countermeasure", "auth:cn")
    filed = answer.evidence[countermeasure.id].content
    assert "eu:2021-03-22:chen-mingguo" in filed["in_response_to"]


def test_chen_quanguo_was_under_us_sanctions_only_on_23_march_2021(xinjiang):
    assert sanction_ids(xinjiang, "Chen Quanguo", "2021-03-23") == [
        "us:2020-07-09:chen-quanguo"]


def test_the_eu_list_on_23_march_2021_holds_its_five_listings(xinjiang):
    answer = xinjiang.get_authority_list("EU", at=date(2021, 3, 23), known_at=NOW)
    assert [(s.target, s.measures) for s in answer.sanctions] == [
        ("person:chen-mingguo", ["asset_freeze", "travel_ban"]),
        ("person:wang-junzheng", ["asset_freeze", "travel_ban"]),
        ("person:wang-mingshan", ["asset_freeze", "travel_ban"]),
        ("org:xpcc-public-security-bureau", ["asset_freeze"]),
        ("person:zhu-hailun", ["asset_freeze", "travel_ban"]),
    ]


@pytest.mark.parametrize(("spelling", "party"), [
    ("Reinhard Butikofer", "person:reinhard-butikofer"),
    ("Reinhard Bütikofer", "person:reinhard-butikofer"),
    ("raphael glucksmann", "person:raphael-glucksmann"),
    ("CHEN, Quanguo", "person:chen-quanguo"),
])
def test_the_articles_spellings_find_the_same_party(xinjiang, spelling, party):
    assert xinjiang.reader.resolve_party(spelling, known_at=xinjiang.get_known().moment).id \
        == party


def test_where_articles_disagree_a_correction_records_the_change_with_reason_and_sources(
        xinjiang):
    answer = xinjiang.get_in_force("person:chen-mingguo", at=date(2021, 3, 22), known_at=NOW)
    us = next(s for s in answer.sanctions if s.authority == "auth:us")
    assert us.effective_from == date(2021, 3, 22)
    correction = answer.evidence["us:2021-03-22:chen-mingguo:correction-1"]
    assert correction.content["set"] == {"effective_from": "2021-03-22"}
    assert "Mar 21" in correction.content["reason"] and correction.sources
    designation = answer.evidence["us:2021-03-22:chen-mingguo"].content
    assert designation["effective_from"] == "2021-03-21"


@pytest.mark.parametrize(("day", "in_force"), [
    ("2020-07-08", []),
    ("2020-07-09", ["us:2020-07-09:zhu-hailun"]),
    ("2021-03-21", ["us:2020-07-09:zhu-hailun"]),
    ("2021-03-22", [f"{authority}:2021-03-22:zhu-hailun" for authority in ("ca", "eu", "uk")]
     + ["us:2020-07-09:zhu-hailun"]),
])
def test_zhu_hailun_was_under_ofac_sanctions_from_9_july_2020_and_the_eus_from_22_march_2021(
        xinjiang, day, in_force):
    assert sanction_ids(xinjiang, "ZHU, Hailun", day) == in_force


def test_huo_liujun_one_of_the_unnamed_officials_was_designated_by_ofac_on_9_july_2020(xinjiang):
    answer = xinjiang.get_in_force("Huo Liujun", at=date(2020, 7, 9), known_at=NOW)
    (designation,) = answer.sanctions
    assert (designation.id, designation.authority, designation.effective_from) == (
        "us:2020-07-09:huo-liujun", "auth:us", date(2020, 7, 9))
    filed = answer.evidence[designation.id].content
    assert filed["program"] == "GLOMAG" and "src:treasury-2020-07-09" in filed["sources"]
    known = xinjiang.get_known().moment
    assert xinjiang.reader.resolve_party("HUO, Liujun", known_at=known).id == "person:huo-liujun"


def test_the_us_list_after_31_july_2020_holds_both_july_rounds_by_name(xinjiang):
    answer = xinjiang.get_authority_list("US", at=date(2020, 8, 1), known_at=NOW)
    assert sorted(s.target for s in answer.sanctions if s.program == "GLOMAG") == [
        "org:xinjiang-public-security-bureau", "org:xpcc", "person:chen-quanguo",
        "person:huo-liujun", "person:peng-jiarui", "person:sun-jinlong",
        "person:wang-mingshan", "person:zhu-hailun"]


def test_chinas_26_march_countermeasures_answer_the_uk_listings_for_nine_uk_persons(xinjiang):
    answer = xinjiang.get_authority_list("China", at=date(2021, 3, 26), known_at=NOW)
    round_ = [s for s in answer.sanctions if s.effective_from == date(2021, 3, 26)]
    persons = sorted(s.target for s in round_ if s.target.startswith("person:"))
    assert len(persons) == 9 and "person:tom-tugendhat" in persons
    assert len(round_) == 13
    for sanction in round_:
        filed = answer.evidence[sanction.id].content
        assert all(d.startswith("uk:2021-03-22:") for d in filed["in_response_to"])
        assert "src:cn-mfa-2021-03-26" in filed["sources"]
    tugendhat = next(s for s in round_ if s.target == "person:tom-tugendhat")
    assert tugendhat.measures == ["asset_freeze", "business_ban", "entry_ban"]


def test_an_eu_listing_runs_to_each_renewals_end_and_no_further(xinjiang):
    def eu_until(day: str) -> list[date | None]:
        answer = xinjiang.get_in_force("Zhu Hailun", at=date.fromisoformat(day), known_at=NOW)
        return [s.effective_until for s in answer.sanctions if s.authority == "auth:eu"]

    assert eu_until("2021-12-05") == [date(2021, 12, 8)]
    assert eu_until("2021-12-06") == [date(2022, 12, 8)]
    assert eu_until("2023-12-09") == [date(2024, 12, 8)]
    assert eu_until("2026-12-08") == [date(2026, 12, 8)]
    assert eu_until("2026-12-09") == []


def test_the_2025_lifting_ends_chinas_sanctions_on_sitting_meps_only(xinjiang):
    assert sanction_ids(xinjiang, "Michael Gahler", "2025-04-29") == [
        "cn:2021-03-22:michael-gahler"]
    assert sanction_ids(xinjiang, "Michael Gahler", "2025-04-30") == []
    assert sanction_ids(xinjiang, "org:ep-subcommittee-on-human-rights", "2025-04-30") == []
    for party, still in [("Reinhard Bütikofer", "cn:2021-03-22:reinhard-butikofer"),
                         ("Samuel Cogolati", "cn:2021-03-22:samuel-cogolati"),
                         ("Alliance of Democracies Foundation",
                          "cn:2021-03-22:alliance-of-democracies-foundation")]:
        assert sanction_ids(xinjiang, party, "2025-05-01") == [still]


def _lines() -> list[dict]:
    return [json.loads(line) for line in dataset_path("xinjiang-2021").open(encoding="utf-8")
            if line.strip() and not line.startswith("#")]


def test_the_note_counts_what_the_file_holds():
    """The note's "Contents:" line states the number of lines of each type, and their total."""
    counts = Counter(line["type"] for line in _lines())
    note = dataset_path("xinjiang-2021").with_suffix(".md").read_text(encoding="utf-8")
    stated = re.search(r"^Contents: (.*) \((\d+) records\)\.$", note, re.MULTILINE)
    assert stated is not None
    plural = {"parties": "party", "liftings": "lifting"}
    said = {plural.get(kind, kind.removesuffix("s")): int(number) for number, kind in
            re.findall(r"(\d+) ([a-z]+)", stated.group(1))}
    assert said == dict(counts)
    assert int(stated.group(2)) == sum(counts.values())


def _excerpts() -> list[tuple[str, str]]:
    lines = (json.loads(line) for line in dataset_path("xinjiang-2021").open(encoding="utf-8")
             if line.strip() and not line.startswith("#"))
    return [(line["id"], line["excerpt"]) for line in lines
            if line["type"] == "source" and "excerpt" in line]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"')
                  .replace("\u201d", '"')).strip()


@pytest.mark.parametrize(("source", "excerpt"), _excerpts())
def test_every_source_excerpt_is_quoted_from_a_seed_article(source, excerpt):
    """Each fragment of an excerpt (fragments are joined by "[...]") is verbatim in an article."""
    articles = [_squash(path.read_text(encoding="utf-8")) for path in SEEDS.glob("*.txt")]
    for fragment in excerpt.split("[...]"):
        assert any(_squash(fragment) in article for article in articles), (source, fragment)


def test_the_dataset_is_listed_as_bundled():
    assert "xinjiang-2021" in bundled()
