"""An import in two processes (a child writes while this one checks) records exactly what
one process records, and fails as cleanly.

Files of several 2000-line batches, so that a batch is checked while the one before it
is written, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
from contextlib import closing
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
from ledger.settings import resolve_location

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def record_in_two_processes(ledger: SanctionsLedger, path) -> None:  # noqa: ANN001
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

    def killing_the_writer_midway(objects):  # noqa: ANN001, ANN202
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
