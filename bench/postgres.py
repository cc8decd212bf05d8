"""The import and query figures on PostgreSQL (127.0.0.1:5432, user postgres).

Each run gets a fresh database, dropped afterwards, so nothing of the
benchmark is left on the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.measure import Run
from bench.run import CLI, PG_ADMIN, PY, after_import, import_figures, run_child


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new database named for this process, so two benchmarks at once never drop each
    other's database."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure_postgres(label: str, files: tuple[Path, Path], runs: int,
                     queries: int) -> dict[str, Any]:
    file, stage2 = files
    lines = sum(1 for _ in file.open("rb"))
    raw, ledger = [], []
    for _ in range(runs):
        with fresh_database(f"bench_raw_{label.lower()}") as url:
            raw.append(run_child([PY, "-m", "bench.baseline", "postgres", str(file), url]))
    figures: dict[str, Any] = {}
    for i in range(runs):
        with fresh_database(f"bench_ledger_{label.lower()}") as url:
            ledger.append(import_once(url, file))
            if i == runs - 1:
                figures.update(after_import(url, stage2, queries))
    figures["import"] = import_figures(lines, raw, ledger)
    return figures


def import_once(url: str, file: Path) -> Run:
    return run_child([CLI, "--db", url, "import", str(file), "--json"])
