"""Runs every measurement of the benchmark and writes ``bench/results.md``.

``python -m bench.run`` measures 10k, 100k and 1M lines (``make bench``);
``python -m bench.run --smoke`` only 10k, with fewer repetitions
(``make bench-smoke``, part of ``make test``). Each figure is the median of
several fresh child processes; every baseline is measured in the same run, on
the same files. See ``bench/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.generate import generate
from bench.measure import CLI, HERE, Run, median, run_child
from bench.report import targets, write_report
from ledger.settings import resolve_location

WORK = HERE / "work"
PY = str(Path(CLI).parent / "python")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def history(lines: int) -> tuple[Path, Path]:
    """The seeded history of this size (generated once, kept in bench/work/)."""
    out = WORK / f"history-{lines}.jsonl"
    stage2 = out.with_suffix(".stage2.jsonl")
    if not (out.exists() and stage2.exists()):
        WORK.mkdir(exist_ok=True)
        generate(lines, out)
    return out, stage2


def fresh_sqlite(name: str) -> Path:
    db = WORK / name
    resolve_location(str(db)).remove_sqlite_files()
    return db


def repeat(runs: int, once: Any) -> list[Run]:
    return [once() for _ in range(runs)]


def import_figures(lines: int, raw: list[Run], ledger: list[Run]) -> dict[str, float]:
    raw_s, ledger_s = median([r.seconds for r in raw]), median([r.seconds for r in ledger])
    return {"raw_lps": lines / raw_s, "raw_mb": max(r.peak_mb for r in raw),
            "lps": lines / ledger_s, "mb": max(r.peak_mb for r in ledger),
            "ratio": ledger_s / raw_s, "runs": len(ledger)}


def measure_sqlite(label: str, lines: int, runs: int, queries: int) -> dict[str, Any]:
    file, stage2 = history(lines)

    def raw_once() -> Run:
        return run_child([PY, "-m", "bench.baseline", "sqlite", str(file),
                          str(fresh_sqlite(f"raw-{label}.db"))])

    def ledger_once() -> Run:
        return run_child([CLI, "--db", str(fresh_sqlite(f"ledger-{label}.db")),
                          "import", str(file), "--json"])

    figures: dict[str, Any] = {"import": import_figures(
        lines, repeat(runs, raw_once), repeat(runs, ledger_once))}
    db = str(WORK / f"ledger-{label}.db")
    figures.update(after_import(db, stage2, queries))
    figures["rebuild"] = rebuild(db, runs)
    figures["cli_query"] = cli_query(db)
    figures["batch"] = batch(db, lines, runs)
    figures["list_table"] = list_table(db)
    return figures


def list_table(db: str) -> dict[str, float]:
    """The largest authority's list as a table and as JSON (in a pipe), in turns: a
    table of any size is to take at most twice the JSON's time."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        authority, rows = conn.execute(
            "SELECT authority, count(*) FROM sanction_spans GROUP BY authority "
            "ORDER BY 2 DESC LIMIT 1").fetchone()
    args = [CLI, "--db", db, "list", "--authority", authority, "--at", "2020-06-01"]
    pairs = [(run_child(args).seconds, run_child([*args, "--json"]).seconds)
             for _ in range(3)]
    table, as_json = median([t for t, _ in pairs]), median([j for _, j in pairs])
    return {"rows": rows, "table_s": table, "json_s": as_json, "ratio": table / as_json}


def after_import(url: str, stage2: Path, queries: int) -> dict[str, Any]:
    """Record the continuation later, then time queries known-at before and after it."""
    known_past = datetime.now(UTC)
    time.sleep(0.01)
    run_child([CLI, "--db", url, "import", str(stage2), "--json"])
    latency = run_child([PY, "-m", "bench.latency", url, known_past.isoformat(), str(queries)])
    return {"latency": json.loads(latency.stdout)}


def rebuild(url: str, runs: int) -> dict[str, float]:
    outputs = [json.loads(r.stdout) for r in
               repeat(runs, lambda: run_child([CLI, "--db", url, "rebuild", "--json"]))]
    seconds = median([o["seconds"] for o in outputs])
    return {"eps": outputs[0]["events"] / seconds, "seconds": seconds}


def a_target(url: str) -> str:
    import sqlite3

    with sqlite3.connect(url) as conn:
        return conn.execute("SELECT target FROM sanction_spans ORDER BY sanction_id "
                            "LIMIT 1").fetchone()[0]


def cli_help() -> float:
    return median([run_child([CLI, "--help"]).seconds for _ in range(9)]) * 1000


