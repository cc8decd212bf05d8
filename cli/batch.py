"""Batch screening at the command line: a customer file in, one JSON line per row out.

Every input row gets its own output line, carrying the row's line number
(and with ``--key`` the customer's own id), so that answers join back to
customers; a blank row is reported as ``blank``, not dropped. A count of
what was found goes to standard error, the answers alone to standard output.
"""

from __future__ import annotations

import csv
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from cli.render import screened_json
from cli.terminal import json_text, say
from ledger.errors import LedgerError


@dataclass(frozen=True)
class BatchRow:
    """One row of the input: where it starts (a line number), what to screen, its key."""

    row: int
    query: str
    key: str | None = None


def screen_file(path: Path, column: str | None, key: str | None, *, at: date,
                known_at: datetime) -> None:
    """Screen every row of ``path`` ("-": standard input) and print one line per row."""
    from ledger.errors import LineError
    from ledger.interchange import decode_lines

    name = "standard input" if str(path) == "-" else str(path)
    if column is None and path.suffix.lower() == ".csv":
        column = ""  # a CSV needs its column named: the header is read to list them
    with click.open_file(str(path), "rb") as raw:  # "-" is standard input
        lines = decode_lines(raw)
        try:
            counts = _screen_rows(_rows(lines, name, column, key), at, known_at)
        except LineError as error:
            raise LedgerError(f"{name} {error}") from None
    say(_summary(counts), err=True)


def _rows(lines: Iterable[str], name: str, column: str | None,
          key: str | None) -> Iterator[BatchRow]:
    if column is None:
        return (BatchRow(n, line.strip()) for n, line in enumerate(lines, start=1))
    return _csv_rows(lines, name, column, key)


def _csv_rows(lines: Iterable[str], name: str, column: str,
              key: str | None) -> Iterator[BatchRow]:
    reader = csv.reader(lines)
    try:
        header = next(reader, [])
        index = _column(header, column, name, "--column")
        key_index = _column(header, key, name, "--key") if key is not None else None
        start = reader.line_num + 1
        for record in reader:
            yield BatchRow(start, _field(record, index).strip(),
                           None if key_index is None else _field(record, key_index))
            start = reader.line_num + 1
    except csv.Error as error:
        said = (f"a field longer than {csv.field_size_limit():,} characters"
                if "field limit" in str(error) else str(error))
        raise LedgerError(f"{name} line {reader.line_num}: {said}") from None


def _column(header: list[str], wanted: str, name: str, option: str) -> int:
    columns = ", ".join(header) or "none"
    if not wanted:
        raise LedgerError(f"{name} is a CSV file: name the column to screen with --column "
                          f"(its columns: {columns})")
    if wanted not in header:
        raise LedgerError(f"{name} has no column {wanted!r} for {option} "
                          f"(its columns: {columns})")
    return header.index(wanted)


def _field(record: list[str], index: int) -> str:
    return record[index] if index < len(record) else ""


def _screen_rows(rows: Iterator[BatchRow], at: date, known_at: datetime) -> Counter[str]:
    """Print each row's answer in input order; blank rows are answered without a lookup."""
    from cli.params import answering

    waiting: deque[BatchRow] = deque()
    counts: Counter[str] = Counter()

    def queries() -> Iterator[str]:
        for row in rows:
            waiting.append(row)
            if row.query:
                yield row.query

    with answering() as asked:
        for screened in asked.screen(queries(), at=at, known_at=known_at):
            _print_blanks(waiting, counts)
            _print(waiting.popleft(), screened_json(screened), counts)
    _print_blanks(waiting, counts)
    return counts


def _print_blanks(waiting: deque[BatchRow], counts: Counter[str]) -> None:
    while waiting and not waiting[0].query:
        _print(waiting.popleft(), {"query": "", "status": "blank", "matches": [],
                                   "sanctions": []}, counts)


def _print(row: BatchRow, answer: dict[str, Any], counts: Counter[str]) -> None:
    keyed = {"row": row.row} | ({} if row.key is None else {"key": row.key})
    click.echo(json_text(keyed | answer))
    counts[answer["status"]] += 1
    counts["with sanctions"] += bool(answer["sanctions"])


def _summary(counts: Counter[str]) -> str:
    rows = sum(counts[s] for s in ("match", "ambiguous", "unknown", "blank"))
    return (f"Screened {rows:,} rows: {counts['match']:,} matched, {counts['ambiguous']:,} "
            f"ambiguous, {counts['unknown']:,} unknown, {counts['blank']:,} blank; "
            f"{counts['with sanctions']:,} with a sanction in force.")
