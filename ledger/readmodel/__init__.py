"""The SQL read model: bitemporal spans of every sanction, kept from the event log.

``schema`` declares the tables (Alembic migrations own them on disk),
``projector`` keeps them caught up with a tracked position, ``queries``
answers from them with one indexed lookup per question; ``lookups`` holds the
point lookups of answers and screening in plain driver SQL.
"""

#: The Alembic revision the tables correspond to (checked against migrations/ in tests).
#: Here, not in ``schema``, so that a lone CLI question can check it without SQLAlchemy.
SCHEMA_REVISION = "0003"
