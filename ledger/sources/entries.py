"""What an official list says about one listed party, in one shape for every list.

Every parser (OFAC CSV, UN XML, FollowTheMoney JSON) yields these values, so
the snapshot diff compares like with like. Values are frozen and use tuples,
so two readings of the same row compare equal and can be hashed.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

PartyKind = Literal["person", "organization", "vessel", "aircraft"]
AliasQuality = Literal["strong", "weak"]

_PARTIAL_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def is_partial_date(text: str) -> bool:
    """True for ``1955``, ``1958-01`` or ``1958-01-31``: the precisions lists give."""
    return _PARTIAL_DATE.fullmatch(text) is not None


class PartialDate(msgspec.Struct, frozen=True):
    """A date known to a year, a month or a day, or a window between two such dates.

    ``earliest`` and ``latest`` are partial ISO dates (``1955``, ``1958-01``,
    ``1958-01-31``); they are equal when the list gives one date. ``circa``
    records that the list itself calls the date approximate.
    """

    earliest: str
    latest: str
    circa: bool = False

    @classmethod
    def on(cls, text: str, circa: bool = False) -> PartialDate:
        return cls(text, text, circa)


class Alias(msgspec.Struct, frozen=True):
    """Another name of a listed party.

    ``quality`` is the list's own judgement (OFAC strong/weak a.k.a., UN
    Good/Low); ``former`` marks a "formerly known as"; ``script`` names a
    non-Latin writing system when the list says the name is in original script.
    """

    name: str
    quality: AliasQuality = "strong"
    former: bool = False
    script: str | None = None


class Identifier(msgspec.Struct, frozen=True):
    """A document or registry number: passport, national id, tax id, IMO number..."""

    kind: str
    number: str
    country: str | None = None
    note: str | None = None


class Address(msgspec.Struct, frozen=True):
    """A postal address as the list splits it (or whole, in ``full``); any part may be missing."""

    full: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    note: str | None = None


class Attributes(msgspec.Struct, frozen=True, omit_defaults=True):
    """Typed facts about a listed party; each a tuple, empty when the list says nothing."""

    birth_dates: tuple[PartialDate, ...] = ()
    birth_places: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    citizenships: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    passports: tuple[Identifier, ...] = ()
    national_ids: tuple[Identifier, ...] = ()
    other_ids: tuple[Identifier, ...] = ()
    imo_numbers: tuple[str, ...] = ()
    call_signs: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    vessel_types: tuple[str, ...] = ()
    tonnages: tuple[str, ...] = ()
    gross_tonnages: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    remarks: tuple[str, ...] = ()


class ListEntry(msgspec.Struct, frozen=True):
    """One entry of one official list, as the list published it.

    ``list_id`` is the list's own identifier (OFAC ent_num, UN reference
    number, FtM entity id); ``party_id`` is the id the ledger gives the party
    (``ofac-sdn:36``, ``un:KPi.033``, ``ftm:Q7747``). ``programs`` and
    ``legal_bases`` are sets: one entry may fall under several programs.
    ``authorities`` are the sanctioning bodies as the file names them (FtM
    files mix authorities); single-authority lists (OFAC, UN) leave it empty.
    ``listed_on`` is the list's own designation date and ``ends_on`` its own
    end date, None when it has none. ``linked_to`` names other parties as
    the list writes them.
    """

    list_name: str
    list_id: str
    party_id: str
    kind: PartyKind
    name: str
    aliases: tuple[Alias, ...] = ()
    attributes: Attributes = Attributes()
    programs: frozenset[str] = frozenset()
    legal_bases: frozenset[str] = frozenset()
    authorities: frozenset[str] = frozenset()
    listed_on: str | None = None
    ends_on: str | None = None
    linked_to: tuple[str, ...] = ()
