"""sanctions-ledger: an event-sourced, bitemporal record of sanctions.

The packages are layered, each importing only those below it (``make lint``
checks it with import-linter):

- ``ledger.application``  wires the layers below; every command a few lines
- ``ledger.audit``        history, diff, replay, the raw log, evidence reports
- ``ledger.write``        lines recorded as commands, one transaction per file
- ``ledger.read``         the SQL read model: schema, projector, the one reader
- ``ledger.store``        eventsourcing's recorders with the hash chain, locks
- ``ledger.interchange``  the wire format: reading and shape checks of lines
- ``ledger.sources``      official list files read as typed entries
- ``ledger.domain``       aggregates, events, rules, the pure fold, answer values
- ``ledger.matching``     name matching for screening
- ``ledger.errors``, ``ledger.settings``  the error tree; where the ledger lives
"""

__version__ = "0.1.0"
