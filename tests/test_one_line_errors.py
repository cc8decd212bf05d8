"""Each way a user (or the machine) can break a command ends in one line on standard error,
exit 1 or 2, and a ledger exactly as it was: never a Python traceback.

In this process (a traceback would be an exception the runner caught), except what needs
a real one: the kill of an import's writing process, and a report onto a full device
(whose failure could otherwise surface only in Python's flush at exit).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    invoke,
    ledger_url,
    read_model_rows,
    record,
    record_path,
    write_base_file,
    write_generated_file,
)
from ledger.application import SanctionsLedger
from ledger.settings import LedgerLocation

LINES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "designation", "id": "x:a", "authority": "auth:x", "target": "p:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-23"},
]


def command(location: LedgerLocation, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "--db", ledger_url(location), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> tuple[int, str]:
    _, err = process.communicate(timeout=300)
    return process.returncode, err


def in_process(db: str, *args: str) -> tuple[int, str]:
    result = invoke(db, *args)
    if not isinstance(result.exception, SystemExit | None):
        raise result.exception  # a traceback: shown with the test's failure
    return result.exit_code, result.stderr


def file_with(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def import_of(text: str) -> Callable[[LedgerLocation, Path], tuple[int, str]]:
    return lambda location, tmp: in_process(ledger_url(location), "import",
                                            str(file_with(tmp, "bad.jsonl", text)))


def plain(*args: str) -> Callable[[LedgerLocation, Path], tuple[int, str]]:
    return lambda location, tmp: in_process(ledger_url(location), *args)


def batch_with_a_huge_field(location: LedgerLocation, tmp: Path) -> tuple[int, str]:
    path = file_with(tmp, "customers.csv", "name\n" + "x" * 131_073 + "\n")
    return in_process(ledger_url(location), "in-force", "--batch", str(path), "--column", "name")


def postgres_url_with_a_bad_port(location: LedgerLocation, tmp: Path) -> tuple[int, str]:
    return in_process("postgresql://u@h:notaport/db", "in-force", "X")


def report_onto_a_full_device(location: LedgerLocation, tmp: Path) -> tuple[int, str]:
    return finished(command(location, "report", "p:a", "-o", "/dev/full"))


def the_writing_process_killed(location: LedgerLocation, tmp: Path) -> tuple[int, str]:
    """kill -9 of the child that writes a two-process import, while it writes."""
    path = tmp / "big.jsonl"
    write_generated_file(path, "big", 30_000)
    process = command(location, "import", str(path), "--two-processes")
    child = _writing_child(process.pid)
    time.sleep(0.5)
    os.kill(child, signal.SIGKILL)
    return finished(process)


def _writing_child(parent: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return int(pid)
        time.sleep(0.05)
    raise AssertionError("the import started no writing process")


CASES: dict[str, tuple[Callable[[LedgerLocation, Path], tuple[int, str]], int]] = {
    "export into a missing directory": (plain("export", "--out", "/nonexistent/dir/x.jsonl"), 1),
    "report onto a full disk": (report_onto_a_full_device, 1),
    "db upgrade to no such revision": (plain("db", "upgrade", "9999"), 1),
    "db downgrade to no such revision": (plain("db", "downgrade", "9999"), 1),
    "a PostgreSQL URL whose port is not a number": (postgres_url_with_a_bad_port, 1),
    "JSON nested 100,000 deep": (import_of("[" * 100_000 + "]" * 100_000 + "\n"), 1),
    "a 5,000-digit integer as a value": (import_of(json.dumps(
        {"type": "party", "id": "p:b", "kind": "person", "name": "B"})[:-1]
        + ', "attributes": {"n": ' + "9" * 5000 + "}}\n"), 1),
    "a 5,000-digit integer as an id": (import_of(
        '{"type": "party", "id": ' + "9" * 5000 + ', "kind": "person", "name": "B"}\n'), 1),
    "kill -9 of the import's writing process": (the_writing_process_killed, 1),
    "a batch CSV field over 131,072 characters": (batch_with_a_huge_field, 1),
}


def state(location: LedgerLocation) -> tuple[Any, ...]:
    with closing(SanctionsLedger(location)) as ledger:
        report = ledger.verify()
        return report.ok, report.events, report.head, read_model_rows(ledger)


@pytest.mark.parametrize("case", CASES)
def test_a_broken_command_is_one_line_on_stderr_and_leaves_the_ledger_unchanged(
        ledger, tmp_path, case):
    record(ledger, *LINES)
    write_base_file(tmp_path / "base.jsonl")
    record_path(ledger, tmp_path / "base.jsonl")
    before = state(ledger.location)
    run, exit_code = CASES[case]
    code, err = run(ledger.location, tmp_path)
    assert (code, len(err.splitlines())) == (exit_code, 1), err
    assert err.startswith("Error: ") and "Traceback" not in err
    assert state(ledger.location) == before
