"""The ``sanctions-ledger`` command: parses arguments, calls the ledger, prints answers.

Only click and the standard library are imported at start-up; each command
imports the ledger when it runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from cli.params import DB_HELP
from cli.terminal import shown

#: command name -> "module:function" in this package, loaded when first used.
COMMANDS = {
    "import": "cli.recording:import_file",
    "ingest": "cli.lists:ingest",
    "lists": "cli.lists:lists",
    "export": "cli.recording:export",
    "datasets": "cli.recording:datasets",
    "rebuild": "cli.recording:rebuild",
    "db": "cli.schema:db",
    "in-force": "cli.queries:in_force",
    "list": "cli.queries:authority_list",
    "parties": "cli.queries:parties",
    "show": "cli.queries:show",
    "verify": "cli.audit:verify",
    "log": "cli.audit:log",
    "keygen": "cli.evidence:keygen",
    "checkpoint": "cli.evidence:checkpoint",
    "prove": "cli.evidence:prove",
    "verify-proof": "cli.evidence:verify_proof",
    "history": "cli.history:history",
    "replay": "cli.history:replay",
    "diff": "cli.history:diff",
    "report": "cli.report:report",
    "screen": "cli.screening:screen",
    "decide": "cli.decisions:decide",
}

#: Database errors that mean "could not reach or use the ledger" (down, locked, not a
#: ledger at all, no permission), not a bug: each driver's and each wrapper's base class.
_DATABASE_ERRORS = (
    "sqlalchemy.exc:DatabaseError",
    "eventsourcing.persistence:PersistenceError",
    "psycopg:DatabaseError",
    "sqlite3:DatabaseError",  # a lone question (ledger.read.current) reads directly
)


class LedgerGroup(click.Group):
    """Loads commands lazily and turns the ledger's errors into one line on stderr."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly. Pointing stdout at
            # /dev/null keeps Python's final flush from raising again at exit.
            _silence_stdout()
            raise click.exceptions.Exit(1) from None
        except OSError as error:  # e.g. standard output on a full disk: one line, no retry
            _silence_stdout()
            where = f"{error.filename}: " if error.filename else "writing the output: "
            raise click.ClickException(shown(where + (error.strerror or str(error)))) from None
        except Exception as error:
            raise _as_click_error(error) from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so Python's flush at exit cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _as_click_error(error: Exception) -> Exception:
    if isinstance(error, click.ClickException | click.exceptions.Exit | click.Abort):
        return error
    from ledger.errors import LedgerError

    if isinstance(error, LedgerError):
        return click.ClickException(shown(error))  # it may quote names from the ledger
    if _is_database_error(error):
        said = str(getattr(error, "orig", None) or error).strip()  # the driver's own words
        first_line = said.splitlines()[0] if said else ""
        return click.ClickException(shown(f"the ledger database failed: {first_line}"))
    return error


def _is_database_error(error: Exception) -> bool:
    for dotted in _DATABASE_ERRORS:
        module, name = dotted.split(":")
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(error, getattr(loaded, name)):
            return True
    return False


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="URL", envvar="SANCTIONS_LEDGER_DB", help=DB_HELP)
@click.version_option(package_name="sanctions-ledger")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """A bitemporal ledger of sanctions, countermeasures and statements.

    Every line ever recorded is kept as an immutable event. Ask what was in
    force on any date (--at), as the ledger knew it at any moment (--known-at).
    """
    ctx.obj = db


if __name__ == "__main__":
    main()
