"""sanctions-ledger: an event-sourced, bitemporal record of sanctions.

The package is layered the way the imports run:

- ``ledger.errors``       one error hierarchy under ``LedgerError``
- ``ledger.interchange``  the outside write contract: parsing and shape checks of lines
- ``ledger.domain``       aggregates and their past-tense events (no SQL, no click)
- ``ledger.fold``         the pure point-in-time fold: events in, sanctions in force out
- ``ledger.application``  the eventsourcing application: recording, queries
- ``ledger.persistence``  recorders (hash chain, immutability), settings
- ``ledger.readmodel``    SQL projection of the bitemporal spans and its queries
"""

__version__ = "0.1.0"
