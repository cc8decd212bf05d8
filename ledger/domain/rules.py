"""Rules of the interchange spec that the import, the fold and the audit trail share.

Each is written here once; the rules that belong to one sanction's commands
("can this sanction be lifted?") are ``Sanction``'s, in ``aggregates``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ledger.errors import RuleViolationError

SANCTION_TYPES = ("designation", "countermeasure")
PARTY_KINDS = ("person", "organization", "authority", "vessel", "aircraft")

#: The typed attributes a party may carry, each a list (the identifiers official lists give).
ATTRIBUTE_KINDS = frozenset({
    "list_uids", "birth_dates", "birth_places", "nationalities", "citizenships", "genders",
    "titles", "positions", "passports", "national_ids", "other_ids", "imo_numbers",
    "call_signs", "flags", "vessel_types", "tonnages", "gross_tonnages", "owners",
    "countries", "addresses", "remarks",
})

#: The fields of a sanction's base record that a correction may set.
CORRECTABLE = ("authority", "target", "measures", "effective_from", "effective_until",
               "program", "legal_basis", "programs", "legal_bases")

#: Fields that name other records, and the types those records must have.
REFERENCES: dict[str, tuple[str, ...]] = {
    "authority": ("party",),
    "target": ("party",),
    "party": ("party",),
    "parties": ("party",),
    "same_party": ("same_party",),
    "speaker": ("party",),
    "on_behalf_of": ("party",),
    "sanction": SANCTION_TYPES,
    "in_response_to": SANCTION_TYPES,
    "about": ("party", *SANCTION_TYPES),
    "sources": ("source",),
}


def corrected(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Rule 3: a correction replaces the fields it sets in a sanction's base record.

    A corrected ``effective_from`` is an exact date: the start's window, if it had
    one, goes with the old value.
    """
    terms = {**base, **{key: value for key, value in changes.items() if key in CORRECTABLE}}
    if "effective_from" in changes and "start_window" in terms:
        terms["start_window"] = None
    return terms


def ends_before_it_starts(effective_from: date | None, effective_until: date | None) -> bool:
    """An ``effective_until`` before its ``effective_from``: no line and no correction
    may leave a sanction so (an open end never does)."""
    return (effective_from is not None and effective_until is not None
            and effective_until < effective_from)


#: A party's names (its name and every alias) are at most this many: a documented
#: limit (docs/interchange.md), far above any official list's.
MAX_NAMES_PER_PARTY = 1_000


def check_name_count(count: int) -> None:
    """A party may not be given more than ``MAX_NAMES_PER_PARTY`` names."""
    if count > MAX_NAMES_PER_PARTY:
        raise RuleViolationError(f"a party has at most {MAX_NAMES_PER_PARTY:,} names "
                                 f"(its name and aliases): this would give it {count:,}")


def check_authority(ref: str, party_kind: str | None) -> None:
    """The party an ``authority`` field names must be of kind authority."""
    if party_kind != "authority":
        raise RuleViolationError(
            f"'authority' names {ref}, a party of kind {party_kind}, not an authority")


def referenced_ids(obj: dict[str, Any]) -> list[str]:
    """Every id a line names, in its fields or in a correction's ``set``.

    Safe on lines not yet shape-checked: values of the wrong shape name nothing.
    """
    found: list[str] = []
    holders = [obj, obj["set"]] if isinstance(obj.get("set"), dict) else [obj]
    for holder in holders:
        for field in REFERENCES:
            value = holder.get(field)
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, list):
                found += [v for v in value if isinstance(v, str)]
    return found
