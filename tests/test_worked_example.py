"""The spec's worked example (tests/fixtures/spec), answered on every backend."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import SPEC_EXAMPLES, Clock, record_path
from ledger.application import SanctionsLedger


@pytest.fixture
def staged(ledger: SanctionsLedger, clock: Clock):
    """stage1 recorded at R1, stage2 at R2; returns T1 (between them) and 'now'."""
    record_path(ledger, SPEC_EXAMPLES / "stage1.jsonl")
    t1 = clock.advance(hours=1)
    clock.advance(days=30)
    record_path(ledger, SPEC_EXAMPLES / "stage2.jsonl")
    return t1, clock.advance(days=365)


def in_force(ledger: SanctionsLedger, party: str, at: str, known_at) -> list[tuple]:
    answer = ledger.get_in_force(party, at=date.fromisoformat(at), known_at=known_at)
    return [(s.id, str(s.effective_from), str(s.effective_until), s.measures)
            for s in answer.sanctions]


def test_before_the_correction_was_known_the_sanction_started_on_the_23rd(ledger, staged):
    t1, _ = staged
    assert in_force(ledger, "person:example", "2021-03-22", t1) == []


def test_the_correction_rewrites_history_from_the_time_it_is_recorded(ledger, staged):
    _, now = staged
    assert in_force(ledger, "person:example", "2021-03-22", now) == [
        ("eu:ghr:example", "2021-03-22", "2021-12-08", ["asset_freeze", "travel_ban"])]


def test_an_alias_finds_the_party_and_the_renewal_applies_from_its_own_date(ledger, staged):
    t1, _ = staged
    assert in_force(ledger, "official, example", "2021-12-08", t1) == [
        ("eu:ghr:example", "2021-03-23", "2022-12-08", ["asset_freeze", "travel_ban"])]


def test_before_the_renewal_is_effective_the_old_end_date_stands(ledger, staged):
    t1, _ = staged
    assert in_force(ledger, "person:example", "2021-12-05", t1) == [
        ("eu:ghr:example", "2021-03-23", "2021-12-08", ["asset_freeze", "travel_ban"])]


def test_the_last_day_before_the_lifting_is_still_in_force(ledger, staged):
    _, now = staged
    assert in_force(ledger, "person:example", "2022-05-31", now) == [
        ("eu:ghr:example", "2021-03-22", "2022-12-08", ["asset_freeze", "travel_ban"])]


def test_the_lifting_ends_the_sanction_on_its_effective_date(ledger, staged):
    _, now = staged
    assert in_force(ledger, "person:example", "2022-06-01", now) == []


def test_a_lifting_not_yet_known_does_not_count(ledger, staged):
    t1, _ = staged
    assert in_force(ledger, "person:example", "2022-06-01", t1) == [
        ("eu:ghr:example", "2021-03-23", "2022-12-08", ["asset_freeze", "travel_ban"])]


def test_the_authority_list_is_empty_after_the_renewed_term_ends(ledger, staged):
    t1, _ = staged
    answer = ledger.get_authority_list("EU", at=date(2022, 12, 9), known_at=t1)
    assert answer.party.id == "auth:eu"
    assert answer.sanctions == []


def test_evidence_lists_the_lines_the_answer_rests_on_in_recorded_order(ledger, staged):
    _, now = staged
    answer = ledger.get_in_force("person:example", at=date(2022, 1, 1), known_at=now)
    (sanction,) = answer.sanctions
    assert sanction.evidence == ["eu:ghr:example", "eu:ghr:example:renewal-2021",
                                 "eu:ghr:example:fix-start"]
    assert answer.evidence["eu:ghr:example"].sources == ["src:council-2021-478"]



def test_a_party_is_listed_with_its_names_in_recorded_order(ledger, staged, clock, tmp_path):
    later = tmp_path / "alias.jsonl"
    later.write_text('{"type": "alias", "id": "alias:late", "party": "person:example", '
                     '"name": "E. Official"}\n', encoding="utf-8")
    clock.advance()
    record_path(ledger, later)
    names = ["Example Official", "Official, Example", "E. Official"]
    answer = ledger.get_in_force("E. Official", at=date(2021, 3, 22), known_at=clock.advance())
    assert answer.party.names == names
    assert [p.names for p in ledger.find_parties("example") if p.id == "person:example"] == [names]
    assert [p.names for p in ledger.find_parties("auth:eu")] == [
        ["Council of the European Union", "EU"]]
