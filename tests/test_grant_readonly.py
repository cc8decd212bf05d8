"""`db grant-readonly` never leaves a role that can write believing it is read-only."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import SPEC_EXAMPLES, reset_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(postgres_url: str) -> str:
    reset_postgres(postgres_url)
    result = CliRunner().invoke(main, ["--db", postgres_url, "import",
                                       str(SPEC_EXAMPLES / "stage1.jsonl")])
    assert result.exit_code == 0, result.output
    return postgres_url


@pytest.fixture
def role(role_name: str) -> str:
    return role_name


def grant(db: str, role: str):
    return CliRunner().invoke(main, ["--db", db, "db", "grant-readonly", role])


def privileges(db: str, role: str) -> list[tuple[str, str]]:
    with psycopg.connect(db) as conn:
        return conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s ORDER BY 1, 2", (role,)).fetchall()


def test_grant_readonly_refuses_a_role_that_can_already_write_and_names_its_privileges(
        db, role):
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role}")
        conn.execute(f"GRANT INSERT, DELETE ON recorded_lines TO {role}")
        conn.execute(f"GRANT UPDATE ON sanction_spans TO {role}")
    before = privileges(db, role)
    result = grant(db, role)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: role {role} can already write the ledger (INSERT, DELETE on recorded_lines; "
        "UPDATE on sanction_spans): revoke that first, or grant a new role\n")
    assert privileges(db, role) == before


def test_grant_readonly_refuses_a_superuser(db):
    result = grant(db, "postgres")
    assert result.exit_code == 1
    assert result.output == ("Error: role postgres is a superuser and can write everything: "
                             "it cannot be made read-only\n")


def test_grant_readonly_twice_on_the_same_reading_role_is_harmless(db, role):
    assert grant(db, role).exit_code == 0
    again = grant(db, role)
    assert again.exit_code == 0, again.output
    assert {privilege for _, privilege in privileges(db, role)} == {"SELECT"}
