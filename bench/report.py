"""Writes ``bench/results.md`` from the figures ``bench.run`` measured."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Figures = dict[str, Any]


def _get(figures: Figures, path: str) -> Any:
    value: Any = figures
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


#: (label, path into a size's figures, digits)
ROWS = [
    ("import, ledger (lines/s)", "import.lps", 0),
    ("import, raw sqlite3 (lines/s)", "import.raw_lps", 0),
    ("import time ratio ledger / raw", "import.ratio", 2),
    ("import peak memory, ledger (MB)", "import.mb", 0),
    ("import peak memory, raw (MB)", "import.raw_mb", 0),
    ("import runs (median of)", "import.runs", 0),
    ("rebuild (events/s)", "rebuild.eps", 0),
    ("query p50, ledger, known-at now (ms)", "latency.ledger_now.p50", 3),
    ("query p99, ledger, known-at now (ms)", "latency.ledger_now.p99", 3),
    ("query p99, ledger, known-at past (ms)", "latency.ledger_past.p99", 3),
    ("query p50, read model only, now (ms)", "latency.read_model_now.p50", 3),
    ("query p99, read model only, now (ms)", "latency.read_model_now.p99", 3),
    ("query p99, read model only, past (ms)", "latency.read_model_past.p99", 3),
    ("query p50, raw select, now (ms)", "latency.raw_now.p50", 3),
    ("query p99, raw select, now (ms)", "latency.raw_now.p99", 3),
    ("query p99, raw select, past (ms)", "latency.raw_past.p99", 3),
    ("CLI in-force, whole command (ms)", "cli_query.total_ms", 1),
    ("CLI in-force --help, its start-up (ms)", "cli_query.start_up_ms", 1),
    ("CLI in-force beyond start-up (ms)", "cli_query.beyond_ms", 1),
    ("batch screening (parties/s)", "batch.pps", 0),
    ("batch screening input (parties)", "batch.parties", 0),
]
PG_ROWS = [
    ("import, ledger (lines/s)", "postgres.import.lps", 0),
    ("import, raw COPY (lines/s)", "postgres.import.raw_lps", 0),
    ("import time ratio ledger / raw", "postgres.import.ratio", 2),
    ("import peak memory, ledger (MB)", "postgres.import.mb", 0),
    ("query p50, ledger, known-at now (ms)", "postgres.latency.ledger_now.p50", 3),
    ("query p99, ledger, known-at now (ms)", "postgres.latency.ledger_now.p99", 3),
    ("query p99, ledger, known-at past (ms)", "postgres.latency.ledger_past.p99", 3),
    ("query p99, read model only, now (ms)", "postgres.latency.read_model_now.p99", 3),
    ("query p99, raw select, now (ms)", "postgres.latency.raw_now.p99", 3),
]


def _table(sizes: dict[str, Figures], rows: list[tuple[str, str, int]]) -> list[str]:
    labels = list(sizes)
    out = ["| figure | " + " | ".join(labels) + " | growth |",
           "| --- | " + " | ".join("---:" for _ in labels) + " | ---: |"]
    for name, path, digits in rows:
        values = [_get(sizes[label], path) for label in labels]
        first, last = values[0], values[-1]
        growth = (f"{last / first:.2f}x" if len(values) > 1 and isinstance(first, int | float)
                  and isinstance(last, int | float) and first else "-")
        out.append(f"| {name} | " + " | ".join(_fmt(v, digits) for v in values)
                   + f" | {growth} |")
    return out


def targets(results: Figures) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) at the largest size measured."""
    sizes = results["sizes"]
    big = sizes[list(sizes)[-1]]
    small = sizes[list(sizes)[0]]
    p99 = _get(big, "latency.ledger_now.p99")
    p99_past = _get(big, "latency.ledger_past.p99")
    raw99 = _get(big, "latency.raw_now.p99")
    flat = p99 / _get(small, "latency.ledger_now.p99") if p99 else None
    checks = [
        ("import >= 50,000 lines/s", _get(big, "import.lps"), lambda v: v >= 50_000),
        ("import within 3x of raw sqlite3", _get(big, "import.ratio"), lambda v: v <= 3),
        ("import peak memory < 300 MB", max((_get(f, "import.mb") or 0) for f in sizes.values()),
         lambda v: v < 300),
        ("PostgreSQL import >= 25,000 lines/s", _get(big, "postgres.import.lps"),
         lambda v: v >= 25_000),
        ("query p99 < 2 ms (known-at now)", p99, lambda v: v < 2),
        ("query p99 < 2 ms (known-at past)", p99_past, lambda v: v < 2),
        ("query p99 within 2x of raw select", p99 / raw99 if p99 and raw99 else None,
         lambda v: v <= 2),
        ("query p99 flat from smallest to largest (<= 1.5x)", flat, lambda v: v <= 1.5),
        ("rebuild >= 100,000 events/s", _get(big, "rebuild.eps"), lambda v: v >= 100_000),
        ("--help < 150 ms", results.get("help_ms"), lambda v: v < 150),
        ("one in-force < 50 ms beyond start-up", _get(big, "cli_query.beyond_ms"),
         lambda v: v < 50),
        ("batch screening >= 20,000 parties/s", _get(big, "batch.pps"),
         lambda v: v >= 20_000),
        ("list as a table within 2x of --json", _get(big, "list_table.ratio"),
         lambda v: v <= 2),
    ]
    return [(name, _fmt(v, 2), None if v is None else bool(ok(v))) for name, v, ok in checks]


def write_report(results: Figures, out: Path) -> None:
    sizes = results["sizes"]
    lines = ["# Benchmark results", "",
             f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.run` "
             f"in {results['seconds']:.0f} s; sizes {', '.join(sizes)} lines, runs per size "
             + ", ".join(f"{k}: {v['runs']}" for k, v in sizes.items())
             + " (each figure the median of the runs"
             + ("; one run at 1M lines, because a 1M import takes minutes" if "1M" in sizes
                else "")
             + "; the target for the whole run is 10 minutes: "
             f"{'met' if results['seconds'] <= 600 else 'missed'}).", "",
             *(f"Note: {note}\n" for note in results.get("notes", [])),
             "", "## Machine", "",
             "| | |", "| --- | --- |",
             *(f"| {k} | {v} |" for k, v in results["machine"].items()), "",
             f"## Targets (at {list(sizes)[-1]} lines)", "", "| target | measured | |",
             "| --- | ---: | --- |",
             *(f"| {name} | {value} | {'-' if met is None else 'PASS' if met else 'MISS'} |"
               for name, value, met in targets(results)), "",
             "## SQLite", "", f"CLI start-up (`--help`): {results['help_ms']:.1f} ms", "",
             *_table(sizes, ROWS), "", "## PostgreSQL", "", *_table(sizes, PG_ROWS), ""]
    out.write_text("\n".join(lines), encoding="utf-8")
