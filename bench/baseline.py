"""The raw baselines the ledger is compared with, measured in the same run.

Import: parse each line of the same file and insert it into one indexed table
in one transaction (``sqlite3.executemany``; PostgreSQL ``COPY``). No rules,
no events, no read model: the floor for "read a file into a database".

Query: the same bitemporal SELECT the read model runs, written by hand
against the read model's own ``sanction_spans`` table, without SQLAlchemy.

Run as ``python -m bench.baseline sqlite FILE DB`` or
``python -m bench.baseline postgres FILE URL`` (prints the line count).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

TABLE = ("CREATE TABLE raw_lines (position BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
         "type TEXT NOT NULL, record TEXT NOT NULL, body TEXT NOT NULL)")
INDEX = "CREATE INDEX raw_lines_record ON raw_lines (record)"

SPANS_SELECT = (
    "SELECT * FROM sanction_spans WHERE target = {p} AND valid_from <= {p} "
    "AND (valid_until IS NULL OR valid_until >= {p}) AND recorded_from <= {p} "
    "AND (recorded_until IS NULL OR recorded_until > {p}) ORDER BY sanction_id")


def rows(path: str) -> Iterator[tuple[int, str, str, str, str]]:
    """(position, id, type, record, line) for every line of the file."""
    with open(path, encoding="utf-8") as stream:
        for position, text in enumerate(stream, start=1):
            if not text.strip() or text.startswith("#"):
                continue
            obj = json.loads(text)
            record = obj.get("sanction") or obj.get("party") or obj["id"]
            yield position, obj["id"], obj["type"], record, text


def import_sqlite(path: str, db: str) -> int:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(TABLE)
    conn.execute(INDEX)
    conn.execute("BEGIN")
    cursor = conn.executemany("INSERT INTO raw_lines VALUES (?, ?, ?, ?, ?)", rows(path))
    conn.execute("COMMIT")
    count = cursor.rowcount
    conn.close()
    return count


def import_postgres(path: str, url: str) -> int:
    import psycopg

    count = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(TABLE)
        cursor.execute(INDEX)
        with cursor.copy("COPY raw_lines FROM STDIN") as copy:
            for row in rows(path):
                copy.write_row(row)
                count += 1
    return count


def sqlite_select(db: str) -> Any:
    """A function running the raw select on a SQLite ledger's read model."""
    conn = sqlite3.connect(db)
    sql = SPANS_SELECT.format(p="?")

    def select(target: str, at: date, known_at: datetime) -> list[Any]:
        moment = known_at.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        day = at.isoformat()
        return conn.execute(sql, (target, day, day, moment, moment)).fetchall()

    return select


def postgres_select(url: str) -> Any:
    """A function running the raw select on a PostgreSQL ledger's read model."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    sql = SPANS_SELECT.format(p="%s")

    def select(target: str, at: date, known_at: datetime) -> list[Any]:
        moment = known_at.astimezone(UTC).replace(tzinfo=None)
        return conn.execute(sql, (target, at, at, moment, moment), prepare=True).fetchall()

    return select


if __name__ == "__main__":
    backend, file, target = sys.argv[1:4]
    print((import_sqlite if backend == "sqlite" else import_postgres)(file, target))
