"""Alembic owns the read-model schema: head is what the code expects, every step reverses.

Each test runs on SQLite and on PostgreSQL (the ``location`` fixture).
"""

from __future__ import annotations

import threading
from contextlib import closing
from datetime import date

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Engine, inspect

import migrations
from cli.main import main
from conftest import (
    Clock,
    ledger_url,
    read_model_rows,
    record,
    record_path,
    schema_differences,
    write_base_file,
    write_generated_file,
)
from ledger.application import SanctionsLedger
from ledger.errors import UnknownPartyError
from ledger.read import SCHEMA_REVISION
from ledger.read.database import create_read_engine, current_revision
from ledger.read.schema import metadata
from ledger.settings import LedgerLocation
from ledger.store.locks import WRITER, ledger_lock

LINES = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union"},
    {"type": "party", "id": "person:a", "kind": "person", "name": "Person A"},
    {"type": "designation", "id": "eu:a", "authority": "auth:eu", "target": "person:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
]
LIFTING = {"type": "lifting", "id": "eu:a:lift", "sanction": "eu:a",
           "effective_from": "2021-06-01"}


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(migrations._config(None))  # type: ignore[arg-type]
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def migrate(engine: Engine, step: str, revision: str) -> None:
    with engine.begin() as conn:
        getattr(migrations, step)(conn, revision)


def cli(location: LedgerLocation, *args: str):
    return CliRunner().invoke(main, ["--db", ledger_url(location), *args])


@pytest.fixture
def engine(location: LedgerLocation):
    engine = create_read_engine(location)
    yield engine
    engine.dispose()


def test_the_code_expects_the_newest_migration():
    assert revisions()[-1] == migrations.head_revision() == SCHEMA_REVISION


def test_an_empty_database_upgraded_to_head_has_exactly_the_schema_of_the_code(engine):
    migrate(engine, "upgrade", "head")
    assert schema_differences(engine) == []


def test_every_migration_downgrades_and_upgrades_again(engine):
    migrate(engine, "upgrade", "head")
    steps = revisions()
    for older, newer in zip(["base", *steps], steps, strict=False):
        migrate(engine, "downgrade", older)
        assert current_revision(engine) == (None if older == "base" else older)
        migrate(engine, "upgrade", newer)
    assert current_revision(engine) == steps[-1]
    assert schema_differences(engine) == []


def test_downgrading_to_base_leaves_only_the_event_tables(location, engine, clock: Clock):
    SanctionsLedger(location, clock=clock).close()
    migrate(engine, "downgrade", "base")
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert not left & {t.name for t in metadata.sorted_tables}
    assert "event_chain" in left


def answers(ledger: SanctionsLedger, known_at) -> list:
    return [[(s.id, s.measures, s.effective_until, s.evidence) for s in
             ledger.get_in_force("Person A", at=day, known_at=known_at).sanctions]
            for day in (date(2021, 3, 21), date(2021, 4, 1), date(2021, 6, 1))]


@pytest.fixture
def ledger_at_0001(location: LedgerLocation, engine: Engine, clock: Clock):
    """A ledger with data whose read model is at 0001, and its answers before that."""
    ledger = SanctionsLedger(location, clock=clock)
    record(ledger, *LINES)
    middle = clock.advance()
    clock.advance()
    record(ledger, LIFTING)
    now = clock.advance()
    before = {"middle": answers(ledger, middle), "now": answers(ledger, now)}
    ledger.close()
    migrate(engine, "downgrade", "0001")
    return before, middle, now


def test_a_ledger_at_an_older_revision_refuses_to_open_and_says_to_upgrade(
        location, ledger_at_0001):
    result = cli(location, "in-force", "Person A")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: the ledger's read model is at revision 0001, this version needs "
        f"{SCHEMA_REVISION}: run 'sanctions-ledger db upgrade'"]


def test_db_current_upgrade_and_downgrade_report_what_they_did(location, ledger_at_0001):
    assert cli(location, "db", "current").output == f"current: 0001\nexpected: {SCHEMA_REVISION}\n"
    assert cli(location, "db", "upgrade").output == \
        f"Read model upgraded from 0001 to {SCHEMA_REVISION}.\n"
    assert cli(location, "db", "current").output == \
        f"current: {SCHEMA_REVISION}\nexpected: {SCHEMA_REVISION}\n"
    assert cli(location, "db", "downgrade", "0001").output == \
        f"Read model downgraded from {SCHEMA_REVISION} to 0001.\n"


