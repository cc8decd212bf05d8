"""Builds the labelled screening evaluation set from the real lists.

Run ``python -m bench.screening_cases``.

Writes bench/fixtures/screening/cases.jsonl, one case a line:
``{"class", "list", "query", "kind", "expected"}``; ``expected`` is the party
id the query should find, or null when the query names nobody on the list.
Seeded, so the same files give the same cases. Classes:

- ``ofac_alias``, ``un_alias``: a list's own alias of a party, screened
  against the list's primary names only (aliases that are spellings of the
  primary name: rapidfuzz ``token_set_ratio`` >= 70; wholly other names such
  as a nom de guerre are left out, no name matcher can find them);
- ``un_script_*``: the UN's original-script name (Arabic, Cyrillic);
- ``seed``: the spellings of the seed articles and of issue 17;
- generated from OFAC primary names: ``reordered`` (given name first, lower
  case), ``typo1``, ``typo2`` (two typos in a long name), ``translit_given``,
  ``missing_middle``, ``initials``, ``company_suffix``, ``hyphen_space``;
- negatives: ``neg_common_surname`` (a common surname with another person's
  given names), ``neg_company`` (an organisation's name with one word
  replaced), ``neg_made_up`` (given and family names of different people),
  ``neg_vessel_as_person`` (a vessel's name screened as a person).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from bench.screening_lists import FIXTURES, Party, ofac, un, xinjiang
from bench.screening_variants import (
    GIVEN_VARIANTS,
    SUFFIX_SWAPS,
    hyphen_or_glue,
    typo,
    typos,
)

CASES = FIXTURES / "cases.jsonl"
Maker = Callable[[str, random.Random], str | None]
PER_CLASS = 150
SEED = 17
# Common family names, by naming tradition: a negative takes its given names
# from another person of the same tradition ("Kim Chol Su", not "Kim Jose").
SURNAME_GROUPS = (
    {"CHEN", "WANG", "KIM", "LI", "ZHANG", "LIU", "PAK", "RI", "CHOE", "HAN", "JANG", "KANG"},
    {"KHAN", "ALI", "HASSAN", "AHMED", "HUSSAIN", "AHMAD", "MUHAMMAD", "MOHAMMED", "SHAH"},
    {"RODRIGUEZ", "GARCIA", "LOPEZ", "MARTINEZ", "GONZALEZ", "HERNANDEZ", "PEREZ", "SANCHEZ"},
)
COMMON_SURNAMES = set().union(*SURNAME_GROUPS)
# The issue's spellings and the articles', with the dataset party each names.
SEEDS = {
    "Chen Minguo": "person:chen-mingguo", "Wang Junzhen": "person:wang-junzheng",
    "Adrian Zens": "person:adrian-zenz", "Miriam Lexman": "person:miriam-lexmann",
    "REINHARD BUETIKOFER": "person:reinhard-butikofer", "Mingguo Chen": "person:chen-mingguo",
    "Zenz, Adrian": "person:adrian-zenz", "Quanguo Chen": "person:chen-quanguo",
    "Alliance of Democracies": "org:alliance-of-democracies-foundation",
    "Zhu Hai-lun": "person:zhu-hailun", "Reinhard Butikofer": "person:reinhard-butikofer",
    "Raphael Glucksmann": "person:raphael-glucksmann", "Ilhan Kyuchyuk": "person:ilhan-kyuchyuk",
    "Michael Gahler": "person:michael-gahler", "Mercator Institute": "org:merics",
    "Xinjiang Production & Construction Corps": "org:xpcc",
    "Xinjiang public security bureau": "org:xinjiang-public-security-bureau",
    "陈全国": "person:chen-quanguo", "朱海仑": "person:zhu-hailun",
    "王君正": "person:wang-junzheng", "陈明国": "person:chen-mingguo",
    "王明山": "person:wang-mingshan",
}


def case(cls: str, lst: str, query: str, kind: str, expected: str | None) -> dict[str, object]:
    return {"class": cls, "list": lst, "query": query, "kind": kind, "expected": expected}


def given_first(name: str) -> str:
    """OFAC's "SURNAME, Given" written as "Given Surname"."""
    family, _, given = name.partition(", ")
    return f"{given} {family}".strip()


def alias_cases(cls: str, lst: str, parties: dict[str, Party]) -> Iterator[dict[str, object]]:
    for pid, party in parties.items():
        for alias in party.aliases:
            ratio = fuzz.token_set_ratio(alias.lower(), party.name.lower())
            if party.kind in ("person", "organization") and 70 <= ratio < 100:
                yield case(cls, lst, alias, party.kind, pid)


