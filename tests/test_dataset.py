"""The bundled xinjiang-2021 dataset answers the questions its articles answer."""

from __future__ import annotations

import json
import re
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
