"""Stored bytes stay what they were, whatever encodes them: events and filed lines.

The ledger encodes events through orjson (``FastJSONTranscoder``) for speed.
Its bytes must stay exactly those of eventsourcing's own JSON transcoder: the
chain hashes them, other versions and tools decode them, and orjson would
write some types (UUIDs) differently. So every kind of event the domain
defines is encoded both ways here.
"""

from __future__ import annotations

import inspect
import json

from eventsourcing.persistence import JSONTranscoder
from hypothesis import example, given
from hypothesis import strategies as st

import ledger.domain.aggregates
from conftest import record, record_path
from ledger.application import SanctionsLedger
from ledger.datasets import dataset_path
from ledger.interchange import compact
from ledger.store.transcoding import DateAsISO

AFTERWARDS = [  # the line types the dataset lacks
    {"type": "alias", "id": "alias:zenz", "party": "person:adrian-zenz", "name": "A. Zenz"},
    {"type": "amendment", "id": "amend:uk-chen", "sanction": "uk:2021-03-22:chen-mingguo",
     "effective_from": "2022-01-01", "measures": ["asset_freeze"]},
    {"type": "lifting", "id": "lift:uk-chen", "sanction": "uk:2021-03-22:chen-mingguo",
     "effective_from": "2023-01-01"},
    {"type": "retraction", "id": "retract:eu-chen", "sanction": "eu:2021-03-22:chen-mingguo",
     "reason": "test"},
    # Interchange version 2.
    {"type": "designation", "id": "v2:windowed", "authority": "auth:uk",
     "target": "person:wang-junzheng", "measures": ["asset_freeze"], "programs": ["A", "B"],
     "effective_from": {"on_or_before": "2021-08-24"}},
    {"type": "lifting", "id": "v2:windowed:lifted", "sanction": "v2:windowed",
     "effective_from": {"between": ["2021-08-25", "2021-09-02"]}},
    {"type": "party_amendment", "id": "v2:zenz", "party": "person:adrian-zenz",
     "effective_from": "2022-01-01", "set_attributes": {"titles": ["Dr"]}},
    {"type": "alias_end", "id": "v2:zenz:alias-end", "party": "person:adrian-zenz",
     "name": "A. Zenz", "effective_from": "2023-01-01"},
    {"type": "same_party", "id": "v2:link", "parties": ["person:chen-mingguo",
                                                       "person:wang-mingshan"]},
    {"type": "retraction", "id": "v2:link:retracted", "same_party": "v2:link"},
    {"type": "decision", "id": "decision:c1", "customer": "c-1", "party": "person:adrian-zenz",
     "verdict": "false-positive", "reason": "born 1990"},
]


def event_classes() -> list[type]:
    """Every event class the domain stores (not the bases others extend)."""
    module = ledger.domain.aggregates
    classes = [cls for aggregate in vars(module).values()
               if inspect.isclass(aggregate) and aggregate.__module__ == module.__name__
               for cls in vars(aggregate).values()
               if inspect.isclass(cls) and isinstance(getattr(cls, "TOPIC", None), str)]
    return [cls for cls in classes
            if not any(other is not cls and issubclass(other, cls) for other in classes)]


def event_topics() -> set[str]:
    return {cls.TOPIC for cls in event_classes()}


def test_every_event_type_is_stored_as_eventsourcings_json_transcoder_writes_it(
        sqlite_ledger: SanctionsLedger, clock):
    record_path(sqlite_ledger, dataset_path("xinjiang-2021"))
    clock.advance()
    record(sqlite_ledger, *AFTERWARDS)
    reference = JSONTranscoder()
    SanctionsLedger.register_transcodings(sqlite_ledger, reference)
    assert any(isinstance(t, DateAsISO) for t in reference.types.values())
    seen = set()
    for stored in sqlite_ledger.recorder.select_notifications(start=0, limit=10**6):
        state = reference.decode(stored.state)
        assert sqlite_ledger.mapper.transcoder.encode(state) == reference.encode(state)
        assert reference.encode(state) == stored.state
        seen.add(stored.topic)
    assert seen == event_topics()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=12)


@given(JSON_VALUES)
@example({"big": 2**70, "escaped": "\x00\x1f\"\\\u2028\u00e9\U0001f600", "none": None})
def test_a_line_is_filed_as_the_json_module_writes_it_compactly(value):
    """The filed text is what idempotent re-imports compare and ``export`` writes back:
    orjson must not change it (integers beyond 64 bits go through json)."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        expected.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: refused before a line is filed
        return
    assert compact(value) == expected
