"""kill -9 at a random moment: the ledger opens, verifies, and the import or the projection
completes on the next run with nothing doubled and the same answers as a full rebuild.

Each test kills a real ``sanctions-ledger`` process several times (``FAULT_ITERATIONS``,
default 2); the delay before the kill comes from a generator seeded with the run's
``FAULT_SEED`` (random unless given) and the iteration, and the seed is in every
assertion message, so a failure can be replayed with ``FAULT_SEED=...``.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

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
from ledger.read.schema import recorded_lines
from ledger.settings import LedgerLocation
from ledger.store.locks import WRITER, ledger_lock

pytestmark = pytest.mark.slow

ITERATIONS = int(os.environ.get("FAULT_ITERATIONS", "2"))
RUN_SEED = os.environ.get("FAULT_SEED") or str(random.SystemRandom().randrange(10**6))
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def start(location: LedgerLocation, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "--db", ledger_url(location), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL: no finally, no atexit, no rollback from the client side. A writing child
    the parent leaves behind is waited for: told to commit before the kill, it still
    commits, and the writer lock died with the parent (a window noted in the CHANGELOG)."""
    orphans = children_of(process.pid)
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in orphans):
        assert time.monotonic() < deadline, f"writing processes {orphans} outlived 60 s"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def recorded_id_counts(ledger: SanctionsLedger) -> Counter[str]:
    with ledger.engine.connect() as conn:
        return Counter(conn.execute(select(recorded_lines.c.line_id)).scalars())


def assert_recovers(location: LedgerLocation, path: Path, expected_ids: list[str],
                    seed: str) -> None:
    """Open, verify (events and schema), re-run the import, then compare the read model
    with a full rebuild."""
    with closing(SanctionsLedger(location)) as ledger:
        assert ledger.verify().ok, seed
        assert schema_differences(ledger.engine) == [], seed  # no index lost with the kill
        result = CliRunner().invoke(main, ["--db", ledger_url(location), "import", str(path)])
        assert result.exit_code == 0, (seed, result.output)
        counts = recorded_id_counts(ledger)
        assert set(counts) == set(expected_ids), seed
        assert set(counts.values()) == {1}, seed
        projected, answers = read_model_rows(ledger), authority_answers(ledger, FAR_FUTURE)
        ledger.rebuild_read_model()
        assert read_model_rows(ledger) == projected, seed
        assert authority_answers(ledger, FAR_FUTURE) == answers, seed


@pytest.fixture
def based(location: LedgerLocation, tmp_path: Path) -> list[str]:
    """The ledger holds the base file; returns its ids."""
    base = tmp_path / "base.jsonl"
    ids = write_base_file(base)
    with closing(SanctionsLedger(location)) as ledger:
        record_path(ledger, base)
    return ids


@pytest.mark.parametrize(("processes", "lines"), [("--one-process", 2000),
                                                  ("--two-processes", 6000)])
def test_an_import_killed_at_a_random_moment_is_completed_by_running_it_again(
        location, tmp_path, based, processes, lines):
    """With two processes the parent is killed: its child, writing, must roll back."""
    expected = list(based)
    for iteration in range(ITERATIONS):
        seed = (f"FAULT_SEED={RUN_SEED}: import kill, {location.backend}, {processes}, "
                f"iteration {iteration}")
        path = tmp_path / f"big-{iteration}.jsonl"
        expected += write_generated_file(path, f"big{iteration}", lines)
        process = start(location, "import", str(path), processes)
        time.sleep(random.Random(seed).uniform(0.3, 2.2))
        kill(process)
        assert_recovers(location, path, expected, seed)


@pytest.mark.parametrize("processes", ["--one-process", "--two-processes"])
def test_a_rebuild_killed_at_a_random_moment_leaves_the_read_model_as_it_was(
        location, tmp_path, based, processes):
    """A rebuild is one transaction: killed mid-way, it leaves the old read model whole
    (readers never saw it emptied), and the next rebuild gives the same rows."""
    path = tmp_path / "big.jsonl"
    expected = based + write_generated_file(path, "big", 4000)
    with closing(SanctionsLedger(location)) as ledger:
        record_path(ledger, path)
        whole = read_model_rows(ledger)
    for iteration in range(ITERATIONS):
        seed = (f"FAULT_SEED={RUN_SEED}: rebuild kill {processes}, {location.backend}, "
                f"iteration {iteration}")
        process = start(location, "rebuild", processes)
        wait_until_rebuilding(location, process)
        time.sleep(random.Random(seed).uniform(0.0, 0.5))
        kill(process)
        with closing(SanctionsLedger(location)) as ledger:
            assert read_model_rows(ledger) == whole, seed  # before any catch-up or rebuild
        assert_recovers(location, path, expected, seed)


class _Held(Exception):
    pass


def wait_until_rebuilding(location: LedgerLocation, process: subprocess.Popen) -> None:
    """Until the rebuild holds the ledger's writer lock (or has finished)."""
    def held() -> None:
        raise _Held

    while process.poll() is None:
        try:
            with ledger_lock(location, WRITER, on_wait=held):
                pass
        except _Held:
            return
        time.sleep(0.02)
