"""The writer lock: only writers can take it, and a waiting writer says so and can give up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import SPEC_EXAMPLES, ledger_url
from ledger.application import SanctionsLedger
from ledger.errors import ReadOnlyLedgerError
from ledger.settings import resolve_location
from ledger.store.locks import WRITER, advisory_key, ledger_lock


def run(location, *args: str):
    return CliRunner().invoke(main, ["--db", ledger_url(location), *args])


@pytest.fixture
def held(location) -> Iterator[threading.Event]:
    """The writer lock of a set-up ledger, held by another thread (as by another import)
    until the test ends or sets the event."""
    SanctionsLedger(location).close()
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with ledger_lock(location, WRITER):
            taken.set()
            done.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(10)
    yield done
    done.set()
    thread.join()


def test_a_waiting_writer_says_so_and_gives_up_after_wait_seconds(location, held):
    for command in (["import", str(SPEC_EXAMPLES / "stage1.jsonl")], ["rebuild"]):
        result = run(location, *command, "--wait", "0.5")
        assert result.exit_code == 1, result.output
        assert result.stderr == (  # the waiting line is shown on a terminal only
            "Error: another import or rebuild still holds the ledger after 0.5 s "
            "of waiting: gave up, nothing was written\n")
    with closing(SanctionsLedger(location)) as ledger:
        assert ledger.stored_events() == 0


def test_a_writer_told_to_wait_goes_ahead_once_the_lock_is_free(location, held):
    threading.Timer(1, held.set).start()
    result = run(location, "import", str(SPEC_EXAMPLES / "stage1.jsonl"), "--wait", "20")
    assert result.exit_code == 0, result.output


@pytest.mark.postgres
def test_a_read_only_role_can_neither_take_the_writer_lock_nor_stall_an_import(
        postgres_url, role_name):
    from conftest import reset_postgres

    reset_postgres(postgres_url)
    location = resolve_location(postgres_url)
    assert run(location, "import", str(SPEC_EXAMPLES / "stage1.jsonl")).exit_code == 0
    assert run(location, "db", "grant-readonly", role_name, "--login").exit_code == 0
    reader = resolve_location(postgres_url.replace("postgres@", f"{role_name}@"))
    with psycopg.connect(ledger_url(reader).replace("+psycopg", ""), autocommit=True) as conn:
        # What any role could do to the old lock: hold its advisory key, in a transaction.
        conn.execute("SELECT pg_advisory_lock(%s)", (advisory_key(WRITER),))
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM recorded_lines")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT id FROM sanctions_ledger_writer FOR UPDATE")
        conn.execute("ROLLBACK")
        with pytest.raises(ReadOnlyLedgerError, match="this role may only read the ledger"), \
                ledger_lock(reader, WRITER):
            pass
        result = run(location, "import", str(SPEC_EXAMPLES / "stage2.jsonl"), "--wait", "10")
        assert result.exit_code == 0, result.output
