"""The read model: recorded lines, parties and names, bitemporal sanction spans.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from ledger.read.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projection_position",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "recorded_lines",
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("line_id", sa.String(200), nullable=False, unique=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("filed", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
    )
    op.create_index("ix_recorded_lines_record_id", "recorded_lines", ["record_id"])
    op.create_table(
        "line_refs",
        sa.Column("ref_id", sa.String(200), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_line_refs_ref_id", "line_refs", ["ref_id", "position"])
    op.create_table(
        "parties",
        sa.Column("party_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("country", sa.Text),
    )
    op.create_table(
        "party_names",
        sa.Column("party_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lowered", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
    )
    op.create_index("ix_party_names_lowered", "party_names", ["lowered"])
    op.create_index("ix_party_names_folded", "party_names", ["folded"])
    op.create_table(
        "sanction_spans",
        sa.Column("sanction_id", sa.String(200), primary_key=True),
        sa.Column("recorded_from", UTCDateTime, primary_key=True),
        sa.Column("valid_from", sa.Date, primary_key=True),
        sa.Column("recorded_until", UTCDateTime),
        sa.Column("valid_until", sa.Date),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("measures", sa.Text, nullable=False),
        sa.Column("program", sa.Text),
        sa.Column("legal_basis", sa.Text),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_until", sa.Date),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_spans_target", "sanction_spans", ["target", "valid_from"])
    op.create_index("ix_spans_authority", "sanction_spans", ["authority", "valid_from"])
    op.create_index("ix_spans_current", "sanction_spans", ["sanction_id", "recorded_until"])


def downgrade() -> None:
    for table in ("sanction_spans", "party_names", "parties", "line_refs", "recorded_lines",
                  "projection_position"):
        op.drop_table(table)
