"""Signed checkpoints and proofs: what an auditor takes away and checks without the ledger."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cli.params import json_option, ledger_location, open_ledger, print_json

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_NEW = click.Path(dir_okay=False, path_type=Path)


@click.command()
@click.option("--out", required=True, type=_NEW, metavar="KEY",
              help="Write the private key here (mode 0600) and the public key to KEY.pub.")
@click.option("--name", help="The key's name (default: the ledger's checkpoint origin).")
def keygen(out: Path, name: str | None) -> None:
    """Make an Ed25519 key pair to sign checkpoints. Keep KEY out of the database's reach."""
    from ledger.application import generate_key

    public = generate_key(out, name or ledger_location().origin)
    click.echo(f"Wrote the private key to {out} and the public key to {public}.")


@click.command()
@click.option("--key", required=True, type=_FILE, metavar="KEY", help="The private key.")
@click.option("--out", type=_NEW, metavar="FILE",
              help="Write the checkpoint here (atomically) instead of standard output.")
def checkpoint(key: Path, out: Path | None) -> None:
    """Sign the log's current tree head (a C2SP tlog-checkpoint); keep a copy beside the log.

    Store the checkpoint somewhere the database's owner cannot change: a later
    `verify --checkpoint FILE --public-key KEY.pub` proves the log still extends it.
    """
    with open_ledger() as ledger:
        note = ledger.checkpoint(key)
    _write(out, note)


@click.command()
@click.argument("line_id")
@click.option("--checkpoint", "checkpoint_file", type=_FILE, metavar="FILE",
              help="Prove against this checkpoint (default: the one taken last).")
@click.option("--out", type=_NEW, metavar="FILE",
              help="Write the proof here (atomically) instead of standard output.")
def prove(line_id: str, checkpoint_file: Path | None, out: Path | None) -> None:
    """Write LINE_ID as filed, the event that recorded it and its inclusion proof (JSON)."""
    with open_ledger() as ledger:
        bundle = ledger.prove(line_id, checkpoint_file)
    _write(out, bundle.to_json())


@click.command("verify-proof")
@click.argument("proof", type=_FILE)
@click.option("--public-key", "public_keys", multiple=True, type=_FILE, metavar="PUB",
              help="The ledger's public key (repeatable). No database is opened.")
@json_option
def verify_proof(proof: Path, public_keys: tuple[Path, ...], as_json: bool) -> None:
    """Check a proof written by `prove` with the ledger's public key alone."""
    from ledger.application import verify_proof as check

    bundle, signed = check(proof, public_keys)
    if as_json:
        print_json({"ok": True, "line_id": bundle.line_id, "position": bundle.position,
                    "origin": signed.origin, "tree_size": signed.size})
        return
    click.echo(f"OK: line {bundle.line_id!r} (position {bundle.position}) is leaf "
               f"{bundle.leaf_index} of the {signed.size} events signed for {signed.origin}.")


def _write(out: Path | None, text: str) -> None:
    if out is None:
        click.echo(text, nl=False)
        return
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, out)
    click.echo(f"Wrote {out}", err=True)
