"""Fixtures shared by every test: a ledger on each backend, a clock the test controls.

The ``ledger`` fixture runs each scenario on SQLite and on the PostgreSQL
server at 127.0.0.1:5432. PostgreSQL tests are never skipped: without the
server the session fails and says how to start it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.application import SanctionsLedger
from ledger.interchange import read_objects
from ledger.settings import LedgerLocation, resolve_location
from ledger.write.recording import RecordingSummary

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
START_POSTGRES = ("PostgreSQL is not reachable at 127.0.0.1:5432; start it with: "
                  "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
FIXTURES = Path(__file__).resolve().parent / "fixtures"  # origins: fixtures/README.md
SPEC_EXAMPLES = FIXTURES / "spec"


class Clock:
    """A clock the test moves by hand, so recorded times are exact and ordered."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta) if delta else timedelta(hours=1)
        return self.now


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, dropped afterwards."""
    import psycopg

    name = f"sanctions_ledger_test_{os.getpid()}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError:
        pytest.fail(START_POSTGRES, pytrace=False)
    admin.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture
def role_name(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL role name for this test, with the pid (roles belong to the whole
    server, not to the session's database); dropped with its grants afterwards."""
    import psycopg

    role = f"ledger_role_{os.getpid()}"
    yield role
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test asking for the server is marked ``postgres`` even if its author forgot, so
    ``make test-fast`` (``-m "not postgres and not slow"``) never needs PostgreSQL."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def reset_postgres(url: str) -> None:
    """Empty the test database between tests (DROP passes the append-only triggers)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> LedgerLocation:
    """Where the test's ledger lives: a SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return resolve_location(str(tmp_path / "ledger.db"))
    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    return resolve_location(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(location: LedgerLocation, clock: Clock) -> Iterator[SanctionsLedger]:
    app = SanctionsLedger(location, clock=clock)
    yield app
    app.close()


@pytest.fixture
def sqlite_ledger(tmp_path: Path, clock: Clock) -> Iterator[SanctionsLedger]:
    """For tests about the SQLite file itself."""
    app = SanctionsLedger(resolve_location(str(tmp_path / "ledger.db")), clock=clock)
    yield app
    app.close()


def record(ledger: SanctionsLedger, *lines: dict[str, Any] | str) -> RecordingSummary:
    """Record the given lines (dicts or raw text) as one file."""
    import json

    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    return ledger.record_file(read_objects(text))


def record_path(ledger: SanctionsLedger, path: Path) -> RecordingSummary:
    with path.open("rb") as stream:
        return ledger.record_file(read_objects(stream))


Recorder = Callable[..., RecordingSummary]


@pytest.fixture
def frozen_time_storable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let ledgers store freezegun's fake dates and times (the transcoder matches exact types).

    Test-only: under ``freeze_time`` the clock and the parsed dates are
    FakeDatetime / FakeDate, registered here under the real types' wire names.
    """
    from eventsourcing.persistence import DatetimeAsISO
    from freezegun.api import FakeDate, FakeDatetime

    from ledger.store.transcoding import DateAsISO

    class FakeDatetimeAsISO(DatetimeAsISO):
        type = FakeDatetime

    class FakeDateAsISO(DateAsISO):
        type = FakeDate

    register = SanctionsLedger.register_transcodings

    def register_with_fake(self: SanctionsLedger, transcoder: Any) -> None:
        register(self, transcoder)
        transcoder.register(FakeDatetimeAsISO())
        transcoder.register(FakeDateAsISO())

    monkeypatch.setattr(SanctionsLedger, "register_transcodings", register_with_fake)


# -- Several writers, killed processes: generated files and whole-state snapshots --

BASE_AUTHORITIES = ["base:auth:1", "base:auth:2", "base:auth:3"]


def write_base_file(path: Path, people: int = 20) -> list[str]:
    """The shared base: three authorities and some people later files designate."""
    import json

    lines = [{"type": "party", "id": a, "kind": "authority", "name": f"Authority {a[-1]}"}
             for a in BASE_AUTHORITIES]
    lines += [{"type": "party", "id": f"base:person:{n}", "kind": "person",
               "name": f"Base Person {n}"} for n in range(people)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return [line["id"] for line in lines]


def write_generated_file(path: Path, prefix: str, lines: int, base_people: int = 20) -> list[str]:
    """``lines`` lines with ids under ``prefix``: people, designations of them (every third
    against a base person), amendments and liftings of this file's own sanctions only, so
    that files recorded in any order answer alike. Needs the base file; returns the ids."""
    import json

    written: list[dict[str, Any]] = []
    n = 0
    while len(written) < lines:
        person = f"{prefix}:person:{n}"
        target = f"base:person:{n % base_people}" if n % 3 == 0 else person
        sanction = f"{prefix}:s:{n}"
        group = [
            {"type": "party", "id": person, "kind": "person", "name": f"{prefix} person {n}"},
            {"type": "designation", "id": sanction, "authority": BASE_AUTHORITIES[n % 3],
             "target": target, "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
        ]
        if n % 4 == 0:
            group.append({"type": "amendment", "id": f"{sanction}:amend", "sanction": sanction,
                          "effective_from": "2021-09-01", "measures": ["travel_ban"]})
        if n % 7 == 0:
            group.append({"type": "lifting", "id": f"{sanction}:lift", "sanction": sanction,
                          "effective_from": "2022-01-01"})
        written += group
        n += 1
    written = written[:lines]
    path.write_text("".join(json.dumps(line) + "\n" for line in written))
    return [line["id"] for line in written]


def read_model_rows(ledger: SanctionsLedger) -> dict[str, list[tuple[Any, ...]]]:
    """Every projected row, table by table and sorted: equal read models compare equal."""
    from sqlalchemy import select

    from ledger.read.schema import READ_MODEL_TABLES

    with ledger.engine.connect() as conn:
        return {table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for table in READ_MODEL_TABLES if table.name != "projection_position"}


def authority_answers(ledger: SanctionsLedger, known_at: datetime) -> dict[str, list[Any]]:
    """What each base authority's list says on a few days: independent of recorded times."""
    from datetime import date

    return {f"{authority} {day}": [
        (s.id, s.target, s.measures, s.effective_from, s.effective_until, sorted(s.evidence))
        for s in ledger.get_authority_list(authority, at=day, known_at=known_at).sanctions]
        for authority in BASE_AUTHORITIES
        for day in (date(2021, 3, 21), date(2021, 6, 1), date(2021, 12, 1), date(2022, 2, 1))}


def ledger_url(location: LedgerLocation) -> str:
    """The --db value of a location, for the CLI in a subprocess."""
    return str(location.path) if location.backend == "sqlite" else location.sqlalchemy_url()


def schema_differences(engine: Any) -> list[Any]:
    """What Alembic's autogenerate would change to make the read model match the code's
    metadata (tables, columns, indexes): empty when the schema is exactly the code's."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ledger.read.schema import metadata

    def read_model_only(obj: Any, name: Any, type_: str, reflected: bool,
                        compare_to: Any) -> bool:
        return not (type_ == "table" and reflected and compare_to is None)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "include_object": read_model_only})
        return list(compare_metadata(context, metadata))


def invoke(db: str, *args: str) -> Any:
    """Run the command line on the ledger ``db`` (a --db value) in this process."""
    from click.testing import CliRunner

    from cli.main import main

    return CliRunner().invoke(main, ["--db", db, *args])
