"""Point-in-time questions: in force against a party, an authority's list, parties, a line."""

from __future__ import annotations

from collections.abc import Sequence
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
)
from cli.tables import Grid, print_table
from cli.terminal import json_text, say, shown


@click.command("in-force")
@click.argument("party", required=False)
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, allow_dash=True,
                                         path_type=Path),
              help="Screen every row of FILE ('-': standard input): one id or name per "
                   "line, or a CSV with --column. Prints one JSON line per row, with its "
                   "line number; a summary goes to standard error.")
@click.option("--column", metavar="NAME", help="With --batch: the CSV column to screen.")
@click.option("--key", metavar="NAME",
              help="With --batch and --column: a CSV column (a customer id) to carry through.")
@at_option
@known_at_option
@json_option
def in_force(party: str | None, batch: Path | None, column: str | None,
             key: str | None, at, known_at, as_json: bool) -> None:
    """Sanctions in force against PARTY (an id, a name or an alias).

    Example: sanctions-ledger in-force "Chen Mingguo" --at 2021-03-22

    Or screen a whole file: sanctions-ledger in-force --batch customers.csv
    --column name --key customer_id --at 2021-03-22
    """
    if (party is None) == (batch is None):
        raise click.UsageError("give either PARTY or --batch FILE")
    if column is not None and batch is None:
        raise click.UsageError("--column needs --batch FILE")
    if key is not None and column is None:
        raise click.UsageError("--key needs --batch FILE and --column")
    if batch is not None:
        from cli.batch import screen_file

        screen_file(batch, column, key, at=at or today(), known_at=known_at or now())
        return
    assert party is not None  # exactly one of PARTY and --batch is given
    with answering() as asked:
        answer = asked.get_in_force(party, at=at or today(), known_at=known_at or now())
    print_json(answer_json(answer)) if as_json else print_table(answer_table(answer))


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
    print_json(answer_json(answer)) if as_json else print_table(answer_table(answer))


@click.command()
@click.argument("search", required=False)
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True,
              help="At most this many parties.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many first (by id): the next page is --offset 200.")
@known_at_option
@json_option
def parties(search: str | None, limit: int, offset: int, known_at, as_json: bool) -> None:
    """Find parties whose id, name or alias contains SEARCH (all parties without it),
    with the names they had as known at --known-at, a page at a time; the title says
    how many there are in all."""
    with open_ledger() as ledger:
        known = ledger.get_known(known_at or now())
        found, total = ledger.get_party_page(search, known_at=known.moment, limit=limit,
                                             offset=offset)
    if as_json:
        print_json([party_json(p) for p in found])
        return
    matching = f" matching {search!r}" if search else ""
    rows: list[Sequence[str]] = [
        tuple(map(shown, (p.id, p.kind, p.name, "; ".join(n for n in p.names if n != p.name),
                          p.country or "")))
        for p in found]
    print_table(Grid(shown(f"{total:,} parties{matching}, {known.text}"),
                     ("Id", "Kind", "Name", "Also known as", "Country"), rows))
    if len(found) < total:
        say(_page_note(len(found), total, offset))


def _page_note(count: int, total: int, offset: int) -> str:
    more = f"; the next page: --offset {offset + count}" if offset + count < total else ""
    return f"showing {count:,} of {total:,} (from number {offset + 1:,}){more}"


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
    say(f"{line.id}  ({line.type}, position {line.position}, "
        f"recorded {line.recorded_at.isoformat()}), {known.text}")
    click.echo(json_text(line.content, indent=2))
    for source in sources:
        c = source.content
        say(f"source {source.id}: {c.get('publisher')}, {c.get('title')!r}"
            f"{', ' + c['url'] if c.get('url') else ''}")
        if c.get("excerpt"):
            say(f"  \u201c{c['excerpt']}\u201d")
    for r in related:
        say(f"related: {r.id} ({r.type}, recorded {r.recorded_at.isoformat()})")
