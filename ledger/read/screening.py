"""Screening over the read model: names filed under their blocking keys, searched, scored.

The projector, an import and a rebuild write each name row's keys
(``key_rows``) beside the name, in the same transaction. A search reads the
postings of a query's keys among the names valid on a day as known at a
moment (one indexed read), ranks them as the in-memory index does
(``ledger.matching.blocking``) and scores only the few it ranks first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any, Protocol

from ledger.domain.answers import (
    InForceAnswer,
    KnownAt,
    PartyEntry,
    RecordedLine,
    SanctionInForce,
    ScreeningDecision,
)
from ledger.matching import (
    THRESHOLD,
    Kind,
    Score,
    analyse,
    blocking_keys,
    compatible,
    key_groups,
)
from ledger.matching.blocking import rank, reach_per_word, word_postings
from ledger.matching.features import NameFeatures
from ledger.matching.score import rate, score_features

#: A party's kind in the ledger as the matcher knows it (an authority is an organisation).
MATCHING_KINDS: dict[str, Kind] = {"person": "person", "organization": "organization",
                                   "authority": "organization"}


def key_rows(party_id: str, names: Iterable[str], recorded_at: datetime) -> list[dict[str, Any]]:
    """The ``screening_keys`` rows of the names a line gives a party (as ``name_rows``)."""
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys(names):
        features = analyse(name)
        rows.extend({"key": key, "party_id": party_id, "name": name, "words": len(features.tokens),
                     "recorded_from": recorded_at} for key in sorted(blocking_keys(features)))
    return rows


Posting = tuple[str, str, str, str, int]  # key, party id, name, party kind, words


class Postings(Protocol):
    """What a search reads of the read model (``ledger.read.reader.Reader``)."""

    def name_postings(self, keys: Iterable[str], *, at: date,
                      known_at: datetime) -> list[Posting]: ...

    def name_count(self) -> int: ...


class PostingsInMemory:
    """Names filed under their keys, held in memory: the postings of one query's keys (a
    single screening) or the whole index valid on a day as known at a moment (a batch,
    which then screens each name without a read of its own)."""

    def __init__(self, postings: Iterable[Posting]):
        positions: dict[tuple[str, str], int] = {}  # (party id, name) -> its position
        self.names: list[tuple[str, str, Kind]] = []
        self.lengths: list[int] = []
        self.by_key: dict[str, list[int]] = {}
        for key, party_id, name, party_kind, words in postings:
            position = positions.setdefault((party_id, name), len(self.names))
            if position == len(self.names):
                self.names.append((party_id, name, MATCHING_KINDS.get(party_kind, "unknown")))
                self.lengths.append(words)
            self.by_key.setdefault(key, []).append(position)
        self.kinds = {kind for _, _, kind in self.names}
        self._sets: dict[str, frozenset[int]] = {}  # a frequent key's postings, on first use

    def _set(self, key: str, positions: Sequence[int]) -> frozenset[int]:
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(positions)
        return found

    def search(self, query: NameFeatures, limit: int, total: int,
               allowed: set[str] | None = None) -> list[NameHit]:
        """The best-scoring parties among these names (``allowed``: only these parties),
        ranked against ``total`` names in all."""
        groups = key_groups(query)
        reach = reach_per_word([word_postings(g, self.by_key.get) for g in groups],
                               max(total, len(self.names)), self._set)
        names = self.names
        if allowed is not None or not all(compatible(query.kind, k) for k in self.kinds):
            reach = [{p: r for p, r in word.items() if compatible(query.kind, names[p][2])
                      and (allowed is None or names[p][0] in allowed)} for word in reach]
        return _scored(query, [names[p] for p in rank(reach, self.lengths)], limit)


@dataclass(frozen=True, slots=True)
class NameHit:
    """A party whose name scored against a query: its best-scoring name and why."""

    party_id: str
    name: str
    kind: Kind
    score: Score


def search_names(reader: Postings, query: str, *, at: date, known_at: datetime,
                 kind: Kind = "unknown", limit: int = 10,
                 parties: Sequence[str] | None = None) -> list[NameHit]:
    """The best-scoring parties for ``query`` among the names valid on ``at`` as known at
    ``known_at``, one per party, best first (``parties``: only these may be returned)."""
    features = analyse(query, kind)
    keys = {key for group in key_groups(features) for key in group}
    if not keys:
        return []
    found = PostingsInMemory(reader.name_postings(keys, at=at, known_at=known_at))
    return found.search(features, limit, reader.name_count(),
                        None if parties is None else set(parties))


def _scored(query: NameFeatures, ranked: list[tuple[str, str, Kind]],
            limit: int) -> list[NameHit]:
    """Score the names ranked first, keep each party's best name, best party first."""
    best: dict[str, tuple[float, NameFeatures]] = {}
    for party_id, name, kind in ranked:
        features = analyse(name, kind)
        value = rate(query, features)
        if value > best.get(party_id, (0.0, features))[0]:  # nothing in common: no candidate
            best[party_id] = (value, features)
    top = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    return [NameHit(party_id, features.original, features.kind, score_features(query, features))
            for party_id, (_, features) in top]


