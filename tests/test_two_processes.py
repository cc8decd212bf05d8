"""An import or a rebuild in two processes (a child writes while this one works) writes
exactly what one process writes, and fails as cleanly.

Files of several 2000-line batches, so that a batch is checked while the one before it
is written, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import (
    authority_answers,
    ledger_url,
    read_model_rows,
    record_path,
    schema_differences,
    write_base_file,
    write_generated_file,
)
from ledger.application import SanctionsLedger
from ledger.errors import LedgerError, LineError
from ledger.interchange import read_objects
from ledger.settings import LedgerLocation, resolve_location
from ledger.write.transport import writing_in_child

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def record_in_two_processes(ledger: SanctionsLedger, path) -> None:
    with path.open("rb") as stream:
        ledger.record_file(read_objects(stream), two_processes=True)


def test_two_processes_record_what_one_records(location, tmp_path, clock):
    base, big = tmp_path / "base.jsonl", tmp_path / "big.jsonl"
    write_base_file(base)
    ids = write_generated_file(big, "big", 5000)
    with closing(SanctionsLedger(resolve_location(str(tmp_path / "one.db")))) as one:
        record_path(one, base)
        record_path(one, big)
        expected = authority_answers(one, FAR_FUTURE)
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record_in_two_processes(ledger, base)
        clock.advance()
        record_in_two_processes(ledger, big)
        assert ledger.verify().ok
        assert authority_answers(ledger, FAR_FUTURE) == expected
        assert {ledger.get_line(i) is not None for i in ids} == {True}
        projected = read_model_rows(ledger)
        ledger.rebuild_read_model()  # the projector, in this process, from the events alone
        assert read_model_rows(ledger) == projected


@pytest.mark.parametrize("two_processes", [False, True], ids=["one process", "two processes"])
def test_a_bad_line_in_a_later_batch_leaves_schema_rows_and_events_as_they_were(
        location, tmp_path, clock, two_processes):
    """By then a batch is written and, on SQLite, the secondary indexes dropped."""
    base, big = tmp_path / "base.jsonl", tmp_path / "big.jsonl"
    write_base_file(base)
    write_generated_file(big, "big", 4500)
    with big.open("a") as stream:
        stream.write('{"type": "designation", "id": "late", "authority": "nobody"}\n')
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record_path(ledger, base)
        before = read_model_rows(ledger)
        clock.advance()
        with pytest.raises(LineError, match="^line 4501: "), big.open("rb") as stream:
            ledger.record_file(read_objects(stream), two_processes=two_processes)
        assert schema_differences(ledger.engine) == []
        assert read_model_rows(ledger) == before
        report = ledger.verify()
        assert report.ok and report.events == len(before["recorded_lines"])


def test_a_killed_writing_process_fails_the_import_in_one_line_and_leaves_nothing(
        location, tmp_path, clock):
    base, big = tmp_path / "base.jsonl", tmp_path / "big.jsonl"
    write_base_file(base)
    write_generated_file(big, "big", 4500)

    def killing_the_writer_midway(objects):
        for number, obj in objects:
            if number == 3000:  # the first batch is written, the second being checked
                for child in multiprocessing.active_children():
                    child.kill()
                    child.join()
            yield number, obj

    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record_path(ledger, base)
        before = read_model_rows(ledger)
        clock.advance()
        with pytest.raises(LedgerError, match=r"^the process writing the import ended "
                           r"\(exit code -9\); nothing was written, re-run the import$"), \
                big.open("rb") as stream:
            ledger.record_file(killing_the_writer_midway(read_objects(stream)),
                               two_processes=True)
        assert read_model_rows(ledger) == before
        assert ledger.verify().events == len(before["recorded_lines"])
        record_path(ledger, big)  # and the ledger takes the file afterwards


def test_the_command_line_imports_in_two_processes_when_asked(location, tmp_path):
    base = tmp_path / "base.jsonl"
    write_base_file(base)
    result = CliRunner().invoke(main, ["--db", ledger_url(location), "import", str(base),
                                       "--two-processes"])
    assert result.exit_code == 0, result.output
    assert "Recorded 23 lines" in result.output


def projection_status(ledger: SanctionsLedger) -> tuple[int, datetime | None, int]:
    with ledger.engine.connect() as conn:
        return tuple(ledger.projector.status(conn))


def test_a_rebuild_in_two_processes_writes_what_one_process_writes(location, tmp_path, clock):
    base, big, later = (tmp_path / name for name in ("base.jsonl", "big.jsonl", "later.jsonl"))
    write_base_file(base)
    write_generated_file(big, "big", 3000)
    write_generated_file(later, "later", 1000)
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        for path in (base, big, later):  # three recorded times, as three imports
            record_path(ledger, path)
            clock.advance()
        ledger.projector.batch_size = 700  # many batches, some across two recorded times
        ledger.rebuild_read_model(two_processes=False)
        rows, status = read_model_rows(ledger), projection_status(ledger)
        answers = authority_answers(ledger, FAR_FUTURE)
        assert ledger.rebuild_read_model(two_processes=True) == status[2]
        assert read_model_rows(ledger) == rows
        assert projection_status(ledger) == status  # position and complete_until alike
        assert authority_answers(ledger, FAR_FUTURE) == answers


def test_a_killed_writing_process_fails_the_rebuild_in_one_line_and_leaves_the_read_model(
        location, tmp_path, clock):
    base, big = tmp_path / "base.jsonl", tmp_path / "big.jsonl"
    write_base_file(base)
    write_generated_file(big, "big", 3000)

    def killing_the_writer(applied: int, total: int) -> None:
        for child in multiprocessing.active_children():  # after the first batch is sent
            child.kill()
            child.join()

    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record_path(ledger, base)
        record_path(ledger, big)
        before, status = read_model_rows(ledger), projection_status(ledger)
        ledger.projector.batch_size = 500
        with pytest.raises(LedgerError, match=r"^the process writing the rebuild ended "
                           r"\(exit code -9\); nothing was written, re-run the rebuild$"):
            ledger.rebuild_read_model(killing_the_writer, two_processes=True)
        assert read_model_rows(ledger) == before
        assert projection_status(ledger) == status


class _FailingWrite:
    def write(self, batch: object) -> None:
        raise ValueError(f"cannot write {batch!r}")


@contextmanager
def failing_write(location: LedgerLocation) -> Iterator[_FailingWrite]:
    yield _FailingWrite()


def test_an_error_in_the_writing_process_reaches_this_one_as_it_was_raised(location):
    """Batches are sent without waiting: the child may have failed and ended before this
    process learns it, and what it said then is the error, not that it is gone."""
    with pytest.raises(ValueError, match=r"^cannot write 'batch 1'$"), \
            writing_in_child("rebuild", location, failing_write) as writer:
        for number in range(1, 200):
            writer.write(f"batch {number}")
            time.sleep(0.01)


class _FailingWriteAnsweringAtLength(_FailingWrite):
    def find(self, size: int) -> bytes:
        return b"x" * size


@contextmanager
def failing_write_answering_at_length(location: LedgerLocation
                                      ) -> Iterator[_FailingWriteAnsweringAtLength]:
    yield _FailingWriteAnsweringAtLength()


def test_a_writing_process_that_fails_while_this_one_sends_and_an_answer_waits_unread(
        location):
    """The child fails with an answer larger than the pipe holds still unread here, while
    this process sends batch after batch: the failure must still reach this process,
    not leave each process waiting for the other to read."""
    def give_up(*_: object) -> None:
        raise TimeoutError("the two processes waited for each other")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(30)
    try:
        with pytest.raises(ValueError, match=r"^cannot write 'b+'$"), \
                writing_in_child("import", location, failing_write_answering_at_length
                                 ) as writer:
            writer.ask("find", 8_000_000)
            for _ in range(40):
                writer.write("b" * 1_000_000)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
