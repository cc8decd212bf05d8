"""`export --out` and `report -o` write into the path a user named, as a user expects:
a regular file whole or not at all, anything else (a symlink, a FIFO, a device) written
into, never replaced; a failed write is one line and a non-zero exit."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from conftest import invoke as run
from conftest import ledger_url, record

LINES = [
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
]


@pytest.fixture
def db(ledger) -> str:
    record(ledger, *LINES)
    return ledger_url(ledger.location)


def test_export_into_a_regular_file_replaces_it_whole_and_keeps_its_permissions(db, tmp_path):
    out = tmp_path / "ledger.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    result = run(db, "export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert '"id":"p:a"' in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_export_through_a_symlink_writes_its_target_and_keeps_the_link(db, tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert run(db, "export", "--out", str(link)).exit_code == 0
    assert link.is_symlink()
    assert '"id":"p:a"' in target.read_text()


def test_export_into_a_fifo_writes_into_it_and_leaves_it_a_fifo(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_text()), daemon=True)
    reader.start()
    result = run(db, "export", "--out", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert '"id":"p:a"' in read[0]
    assert fifo.is_fifo()


@pytest.mark.parametrize("command", [["export", "--out"], ["report", "p:a", "-o"]],
                         ids=lambda c: c[0])
def test_writing_to_a_full_device_is_a_one_line_error_and_leaves_it_a_device(db, command,
                                                                             tmp_path):
    full = tmp_path / "full"  # a link, so that code which renames over it harms no device
    full.symlink_to("/dev/full")
    result = run(db, *command, str(full))
    assert result.exit_code == 1
    assert result.output == f"Error: could not write {full}: No space left on device\n"
    assert full.is_symlink() and Path("/dev/full").is_char_device()
