"""Shared options and parameter types, and the one way commands open the ledger."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ledger.application import SanctionsLedger
    from ledger.read.reader import Reader
    from ledger.settings import LedgerLocation

DB_HELP = ("Ledger database: a file path, sqlite:////abs/path.db or "
           "postgresql://user@host:port/dbname  [env: SANCTIONS_LEDGER_DB; default: ./ledger.db]")


class DateParam(click.ParamType):
    """A calendar date, strictly YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            self.fail(f"{value!r} is not a date YYYY-MM-DD", param, ctx)
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a calendar date", param, ctx)


class TimestampParam(click.ParamType):
    """An ISO 8601 moment; one without an offset is taken as UTC."""

    name = "TIMESTAMP"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 timestamp "
                      "(e.g. 2021-03-23T12:00:00+00:00)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def at_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--at", type=DateParam(), default=None,
                        help="Valid-time date: what was in force that day  [default: today]")(func)


def known_at_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--known-at", type=TimestampParam(), default=None,
        help="Recorded-time moment: answer as the ledger knew it then  [default: now]")(func)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print JSON instead of a table.")(func)


def today() -> date:
    return datetime.now(UTC).date()


def now() -> datetime:
    return datetime.now(UTC)


def ledger_location() -> LedgerLocation:
    """Where the ledger named by --db / $SANCTIONS_LEDGER_DB / ./ledger.db lives."""
    from ledger.settings import resolve_location

    return resolve_location(click.get_current_context().find_root().obj)


def open_ledger(*, must_exist: bool = True, events_only: bool = False) -> closing[SanctionsLedger]:
    """The ledger named by --db / $SANCTIONS_LEDGER_DB / ./ledger.db, closed afterwards."""
    from ledger.application import SanctionsLedger

    return closing(SanctionsLedger(ledger_location(), must_exist=must_exist,
                                   events_only=events_only))


@contextmanager
def answering() -> Iterator[Reader | SanctionsLedger]:
    """What answers a question: a reader on a plain connection when the read model is
    current (no SQLAlchemy, no event store to load), else the opened ledger, which sets
    up or catches up first, or says why it cannot answer. Both answer alike."""
    from ledger.read.current import current_reader

    with current_reader(ledger_location()) as reader:
        if reader is not None:
            yield reader
            return
    with open_ledger() as ledger:
        yield ledger


def print_json(value: Any) -> None:
    from cli.terminal import json_text

    click.echo(json_text(value, indent=2))


def interactive(as_json: bool) -> bool:
    """Progress bars only for a person at a terminal, never into a pipe or with --json."""
    return not as_json and sys.stderr.isatty()
