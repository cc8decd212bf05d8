"""Blocking keys: the few strings under which an index files a name and looks a query up.

A query only reaches the names that share a key with it, so the keys decide
recall before any score is computed. Every variant the scorer accepts must
share at least one key with the name it varies:

- ``t:`` a word, or adjacent words glued ("al zawahiri" files ``t:alzawahiri``);
- ``p:`` the word's Metaphone code (Zens / Zenz), for words of four letters or more;
- ``v:`` the word's spelling group (Mohammed / Muhammad);
- ``s:`` the word's consonants (Ibrahim / Ebrahim, and Arabic script read as "mhmd");
- ``d:`` the word with one letter deleted, for words of five letters or
  more: two spellings one typo apart always share one such key (the
  symmetric-deletion trick of SymSpell), which is what n-gram keys
  approximate with many more false candidates.

Particles and legal forms file no key unless the name has nothing else.
"""

from __future__ import annotations

from functools import lru_cache

from ledger.matching.features import NameFeatures, Token

MIN_DELETION_LENGTH = 5
# Shorter words are compared by ear only when spelt alike anyway ("Ali", "Aly").
MIN_PHONETIC_LENGTH = 4
MIN_SKELETON_LENGTH = 3


def blocking_keys(features: NameFeatures) -> frozenset[str]:
    """Every key of one analysed name (list name or query): what an index files it under."""
    return frozenset(key for group in key_groups(features) for key in group)


def key_groups(features: NameFeatures) -> list[list[str]]:
    """The keys grouped by the word they come from; a glued run of words files its key
    with the run's first word.

    A query word matches a list name once however many of its keys the name
    shares, so an index weighs each group once, by its rarest shared key.
    """
    words = [i for i, token in enumerate(features.tokens) if token.role == "name"]
    if not words:
        return [[f"t:{token.text}"] for token in features.tokens]
    groups = {i: list(_word_keys(features.tokens[i])) for i in words}
    for glued, (start, end) in features.glued.items():
        first = next((i for i in range(start, end) if i in groups), None)
        if first is not None:
            groups[first].append(f"t:{glued}")
    return list(groups.values())


@lru_cache(maxsize=100_000)
def _word_keys(token: Token) -> tuple[str, ...]:
    keys = [f"t:{token.text}"]
    if token.phonetic and len(token.text) >= MIN_PHONETIC_LENGTH:
        keys.append(f"p:{token.phonetic}")
    if token.variant:
        keys.append(f"v:{token.variant}")
    if len(token.skeleton) >= MIN_SKELETON_LENGTH:
        keys.append(f"s:{token.skeleton}")
    if len(token.text) >= MIN_DELETION_LENGTH:
        keys.append(f"d:{token.text}")
        keys.extend(f"d:{token.text[:i]}{token.text[i + 1:]}" for i in range(len(token.text)))
    return tuple(keys)