class Answers(Postings, Protocol):
    """What a screening answer reads besides the postings (``Reader``)."""

    def known(self, asked: datetime) -> KnownAt: ...

    def answer(self, party: str, role: str, *, at: date,
               known_at: datetime) -> InForceAnswer: ...

    def resolve_party(self, text: str, *, known_at: datetime) -> PartyEntry: ...

    def find_in_force(self, *, at: date, known_at: datetime, target: str | None = None,
                      authority: str | None = None) -> list[SanctionInForce]: ...

    def find_in_force_many(self, targets: Iterable[str], *, at: date,
                           known_at: datetime) -> dict[str, list[SanctionInForce]]: ...

    def parties(self, ids: list[str], *, known_at: datetime) -> list[PartyEntry]: ...

    def decisions(self, *, known_at: datetime, parties: Iterable[str] | None = None,
                  customer: str | None = None) -> list[ScreeningDecision]: ...

    def changes_since(self, party: str, since: datetime, *, known_at: datetime) -> list[str]: ...

    def all_name_postings(self, *, at: date, known_at: datetime) -> Iterator[Posting]: ...


@dataclass(frozen=True)
class ScreeningCandidate:
    """A party a query may name: its best name's score, and what is in force against it
    (``evidence``: the lines its sanctions cite; empty in a batch, which gives their ids)."""

    hit: NameHit
    match: bool
    party: PartyEntry
    sanctions: list[SanctionInForce]
    evidence: dict[str, RecordedLine]
    decision: ScreeningDecision | None = None  # the latest about the customer and the party
    changed: list[str] = field(default_factory=list)  # what changed since the decision


@dataclass(frozen=True)
class ScreeningAnswer:
    """Who a name may be, on a day as known at a moment, best candidate first."""

    query: str
    at: date
    known: KnownAt
    threshold: float
    candidates: list[ScreeningCandidate]


@dataclass(frozen=True)
class ScreeningQuestion:
    """How to screen: the day, the moment, the threshold and the scope."""

    at: date
    known_at: datetime
    threshold: float = THRESHOLD
    limit: int = 10
    kind: Kind = "unknown"
    authority: str | None = None


def screen_name(reader: Answers, query: str, asked: ScreeningQuestion) -> ScreeningAnswer:
    """Every candidate party for ``query`` with its score, whether it is a match, and the
    sanctions in force against it, as ``in-force`` shows them."""
    known = reader.known(asked.known_at)
    at, moment = asked.at, known.moment
    authority = _authority(reader, asked, moment)
    hits = search_names(reader, query, at=at, known_at=moment, kind=asked.kind,
                        limit=asked.limit, parties=_scope(reader, at, moment, authority))
    candidates = []
    for hit in hits:
        in_force = reader.answer(hit.party_id, "target", at=at, known_at=moment)
        candidates.append(ScreeningCandidate(
            hit, hit.score.value >= asked.threshold, in_force.party,
            _by(authority, in_force.sanctions), in_force.evidence))
    return ScreeningAnswer(query, at, known, asked.threshold, candidates)


