"""Screening speed on a ledger holding the OFAC SDN list (July 2021), from the command line.

``python -m bench.screening_speed`` (part of ``make bench``) imports the list
into a fresh SQLite ledger in ``bench/work/``, then measures, each the median
of several child processes:

- one ``screen NAME --json`` beyond start-up: its wall time minus that of
  ``sanctions-ledger --version`` (the interpreter and click), and minus that
  of an ``in-force`` lone question as a second baseline;
- ``screen --batch`` over the evaluation set's OFAC queries: names per second
  (wall time minus start-up).

``--parties N`` adds a ledger of N generated parties (names drawn from the
list's words) and the batch rate against it. Writes ``bench/screening-speed.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import CLI, HERE
from bench.screening_lists import ofac
from ledger.settings import resolve_location

WORK = HERE / "work"
CASES = HERE / "fixtures" / "screening" / "cases.jsonl"
LEDGER_KINDS = {"person": "person"}  # vessels and aircraft are organisations to the ledger


def sdn_lines() -> list[dict[str, object]]:
    """The SDN list as interchange lines: one authority, a party and a designation each."""
    lines: list[dict[str, object]] = [
        {"type": "party", "id": "auth:ofac", "kind": "authority", "name": "OFAC"}]
    for uid, party in ofac().items():
        ident = f"ofac:{uid.strip()}"
        lines.append({"type": "party", "id": ident, "name": party.name,
                      "kind": LEDGER_KINDS.get(party.kind, "organization"),
                      "aliases": sorted(set(party.aliases) - {party.name})})
        lines.append({"type": "designation", "id": f"{ident}:sdn", "authority": "auth:ofac",
                      "target": ident, "measures": ["asset_freeze"],
                      "effective_from": "2021-07-01"})
    return lines


def generated_lines(parties: int, seed: int = 17) -> list[dict[str, object]]:
    """``parties`` made-up parties whose names are drawn from the SDN list's words."""
    words = sorted({w for p in ofac().values() for w in p.name.replace(",", " ").split()
                    if w.isalpha() and len(w) > 2})
    rng = random.Random(seed)
    lines: list[dict[str, object]] = []
    for n in range(parties):
        name = " ".join(rng.choice(words) for _ in range(rng.choice((2, 3, 3, 4))))
        lines.append({"type": "party", "id": f"gen:{n}", "kind": "person", "name": name})
    return lines


def ledger_of(name: str, lines: list[dict[str, object]]) -> tuple[Path, float]:
    """A fresh SQLite ledger holding these lines, and the seconds its import took."""
    WORK.mkdir(exist_ok=True)
    db, source = WORK / f"{name}.db", WORK / f"{name}.jsonl"
    resolve_location(str(db)).remove_sqlite_files()
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return db, wall([CLI, "--db", str(db), "import", str(source)])


def wall(command: list[str], stdin: Path | None = None) -> float:
    started = time.perf_counter()
    with open(stdin or "/dev/null", "rb") as given:
        subprocess.run(command, stdin=given, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def median_wall(command: list[str], runs: int, stdin: Path | None = None) -> float:
    return statistics.median(wall(command, stdin) for _ in range(runs))


def queries(limit: int | None = None) -> Path:
    """The evaluation set's OFAC queries, one a line."""
    found = [c["query"] for c in map(json.loads, CASES.read_text().splitlines())
             if c["list"] == "ofac"]
    path = WORK / "screening-queries.txt"
    path.write_text("\n".join(found[:limit]) + "\n")
    return path


def batch_rate(db: Path, names: Path, start_up: float, runs: int) -> float:
    count = len(names.read_text().splitlines())
    seconds = median_wall([CLI, "--db", str(db), "screen", "--batch", "-"], runs, stdin=names)
    return count / (seconds - start_up)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--parties", type=int, default=0)
    args = parser.parse_args()
    db, imported = ledger_of("sdn", sdn_lines())
    version = median_wall([CLI, "--version"], args.runs)
    base = [CLI, "--db", str(db)]
    lone = median_wall([*base, "in-force", "ofac:10001", "--json"], args.runs)
    screen = median_wall([*base, "screen", "CHEN, Quanguo", "--json"], args.runs)
    names = queries()
    rows = [("SDN import (s)", f"{imported:.1f}", ""),
            ("`screen NAME` beyond start-up (ms)", f"{(screen - version) * 1000:.0f}", "< 100"),
            ("`screen NAME` beyond an `in-force` lone question (ms)",
             f"{(screen - lone) * 1000:.0f}", ""),
            ("batch names/s against the SDN list", f"{batch_rate(db, names, version, 3):,.0f}",
             ">= 5,000")]
    if args.parties:
        big, seconds = ledger_of(f"parties-{args.parties}", generated_lines(args.parties))
        rows += [(f"import of {args.parties:,} generated parties (s)", f"{seconds:.0f}", ""),
                 (f"batch names/s against {args.parties:,} parties",
                  f"{batch_rate(big, names, version, 1):,.0f}", ">= 1,000")]
    report(rows, len(names.read_text().splitlines()), version)


def report(rows: list[tuple[str, str, str]], queries: int, start_up: float) -> None:
    text = ["# Screening speed (`python -m bench.screening_speed`)", "",
            f"SQLite, one process; {queries} queries; start-up (`--version`) "
            f"{start_up * 1000:.0f} ms.", "", "| figure | value | target |", "|---|---|---|",
            *(f"| {a} | {b} | {c} |" for a, b, c in rows), ""]
    (HERE / "screening-speed.md").write_text("\n".join(text))
    sys.stdout.write("\n".join(text))


if __name__ == "__main__":
    main()
