"""Interchange v2 in the spans (programs, date windows) and the per-list ingest state.

Spans gain their sets of programs and legal bases, the start's window and the
window that makes a span uncertain; all NULL for version 1 lines, which
answer as before. ``list_entries`` and ``list_snapshots`` hold what an ingest
of an official list compares the next snapshot with.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from ledger.read.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SPAN_COLUMNS = ("programs", "legal_bases", "start_window", "unsure_window")


def upgrade() -> None:
    with op.batch_alter_table("sanction_spans") as batch:
        for name in _SPAN_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text()))
    op.create_table(
        "list_entries",
        sa.Column("list_name", sa.String(40), primary_key=True),
        sa.Column("party_id", sa.String(200), primary_key=True),
        sa.Column("sanction_id", sa.String(200)),
        sa.Column("listings", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
    )
    op.create_table(
        "list_snapshots",
        sa.Column("list_name", sa.String(40), primary_key=True),
        sa.Column("published", sa.Date(), primary_key=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("added", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.BigInteger(), nullable=False),
        sa.Column("changed", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("list_snapshots")
    op.drop_table("list_entries")
    with op.batch_alter_table("sanction_spans") as batch:
        for name in _SPAN_COLUMNS:
            batch.drop_column(name)
