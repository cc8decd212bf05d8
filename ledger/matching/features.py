"""A name analysed once: its tokens with their role, weight, phonetic code and spelling group.

Screening compares one query with thousands of list names. Everything that
depends on one name only is computed here, once per name, so that the index
can store it and the scorer only does the pairwise part.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

import jellyfish

from ledger.matching.kinds import Kind
from ledger.matching.text import tokenise
from ledger.matching.vocabulary import (
    LEGAL_FORMS,
    LONGEST_LEGAL_FORM,
    NAME_VARIANTS,
    NOISE_WORDS,
    STOP_WORDS,
)

Role = Literal["name", "initial", "stop", "legal"]

# How much a token says about identity. A legal form or a particle matters,
# but far less than a name: "ACME Ltd" and "ACME Limited" are one company,
# "ACME Ltd" and "ACNE Ltd" are not.
WEIGHTS: dict[Role, float] = {"name": 1.0, "initial": 0.5, "stop": 0.3, "legal": 0.3}

# German and Nordic letters written without the diacritic: "ü" as "ue".
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("aa", "a"))

_VOWELS = re.compile("[aeiou]")
_DOUBLES = re.compile(r"(.)\1+")

# Adjacent tokens glued together, up to this many, so that "Hai-lun" meets
# "Hailun" and "Al Zawahiri" meets "Alzawahiri".
GLUE_SPAN = 3


class Token(NamedTuple):
    """One word of a name, as compared."""

    text: str
    role: Role
    weight: float
    phonetic: str
    variant: str
    plain: str
    written: str
    skeleton: str
    ident: int


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """Everything about one name that does not depend on what it is compared with."""

    original: str
    kind: Kind
    tokens: tuple[Token, ...]
    glued: dict[str, tuple[int, int]]

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(token.text for token in self.tokens)


def analyse(name: str, kind: Kind = "unknown") -> NameFeatures:
    """The comparable form of ``name`` (a list name or a query)."""
    tokens = _tokens(tokenise(name))
    return NameFeatures(name, kind, tokens, _glued(tokens))


def _tokens(words: tuple[str, ...]) -> tuple[Token, ...]:
    out: list[Token] = []
    i = 0
    while i < len(words):
        span, legal = _legal_form_at(words, i)
        if legal is not None:
            out.append(_token(legal, "legal", " ".join(words[i:i + span])))
        elif words[i] not in NOISE_WORDS:
            out.append(_token(words[i], _role(words[i]), words[i]))
        i += span
    return tuple(out)


def _legal_form_at(words: tuple[str, ...], start: int) -> tuple[int, str | None]:
    """The longest legal form starting at ``start`` (its length in words and canonical form)."""
    for span in range(min(LONGEST_LEGAL_FORM, len(words) - start), 0, -1):
        canonical = LEGAL_FORMS.get(" ".join(words[start:start + span]))
        if canonical is not None:
            return span, canonical
    return 1, None


def _role(word: str) -> Role:
    if len(word) == 1:
        return "initial"
    return "stop" if word in STOP_WORDS else "name"


# Each token made gets a number, so that comparisons can be remembered by a cheap
# integer key. ``_token``'s cache makes one token per spelling; one made again
# after eviction gets a new number, which only costs its comparisons again.
_IDENTS = itertools.count()


@lru_cache(maxsize=500_000)
def _token(text: str, role: Role, written: str) -> Token:
    """``text`` is the word compared (a legal form's canonical spelling), ``written`` as written."""
    phonetic = jellyfish.metaphone(text) if role == "name" and text.isalpha() else ""
    return Token(text, role, WEIGHTS[role], phonetic, NAME_VARIANTS.get(text, ""),
                 _undotted(text), written, _skeleton(text), next(_IDENTS))


def _skeleton(word: str) -> str:
    """The word's consonants, doubled letters once: what romanisations of one name share
    most often (Ibrahim / Ebrahim, Uthman / Othman), and all that an abjad such as
    Arabic writes (محمد is read "mhmd")."""
    consonants = _VOWELS.sub("", word)
    return _DOUBLES.sub(r"\1", consonants) if len(consonants) >= 2 else ""


def _undotted(word: str) -> str:
    """The word with German and Nordic letters written out ("ue" for "ü") folded back."""
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    return word


def _glued(tokens: tuple[Token, ...]) -> dict[str, tuple[int, int]]:
    """Runs of 2..GLUE_SPAN adjacent tokens written as one word, with their index range."""
    glued: dict[str, tuple[int, int]] = {}
    for start in range(len(tokens)):
        for end in range(start + 2, min(start + GLUE_SPAN, len(tokens)) + 1):
            if all(token.role in ("name", "stop") for token in tokens[start:end]):
                joined = "".join(token.text for token in tokens[start:end])
                glued.setdefault(joined, (start, end))
    return glued
