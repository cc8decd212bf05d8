"""Choosing which list names a query is scored against, from the postings of its keys.

Pure functions over "which names does each query word reach, and through how
rare a key", so that the in-memory index and a read-model table of keys (one
row per name and key) rank candidates the same way.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

# How many blocked names are scored per query, best blocking weight first, and
# how far below the best blocking weight a name may fall and still be scored.
SCORED_PER_QUERY = 30
SCORED_WEIGHT_SHARE = 0.5
# From how many query words a name may miss one and still be weighed.
MISSING_WORD_FROM = 3
# How much each word of a list name that shares no key with the query lowers
# its blocking weight (relative to the weight shared).
UNSHARED_WORD_COST = 0.25

# Per query word: each name it reaches, and the rarity of the rarest key reaching it.
Reach = dict[int, float]


def rarity(names: int, postings: int) -> float:
    """How much sharing a key filed under ``postings`` of ``names`` names says."""
    return math.log(1 + names / postings)


def rank(reach: Sequence[Reach], lengths: Sequence[int]) -> list[int]:
    """The names to score, most promising first (``lengths``: words per name).

    Only names sharing keys with as many query words as the best-placed name
    (or one fewer, from MISSING_WORD_FROM words on) are weighed. A name's
    blocking weight is the sum over the query's words of the rarity of its
    rarest shared key (roughly the information the two names have in common),
    discounted for each word of the name that no query word reached, as the
    score will be.
    """
    shared = Counter(itertools.chain.from_iterable(reach))
    if not shared:
        return []
    most = max(shared.values())
    fewest = most - 1 if most >= MISSING_WORD_FROM else most
    rarities = [word.get for word in reach]
    weights = {}
    for name, count in shared.items():
        if count >= fewest:
            weight = sum([rarity_of(name, 0.0) for rarity_of in rarities])
            unshared = max(0, lengths[name] - count)
            weights[name] = weight / (1 + UNSHARED_WORD_COST * unshared)
    floor = max(weights.values()) * SCORED_WEIGHT_SHARE
    ranked = sorted((n for n, w in weights.items() if w >= floor),
                    key=weights.__getitem__, reverse=True)
    return ranked[:SCORED_PER_QUERY]
