"""How two words of two names relate: the same, spelt another way, misspelt, or not at all.

Each test is one of the ways the lists and customer files differ in practice;
the first that holds names the operation in the explanation. Edit distances
and Jaro-Winkler come from rapidfuzz.
"""

from __future__ import annotations

from typing import Literal

from rapidfuzz.distance import OSA, JaroWinkler

from ledger.matching.features import Token

Method = Literal["exact", "transliteration", "initial", "phonetic", "edit_distance", "joined"]

SCORES: dict[str, float] = {
    "exact": 1.0, "joined": 1.0, "transliteration": 0.95, "initial": 0.9, "phonetic": 0.85,
}
# Two words with the same Metaphone code are only taken as one spelt by ear
# when they also look alike: Husayn / Hussein yes, Hassan / Hussein no.
PHONETIC_MIN_JARO_WINKLER = 0.85
# Words this long or longer, written without vowels, are compared by their consonants.
MIN_ABJAD_LENGTH = 3


def typo_budget(length: int) -> int:
    """How many single-letter edits a word of ``length`` letters may carry and still match."""
    if length < 5:
        return 0
    return 1 if length < 9 else 2


def compare(query: Token, candidate: Token) -> tuple[float, Method | None]:
    """The similarity of two words in [0, 1] and the operation that explains it."""
    key = query.ident << 32 | candidate.ident
    known = _COMPARED.get(key)
    if known is None:
        known = _COMPARED[key] = _compare(query, candidate)
        if len(_COMPARED) > _COMPARED_MAX:
            _COMPARED.clear()
    return known


# Word pairs recur across queries (the same given names, the same legal forms):
# their comparisons are remembered, up to a bound.
_COMPARED: dict[int, tuple[float, Method | None]] = {}
_COMPARED_MAX = 1_000_000


def _compare(query: Token, candidate: Token) -> tuple[float, Method | None]:
    if query.text == candidate.text:
        return 1.0, "exact"
    if "initial" in (query.role, candidate.role):
        return _initials(query.text, candidate.text)
    roles = {query.role, candidate.role}
    if roles == {"name"}:
        return _words(query, candidate)
    if roles == {"name", "legal"}:  # a misspelt legal form ("Compnay") is not read as one
        return _spelling(query.written, candidate.written, False)
    return 0.0, None


def _initials(left: str, right: str) -> tuple[float, Method | None]:
    if (len(left) == 1 and right.startswith(left)) or (len(right) == 1 and left.startswith(right)):
        return SCORES["initial"], "initial"
    return 0.0, None


def _words(query: Token, candidate: Token) -> tuple[float, Method | None]:
    if query.variant and query.variant == candidate.variant:
        return SCORES["transliteration"], "transliteration"
    same_sound = bool(query.phonetic) and query.phonetic == candidate.phonetic
    if query.plain == candidate.plain or _abjad(query, candidate) or _abjad(candidate, query):
        return SCORES["transliteration"], "transliteration"
    return _spelling(query.text, candidate.text, same_sound)


def _abjad(written: Token, other: Token) -> bool:
    """A word written without vowels (an abjad such as Arabic, transliterated) whose
    consonants are the other word's."""
    return (len(written.text) >= MIN_ABJAD_LENGTH and written.text == written.skeleton
            and written.skeleton == other.skeleton)


def _spelling(left: str, right: str, same_sound: bool) -> tuple[float, Method | None]:
    longest = max(len(left), len(right))
    budget = typo_budget(longest)
    distance = OSA.distance(left, right, score_cutoff=budget) if budget else budget + 1
    typo = 1.0 - distance / longest if distance <= budget else 0.0
    sound = SCORES["phonetic"] if same_sound and _look_alike(left, right) else 0.0
    if typo == 0.0 and sound == 0.0:
        return 0.0, None
    return (typo, "edit_distance") if typo >= sound else (sound, "phonetic")


def _look_alike(left: str, right: str) -> bool:
    return JaroWinkler.similarity(left, right) >= PHONETIC_MIN_JARO_WINKLER
