"""PostgreSQL specifics: a read-only role for screening jobs, a fresh database opened at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import PG_ADMIN, Clock, ledger_url, record
from ledger.application import SanctionsLedger
from ledger.read import SCHEMA_REVISION
from ledger.settings import resolve_location

pytestmark = pytest.mark.postgres

LINES = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union"},
    {"type": "party", "id": "person:a", "kind": "person", "name": "Person A"},
    {"type": "designation", "id": "eu:a", "authority": "auth:eu", "target": "person:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
]


@pytest.fixture
def pg_location(postgres_url: str):
    from conftest import reset_postgres

    reset_postgres(postgres_url)
    return resolve_location(postgres_url)


@pytest.fixture
def screening_role(role_name: str) -> str:
    return role_name


def as_role(location, role: str) -> psycopg.Connection:
    return psycopg.connect(host=location.host, port=location.port, user=role,
                           dbname=location.dbname, autocommit=True)


def grant(location, role: str, *flags: str):
    return CliRunner().invoke(main, ["--db", location.sqlalchemy_url().replace("+psycopg", ""),
                                     "db", "grant-readonly", role, *flags])


def test_a_read_only_role_can_select_every_ledger_table_and_change_none(
        pg_location, screening_role, clock: Clock):
    with closing(SanctionsLedger(pg_location, clock=clock)) as ledger:
        record(ledger, *LINES)
        events = ledger.recorder.events_table_name
    result = grant(pg_location, screening_role, "--login")
    assert result.exit_code == 0, result.output
    assert f"Role {screening_role} can now read" in result.output
    with as_role(pg_location, screening_role) as conn:
        for table in (events, "event_chain", "recorded_lines", "sanction_spans"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
        for statement in ("INSERT INTO projection_position VALUES ('x', 0)",
                          "UPDATE recorded_lines SET type = 'x'",
                          "DELETE FROM sanction_spans",
                          f"DELETE FROM {events}",
                          "CREATE TABLE intruder (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_read_only_role_answers_queries_without_writing_the_read_model(
        pg_location, screening_role, clock: Clock):
    with closing(SanctionsLedger(pg_location, clock=clock)) as ledger:
        record(ledger, *LINES)
    assert grant(pg_location, screening_role, "--login").exit_code == 0
    reader_location = resolve_location(
        f"postgresql://{screening_role}@{pg_location.host}:{pg_location.port}/"
        f"{pg_location.dbname}")
    with closing(SanctionsLedger(reader_location, clock=clock)) as reader:
        assert reader.read_only
        answer = reader.get_in_force("Person A", at=date(2021, 4, 1), known_at=clock.advance())
        assert [s.id for s in answer.sanctions] == ["eu:a"]
    asked = CliRunner().invoke(main, ["--db", ledger_url(reader_location), "in-force",
                                      "Person A", "--at", "2021-04-01", "--json"])
    assert asked.exit_code == 0, asked.output  # a lone question, on its plain connection
    assert [s["id"] for s in json.loads(asked.output)["sanctions"]] == ["eu:a"]


def test_an_auditors_read_only_role_verifies_a_checkpoint_and_proves_a_line(
        pg_location, screening_role, clock: Clock, tmp_path):
    with closing(SanctionsLedger(pg_location, clock=clock)) as ledger:
        record(ledger, *LINES)
    owner = ["--db", ledger_url(pg_location)]
    key, checkpoint = tmp_path / "key", tmp_path / "checkpoint"
    assert CliRunner().invoke(main, [*owner, "keygen", "--out", str(key)]).exit_code == 0
    taken = CliRunner().invoke(main, [*owner, "checkpoint", "--key", str(key), "--out",
                                      str(checkpoint)])
    assert taken.exit_code == 0, taken.output
    assert grant(pg_location, screening_role, "--login").exit_code == 0
    auditor = ["--db", f"postgresql://{screening_role}@{pg_location.host}:{pg_location.port}/"
                       f"{pg_location.dbname}"]
    result = CliRunner().invoke(main, [*auditor, "verify", "--checkpoint", str(checkpoint),
                                       "--public-key", f"{key}.pub"])
    assert result.exit_code == 0, result.output
    proof = tmp_path / "proof.json"
    result = CliRunner().invoke(main, [*auditor, "prove", "eu:a", "--out", str(proof)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["verify-proof", str(proof), "--public-key",
                                     f"{key}.pub"]).exit_code == 0


def test_a_role_granted_without_login_cannot_connect(pg_location, screening_role, clock):
    SanctionsLedger(pg_location, clock=clock).close()
    assert grant(pg_location, screening_role).exit_code == 0
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        as_role(pg_location, screening_role)


def test_grant_readonly_on_sqlite_explains_that_file_permissions_are_the_mechanism(tmp_path):
    db = str(tmp_path / "ledger.db")
    result = CliRunner().invoke(main, ["--db", db, "db", "grant-readonly", "screening"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: grant-readonly needs a PostgreSQL ledger: on SQLite the database file's "
        "permissions are the mechanism (e.g. chmod 640, group read)"]


OPEN = ("import sys\nfrom ledger.application import SanctionsLedger\n"
        "from ledger.settings import resolve_location\n"
        "SanctionsLedger(resolve_location(sys.argv[1])).close()\n")


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A brand-new, empty database (no tables at all), dropped afterwards."""
    name = f"sanctions_ledger_fresh_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_processes_opening_a_brand_new_database_at_once_all_succeed(fresh_database):
    opening = [subprocess.Popen([sys.executable, "-c", OPEN, fresh_database],
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    failures = [p.stderr.read() for p in opening if p.wait(timeout=60) != 0]
    assert failures == []
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)]
        triggers = conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE "
                                "'%append_only'").fetchone()
        assert triggers == (4,)  # events, chain, tree and checkpoints: once each


