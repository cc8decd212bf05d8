"""The read model follows the event log exactly once, and catches up after a crash."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from conftest import SPEC_EXAMPLES, Clock
from ledger.application import SanctionsLedger
from ledger.interchange import read_objects
from ledger.readmodel.schema import recorded_lines, sanction_spans
from ledger.recording import Recording


def save_without_projecting(ledger: SanctionsLedger, path) -> None:  # noqa: ANN001
    """What a crash between the event store's commit and the projection leaves behind."""
    recording = Recording(ledger, ledger.clock())
    with path.open("rb") as stream:
        for lineno, obj in read_objects(stream):
            recording.take(lineno, obj)
    recording.save()


def count(ledger: SanctionsLedger, table) -> int:  # noqa: ANN001
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_events_stored_before_a_crash_are_projected_when_the_ledger_next_opens(
        location, clock: Clock):
    first = SanctionsLedger(location, clock=clock)
    save_without_projecting(first, SPEC_EXAMPLES / "stage1.jsonl")
    assert first.projector.lag() == 5
    first.close()

    reopened = SanctionsLedger(location, clock=clock)
    answer = reopened.get_in_force("person:example", at=date(2021, 4, 1),
                                   known_at=clock.advance())
    assert [s.id for s in answer.sanctions] == ["eu:ghr:example"]
    assert reopened.projector.lag() == 0
    reopened.close()


def test_a_projector_that_lost_the_race_writes_nothing(location, clock: Clock):
    writer = SanctionsLedger(location, clock=clock)
    late = SanctionsLedger(location, clock=clock)
    save_without_projecting(writer, SPEC_EXAMPLES / "stage1.jsonl")
    batch = late.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)

    assert writer.projector.catch_up() == 5
    spans = count(writer, sanction_spans)
    assert late.projector._apply_batch(0, batch) is False  # it read position 0, now stale
    assert (count(late, recorded_lines), count(late, sanction_spans)) == (5, spans)
    writer.close()
    late.close()


def test_catching_up_twice_applies_nothing_the_second_time(ledger: SanctionsLedger):
    save_without_projecting(ledger, SPEC_EXAMPLES / "stage1.jsonl")
    assert ledger.projector.catch_up() == 5
    assert ledger.projector.catch_up() == 0
    assert count(ledger, recorded_lines) == 5


def test_a_long_lived_projector_reloads_a_sanction_another_process_changed(location, clock):
    from conftest import record

    first = SanctionsLedger(location, clock=clock)
    second = SanctionsLedger(location, clock=clock)
    with (SPEC_EXAMPLES / "stage1.jsonl").open("rb") as stream:
        first.record_file(read_objects(stream))  # first's projector now caches the sanction
    clock.advance()
    record(second, {"type": "lifting", "id": "l1", "sanction": "eu:ghr:example",
                    "effective_from": "2022-01-01"})  # projected by second
    clock.advance()
    record(first, {"type": "retraction", "id": "r1", "sanction": "eu:ghr:example"})
    answer = first.get_in_force("person:example", at=date(2021, 6, 1), known_at=clock.advance())
    assert answer.sanctions == []
    first.close()
    second.close()
