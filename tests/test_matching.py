"""Screening's name matcher, as an analyst relies on it: what it finds, what it refuses, and why.

The spellings are those of the seed articles, issue 17 and the OFAC and UN
lists; every case is a name a compliance analyst would type.
"""

from __future__ import annotations

import pytest

from ledger.matching import THRESHOLD, NameIndex, analyse, blocking_keys, normalise, score


def methods(query: str, candidate: str) -> dict[str, str]:
    return score(query, candidate).explanation.methods()


@pytest.mark.parametrize(("query", "listed"), [
    ("Chen Minguo", "CHEN, Mingguo"),
    ("Wang Junzhen", "WANG, Junzheng"),
    ("Adrian Zens", "Adrian Zenz"),
    ("Miriam Lexman", "Miriam Lexmann"),
    ("REINHARD BUETIKOFER", "Reinhard Bütikofer"),
    ("Mingguo Chen", "CHEN, Mingguo"),
    ("Zenz, Adrian", "Adrian Zenz"),
    ("Quanguo Chen", "CHEN, Quanguo"),
    ("Alliance of Democracies", "Alliance of Democracies Foundation"),
    ("Zhu Hai-lun", "ZHU, Hailun"),
])
def test_the_spellings_that_came_back_unknown_now_match(query: str, listed: str) -> None:
    assert score(query, listed).is_match()


def test_case_accents_and_punctuation_make_no_difference() -> None:
    assert normalise("  O'Brien-SMITH,  Raphaël ") == "obrien smith raphael"
    assert score("raphael glucksmann", "Raphaël GLUCKSMANN").value == 1.0


def test_word_order_and_the_surname_comma_form_make_no_difference() -> None:
    assert score("Quanguo Chen", "CHEN, Quanguo").value == 1.0
    assert methods("Quanguo Chen", "CHEN, Quanguo") == {"quanguo": "exact", "chen": "exact"}


def test_a_middle_name_left_out_still_matches_and_is_reported_missing() -> None:
    result = score("Muhammad Hassan", "HASSAN, Muhammad Ali", ("person", "person"))
    assert result.is_match()
    assert result.explanation.unmatched_candidate == ("ali",)


def test_an_initial_matches_the_name_it_abbreviates() -> None:
    result = score("Antony J. Blinken", "Antony John Blinken")
    assert result.is_match()
    assert methods("Antony J. Blinken", "Antony John Blinken")["j"] == "initial"


def test_an_initial_does_not_match_another_letter() -> None:
    assert "k" not in methods("Antony K. Blinken", "Antony John Blinken")


def test_one_typo_in_a_word_of_five_letters_or_more_is_an_edit() -> None:
    assert methods("Chen Minguo", "Chen Mingguo")["minguo"] == "edit_distance"


def test_two_typos_in_a_long_word_are_tolerated() -> None:
    result = score("Ali Abdulrxhmqn", "Ali Abdulrahman")
    assert result.is_match()
    assert result.explanation.methods()["abdulrxhmqn"] == "edit_distance"


def test_a_typo_in_a_short_word_is_another_name() -> None:
    assert not score("Wang Ping", "Wang Ming").is_match()


@pytest.mark.parametrize(("query", "listed"), [
    ("Mohammed Ali Hassan", "Muhammad Ali Hassan"),
    ("Mohamed Ali Hassan", "Muhammad Ali Hassan"),
    ("Saddam Husayn", "Saddam Hussein"),
    ("Sergei Lavrov", "Sergey Lavrov"),
    ("Alexander Bortnikov", "Aleksandr Bortnikov"),
    ("Reinhard Buetikofer", "Reinhard Bütikofer"),
])
def test_transliterations_of_one_name_match_as_transliterations(query: str, listed: str) -> None:
    result = score(query, listed)
    assert result.is_match()
    assert "transliteration" in result.explanation.methods().values()


def test_names_that_sound_alike_but_differ_are_not_transliterations() -> None:
    assert "hassan" not in methods("Hassan Nasrallah", "Hussein Nasrallah")
    assert not score("Ayman Muhammad", "AMIN, Muhammad").is_match()


def test_names_in_cyrillic_and_chinese_script_are_read_in_latin_letters() -> None:
    assert score("Сергей Лавров", "Sergey Lavrov").is_match()
    assert score("陈全国", "CHEN, Quanguo").value == 1.0


@pytest.mark.parametrize(("query", "listed"), [
    ("Al-Zawahiri Ayman", "Ayman ALZAWAHIRI"),
    ("Ayman Alzawahiri", "AL-ZAWAHIRI, Ayman"),
    ("Kim Tongho", "KIM, Tong Ho"),
])
def test_words_written_as_one_match_the_words_apart_as_joined(query: str, listed: str) -> None:
    result = score(query, listed)
    assert result.value == 1.0
    assert "joined" in result.explanation.methods().values()


def test_a_hyphen_is_a_space() -> None:
    expected = {"kim": "exact", "tong": "exact", "ho": "exact"}
    assert methods("Kim Tong-ho", "KIM, Tong Ho") == expected


