"""The audit trail: a party's history, a list's diff, replay, the raw log and reports.

Each receives a ``Reader`` (and the values it needs, such as the chain's
report), never the application.
"""
