"""The words of the sanctions lists that are not names, and the names with many spellings.

Three small tables, written for this project after reading how OpenSanctions'
rigour library groups the same (org types, stop words, name symbols):

- legal forms, each spelling mapped to one canonical form, so "Ltd" and
  "Limited" compare equal and weigh little;
- noise words ("the", "of") that carry no identity;
- given names and name particles spelt differently by different
  transliteration schemes (Mohammed / Muhammad, Sergey / Sergei).
"""

from __future__ import annotations

from collections.abc import Iterable

NOISE_WORDS: frozenset[str] = frozenset({"the"})

# Words that do belong to a name but say little about whose it is.
STOP_WORDS: frozenset[str] = frozenset({
    "of", "and", "for", "in", "on", "at", "de", "del", "der", "des", "di", "du", "da", "la",
    "le", "van", "von", "y", "e", "et", "und", "al", "el", "ul", "bin", "ibn", "bint", "ben",
    "abu", "abd", "ould",
})

_LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ltd": ("ltd", "limited", "ltda", "limitada"),
    "co": ("co", "company", "cie", "compania", "companhia"),
    "corp": ("corp", "corporation", "corporacion"),
    "inc": ("inc", "incorporated"),
    "llc": ("llc",),
    "plc": ("plc",),
    "llp": ("llp",),
    "lp": ("lp",),
    "gmbh": ("gmbh",),
    "ag": ("ag",),
    "sa": ("sa", "sociedad anonima", "societe anonyme"),
    "srl": ("srl",),
    "sarl": ("sarl",),
    "spa": ("spa",),
    "bv": ("bv",),
    "nv": ("nv",),
    "jsc": ("jsc", "oao", "pao", "zao", "ao", "pjsc", "ojsc", "cjsc", "joint stock company",
            "joint stock co"),
    "ooo": ("ooo", "tov"),
    "fze": ("fze", "fzco", "fzc", "fzllc"),
    "pte": ("pte",),
    "sdn bhd": ("sdn bhd", "bhd"),
    "cv": ("cv", "sa de cv"),
    "holding": ("holding", "holdings"),
    "est": ("est", "establishment"),
    "foundation": ("foundation", "fondation", "fundacion", "stiftung"),
}

# Spellings of one name under different romanisations; each row is one name.
_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("muhammad", "mohammed", "mohammad", "mohamed", "muhammed", "mohamad", "muhamad",
     "muhamed", "mohd", "mohamud", "mahomed", "mehmet", "mehmed", "mukhammad", "magomed"),
    ("ahmad", "ahmed", "akhmad", "akhmed", "ahmet"),
    ("mahmud", "mahmoud", "mahmood", "mehmood", "makhmud"),
    ("husayn", "hussein", "hussain", "husain", "hosein", "hossein", "husein", "huseyin",
     "hussayn", "hosseyn", "gusein"),
    ("hasan", "hassan", "hasson", "gasan"),
    ("abdallah", "abdullah", "abdulla", "abdellah"),
    ("abdul", "abdel", "abdal", "abdol"),
    ("yusuf", "yousef", "yusef", "youssef", "yousuf", "yosef", "yussuf"),
    ("umar", "omar", "omer"),
    ("uthman", "othman", "osman", "usman", "othmane"),
    ("usama", "osama", "ousama"),
    ("ali", "aly"),
    ("khalid", "khaled", "halid"),
    ("said", "saeed", "sayed", "sayyid", "saied", "sayid", "seyed", "seyyed"),
    ("qasim", "kassem", "qassem", "kasim", "qasem", "gasim"),
    ("jafar", "jaafar", "djafar", "dzhafar"),
    ("sergey", "sergei", "serguei", "sergej", "serhiy", "serhii"),
    ("aleksandr", "alexander", "aleksander", "alexandr", "oleksandr", "alexandre",
     "aleksandar"),
    ("aleksey", "alexei", "alexey", "aleksei", "oleksiy", "oleksii"),
    ("yuri", "yury", "yuriy", "iouri", "jurij", "yurii"),
    ("dmitry", "dmitri", "dmitriy", "dmytro", "dimitri"),
    ("andrey", "andrei", "andriy", "andrii"),
    ("nikolai", "nikolay", "mykola"),
    ("mikhail", "mikhael", "mykhailo", "michail"),
    ("vladimir", "volodymyr", "wladimir"),
    ("yevgeny", "evgeny", "yevgeniy", "evgeniy", "evgenii", "yevhen", "eugene"),
    ("viktor", "victor"),
    ("pavel", "pavlo", "paul"),
    ("igor", "ihor"),
    ("oleg", "oleh"),
    ("valery", "valeriy", "valerii"),
    ("arkady", "arkadiy", "arkadii"),
    ("grigory", "grigoriy", "hryhoriy"),
    ("yakov", "iakov", "jakov"),
    ("fyodor", "fedor", "fiodor"),
    ("georgy", "georgiy", "georgii", "heorhiy"),
    ("anatoly", "anatoliy", "anatolii"),
    ("vitaly", "vitaliy", "vitalii"),
    ("yelena", "elena", "olena"),
    ("natalya", "natalia", "nataliya"),
    ("tatyana", "tatiana", "tetiana"),
    ("yulia", "yuliya", "julia", "iuliia"),
)


def _spelling_table(rows: Iterable[tuple[str, ...]]) -> dict[str, str]:
    return {spelling: row[0] for row in rows for spelling in row}


LEGAL_FORMS: dict[str, str] = {
    spelling: canonical for canonical, spellings in _LEGAL_FORMS.items()
    for spelling in spellings
}
NAME_VARIANTS: dict[str, str] = _spelling_table(_VARIANTS)
# The longest legal form, in words: how far ahead the tokeniser must look.
LONGEST_LEGAL_FORM = max(len(spelling.split()) for spelling in LEGAL_FORMS)
