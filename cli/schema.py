"""Schema administration of the read model (Alembic), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import click


def _engine():  # noqa: ANN202
    from ledger.readmodel.database import create_read_engine
    from ledger.settings import resolve_location

    return create_read_engine(resolve_location(click.get_current_context().find_root().obj))


@click.group()
def db() -> None:
    """Migrate the read-model schema: upgrade, downgrade, current."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the read model to REVISION (default: head)."""
    import migrations

    engine = _engine()
    with engine.begin() as conn:
        migrations.upgrade(conn, revision)
    engine.dispose()
    click.echo(f"Read model upgraded to {revision}.")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the read model to REVISION ('base' removes it; rebuild restores it)."""
    import migrations

    engine = _engine()
    with engine.begin() as conn:
        migrations.downgrade(conn, revision)
    engine.dispose()
    click.echo(f"Read model downgraded to {revision}.")


@db.command()
def current() -> None:
    """Print the read model's revision and the revision this version expects."""
    from ledger.readmodel.database import current_revision
    from ledger.readmodel.schema import SCHEMA_REVISION

    engine = _engine()
    found = current_revision(engine)
    engine.dispose()
    click.echo(f"current: {found or 'none'}\nexpected: {SCHEMA_REVISION}")
