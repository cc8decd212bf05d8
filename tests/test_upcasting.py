"""Event schema evolution: a designation stored before ``legal_basis`` existed still loads.

The v1 event is written by hand, as an older version of the ledger stored it
(no ``legal_basis``, no ``class_version``), through the recorder so that the
hash chain seals it like any other event.
"""

from __future__ import annotations

import json
from datetime import date

from conftest import Clock, record
from ledger.application import SanctionsLedger
from ledger.domain.aggregates import Sanction, record_uuid
from ledger.domain.fold import sanctions_in_force

PARTIES = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union"},
    {"type": "party", "id": "person:old", "kind": "person", "name": "Old Designee"},
]
V1_LINE = {"type": "designation", "id": "eu:old", "authority": "auth:eu",
           "target": "person:old", "measures": ["asset_freeze"],
           "effective_from": "2019-01-01"}


def store_v1_designation(ledger: SanctionsLedger, clock: Clock) -> None:
    """Store ``V1_LINE`` as a v1 ``Designated`` event: the state a pre-0.2 ledger wrote."""
    event = Sanction.Designated(
        originator_id=record_uuid(V1_LINE["id"]), originator_version=1,
        originator_topic="sanctions-ledger:Sanction",
        timestamp=clock.advance(), line_id=V1_LINE["id"], line_type="designation",
        filed=json.dumps(V1_LINE, separators=(",", ":")), sources=[], note=None,
        authority="auth:eu", target="person:old", measures=["asset_freeze"],
        effective_from=date(2019, 1, 1), effective_until=None, program=None,
        legal_basis="placeholder", announced=None, reason=None, programs=None,
        legal_bases=None, start_window=None)
    stored = ledger.mapper.to_stored_event(event)
    state = ledger.mapper.transcoder.decode(stored.state)
    for later in ("legal_basis", "class_version", "programs", "legal_bases", "start_window"):
        del state[later]
    v1 = type(stored)(originator_id=stored.originator_id, originator_version=1,
                      topic="sanctions-ledger:Sanction.Designated",
                      state=ledger.mapper.transcoder.encode(state))
    ledger.recorder.insert_events([v1])


def test_new_designations_are_stored_as_version_3(ledger: SanctionsLedger):
    record(ledger, *PARTIES, V1_LINE)
    (stored,) = [n for n in ledger.recorder.select_notifications(start=0, limit=10)
                 if n.topic == "sanctions-ledger:Sanction.Designated"]
    assert ledger.mapper.transcoder.decode(stored.state)["class_version"] == 3


def test_a_v1_designation_loads_through_the_repository_with_no_legal_basis(
        ledger: SanctionsLedger, clock: Clock):
    record(ledger, *PARTIES)
    store_v1_designation(ledger, clock)
    sanction = ledger.repository.get(record_uuid("eu:old"))
    assert (sanction.line_id, sanction.terms.legal_basis) == ("eu:old", None)


def test_a_v1_designation_is_projected_and_folded_like_a_new_one(
        ledger: SanctionsLedger, clock: Clock):
    record(ledger, *PARTIES)
    store_v1_designation(ledger, clock)
    now = clock.advance()
    answer = ledger.get_in_force("Old Designee", at=date(2020, 1, 1), known_at=now)
    folded = sanctions_in_force(ledger.iter_events(), at=date(2020, 1, 1), known_at=now)
    assert [(s.id, s.legal_basis) for s in answer.sanctions] == [("eu:old", None)]
    assert folded == answer.sanctions


def test_a_v1_designation_is_sealed_by_the_chain_and_can_be_lifted(
        ledger: SanctionsLedger, clock: Clock):
    record(ledger, *PARTIES)
    store_v1_designation(ledger, clock)
    clock.advance()
    record(ledger, {"type": "lifting", "id": "eu:old:lift", "sanction": "eu:old",
                    "effective_from": "2020-06-01"})
    assert ledger.verify().ok
    answer = ledger.get_in_force("person:old", at=date(2020, 6, 1), known_at=clock.advance())
    assert answer.sanctions == []
