"""Point-in-time questions: in force against a party, an authority's list, parties, a line."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from cli.params import (
    answering,
    at_option,
    json_option,
    known_at_option,
    now,
    open_ledger,
    print_json,
    today,
)
from cli.render import (
    answer_json,
    answer_table,
    line_json,
    party_json,
    print_rich,
    screened_json,
)


@click.command("in-force")
@click.argument("party", required=False)
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Screen every party in FILE (one id or name per line, or a CSV "
                   "with --column); prints one JSON line per party.")
@click.option("--column", metavar="NAME", help="With --batch: the CSV column to read.")
@at_option
@known_at_option
@json_option
def in_force(party: str | None, batch: Path | None, column: str | None,
             at, known_at, as_json: bool) -> None:
    """Sanctions in force against PARTY (an id, a name or an alias).

    Example: sanctions-ledger in-force "Chen Mingguo" --at 2021-03-22

    Or screen a whole file: sanctions-ledger in-force --batch customers.csv
    --column name --at 2021-03-22
    """
    if (party is None) == (batch is None):
        raise click.UsageError("give either PARTY or --batch FILE")
    if column is not None and batch is None:
        raise click.UsageError("--column needs --batch FILE")
    if batch is not None:
        _screen(batch, column, at or today(), known_at or now())
        return
    assert party is not None  # exactly one of PARTY and --batch is given
    with answering() as asked:
        answer = asked.get_in_force(party, at=at or today(), known_at=known_at or now())
    print_json(answer_json(answer)) if as_json else print_rich(answer_table(answer))


def _screen(path: Path, column: str | None, at, known_at) -> None:
    import sys

    from ledger.errors import LedgerError, LineError
    from ledger.interchange import decode_lines
    with path.open("rb") as raw, answering() as asked:
        queries = batch_queries(decode_lines(raw), column, path.name)
        write = sys.stdout.write
        try:
            for screened in asked.screen(queries, at=at, known_at=known_at):
                write(json.dumps(screened_json(screened), ensure_ascii=False) + "\n")
        except LineError as error:
            raise LedgerError(f"{path} {error}") from None


def batch_queries(stream: Iterable[str], column: str | None, name: str) -> Iterator[str]:
    """The parties to screen: each non-blank line, or one CSV column's non-blank values."""
    if column is None:
        yield from (text for text in (line.strip() for line in stream) if text)
        return
    reader = csv.DictReader(stream)
    if column not in (reader.fieldnames or []):
        from ledger.errors import LedgerError

        raise LedgerError(f"{name} has no column {column!r} (its header: "
                          f"{', '.join(reader.fieldnames or []) or 'empty'})")
    yield from (text for text in (row[column].strip() for row in reader if row[column]) if text)


@click.command("list")
@click.option("--authority", required=True, help="The authority (id, name or alias).")
@at_option
@known_at_option
@json_option
def authority_list(authority: str, at, known_at, as_json: bool) -> None:
    """An authority's list: every sanction it has in force on a date.

    Example: sanctions-ledger list --authority EU --at 2021-03-23
    """
    with answering() as asked:
        answer = asked.get_authority_list(authority, at=at or today(),
                                          known_at=known_at or now())
    print_json(answer_json(answer)) if as_json else print_rich(answer_table(answer))


@click.command()
@click.argument("search", required=False)
@known_at_option
@json_option
def parties(search: str | None, known_at, as_json: bool) -> None:
    """Find parties whose id, name or alias contains SEARCH (all parties without it),
    with the names they had, as known at --known-at."""
    from rich.table import Table

    with open_ledger() as ledger:
        known = ledger.get_known(known_at or now())
        found = ledger.find_parties(search, known_at=known.moment)
    if as_json:
        print_json([party_json(p) for p in found])
        return
    matching = f" matching {search!r}" if search else ""
    table = Table("Id", "Kind", "Name", "Also known as", "Country", title_justify="left",
                  title=f"{len(found)} parties{matching}, {known.text}")
    for p in found:
        table.add_row(p.id, p.kind, p.name, "; ".join(n for n in p.names if n != p.name),
                      p.country or "")
    print_rich(table)


@click.command()
@click.argument("line_id")
@known_at_option
@json_option
def show(line_id: str, known_at, as_json: bool) -> None:
    """Show any recorded line: what was filed, when it was recorded, and its sources,
    as known at --known-at."""
    from ledger.errors import LedgerError

    with open_ledger() as ledger:
        known = ledger.get_known(known_at or now())
        line = ledger.get_line(line_id, known_at=known.moment)
        if line is None:
            raise LedgerError(f"nothing is recorded with the id {line_id!r}" if known.capped
                              else f"nothing was recorded with the id {line_id!r} "
                                   f"{known.text}")
        sources = ledger.get_lines(line.sources, known_at=known.moment)
        related = [r for r in ledger.get_lines_about(line_id, known_at=known.moment)
                   if r.id != line_id]
    if as_json:
        print_json({**line_json(line), "filed": line.content,
                    "source_lines": [s.content for s in sources],
                    "related": [line_json(r) for r in related], **known.fields})
        return
    click.echo(f"{line.id}  ({line.type}, position {line.position}, "
               f"recorded {line.recorded_at.isoformat()}), {known.text}")
    click.echo(json.dumps(line.content, ensure_ascii=False, indent=2))
    for source in sources:
        c = source.content
        click.echo(f"source {source.id}: {c.get('publisher')}, {c.get('title')!r}"
                   f"{', ' + c['url'] if c.get('url') else ''}")
        if c.get("excerpt"):
            click.echo(f"  \u201c{c['excerpt']}\u201d")
    for r in related:
        click.echo(f"related: {r.id} ({r.type}, recorded {r.recorded_at.isoformat()})")
