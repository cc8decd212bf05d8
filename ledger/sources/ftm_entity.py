"""One FollowTheMoney entity (as OpenSanctions exports them) read into a list entry.

FtM entities are JSON objects with a ``schema`` and multi-valued string
``properties``. Only schemata that can be sanctioned become entries; a
``Sanction`` entity contributes its program, authority and dates to the entry
it names in ``entity``.
"""

from __future__ import annotations

import msgspec

from ledger.sources.entries import (
    Address,
    Alias,
    Attributes,
    Identifier,
    ListEntry,
    PartialDate,
    PartyKind,
    is_partial_date,
)
from ledger.sources.un_parts import script_of

LIST_NAME = "ftm"

KINDS: dict[str, PartyKind] = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "LegalEntity": "organization",
    "PublicBody": "organization",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}

# FtM property -> identifier kind, for numbers that are neither passports nor national ids.
_OTHER_IDS = (
    "taxNumber",
    "registrationNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "serialNumber",
    "mmsi",
    "vatCode",
)


class Entity(msgspec.Struct, frozen=True):
    """The parts of an FtM entity we read; other keys (datasets, referents...) are ignored."""

    id: str
    schema: str | None = None
    properties: dict[str, list[str]] = {}
    caption: str | None = None
    target: bool | None = None

    def values(self, prop: str) -> tuple[str, ...]:
        """The property's values, blank ones dropped (exports sometimes carry ``""``)."""
        return tuple(v for v in self.properties.get(prop, ()) if v.strip())


class SanctionFacts(msgspec.Struct, frozen=True):
    """What a ``Sanction`` entity says about the entities it names."""

    id: str
    targets: tuple[str, ...]
    authorities: frozenset[str]
    programs: frozenset[str]
    start_dates: tuple[str, ...]
    end_dates: tuple[str, ...]
    listing_dates: tuple[str, ...]


def sanction_facts(entity: Entity) -> SanctionFacts:
    programs = entity.values("programId") or entity.values("program")
    return SanctionFacts(
        id=entity.id,
        targets=entity.values("entity"),
        authorities=frozenset(entity.values("authority")),
        programs=frozenset(programs),
        start_dates=_dates(entity.values("startDate")),
        end_dates=_dates(entity.values("endDate")),
        listing_dates=_dates(entity.values("listingDate")),
    )


def address_of(entity: Entity) -> Address:
    """An FtM ``Address`` entity as an address."""

    def first(prop: str) -> str | None:
        return next(iter(entity.values(prop)), None)

    return Address(
        full=first("full") or entity.caption,
        street=first("street"),
        city=first("city"),
        region=first("region") or first("state"),
        postal_code=first("postalCode"),
        country=first("country"),
    )


def to_entry(
    entity: Entity, sanctions: list[SanctionFacts], addresses: dict[str, Address]
) -> ListEntry:
    """The entry of a sanctionable entity, with the sanctions and address entities naming it."""
    names = entity.values("name")
    primary = entity.caption if entity.caption in names else (names[0] if names else entity.caption)
    return ListEntry(
        list_name=LIST_NAME,
        list_id=entity.id,
        party_id=f"{LIST_NAME}:{entity.id}",
        kind=KINDS[entity.schema or ""],
        name=primary or entity.id,
        aliases=_aliases(entity, primary),
        attributes=_attributes(entity, addresses),
        programs=frozenset(p for s in sanctions for p in s.programs),
        authorities=frozenset(a for s in sanctions for a in s.authorities),
        listed_on=_listed_on(sanctions),
        ends_on=_ends_on(sanctions),
    )


def _listed_on(sanctions: list[SanctionFacts]) -> str | None:
    """The earliest start date; the listing date where no sanction gives a start."""
    starts = [d for s in sanctions for d in (s.start_dates or s.listing_dates)]
    return min(starts, default=None)


def _ends_on(sanctions: list[SanctionFacts]) -> str | None:
    """The latest end date, but only when every sanction of the entity has ended."""
    if not sanctions or any(not s.end_dates for s in sanctions):
        return None
    return max(d for s in sanctions for d in s.end_dates)


def _aliases(entity: Entity, primary: str | None) -> tuple[Alias, ...]:
    found = [Alias(n, script=script_of(n)) for n in entity.values("name") if n != primary]
    found += [Alias(n, script=script_of(n)) for n in entity.values("alias")]
    found += [Alias(n, quality="weak", script=script_of(n)) for n in entity.values("weakAlias")]
    found += [Alias(n, former=True, script=script_of(n)) for n in entity.values("previousName")]
    return tuple(dict.fromkeys(found))


def _attributes(entity: Entity, addresses: dict[str, Address]) -> Attributes:
    linked = [addresses[a] for a in entity.values("addressEntity") if a in addresses]
    return Attributes(
        birth_dates=tuple(PartialDate.on(d) for d in _dates(entity.values("birthDate"))),
        birth_places=entity.values("birthPlace"),
        nationalities=entity.values("nationality"),
        citizenships=entity.values("citizenship"),
        genders=entity.values("gender"),
        titles=entity.values("title"),
        positions=entity.values("position"),
        passports=tuple(Identifier("passport", n) for n in entity.values("passportNumber")),
        national_ids=tuple(Identifier("national_id", n) for n in entity.values("idNumber")),
        other_ids=tuple(Identifier(p, n) for p in _OTHER_IDS for n in entity.values(p)),
        imo_numbers=entity.values("imoNumber"),
        call_signs=entity.values("callSign"),
        flags=entity.values("flag"),
        vessel_types=entity.values("type") if entity.schema == "Vessel" else (),
        tonnages=entity.values("tonnage"),
        gross_tonnages=entity.values("grossRegisteredTonnage"),
        countries=tuple(dict.fromkeys(entity.values("country") + entity.values("jurisdiction"))),
        addresses=tuple(
            dict.fromkeys([*linked, *(Address(full=a) for a in entity.values("address"))])
        ),
        remarks=entity.values("notes"),
    )


def _dates(values: tuple[str, ...]) -> tuple[str, ...]:
    """FtM dates may carry a time; entries keep the calendar part, whatever its precision."""
    return tuple(d[:10] for d in values if is_partial_date(d[:10]))
