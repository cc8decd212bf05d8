"""Import rules of the interchange spec: every listed error, atomicity, idempotency."""

from __future__ import annotations

import gc
import json
from datetime import date

import pytest

from conftest import record
from ledger.errors import LineError

SOURCE = {"type": "source", "id": "src:reg", "publisher": "Council", "title": "Regulation"}
EU = {"type": "party", "id": "auth:eu", "kind": "authority", "name": "EU"}
PERSON = {"type": "party", "id": "person:a", "kind": "person", "name": "Person A"}
DESIGNATION = {"type": "designation", "id": "d1", "authority": "auth:eu", "target": "person:a",
               "measures": ["asset_freeze"], "effective_from": "2021-03-22",
               "sources": ["src:reg"]}
BASE = [SOURCE, EU, PERSON, DESIGNATION]


def with_line(**fields: object) -> dict:
    return {"id": "x1", **fields}


def amendment(**fields: object) -> dict:
    return with_line(**{"type": "amendment", "sanction": "d1", "effective_from": "2021-04-01",
                        **fields})


REJECTED = [
    ("unknown type", with_line(type="sanktion"), 'unknown type "sanktion"'),
    ("a type that is not a string", with_line(type=["party"]), 'unknown type ["party"]'),
    ("unknown field", {**DESIGNATION, "id": "d2", "efective_from": "2021-03-22"},
     "unknown field 'efective_from'"),
    ("missing required field", {k: v for k, v in DESIGNATION.items() if k != "target"} | {
        "id": "d2"}, "missing required field 'target'"),
    ("missing id", {"type": "alias", "party": "person:a", "name": "A"},
     "missing required field 'id'"),
    ("bad id", with_line(type="alias", party="person:a", name="A") | {"id": "-x"},
     'invalid id "-x": 1-200 characters, letters, digits and . _ : / - (not first)'),
    ("wrong JSON type", with_line(type="alias", party="person:a", name=7),
     "field 'name' must be a string"),
    ("wrong JSON type in a list", {**DESIGNATION, "id": "d2", "measures": "asset_freeze"},
     "field 'measures' must be a list of strings"),
    ("malformed date", {**DESIGNATION, "id": "d2", "effective_from": "22/03/2021"},
     'field \'effective_from\' must be a date YYYY-MM-DD, got "22/03/2021"'),
    ("impossible date", {**DESIGNATION, "id": "d2", "effective_from": "2021-02-30"},
     "field 'effective_from' is not a calendar date: 2021-02-30"),
    ("unknown measure", {**DESIGNATION, "id": "d2", "measures": ["asset_freeze", "freeze"]},
     "unknown measure 'freeze' in 'measures'"),
    ("empty measures", {**DESIGNATION, "id": "d2", "measures": []},
     "field 'measures' must not be empty"),
    ("until before its own from", {**DESIGNATION, "id": "d2", "effective_until": "2021-03-01"},
     "effective_until 2021-03-01 is before effective_from 2021-03-22"),
    ("amendment ending before its own effective_from",
     amendment(effective_from="2021-03-22", effective_until="2021-03-21"),
     "effective_until 2021-03-21 is before effective_from 2021-03-22"),
    ("amendment dated before the sanction", amendment(effective_from="2021-03-01",
                                                      measures=["travel_ban"]),
     "an amendment of d1 dated 2021-03-01 is before the sanction's effective_from 2021-03-22"),
    ("amendment with nothing to change", amendment(reason="renewal"),
     "an amendment needs 'measures' or 'effective_until'"),
    ("lifting dated before the sanction",
     with_line(type="lifting", sanction="d1", effective_from="2021-01-01"),
     "a lifting of d1 dated 2021-01-01 is before the sanction's effective_from 2021-03-22"),
    ("unknown reference", {**DESIGNATION, "id": "d2", "target": "person:nobody"},
     "'target' names person:nobody, which is not recorded"),
    ("reference of the wrong type", {**DESIGNATION, "id": "d2", "target": "src:reg"},
     "'target' names src:reg, a source, not a party"),
    ("authority that is not an authority", {**DESIGNATION, "id": "d2", "authority": "person:a"},
     "'authority' names person:a, a party of kind person, not an authority"),
    ("source that is not a source", {**DESIGNATION, "id": "d2", "sources": ["auth:eu"]},
     "'sources' names auth:eu, a party, not a source"),
    ("sanction reference to a party", with_line(type="retraction", sanction="person:a"),
     "'sanction' names person:a, a party, not a designation or countermeasure"),
    ("same id, other content", {**PERSON, "name": "Person B"},
     "id person:a is already recorded with other content"),
    ("correction setting a non-authority",
     with_line(type="correction", sanction="d1", set={"authority": "person:a"}),
     "'authority' names person:a, a party of kind person, not an authority"),
    ("correction with an unknown field", with_line(type="correction", sanction="d1",
                                                    set={"reason": "x"}),
     "unknown field 'reason' in 'set'"),
    ("correction whose set is not an object",
     with_line(type="correction", sanction="d1", set=["effective_until"]),
     "field 'set' must be an object"),
    ("correction setting an impossible date",
     with_line(type="correction", sanction="d1", set={"effective_until": "2021-02-30"}),
     "field 'effective_until' is not a calendar date: 2021-02-30"),
    ("party of no known kind", with_line(type="party", kind="company", name="X"),
     "field 'kind' must be one of person, organization, authority, vessel, aircraft"),
    ("attributes that are not strings",
     with_line(type="party", kind="person", name="X", attributes={"born": 1970}),
     "field 'attributes' must be an object of strings"),
    ("a note that is null", with_line(type="alias", party="person:a", name="A", note=None),
     "field 'note' must be a string"),
    ("an unknown field named before a wrong value",
     with_line(type="alias", party="person:a", name=7, nme="A"), "unknown field 'nme'"),
    ("a missing field named before a wrong value", with_line(type="alias", name=7),
     "missing required field 'party'"),
    ("measures that are not all strings", {**DESIGNATION, "id": "d2", "measures": ["x", 3]},
     "field 'measures' must be a list of strings"),
    ("correction ending before the start",
     with_line(type="correction", sanction="d1", set={"effective_until": "2021-01-01"}),
     "the correction would end sanction d1 on 2021-01-01, before its effective_from 2021-03-22"),
]


