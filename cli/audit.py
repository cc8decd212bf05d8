"""Tamper evidence and the raw log: what an auditor checks of the store itself."""

from __future__ import annotations

from pathlib import Path

import click

from cli.params import json_option, known_at_option, now, open_ledger, print_json

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option("--expect-head", metavar="POSITION:HASH",
              help="Also fail unless the event at POSITION still has HASH (a head written "
                   "down earlier; later imports do not matter).")
@click.option("--checkpoint", "checkpoints", multiple=True, type=_FILE, metavar="FILE",
              help="Also prove the log extends this signed checkpoint (repeatable).")
@click.option("--public-key", "public_keys", multiple=True, type=_FILE, metavar="PUB",
              help="The ledger's public key (KEY.pub) the checkpoints are signed with.")
@click.option("--read-model", is_flag=True,
              help="Also recompute the read model from the events and compare it.")
@json_option
def verify(expect_head: str | None, checkpoints: tuple[Path, ...],
           public_keys: tuple[Path, ...], read_model: bool, as_json: bool) -> None:
    """Check the log from its events alone (hash chain, order, Merkle tree); fail at the first
    fault, or if the log no longer holds a head written down or extends a checkpoint."""
    from ledger.errors import TamperError

    # The log alone needs no particular read-model revision; --read-model compares it.
    with open_ledger(events_only=not read_model) as ledger:
        result = ledger.verify(expect_head, checkpoints, public_keys, read_model=read_model)
    chain = result.chain
    if as_json:
        print_json({"ok": result.ok, "events": chain.events, "head": chain.head,
                    "expected_head": expect_head, "bad_position": chain.bad_position,
                    "problem": chain.problem, "failures": result.failures,
                    "checked": result.checked})
    if not chain.ok:
        raise TamperError(f"verification failed at position {chain.bad_position}: "
                          f"{chain.problem} ({chain.events} events verified before it)")
    if result.failures:
        raise TamperError(result.failures[0] + (f" (and {len(result.failures) - 1} more: "
                                                "--json lists them)"
                                                if len(result.failures) > 1 else ""))
    if not as_json:
        kept = ("chain and Merkle tree intact." if chain.tree_stored else "chain intact. No "
                "stored Merkle tree yet: 'sanctions-ledger db upgrade' builds it.")
        click.echo(f"OK: {chain.events} events, {kept} Head: {chain.head}")
        for line in result.checked:
            click.echo(f"OK: {line}")


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
