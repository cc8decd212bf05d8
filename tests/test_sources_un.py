"""The UN Security Council consolidated list XML read as list entries.

Counts and reference numbers are taken again from the raw XML with a regular
expression, independently of the parser. Each snapshot is parsed once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger.sources import Alias, ListEntry, PartialDate, open_snapshot

UN = Path(__file__).parent / "fixtures" / "lists" / "un"
JUNE, AUGUST = UN / "UN_consolidated_2018-06-21.xml", UN / "UN_consolidated_2018-08-24.xml"


@pytest.fixture(scope="module")
def june() -> dict[str, ListEntry]:
    return {e.party_id: e for e in open_snapshot("un", JUNE).entries()}


@pytest.fixture(scope="module")
def august() -> dict[str, ListEntry]:
    return {e.party_id: e for e in open_snapshot("un", AUGUST).entries()}


def raw_references(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {f"un:{ref.strip()}" for ref in re.findall(r"<REFERENCE_NUMBER>([^<]*)<", text)}


def test_every_individual_and_entity_becomes_one_entry(
    june: dict[str, ListEntry], august: dict[str, ListEntry]
) -> None:
    for path, entries in ((JUNE, june), (AUGUST, august)):
        raw = path.read_bytes()
        assert len(entries) == raw.count(b"<INDIVIDUAL>") + raw.count(b"<ENTITY>")
        assert set(entries) == raw_references(path)
    assert (len(june), len(august)) == (1100, 1098)


def test_the_snapshot_is_dated_by_the_lists_date_generated() -> None:
    assert open_snapshot("un", JUNE).published == "2018-06-21"
    assert open_snapshot("un", AUGUST).published == "2018-08-24"


def test_six_entries_are_added_and_eight_iraqi_entities_removed_between_june_and_august_2018(
    june: dict[str, ListEntry], august: dict[str, ListEntry]
) -> None:
    added, removed = set(august) - set(june), set(june) - set(august)
    assert added == raw_references(AUGUST) - raw_references(JUNE)
    assert {"un:SSi.007", "un:SSi.008"} <= added and len(added) == 6
    assert len(removed) == 8 and all(pid.startswith("un:IQe.") for pid in removed)


def test_reference_numbers_are_trimmed_of_the_spaces_the_file_leaves(
    june: dict[str, ListEntry],
) -> None:
    assert "<REFERENCE_NUMBER>KPi.034 <" in JUNE.read_text(encoding="utf-8")
    assert june["un:KPi.034"].list_id == "KPi.034"
    assert june["un:KPi.034"].name == "JO YONG CHOL"


def test_an_entry_carries_its_listed_on_date_program_aliases_and_original_script_name(
    june: dict[str, ListEntry],
) -> None:
    houthi = june["un:YEi.001"]
    assert (houthi.kind, houthi.name, houthi.listed_on) == (
        "person",
        "ABD AL-KHALIQ AL-HOUTHI",
        "2014-11-07",
    )
    assert houthi.programs == {"Yemen"}
    assert houthi.aliases[0] == Alias("عبدالخالق الحوثي", script="Arabic")
    assert [(a.name, a.quality) for a in houthi.aliases[1:]] == [
        ("Abd-al-Khaliq al-Huthi", "strong"),
        ("Abd-al-Khaliq Badr-al-Din al Huthi", "strong"),
        ("‘Abd al-Khaliq Badr al-Din al-Huthi", "strong"),
        ("Abd al-Khaliq al-Huthi", "strong"),
        ("Abu-Yunus", "weak"),
    ]
    assert houthi.attributes.birth_dates == (PartialDate.on("1984"),)
    assert houthi.attributes.nationalities == ("Yemen",)


def test_dates_of_birth_keep_their_precision_and_ranges(june: dict[str, ListEntry]) -> None:
    akhund = june["un:TAi.002"]
    assert akhund.attributes.birth_dates == (
        PartialDate("1955", "1958", circa=True),
        PartialDate("1945", "1950", circa=True),
    )
    exact = june["un:KPi.033"].attributes.birth_dates
    assert exact == (PartialDate.on("1964-07-17"),)


def test_formerly_known_as_aliases_are_marked_former(june: dict[str, ListEntry]) -> None:
    former = [e for e in june.values() if any(a.former for a in e.aliases)]
    raw = JUNE.read_text(encoding="utf-8").count("<QUALITY>f.k.a.</QUALITY>")
    assert sum(sum(a.former for a in e.aliases) for e in former) == raw


def test_entities_are_organizations_with_their_addresses(june: dict[str, ListEntry]) -> None:
    pad = june["un:KPe.053"]
    assert (pad.kind, pad.name) == ("organization", "PROPAGANDA AND AGITATION DEPARTMENT (PAD)")
    [address] = pad.attributes.addresses
    assert (address.city, address.country) == ("Pyongyang", "Democratic People's Republic of Korea")
