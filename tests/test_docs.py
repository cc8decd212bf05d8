"""The README and docs/ say what the command really does: every example runs here.

Each ```console block of a document is part of one shell session per document,
run in a fresh directory. A line starting ``$ `` is a command; the lines under it
are what it prints (stdout and stderr together, as a terminal shows them) and
must be exactly what it prints now. Recorded times and hashes differ from run to
run, so they are compared as placeholders; a line ``...`` stands for any number
of lines. A command must exit 0 unless what it shows is an error (``Error:``).

``$ make demo``, ``$ . .venv/bin/activate`` and ``$ export NAME=VALUE`` act as
in a shell; anything else runs in bash. The README's session starts as a fresh
clone does, without the virtualenv on PATH; the documents in docs/ start with it
active, as they say. A document that names a ``postgresql://`` ledger needs the
server: its database and role names get this run's pid, as every test
database does. ```sh blocks (make targets) are not run here: `make test` is them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import PG_ADMIN

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
VENV = Path(sys.prefix)
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
VARYING = [(re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00"), "<time>"),
           (re.compile(r"\b[0-9a-f]{64}\b|\b[0-9a-f]{16}\b"), "<hash>")]
PER_RUN_NAMES = ("sanctions_ledger", "screening")  # a PostgreSQL database and role
#: `make demo` as a clone runs it, in the session's directory with its linked virtualenv.
MAKE_DEMO = f"make --no-print-directory -f {ROOT / 'Makefile'} -o .venv/bin/.installed demo"


def examples(document: Path) -> list[tuple[str, list[str]]]:
    """The document's commands in order, each with the lines it is shown printing."""
    steps: list[tuple[str, list[str]]] = []
    for block in CONSOLE_BLOCK.findall(document.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def normalised(lines: list[str]) -> list[str]:
    """Lines with times and hashes as placeholders, trailing spaces and blank lines gone."""
    for pattern, placeholder in VARYING:
        lines = [pattern.sub(placeholder, line).rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def shows(expected: list[str], printed: str) -> bool:
    """Whether the printed text is what the document shows (``...`` matching any lines)."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + "\n"
                      for line in normalised(expected))
    text = "".join(line + "\n" for line in normalised(printed.splitlines()))
    return re.fullmatch(pattern, text) is not None


class Session:
    """A shell session in a fresh directory holding a link to this virtualenv as `.venv`."""

    def __init__(self, directory: Path, activated: bool, renames: dict[str, str]):
        (directory / ".venv").symlink_to(VENV)
        self.directory, self.renames = directory, renames
        self.env = {name: value for name, value in os.environ.items()
                    if not name.startswith("SANCTIONS_LEDGER_")}
        self.env["PATH"] = os.pathsep.join(
            part for part in self.env["PATH"].split(os.pathsep) if part != str(VENV / "bin"))
        if activated:
            self.run(". .venv/bin/activate")

    def rename(self, text: str) -> str:
        for name, per_run in self.renames.items():
            text = re.sub(rf"\b{name}\b", per_run, text)
        return text

    def run(self, command: str) -> tuple[int, str]:
        """Run one command line; return its exit status and everything it printed."""
        if command in (". .venv/bin/activate", "source .venv/bin/activate"):
            self.env["PATH"] = f"{self.directory / '.venv' / 'bin'}{os.pathsep}{self.env['PATH']}"
            return 0, ""
        if command.startswith("export "):
            name, _, value = shlex.split(self.rename(command))[1].partition("=")
            self.env[name] = value
            return 0, ""
        if command == "make demo":
            command = MAKE_DEMO
        done = subprocess.run(["bash", "-c", self.rename(command)], cwd=self.directory,
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=120)
        return done.returncode, done.stdout


def needs_postgres(document: Path) -> bool:
    return "postgresql://" in document.read_text(encoding="utf-8")


def documents() -> Iterator[object]:
    for document in DOCUMENTS:
        if examples(document):
            marks = [pytest.mark.postgres] if needs_postgres(document) else []
            yield pytest.param(document, id=str(document.relative_to(ROOT)), marks=marks)


@pytest.fixture
def renames(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Per-run PostgreSQL names for a document that needs the server, dropped afterwards."""
    if not needs_postgres(request.node.callspec.params["document"]):
        yield {}
        return
    import psycopg

    request.getfixturevalue("postgres_url")  # fails in one line when the server is down
    names = {name: f"{name}_doc_{os.getpid()}" for name in PER_RUN_NAMES}
    yield names
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {names['sanctions_ledger']} WITH (FORCE)")
        admin.execute(f"DROP ROLE IF EXISTS {names['screening']}")


@pytest.mark.parametrize("document", list(documents()))
def test_every_command_example_prints_what_the_document_shows(document, renames, tmp_path):
    session = Session(tmp_path, activated=document.name != "README.md", renames=renames)
    for command, expected in examples(document):
        status, printed = session.run(command)
        shown = [session.rename(line) for line in expected]
        assert shows(shown, printed), (
            f"{document.name}: $ {command}\n--- shown:\n" + "\n".join(shown)
            + f"\n--- printed (exit {status}):\n{printed}")
        is_error = any(line.startswith(("Error:", "ERROR:")) for line in expected)
        assert status == 0 or is_error, f"{document.name}: $ {command} exited {status}"


def test_the_readme_can_be_read_in_five_minutes():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def test_the_readme_and_docs_have_command_examples_to_run():
    assert [path.name for path in DOCUMENTS if examples(path)] == [
        "README.md", "audit.md", "known-at.md", "operations.md"]


# -- Every command is documented: --help text, and a row in the README's command table --

def the_command() -> click.Group:
    """The installed `sanctions-ledger` command, found as the shell finds it."""
    (script,) = entry_points(group="console_scripts", name="sanctions-ledger")
    return script.load()


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's words, as `--help` lists them (the group loads commands lazily)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def command_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `"))


@pytest.mark.parametrize("path", list(commands(the_command())), ids=" ".join)
def test_every_command_explains_itself_with_help(path):
    result = CliRunner().invoke(the_command(), [*path, "--help"])
    assert result.exit_code == 0, result.output
    own_help = result.output.split("\n\n")[1].strip()
    assert own_help and not own_help.startswith("Options:"), result.output


@pytest.mark.parametrize("path", list(commands(the_command())), ids=" ".join)
def test_every_command_has_a_row_in_the_readme_command_table(path):
    assert re.search(rf"`{re.escape(' '.join(path))}[ `]", command_table()), " ".join(path)
