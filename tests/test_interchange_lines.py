"""Typed interchange lines: what a line holds once its shape is checked."""

from __future__ import annotations

from datetime import date

from msgspec import UNSET

from ledger.interchange import check_shape
from ledger.interchange.lines import AmendmentLine, CorrectionLine, DesignationLine

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
    assert line.type == "alias" and line.own_fields() == {"party": "p:a", "name": "A"}