def script_cases(parties: dict[str, Party]) -> Iterator[dict[str, object]]:
    for pid, party in parties.items():
        for name in party.original_script:
            script = "cyrillic" if re.search("[\u0400-\u04ff]", name) else "arabic"
            if re.search("[\u0400-\u04ff\u0600-\u06ff]", name):
                yield case(f"un_script_{script}", "un-primary", name, party.kind, pid)


def generated(parties: dict[str, Party], rng: random.Random) -> Iterator[dict[str, object]]:
    persons = [(pid, p) for pid, p in parties.items() if p.kind == "person" and ", " in p.name]
    orgs = [(pid, p) for pid, p in parties.items() if p.kind == "organization"]
    makers: dict[str, tuple[list[tuple[str, Party]], Maker]] = {
        "reordered": (persons, lambda n, r: given_first(n).lower()),
        "typo1": (persons + orgs, lambda n, r: typo(given_first(n), r)),
        "typo2": (persons + orgs, lambda n, r: typos(given_first(n), r)),
        "translit_given": (persons, _translit),
        "missing_middle": (persons, _drop_middle),
        "initials": (persons, _initial),
        "company_suffix": (orgs, _swap_suffix),
        "hyphen_space": (persons + orgs, lambda n, r: hyphen_or_glue(given_first(n), r)),
    }
    for cls, (pool, make) in makers.items():
        yield from _sample(cls, pool, make, rng)


def _sample(cls: str, pool: list[tuple[str, Party]], make: Maker,
            rng: random.Random) -> Iterator[dict[str, object]]:
    order = sorted(pool)
    rng.shuffle(order)
    made = 0
    for pid, party in order:
        query = make(party.name, rng)
        if query and query.lower() != party.name.lower():
            yield case(cls, "ofac", query, party.kind, pid)
            made += 1
            if made == PER_CLASS:
                return


def _translit(name: str, rng: random.Random) -> str | None:
    words = given_first(name).split()
    for i, word in enumerate(words):
        for group in GIVEN_VARIANTS:
            if word.lower() in group:
                words[i] = rng.choice([v for v in group if v != word.lower()]).capitalize()
                return " ".join(words)
    return None


def _drop_middle(name: str, rng: random.Random) -> str | None:
    family, _, given = name.partition(", ")
    parts = given.split()
    if len(parts) < 2:
        return None
    del parts[rng.randrange(1, len(parts))]
    return f"{' '.join(parts)} {family}"


def _initial(name: str, rng: random.Random) -> str | None:
    family, _, given = name.partition(", ")
    parts = given.split()
    if len(parts) < 2 or len(parts[1]) < 2 or not parts[1][0].isalpha():
        return None
    parts[1] = parts[1][0] + "."
    return f"{' '.join(parts)} {family}"


def _swap_suffix(name: str, rng: random.Random) -> str | None:
    for pattern, other in SUFFIX_SWAPS:
        if re.search(pattern, name, flags=re.IGNORECASE):
            return re.sub(pattern, other, name, count=1, flags=re.IGNORECASE)
    return None


def _tokens(name: str) -> tuple[str, ...]:
    """A name's words, sorted, and again as consonant skeletons: a negative must differ from
    every listed name in both (so "Hasan Mohammed" is no negative beside "HASSAN, Mohamed")."""
    words = re.sub(r"[^a-z0-9 ]", " ", name.lower()).split()
    return (*sorted(words), "|", *sorted(_family_key(w) for w in words))


def negatives(parties: dict[str, Party], rng: random.Random) -> Iterator[dict[str, object]]:
    listed = {_tokens(name) for p in parties.values() for name in p.names()}
    listed |= {t[t.index("|"):] for t in listed}
    persons = [p for _, p in sorted(parties.items()) if p.kind == "person" and ", " in p.name]
    given_by_family: dict[str, list[str]] = {}
    for p in persons:
        family, _, given = p.name.partition(", ")
        given_by_family.setdefault(family, []).append(given)
    yield from _common_surname(given_by_family, listed, rng)
    yield from _made_up(given_by_family, listed, rng)
    yield from _near_miss_companies(parties, listed, rng)
    person_words = [set(_tokens(n)) for p in parties.values() if p.kind == "person"
                    for n in p.names()]
    vessels = sorted(pid for pid, p in parties.items() if p.kind == "vessel" and not any(
        set(_tokens(p.name)) <= words for words in person_words))
    for pid in rng.sample(vessels, min(PER_CLASS, len(vessels))):
        yield case("neg_vessel_as_person", "ofac", parties[pid].name.title(), "person", None)


