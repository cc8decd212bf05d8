"""A database that is not a ledger is left exactly as it was: read commands create nothing
in it, and neither an import nor a migration writes a ledger into somebody else's tables."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from cli.main import main
from conftest import ledger_url
from ledger.datasets import dataset_path

COMMANDS = [["in-force", "X"], ["parties"], ["verify"], ["export"], ["db", "upgrade"],
            ["import", str(dataset_path("xinjiang-2021"))]]


def run(db: str, *args: str):
    return CliRunner().invoke(main, ["--db", db, *args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_sqlite_file_that_is_not_a_ledger_stays_byte_identical(tmp_path, command):
    customers = tmp_path / "customers.db"
    with closing(sqlite3.connect(customers)) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'Chen Mingguo')")
        conn.commit()
    before = digest(customers)
    result = run(str(customers), *command)
    assert result.exit_code == 1
    assert result.output.endswith("is not a sanctions ledger (it holds customers); "
                                  "nothing was changed\n")
    assert digest(customers) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.db"]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_that_is_not_a_ledger_gets_no_ledger_tables_on_either_backend(
        location, command):
    engine = create_engine(location.sqlalchemy_url())
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER, name TEXT)"))
    result = run(ledger_url(location), *command)
    assert result.exit_code == 1, result.output
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["customers"]
    engine.dispose()


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] not in ("import", "db")],
                         ids=" ".join)
def test_a_read_command_on_an_empty_database_says_there_is_no_ledger_and_creates_nothing(
        location, command):
    if location.backend == "sqlite":
        location.path.write_bytes(b"")
    result = run(ledger_url(location), *command)
    assert (result.exit_code, result.output) == (
        1, f"Error: no ledger at {location.display}: import a file or a dataset first\n")
    engine = create_engine(location.sqlalchemy_url())
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()
