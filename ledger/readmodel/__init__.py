"""The SQL read model: bitemporal spans of every sanction, kept from the event log.

``schema`` declares the tables (Alembic migrations own them on disk),
``projector`` keeps them caught up with a tracked position, ``queries``
answers from them with one indexed lookup per question.
"""
