"""The UN Security Council consolidated list (XML) as list entries.

The file is read with ``iterparse`` and each ``INDIVIDUAL`` or ``ENTITY`` is
dropped once read, so memory stays flat whatever the file's size. The list
dates itself (``dateGenerated``) and every entry (``LISTED_ON``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ledger.sources.entries import Alias, Attributes, ListEntry, is_partial_date
from ledger.sources.errors import SourceFormatError
from ledger.sources.snapshot import Snapshot, describe_file
from ledger.sources.un_parts import (
    Element,
    address,
    birth_date,
    birth_place,
    document,
    script_of,
    text_of,
)

LIST_NAME = "un"
_ROOT = "CONSOLIDATED_LIST"
_RECORDS = ("INDIVIDUAL", "ENTITY")
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def open_un(path: Path) -> Snapshot:
    """A snapshot of one UN consolidated list file, dated by its ``dateGenerated``."""
    if not path.is_file():
        raise SourceFormatError(str(path), "no such file")
    published = _date_generated(path)
    return Snapshot(LIST_NAME, published, (describe_file(path),), lambda: _entries(path))


def _date_generated(path: Path) -> str:
    for _event, root in _parse(path, ("start",), None):
        if root.tag != _ROOT:
            raise SourceFormatError(
                path.name, f"not a UN consolidated list: root element is <{root.tag}>"
            )
        generated = (root.get("dateGenerated") or "")[:10]
        if not is_partial_date(generated) or len(generated) != 10:
            raise SourceFormatError(path.name, "the list has no dateGenerated date")
        return generated
    raise SourceFormatError(path.name, "empty file")


def _parse(
    path: Path, events: tuple[str, ...], tags: tuple[str, ...] | None
) -> Iterator[tuple[str, Element]]:
    try:
        yield from etree.iterparse(
            str(path), events=events, tag=tags, resolve_entities=False, no_network=True
        )
    except etree.XMLSyntaxError as error:
        raise SourceFormatError(
            path.name, f"not well-formed XML: {error.msg}", error.lineno
        ) from None


def _entries(path: Path) -> Iterator[ListEntry]:
    for _event, record in _parse(path, ("end",), _RECORDS):
        yield _entry(path, record)
        record.clear()
        while record.getprevious() is not None:
            del record.getparent()[0]


def _entry(path: Path, record: Element) -> ListEntry:
    reference = text_of(record, "REFERENCE_NUMBER")
    if reference is None:
        raise SourceFormatError(
            path.name, f"<{record.tag}> without REFERENCE_NUMBER", record.sourceline
        )
    name = " ".join(part for tag in _NAME_PARTS if (part := text_of(record, tag)))
    if not name:
        raise SourceFormatError(path.name, f"{reference} has no name", record.sourceline)
    return ListEntry(
        list_name=LIST_NAME,
        list_id=reference,
        party_id=f"{LIST_NAME}:{reference}",
        kind="person" if record.tag == "INDIVIDUAL" else "organization",
        name=name,
        aliases=_aliases(record),
        attributes=_attributes(record),
        programs=frozenset(filter(None, [text_of(record, "UN_LIST_TYPE")])),
        listed_on=_listed_on(path, record, reference),
    )


def _listed_on(path: Path, record: Element, reference: str) -> str | None:
    listed = text_of(record, "LISTED_ON")
    if listed is None:
        return None
    if len(listed[:10]) != 10 or not is_partial_date(listed[:10]):
        raise SourceFormatError(
            path.name, f"{reference}: LISTED_ON {listed!r} is not a date", record.sourceline
        )
    return listed[:10]


def _aliases(record: Element) -> tuple[Alias, ...]:
    aliases: list[Alias] = []
    original = text_of(record, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(Alias(original, script=script_of(original)))
    for alias in record.iterfind(f"{record.tag}_ALIAS"):
        name = text_of(alias, "ALIAS_NAME")
        if name:
            aliases.append(_alias(name, (text_of(alias, "QUALITY") or "").lower()))
    return tuple(aliases)


def _alias(name: str, quality: str) -> Alias:
    """UN qualities: Good and a.k.a. are strong, Low is weak, f.k.a. a former name."""
    return Alias(
        name,
        quality="weak" if quality == "low" else "strong",
        former=quality == "f.k.a.",
        script=script_of(name),
    )


def _attributes(record: Element) -> Attributes:
    tag = record.tag
    documents = [document(d) for d in record.iterfind(f"{tag}_DOCUMENT")]
    found = [d for d in documents if d is not None]
    addresses = tuple(
        a for a in (address(e) for e in record.iterfind(f"{tag}_ADDRESS")) if a is not None
    )
    return Attributes(
        birth_dates=tuple(d for d in map(birth_date, record.iterfind(f"{tag}_DATE_OF_BIRTH")) if d),
        birth_places=tuple(
            p for p in map(birth_place, record.iterfind(f"{tag}_PLACE_OF_BIRTH")) if p
        ),
        nationalities=_values(record, "NATIONALITY"),
        genders=tuple(filter(None, [text_of(record, "GENDER")])),
        titles=_values(record, "TITLE"),
        positions=_values(record, "DESIGNATION"),
        passports=tuple(d for d in found if d.kind == "passport"),
        national_ids=tuple(d for d in found if d.kind == "national_id"),
        other_ids=tuple(d for d in found if d.kind not in ("passport", "national_id")),
        countries=tuple(dict.fromkeys(a.country for a in addresses if a.country)),
        addresses=addresses,
        remarks=tuple(filter(None, [text_of(record, "COMMENTS1")])),
    )


def _values(record: Element, tag: str) -> tuple[str, ...]:
    return tuple(
        v for e in record.iterfind(f"{tag}/VALUE") if (v := " ".join((e.text or "").split()))
    )
