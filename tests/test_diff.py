"""The daily delta: sanctions added, removed and changed on a list between two days."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from cli.main import main
from conftest import record
from ledger.datasets import dataset_path
from ledger.interchange import read_objects

PARTIES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "party", "id": "p:b", "kind": "person", "name": "Person B"},
    {"type": "party", "id": "p:c", "kind": "person", "name": "Person C"},
]


def designation(sid: str, target: str, start: str, **more: object) -> dict:
    return {"type": "designation", "id": sid, "authority": "auth:x", "target": target,
            "measures": ["asset_freeze"], "effective_from": start, **more}


def test_the_eu_list_gained_exactly_its_five_listings_on_22_march(ledger):
    with dataset_path("xinjiang-2021").open("rb") as stream:
        ledger.record_file(read_objects(stream))
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "diff", "--authority",
                                       "EU", "--from", "2021-03-21", "--to", "2021-03-23",
                                       "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [s["id"] for s in found["added"]] == [
        "eu:2021-03-22:chen-mingguo", "eu:2021-03-22:wang-junzheng",
        "eu:2021-03-22:wang-mingshan", "eu:2021-03-22:xinjiang-public-security-bureau",
        "eu:2021-03-22:zhu-hailun"]
    assert found["removed"] == [] and found["changed"] == []


def test_added_removed_and_changed_between_two_days(ledger, clock):
    record(ledger, *PARTIES,
           designation("x:a", "p:a", "2021-01-01"),
           designation("x:b", "p:b", "2021-01-01"),
           designation("x:c", "p:c", "2021-03-01"),
           {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
            "effective_from": "2021-02-01"},
           {"type": "amendment", "id": "x:b:more", "sanction": "x:b",
            "effective_from": "2021-02-15", "measures": ["asset_freeze", "travel_ban"],
            "effective_until": "2022-01-31"})
    found = ledger.get_diff("auth:x", start=date(2021, 1, 15), end=date(2021, 3, 15),
                            known_at=clock.advance())
    assert [s.id for s in found.added] == ["x:c"]
    assert [s.id for s in found.removed] == ["x:a"]
    (change,) = found.changed
    assert change.after.id == "x:b"
    assert change.fields == ["measures", "effective_until"]
    assert (change.before.measures, change.after.measures) == (
        ["asset_freeze"], ["asset_freeze", "travel_ban"])
    assert (change.before.effective_until, change.after.effective_until) == (
        None, date(2022, 1, 31))


def test_the_diff_as_known_before_a_lifting_was_recorded_does_not_show_it(ledger, clock):
    record(ledger, *PARTIES, designation("x:a", "p:a", "2021-01-01"))
    before = clock.advance()
    clock.advance()
    record(ledger, {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
                    "effective_from": "2021-02-01"})
    then = ledger.get_diff("auth:x", start=date(2021, 1, 15), end=date(2021, 3, 15),
                           known_at=before)
    now = ledger.get_diff("auth:x", start=date(2021, 1, 15), end=date(2021, 3, 15),
                          known_at=clock.advance())
    assert (then.removed, [s.id for s in now.removed]) == ([], ["x:a"])


def test_diff_prints_each_change_with_before_and_after(ledger):
    record(ledger, *PARTIES, designation("x:a", "p:a", "2021-01-01"),
           {"type": "amendment", "id": "x:a:until", "sanction": "x:a",
            "effective_from": "2021-02-01", "effective_until": "2021-12-31"})
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "diff", "--authority",
                                       "Authority X", "--from", "2021-01-15",
                                       "--to", "2021-02-15"])
    assert result.exit_code == 0, result.output
    assert "  ~ x:a  effective_until: open-ended -> 2021-12-31" in result.output
    assert "added: 0" in result.output and "removed: 0" in result.output


def test_diff_of_a_party_that_is_not_known_is_a_one_line_error(ledger):
    record(ledger, *PARTIES)
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "diff", "--authority",
                                       "Nowhere", "--from", "2021-01-01", "--to", "2021-02-01"])
    assert result.exit_code == 1
    assert result.output == "Error: no party has the id, name or alias 'Nowhere'\n"
