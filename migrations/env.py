"""Runs migrations on the connection the ledger hands over (never opens its own)."""

from alembic import context

from ledger.read.schema import metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Compare only the read model: the recorder's event tables are not Alembic's."""
    return not (type_ == "table" and reflected and compare_to is None)


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  include_object=include_object, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
