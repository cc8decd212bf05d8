"""Screening's index: every name row's blocking keys, written beside the names.

Creates ``screening_keys`` and fills it from the ``party_names`` rows a ledger
already holds, through the same row builder as the projector and a rebuild
(``ledger.read.screening.key_rows``), a page of names at a time.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from ledger.read.schema import UTCDateTime
from ledger.read.screening import key_rows

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PAGE = 5000

party_names = sa.table("party_names", sa.column("party_id", sa.String),
                       sa.column("name", sa.Text), sa.column("recorded_from", UTCDateTime))


def upgrade() -> None:
    keys = op.create_table(
        "screening_keys",
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("party_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("recorded_from", UTCDateTime, nullable=False),
    )
    connection = op.get_bind()
    for rows in _key_rows(connection):
        connection.execute(sa.insert(keys), rows)
    op.create_index("ix_screening_keys_key", "screening_keys", ["key"])


def _key_rows(connection: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """The keys of every name row, a page of name rows at a time."""
    order = (party_names.c.party_id, party_names.c.recorded_from, party_names.c.name)
    offset = 0
    while True:
        names = connection.execute(sa.select(*order).distinct().order_by(*order)
                                   .limit(PAGE).offset(offset)).all()
        rows = [row for party_id, recorded_from, name in names
                for row in key_rows(party_id, [name], recorded_from)]
        if rows:
            yield rows
        if len(names) < PAGE:
            return
        offset += PAGE


def downgrade() -> None:
    op.drop_index("ix_screening_keys_key", table_name="screening_keys")
    op.drop_table("screening_keys")
