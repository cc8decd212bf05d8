"""A large file is saved in one transaction without stalling, and chained in full."""

from __future__ import annotations

import threading
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from ledger.application import SanctionsLedger


def test_twelve_thousand_two_kilobyte_events_save_in_one_go_and_chain(ledger: SanctionsLedger):
    """psycopg's pipeline mode deadlocks on saves this large; the recorder must not use it so."""
    recorded = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T09:00:00+00:00"},'
    events = [StoredEvent(uuid4(), 1, "bulk-test", recorded + b'"x":"' + b"y" * 2000 + b'"}')
              for _ in range(12_000)]  # verify reads each event's recorded time
    saved: list = []
    worker = threading.Thread(target=lambda: saved.append(ledger.recorder.insert_events(events)),
                              daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the save stalled"
    assert len(saved[0]) == 12_000
    report = ledger.verify().chain
    assert (report.ok, report.events) == (True, 12_000)
