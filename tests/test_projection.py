"""The read model follows the event log exactly once, and catches up after a crash."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, select

from cli.main import main
from conftest import SPEC_EXAMPLES, Clock, ledger_url, record_path
from ledger.application import SanctionsLedger
from ledger.interchange import read_objects
from ledger.read.schema import recorded_lines, sanction_spans
from ledger.settings import LedgerLocation


def save_without_projecting(ledger: SanctionsLedger, path, scratch: Path) -> None:
    """Store a file's events through eventsourcing's own recorder, which projects nothing.

    An import writes events and read model in one transaction, so this is how a
    ledger gets events its read model lacks: a store restored from a backup, or
    one written by a version that projected after committing and crashed between.
    """
    with closing(SanctionsLedger(LedgerLocation("sqlite", path=scratch / "scratch.db"),
                                 clock=ledger.clock)) as elsewhere:
        record_path(elsewhere, path)
        notifications = elsewhere.recorder.select_notifications(start=0, limit=10**6)
    ledger.recorder.insert_events([StoredEvent(n.originator_id, n.originator_version, n.topic,
                                               n.state) for n in notifications])


def count(ledger: SanctionsLedger, table) -> int:
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_events_the_read_model_lacks_are_projected_when_the_ledger_next_opens(
        location, clock: Clock, tmp_path: Path):
    first = SanctionsLedger(location, clock=clock)
    save_without_projecting(first, SPEC_EXAMPLES / "stage1.jsonl", tmp_path)
    assert first.projector.lag() == 5
    first.close()

    reopened = SanctionsLedger(location, clock=clock)
    answer = reopened.get_in_force("person:example", at=date(2021, 4, 1),
                                   known_at=clock.advance())
    assert [s.id for s in answer.sanctions] == ["eu:ghr:example"]
    assert reopened.projector.lag() == 0
    reopened.close()


@pytest.mark.parametrize("question", [
    ["in-force", "Example Official", "--json"],
    ["in-force", "--batch", "NAMES"],
])
def test_a_question_from_the_command_line_applies_events_the_read_model_lacks_first(
        location, clock: Clock, tmp_path: Path, question: list[str]):
    """A lone question reads the read model directly only when it holds every stored
    event (``ledger.read.current``); otherwise it opens the ledger, which catches up."""
    ledger = SanctionsLedger(location, clock=clock)
    save_without_projecting(ledger, SPEC_EXAMPLES / "stage1.jsonl", tmp_path)
    ledger.close()
    names = tmp_path / "names.txt"
    names.write_text("Example Official\n", encoding="utf-8")
    asked = [str(names) if word == "NAMES" else word for word in question]
    result = CliRunner().invoke(main, ["--db", ledger_url(location), *asked, "--at", "2021-04-01"])
    assert result.exit_code == 0, result.output
    first, _ = json.JSONDecoder().raw_decode(result.stdout)  # --batch: a line per row
    assert [s["id"] for s in first["sanctions"]] == ["eu:ghr:example"]


def test_a_projector_that_lost_the_race_writes_nothing(location, clock: Clock,
                                                       tmp_path: Path):
    writer = SanctionsLedger(location, clock=clock)
    late = SanctionsLedger(location, clock=clock)
    save_without_projecting(writer, SPEC_EXAMPLES / "stage1.jsonl", tmp_path)
    batch = late.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)

    assert writer.projector.catch_up() == 5
    spans = count(writer, sanction_spans)
    with late.engine.begin() as conn:  # it read position 0, now stale
        assert late.projector._apply_batch(conn, 0, batch) is False
    assert (count(late, recorded_lines), count(late, sanction_spans)) == (5, spans)
    writer.close()
    late.close()


def test_catching_up_twice_applies_nothing_the_second_time(ledger: SanctionsLedger,
                                                           tmp_path: Path):
    save_without_projecting(ledger, SPEC_EXAMPLES / "stage1.jsonl", tmp_path)
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


def test_a_query_during_a_rebuild_answers_from_the_read_model_before_it(
        location, clock: Clock):
    """A rebuild is one transaction: a screening that runs meanwhile still finds the
    party sanctioned (in separate transactions it read an emptied read model)."""
    ledger = SanctionsLedger(location, clock=clock)
    record_path(ledger, SPEC_EXAMPLES / "stage1.jsonl")
    now = clock.advance()
    before = ledger.get_in_force("Example Official", at=date(2021, 4, 1), known_at=now)
    assert before.sanctions
    screening = SanctionsLedger(location, clock=clock)
    during = []

    def between_batches(done: int, total: int) -> None:
        during.append(screening.get_in_force("Example Official", at=date(2021, 4, 1),
                                             known_at=now).sanctions)

    ledger.projector.batch_size = 2
    assert ledger.rebuild_read_model(between_batches) == 5
    assert len(during) == 3 and all(seen == before.sanctions for seen in during)
    screening.close()
    ledger.close()
