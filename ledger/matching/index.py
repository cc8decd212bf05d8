"""Screening many queries against a whole list in memory: block by keys, then score.

The index keeps each list name analysed once and files it under its blocking
keys. A query is analysed once, collects the names that share its keys, and
only the most promising of those are scored. Keys filed under a large share
of the list ("v:muhammad") only add weight to names reached through rarer keys
(unless the query has nothing rarer), so one common word cannot make a query
scan the list.

A read-model table can store the same ``blocking_keys`` per name, fetch the
postings of a query's keys in SQL, and rank them with the same
``blocking.rank``; the scoring step is the same either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.matching.blocking import Reach, rank, reach_per_word, word_postings
from ledger.matching.features import NameFeatures, analyse
from ledger.matching.keys import blocking_keys, key_groups
from ledger.matching.kinds import Kind, compatible
from ledger.matching.score import Score, rate, score_features


@dataclass(frozen=True, slots=True)
class Candidate:
    """A listed party whose name scored against a query."""

    owner: str
    name: str
    kind: Kind
    score: Score


class NameIndex:
    """List names, analysed and filed under their blocking keys."""

    def __init__(self) -> None:
        self._names: list[tuple[str, NameFeatures]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._lengths: list[int] = []
        self._sets: dict[str, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self._names)

    def add(self, owner: str, name: str, kind: Kind = "unknown") -> None:
        """File one name (a primary name or an alias) of the party ``owner``."""
        features = analyse(name, kind)
        position = len(self._names)
        self._names.append((owner, features))
        self._lengths.append(len(features.tokens))
        for key in blocking_keys(features):
            self._postings[key].append(position)
        self._sets.clear()

    def add_all(self, names: Iterable[tuple[str, str, Kind]]) -> None:
        for owner, name, kind in names:
            self.add(owner, name, kind)

    def screen(self, query: str, kind: Kind = "unknown", *, limit: int = 10,
               threshold: float = 0.0) -> list[Candidate]:
        """The best-scoring parties for ``query``, one row per party, best first."""
        features = analyse(query, kind)
        best: dict[str, tuple[float, int]] = {}
        for position in self._blocked(features):
            owner, name = self._names[position]
            if not compatible(features.kind, name.kind):
                continue
            value = rate(features, name)
            if value >= threshold and value > best.get(owner, (-1.0, 0))[0]:
                best[owner] = (value, position)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        return [self._candidate(features, position) for _, (_, position) in ranked]

    def _candidate(self, query: NameFeatures, position: int) -> Candidate:
        owner, name = self._names[position]
        return Candidate(owner, name.original, name.kind, score_features(query, name))

    def reached(self, query: str, kind: Kind = "unknown") -> list[str]:
        """The parties whose names a query reaches through its keys, before any scoring."""
        features = analyse(query, kind)
        return list(dict.fromkeys(self._names[p][0] for p in self._blocked(features)))

    def _blocked(self, query: NameFeatures) -> list[int]:
        """The names sharing keys with the query, most promising first."""
        return rank(self._reach_per_word(query), self._lengths)

    def _reach_per_word(self, query: NameFeatures) -> list[Reach]:
        groups = [word_postings(keys, self._postings.get) for keys in key_groups(query)]
        return reach_per_word(groups, len(self._names), lambda key, _: self._set(key))

    def _set(self, key: str) -> frozenset[int]:
        """The postings of a frequent key as a set, built on first use."""
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(self._postings[key])
        return found