@pytest.mark.parametrize(("query", "listed"), [
    ("Acme Trading Limited", "ACME TRADING LTD."),
    ("Acme Trading Company", "ACME TRADING CO."),
    ("Acme Trading Corp.", "ACME TRADING CORPORATION"),
    ("The Acme Trading LLC", "ACME TRADING, L.L.C."),
])
def test_legal_forms_written_either_way_are_the_same_company(query: str, listed: str) -> None:
    assert score(query, listed, ("organization", "organization")).value == 1.0


def test_a_misspelt_legal_form_still_counts_as_that_legal_form() -> None:
    assert score("Day Exchange Compnay", "DAY EXCHANGE COMPANY").is_match()


@pytest.mark.parametrize(("query", "listed"), [
    ("Chen Wei", "CHEN, Quanguo"),
    ("Wang Xiaoming", "WANG, Junzheng"),
    ("Kim Song Il", "KIM, Yong Chol"),
    ("Chen", "CHEN, Quanguo"),
])
def test_another_person_with_a_common_surname_is_not_a_match(query: str, listed: str) -> None:
    assert not score(query, listed, ("person", "person")).is_match()


@pytest.mark.parametrize(("query", "listed"), [
    ("Banco Central de Cuba", "BANCO NACIONAL DE CUBA"),
    ("Acme Shipping Ltd", "ACME TRADING LTD"),
    ("Hong Kong Electronics", "HONG KONG INTERTRADE COMPANY"),
])
def test_a_company_one_word_apart_is_not_a_match(query: str, listed: str) -> None:
    assert not score(query, listed, ("organization", "organization")).is_match()


def test_a_person_query_never_matches_a_vessel() -> None:
    result = score("Maria", "MARIA", ("person", "vessel"))
    assert result.value == 0.0
    assert result.explanation.refused == "a person query never matches a vessel"
    assert score("Maria", "MARIA", ("unknown", "vessel")).value == 0.0
    assert score("Maria", "MARIA", ("vessel", "vessel")).value == 1.0


def test_the_explanation_lists_what_each_side_has_unmatched() -> None:
    explanation = score("Chen Wei", "CHEN, Quanguo").explanation
    assert explanation.unmatched_query == ("wei",)
    assert explanation.unmatched_candidate == ("quanguo",)
    assert explanation.as_dict()["matched"] == [
        {"query": ["chen"], "candidate": ["chen"], "method": "exact", "score": 1.0}]


def test_scores_lie_between_zero_and_one_and_a_name_matches_itself_fully() -> None:
    for name in ["CHEN, Quanguo", "Banco Nacional de Cuba S.A.", "陈全国", "Ö", "-", ""]:
        assert 0.0 <= score(name, "Chen Quanguo").value <= 1.0
        assert score(name, name).value == (1.0 if normalise(name) else 0.0)


@pytest.mark.parametrize(("query", "listed"), [
    ("Chen Minguo", "CHEN, Mingguo"),       # one typo: a one-letter deletion key
    ("Mohamed Omar", "MUHAMMAD, Omar"),     # transliteration: the spelling group
    ("Adrian Zens", "Adrian Zenz"),         # by ear: the Metaphone code
    ("Ayman Alzawahiri", "AL-ZAWAHIRI, Ayman"),  # glued words
])
def test_every_accepted_variant_shares_a_blocking_key_with_the_listed_name(
        query: str, listed: str) -> None:
    assert blocking_keys(analyse(query)) & blocking_keys(analyse(listed))


def listed() -> NameIndex:
    index = NameIndex()
    index.add_all([
        ("ofac:29220", "CHEN, Quanguo", "person"), ("ofac:31493", "CHEN, Mingguo", "person"),
        ("ofac:31493", "Chen Mingguo", "person"), ("ofac:19250", "CHEN, Mingfu", "person"),
        ("ofac:4243", "CHEN MINGGUO", "vessel"),
        ("eu:merics", "Mercator Institute", "organization"),
    ])
    return index


def test_screening_ranks_parties_once_each_best_first() -> None:
    found = listed().screen("Chen Minguo", "person")
    owners = [c.owner for c in found]
    assert owners[0] == "ofac:31493" and len(owners) == len(set(owners)) > 1
    assert found[0].score.is_match() and not found[1].score.is_match()


def test_screening_a_bare_surname_lists_candidates_without_calling_any_a_match() -> None:
    found = listed().screen("Chen")
    assert {c.owner for c in found} == {"ofac:29220", "ofac:31493", "ofac:19250"}
    assert not any(c.score.value >= THRESHOLD for c in found)


def test_screening_a_person_leaves_vessels_out_and_a_vessel_query_finds_them() -> None:
    assert "ofac:4243" not in {c.owner for c in listed().screen("Chen Mingguo", "person")}
    assert [c.owner for c in listed().screen("Chen Mingguo", "vessel")] == ["ofac:4243"]


def test_particles_that_agree_count_but_a_shared_particle_alone_is_no_match() -> None:
    assert score("Abu AL-MUHANDIS", "AL-MUHANDIS, Abu Mahdi", ("person", "person")).is_match()
    assert not score("Abu Bakr", "ABU MAHDI", ("person", "person")).is_match()
    assert not score("Banco Central de Cuba", "BANCO NACIONAL DE CUBA").is_match()
