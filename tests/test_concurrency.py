"""Several writers and readers on one ledger: nothing lost, nothing doubled, no half files."""

from __future__ import annotations

import subprocess
import sys
import threading
from contextlib import closing, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import (
    Clock,
    authority_answers,
    ledger_url,
    read_model_rows,
    record,
    record_path,
    write_base_file,
    write_generated_file,
)
from ledger.application import SanctionsLedger
from ledger.domain.aggregates import record_uuid
from ledger.errors import ConflictError
from ledger.read.schema import recorded_lines
from ledger.settings import LedgerLocation, resolve_location

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
SANCTION = [
    {"type": "party", "id": "auth:eu", "kind": "authority", "name": "European Union"},
    {"type": "party", "id": "person:a", "kind": "person", "name": "Person A"},
    {"type": "designation", "id": "eu:a", "authority": "auth:eu", "target": "person:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-22"},
]


def lifting(ident: str, day: str) -> dict:
    return {"type": "lifting", "id": ident, "sanction": "eu:a", "effective_from": day}


def start_import(location: LedgerLocation, path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "--db", ledger_url(location),
                             "import", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def recorded_ids(ledger: SanctionsLedger) -> list[str]:
    with ledger.engine.connect() as conn:
        return list(conn.execute(select(recorded_lines.c.line_id)).scalars())


def test_an_import_that_skips_the_writer_lock_still_cannot_lift_a_sanction_twice(
        location, clock: Clock, monkeypatch: pytest.MonkeyPatch):
    """The second line of defence: the import's position claim.

    Both imports read the read model's position before either commits; the
    first claims it and commits its lifting; the second, whose claim then finds
    the position moved, writes nothing and says to re-run.
    """
    monkeypatch.setattr("ledger.application.ledger_lock", lambda *_: nullcontext())
    with closing(SanctionsLedger(location, clock=clock)) as first, \
            closing(SanctionsLedger(location, clock=clock)) as second:
        record(first, *SANCTION)
        first_is_open, let_first_commit = threading.Event(), threading.Event()

        def held_open_file():
            yield 1, lifting("eu:a:lift-1", "2021-06-01")
            first_is_open.set()
            let_first_commit.wait(30)

        importing = threading.Thread(target=first.record_file, args=(held_open_file(),))
        importing.start()
        assert first_is_open.wait(30)
        outcome: list[BaseException] = []

        def second_import() -> None:
            try:
                second.record_file([(1, lifting("eu:a:lift-2", "2021-07-01"))])
            except BaseException as error:
                outcome.append(error)

        racing = threading.Thread(target=second_import)
        racing.start()
        racing.join(1.0)  # it has read the position and now waits on the first's claim
        let_first_commit.set()
        importing.join(30)
        racing.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], ConflictError), outcome
        assert "nothing was written" in str(outcome[0])
        assert [i for i in recorded_ids(second) if "lift" in i] == ["eu:a:lift-1"]
        assert second.repository.get(record_uuid("eu:a")).lifting.line_id == "eu:a:lift-1"


def test_two_imports_lifting_the_same_sanction_at_once_one_succeeds_one_names_it(
        location, clock: Clock, tmp_path: Path):
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record(ledger, *SANCTION)
    files = []
    for n, day in ((1, "2021-06-01"), (2, "2021-07-01")):
        files.append(tmp_path / f"lift-{n}.jsonl")
        files[-1].write_text(f'{{"type": "lifting", "id": "eu:a:lift-{n}", "sanction": "eu:a", '
                             f'"effective_from": "{day}"}}\n')
    outcomes = sorted(finish(p) for p in [start_import(location, f) for f in files])
    assert [code for code, _ in outcomes] == [0, 1]
    error = outcomes[1][1].strip().splitlines()
    assert len(error) == 1 and "sanction eu:a is already lifted" in error[0], error
    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        assert len([i for i in recorded_ids(ledger) if ":lift-" in i]) == 1
        assert ledger.verify().ok


