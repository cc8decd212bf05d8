"""OFAC remarks phrases read into typed values (the phrases are OFAC's own wording)."""

from __future__ import annotations

import pytest

from ledger.sources import Alias, Identifier, PartialDate
from ledger.sources.ofac_remarks import parse_ofac_birth_date, read_remarks


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("31 Jul 1951", PartialDate.on("1951-07-31")),
        ("05 Feb 1962", PartialDate.on("1962-02-05")),
        ("Feb 1958", PartialDate.on("1958-02")),
        ("1964", PartialDate.on("1964")),
        ("circa 1975", PartialDate.on("1975", circa=True)),
        ("1958 to 1960", PartialDate("1958", "1960")),
        ("01 Jan 1958 to 31 Dec 1960", PartialDate("1958-01-01", "1960-12-31")),
    ],
)
def test_a_date_of_birth_keeps_the_precision_ofac_gives(phrase: str, expected: PartialDate) -> None:
    assert parse_ofac_birth_date(phrase) == expected


@pytest.mark.parametrize("phrase", ["", "Jul", "31 Foo 1951", "1951-07-31", "sometime in 1960"])
def test_a_date_of_birth_ofac_words_otherwise_is_left_to_the_remarks(phrase: str) -> None:
    assert parse_ofac_birth_date(phrase) is None


def test_alternatives_marked_alt_are_read_as_further_values() -> None:
    facts = read_remarks("DOB 05 Feb 1962; alt. DOB 1962; POB Beirut, Lebanon; Gender Male.")
    assert facts.birth_dates == [PartialDate.on("1962-02-05"), PartialDate.on("1962")]
    assert facts.birth_places == ["Beirut, Lebanon"]
    assert facts.genders == ["Male"]


def test_quoted_aliases_in_the_remarks_are_weak_and_fka_ones_former() -> None:
    facts = read_remarks("a.k.a. 'BNC'; f.k.a. 'ANA I'; n.k.a. 'NEW NAME'.")
    assert facts.aliases == [
        Alias("BNC", quality="weak"),
        Alias("ANA I", quality="weak", former=True),
        Alias("NEW NAME", quality="weak"),
    ]


def test_documents_carry_number_issuing_country_and_what_follows() -> None:
    facts = read_remarks(
        "Passport A123456 (Iran) expires 01 Jan 2020; National ID No. 52022201646 (Cuba); "
        "Tax ID No. 7707083893 (Russia); Vessel Registration Identification IMO 7406784."
    )
    assert facts.passports == [Identifier("passport", "A123456", "Iran", "expires 01 Jan 2020")]
    assert facts.national_ids == [Identifier("national_id", "52022201646", "Cuba")]
    assert facts.other_ids == [Identifier("tax_id", "7707083893", "Russia")]
    assert facts.imo_numbers == ["7406784"]


def test_the_closing_full_stop_is_kept_when_it_ends_an_abbreviation() -> None:
    assert read_remarks("Linked To: LAZARUS GROUP.").linked_to == ["LAZARUS GROUP"]
    assert read_remarks("Linked To: X; Linked To: R D I S.A.").linked_to == ["X", "R D I S.A."]
