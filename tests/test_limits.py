"""Documented limits (docs/interchange.md): refused with the line number, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from conftest import record
from ledger.domain.rules import MAX_NAMES_PER_PARTY
from ledger.errors import LineError
from ledger.interchange.lines import MAX_LINE_BYTES, MAX_TEXT

PERSON = {"type": "party", "id": "p:1", "kind": "person", "name": "Chen Mingguo"}
AUTHORITY = {"type": "party", "id": "auth:eu", "kind": "authority", "name": "Council of the EU"}


def refused(ledger, *lines) -> str:
    before = ledger.stored_events()
    with pytest.raises(LineError) as caught:
        record(ledger, *lines)
    assert ledger.stored_events() == before, "nothing of a refused file is written"
    return str(caught.value)


def test_a_line_over_the_line_limit_is_refused_with_its_line_number(ledger):
    line = json.dumps({**PERSON, "note": "x" * (MAX_LINE_BYTES + 10)})
    message = refused(ledger, AUTHORITY, line)
    assert message == (f"line 2: the line is {len(line):,} bytes long, over the "
                       f"limit of {MAX_LINE_BYTES:,} bytes per line")


def line_of(size: int, ident: str = "p:1") -> str:
    """A party line of exactly ``size`` bytes of UTF-8, each text within the text limit."""
    aliases = ["a" * 60_000 for _ in range(size // 60_000)]
    base = json.dumps({**PERSON, "id": ident, "aliases": [*aliases, "é"]}, ensure_ascii=False)
    return base.replace('"é"', '"' + "a" * (size - len(base.encode())) + 'é"')


def test_a_line_at_the_line_limit_is_read_and_one_byte_more_is_refused(ledger, tmp_path):
    from conftest import record_path

    at_limit, over = line_of(MAX_LINE_BYTES), line_of(MAX_LINE_BYTES + 1, "p:2")
    assert len(at_limit.encode()) == MAX_LINE_BYTES
    path = tmp_path / "long.jsonl"
    path.write_text(at_limit + "\r\n" + over + "\n", encoding="utf-8")
    with pytest.raises(LineError, match=r"^line 2: the line is 1,048,577 bytes long"):
        record_path(ledger, path)
    path.write_text(at_limit + "\n", encoding="utf-8")
    assert record_path(ledger, path).recorded == {"party": 1}


@pytest.mark.parametrize("field", ["name", "note"])
def test_a_text_over_the_text_limit_is_refused_with_its_line_number(ledger, field):
    message = refused(ledger, {**PERSON, field: "y" * (MAX_TEXT + 1)})
    assert message == (f"line 1: field '{field}' is {MAX_TEXT + 1:,} characters long, "
                       f"over the limit of {MAX_TEXT:,}")


def test_an_alias_in_a_list_over_the_text_limit_is_refused(ledger):
    message = refused(ledger, {**PERSON, "aliases": ["ok", "z" * (MAX_TEXT + 1)]})
    assert message.startswith("line 1: field 'aliases' is 65,537 characters long")


def test_a_party_line_with_more_names_than_the_limit_is_refused(ledger):
    aliases = [f"Alias {n}" for n in range(MAX_NAMES_PER_PARTY)]
    message = refused(ledger, {**PERSON, "aliases": aliases})
    assert message == (f"line 1: a party has at most {MAX_NAMES_PER_PARTY:,} names (its name "
                       f"and aliases): this would give it {MAX_NAMES_PER_PARTY + 1:,}")
    record(ledger, {**PERSON, "aliases": aliases[:-1]})


def test_alias_lines_beyond_the_names_limit_are_refused_across_files(ledger):
    record(ledger, {**PERSON, "aliases": [f"Alias {n}" for n in range(MAX_NAMES_PER_PARTY - 2)]})
    alias = {"type": "alias", "party": "p:1"}
    message = refused(ledger, {**alias, "id": "a:1", "name": "Last One"},
                      {**alias, "id": "a:2", "name": "One Too Many"})
    assert message == (f"line 2: a party has at most {MAX_NAMES_PER_PARTY:,} names (its name "
                       f"and aliases): this would give it {MAX_NAMES_PER_PARTY + 1:,}")


@pytest.mark.parametrize("where", [
    {"name": "Chen\u0000Mingguo"},
    {"aliases": ["ok", "Chen\u0000"]},
    {"note": "\u0000"},
    {"attributes": {"passport\u0000": "X"}},
])
def test_a_nul_character_in_text_is_refused_at_import_with_its_line_number(ledger, where):
    message = refused(ledger, AUTHORITY, {**PERSON, **where})
    assert message.startswith("line 2: field '")
    assert message.endswith("contains a NUL character (\\u0000), which cannot be stored")


def test_a_nul_character_in_a_screening_query_names_no_party_and_the_batch_goes_on(ledger):
    record(ledger, AUTHORITY, PERSON,
           {"type": "designation", "id": "eu:1", "authority": "auth:eu", "target": "p:1",
            "measures": ["asset_freeze"], "effective_from": "2021-03-22"})
    answers = list(ledger.screen(["Chen\u0000Mingguo", "Chen Mingguo", "p:1\u0000"],
                                 at=date(2021, 3, 23), known_at=datetime(2100, 1, 1, tzinfo=UTC)))
    assert [(a.query, a.status, a.matches) for a in answers] == [
        ("Chen\u0000Mingguo", "unknown", []), ("Chen Mingguo", "match", ["p:1"]),
        ("p:1\u0000", "unknown", [])]
