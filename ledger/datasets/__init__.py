"""Datasets shipped inside the package, each an interchange file with a note beside it."""

from __future__ import annotations

from pathlib import Path

from ledger.errors import LedgerError

_HERE = Path(__file__).parent


def bundled() -> dict[str, Path]:
    """Name -> interchange file of every bundled dataset."""
    return {path.stem: path for path in sorted(_HERE.glob("*.jsonl"))}


def describe(name: str) -> str:
    """The first heading of the dataset's note, or nothing."""
    note = _HERE / f"{name}.md"
    if not note.exists():
        return ""
    first = next((line for line in note.read_text().splitlines() if line.strip()), "")
    return first.lstrip("# ").strip()


def dataset_path(name: str) -> Path:
    found = bundled()
    if name not in found:
        raise LedgerError(f"no bundled dataset {name!r}; available: {', '.join(found)}")
    return found[name]
