"""How names are matched: exactly but for case, then with accents and punctuation folded.

``lower_name`` is the spec's case-insensitive match. ``fold_name`` uses
OpenSanctions' ``normality`` so that "Butikofer" finds "Bütikofer" and
"Official Example" finds "Official, Example"; it is only tried when the
case-insensitive match finds nobody, so it never makes a unique name ambiguous.
"""

import warnings
from functools import cache
from typing import Any


def lower_name(name: str) -> str:
    return name.strip().casefold()


def fold_name(name: str) -> str:
    return _normalize()(name, ascii=True) or lower_name(name)


@cache
def _normalize() -> Any:
    """normality's ``normalize``, imported on first use: its import is slow next to a
    query, and a query only folds a name when the case-insensitive match fails."""
    from normality import normalize
    from normality.transliteration import ICUWarning

    # Without pyicu, normality folds with text-unidecode and warns on every call.
    # That folding is what name matching needs (Bütikofer -> butikofer, Cyrillic
    # and CJK transliterated), and pyicu would need ICU headers to build on every
    # user's machine, so the advice is silenced rather than repeated per query.
    warnings.filterwarnings("ignore", category=ICUWarning)
    return normalize
