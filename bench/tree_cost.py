"""What maintaining the Merkle tree costs an import and a rebuild: the same run, with and without.

``python -m bench.tree_cost [--lines N] [--runs R] [--backend sqlite|postgresql]``
imports the same generated history (``bench.run.history``) into fresh
ledgers, alternating two children: the plain ``sanctions-ledger import``, and
the same command with the tree's part of each write taken out
(``bench.tree_cost --without-tree``: chain links only, no leaf hash, no
subtree rows). Both in one process (``--one-process``): a writing process is
spawned afresh and would not see the change. Then it times ``rebuild`` of
each ledger. Prints medians and the ratio with/without.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bench.measure import CLI, median, run_child
from bench.run import PY, fresh_sqlite, history


def without_tree() -> None:
    """Run the CLI with ``grow`` writing chain links only (leaf hash left empty)."""
    from ledger.store import logtree
    from ledger.store.chain import chain_hash

    def chain_only(store: Any, positions: Sequence[int],
                   events: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        previous, size = store.head()
        links = []
        for leaf, (position, event) in enumerate(zip(positions, events, strict=True), size):
            previous = chain_hash(previous, position, *event)
            links.append((position, previous, leaf, b""))
        return links, []

    logtree.grow = chain_only  # type: ignore[assignment]
    from cli.main import main

    main(sys.argv[2:])


@contextmanager
def fresh_ledger(backend: str, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield str(fresh_sqlite(f"{name}.db"))
        return
    from bench.postgres import fresh_database

    with fresh_database(name.replace("-", "_")) as url:
        yield url


def measure(lines: int, runs: int, backend: str) -> dict[str, float]:
    file, _ = history(lines)
    commands = {"with": [CLI], "without": [PY, "-m", "bench.tree_cost", "--without-tree"]}
    seconds: dict[str, list[float]] = {"with": [], "without": []}
    rebuilds: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(runs):
        for name, command in commands.items():
            with fresh_ledger(backend, f"tree-{name}-{lines}") as db:
                run = run_child([*command, "--db", db, "import", str(file), "--one-process",
                                 "--json"])
                seconds[name].append(run.seconds)
                rebuilt = run_child([CLI, "--db", db, "rebuild", "--one-process", "--json"])
                rebuilds[name].append(json.loads(rebuilt.stdout)["seconds"])
    found = {f"import_{n}_s": median(s) for n, s in seconds.items()}
    found |= {f"rebuild_{n}_s": median(s) for n, s in rebuilds.items()}
    found["import_ratio"] = found["import_with_s"] / found["import_without_s"]
    found["rebuild_ratio"] = found["rebuild_with_s"] / found["rebuild_without_s"]
    return found


def main() -> None:
    if sys.argv[1:2] == ["--without-tree"]:
        without_tree()
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    figures = measure(args.lines, args.runs, args.backend)
    print(json.dumps({"backend": args.backend, "lines": args.lines, "runs": args.runs,
                      **{k: round(v, 3) for k, v in figures.items()}}, indent=2))


if __name__ == "__main__":
    main()
