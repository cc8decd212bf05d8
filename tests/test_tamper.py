"""Tamper evidence: the store refuses edits, and ``verify`` catches the ones made around it.

Each test edits the SQLite file behind the ledger's back (after dropping the
append-only triggers, as an attacker with file access could) and checks that
``sanctions-ledger verify`` fails naming the first bad position.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cli.main import main
from conftest import Clock, record
from ledger.application import SanctionsLedger
from ledger.settings import resolve_location

LINES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "party", "id": "p:b", "kind": "person", "name": "Person B"},
    {"type": "designation", "id": "x:a", "authority": "auth:x", "target": "p:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
    {"type": "designation", "id": "x:b", "authority": "auth:x", "target": "p:b",
     "measures": ["travel_ban"], "effective_from": "2021-03-22"},
    {"type": "lifting", "id": "x:a:lift", "sanction": "x:a", "effective_from": "2022-01-01"},
]


@pytest.fixture
def db(tmp_path: Path, clock: Clock) -> Path:
    """A SQLite ledger with six events in two files, closed so that tests can edit it."""
    path = tmp_path / "ledger.db"
    app = SanctionsLedger(resolve_location(str(path)), clock=clock)
    record(app, *LINES[:4])
    clock.advance(hours=1)
    record(app, *LINES[4:])
    app.close()
    return path


def verify(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), "verify", *args])


def head_of(db: Path) -> str:
    return json.loads(verify(db, "--json").output)["head"]


@contextmanager
def tampered(db: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection to the ledger file with the append-only triggers dropped.

    Opening the ledger recreates the triggers, so a test drops them right before editing.
    """
    conn = sqlite3.connect(db, isolation_level=None)
    triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def tamper(db: Path) -> Iterator[sqlite3.Connection]:
    with tampered(db) as conn:
        yield conn


def test_an_untouched_ledger_verifies_and_prints_its_head(db):
    result = verify(db)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 6 events, chain and Merkle tree intact. Head: 6:")
    assert len(result.output.split("Head: 6:")[1].strip()) == 64


def test_the_written_down_head_verifies_later(db):
    head = head_of(db)
    result = verify(db, "--expect-head", head)
    assert result.exit_code == 0, result.output


def test_a_different_expected_head_fails(db):
    result = verify(db, "--expect-head", "6:" + "0" * 64)
    assert result.exit_code == 1
    assert "not the expected " + "0" * 64 in result.output
    as_json = verify(db, "--json", "--expect-head", "6:" + "0" * 64)
    assert json.loads(as_json.stdout)["ok"] is False


def test_a_head_written_down_still_verifies_after_the_ledger_grew(db, clock):
    head = head_of(db)
    app = SanctionsLedger(resolve_location(str(db)), clock=clock)
    record(app, {"type": "party", "id": "p:c", "kind": "person", "name": "Person C"})
    app.close()
    result = verify(db, "--expect-head", head)
    assert result.exit_code == 0, result.output
    assert f"OK: the log still holds head {head}" in result.output
    assert head_of(db).startswith("7:")


def test_a_bare_hash_as_older_versions_printed_is_looked_up_along_the_chain(db):
    bare = head_of(db).split(":")[1]
    assert verify(db, "--expect-head", bare).exit_code == 0
    result = verify(db, "--expect-head", "f" * 64)
    assert result.exit_code == 1
    assert f"no event's hash is {'f' * 64}" in result.output


def test_a_head_that_is_not_position_and_hash_is_one_error(db):
    result = verify(db, "--expect-head", "six:abc")
    assert result.exit_code == 1
    assert result.output == ("Error: 'six:abc' is not a head: expected POSITION:HASH, "
                             "e.g. 99:3f2a... (64 hex digits)\n")


def test_editing_a_stored_event_fails_at_its_position(db, tamper):
    tamper.execute("UPDATE stored_events SET state = replace(state, 'asset_freeze', "
                   "'travel_ban') WHERE rowid = 4")
    result = verify(db)
    assert result.exit_code == 1
    assert "Error: verification failed at position 4: the event's content does not match" \
        in result.output


def test_deleting_a_stored_event_fails_at_its_position(db, tamper):
    tamper.execute("DELETE FROM stored_events WHERE rowid = 2")
    result = verify(db)
    assert result.exit_code == 1
    assert "verification failed at position 2" in result.output


def test_deleting_the_last_event_and_its_chain_link_fails_the_written_down_head(db):
    head = head_of(db)
    with tampered(db) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = 6")
        conn.execute("DELETE FROM event_chain WHERE position = 6")
    assert verify(db).exit_code == 0  # the rows left are consistent: only what was kept out
    result = verify(db, "--expect-head", head)
    assert result.exit_code == 1
    assert "the ledger ends at position 5, before the expected head at 6" in result.output


def test_swapping_two_stored_events_fails_at_the_first_of_them(db, tamper):
    columns = "originator_id, originator_version, topic, state"
    five, four = (tamper.execute(f"SELECT {columns} FROM stored_events WHERE rowid = ?",
                                 (n,)).fetchone() for n in (5, 4))
    tamper.execute("BEGIN")
    tamper.execute("UPDATE stored_events SET originator_version = -1 WHERE rowid IN (4, 5)")
    for rowid, row in ((4, five), (5, four)):
        tamper.execute("UPDATE stored_events SET originator_id = ?, originator_version = ?, "
                       "topic = ?, state = ? WHERE rowid = ?", (*row, rowid))
    tamper.execute("COMMIT")
    result = verify(db)
    assert result.exit_code == 1
    assert "verification failed at position 4" in result.output


def test_a_forged_event_inserted_at_the_end_fails_at_its_position(db, tamper):
    tamper.execute("INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                   "SELECT originator_id, 99, topic, state FROM stored_events WHERE rowid = 4")
    result = verify(db)
    assert result.exit_code == 1
    assert "verification failed at position 7" in result.output
    assert "inserted, removed or reordered" in result.output


def test_a_forged_event_inserted_into_a_gap_fails_at_its_position(db, tamper):
    tamper.execute("DELETE FROM stored_events WHERE rowid = 3")
    tamper.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, "
                   "topic, state) SELECT 3, originator_id, 99, topic, state FROM stored_events "
                   "WHERE rowid = 2")
    result = verify(db)
    assert result.exit_code == 1
    assert "verification failed at position 3" in result.output


def test_verify_json_names_the_bad_position(db, tamper):
    tamper.execute("UPDATE stored_events SET state = state || ' ' WHERE rowid = 5")
    result = verify(db, "--json")
    assert result.exit_code == 1
    assert '"bad_position": 5' in result.output
    assert '"ok": false' in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE {events} SET state = state",
    "DELETE FROM {events}",
    "UPDATE event_chain SET hash = 'x'",
    "DELETE FROM event_chain",
])
def test_the_database_refuses_update_and_delete_of_stored_events(ledger, statement):
    record(ledger, *LINES)
    events = ledger.recorder.events_table_name  # type: ignore[attr-defined]
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(text(statement.format(events=events)))
    assert ledger.verify().ok
    assert ledger.verify().chain.events == len(LINES)


@pytest.mark.postgres
def test_postgres_also_refuses_truncate(postgres_url, clock):
    from conftest import reset_postgres

    reset_postgres(postgres_url)
    app = SanctionsLedger(resolve_location(postgres_url), clock=clock)
    try:
        record(app, *LINES)
        table = app.recorder.events_table_name  # type: ignore[attr-defined]
        with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
        assert app.verify().ok
    finally:
        app.close()
