"""Typed interchange lines: what a line holds once its shape is checked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from msgspec import UNSET

from ledger.errors import LineError
from ledger.interchange import LINE_TYPES, check_shape, json_schema, read_objects
from ledger.interchange.lines import AmendmentLine, CorrectionLine, DesignationLine

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "ledger" / "datasets"
SCHEMA = jsonschema.Draft202012Validator(
    json.loads(json_schema()), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

DESIGNATION = {"type": "designation", "id": "d1", "authority": "auth:eu", "target": "p:a",
               "measures": ["travel_ban", "asset_freeze", "travel_ban"],
               "effective_from": "2021-03-22"}


def test_measures_are_held_sorted_and_once_each():
    line = check_shape(1, DESIGNATION)
    assert isinstance(line, DesignationLine)
    assert line.measures == ["asset_freeze", "travel_ban"]
    assert line.effective_from == date(2021, 3, 22) and line.effective_until is None


def test_an_amendment_tells_a_left_out_end_from_an_open_end():
    """``"effective_until": null`` makes the sanction open-ended again; leaving it out
    keeps the end it had."""
    base = {"type": "amendment", "id": "a1", "sanction": "d1", "effective_from": "2021-04-01"}
    reopened = check_shape(1, {**base, "effective_until": None})
    kept = check_shape(2, {**base, "measures": ["other"]})
    assert isinstance(reopened, AmendmentLine) and isinstance(kept, AmendmentLine)
    assert reopened.effective_until is None and kept.effective_until is UNSET


def test_a_correction_changes_only_the_fields_it_sets():
    line = check_shape(1, {"type": "correction", "id": "c1", "sanction": "d1",
                           "set": {"effective_until": None, "measures": ["other", "other"]}})
    assert isinstance(line, CorrectionLine)
    assert line.set.changes() == {"measures": ["other"], "effective_until": None}


def test_each_line_knows_its_type_and_its_own_fields():
    line = check_shape(1, {"type": "alias", "id": "al1", "party": "p:a", "name": "A",
                           "note": "from the press release"})
    assert line.type == "alias" and line.own_fields() == {
        "party": "p:a", "name": "A",  # and version 2's, left out
        "quality": None, "former": None, "script": None, "effective_from": None}


def test_the_json_schema_in_docs_is_the_one_the_lines_give():
    """Other tools validate against docs/interchange.schema.json: it must say what the
    reader checks. Regenerate it with `make schema`."""
    published = (ROOT / "docs" / "interchange.schema.json").read_text(encoding="utf-8")
    assert published == json_schema(), "docs/interchange.schema.json is stale: run make schema"


MORE_LINES = [
    {"type": "alias", "id": "al1", "party": "p:a", "name": "A.", "sources": ["src:1"]},
    {"type": "retraction", "id": "r1", "sanction": "d1", "reason": "recorded in error"},
    {"type": "amendment", "id": "a1", "sanction": "d1", "effective_from": "2021-04-01",
     "effective_until": None, "note": "open-ended again"},
    {"type": "party", "id": "p:b", "kind": "organization", "name": "B", "country": "xx",
     "attributes": {"register": "123"}},
    # version 2
    {"type": "source", "id": "src:list", "publisher": "A list", "title": "Snapshot",
     "published": "2021-08-24", "list": "example", "rows": 1,
     "files": [{"name": "list.csv", "sha256": "00" * 32}]},
    {"type": "party", "id": "v:1", "kind": "vessel", "name": "SAND SWAN",
     "aliases": ["SAND", {"name": "ANA I", "quality": "weak", "former": True}],
     "attributes": {"imo_numbers": ["7406784"], "note": "v1 string"}},
    {"type": "designation", "id": "s:1", "authority": "auth:x", "target": "v:1",
     "measures": ["asset_freeze"], "programs": ["SDGT", "IRAN"],
     "effective_from": {"on_or_before": "2021-08-24"}},
    {"type": "lifting", "id": "s:1:lifted", "sanction": "s:1",
     "effective_from": {"between": ["2021-08-25", "2021-09-02"]}},
    {"type": "alias", "id": "al2", "party": "v:1", "name": "EBANO", "quality": "strong",
     "effective_from": "2021-09-02"},
    {"type": "alias_end", "id": "e1", "party": "v:1", "name": "ANA I",
     "effective_from": "2021-09-02"},
    {"type": "party_amendment", "id": "pa1", "party": "v:1", "effective_from": "2021-09-02",
     "name": "EBANO", "set_attributes": {"flags": ["Panama"]}},
    {"type": "same_party", "id": "k1", "parties": ["v:1", "p:b"], "reason": "same IMO"},
    {"type": "retraction", "id": "k1:r", "same_party": "k1"},
    {"type": "decision", "id": "dec1", "customer": "c-1042 (branch 7)", "party": "p:a",
     "verdict": "false-positive", "reason": "born 1985", "by": "A. Analyst"},
]


def test_the_json_schema_accepts_every_line_the_ledger_accepts():
    dataset = (DATASETS / "xinjiang-2021.jsonl").read_bytes().splitlines()
    lines = [obj for _, obj in read_objects(dataset)] + MORE_LINES
    lines += [json.loads(text) for text in _spec_examples()]
    assert {line["type"] for line in lines} == set(LINE_TYPES)
    for line in lines:
        check_shape(1, line)
        SCHEMA.validate(line)


SHAPE_ERRORS = [
    {**DESIGNATION, "efective_from": "2021-03-22"},
    {k: v for k, v in DESIGNATION.items() if k != "target"},
    {**DESIGNATION, "type": "sanktion"},
    {**DESIGNATION, "id": "-x"},
    {**DESIGNATION, "measures": ["freeze"]},
    {**DESIGNATION, "measures": []},
    {**DESIGNATION, "effective_from": "22/03/2021"},
    {**DESIGNATION, "note": None},
    {"type": "party", "id": "p", "kind": "company", "name": "X"},
    {"type": "amendment", "id": "a1", "sanction": "d1", "effective_from": "2021-04-01"},
    {"type": "correction", "id": "c1", "sanction": "d1", "set": {"reason": "x"}},
]


@pytest.mark.parametrize("line", SHAPE_ERRORS)
def test_the_json_schema_refuses_what_the_ledger_refuses_for_its_shape(line):
    with pytest.raises(LineError):
        check_shape(1, line)
    assert not SCHEMA.is_valid(line)


def _spec_examples() -> list[str]:
    """The example lines of docs/interchange.md."""
    text = (ROOT / "docs" / "interchange.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    return block.splitlines()
