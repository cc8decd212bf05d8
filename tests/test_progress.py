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
