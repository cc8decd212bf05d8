"""Choosing which list names a query is scored against, from the postings of its keys.

Pure functions over "which names does each query word reach, and through how
rare a key", so that the in-memory index and a read-model table of keys (one
row per name and key) rank candidates the same way.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence, Set

# How many blocked names are scored per query, best blocking weight first, and
# how far below the best blocking weight a name may fall and still be scored.
SCORED_PER_QUERY = 30
SCORED_WEIGHT_SHARE = 0.5
# From how many query words a name may miss one and still be weighed.
MISSING_WORD_FROM = 3
# How much each word of a list name that shares no key with the query lowers
# its blocking weight (relative to the weight shared).
UNSHARED_WORD_COST = 0.25

# A key filed under more names than this share of the list (and at least
# COMMON_KEY_MIN) only adds weight to names reached through rarer keys.
COMMON_KEY_SHARE = 0.02
COMMON_KEY_MIN = 200

# Per query word: each name it reaches, and the rarity of the rarest key reaching it.
Reach = dict[int, float]
# One query word's keys that some name is filed under, each with those names.
Postings = list[tuple[str, Sequence[int]]]


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


def word_postings(keys: Sequence[str], get: Callable[[str], Sequence[int] | None]) -> Postings:
    """The postings of one word's keys (``get``: a key's names, if any); a word found as
    written reaches no further by its one-typo keys."""
    as_written = bool(get(keys[0]))
    return [(key, p) for key in keys if (p := get(key)) and not (as_written and key[0] == "d")]


def reach_per_word(groups: Sequence[Postings], names: int,
                   as_set: Callable[[str, Sequence[int]], Set[int]] | None = None) -> list[Reach]:
    """Per query word, each name it reaches and the rarity of its rarest shared key.

    Names are reached through keys filed under few of the ``names`` names only;
    a key filed under many ("v:muhammad") then adds its weight to the names
    already reached. When the query has no rare key at all, every key reaches.
    ``as_set`` may hand out a cached set of a frequent key's postings.
    """
    common = max(COMMON_KEY_MIN, int(names * COMMON_KEY_SHARE))
    found = [_reach(lists, common, names) for lists in groups]
    if not any(found):
        return [_reach(lists, names, names) for lists in groups]
    reached = set().union(*found)
    for lists, best in zip(groups, found, strict=True):
        for key, positions in lists:
            if len(positions) > common:
                shared = as_set(key, positions) if as_set else frozenset(positions)
                _raise(best, reached & shared, rarity(names, len(positions)))
    return found


def _reach(lists: Postings, most: int, names: int) -> Reach:
    """Each name reached by one word's postings, with the rarity of the rarest key."""
    best: Reach = {}
    usable = [positions for _, positions in lists if len(positions) <= most]
    # Commonest first, so that a rarer key's (higher) rarity overwrites it.
    for positions in sorted(usable, key=len, reverse=True):
        best.update(dict.fromkeys(positions, rarity(names, len(positions))))
    return best


def _raise(best: Reach, positions: Iterable[int], value: float) -> None:
    for position in positions:
        if best.get(position, 0.0) < value:
            best[position] = value
