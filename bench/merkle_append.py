"""What maintaining the Merkle tree adds to each recorded event, and what proofs weigh.

Run ``python -m bench.merkle_append [N]`` (default 1,000,000 events). Each
step is timed per event, as the recorder would run it inside an import's
transaction: hashing the leaf, growing the compact range, and inserting, in
a SQLite file in WAL mode, the chain rows with and without a leaf-hash
column and the subtree rows. The import's own cost per line is in
bench/results.md; the tree's share is these figures over that one.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ledger.store.merkle import leaf_hash
from ledger.store.tree import CompactRange, MemoryNodeStore, consistency_proof, inclusion_proof

#: A leaf as large as the bundled dataset's designation events (2.4 KB).
LEAF = b"48\n" + b"0" * 32 + b"\n1\nsanctions-ledger:Sanction.Designated\n" + b"x" * 2350
T = TypeVar("T")


def timed(label: str, events: int, step: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = step()
    took = time.perf_counter() - start
    print(f"{label:<58} {took / events * 1e6:6.2f} us/event")
    return result


def insert(db: sqlite3.Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    with db:
        for start in range(0, len(rows), 1000):
            db.executemany(sql, rows[start:start + 1000])


def main(events: int) -> None:
    hashes = timed("leaf hash, SHA-256(0x00 || event)", events,
                   lambda: [leaf_hash(LEAF) for _ in range(events)])
    compact = CompactRange()
    nodes = timed("CompactRange.extend", events, lambda: compact.extend(hashes))
    subtrees = [node for node in nodes if node[0]]
    print(f"rows: {events:,} leaf hashes, {len(subtrees):,} subtrees "
          f"({len(subtrees) / events:.3f} an event)")
    db = sqlite3.connect(Path(tempfile.mkdtemp()) / "tree.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE chain (position INTEGER PRIMARY KEY, hash TEXT NOT NULL)")
    db.execute("CREATE TABLE chain_leaf (position INTEGER PRIMARY KEY, hash TEXT NOT NULL, "
               "leaf BLOB NOT NULL)")
    db.execute("CREATE TABLE merkle_nodes (level INTEGER, offset INTEGER, hash BLOB NOT NULL, "
               "PRIMARY KEY (level, offset)) WITHOUT ROWID")
    timed("SQLite: chain rows as today", events, lambda: insert(
        db, "INSERT INTO chain VALUES (?, ?)", [(p, "ab" * 32) for p in range(events)]))
    timed("SQLite: chain rows with a leaf-hash column", events, lambda: insert(
        db, "INSERT INTO chain_leaf VALUES (?, ?, ?)",
        [(p, "ab" * 32, h) for p, h in enumerate(hashes)]))
    timed("SQLite: subtree rows", events, lambda: insert(
        db, "INSERT INTO merkle_nodes VALUES (?, ?, ?)", subtrees))
    store = MemoryNodeStore()
    store.put_nodes(nodes)
    for size in (1_000, 100_000, 1_000_000):
        if size <= events:
            inclusion, consistency = (inclusion_proof(store, size // 3, size),
                                      consistency_proof(store, size // 3, size))
            print(f"{size:>9,} events: inclusion proof {len(inclusion)} hashes "
                  f"({32 * len(inclusion)} bytes), consistency proof from {size // 3:,}: "
                  f"{len(consistency)} hashes ({32 * len(consistency)} bytes)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