@pytest.mark.parametrize(("case", "bad", "reason"), REJECTED, ids=[c[0] for c in REJECTED])
def test_a_bad_line_is_refused_with_its_line_number_and_reason(ledger, case, bad, reason):
    record(ledger, *BASE)
    with pytest.raises(LineError) as refused:
        record(ledger, {"type": "alias", "id": "ok1", "party": "person:a", "name": "A."}, bad)
    assert str(refused.value) == f"line 2: {reason}"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"id": "a", "id": "b"}'])
def test_a_line_that_is_not_one_json_object_is_refused(ledger, text):
    with pytest.raises(LineError, match="^line 1: "):
        record(ledger, text)


def test_invalid_utf8_is_refused_with_its_line_number(ledger):
    from ledger.interchange import read_objects

    with pytest.raises(LineError, match="^line 2: not valid UTF-8$"):
        ledger.record_file(read_objects([json.dumps(SOURCE).encode(), b'{"id": "\xff"}']))


def test_an_escaped_lone_surrogate_is_refused_with_its_line_number(ledger):
    """Valid JSON, but no Unicode character: it used to reach the event encoder and
    end the import with a traceback."""
    bad = '{"type": "party", "id": "p:x", "kind": "person", "name": "X \\ud800 Y"}'
    with pytest.raises(LineError, match=r"^line 2: \\ud800 is a lone surrogate escape, "
                                        r"not a Unicode character$"):
        record(ledger, SOURCE, bad)
    paired = '{"type": "party", "id": "p:y", "kind": "person", "name": "Y \\ud83d\\ude00"}'
    record(ledger, SOURCE, paired)
    assert json.loads(ledger.get_line("p:y").filed)["name"] == "Y \U0001f600"


def test_a_refused_file_leaves_the_ledger_exactly_as_it_was(ledger, clock):
    record(ledger, *BASE)
    before = ledger.get_in_force("person:a", at=date(2021, 4, 1), known_at=clock.advance())
    lifting = {"type": "lifting", "id": "l1", "sanction": "d1", "effective_from": "2021-03-25"}
    with pytest.raises(LineError, match="line 3"):
        record(ledger, lifting, {**PERSON, "id": "person:b"}, {"type": "nonsense", "id": "z"})
    assert ledger.get_line("l1") is None and ledger.get_line("person:b") is None
    after = ledger.get_in_force("person:a", at=date(2021, 4, 1), known_at=clock.advance())
    assert after.sanctions == before.sanctions
    assert [e.line_id for e in ledger.get_log()] == ["src:reg", "auth:eu", "person:a", "d1"]


def test_imports_and_rebuilds_leave_the_garbage_collector_as_they_found_it(ledger):
    """They collect less often while they run; a service embedding the ledger must
    get its own settings back, after a refused file too."""
    before = gc.get_threshold()
    record(ledger, *BASE)
    with pytest.raises(LineError):
        record(ledger, {"type": "nonsense", "id": "z"})
    ledger.rebuild_read_model()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_reimporting_a_file_is_a_no_op_even_after_later_changes(ledger, clock):
    record(ledger, *BASE)
    clock.advance()
    record(ledger, {"type": "lifting", "id": "l1", "sanction": "d1",
                    "effective_from": "2021-04-01"})
    clock.advance()
    again = record(ledger, *BASE)
    assert (again.total_recorded, again.skipped) == (0, 4)
    assert len(list(ledger.get_log())) == 5


