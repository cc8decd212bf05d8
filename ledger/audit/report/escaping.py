"""Text from the ledger made harmless for where it goes: read as text, never obeyed.

Names, notes and sources come from outside the ledger. ``visible`` writes
out the characters that act on a reader instead of being read: controls
(a terminal escape sequence, a bell) and bidirectional formatting (an
override that shows a name backwards), as ``\\x1b`` or ``\\u202e``. Every
terminal line and every HTML page passes stored text through it.
``csv_cell`` keeps a spreadsheet from running a cell as a formula.
"""

from __future__ import annotations

#: Bidirectional formatting characters: marks, embeddings, overrides and isolates.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Code points that act rather than show: C0 and C1 controls, DEL, line and
#: paragraph separators, bidirectional formatting.
UNSEEN = (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *map(ord, BIDI_CONTROLS))
_VISIBLE = str.maketrans({code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
                          for code in UNSEEN})
#: A spreadsheet reads a cell starting with these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def visible(text: object) -> str:
    """``text`` with every control and bidirectional formatting character written out."""
    return str(text).translate(_VISIBLE)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one that could start a formula gets a
    leading apostrophe (the OWASP rule), controls and overrides are written out;
    numbers stay as they are."""
    if not isinstance(value, str):
        return value
    return ("'" if value.startswith(FORMULA_STARTS) else "") + visible(value)