@pytest.mark.postgres
def test_three_imports_at_once_record_every_line_once_and_answer_as_one_after_another(
        postgres_url: str, tmp_path: Path, clock: Clock):
    from conftest import reset_postgres

    reset_postgres(postgres_url)
    shared = resolve_location(postgres_url)
    base = tmp_path / "base.jsonl"
    ids = write_base_file(base)
    files = [tmp_path / f"analyst-{n}.jsonl" for n in range(3)]
    for n, path in enumerate(files):
        ids += write_generated_file(path, f"analyst{n}", 700)
    with closing(SanctionsLedger(shared)) as ledger:
        record_path(ledger, base)

    outcomes = [finish(p) for p in [start_import(shared, path) for path in files]]
    assert [code for code, _ in outcomes] == [0, 0, 0], outcomes

    sequential = resolve_location(str(tmp_path / "sequential.db"))
    with closing(SanctionsLedger(shared)) as ledger, \
            closing(SanctionsLedger(sequential, clock=clock)) as one_by_one:
        assert sorted(recorded_ids(ledger)) == sorted(ids)
        assert recorded_times_grow_with_position(ledger)
        projected = read_model_rows(ledger)
        ledger.rebuild_read_model()
        assert read_model_rows(ledger) == projected
        for path in [base, *files]:
            record_path(one_by_one, path)
            clock.advance()
        assert authority_answers(ledger, FAR_FUTURE) == \
            authority_answers(one_by_one, FAR_FUTURE)
        assert ledger.verify().ok


def recorded_times_grow_with_position(ledger: SanctionsLedger) -> bool:
    c = recorded_lines.c
    with ledger.engine.connect() as conn:
        times = list(conn.execute(select(c.recorded_at).order_by(c.position)).scalars())
    return times == sorted(times)


def test_a_reader_during_a_large_import_sees_the_state_before_or_after_never_half(
        location, clock: Clock, tmp_path: Path):
    """The reader does not catch up itself (as a read-only screening role): it sees
    exactly what the importer's projector has committed, batch by batch."""
    base = tmp_path / "base.jsonl"
    write_base_file(base)
    big = tmp_path / "big.jsonl"
    write_generated_file(big, "big", 8000)
    with closing(SanctionsLedger(location, clock=clock)) as writer, \
            closing(SanctionsLedger(location, clock=clock)) as reader:
        record_path(writer, base)
        writer.projector.batch_size = 1000  # eight read-model transactions for one file
        reader.read_only = True
        seen, done = [], threading.Event()

        def screen() -> None:
            while not done.is_set():
                seen.append(in_force(reader))

        before = in_force(reader)
        thread = threading.Thread(target=screen)
        thread.start()
        clock.advance()
        try:
            record_path(writer, big)
        finally:
            done.set()
            thread.join()
        after = in_force(reader)
    assert len(before) < len(after)
    assert len(seen) > 1
    assert {len(answer) for answer in seen} <= {len(before), len(after)}
    assert all(answer in (before, after) for answer in seen)


def in_force(ledger: SanctionsLedger) -> list[str]:
    answer = ledger.get_in_force("base:person:0", at=date(2021, 6, 1), known_at=FAR_FUTURE)
    return [s.id for s in answer.sanctions]



def test_an_event_for_a_record_version_already_stored_is_refused_as_a_conflict(
        location, clock: Clock):
    """The last line of defence beneath the lock and the claim: the store's primary key on
    (record, version). A stale write is a ConflictError, and the file leaves nothing."""
    from ledger.write.bulk import import_transaction

    with closing(SanctionsLedger(location, clock=clock)) as ledger:
        record(ledger, *SANCTION)
        designation = next(e for e in ledger.iter_events() if e.originator_id ==
                           record_uuid("eu:a"))
        recorded_at = clock.advance()
        with pytest.raises(ConflictError, match="nothing was written"), \
                import_transaction(ledger, recorded_at) as store:
            store.append([designation], {designation.originator_id:
                                         ledger.repository.get(designation.originator_id)})
        assert sorted(recorded_ids(ledger)) == sorted(line["id"] for line in SANCTION)
        assert ledger.verify().ok


def test_a_writer_that_must_queue_is_told_once_then_gets_the_lock(location):
    """An import behind another one calls its ``on_wait`` (the CLI says "Waiting for another
    import…" on a terminal) and proceeds as soon as the first writer is done."""
    from ledger.store.locks import WRITER, ledger_lock

    told, holding = threading.Event(), threading.Event()
    with closing(SanctionsLedger(location)):  # a ledger set up: the lock file exists
        pass

    def second_writer() -> None:
        with ledger_lock(location, WRITER, on_wait=told.set):
            holding.set()

    with ledger_lock(location, WRITER, on_wait=lambda: pytest.fail("nobody held the lock")):
        queued = threading.Thread(target=second_writer)
        queued.start()
        assert told.wait(10)
        assert not holding.wait(0.3)  # still waiting while we hold it
    queued.join(10)
    assert holding.is_set()
