"""Readers see whole files: the projection's "complete up to" watermark; index on recorded_at.

``projection_position.complete_until`` is the latest recorded time all of whose
events the projector has applied; queries cap ``known_at`` there. A ledger
upgraded from 0001 starts at its latest recorded line's time (the projector
corrects it with its next batch). The index serves ``max(recorded_at)``, read
before every import, and known-at scans of the log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from ledger.read.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projection_position") as batch:
        batch.add_column(sa.Column("complete_until", UTCDateTime))
    op.execute("UPDATE projection_position "
               "SET complete_until = (SELECT max(recorded_at) FROM recorded_lines)")
    op.create_index("ix_recorded_lines_recorded_at", "recorded_lines", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_recorded_lines_recorded_at", table_name="recorded_lines")
    with op.batch_alter_table("projection_position") as batch:
        batch.drop_column("complete_until")
