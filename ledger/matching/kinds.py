"""What a name belongs to, and which kinds a query may be matched against.

A person screened by name must never come back as a ship that happens to
carry a person's name ("MARIA", "SERGEY"); vessels and aircraft are only
candidates when the query says it is about one.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["person", "organization", "vessel", "aircraft", "unknown"]

KINDS: tuple[Kind, ...] = ("person", "organization", "vessel", "aircraft", "unknown")
OBJECTS: frozenset[Kind] = frozenset({"vessel", "aircraft"})


def compatible(query_kind: Kind, candidate_kind: Kind) -> bool:
    """May a query of ``query_kind`` match a name of ``candidate_kind``?

    An unknown side matches any party but never an object; an object only
    matches the same kind of object; a person never matches an organisation.
    """
    if query_kind in OBJECTS or candidate_kind in OBJECTS:
        return query_kind == candidate_kind
    if "unknown" in (query_kind, candidate_kind):
        return True
    return query_kind == candidate_kind
