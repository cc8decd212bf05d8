"""Index party_names by party id: a party's names are read on every query.

The reader lists a party's names with ``party_id IN (...)``; without an
index that scanned the whole table, so a single ``in-force`` grew with the
ledger.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_party_names_party_id", "party_names", ["party_id"])


def downgrade() -> None:
    op.drop_index("ix_party_names_party_id", table_name="party_names")
