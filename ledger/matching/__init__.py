"""Name matching for screening: pure functions over names (normalise, key, score, explain).

- ``analyse`` turns a name into comparable tokens once (``NameFeatures``);
- ``blocking_keys`` are the strings an index files a name under;
- ``score`` compares a query with one list name and says why;
- ``NameIndex`` screens many queries against a whole list in memory.
"""

from ledger.matching.features import NameFeatures, analyse
from ledger.matching.index import Candidate, NameIndex
from ledger.matching.keys import blocking_keys, key_groups
from ledger.matching.kinds import Kind, compatible
from ledger.matching.score import THRESHOLD, Explanation, Score, TokenMatch, score, score_features
from ledger.matching.text import normalise, tokenise

__all__ = [
    "THRESHOLD", "Candidate", "Explanation", "Kind", "NameFeatures", "NameIndex", "Score",
    "TokenMatch", "analyse", "blocking_keys", "compatible", "key_groups", "normalise", "score",
    "score_features", "tokenise",
]
