"""End-to-end ingest of official list snapshots, against a raw parse of the same file.

Two figures, each timed in this run on a fresh SQLite ledger:

- a first snapshot: ``SanctionsLedger.ingest`` of one OFAC sdn.csv (parse,
  diff against an empty state, check and record every line, write the state),
  as entries per second beside ``ledger.sources`` alone reading the same file;
- a daily diff: the snapshot of 2021-12-10 ingested into a ledger holding the
  one of 2021-12-09 (9,121 entries, +25 the next day).

    python -m bench.ingest_lists              # the 2021-12-10 fixture as first snapshot
    python -m bench.ingest_lists --file PATH  # any sdn.csv (e.g. the 2024-05-03 one)

Targets (issue 16): first full OFAC snapshot under 5 s, daily diff under 1 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.ingest_parse import best_of, parse
from ledger.application import SanctionsLedger
from ledger.settings import resolve_location

FIXTURES = Path(__file__).resolve().parents[1] / "tests/fixtures/lists/ofac-sdn"
DAY_BEFORE = FIXTURES / "sdn_20211209T185056Z_8e7cf31174.csv"
DAY_AFTER = FIXTURES / "sdn_20211210T185016Z_b660c7e84e.csv"


def ingest_seconds(ledger: SanctionsLedger, path: Path,
                   published: date) -> tuple[int, float, float]:
    """Entries ingested, wall seconds and this process's CPU seconds (the machine is shared:
    CPU time shows the work when other jobs stretch the wall time)."""
    start, cpu = time.perf_counter(), time.process_time()
    summary = ledger.ingest("ofac-sdn", path, published)
    return summary.entries, time.perf_counter() - start, time.process_time() - cpu


def fresh_ledger(directory: str, name: str) -> SanctionsLedger:
    return SanctionsLedger(resolve_location(str(Path(directory) / f"{name}.db")))


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--file", type=Path, default=DAY_AFTER)
    options.add_argument("--runs", type=int, default=3)
    args = options.parse_args()
    entries, parsed = best_of(args.runs, lambda: parse("ofac-sdn", args.file))
    with tempfile.TemporaryDirectory() as directory:
        first = fresh_ledger(directory, "first")
        _, ingested, ingested_cpu = ingest_seconds(first, args.file, date(2024, 5, 3))
        first.close()
        daily = fresh_ledger(directory, "daily")
        held, _, _ = ingest_seconds(daily, DAY_BEFORE, date(2021, 12, 9))
        _, diffed, diffed_cpu = ingest_seconds(daily, DAY_AFTER, date(2021, 12, 10))
        daily.close()
    print(f"file: {args.file.name}, {entries} entries")
    print("| pass | wall s | CPU s | entries/s (wall) | target |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| ledger.sources parse (best of {args.runs}) | {parsed:.2f} | | "
          f"{entries / parsed:,.0f} | |")
    print(f"| first snapshot, ingest end to end | {ingested:.2f} | {ingested_cpu:.2f} | "
          f"{entries / ingested:,.0f} | < 5 s |")
    print(f"| ingest / parse (wall) | {ingested / parsed:.1f}x | | | |")
    print(f"| daily diff into a ledger of {held} entries | {diffed:.2f} | {diffed_cpu:.2f} | "
          "| < 1 s |")


if __name__ == "__main__":
    main()