def test_an_upgrade_waits_for_a_running_import_instead_of_failing_on_a_lock(
        location, ledger_at_0001):
    """An import holds the writer lock (and SQLite's write lock) for its whole file:
    a migration started meanwhile queues behind it, then runs."""
    done: list = []
    with ledger_lock(location, WRITER):
        upgrading = threading.Thread(target=lambda: done.append(cli(location, "db", "upgrade")))
        upgrading.start()
        upgrading.join(0.5)
        assert not done, "the upgrade ran while a writer held the ledger"
    upgrading.join(30)
    assert done[0].exit_code == 0, done[0].output
    assert cli(location, "db", "current").output.startswith(f"current: {SCHEMA_REVISION}\n")


def test_a_ledger_with_data_at_0001_upgrades_and_answers_as_before(
        location, ledger_at_0001, clock: Clock):
    before, middle, now = ledger_at_0001
    result = cli(location, "db", "upgrade")
    assert result.exit_code == 0, result.output
    ledger = SanctionsLedger(location, clock=clock)
    assert {"middle": answers(ledger, middle), "now": answers(ledger, now)} == before
    ledger.close()


def test_the_schema_comparison_sees_what_0002_added(engine):
    migrate(engine, "upgrade", "0001")
    found = {(diff[0], getattr(diff[-1], "name", None)) for diff in schema_differences(engine)}
    assert found == {("add_column", "complete_until"),
                     ("add_index", "ix_recorded_lines_recorded_at"),
                     ("add_index", "ix_party_names_party_id"),  # and what 0003 added
                     ("add_table", "list_entries"), ("add_table", "list_snapshots"),
                     *(("add_column", name) for name in (  # and what 0006 added
                         "programs", "legal_bases", "start_window", "unsure_window")),
                     *(("add_column", column) for column in (  # and 0004
                         "recorded_from", "recorded_until", "valid_from", "valid_until")),
                     ("add_table", "screening_keys"),  # and 0007
                     ("add_index", "ix_screening_keys_key")}


def test_a_ledger_at_0003_upgrades_to_names_as_known_exactly_as_a_rebuild_writes_them(
        location, engine, clock: Clock):
    """0004 gives each party and name the recorded time it became known, from the recorded
    lines: names from a party line and from a later alias line, the same name from both."""
    ledger = SanctionsLedger(location, clock=clock)
    record(ledger, *LINES)
    first = clock.now
    clock.advance()
    record(ledger, {"type": "alias", "id": "a:1", "party": "person:a", "name": "Ex Official"},
           {"type": "alias", "id": "a:2", "party": "person:a", "name": "Person A"},
           {"type": "party", "id": "person:b", "kind": "person", "name": "Person B",
            "aliases": ["Ex Official"]})
    names_before = [(p.id, p.names) for p in ledger.find_parties()]
    ledger.close()
    migrate(engine, "downgrade", "0003")
    assert cli(location, "db", "upgrade").exit_code == 0  # and 0007 writes the name keys
    with closing(SanctionsLedger(location, clock=clock)) as upgraded:
        migrated = read_model_rows(upgraded)
        assert [(p.id, p.names) for p in upgraded.find_parties()] == names_before
        assert [p.id for p in upgraded.find_parties("official", known_at=first)] == []
        with pytest.raises(UnknownPartyError):
            upgraded.get_in_force("Ex Official", at=date(2021, 4, 1), known_at=first)
        upgraded.rebuild_read_model()
        assert read_model_rows(upgraded) == migrated
        assert schema_differences(engine) == []


# A bulk write on SQLite drops the question-only indexes and builds them again before
# it commits (ledger.read.database.SecondaryIndexes): whatever happens, the schema
# stays exactly the migrations'. Two batches of 2000 lines: the drop comes after the first.
# (An import failing after the drop: tests/test_two_processes.py.)

def test_a_large_import_and_a_rebuild_leave_the_schema_exactly_as_migrated(
        location, engine, clock: Clock, tmp_path):
    base, big = tmp_path / "base.jsonl", tmp_path / "big.jsonl"
    write_base_file(base)
    write_generated_file(big, "big", 2500)
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record_path(ledger, base)
        clock.advance()
        assert record_path(ledger, big).total_recorded == 2500
        assert schema_differences(engine) == []
        projected = read_model_rows(ledger)
        ledger.rebuild_read_model()
        assert schema_differences(engine) == []
        assert read_model_rows(ledger) == projected
        answer = ledger.get_in_force("big person 1", at=date(2021, 4, 1), known_at=clock.now)
        assert [s.id for s in answer.sanctions] == ["big:s:1"]


def test_verify_needs_only_the_events_and_works_at_an_old_read_model_revision(
        location, ledger_at_0001):
    result = cli(location, "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 4 events, chain intact.")
