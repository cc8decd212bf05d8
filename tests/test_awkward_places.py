"""Ledgers in awkward places: odd file names, escaped passwords, read-only media."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import SPEC_EXAMPLES
from ledger.application import SanctionsLedger
from ledger.settings import resolve_location


def run(db: str, *args: str):
    return CliRunner().invoke(main, ["--db", db, *args])


def test_a_sqlite_path_with_a_question_mark_opens_exactly_that_file(tmp_path):
    folder = tmp_path / "q?dir"
    folder.mkdir()
    db = folder / "a?b=c.db"
    result = run(str(db), "import", str(SPEC_EXAMPLES / "stage1.jsonl"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q?dir"]
    assert db.exists() and db.stat().st_size > 0
    result = run(str(db), "in-force", "Example Official", "--at", "2021-03-23", "--json")
    assert result.exit_code == 0, result.output


def test_a_postgres_password_with_an_escaped_at_sign_is_sent_whole_and_never_echoed(
        postgres_url):
    """The server here trusts local connections, so any password logs in: what is checked
    is that the URL stays whole and the password reaches the driver un-escaped once."""
    url = postgres_url.replace("postgres@", "postgres:se%40cret@")
    location = resolve_location(url)
    assert location.password == "se@cret"
    ledger = SanctionsLedger(location)
    try:
        assert ledger.engine.url.password == "se@cret"
        assert ledger.engine.url.host == "127.0.0.1"
    finally:
        ledger.close()
    assert run(url, "parties").exit_code == 0
    missing = run(url.rsplit("/", 1)[0] + "/no_such_ledger_db", "parties")
    assert missing.exit_code == 1
    assert "cret" not in missing.output and "se%40" not in missing.output


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write: a read-only mount for root (whom file modes do
    not stop), the file modes otherwise. The ledger is copied in before it turns read-only."""
    folder = tmp_path / "media"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder
        for path in (folder, *folder.iterdir()):
            path.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def make_read_only(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        for path in (*folder.iterdir(), folder):
            path.chmod(0o555)


def test_a_ledger_on_read_only_media_answers_and_refuses_writes_in_one_line(
        tmp_path, read_only_folder):
    source = tmp_path / "ledger.db"
    assert run(str(source), "import", str(SPEC_EXAMPLES / "stage1.jsonl")).exit_code == 0
    db = read_only_folder / "ledger.db"
    db.write_bytes(source.read_bytes())
    make_read_only(read_only_folder)

    asked = run(str(db), "in-force", "Example Official", "--at", "2021-03-23")
    assert asked.exit_code == 0, asked.output
    assert "eu:ghr:example" in asked.output
    assert run(str(db), "verify").exit_code == 0
    written = run(str(db), "import", str(SPEC_EXAMPLES / "stage2.jsonl"))
    assert written.exit_code == 1
    assert written.output == (f"Error: the ledger at {db} is read-only here: "
                              "it can be asked, not written\n")
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["ledger.db"]
