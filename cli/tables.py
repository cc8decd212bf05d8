"""Tables for people, in time linear in their size, never cutting a value.

Each column is as wide as its widest cell: an id or a measure is never cut or
folded. When the table is wider than the terminal, each record becomes a block
of its own (its first field, then one line per other field), so nothing is
cut at 80 columns either. In a pipe there is no width to fit: the table is as
wide as it needs, and a line is never broken inside an id. The box characters
are rich's heavy-head box, so the output reads as the ledger's tables always did.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len


@dataclass
class Grid:
    """A titled table of text cells, with a caption under it."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    caption: str = ""


def print_table(grid: Grid) -> None:
    """Print ``grid`` boxed if it fits the terminal (always in a pipe), else as blocks."""
    out = sys.stdout
    for line in lines(grid, terminal_width()):
        out.write(line + "\n")
    out.flush()


def terminal_width() -> int | None:
    """The terminal's columns; ``None`` in a pipe, where a line may be as long as it needs."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def lines(grid: Grid, width: int | None) -> Iterator[str]:
    widths = column_widths(grid)
    if width is None or sum(widths) + 3 * len(widths) + 1 <= width:
        yield from _boxed(grid, widths)
    else:
        yield from _blocks(grid)


def column_widths(grid: Grid) -> list[int]:
    widths = [cell_len(header) for header in grid.headers]
    for row in grid.rows:
        for column, text in enumerate(row):
            widths[column] = max(widths[column], cell_len(text))
    return widths


def _boxed(grid: Grid, widths: list[int]) -> Iterator[str]:
    def rule(left: str, line: str, cross: str, right: str) -> str:
        return left + cross.join(line * (w + 2) for w in widths) + right

    def cells(edge: str, texts: Sequence[str]) -> str:
        padded = (text + " " * (w - cell_len(text)) for text, w in zip(texts, widths, strict=True))
        return f"{edge} " + f" {edge} ".join(padded) + f" {edge}"

    yield grid.title
    yield rule("┏", "━", "┳", "┓")
    yield cells("┃", grid.headers)
    yield rule("┡", "━", "╇", "┩")
    for row in grid.rows:
        yield cells("│", row)
    yield rule("└", "─", "┴", "┘")
    if grid.caption:
        yield grid.caption


def _blocks(grid: Grid) -> Iterator[str]:
    label = max(cell_len(header) for header in grid.headers[1:])
    yield grid.title
    for row in grid.rows:
        yield ""
        yield row[0]
        for header, text in zip(grid.headers[1:], row[1:], strict=True):
            if text:
                yield f"  {header}{' ' * (label - cell_len(header))}  {text}"
    if grid.caption:
        yield ""
        yield grid.caption
