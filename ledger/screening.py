"""Batch screening: "is anything in force against these parties on D?" for a whole file.

A customer file holds tens of thousands of names and ids. Asking them one at
a time costs several round trips each; here they are resolved and looked up
a chunk at a time (``Lookups.resolve_parties``, ``find_in_force_many``), so
the cost per party is a share of a few IN queries. An unknown or ambiguous
name is an answer for its own line, never an error for the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from ledger.answers import SanctionInForce
from ledger.readmodel.lookups import Lookups


@dataclass(frozen=True)
class Screened:
    """One input party: the parties it names, and every sanction in force against them."""

    query: str
    matches: list[str]
    sanctions: list[SanctionInForce]

    @property
    def status(self) -> str:
        """``match`` (one party), ``ambiguous`` (several) or ``unknown`` (none)."""
        return {0: "unknown", 1: "match"}.get(len(self.matches), "ambiguous")


def screen(lookups: Lookups, queries: Iterable[str], *, at: date, known_at: datetime,
           chunk: int = 5000) -> Iterator[Screened]:
    """Answer every query in input order, a chunk at a time (memory stays bounded)."""
    pending = iter(queries)
    while piece := list(islice(pending, chunk)):
        matches = lookups.resolve_parties(piece)
        targets = {ident for ids in matches.values() for ident in ids}
        found = lookups.find_in_force_many(targets, at=at, known_at=known_at)
        for query in piece:
            ids = matches.get(query, [])
            yield Screened(query, ids, [s for ident in ids for s in found.get(ident, [])])