def cli_query(db: str) -> dict[str, float]:
    """One `in-force --json`, and what it costs beyond the start-up of that same command.

    Start-up is `in-force --help`: the interpreter, click and the command's own
    module, everything before the command reads the ledger. (`--help` of the
    whole CLI loads every command's module to list them, so it starts up more
    than one question does.)

    The two run in turns, and what lies beyond start-up is the median of each
    pair's difference: measured as two medians apart, a slow spell of the
    machine during one of them once made it negative.
    """
    query = [CLI, "--db", db, "in-force", a_target(db), "--at", "2020-06-01", "--json"]
    pairs = [(run_child(query).seconds * 1000, run_child([CLI, "in-force", "--help"]).seconds
              * 1000) for _ in range(9)]
    return {"total_ms": median([total for total, _ in pairs]),
            "start_up_ms": median([start_up for _, start_up in pairs]),
            "beyond_ms": median([total - start_up for total, start_up in pairs])}


def batch(url: str, lines: int, runs: int) -> dict[str, float]:
    """Screen a customer file of party ids and names (some unknown) in one command."""
    path = WORK / f"batch-{lines}.txt"
    parties = batch_input(url, 20_000)
    path.write_text("\n".join(parties) + "\n", encoding="utf-8")
    args = [CLI, "--db", url, "in-force", "--batch", str(path), "--at", "2020-06-01"]
    run_child(args)  # warm, as bench.latency is: a cold first run at 1M took 4.3 s, then 0.9
    seconds = median([r.seconds for r in repeat(runs, lambda: run_child(args))])
    return {"pps": len(parties) / seconds, "parties": len(parties), "seconds": seconds}


def batch_input(url: str, count: int) -> list[str]:
    import sqlite3

    with sqlite3.connect(url) as conn:
        known = conn.execute("SELECT party_id, name FROM parties ORDER BY party_id").fetchall()
    rng = random.Random(5)
    picked = [rng.choice(known) for _ in range(count)]
    return [p[0] if i % 2 else (p[1] if i % 7 else f"Nobody Called {i}")
            for i, p in enumerate(picked)]


def timed(backend: str, measure: Any, *args: Any) -> Any:
    """Measure, and say how long it took: where the benchmark's own run time goes."""
    started = time.perf_counter()
    figures = measure(*args)
    print(f"  {backend}: {time.perf_counter() - started:.0f} s", flush=True)
    return figures


def machine() -> dict[str, str]:
    import os
    import sqlite3
    from importlib.metadata import version

    with open("/proc/meminfo") as info:
        memory = next(line.split()[1] for line in info if line.startswith("MemTotal"))
    found = {"cpus (nproc)": str(os.cpu_count()), "memory": f"{int(memory) // 1024} MB",
             "cpu": _cpu_model(), "os": platform.platform(),
             "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("sanctions-ledger", "eventsourcing", "sqlalchemy", "psycopg"):
        found[package] = version(package)
    found["postgresql"] = _postgres_version()
    return found


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as info:
        return next((line.split(":", 1)[1].strip() for line in info
                     if line.startswith("model name")), platform.machine())


def _postgres_version() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="10k lines only, quickly")
    parser.add_argument("--out", type=Path, help="default: bench/results.md, "
                        "bench/work/results-smoke.md with --smoke")
    args = parser.parse_args()
    out = args.out or (WORK / "results-smoke.md" if args.smoke else HERE / "results.md")
    from bench.postgres import measure_postgres

    plan = {"10k": 2} if args.smoke else {"10k": 3, "100k": 3, "1M": 1}
    queries = 500 if args.smoke else 2000
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "sizes": {}, "help_ms": cli_help()}
    for label, runs in plan.items():
        lines = SIZES[label]
        print(f"measuring {label} lines ({runs} runs)", flush=True)
        history(lines)
        figures = timed("SQLite", measure_sqlite, label, lines, runs, queries)
        figures["postgres"] = timed("PostgreSQL", measure_postgres, label, history(lines), runs,
                                    queries)
        results["sizes"][label] = {"lines": lines, "runs": runs, **figures}
    results["seconds"] = time.perf_counter() - started
    (WORK / "results.json").write_text(json.dumps(results, indent=2))
    write_report(results, out)
    print(f"wrote {out} in {results['seconds']:.0f} s")
    unmeasured = [name for name, _, met in targets(results) if met is None]
    if unmeasured:  # a renamed figure must fail bench-smoke (and so make test), not show "-"
        raise SystemExit(f"no figure was measured for: {'; '.join(unmeasured)}")


if __name__ == "__main__":
    main()
