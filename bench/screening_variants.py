"""How the evaluation set varies a real name: typos, other spellings, legal forms, hyphens.

The spelling groups below are written for the benchmark, apart from the
matcher's own table: about half of them are not in ``ledger.matching.vocabulary``,
so the class measures how the matcher handles spellings it was not told about.
"""

from __future__ import annotations

import random
import string

GIVEN_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("muhammad", "mohammed", "mohamed", "mohammad", "muhammed"),
    ("husayn", "hussein", "husain", "hussain"),
    ("sergey", "sergei"), ("aleksandr", "alexander", "aleksander"),
    ("ahmad", "ahmed"), ("yusuf", "yousef", "youssef"), ("abdallah", "abdullah"),
    ("umar", "omar"), ("usama", "osama"), ("hasan", "hassan"), ("mahmud", "mahmoud"),
    ("khalid", "khaled"), ("abdul", "abdel"),
    # Not in the matcher's table.
    ("salim", "saleem", "selim"), ("karim", "kareem"), ("rahman", "rehman"),
    ("ibrahim", "ebrahim", "ibraheem"), ("nasser", "nasir", "naser"), ("jamal", "gamal"),
    ("yasin", "yassin", "yaseen"), ("walid", "waleed"), ("hamid", "hamed"),
    ("rashid", "rasheed"), ("majid", "majeed"), ("faisal", "faysal"), ("nur", "noor"),
)

SUFFIX_SWAPS: tuple[tuple[str, str], ...] = (
    (r"\bLIMITED\b", "LTD"), (r"\bLTD\b\.?", "LIMITED"), (r"\bCOMPANY\b", "CO."),
    (r"\bCO\b\.?", "COMPANY"), (r"\bCORPORATION\b", "CORP."), (r"\bCORP\b\.?", "CORPORATION"),
    (r"\bINCORPORATED\b", "INC."), (r"\bINC\b\.?", "INCORPORATED"),
    (r"\bL\.L\.C\.", "LLC"), (r"\bLLC\b", "L.L.C."), (r"^THE ", ""),
)


def _edit(word: str, rng: random.Random) -> str:
    """One typo at a random place after the first letter: substitution, deletion,
    insertion or two letters swapped."""
    at = rng.randrange(1, len(word) - 1)
    letter = rng.choice(string.ascii_uppercase if word.isupper() else string.ascii_lowercase)
    return rng.choice([
        word[:at] + letter + word[at + 1:],
        word[:at] + word[at + 1:],
        word[:at] + letter + word[at:],
        word[:at] + word[at + 1] + word[at] + word[at + 2:],
    ])


def _long_words(words: list[str], length: int) -> list[int]:
    return [i for i, w in enumerate(words) if len(w) >= length and w.isalpha()]


def typo(name: str, rng: random.Random) -> str | None:
    """One typo in a word of five letters or more."""
    words = name.split()
    long = _long_words(words, 5)
    if not long:
        return None
    i = rng.choice(long)
    words[i] = _edit(words[i], rng)
    return " ".join(words)


def typos(name: str, rng: random.Random) -> str | None:
    """Two typos: one in each of two words of five letters or more, or both in a word of nine."""
    words = name.split()
    long = _long_words(words, 5)
    if len(long) >= 2:
        for i in rng.sample(long, 2):
            words[i] = _edit(words[i], rng)
        return " ".join(words)
    longer = _long_words(words, 9)
    if not longer:
        return None
    i = longer[0]
    words[i] = _edit(_edit(words[i], rng), rng)
    return " ".join(words)


def hyphen_or_glue(name: str, rng: random.Random) -> str | None:
    """A hyphen dropped or made a space, "AL X" glued, or two given names hyphenated."""
    if "-" in name:
        return name.replace("-", rng.choice(["", " "]))
    words = name.split()
    for i, word in enumerate(words[:-1]):
        if word.upper() in ("AL", "EL", "ABU", "ABD"):
            return " ".join(words[:i] + [word + words[i + 1]] + words[i + 2:])
    if len(words) >= 3 and all(w.isalpha() for w in words[:2]):
        return f"{words[0]}-{words[1].lower()} {' '.join(words[2:])}"
    return None
