"""Schema administration of the read model (Alembic), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import click


def _engine():
    from cli.params import ledger_location
    from ledger.read.database import create_read_engine

    return create_read_engine(ledger_location())


@click.group()
def db() -> None:
    """Migrate the read-model schema: upgrade, downgrade, current."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the read model to REVISION (default: head)."""
    _migrate("upgrade", revision)


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the read model to REVISION ('base' removes it; rebuild restores it)."""
    _migrate("downgrade", revision)


def _migrate(direction: str, revision: str) -> None:
    """Run Alembic in one transaction on the ledger named by --db, queued behind any
    import or rebuild: SQLite's write lock would otherwise give up on a long import
    after its busy timeout, and a migration must not change tables under a writer."""
    import migrations
    from cli.params import interactive, ledger_location
    from cli.recording import WAITING
    from ledger.store.locks import WRITER, ledger_lock

    location = ledger_location()
    on_wait = (lambda: click.echo(WAITING, err=True)) if interactive(False) else None
    engine = _engine()
    try:
        with engine.connect() as conn:  # before the lock, which leaves a file beside SQLite's
            migrations.refuse_what_is_no_ledger(conn)
        with ledger_lock(location, WRITER, on_wait), engine.begin() as conn:
            before, after = migrations.migrate(conn, direction, revision)
    finally:
        engine.dispose()
    if before == after or (before is None and after == "base"):
        click.echo(f"The read model is already at {after}; nothing changed.")
    else:
        click.echo(f"Read model {direction}d from {before or 'base'} to {after}.")


@db.command()
def current() -> None:
    """Print the read model's revision and the revision this version expects."""
    from ledger.read import SCHEMA_REVISION
    from ledger.read.database import current_revision

    engine = _engine()
    found = current_revision(engine)
    engine.dispose()
    click.echo(f"current: {found or 'none'}\nexpected: {SCHEMA_REVISION}")


@db.command("grant-readonly")
@click.argument("role")
@click.option("--login", is_flag=True, help="Create the role with LOGIN (default: NOLOGIN).")
def grant_readonly(role: str, login: bool) -> None:
    """Give ROLE read access to every ledger table and nothing else (PostgreSQL).

    For screening jobs: such a role answers queries from the read model that
    the writers keep current (each import catches it up); it cannot write.
    """
    from cli.params import ledger_location, open_ledger
    from ledger.errors import LedgerError
    from ledger.read.database import grant_read_only

    if ledger_location().backend != "postgresql":
        raise LedgerError("grant-readonly needs a PostgreSQL ledger: on SQLite the database "
                          "file's permissions are the mechanism (e.g. chmod 640, group read)")
    with open_ledger() as ledger:
        tables = grant_read_only(ledger.engine, role, ledger.written_tables(), login=login)
    click.echo(f"Role {role} can now read {len(tables)} tables ({', '.join(tables)}) "
               "and write none.")
