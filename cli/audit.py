"""Tamper evidence and the raw log: what an auditor checks of the store itself."""

from __future__ import annotations

import click

from cli.params import json_option, known_at_option, now, open_ledger, print_json


@click.command()
@click.option("--expect-head", metavar="HASH",
              help="Also fail unless the chain's head is this hash (as written down earlier).")
@json_option
def verify(expect_head: str | None, as_json: bool) -> None:
    """Recompute the hash chain over every stored event; fail at the first bad position."""
    from ledger.errors import TamperError

    with open_ledger(events_only=True) as ledger:  # any read-model revision will do
        report = ledger.verify()
    head_differs = bool(expect_head) and expect_head != report.head
    if as_json:
        print_json({"ok": report.ok and not head_differs, "events": report.events,
                    "head": report.head, "expected_head": expect_head,
                    "bad_position": report.bad_position, "problem": report.problem})
    if not report.ok:
        raise TamperError(f"verification failed at position {report.bad_position}: "
                          f"{report.problem} ({report.events} events verified before it)")
    if head_differs:
        raise TamperError(f"the chain's head is {report.head}, not the expected {expect_head}")
    if not as_json:
        click.echo(f"OK: {report.events} events, chain intact. Head: {report.head}")


@click.command()
@click.option("--since", type=int, default=0, metavar="POSITION",
              help="Only events after this position.")
@click.option("--limit", type=int, default=None, help="At most this many events.")
@known_at_option
@json_option
def log(since: int, limit: int | None, known_at, as_json: bool) -> None:
    """The raw event log in recorded order: position, recorded time, type, id, hash.

    Events recorded after --known-at are left out; the text form says first as
    of when the log is shown.
    """
    from cli.terminal import json_text, say

    with open_ledger() as ledger:
        known = ledger.get_known(known_at or now())
        if not as_json:
            click.echo(f"Log {known.text}:")
        for entry in ledger.get_log(since, limit, known_at=known.moment):
            if as_json:
                click.echo(json_text({
                    "position": entry.position, "recorded_at": entry.recorded_at.isoformat(),
                    "type": entry.type, "id": entry.line_id, "hash": entry.hash}))
            else:
                say(f"{entry.position:>8}  {entry.recorded_at.isoformat()}  "
                    f"{entry.type:<14} {entry.line_id}  {entry.hash[:16]}")
