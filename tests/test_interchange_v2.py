"""Interchange version 2 lines obey version 1's rules: shape errors name the line, a
re-import is skipped, a refused file leaves nothing, and the answers say what the lines say."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import Clock, record
from ledger.application import SanctionsLedger
from ledger.domain.fold import sanctions_in_force
from ledger.errors import LineError, UnknownPartyError

BASE = [
    {"type": "source", "id": "src:list", "publisher": "A list", "title": "Snapshot",
     "published": "2021-08-24", "list": "example", "rows": 1,
     "files": [{"name": "list.csv", "sha256": "00" * 32}]},
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "v:1", "kind": "vessel", "name": "SAND SWAN",
     "aliases": [{"name": "ANA I", "quality": "weak", "former": True}],
     "attributes": {"imo_numbers": ["7406784"], "flags": ["Cyprus"], "note": "v1 string"}},
    {"type": "designation", "id": "s:1", "authority": "auth:x", "target": "v:1",
     "measures": ["asset_freeze"], "programs": ["SDGT", "IFSR"],
     "effective_from": {"on_or_before": "2021-08-24"}, "sources": ["src:list"]},
]
LATER = [
    {"type": "party_amendment", "id": "v:1:renamed", "party": "v:1",
     "effective_from": "2021-09-02", "name": "EBANO", "set_attributes": {"flags": ["Panama"]}},
    {"type": "alias_end", "id": "v:1:ana-ended", "party": "v:1", "name": "ANA I",
     "effective_from": "2021-09-02"},
    {"type": "amendment", "id": "s:1:programs", "sanction": "s:1",
     "effective_from": "2021-09-02", "programs": ["SDGT"]},
    {"type": "lifting", "id": "s:1:lifted", "sanction": "s:1",
     "effective_from": {"between": ["2021-10-01", "2021-10-10"]}},
]


def test_v2_lines_answer_with_programs_windows_and_new_names(ledger: SanctionsLedger,
                                                             clock: Clock):
    record(ledger, *BASE)
    record(ledger, *LATER)
    now = clock.advance()

    def on(day: date):
        return ledger.get_in_force("v:1", at=day, known_at=now).sanctions

    (before,) = on(date(2021, 8, 1))
    assert (before.certainty, before.programs) == ("uncertain", ["IFSR", "SDGT"])
    (certain,) = on(date(2021, 9, 2))
    assert (certain.certainty, certain.programs, certain.window) == ("certain", ["SDGT"], None)
    (ending,) = on(date(2021, 10, 5))
    assert (ending.certainty, ending.window.wire()) == (
        "uncertain", {"between": ["2021-10-01", "2021-10-10"]})
    assert "s:1:lifted" in ending.evidence
    assert on(date(2021, 10, 10)) == []
    for day in (date(2021, 8, 1), date(2021, 9, 2), date(2021, 10, 5), date(2021, 10, 10)):
        assert on(day) == sanctions_in_force(ledger.iter_events(), at=day, known_at=now)


def test_names_resolve_on_the_days_they_are_valid(ledger: SanctionsLedger, clock: Clock):
    record(ledger, *BASE)
    record(ledger, *LATER)
    now = clock.advance()

    def named(name: str, day: date) -> str | None:
        try:
            return ledger.get_in_force(name, at=day, known_at=now).party.id
        except UnknownPartyError:
            return None

    before, after = date(2021, 9, 1), date(2021, 9, 2)
    assert [named(n, before) for n in ("SAND SWAN", "EBANO", "ANA I")] == ["v:1", None, "v:1"]
    assert [named(n, after) for n in ("SAND SWAN", "EBANO", "ANA I")] == ["v:1", "v:1", None]


def test_re_importing_v2_lines_records_nothing(ledger: SanctionsLedger, clock: Clock):
    record(ledger, *BASE, *LATER)
    clock.advance()
    again = record(ledger, *BASE, *LATER)
    assert (again.total_recorded, again.skipped) == (0, len(BASE) + len(LATER))


@pytest.mark.parametrize(("line", "message"), [
    ({"type": "lifting", "id": "l", "sanction": "s:1",
      "effective_from": {"between": ["2021-10-10", "2021-10-01"]}},
     "line 5: field 'effective_from': 'between' ends on 2021-10-01, before it starts on "
     "2021-10-10"),
    ({"type": "lifting", "id": "l", "sanction": "s:1", "effective_from": {"after": "2021-10-01"}},
     "line 5: field 'effective_from' must be a date or {\"on_or_before\": D} or "
     "{\"between\": [D1, D2]}"),
    ({"type": "alias_end", "id": "e", "party": "v:1", "name": "NOBODY",
      "effective_from": "2021-09-02"},
     "line 5: 'NOBODY' is not a name of party v:1"),
    ({"type": "same_party", "id": "k", "parties": ["v:1", "v:1"]},
     "line 5: field 'parties' must name at least two different parties"),
    ({"type": "party_amendment", "id": "a", "party": "v:1", "effective_from": "2021-09-02"},
     "line 5: a party_amendment needs 'name' or 'country' or 'set_attributes'"),
    ({"type": "party", "id": "p", "kind": "person", "name": "P",
      "attributes": {"passport": ["X1"]}},
     "line 5: unknown attribute 'passport' in 'attributes'"),
    ({"type": "designation", "id": "d", "authority": "auth:x", "target": "v:1",
      "measures": ["asset_freeze"], "effective_from": "2021-01-01", "program": "A",
      "programs": ["B"]},
     "line 5: a designation has 'program' or 'programs', not both"),
    ({"type": "retraction", "id": "r"}, "line 5: a retraction has 'sanction' or 'same_party', "
                                        "exactly one"),
    ({"type": "retraction", "id": "r", "same_party": "s:1"},
     "line 5: 'same_party' names s:1, a designation, not a same_party"),
])
def test_a_bad_v2_line_refuses_the_file_naming_its_line(ledger: SanctionsLedger, line,
                                                        message):
    with pytest.raises(LineError) as refused:
        record(ledger, *BASE, line)
    assert str(refused.value) == message
    assert ledger.stored_events() == 0


def test_a_retracted_link_cannot_be_retracted_again(ledger: SanctionsLedger, clock: Clock):
    record(ledger, *BASE, {"type": "party", "id": "p:2", "kind": "person", "name": "Other"},
           {"type": "same_party", "id": "k", "parties": ["v:1", "p:2"]},
           {"type": "retraction", "id": "k:r", "same_party": "k"})
    with pytest.raises(LineError, match="line 1: link k is already retracted"):
        record(ledger, {"type": "retraction", "id": "k:r2", "same_party": "k"})


def test_history_and_the_evidence_report_state_the_windows(ledger: SanctionsLedger,
                                                          clock: Clock):
    from ledger.audit.report.html import evidence_html

    record(ledger, *BASE)
    record(ledger, *LATER)
    now = clock.advance()
    told = [entry.summary for entry in ledger.get_history("v:1", known_at=now).entries]
    assert "auth:x designates v:1: asset_freeze from on or before 2021-08-24" in told
    assert "s:1 lifted from between 2021-10-01 and 2021-10-10" in told
    page = evidence_html(ledger.get_report("v:1", at=date(2021, 10, 5), known_at=now))
    assert "uncertain on this day" in page
