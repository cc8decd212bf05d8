"""What changed on an authority's list between two days: the delta a screener applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.domain.answers import KnownAt, PartyEntry, SanctionInForce
from ledger.read.reader import Reader


@dataclass(frozen=True)
class Change:
    """A sanction on both lists whose measures or end date differ."""

    before: SanctionInForce
    after: SanctionInForce

    @property
    def fields(self) -> list[str]:
        return [name for name in ("measures", "effective_until")
                if getattr(self.before, name) != getattr(self.after, name)]


@dataclass(frozen=True)
class ListDiff:
    """What a screening system must apply to go from one day's list to another's."""

    authority: PartyEntry
    start: date
    end: date
    known: KnownAt
    added: list[SanctionInForce]
    removed: list[SanctionInForce]
    changed: list[Change]


def compare(before: list[SanctionInForce], after: list[SanctionInForce]
            ) -> tuple[list[SanctionInForce], list[SanctionInForce], list[Change]]:
    """Added, removed and changed sanctions between two lists, each sorted by id."""
    old, new = {s.id: s for s in before}, {s.id: s for s in after}
    changes = [Change(old[i], new[i]) for i in sorted(old.keys() & new.keys())]
    return ([new[i] for i in sorted(new.keys() - old.keys())],
            [old[i] for i in sorted(old.keys() - new.keys())],
            [c for c in changes if c.fields])


def get_diff(reader: Reader, authority: str, start: date, end: date,
             known: KnownAt) -> ListDiff:
    entry = reader.resolve_party(authority, known_at=known.moment, authority=True)
    before, after = (reader.find_in_force(authority=entry.id, at=day, known_at=known.moment)
                     for day in (start, end))
    return ListDiff(entry, start, end, known, *compare(before, after))