def _new(query: str, listed: set[tuple[str, ...]]) -> bool:
    words = _tokens(query)
    return words not in listed and words[words.index("|"):] not in listed


def _family_key(family: str) -> str:
    """The family name without vowels or doubled letters: Ahmad and Ahmed, Jang and Jong meet."""
    consonants = re.sub(r"[^a-z]|[aeiouy]", "", family.lower())
    return re.sub(r"(.)\1+", r"\1", consonants)


def _unlike(given: str, others: list[str]) -> bool:
    """No listed person of a like family name shares a given name with ``given`` (within one
    letter): "Chen Wei" is no negative when "CHEN, Wei Ming" is listed."""
    mine = given.lower().split()
    theirs = {w for other in others for w in other.lower().split()}
    return all(Levenshtein.distance(a, b) > 1 for a in mine for b in theirs)


def _given_by_family_key(given_by_family: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for family, givens in given_by_family.items():
        out.setdefault(_family_key(family), []).extend(givens)
    return out


def _common_surname(given_by_family: dict[str, list[str]], listed: set[tuple[str, ...]],
                    rng: random.Random) -> Iterator[dict[str, object]]:
    by_key = _given_by_family_key(given_by_family)
    groups = [sorted(f for f in given_by_family if f in group) for group in SURNAME_GROUPS]
    pools = [sorted({g for f in families for g in given_by_family[f]}) for families in groups]
    made = tries = 0
    while made < PER_CLASS and tries < 100 * PER_CLASS:
        tries += 1
        which = tries % len(groups)
        family, given = rng.choice(groups[which]), rng.choice(pools[which])
        query = f"{given} {family.title()}"
        if _unlike(given, by_key[_family_key(family)]) and _new(query, listed):
            yield case("neg_common_surname", "ofac", query, "person", None)
            listed.add(_tokens(query))  # never the same query twice
            made += 1


def _made_up(given_by_family: dict[str, list[str]], listed: set[tuple[str, ...]],
             rng: random.Random) -> Iterator[dict[str, object]]:
    by_key = _given_by_family_key(given_by_family)
    families = sorted(f for f in given_by_family if f not in COMMON_SURNAMES and f.isalpha())
    made = 0
    while made < PER_CLASS:
        family, other = rng.sample(families, 2)
        given = rng.choice(given_by_family[other])
        query = f"{given} {family}".title()
        if _unlike(given, by_key[_family_key(family)]) and _new(query, listed):
            yield case("neg_made_up", "ofac", query, "person", None)
            listed.add(_tokens(query))  # never the same query twice
            made += 1


def _near_miss_companies(parties: dict[str, Party], listed: set[tuple[str, ...]],
                         rng: random.Random) -> Iterator[dict[str, object]]:
    names = sorted(p.name for p in parties.values() if p.kind == "organization")
    words = sorted({w for n in names for w in n.split() if len(w) >= 5 and w.isalpha()})
    made = 0
    while made < PER_CLASS:
        name = rng.choice(names).split()
        slots = [i for i, w in enumerate(name) if len(w) >= 5 and w.isalpha()]
        if not 2 <= len(name) <= 4 or not slots:
            continue
        name[rng.choice(slots)] = rng.choice(words)
        query = " ".join(name)
        if _new(query, listed):
            yield case("neg_company", "ofac", query, "organization", None)
            listed.add(_tokens(query))
            made += 1


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    sdn, consolidated = ofac(), un()
    cases = [case("seed", "xinjiang", q, xinjiang()[pid].kind, pid) for q, pid in SEEDS.items()]
    cases += _capped(alias_cases("ofac_alias", "ofac-primary", sdn), rng)
    cases += _capped(alias_cases("un_alias", "un-primary", consolidated), rng)
    cases += _capped(script_cases(consolidated), rng)
    cases += generated(sdn, rng)
    cases += negatives(sdn, rng)
    return cases


def _capped(cases: Iterator[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    """At most PER_CLASS cases of each class, drawn at random."""
    by_class: dict[object, list[dict[str, object]]] = {}
    for item in cases:
        by_class.setdefault(item["class"], []).append(item)
    return [c for group in by_class.values()
            for c in rng.sample(group, min(PER_CLASS, len(group)))]


def main() -> None:
    cases = build()
    CASES.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                     encoding="utf-8")
    print(f"{len(cases)} cases -> {CASES}")


if __name__ == "__main__":
    main()