def test_identical_content_is_recognised_whatever_the_key_order_and_spacing(ledger):
    record(ledger, *BASE)
    reordered = '{ "name" : "Person A", "kind": "person", "id": "person:a", "type": "party" }'
    assert record(ledger, reordered).skipped == 1


def test_a_line_repeated_in_one_file_is_recorded_once(ledger):
    summary = record(ledger, SOURCE, SOURCE)
    assert (summary.total_recorded, summary.skipped) == (1, 1)


def test_references_may_name_lines_higher_up_in_the_same_file_only(ledger):
    with pytest.raises(LineError, match="^line 2: 'target' names person:a, which is not"):
        record(ledger, EU, DESIGNATION | {"sources": []}, PERSON)


def test_no_line_may_touch_a_retracted_sanction(ledger):
    record(ledger, *BASE, {"type": "retraction", "id": "r1", "sanction": "d1"})
    for line in ({"type": "retraction", "id": "r2", "sanction": "d1"},
                 {"type": "lifting", "id": "l1", "sanction": "d1",
                  "effective_from": "2021-04-01"},
                 {"type": "correction", "id": "c1", "sanction": "d1", "set": {}}):
        with pytest.raises(LineError, match="^line 1: sanction d1 is retracted$"):
            record(ledger, line)


def test_a_second_lifting_of_one_sanction_is_refused(ledger):
    record(ledger, *BASE, {"type": "lifting", "id": "l1", "sanction": "d1",
                           "effective_from": "2021-04-01"})
    with pytest.raises(LineError, match=r"^line 1: sanction d1 is already lifted \(by l1\)$"):
        record(ledger, {"type": "lifting", "id": "l2", "sanction": "d1",
                        "effective_from": "2021-05-01"})


@pytest.mark.parametrize(("later", "set_", "reason"), [
    ({"type": "amendment", "id": "a1", "sanction": "d1", "effective_from": "2021-04-01",
      "measures": ["travel_ban"]}, {"effective_from": "2021-04-02"},
     "the correction would move sanction d1 to start on 2021-04-02, after a1 dated 2021-04-01"),
    ({"type": "lifting", "id": "l1", "sanction": "d1", "effective_from": "2021-04-01"},
     {"effective_from": "2021-05-01"},
     "the correction would move sanction d1 to start on 2021-05-01, after l1 dated 2021-04-01"),
])
def test_a_correction_that_would_break_an_earlier_line_is_refused(ledger, later, set_, reason):
    record(ledger, *BASE, later)
    with pytest.raises(LineError) as refused:
        record(ledger, {"type": "correction", "id": "c1", "sanction": "d1", "set": set_})
    assert str(refused.value) == f"line 1: {reason}"


def test_blank_lines_and_comments_are_ignored_but_counted_in_line_numbers(ledger):
    with pytest.raises(LineError, match="^line 4: unknown type"):
        record(ledger, "# a comment", "", json.dumps(SOURCE), '{"type": "x", "id": "y"}')


def test_a_file_longer_than_one_write_batch_is_checked_across_batches_and_refused_whole(
        ledger, clock):
    """An import writes a batch of lines at a time inside one transaction (2000 lines):
    lines of later batches change records of earlier ones, and a bad last line still
    leaves nothing of the file behind."""
    crowd = [{"type": "party", "id": f"person:{n}", "kind": "person", "name": f"Person {n}"}
             for n in range(2500)]
    later = [{"type": "lifting", "id": "l1", "sanction": "d1", "effective_from": "2021-05-01"},
             {"type": "alias", "id": "a1", "party": "person:a", "name": "Alias of A"}]
    bad = {"type": "lifting", "id": "l2", "sanction": "d1", "effective_from": "2021-06-01"}

    with pytest.raises(LineError, match=f"^line {len(BASE) + 2500 + 3}: sanction d1 is already "
                                        "lifted"):
        record(ledger, *BASE, *crowd, *later, bad)
    assert list(ledger.get_log()) == [] and ledger.verify().chain.events == 0
    assert ledger.find_parties() == []

    summary = record(ledger, *BASE, *crowd, *later)
    assert summary.total_recorded == len(BASE) + 2500 + 2
    known_at = clock.advance()
    assert ledger.get_in_force("Alias of A", at=date(2021, 4, 1), known_at=known_at).sanctions
    assert ledger.get_in_force("person:a", at=date(2021, 5, 1), known_at=known_at).sanctions == []
    assert ledger.verify().ok


