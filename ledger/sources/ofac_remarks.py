"""The facts OFAC writes into an entry's free-text remarks, read into typed values.

OFAC's legacy CSV has no columns for dates of birth, documents or links: it
writes them into the remarks as ``; ``-separated phrases (``DOB 31 Jul 1951;
POB Beirut, Lebanon; alt. Passport A123 (Iran); Linked To: X.``). Weak
aliases also live there, quoted (``a.k.a. 'BNC'``), while strong ones are rows
of alt.csv. A phrase we do not recognise stays in the remarks, which are kept
whole, so nothing the list says is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ledger.sources.entries import Alias, Identifier, PartialDate

_MONTHS = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAY_MONTH_YEAR = re.compile(r"(?:(\d{1,2}) )?(?:([A-Z][a-z]{2}) )?(\d{4})")
_DOCUMENT = re.compile(
    r"(?:No\. |# )?(?P<number>\S+)(?: \((?P<country>[^)]*)\))?(?: (?P<note>.+))?"
)
_ALIAS = re.compile(r"([afn])\.k\.a\. '(.+)'")

# Phrase prefix -> the kind of identifier it introduces.
_OTHER_IDS = {
    "Tax ID No.": "tax_id",
    "Cedula No.": "cedula",
    "Registration Number": "registration_number",
    "Registration ID": "registration_id",
    "Identification Number": "identification_number",
    "Company Number": "company_number",
    "Commercial Registry Number": "commercial_registry_number",
    "Business Registration Number": "business_registration_number",
    "C.U.R.P.": "curp",
    "R.F.C.": "rfc",
    "D.N.I.": "dni",
    "SSN": "ssn",
    "MMSI": "mmsi",
    "Aircraft Tail Number": "aircraft_tail_number",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_serial_number",
    "Unified Social Credit Code (USCC)": "uscc",
}


_OTHER_ID = re.compile("(" + "|".join(re.escape(p) for p in _OTHER_IDS) + ") (.+)")


@dataclass
class RemarkFacts:
    """What one entry's remarks state, phrase by phrase."""

    birth_dates: list[PartialDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    genders: list[str] = field(default_factory=list)
    passports: list[Identifier] = field(default_factory=list)
    national_ids: list[Identifier] = field(default_factory=list)
    other_ids: list[Identifier] = field(default_factory=list)
    imo_numbers: list[str] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)


def parse_ofac_date(text: str) -> str | None:
    """``31 Jul 1951`` -> ``1951-07-31``, ``Feb 1958`` -> ``1958-02``, ``1964`` -> ``1964``."""
    match = _DAY_MONTH_YEAR.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year = match.groups()
    if month is None:
        return year if day is None else None
    if month not in _MONTHS:
        return None
    iso = f"{year}-{_MONTHS[month]}"
    return iso if day is None else f"{iso}-{int(day):02d}"


def parse_ofac_birth_date(text: str) -> PartialDate | None:
    """A DOB phrase: one date, ``circa`` a date, or ``D1 to D2``."""
    circa = text.startswith("circa ")
    if circa:
        text = text.removeprefix("circa ")
    first, _, last = text.partition(" to ")
    earliest = parse_ofac_date(first)
    latest = parse_ofac_date(last) if last else earliest
    if earliest is None or latest is None:
        return None
    return PartialDate(earliest, latest, circa)


def read_remarks(text: str) -> RemarkFacts:
    """Every phrase of the remarks that has a typed home, in the order written."""
    facts = RemarkFacts()
    for phrase in _phrases(text):
        _read_phrase(phrase.removeprefix("alt. "), facts)
    return facts


def _phrases(text: str) -> list[str]:
    body = text.strip()
    if body.endswith(".") and "." not in body[:-1].rsplit(" ", 1)[-1]:
        body = body[:-1]  # the closing full stop, unless it ends an abbreviation (S.A.)
    return [p.strip() for p in body.split("; ") if p.strip()]


def _read_phrase(phrase: str, facts: RemarkFacts) -> None:
    head, _, rest = phrase.partition(" ")
    if head == "DOB":
        born = parse_ofac_birth_date(rest)
        if born is not None:
            facts.birth_dates.append(born)
    elif head in _SIMPLE:
        getattr(facts, _SIMPLE[head]).append(rest)
    elif phrase.startswith("Linked To: "):
        facts.linked_to.append(phrase.removeprefix("Linked To: "))
    elif head == "Passport":
        _add_document(facts.passports, "passport", rest)
    elif phrase.startswith("National ID No. "):
        _add_document(facts.national_ids, "national_id", phrase.removeprefix("National ID No. "))
    elif phrase.startswith("Vessel Registration Identification IMO "):
        facts.imo_numbers.append(phrase.rsplit(" ", 1)[-1])
    elif (alias := _ALIAS.fullmatch(phrase)) is not None:
        former = alias.group(1) == "f"
        facts.aliases.append(Alias(alias.group(2), quality="weak", former=former))
    else:
        _read_other_id(phrase, facts)


_SIMPLE = {
    "POB": "birth_places",
    "nationality": "nationalities",
    "citizen": "citizenships",
    "Gender": "genders",
}


def _read_other_id(phrase: str, facts: RemarkFacts) -> None:
    match = _OTHER_ID.match(phrase)
    if match is not None:
        _add_document(facts.other_ids, _OTHER_IDS[match.group(1)], match.group(2))


def _add_document(into: list[Identifier], kind: str, text: str) -> None:
    match = _DOCUMENT.fullmatch(text)
    if match is None:
        return
    into.append(Identifier(kind, match["number"], match["country"], match["note"]))
