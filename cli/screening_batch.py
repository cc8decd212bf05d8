"""Batch screening by name: a customer file in, one JSON line per row out.

Each row's line carries its line number and, with ``--key``, the customer's
own id, so that answers join back to customers; a blank row is answered as
blank, never dropped. Plain text (one name a line) or CSV (``--column``);
``-`` reads standard input. A count goes to standard error.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from cli.params import answering
from cli.render import screening_json
from cli.terminal import json_text
from ledger.errors import LedgerError

if TYPE_CHECKING:
    from ledger.read.screening import ScreeningAnswer, ScreeningQuestion


class BatchRow(NamedTuple):
    """One input row: its line number, the name to screen, the customer's key."""

    row: int
    query: str
    key: str | None


def screen_file(path: Path, column: str | None, key: str | None,
                asked: ScreeningQuestion) -> None:
    """Screen every row of ``path`` and print one JSON line per row, a summary on stderr."""
    from ledger.errors import LineError
    from ledger.interchange import decode_lines

    name = "standard input" if str(path) == "-" else str(path)
    counts: Counter[str] = Counter()
    pending: deque[BatchRow] = deque()

    def queries(rows: Iterable[BatchRow]) -> Iterator[tuple[str, str | None]]:
        for row in rows:
            pending.append(row)
            yield row.query, row.key  # a blank one too: it is answered, with no candidates

    with click.open_file(str(path), "rb") as raw, answering() as reader:
        rows = _rows(decode_lines(raw), name, column, key)
        try:
            for answer in reader.screen_names(queries(rows), asked):
                _print(pending.popleft(), answer, counts)
        except LineError as error:
            raise LedgerError(f"{name} {error}") from None
    click.echo(f"Screened {counts['rows']:,} rows: {counts['matched']:,} with a match, "
               f"{counts['candidates']:,} with candidates below the threshold only, "
               f"{counts['blank']:,} blank.", err=True)


def _print(row: BatchRow, answer: ScreeningAnswer, counts: Counter[str]) -> None:
    line = {"row": row.row} | ({} if row.key is None else {"key": row.key}) | screening_json(
        answer)
    sys.stdout.write(json_text(line) + "\n")
    counts["rows"] += 1
    counts["blank"] += not row.query
    matched = any(c.match for c in answer.candidates)
    counts["matched"] += matched
    counts["candidates"] += bool(answer.candidates) and not matched


def _rows(lines: Iterable[str], name: str, column: str | None,
          key: str | None) -> Iterator[BatchRow]:
    if column is None:
        if key is not None:
            raise LedgerError("--key needs --column: a plain-text file has no columns")
        return (BatchRow(n, line.strip(), None) for n, line in enumerate(lines, start=1))
    return _csv_rows(lines, name, column, key)


def _csv_rows(lines: Iterable[str], name: str, column: str,
              key: str | None) -> Iterator[BatchRow]:
    reader = csv.reader(lines)
    header = next(reader, [])
    index = _column(header, column, name, "--column")
    key_index = None if key is None else _column(header, key, name, "--key")
    start = reader.line_num + 1
    try:
        for record in reader:
            yield BatchRow(start, _field(record, index).strip(),
                           None if key_index is None else _field(record, key_index))
            start = reader.line_num + 1
    except csv.Error as error:
        raise LedgerError(f"{name} line {reader.line_num}: {error}") from None


def _column(header: list[str], wanted: str, name: str, option: str) -> int:
    if wanted not in header:
        raise LedgerError(f"{name} has no column {wanted!r} for {option} "
                          f"(its columns: {', '.join(header) or 'none'})")
    return header.index(wanted)


def _field(record: list[str], index: int) -> str:
    return record[index] if index < len(record) else ""
