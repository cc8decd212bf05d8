"""Replay: the story step by step, with the running count in force per authority."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from click.testing import CliRunner

from cli.main import main
from conftest import record
from ledger.datasets import dataset_path
from ledger.interchange import read_objects

PARTIES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "auth:y", "kind": "authority", "name": "Authority Y"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "party", "id": "p:b", "kind": "person", "name": "Person B"},
]


def designation(sid: str, authority: str, target: str, start: str, **more: object) -> dict:
    return {"type": "designation", "id": sid, "authority": authority, "target": target,
            "measures": ["asset_freeze"], "effective_from": start, **more}


def steps(ledger, clock, **options):
    replay = ledger.get_replay(known_at=clock.advance(), today=date(2026, 1, 1), **options)
    return [(s.line.id, str(s.day), s.in_force) for s in replay]


def test_the_22_march_story_unfolds_designation_by_designation(ledger):
    with dataset_path("xinjiang-2021").open("rb") as stream:
        ledger.record_file(read_objects(stream))
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "replay",
                                       "--from", "2021-03-15", "--to", "2021-03-31", "--json"])
    assert result.exit_code == 0, result.output
    story = [json.loads(line) for line in result.output.splitlines()]
    assert all("2021-03-15" <= s["date"] <= "2021-03-31" for s in story)
    before = next(s for s in story if s["date"] == "2021-03-22")
    assert before["id"] == "eu:2021-03-22:chen-mingguo"
    assert before["in_force"] == {"auth:ca": 0, "auth:cn": 5, "auth:eu": 1, "auth:uk": 0,
                                  "auth:us": 10}
    sanctions = [s for s in story if s["type"] in ("designation", "countermeasure")]
    assert [(s["date"][-2:], s["authority"]) for s in sanctions] == (
        [("22", "auth:eu")] * 5 + [("22", "auth:cn")] * 10 + [("22", "auth:uk")] * 5
        + [("22", "auth:ca")] * 5 + [("22", "auth:us")] * 2 + [("22", "auth:cn")] * 4
        + [("26", "auth:cn")] * 13 + [("27", "auth:cn")] * 4)
    assert [s["in_force"]["auth:cn"] for s in sanctions[5:15]] == list(range(6, 16))
    assert story[-1]["in_force"] == {"auth:ca": 5, "auth:cn": 36, "auth:eu": 5, "auth:uk": 5,
                                     "auth:us": 12}
    assert all(s["id"] in [x["id"] for x in story] for s in sanctions)


def test_the_count_drops_at_the_lifting_step_and_a_term_ending_at_the_start_of_its_day(
        ledger, clock):
    record(ledger, *PARTIES,
           designation("x:a", "auth:x", "p:a", "2021-01-01"),
           designation("x:b", "auth:x", "p:b", "2021-01-01", effective_until="2021-05-31"),
           {"type": "statement", "id": "st:june", "speaker": "auth:x", "date": "2021-06-01",
            "text": "June."})
    clock.advance()
    record(ledger, {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
                    "effective_from": "2021-06-01"})
    assert steps(ledger, clock, by="valid") == [
        ("x:a", "2021-01-01", {"auth:x": 1}),
        ("x:b", "2021-01-01", {"auth:x": 2}),
        ("st:june", "2021-06-01", {"auth:x": 1}),  # x:b ran out on 31 May
        ("x:a:lift", "2021-06-01", {"auth:x": 0}),
    ]


def test_an_amendment_that_renews_a_lapsed_sanction_brings_it_back_at_its_step(ledger, clock):
    record(ledger, *PARTIES,
           designation("x:a", "auth:x", "p:a", "2021-01-01", effective_until="2021-03-31"),
           {"type": "amendment", "id": "x:a:renew", "sanction": "x:a",
            "effective_from": "2021-04-10", "effective_until": None})
    assert steps(ledger, clock, by="valid", start=date(2021, 4, 1)) == [
        ("x:a:renew", "2021-04-10", {"auth:x": 1})]


def test_authority_filter_keeps_its_steps_and_its_count(ledger, clock):
    record(ledger, *PARTIES,
           designation("x:a", "auth:x", "p:a", "2021-01-01"),
           designation("y:a", "auth:y", "p:a", "2021-02-01"),
           {"type": "statement", "id": "st:y", "speaker": "p:b", "date": "2021-02-02",
            "text": "About Y.", "about": ["auth:y"]})
    assert steps(ledger, clock, by="valid", authority="Authority Y") == [
        ("y:a", "2021-02-01", {"auth:y": 1}), ("st:y", "2021-02-02", {"auth:y": 1})]


def test_by_recorded_time_counts_what_was_known_right_after_each_file(ledger, clock):
    record(ledger, *PARTIES, designation("x:a", "auth:x", "p:a", "2021-01-01"))
    clock.advance(days=1)
    record(ledger, designation("y:b", "auth:y", "p:b", "2021-02-01"),
           {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
            "effective_from": "2021-01-15"})
    found = steps(ledger, clock, by="recorded", at=date(2021, 3, 1))
    assert [f[0] for f in found] == ["auth:x", "auth:y", "p:a", "p:b", "x:a", "y:b",
                                     "x:a:lift"]
    assert found[4][2] == {"auth:x": 1, "auth:y": 0}  # before the second file was known
    assert found[5][2] == found[6][2] == {"auth:x": 0, "auth:y": 1}


def test_by_recorded_time_a_step_is_counted_on_its_own_date_without_at(ledger, clock):
    record(ledger, *PARTIES, designation("x:a", "auth:x", "p:a", "2021-01-01"),
           {"type": "lifting", "id": "x:a:lift", "sanction": "x:a",
            "effective_from": "2021-01-15"})
    found = steps(ledger, clock, by="recorded", start=date(2021, 1, 1))
    assert found == [("x:a", "2021-01-01", {"auth:x": 1}),
                     ("x:a:lift", "2021-01-15", {"auth:x": 0})]


def test_replay_prints_a_table_with_one_column_per_authority(ledger):
    record(ledger, *PARTIES, designation("x:a", "auth:x", "p:a", "2021-01-01"))
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "replay"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["step", "date", "auth:x", "line"]
    assert lines[2].split()[:5] == ["1", "2021-01-01", "1", "designation", "x:a"]


def test_replay_refuses_a_malformed_date(ledger):
    result = CliRunner().invoke(main, ["--db", ledger.location.display, "replay",
                                       "--from", "22/03/2021"])
    assert result.exit_code == 2
    assert "'22/03/2021' is not a date YYYY-MM-DD" in result.output


def random_history(seed: int) -> list[list[dict]]:
    """Three files of valid lines: sanctions with terms, renewals, liftings, corrections."""
    rng = random.Random(seed)
    day = lambda n: (date(2021, 1, 1) + timedelta(days=n)).isoformat()  # noqa: E731
    files: list[list[dict]] = [[*PARTIES[:2], *({"type": "party", "id": f"p:{i}",
                                                 "kind": "person", "name": f"P {i}"}
                                                for i in range(12))], [], []]
    for i in range(40):
        start = rng.randrange(0, 200)
        until = {"effective_until": day(start + rng.randrange(0, 60))} if rng.random() < .4 else {}
        files[0].append(designation(f"s:{i}", rng.choice(["auth:x", "auth:y"]),
                                    f"p:{rng.randrange(12)}", day(start), **until))
        later = rng.choice(files[1:])
        if rng.random() < .4:
            later.append({"type": "amendment", "id": f"s:{i}:renew", "sanction": f"s:{i}",
                          "effective_from": day(start + rng.randrange(0, 90)),
                          "effective_until": None})
        if rng.random() < .3:
            later.append({"type": "lifting", "id": f"s:{i}:lift", "sanction": f"s:{i}",
                          "effective_from": day(start + rng.randrange(1, 120))})
        if rng.random() < .3:
            later.append({"type": "correction", "id": f"s:{i}:fix", "sanction": f"s:{i}",
                          "set": {"effective_from": day(start - rng.randrange(1, 20))}})
    return files


def read_model_counts(ledger, day: date, known_at) -> dict[str, int]:
    return {a: len(ledger.reader.find_in_force(authority=a, at=day, known_at=known_at))
            for a in ("auth:x", "auth:y")}


def test_running_counts_agree_with_the_read_model_at_the_end_of_every_day(ledger, clock):
    for lines in random_history(7):
        record(ledger, *lines)
        clock.advance()
    known_at = clock.advance()
    story = list(ledger.get_replay(by="valid", known_at=known_at, today=date(2026, 1, 1)))
    last_of_day = {step.day: step for step in story}
    assert len(last_of_day) > 30
    for day, step in last_of_day.items():
        assert step.in_force == read_model_counts(ledger, day, known_at), (day, step.line.id)


def test_recorded_order_counts_agree_with_the_read_model_at_each_step(ledger, clock):
    for lines in random_history(11):
        record(ledger, *lines)
        clock.advance()
    story = list(ledger.get_replay(by="recorded", known_at=clock.advance(),
                                   today=date(2026, 1, 1)))
    for step in story:
        assert step.in_force == read_model_counts(ledger, step.counted_on, step.known_at), \
            step.line.id
