"""In-process point-in-time query latency, against the raw indexed select.

Run as ``python -m bench.latency URL KNOWN_PAST COUNT`` on a ledger that
``bench.run`` has imported; prints one JSON object of p50/p99 in
milliseconds for:

- ``ledger``: ``SanctionsLedger.get_in_force`` (what the CLI calls: catch-up
  check, party resolution, the spans lookup, the evidence lines);
- ``read_model``: ``Reader.find_in_force`` alone (the spans lookup);
- ``raw``: the same select by hand over the same table (``bench.baseline``);

each with known-at now and known-at in the past (between the two files).

Each batch of cases runs once untimed through the ledger before the three
are timed in turn, so the figures are the query path with every page it
reads in memory, for the ledger and the raw select alike (the ledger's answer
reads the spans the other two read, and more). A first, cold pass measures
the disk instead: on this machine, whose page cache is reclaimed in the
background, a cold pass over the 1M ledger gave p99 2.2 ms and the warm one
0.8 ms.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.baseline import postgres_select, sqlite_select
from bench.measure import percentile
from ledger.application import SanctionsLedger
from ledger.settings import resolve_location


def timed(query: Callable[[str, date, datetime], Any],
          cases: list[tuple[str, date, datetime]]) -> dict[str, float]:
    samples = []
    for case in cases:
        started = time.perf_counter_ns()
        query(*case)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99)}


def cases(targets: list[str], count: int, known_at: datetime,
          seed: int) -> list[tuple[str, date, datetime]]:
    rng = random.Random(seed)
    first, days = date(2012, 1, 1), (date(2026, 12, 31) - date(2012, 1, 1)).days
    return [(rng.choice(targets), first + timedelta(days=rng.randint(0, days)), known_at)
            for _ in range(count)]


def measure(url: str, known_past: datetime, count: int) -> dict[str, Any]:
    location = resolve_location(url)
    ledger = SanctionsLedger(location, must_exist=True)
    raw = (sqlite_select(str(location.path)) if location.backend == "sqlite"
           else postgres_select(url))
    try:
        with ledger.engine.connect() as conn:
            targets = [row[0] for row in conn.exec_driver_sql(
                "SELECT DISTINCT target FROM sanction_spans ORDER BY target")]
        queries: dict[str, Callable[[str, date, datetime], Any]] = {
            "ledger": lambda t, d, k: ledger.get_in_force(t, at=d, known_at=k),
            "read_model": lambda t, d, k: ledger.reader.find_in_force(
                at=d, known_at=k, target=t),
            "raw": raw,
        }
        results: dict[str, Any] = {"targets": len(targets)}
        for moment_name, moment in (("now", datetime.now(UTC)), ("past", known_past)):
            batch = cases(targets, count, moment, seed=7)
            for case in batch:  # warm: see the module's docstring
                queries["ledger"](*case)
            for name, query in queries.items():
                results[f"{name}_{moment_name}"] = timed(query, batch)
        return results
    finally:
        ledger.close()


if __name__ == "__main__":
    url, past, count = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(measure(url, past, count)))
