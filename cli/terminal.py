"""Text from the ledger on a terminal: shown, never obeyed.

Names, notes and sources come from outside. A control character in them
(an escape sequence that retitles the window or clears the screen) or a
bidirectional override (that shows a name backwards) would act on the
reader's terminal, and rich markup in them (``[link=...]``, ``[/]``) would
become a live link or a crash. So every piece of text a command prints
passes through ``shown`` (or ``say``, ``json_text`` built on it; table cells in
``cli.tables`` are plain text, never markup),
in a pipe too: what a person reads is what is stored, with such characters
written out as escapes (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import json
from typing import Any

import click

from ledger.audit.report.escaping import UNSEEN, visible

# In JSON the C0 controls are escaped by the encoder; the rest become \\u escapes,
# which any JSON reader turns back into the same text.
_IN_JSON = str.maketrans({code: f"\\u{code:04x}" for code in UNSEEN if code >= 0x20})


def shown(text: object) -> str:
    """``text`` with every control and bidirectional formatting character escaped."""
    return visible(text)


def say(*lines: object, err: bool = False) -> None:
    """Print each line, escaped whole: a line break inside stored text is shown as ``\\x0a``."""
    for line in lines:
        click.echo(shown(line), err=err)


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON for a terminal or a pipe: the same data, with nothing a terminal would obey."""
    return json_safe(json.dumps(value, ensure_ascii=False, indent=indent, default=str))


def json_safe(text: str) -> str:
    """JSON text (or a ``#`` comment line) with the characters a terminal would obey
    written as ``\\u`` escapes: they can stand only inside JSON strings, where any
    reader turns the escape back into the same character."""
    return text.translate(_IN_JSON)
