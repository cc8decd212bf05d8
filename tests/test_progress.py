"""Long work shows progress to a person at a terminal, and nothing to a pipe or with --json."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def import_dataset(db: Path, stderr: int, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ledger", "--db", str(db), "import", "--dataset",
         "xinjiang-2021", *extra],
        stdout=subprocess.PIPE, stderr=stderr, check=True, timeout=120,
        env={**os.environ, "COLUMNS": "100"})


def read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other end closed: everything has been read
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_an_import_at_a_terminal_shows_progress(tmp_path):
    main, terminal = pty.openpty()
    import_dataset(tmp_path / "ledger.db", terminal)
    os.close(terminal)
    shown = read_all(main).decode(errors="replace")
    os.close(main)
    assert "checking xinjiang-2021.jsonl" in shown


def test_an_import_into_a_pipe_prints_one_summary_line_and_no_progress(tmp_path):
    done = import_dataset(tmp_path / "ledger.db", subprocess.PIPE)
    assert done.stderr == b""
    assert done.stdout.decode().count("\n") == 1


def test_an_import_with_json_at_a_terminal_prints_only_json(tmp_path):
    main, terminal = pty.openpty()
    done = import_dataset(tmp_path / "ledger.db", terminal, "--json")
    os.close(terminal)
    assert read_all(main) == b""
    os.close(main)
    assert done.stdout.decode().lstrip().startswith("{")


def test_a_reader_that_stops_early_gets_no_noise_on_stderr(tmp_path):
    db = tmp_path / "ledger.db"
    many = tmp_path / "many.jsonl"  # far more than a pipe buffer holds, so writes must fail
    many.write_text("".join(f'{{"type": "party", "id": "p:{n}", "kind": "person", '
                            f'"name": "Person {n}", "note": "{"x" * 200}"}}\n'
                            for n in range(2000)))
    subprocess.run([sys.executable, "-m", "ledger", "--db", str(db), "import", str(many)],
                   check=True, capture_output=True, timeout=120)
    export = subprocess.Popen([sys.executable, "-m", "ledger", "--db", str(db), "export"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout.readline().startswith(b"# sanctions-ledger export")
    export.stdout.close()  # like `| head -1`
    _, errors = export.communicate(timeout=60)
    assert errors == b""


def test_the_import_estimate_of_time_left_follows_the_average_pace_not_a_bursts(tmp_path):
    """An import reads a batch of lines in a burst, then waits while it is written: the time
    left shown half-way through a steady import is about the time already spent."""
    import io

    from rich.console import Console
    from rich.progress import Progress as RichProgress

    from cli.progress import Progress

    now = [0.0]
    display = RichProgress(console=Console(file=io.StringIO()), get_time=lambda: now[0])
    lines = [b"x" * 99 + b"\n"] * 20_000
    stream = Progress(display).reading(iter(lines), 100 * len(lines), "checking")
    for number, _ in enumerate(stream, start=1):
        now[0] += 0.00001  # checking a line: a burst
        if number % 1000 == 0:
            now[0] += 1.0  # writing the batch: the reader waits
        if number == len(lines) // 2:
            break
    left = display.tasks[0].time_remaining
    assert left is not None and 0.5 * now[0] < left < 2 * now[0], (left, now[0])
