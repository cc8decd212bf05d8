"""OFAC's legacy CSV files read as list entries, checked against the raw files.

Each expectation is computed again from the raw file with nothing but the
standard ``csv`` module, so the parser is compared with the file, not with
itself. Every snapshot is parsed once per module.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from ledger.sources import ListEntry, PartialDate, open_snapshot

LISTS = Path(__file__).parent / "fixtures" / "lists"
SDN = LISTS / "ofac-sdn"
AUG_24, SEP_02, DEC_09, DEC_10 = (
    "sdn_20210824T184858Z_d04932b372.csv",
    "sdn_20210902T184941Z_71a57c050c.csv",
    "sdn_20211209T185056Z_8e7cf31174.csv",
    "sdn_20211210T185016Z_b660c7e84e.csv",
)
TRIO_2019, TRIO_2021 = LISTS / "ofac-sdn-trio" / "2019-01", LISTS / "ofac-sdn-trio" / "2021-07"
CONS = LISTS / "ofac-cons" / "2025-12"


def read(format_name: str, path: Path) -> dict[str, ListEntry]:
    return {entry.party_id: entry for entry in open_snapshot(format_name, path).entries()}


@pytest.fixture(scope="module")
def sdn() -> dict[str, dict[str, ListEntry]]:
    return {name: read("ofac-sdn", SDN / name) for name in (AUG_24, SEP_02, DEC_09, DEC_10)}


@pytest.fixture(scope="module")
def trio() -> dict[str, dict[str, ListEntry]]:
    return {"2019-01": read("ofac-sdn", TRIO_2019), "2021-07": read("ofac-sdn", TRIO_2021)}


def raw_rows(path: Path) -> dict[str, list[str]]:
    """ent_num -> fields, straight from the file."""
    with path.open(newline="") as handle:
        return {row[0]: row for row in csv.reader(handle) if row and row[0].isdigit()}


def raw_ids(path: Path, prefix: str = "ofac-sdn") -> set[str]:
    return {f"{prefix}:{ent_num}" for ent_num in raw_rows(path)}


@pytest.mark.parametrize(
    ("name", "rows"), [(AUG_24, 9124), (SEP_02, 9120), (DEC_09, 9121), (DEC_10, 9146)]
)
def test_every_row_of_an_sdn_snapshot_becomes_one_entry_with_the_ent_num_as_party_id(
    sdn: dict[str, dict[str, ListEntry]], name: str, rows: int
) -> None:
    assert len(sdn[name]) == rows
    assert set(sdn[name]) == raw_ids(SDN / name)


def test_four_entries_are_gone_from_the_list_between_24_august_and_2_september_2021(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    before, after = set(sdn[AUG_24]), set(sdn[SEP_02])
    assert before - after == {f"ofac-sdn:{n}" for n in (7676, 4234, 7711, 7758)}
    assert after - before == set()


def test_twenty_five_entries_are_added_on_10_december_2021_as_the_raw_files_differ(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    added = set(sdn[DEC_10]) - set(sdn[DEC_09])
    assert len(added) == 25
    assert added == raw_ids(SDN / DEC_10) - raw_ids(SDN / DEC_09)
    assert {"ofac-sdn:34079", "ofac-sdn:34119"} <= added
    assert sdn[DEC_10]["ofac-sdn:34079"].name == "ZAKIR, Shohrat"
    assert set(sdn[DEC_09]) - set(sdn[DEC_10]) == set()


def test_entries_differ_between_snapshots_exactly_where_their_rows_differ(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    before, after = sdn[AUG_24], sdn[SEP_02]
    changed = {pid for pid in set(before) & set(after) if before[pid] != after[pid]}
    old, new = raw_rows(SDN / AUG_24), raw_rows(SDN / SEP_02)
    assert changed == {f"ofac-sdn:{n}" for n in set(old) & set(new) if old[n] != new[n]}
    assert changed == {"ofac-sdn:4243", "ofac-sdn:4249"}


def test_vessel_4243_is_renamed_sand_swan_to_ebano_and_keeps_its_old_names_as_former_names(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    before, after = sdn[AUG_24]["ofac-sdn:4243"], sdn[SEP_02]["ofac-sdn:4243"]
    assert (before.kind, before.name, after.kind, after.name) == (
        "vessel",
        "SAND SWAN",
        "vessel",
        "EBANO",
    )
    assert before.attributes.call_signs == ("P3QG3",) and after.attributes.call_signs == ()
    assert (before.attributes.flags, after.attributes.flags) == (("Cyprus",), ("Panama",))
    assert after.attributes.imo_numbers == ("7406784",)
    assert after.attributes.vessel_types == ("General Cargo",)
    assert [(a.name, a.former, a.quality) for a in after.aliases] == [
        ("ANA I", True, "weak"),
        ("SAND SWAN", True, "weak"),
    ]


def test_an_entry_under_two_programs_carries_both_as_a_set(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    entry = sdn[AUG_24]["ofac-sdn:12115"]
    assert raw_rows(SDN / AUG_24)["12115"][3] == "SDGT] [IFSR"
    assert entry.programs == {"SDGT", "IFSR"}


def test_programs_named_after_executive_orders_give_those_orders_as_legal_bases(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    raw = raw_rows(SDN / DEC_10)
    three = [n for n, row in raw.items() if row[3] == "UKRAINE-EO13661] [CYBER2] [ELECTION-EO13848"]
    assert len(three) == 34
    entry = sdn[DEC_10][f"ofac-sdn:{three[0]}"]
    assert entry.programs == {"UKRAINE-EO13661", "CYBER2", "ELECTION-EO13848"}
    assert entry.legal_bases == {"Executive Order 13661", "Executive Order 13848"}
    assert sdn[DEC_10]["ofac-sdn:306"].legal_bases == frozenset()


def test_remarks_give_typed_birth_dates_places_nationalities_and_passports(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    samaha = sdn[AUG_24]["ofac-sdn:15640"]
    assert samaha.kind == "person"
    assert samaha.attributes.birth_dates == (PartialDate.on("1948-09-09"),)
    assert samaha.attributes.birth_places == ("Jouar, Lebanon",)
    assert samaha.attributes.nationalities == ("Lebanon", "Canada")
    passports = [(p.number, p.country) for p in samaha.attributes.passports]
    assert passports == [("7012003", "Lebanon"), ("PE385243", "Canada")]
    assert samaha.attributes.remarks == (raw_rows(SDN / AUG_24)["15640"][11],)


def test_remarks_name_the_entries_an_entry_is_linked_to(
    sdn: dict[str, dict[str, ListEntry]],
) -> None:
    assert sdn[AUG_24]["ofac-sdn:27787"].linked_to == ("MARTYRS FOUNDATION IN LEBANON",)


def test_entry_kinds_follow_the_type_column(sdn: dict[str, dict[str, ListEntry]]) -> None:
    kinds = {
        "individual": "person",
        "vessel": "vessel",
        "aircraft": "aircraft",
        "-0- ": "organization",
    }
    raw = raw_rows(SDN / DEC_10)
    assert {pid: e.kind for pid, e in sdn[DEC_10].items()} == {
        f"ofac-sdn:{n}": kinds[row[2]] for n, row in raw.items()
    }


def test_the_sdn_snapshot_has_no_date_of_its_own_and_names_its_file_by_sha256() -> None:
    snapshot = open_snapshot("ofac-sdn", SDN / AUG_24)
    assert snapshot.published is None
    [described] = snapshot.files
    raw = (SDN / AUG_24).read_bytes()
    assert (described.name, described.size) == (AUG_24, len(raw))
    assert described.sha256 == hashlib.sha256(raw).hexdigest()
    assert snapshot.row_count is None
    assert sum(1 for _ in snapshot.entries()) == snapshot.row_count == 9124


@pytest.mark.parametrize(("period", "rows"), [("2019-01", 7379), ("2021-07", 8976)])
def test_a_directory_of_sdn_files_gives_one_entry_per_row_of_sdn_csv(
    trio: dict[str, dict[str, ListEntry]], period: str, rows: int
) -> None:
    directory = LISTS / "ofac-sdn-trio" / period
    assert len(trio[period]) == rows
    assert set(trio[period]) == raw_ids(directory / "sdn.csv")


def test_the_xinjiang_designations_of_2020_and_2021_appear_between_the_two_trio_snapshots(
    trio: dict[str, dict[str, ListEntry]],
) -> None:
    added = set(trio["2021-07"]) - set(trio["2019-01"])
    assert added == raw_ids(TRIO_2021 / "sdn.csv") - raw_ids(TRIO_2019 / "sdn.csv")
    xinjiang = {
        f"ofac-sdn:{n}"
        for n in (29159, 29160, 29162, 29219, 29220, 29299, 29300, 29319, 31492, 31493)
    }
    assert xinjiang <= added
    assert trio["2021-07"]["ofac-sdn:29219"].name == "ZHU, Hailun"
    assert trio["2021-07"]["ofac-sdn:29219"].programs == {"GLOMAG"}


def test_a_directory_joins_strong_aliases_and_addresses_to_their_entry(
    trio: dict[str, dict[str, ListEntry]],
) -> None:
    with (TRIO_2021 / "alt.csv").open(newline="") as handle:
        alt = [row for row in csv.reader(handle) if row and row[0] == "306"]
    with (TRIO_2021 / "add.csv").open(newline="") as handle:
        add = [row for row in csv.reader(handle) if row and row[0] == "306"]
    bank = trio["2021-07"]["ofac-sdn:306"]
    assert [a.name for a in bank.aliases if a.quality == "strong"] == [row[3] for row in alt]
    assert [a.name for a in bank.aliases if a.quality == "weak"] == ["BNC"]
    assert [a.street for a in bank.attributes.addresses] == [
        None if row[2].strip() == "-0-" else row[2] for row in add
    ]


def test_sdn_comments_continue_the_remarks_where_sdn_csv_cut_them(
    trio: dict[str, dict[str, ListEntry]],
) -> None:
    cut = raw_rows(TRIO_2021 / "sdn.csv")["12300"][11]
    entry = trio["2021-07"]["ofac-sdn:12300"]
    assert cut.endswith("Linked To: PROMO RAI")
    assert entry.attributes.remarks[0].startswith(cut)
    assert "PROMO RAIZ S.A.S." in entry.linked_to
    assert entry.linked_to[-1] == "R D I S.A."


def test_comment_rows_for_entries_not_in_the_snapshot_are_passed_over(
    trio: dict[str, dict[str, ListEntry]],
) -> None:
    comments = raw_rows(TRIO_2019 / "sdn_comments.csv")
    assert len(set(comments) - set(raw_rows(TRIO_2019 / "sdn.csv"))) == 10
    assert len(trio["2019-01"]) == 7379


def test_the_consolidated_list_reads_the_cons_files_with_its_own_party_ids() -> None:
    snapshot = open_snapshot("ofac-cons", CONS)
    entries = {e.party_id: e for e in snapshot.entries()}
    assert set(entries) == raw_ids(CONS / "cons_prim.csv", prefix="ofac-cons")
    assert len(entries) == 442
    assert [f.name for f in snapshot.files] == [
        "cons_prim.csv",
        "cons_add.csv",
        "cons_alt.csv",
        "cons_comments.csv",
    ]
    assert (
        "Registration Number 1027700070518 (Russia)"
        in entries["ofac-cons:17250"].attributes.remarks[0]
    )
    assert "1801 (Russia); Government Gazette" in entries["ofac-cons:17254"].attributes.remarks[0]
    haniya = entries["ofac-cons:9639"]
    assert haniya.programs == {"NS-PLC"}
    assert haniya.attributes.birth_dates == (PartialDate.on("1962"),)
    assert [a.name for a in haniya.aliases] == ["HANIYA, Ismail", "HANIYYA, Ismaeel"]