def test_a_record_no_longer_in_hand_is_reloaded_from_the_files_own_uncommitted_batches(
        ledger, clock):
    """An import keeps a bounded number of records in memory; one it let go of is folded
    again from the events its own open transaction has written, not from the last commit."""
    from ledger.interchange import read_objects
    from ledger.write.bulk import import_transaction
    from ledger.write.recording import Recording

    others = [{"type": "party", "id": f"person:{n}", "kind": "person", "name": f"P {n}"}
              for n in range(10)]
    lines = [EU, PERSON, DESIGNATION | {"sources": []}, *others[:6],
             {"type": "amendment", "id": "am1", "sanction": "d1",
              "effective_from": "2021-04-01", "measures": ["travel_ban"]},
             *others[:2],  # already recorded: skipped, touching nothing
             *others[6:],  # new records: d1 is let go of again
             {"type": "lifting", "id": "l1", "sanction": "d1", "effective_from": "2021-05-01"}]
    recorded_at = clock.advance()
    with import_transaction(ledger, recorded_at) as store:
        Recording(store, recorded_at, records_in_hand=1).take_all(
            read_objects([json.dumps(line) for line in lines]), batch=2)

    known_at = clock.advance()
    answer = ledger.get_in_force("person:a", at=date(2021, 4, 15), known_at=known_at)
    assert [s.measures for s in answer.sanctions] == [["travel_ban"]]
    assert ledger.get_in_force("person:a", at=date(2021, 5, 1), known_at=known_at).sanctions == []
    assert ledger.verify().ok


@pytest.mark.parametrize("two_processes", [False, True], ids=["one process", "two processes"])
def test_each_line_is_checked_against_the_lines_just_above_it_not_yet_written(
        ledger, clock, two_processes):
    """Lookups run two batches ahead of the batch being checked, so that a writing process
    can fall behind without holding the check up. With one line a batch, every line
    below leans on the one or two just above it, which no lookup has seen written."""
    from ledger.interchange import read_objects
    from ledger.write.bulk import import_in_child, import_transaction
    from ledger.write.recording import Recording

    amendment = {"type": "amendment", "id": "am1", "sanction": "d1",
                 "effective_from": "2021-04-01", "measures": ["travel_ban"]}
    lines = [EU, PERSON, DESIGNATION | {"sources": []}, amendment,
             {"type": "alias", "id": "al1", "party": "person:a", "name": "Alias of A"},
             {"type": "amendment", "id": "am2", "sanction": "d1",
              "effective_from": "2021-05-01", "measures": ["asset_freeze", "travel_ban"]},
             amendment,  # the same line again: skipped
             {"type": "lifting", "id": "l1", "sanction": "d1", "effective_from": "2021-06-01"}]
    recorded_at = clock.advance()
    transaction = import_in_child if two_processes else import_transaction
    with transaction(ledger, recorded_at) as store:
        summary = Recording(store, recorded_at, records_in_hand=1).take_all(
            read_objects([json.dumps(line) for line in lines]), batch=1)

    assert summary.total_recorded == len(lines) - 1 and summary.skipped == 1
    known_at = clock.advance()
    measures = {day: [s.measures for s in ledger.get_in_force(
        "Alias of A", at=date(2021, 4, day), known_at=known_at).sanctions] for day in (1, 15)}
    assert measures == {1: [["travel_ban"]], 15: [["travel_ban"]]}
    in_may = ledger.get_in_force("person:a", at=date(2021, 5, 1), known_at=known_at)
    assert [s.measures for s in in_may.sanctions] == [["asset_freeze", "travel_ban"]]
    assert ledger.get_in_force("person:a", at=date(2021, 6, 1), known_at=known_at).sanctions == []
    assert ledger.verify().ok


@pytest.mark.parametrize("two_processes", [False, True], ids=["one process", "two processes"])
def test_a_line_reusing_the_id_of_one_just_above_it_is_refused(ledger, clock, two_processes):
    """The lines a lookup has not seen written are still checked for a reused id."""
    from ledger.interchange import read_objects
    from ledger.write.bulk import import_in_child, import_transaction
    from ledger.write.recording import Recording

    lines = [PERSON, EU, {**PERSON, "name": "Someone Else"}]
    recorded_at = clock.advance()
    transaction = import_in_child if two_processes else import_transaction
    with pytest.raises(LineError, match="^line 3: id person:a is already recorded with other "
                                        "content"), transaction(ledger, recorded_at) as store:
        Recording(store, recorded_at, records_in_hand=1).take_all(
            read_objects([json.dumps(line) for line in lines]), batch=1)
    assert ledger.verify().chain.events == 0
