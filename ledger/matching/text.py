"""Names reduced to comparable tokens: lower case, ASCII, no punctuation.

Lists and customer files write the same name many ways: "CHEN, Quanguo",
"陈全国", "Al-Zawahiri", "O'Brien Co.". Every comparison in this package starts
from the same reduction so that only real differences are left to score.
normality folds accents and transliterates Cyrillic, Arabic and Chinese script
to Latin (through text-unidecode, so Chinese comes out as pinyin syllables).
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

from normality import normalize
from normality.transliteration import ICUWarning

# Without pyicu normality transliterates with text-unidecode, which is what we
# want here, but it warns on every call; the advice is deliberately ignored
# (see the project's pyproject.toml pin on normality).
warnings.filterwarnings("ignore", category=ICUWarning)

# Apostrophes and dots join the letters around them ("O'Brien", "U.S.", "Co."),
# every other punctuation mark separates words (hyphens included: "Tong-ho").
_JOINERS = re.compile(r"['\u2019\u02bc`.]")


@lru_cache(maxsize=200_000)
def normalise(name: str) -> str:
    """The name folded to lower-case ASCII words separated by single spaces."""
    folded = normalize(_JOINERS.sub("", name), ascii=True)
    return folded.lower() if folded else ""


def tokenise(name: str) -> tuple[str, ...]:
    """The words of a name, in their written order ("SURNAME, Given" included)."""
    return tuple(normalise(name).split())
