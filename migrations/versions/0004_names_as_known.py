"""Names as known at a moment: parties and their names carry the recorded time they became known.

``parties.recorded_from`` is when the party's line was recorded. Each
``party_names`` row is bitemporal like a span: ``recorded_from`` (when the
line giving the name was recorded), ``recorded_until``, ``valid_from`` and
``valid_until`` (open: version 1 lines only ever add names). A name row did
not say which line gave it, and a party line and an alias line may give the
same name, so the names are written again from the recorded lines, in
recorded order, exactly as a rebuild writes them.

Revision ID: 0004
Revises: 0003
"""

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from ledger.read.rows import name_rows, names_filed
from ledger.read.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PAGE = 5000

recorded_lines = sa.table(
    "recorded_lines", sa.column("position", sa.BigInteger), sa.column("line_id", sa.String),
    sa.column("type", sa.String), sa.column("recorded_at", UTCDateTime),
    sa.column("filed", sa.Text))
party_names = sa.table(
    "party_names", *(sa.column(name, sa.Text) for name in ("party_id", "name", "lowered",
                                                           "folded")),
    sa.column("recorded_from", UTCDateTime), sa.column("recorded_until", UTCDateTime),
    sa.column("valid_from", sa.Date), sa.column("valid_until", sa.Date))


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("recorded_from", UTCDateTime))
    for column in ("recorded_from", "recorded_until"):
        op.add_column("party_names", sa.Column(column, UTCDateTime))
    for column in ("valid_from", "valid_until"):
        op.add_column("party_names", sa.Column(column, sa.Date))
    op.execute("UPDATE parties SET recorded_from = (SELECT recorded_at FROM recorded_lines "
               "WHERE recorded_lines.line_id = parties.party_id)")
    connection = op.get_bind()
    connection.execute(sa.delete(party_names))
    for rows in _name_rows(connection):
        connection.execute(sa.insert(party_names), rows)
    with op.batch_alter_table("parties") as batch:
        batch.alter_column("recorded_from", existing_type=UTCDateTime, nullable=False)
    with op.batch_alter_table("party_names") as batch:
        batch.alter_column("recorded_from", existing_type=UTCDateTime, nullable=False)


def _name_rows(connection: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """Every party and alias line's name rows, a page of lines at a time, in recorded order."""
    after = 0
    while True:
        lines = connection.execute(
            sa.select(recorded_lines.c.position, recorded_lines.c.line_id,
                      recorded_lines.c.type, recorded_lines.c.recorded_at,
                      recorded_lines.c.filed)
            .where(recorded_lines.c.type.in_(["party", "alias"]),
                   recorded_lines.c.position > after)
            .order_by(recorded_lines.c.position).limit(PAGE)).all()
        rows = [row for position, line_id, line_type, recorded_at, filed in lines
                for row in _rows_of(line_id, line_type, recorded_at, json.loads(filed))]
        if rows:
            yield rows
        if len(lines) < PAGE:
            return
        after = lines[-1][0]


def _rows_of(line_id: str, line_type: str, recorded_at: Any,
             fields: dict[str, Any]) -> list[dict[str, Any]]:
    return name_rows(fields.get("party") or line_id, names_filed(line_type, fields),
                     recorded_at)


def downgrade() -> None:
    with op.batch_alter_table("party_names") as batch:
        for column in ("valid_until", "valid_from", "recorded_until", "recorded_from"):
            batch.drop_column(column)
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("recorded_from")
