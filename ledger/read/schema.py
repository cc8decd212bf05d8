"""Read-model tables. Migrations in ``migrations/`` create exactly these.

Recorded times are stored as naive UTC on both backends so that SQLite's
text comparison and PostgreSQL's timestamp comparison order them alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

projection_position = Table(
    "projection_position", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # Every event recorded at or before this time is applied (0002): queries cap
    # known_at here, so a reader never sees a file the projector is half-way through.
    Column("complete_until", UTCDateTime),
)

recorded_lines = Table(
    "recorded_lines", metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("line_id", String(200), nullable=False, unique=True),
    Column("type", String(20), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("record_id", String(200), nullable=False, index=True),
    Column("filed", Text, nullable=False),
    Column("sources", Text, nullable=False),
    Index("ix_recorded_lines_recorded_at", "recorded_at"),
)

line_refs = Table(
    "line_refs", metadata,
    Column("ref_id", String(200), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_line_refs_ref_id", "ref_id", "position"),
)

parties = Table(
    "parties", metadata,
    Column("party_id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("country", Text),
    Column("recorded_from", UTCDateTime, nullable=False),  # 0004: when its line was recorded
)

# A name is bitemporal like a span (0004): known from ``recorded_from`` until
# ``recorded_until``, naming the party from ``valid_from`` to ``valid_until`` (both
# inclusive). Version 1 lines only add names, so the last three stay open (NULL);
# lines that end an alias or amend a party from a date on fill them.
party_names = Table(
    "party_names", metadata,
    Column("party_id", String(200), nullable=False, index=True),  # 0003
    Column("name", Text, nullable=False),
    Column("lowered", Text, nullable=False, index=True),
    Column("folded", Text, nullable=False, index=True),
    Column("recorded_from", UTCDateTime, nullable=False),
    Column("recorded_until", UTCDateTime),
    Column("valid_from", Date),
    Column("valid_until", Date),
)

# Screening's index (0007): each name row's blocking keys (``ledger.matching.keys``),
# keyed like the name row it comes from, so that a search joins the names valid
# at a day as known at a moment and scores only those.
screening_keys = Table(
    "screening_keys", metadata,
    Column("key", Text, nullable=False),
    Column("party_id", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("words", Integer, nullable=False),  # the name's words, for ranking
    Column("recorded_from", UTCDateTime, nullable=False),
    Index("ix_screening_keys_key", "key"),
)

sanction_spans = Table(
    "sanction_spans", metadata,
    Column("sanction_id", String(200), primary_key=True),
    Column("recorded_from", UTCDateTime, primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("recorded_until", UTCDateTime),
    Column("valid_until", Date),
    Column("kind", String(20), nullable=False),
    Column("authority", String(200), nullable=False),
    Column("target", String(200), nullable=False),
    Column("measures", Text, nullable=False),
    Column("program", Text),
    Column("legal_basis", Text),
    Column("effective_from", Date, nullable=False),
    Column("effective_until", Date),
    Column("evidence", Text, nullable=False),
    # 0006: sets of programs and legal bases (JSON lists), the start's window (its wire
    # JSON) and, for spans whose being in force is uncertain, the window in question.
    Column("programs", Text),
    Column("legal_bases", Text),
    Column("start_window", Text),
    Column("unsure_window", Text),
    Index("ix_spans_target", "target", "valid_from"),
    Index("ix_spans_authority", "authority", "valid_from"),
    Index("ix_spans_current", "sanction_id", "recorded_until"),
)

# What the ingest of official lists keeps per list (0006), written in the same transaction
# as the snapshot's lines: each entry's last known state, and each snapshot ingested.
# Not projected from events, so a rebuild of the read model leaves them alone.
list_entries = Table(
    "list_entries", metadata,
    Column("list_name", String(40), primary_key=True),
    Column("party_id", String(200), primary_key=True),
    Column("sanction_id", String(200)),  # the designation in force; NULL once lifted
    Column("listings", BigInteger, nullable=False),  # designations so far (ids end in :n)
    Column("state", Text, nullable=False),  # the entry's compared facts, JSON
)

list_snapshots = Table(
    "list_snapshots", metadata,
    Column("list_name", String(40), primary_key=True),
    Column("published", Date, primary_key=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("sha256", Text, nullable=False),
    Column("entries", BigInteger, nullable=False),
    Column("added", BigInteger, nullable=False),
    Column("removed", BigInteger, nullable=False),
    Column("changed", BigInteger, nullable=False),
)

LIST_TABLES = (list_entries, list_snapshots)

READ_MODEL_TABLES = (projection_position, recorded_lines, line_refs, parties, party_names,
                     screening_keys, sanction_spans)

#: Indexes that only questions read. An import's checks and the projector's
#: span closes read by primary key, ``line_id`` and ``ix_spans_current`` alone,
#: so a bulk write may build these once at its end instead of row by row
#: (``ledger.read.database.SecondaryIndexes``).
SECONDARY_INDEXES = tuple(sorted(
    (index for table in READ_MODEL_TABLES for index in table.indexes
     if index.name != "ix_spans_current"), key=lambda index: str(index.name)))
