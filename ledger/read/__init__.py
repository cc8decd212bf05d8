"""The SQL read model: bitemporal spans of every sanction, kept from the event log.

``schema`` declares the tables (Alembic migrations own them on disk; this
package never imports them), ``database`` connects and checks the revision,
``projector`` keeps the tables caught up with a tracked position from rows
``rows`` plans and writes, and ``reader`` answers every question from them
(``sql`` holds its statements, ``current`` gives one to a lone CLI question).
"""

#: The Alembic revision the tables correspond to (checked against migrations/ in tests).
#: Here, not in ``schema``, so that a lone CLI question can check it without SQLAlchemy.
SCHEMA_REVISION = "0007"
