"""Official lists in: ingest a published snapshot, and show what was ingested."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.params import DateParam, interactive, json_option, open_ledger, print_json
from cli.progress import progress
from cli.terminal import say, shown

FORMATS = ("ofac-sdn", "ofac-cons", "un", "ftm")


@click.command("ingest")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--published", type=DateParam(), default=None,
              help="Publication date, for files that do not carry one (OFAC CSV).")
@json_option
def ingest(format_name: str, path: Path, published, as_json: bool) -> None:
    """Record one published snapshot of an official list, whole or not at all.

    FORMAT is ofac-sdn (sdn.csv, or a directory with add/alt/sdn_comments),
    ofac-cons, un (consolidated XML) or ftm (FollowTheMoney entities). The
    first snapshot of a list designates every entry; each later one is
    compared with the ledger: new entries designated, vanished ones lifted
    between the two publication dates, changes recorded as amendments.

    Example: sanctions-ledger ingest ofac-sdn sdn.csv --published 2021-09-02
    """
    from ledger.errors import LineError

    with progress(interactive(as_json)) as shown, open_ledger(must_exist=False) as ledger:
        try:
            summary = ledger.ingest(format_name, path, published,
                                    progress=shown.counter(f"Ingesting {path.name}"))
        except LineError as error:
            from ledger.errors import LedgerError
            raise LedgerError(f"{path}: the snapshot's {error}") from None
    result = {"list": summary.list_name, "published": summary.published.isoformat(),
              "recorded_at": summary.recorded_at.isoformat(), "added": summary.added,
              "removed": summary.removed, "changed": summary.changed,
              "unchanged": summary.unchanged}
    if as_json:
        print_json(result)
        return
    say(f"{summary.list_name} of {summary.published}: {summary.added} added, "
        f"{summary.removed} removed, {summary.changed} changed, "
        f"{summary.unchanged} unchanged; {summary.lines} lines recorded at "
        f"{result['recorded_at']}.")


@click.command("lists")
@json_option
def lists(as_json: bool) -> None:
    """Every official list ingested: its snapshots and what each changed."""
    with open_ledger() as ledger:
        snapshots = ledger.list_snapshots()
    rows: list[dict[str, Any]] = [{"list": s.list_name, "published": s.published.isoformat(),
             "recorded_at": s.recorded_at.isoformat(), "source": s.source_id,
             "sha256": s.sha256, "entries": s.entries, "added": s.added,
             "removed": s.removed, "changed": s.changed} for s in snapshots]
    if as_json:
        print_json(rows)
        return
    from cli.tables import Grid, print_table

    print_table(Grid(
        "Official list snapshots ingested",
        ("List", "Published", "Recorded at", "Entries", "Added", "Removed", "Changed"),
        [tuple(shown(value) for value in (
            row["list"], row["published"], row["recorded_at"][:19],
            *(row[k] for k in ("entries", "added", "removed", "changed")))) for row in rows],
        f"{len(rows)} snapshots" if rows else "no list ingested yet"))
