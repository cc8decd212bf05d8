"""Scoring a query against one list name, with the reasons.

The words of the two names are paired, not read in order, so "Mingguo Chen"
meets "CHEN, Mingguo". Runs of words written as one ("Hai-lun" / "Hailun")
are paired first, then single words, best pairs first. The score is the
weighted share of the two names that was paired, where a word the list name
has and the query lacks (a middle name left out) costs less than a word the
query has and the list name lacks (someone else's given name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.matching.compare import Method, compare
from ledger.matching.features import NameFeatures, Token, analyse
from ledger.matching.kinds import Kind, compatible

# The default score from which a candidate counts as a match.
THRESHOLD = 0.8
# What an unpaired word costs, as a share of its weight, on each side.
QUERY_EXTRA = 1.0
CANDIDATE_EXTRA = 0.45
AGREEING_PARTICLE_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """Words of the query paired with words of the list name, and how they matched."""

    query: tuple[str, ...]
    candidate: tuple[str, ...]
    method: Method
    score: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a score is what it is: the pairs, and the words left over on each side."""

    matched: tuple[TokenMatch, ...] = ()
    unmatched_query: tuple[str, ...] = ()
    unmatched_candidate: tuple[str, ...] = ()
    refused: str | None = None

    def methods(self) -> dict[str, Method]:
        """Each paired query word (or glued run) and the operation that paired it."""
        return {" ".join(pair.query): pair.method for pair in self.matched}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the interchange layer to print."""
        return {
            "matched": [
                {"query": list(m.query), "candidate": list(m.candidate), "method": m.method,
                 "score": round(m.score, 3)} for m in self.matched],
            "unmatched_query": list(self.unmatched_query),
            "unmatched_candidate": list(self.unmatched_candidate),
            "refused": self.refused,
        }


@dataclass(frozen=True, slots=True)
class Score:
    """A candidate name's similarity to the query in [0, 1], with its explanation."""

    value: float
    explanation: Explanation = field(default_factory=Explanation)

    def is_match(self, threshold: float = THRESHOLD) -> bool:
        return self.value >= threshold


def score(query: str, candidate: str, kinds: tuple[Kind, Kind] = ("unknown", "unknown")) -> Score:
    """Score ``candidate`` (a list name) against ``query``; ``kinds`` are theirs, in that order."""
    return score_features(analyse(query, kinds[0]), analyse(candidate, kinds[1]))


def rate(query: NameFeatures, candidate: NameFeatures) -> float:
    """The score's value alone, without its explanation (the batch path's inner loop)."""
    if not compatible(query.kind, candidate.kind):
        return 0.0
    pairs, left_q, left_c = align(query, candidate)
    return _value(pairs, query, candidate, left_q, left_c)


def score_features(query: NameFeatures, candidate: NameFeatures) -> Score:
    """``score`` for names analysed beforehand."""
    if not compatible(query.kind, candidate.kind):
        return Score(0.0, Explanation(refused=f"a {query.kind} query never matches a "
                                              f"{candidate.kind}"))
    pairs, left_q, left_c = align(query, candidate)
    return Score(_value(pairs, query, candidate, left_q, left_c),
                 _explain(pairs, query, candidate, left_q, left_c))


# Query span, candidate span, similarity, operation, weight.
Pair = tuple[tuple[int, int], tuple[int, int], float, Method, float]
_FILLER = frozenset({"stop", "legal"})


def align(query: NameFeatures, candidate: NameFeatures) -> tuple[list[Pair], set[int], set[int]]:
    """Pair the words of two names; returns the pairs and the unpaired word indexes."""
    left_q, left_c = set(range(len(query.tokens))), set(range(len(candidate.tokens)))
    pairs = _glued_pairs(query, candidate, left_q, left_c) if query.glued or candidate.glued else []
    pairs.extend(_word_pairs(query.tokens, candidate.tokens, left_q, left_c))
    return pairs, left_q, left_c


def _glued_pairs(query: NameFeatures, candidate: NameFeatures,
                 left_q: set[int], left_c: set[int]) -> list[Pair]:
    pairs: list[Pair] = []
    for i, token in enumerate(candidate.tokens):
        span = query.glued.get(token.text)
        if span is not None and left_q.issuperset(range(*span)) and i in left_c:
            weight = (_weight(query.tokens[span[0]:span[1]]) + token.weight) / 2
            pairs.append((span, (i, i + 1), 1.0, "joined", weight))
            left_q.difference_update(range(*span))
            left_c.discard(i)
    for i, token in enumerate(query.tokens):
        span = candidate.glued.get(token.text)
        if span is not None and left_c.issuperset(range(*span)) and i in left_q:
            weight = (_weight(candidate.tokens[span[0]:span[1]]) + token.weight) / 2
            pairs.append(((i, i + 1), span, 1.0, "joined", weight))
            left_c.difference_update(range(*span))
            left_q.discard(i)
    return pairs


def _word_pairs(query: tuple[Token, ...], candidate: tuple[Token, ...],
                left_q: set[int], left_c: set[int]) -> list[Pair]:
    scored = []
    for i in left_q:
        for j in left_c:
            similarity, method = compare(query[i], candidate[j])
            if method is not None:
                scored.append((similarity, i, j, method))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    pairs: list[Pair] = []
    for similarity, i, j, method in scored:
        if i in left_q and j in left_c:
            weight = _pair_weight(query[i], candidate[j], similarity)
            pairs.append(((i, i + 1), (j, j + 1), similarity, method, weight))
            left_q.discard(i)
            left_c.discard(j)
    return pairs


def _value(pairs: list[Pair], query: NameFeatures, candidate: NameFeatures,
           left_q: set[int], left_c: set[int]) -> float:
    if all(query.tokens[qs].role in _FILLER and candidate.tokens[cs].role in _FILLER
           for (qs, _), (cs, _), _, _, _ in pairs):
        return 0.0  # legal forms and particles alone never make two names alike
    gained = sum(weight * similarity for _, _, similarity, _, weight in pairs)
    total = sum(pair[4] for pair in pairs)
    total += QUERY_EXTRA * sum(query.tokens[i].weight for i in left_q)
    total += CANDIDATE_EXTRA * sum(candidate.tokens[j].weight for j in left_c)
    return gained / total


def _pair_weight(query: Token, candidate: Token, similarity: float) -> float:
    """Two words' weight: a particle written the same on both sides ("Abu", "La") counts
    as a name, since it agrees; spelt differently or left over, it counts for little."""
    if similarity == 1.0 and query.role == candidate.role == "stop":
        return AGREEING_PARTICLE_WEIGHT
    return (query.weight + candidate.weight) / 2


def _weight(tokens: tuple[Token, ...]) -> float:
    return max(token.weight for token in tokens)


def _explain(pairs: list[Pair], query: NameFeatures, candidate: NameFeatures,
             left_q: set[int], left_c: set[int]) -> Explanation:
    q, c = query.texts, candidate.texts
    matched = tuple(TokenMatch(q[qs:qe], c[cs:ce], method, similarity)
                    for (qs, qe), (cs, ce), similarity, method, _ in sorted(pairs))
    return Explanation(matched, tuple(q[i] for i in sorted(left_q)),
                       tuple(c[j] for j in sorted(left_c)))
