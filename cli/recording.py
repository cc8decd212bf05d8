"""Writing to the ledger: import a file or a bundled dataset, export, rebuild the read model."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from cli.params import (
    interactive,
    json_option,
    known_at_option,
    ledger_location,
    now,
    open_ledger,
    print_json,
)
from cli.progress import progress

WAITING = "Waiting for another import or rebuild of this ledger to finish..."
wait_option = click.option(
    "--wait", type=click.FloatRange(min=0), metavar="SECONDS",
    help="Give up after waiting this long for another import or rebuild "
         "(default: wait until it ends).")
# From this size a second process pays for its start-up many times over (bench/).
TWO_PROCESSES_FROM = 4 * 2**20  # bytes of a file to import
# Events of a ledger to rebuild. Below these, starting a second process costs more than it saves.
REBUILD_TWO_PROCESSES_FROM = 25_000


@click.command("import")
@click.argument("file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", metavar="NAME", help="Import a bundled dataset (see 'datasets').")
@click.option("--two-processes/--one-process", default=None,
              help="Write in a second process while checking in this one. "
                   f"Default: two for files over {TWO_PROCESSES_FROM // 2**20} MB "
                   "on a machine with two cores or more.")
@wait_option
@json_option
def import_file(file: Path | None, dataset: str | None, two_processes: bool | None,
                wait: float | None, as_json: bool) -> None:
    """Record an interchange file (JSON Lines) whole, or not at all.

    Lines already recorded with the same content are skipped, so importing a
    file twice is harmless. A bad line rejects the whole file and names its
    line number; the ledger is left exactly as it was.
    """
    from ledger.datasets import dataset_path
    from ledger.errors import LedgerError, LineError

    if (file is None) == (dataset is None):
        raise click.UsageError("give either FILE or --dataset NAME")
    path = file if file is not None else dataset_path(str(dataset))
    shown = str(file) if file is not None else f"dataset {dataset}"
    started = time.perf_counter()
    if two_processes is None:
        two_processes = path.stat().st_size >= TWO_PROCESSES_FROM and _cores() >= 2
    try:
        summary, head = _record(path, as_json, two_processes, wait)
    except LineError as error:
        raise LedgerError(f"{shown} {error}") from None
    result = {"file": shown, "recorded": dict(summary.recorded), "skipped": summary.skipped,
              "recorded_at": summary.recorded_at.isoformat(), "head": head,
              "seconds": round(time.perf_counter() - started, 3)}
    if as_json:
        print_json(result)
        return
    kinds = ", ".join(f"{n} {t}" for t, n in sorted(summary.recorded.items())) or "nothing new"
    click.echo(f"Recorded {summary.total_recorded} lines from {shown} ({kinds}); "
               f"{summary.skipped} already recorded. Recorded at {result['recorded_at']}.")


def _record(path: Path, as_json: bool, two_processes: bool, wait: float | None):
    """Record the file; a ledger file this import created is removed again if it fails.
    Returns the summary and the ledger's head (``POSITION:HASH``) after it."""
    from ledger.interchange import read_objects

    location = ledger_location()
    existed = location.exists()
    try:
        with open_ledger(must_exist=False) as ledger, path.open("rb") as raw, \
                progress(interactive(as_json)) as shown:
            stream = shown.reading(raw, path.stat().st_size, f"checking {path.name}")
            summary = ledger.record_file(read_objects(stream), shown.note(WAITING),
                                         two_processes=two_processes, wait=wait)
            return summary, ledger.head()
    except Exception:
        if not existed and location.backend == "sqlite":
            location.remove_sqlite_files()
        raise


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output (a regular file is "
                   "replaced whole or not at all).")
@known_at_option
def export(out: Path | None, known_at) -> None:
    """Write the whole ledger back as an interchange file, in recorded order: every line
    recorded by --known-at (a comment at the top says as of when)."""
    from cli.output import write_out
    from cli.terminal import json_safe

    with open_ledger() as ledger:
        lines = ledger.export_lines(known_at or now())
        if out is None:
            for line in lines:
                click.echo(json_safe(line))
            return
        write_out(out, (json_safe(line) + "\n" for line in lines))
    click.echo(f"Exported the ledger to {out}", err=True)


@click.command()
@json_option
def datasets(as_json: bool) -> None:
    """List the datasets bundled with sanctions-ledger."""
    from ledger.datasets import bundled, describe

    found = {name: {"file": str(path), "description": describe(name)}
             for name, path in bundled().items()}
    if as_json:
        print_json(found)
        return
    for name, info in found.items():
        click.echo(f"{name}\t{info['description']}")


@click.command()
@click.option("--two-processes/--one-process", default=None,
              help="Write in a second process while decoding in this one. Default: two "
                   f"for a ledger of {REBUILD_TWO_PROCESSES_FROM:,} events or more on a "
                   "machine with two cores or more.")
@wait_option
@json_option
def rebuild(two_processes: bool | None, wait: float | None, as_json: bool) -> None:
    """Drop the read model and rebuild it from the stored events alone."""
    started = time.perf_counter()
    with open_ledger() as ledger, progress(interactive(as_json)) as shown:
        if two_processes is None:
            two_processes = (ledger.stored_events() >= REBUILD_TWO_PROCESSES_FROM
                             and _cores() >= 2)
        count = ledger.rebuild_read_model(shown.counter("rebuilding"), shown.note(WAITING),
                                          two_processes=two_processes, wait=wait)
    seconds = time.perf_counter() - started
    if as_json:
        print_json({"events": count, "seconds": round(seconds, 3)})
    else:
        click.echo(f"Rebuilt the read model from {count} events in {seconds:.2f} s.")


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))
