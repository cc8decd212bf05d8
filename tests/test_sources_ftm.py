"""OpenSanctions FollowTheMoney files read as list entries, and their delta files as changes.

The real fixtures (yente's) hold no ``Sanction`` entities, so the sanction
tests write a small FtM file of their own, shaped like an OpenSanctions export.
"""

from __future__ import annotations

import json
from pathlib import Path

from ledger.sources import ListEntry, PartialDate, open_ftm_delta, open_snapshot

FTM = Path(__file__).parent / "fixtures" / "lists" / "ftm"


def entries(path: Path) -> dict[str, ListEntry]:
    return {e.party_id: e for e in open_snapshot("ftm", path).entries()}


def write_lines(path: Path, *entities: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def test_each_sanctionable_entity_becomes_an_entry_and_an_address_does_not() -> None:
    found = entries(FTM / "t1" / "entities.ftm.json")
    raw = [json.loads(line) for line in (FTM / "t1" / "entities.ftm.json").open(encoding="utf-8")]
    assert set(found) == {f"ftm:{e['id']}" for e in raw if e["schema"] != "Address"}
    assert sorted(e.kind for e in found.values()) == ["organization"] * 2 + ["person"] * 4


def test_an_entity_keeps_its_caption_as_name_and_its_other_names_with_their_script() -> None:
    kuzmenko = entries(FTM / "t1" / "entities.ftm.json")["ftm:NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert kuzmenko.name == "Vitaly Yurievich KUZMENKO"
    assert [(a.name, a.script) for a in kuzmenko.aliases] == [
        ("Vitalij Kuzmenko", None),
        ("Виталий Юрьевич КУЗЬМЕНКО", "Cyrillic"),
    ]
    assert kuzmenko.attributes.birth_dates == (PartialDate.on("1971-01-22"),)
    assert kuzmenko.attributes.nationalities == ("ru",)
    assert kuzmenko.programs == frozenset() and kuzmenko.listed_on is None


def test_sanction_entities_give_their_target_programs_authorities_and_dates(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "entities.ftm.json",
        {
            "id": "s-eu",
            "schema": "Sanction",
            "properties": {
                "entity": ["v1"],
                "authority": ["Council of the European Union"],
                "programId": ["EU-RUS"],
                "startDate": ["2024-06-24"],
                "listingDate": ["2024-06-25"],
            },
        },
        {
            "id": "v1",
            "schema": "Vessel",
            "target": True,
            "properties": {
                "name": ["SIG"],
                "previousName": ["SIGMA"],
                "imoNumber": ["IMO9193305"],
                "flag": ["ga"],
                "type": ["Crude oil tanker"],
                "addressEntity": ["a1"],
            },
        },
        {"id": "a1", "schema": "Address", "properties": {"full": ["Port Louis, Mauritius"]}},
        {
            "id": "s-uk",
            "schema": "Sanction",
            "properties": {
                "entity": ["v1"],
                "authority": ["HM Treasury"],
                "program": ["Russia"],
                "listingDate": ["2024-05-09"],
                "endDate": ["2025-01-01"],
            },
        },
        {"id": "c1", "schema": "Company", "target": False, "properties": {"name": ["Owner Ltd"]}},
    )
    [vessel] = open_snapshot("ftm", path).entries()
    assert (vessel.party_id, vessel.kind, vessel.name) == ("ftm:v1", "vessel", "SIG")
    assert vessel.programs == {"EU-RUS", "Russia"}
    assert vessel.authorities == {"Council of the European Union", "HM Treasury"}
    assert vessel.listed_on == "2024-05-09"
    assert vessel.ends_on is None
    assert [(a.name, a.former) for a in vessel.aliases] == [("SIGMA", True)]
    assert vessel.attributes.imo_numbers == ("IMO9193305",)
    assert [a.full for a in vessel.attributes.addresses] == ["Port Louis, Mauritius"]


def test_an_entity_whose_every_sanction_has_ended_carries_the_last_end_date(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "entities.ftm.json",
        {"id": "p1", "schema": "Person", "properties": {"name": ["A Person"]}},
        {
            "id": "s1",
            "schema": "Sanction",
            "properties": {
                "entity": ["p1"],
                "startDate": ["2020-01-01"],
                "endDate": ["2021-01-01"],
            },
        },
        {
            "id": "s2",
            "schema": "Sanction",
            "properties": {"entity": ["p1"], "startDate": ["2019-03"], "endDate": ["2022-06-30"]},
        },
    )
    [person] = open_snapshot("ftm", path).entries()
    assert (person.listed_on, person.ends_on) == ("2019-03", "2022-06-30")


def test_delta_files_add_modify_and_delete_entries_dated_by_their_version() -> None:
    versions = sorted((FTM / "t2").glob("*/entities.delta.json"))
    changes = []
    for path in versions:
        delta = open_ftm_delta(path)
        changes += [
            (delta.published, c.op, c.party_id, c.entry and c.entry.name) for c in delta.changes()
        ]
    assert changes == [
        ("2024-05-27", "ADD", "ftm:NK-2T3S8Hu29ktYnKSTgQp2wL", "AL-QAIDA IN IRAQ"),
        ("2024-05-27", "ADD", "ftm:NK-2sJaJRaPJcWUfMbHjTtWcL", "Janan Agha"),
        ("2024-05-28", "ADD", "ftm:NK-500Poltergeist", "AL-QAIDA IN IRAQ"),
        ("2024-05-28", "MOD", "ftm:NK-2T3S8Hu29ktYnKSTgQp2wL", "Foobar Foobargroup"),
        ("2024-05-28", "DEL", "ftm:NK-500Poltergeist", None),
        ("2024-05-28", "ADD", "ftm:Q4365364", "Vladimir Nikolaevich PLOTNIKOV"),
    ]


def test_a_sanction_in_a_delta_file_is_a_change_naming_its_targets(tmp_path: Path) -> None:
    path = tmp_path / "entities.delta.json"
    path.write_text(
        json.dumps(
            {
                "op": "ADD",
                "entity": {
                    "id": "s9",
                    "schema": "Sanction",
                    "properties": {
                        "entity": ["p1"],
                        "program": ["GLOMAG"],
                        "startDate": ["2021-12-10"],
                    },
                },
            }
        )
        + "\n"
    )
    [change] = open_ftm_delta(path).changes()
    assert change.sanction is not None and change.entry is None
    assert (change.op, change.sanction.targets, change.sanction.programs) == (
        "ADD",
        ("p1",),
        {"GLOMAG"},
    )
    assert open_ftm_delta(path).published is None
