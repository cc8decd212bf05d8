"""Reading the repeated parts of a UN list record: dates of birth, places, documents, addresses."""

from __future__ import annotations

import unicodedata
from typing import Any

from ledger.sources.entries import Address, Identifier, PartialDate, is_partial_date

Element = Any  # lxml elements; lxml-stubs do not type iterparse's items


def birth_date(element: Element) -> PartialDate | None:
    """EXACT date or year, APPROXIMATELY a year, or BETWEEN two years; None for a note alone."""
    kind = (text_of(element, "TYPE_OF_DATE") or "").upper()
    circa = kind == "APPROXIMATELY" or "approximately" in (text_of(element, "NOTE") or "").lower()
    if kind == "BETWEEN":
        start, end = text_of(element, "FROM_YEAR"), text_of(element, "TO_YEAR")
        if start and end and is_partial_date(start) and is_partial_date(end):
            return PartialDate(start, end, circa)
        return None
    value = (text_of(element, "DATE") or "")[:10] or text_of(element, "YEAR")
    if value and is_partial_date(value):
        return PartialDate.on(value, circa)
    return None


def birth_place(element: Element) -> str | None:
    parts = [text_of(element, tag) for tag in ("CITY", "STATE_PROVINCE", "COUNTRY")]
    return ", ".join(p for p in parts if p) or None


def document(element: Element) -> Identifier | None:
    """A travel or identity document; its kind read from the UN's free-text type."""
    number = text_of(element, "NUMBER")
    if number is None:
        return None
    label = text_of(element, "TYPE_OF_DOCUMENT") or ""
    country = text_of(element, "ISSUING_COUNTRY") or text_of(element, "COUNTRY_OF_ISSUE")
    return Identifier(_document_kind(label), number, country, text_of(element, "NOTE"))


def _document_kind(label: str) -> str:
    lowered = label.lower()
    if "passport" in lowered:
        return "passport"
    if "national" in lowered or "identification" in lowered:
        return "national_id"
    return lowered.replace(" ", "_") or "document"


def address(element: Element) -> Address | None:
    found = Address(
        street=text_of(element, "STREET"),
        city=text_of(element, "CITY"),
        region=text_of(element, "STATE_PROVINCE"),
        postal_code=text_of(element, "ZIP_CODE"),
        country=text_of(element, "COUNTRY"),
        note=text_of(element, "NOTE"),
    )
    return None if found == Address() else found


def script_of(name: str) -> str | None:
    """The writing system of a name's first letter (``Arabic``, ``Cyrillic``); None for Latin."""
    for char in name:
        if char.isalpha():
            script = unicodedata.name(char, "").split(" ")[0].capitalize()
            return None if script == "Latin" else script
    return None


def text_of(element: Element, tag: str) -> str | None:
    """The text of a child with surrounding and repeated spaces removed; None when empty."""
    text = element.findtext(tag)
    cleaned = " ".join(text.split()) if text else ""
    return cleaned or None
