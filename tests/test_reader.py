"""The reader's plain-driver SQL agrees with what SQLAlchemy writes into the read model."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from ledger.read.schema import UTCDateTime
from ledger.read.sql import DIALECTS

MOMENTS = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                       timezones=st.just(UTC))


@given(MOMENTS)
def test_a_moment_is_compared_in_the_text_sqlalchemy_stores_on_sqlite(moment):
    """Recorded times on SQLite are SQLAlchemy's DATETIME text: the reader's bound
    moments must be the same text, or known-at comparisons go wrong."""
    dialect = sqlite.dialect()
    stored = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert DIALECTS["sqlite"].moment(moment) == stored(moment)