def screen_names(reader: Answers, rows: Iterable[tuple[str, str | None]],
                 asked: ScreeningQuestion, chunk: int = 500) -> Iterator[ScreeningAnswer]:
    """``screen_name`` for each (query, customer key) in turn, the sanctions' evidence as
    line ids. With a key, each candidate carries the latest decision about the customer
    and the party as known at the moment: a false positive is no match unless the party's
    names or sanctions changed after it was recorded.

    The screening index valid at the day and moment is read once into memory; the
    candidates' parties and sanctions are read once per chunk of rows.
    """
    known = reader.known(asked.known_at)
    at, moment = asked.at, known.moment
    authority = _authority(reader, asked, moment)
    scope = _scope(reader, at, moment, authority)
    index = PostingsInMemory(reader.all_name_postings(at=at, known_at=moment))
    total, allowed = len(index.names), None if scope is None else set(scope)
    pending = iter(rows)
    while piece := list(islice(pending, chunk)):
        hits = [index.search(analyse(query, asked.kind), asked.limit, total, allowed)
                for query, _ in piece]
        ids = sorted({hit.party_id for found in hits for hit in found})
        parties = {p.id: p for p in reader.parties(ids, known_at=moment)} if ids else {}
        sanctions = reader.find_in_force_many(ids, at=at, known_at=moment) if ids else {}
        for (query, customer), found in zip(piece, hits, strict=True):
            decided = _decided(reader, customer, [hit.party_id for hit in found], moment)
            candidates = [_candidate(reader, hit, asked.threshold, parties[hit.party_id],
                                     _by(authority, sanctions.get(hit.party_id, [])),
                                     decided.get(hit.party_id), moment) for hit in found]
            yield ScreeningAnswer(query, at, known, asked.threshold, candidates)


def _candidate(reader: Answers, hit: NameHit, threshold: float, party: PartyEntry,
               sanctions: list[SanctionInForce], decision: ScreeningDecision | None,
               moment: datetime) -> ScreeningCandidate:
    """A batch candidate: a false positive decided about it is no match unless the party
    changed after the decision."""
    changed = ([] if decision is None
               else reader.changes_since(hit.party_id, decision.recorded_at, known_at=moment))
    dismissed = decision is not None and decision.verdict == "false-positive" and not changed
    return ScreeningCandidate(hit, hit.score.value >= threshold and not dismissed, party,
                              sanctions, {}, decision, changed)


def _decided(reader: Answers, customer: str | None, parties: list[str],
             moment: datetime) -> dict[str, ScreeningDecision]:
    """The latest decision about ``customer`` and each party, as known at ``moment``."""
    if customer is None or not parties:
        return {}
    decisions = reader.decisions(known_at=moment, parties=parties, customer=customer)
    return {d.party: d for d in decisions}  # in recorded order: the latest wins


def _authority(reader: Answers, asked: ScreeningQuestion, moment: datetime) -> str | None:
    """The id of the authority the question is scoped to, if any."""
    if asked.authority is None:
        return None
    return reader.resolve_party(asked.authority, known_at=moment).id


def _by(authority: str | None, sanctions: list[SanctionInForce]) -> list[SanctionInForce]:
    return sanctions if authority is None else [s for s in sanctions
                                                if s.authority == authority]


def _scope(reader: Answers, at: date, moment: datetime,
           authority: str | None) -> list[str] | None:
    """The parties an authority has sanctions in force against (None: every party)."""
    if authority is None:
        return None
    return [s.target for s in reader.find_in_force(at=at, known_at=moment,
                                                   authority=authority)]
