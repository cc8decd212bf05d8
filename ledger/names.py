"""How names are matched: exactly but for case, then with accents and punctuation folded.

``lower_name`` is the spec's case-insensitive match. ``fold_name`` uses
OpenSanctions' ``normality`` so that "Butikofer" finds "Bütikofer" and
"Official Example" finds "Official, Example"; it is only tried when the
case-insensitive match finds nobody, so it never makes a unique name ambiguous.
"""

from normality import normalize


def lower_name(name: str) -> str:
    return name.strip().casefold()


def fold_name(name: str) -> str:
    return normalize(name, ascii=True) or lower_name(name)
