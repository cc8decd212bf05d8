"""Parse speed of an official list file against a bare ``csv.reader`` pass, in one run.

The ledger's parser (``ledger.sources``) reads every row into a typed entry:
remarks split into dates, documents and links, companion files joined. The
baseline only splits the same file into CSV rows. Both are timed on the same
file in the same process, best of several runs (the machine is shared), and
the parser's peak traced memory is measured in a separate, untimed pass
(it includes the 1 MB buffer the files are hashed with).

    python -m bench.ingest_parse              # the largest OFAC sdn.csv in the repository
    python -m bench.ingest_parse --file PATH  # any sdn.csv, or a directory with its companions
    python -m bench.ingest_parse --format un --file PATH

Only ``--file`` reads outside the repository; the default is a test fixture.
"""

from __future__ import annotations

import argparse
import csv
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from ledger.sources import open_snapshot

DEFAULT = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/lists/ofac-sdn/sdn_20211210T185016Z_b660c7e84e.csv"
)


def parse(format_name: str, path: Path) -> int:
    """Entries read by the ledger's parser (nothing kept)."""
    return sum(1 for _ in open_snapshot(format_name, path).entries())


def csv_rows(path: Path) -> int:
    """Rows of the main CSV file split by the standard library, nothing more."""
    main = path / "sdn.csv" if path.is_dir() else path
    with main.open(encoding="utf-8", newline="") as handle:
        return sum(1 for row in csv.reader(handle) if len(row) > 1)


def best_of(runs: int, work: Callable[[], int]) -> tuple[int, float]:
    """(count, fastest wall time in seconds) over ``runs`` runs."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        count = work()
        timings.append(time.perf_counter() - start)
    return count, min(timings)


def peak_memory(work: Callable[[], int]) -> int:
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--file", type=Path, default=DEFAULT)
    options.add_argument("--format", default="ofac-sdn")
    options.add_argument("--runs", type=int, default=5)
    args = options.parse_args()
    files = [args.file] if args.file.is_file() else list(args.file.iterdir())
    size = sum(p.stat().st_size for p in files)
    entries, parsed = best_of(args.runs, lambda: parse(args.format, args.file))
    print(f"file: {args.file} ({size / 1e6:.1f} MB), format {args.format}, best of {args.runs}")
    print("| pass | items | seconds | items/s |")
    print("| --- | --- | --- | --- |")
    rate = entries / parsed
    print(f"| ledger.sources ({args.format}) | {entries} | {parsed:.3f} | {rate:,.0f} |")
    if args.format.startswith("ofac"):
        rows, raw = best_of(args.runs, lambda: csv_rows(args.file))
        print(f"| csv.reader, main file | {rows} | {raw:.3f} | {rows / raw:,.0f} |")
        print(f"ratio ledger.sources / csv.reader: {parsed / raw:.1f}x")
    peak = peak_memory(lambda: parse(args.format, args.file))
    print(f"peak traced memory while parsing: {peak / 1e6:.1f} MB (file {size / 1e6:.1f} MB; "
          "Python allocations only, libxml2's own memory is not traced)")


if __name__ == "__main__":
    main()
