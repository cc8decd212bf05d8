"""Whatever a line holds, the ledger records it or refuses it with a line error: no traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import record
from ledger.errors import LineError
from ledger.interchange import LINE_TYPES

FIELDS = sorted({name for line in LINE_TYPES.values() for name in line.__struct_fields__}
                | {"type"})
KNOWN_IDS = ["auth:eu", "person:a", "d1", "src:reg", "nobody"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.sampled_from(KNOWN_IDS + list(LINE_TYPES) + ["2021-03-22", "2021-02-30",
                                                                "asset_freeze", ""]),
                    st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3)), max_leaves=6)
lines = st.builds(
    lambda kind, ident, rest: {"type": kind, "id": ident, **rest},
    st.one_of(st.sampled_from(list(LINE_TYPES)), values),
    st.one_of(st.just("fresh:1"), st.sampled_from(KNOWN_IDS), values),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=7))
BASE = [
    {"type": "source", "id": "src:reg", "publisher": "P", "title": "T"},
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "EU"},
    {"type": "party", "id": "person:a", "kind": "person", "name": "A"},
    {"type": "designation", "id": "d1", "authority": "auth:eu", "target": "person:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=lines)
def test_any_json_object_is_recorded_or_refused_with_its_line_number(sqlite_ledger, line):
    record(sqlite_ledger, *BASE)
    try:
        record(sqlite_ledger, json.dumps(line))
    except LineError as refused:
        assert refused.lineno == 1