def import_generated(ledger: SanctionsLedger, folder, lines: int) -> None:
    """Import the shared base, then one generated file of ``lines`` lines."""
    from conftest import record_path, write_base_file, write_generated_file

    base, big = folder / "base.jsonl", folder / "big.jsonl"
    write_base_file(base)
    write_generated_file(big, "big", lines)
    record_path(ledger, base)
    record_path(ledger, big)


def test_an_answer_reads_each_cited_line_by_its_id_before_any_statistics_exist(
        pg_location, tmp_path):
    """Right after a large import PostgreSQL has no statistics on the new rows: joined
    plainly, the lines an authority's list cites were read by a hash join over every
    recorded line, once per span (half a second for 800 sanctions of 6,000 lines)."""
    from conftest import BASE_AUTHORITIES
    from ledger.read.sql import DIALECTS, SPANS_IMPOSED_BY_CITING

    with closing(SanctionsLedger(pg_location)) as ledger:
        import_generated(ledger, tmp_path, 4000)
        statement = DIALECTS["postgresql"].sql(SPANS_IMPOSED_BY_CITING)
        with ledger.engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(f"EXPLAIN {statement}",
                           (BASE_AUTHORITIES[0], date(2021, 6, 1), date(2021, 6, 1),
                            "2100-01-01", "2100-01-01"))
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on recorded_lines" not in plan, plan
    assert "recorded_lines_line_id_key on recorded_lines" in plan, plan


def test_a_large_import_keeps_postgresql_statistics_up_with_the_rows_it_writes(
        pg_location, postgres_url, tmp_path):
    """An import is one transaction, so autovacuum never sees its rows until it commits:
    planned for the empty tables it started from, its known-line lookup read every
    party once per batch, and a large import slowed as it grew."""
    with closing(SanctionsLedger(pg_location)) as ledger:
        import_generated(ledger, tmp_path, 12_000)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        analysed = dict(conn.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables "
            "WHERE relname IN ('parties', 'recorded_lines', 'sanction_spans')").fetchall())
        estimated = conn.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'recorded_lines'").fetchone()
    assert sorted(analysed) == ["parties", "recorded_lines", "sanction_spans"]
    assert min(analysed.values()) >= 1, analysed  # ANALYZE, not autovacuum's
    assert estimated[0] >= 5_000, "the statistics counted the import's own rows"
