"""OFAC's SDN list and consolidated non-SDN list (legacy CSV layout) as list entries.

Either the main file alone (``sdn.csv`` / ``cons_prim.csv``, any file name),
or a directory holding it with its companions: addresses, alternate names
(strong aliases) and remark continuations. The files carry no publication
date, so the snapshot's ``published`` is None and the caller must give one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from ledger.sources.entries import Address, Alias, Attributes, ListEntry, PartyKind
from ledger.sources.errors import SourceFormatError
from ledger.sources.ofac_csv import Joined, Row, no_rows, read_rows
from ledger.sources.ofac_remarks import RemarkFacts, read_remarks
from ledger.sources.snapshot import Snapshot, describe_file

_KINDS: dict[str | None, PartyKind] = {
    "individual": "person",
    "vessel": "vessel",
    "aircraft": "aircraft",
    None: "organization",
}


_EXECUTIVE_ORDER = re.compile(r"-EO(\d{5})$")


class Layout(NamedTuple):
    """The file names of one OFAC list in the legacy CSV layout."""

    list_name: str
    main: str
    addresses: str
    aliases: str
    comments: str


SDN = Layout("ofac-sdn", "sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")
CONSOLIDATED = Layout(
    "ofac-cons", "cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"
)


class Companions(NamedTuple):
    """The companion files found beside the main file (None when absent)."""

    addresses: Path | None
    aliases: Path | None
    comments: Path | None


def open_ofac(layout: Layout, path: Path) -> Snapshot:
    """A snapshot of ``path``: the main file itself, or a directory holding the layout."""
    main, companions = _locate(layout, path)
    found = [main, *(p for p in companions if p is not None)]
    files = tuple(describe_file(p) for p in found)
    return Snapshot(layout.list_name, None, files, lambda: _entries(layout, main, companions))


def _locate(layout: Layout, path: Path) -> tuple[Path, Companions]:
    if not path.is_dir():
        if not path.is_file():
            raise SourceFormatError(str(path), "no such file or directory")
        return path, Companions(None, None, None)
    main = path / layout.main
    if not main.is_file():
        raise SourceFormatError(
            str(path), f"a directory for {layout.list_name} must hold {layout.main}"
        )
    present = [path / name if (path / name).is_file() else None for name in layout[2:]]
    return main, Companions(*present)


def _entries(layout: Layout, main: Path, companions: Companions) -> Iterator[ListEntry]:
    addresses = Joined(_rows(companions.addresses, 6, f"OFAC {layout.addresses}"))
    aliases = Joined(_rows(companions.aliases, 5, f"OFAC {layout.aliases}"))
    comments = Joined(_rows(companions.comments, 2, f"OFAC {layout.comments}"))
    count = 0
    for row in read_rows(main, 12, f"OFAC {layout.main}"):
        remarks = _remarks(row, comments.take(row.ent_num))
        alt_rows, add_rows = aliases.take(row.ent_num), addresses.take(row.ent_num)
        yield _entry(layout.list_name, main.name, row, remarks, alt_rows, add_rows)
        count += 1
    if count == 0:
        raise SourceFormatError(
            main.name, f"holds no entries; an OFAC {layout.main} is never empty"
        )


def _rows(path: Path | None, width: int, layout: str) -> Iterator[Row]:
    return no_rows() if path is None else read_rows(path, width, layout)


def _remarks(row: Row, continued: list[Row]) -> str | None:
    """The remarks field, with the text sdn_comments.csv continues it by (joined as written)."""
    parts = [row.raw[11] if row.fields[11] else "", *(c.raw[1] for c in continued)]
    return "".join(parts).strip() or None


def _entry(
    list_name: str,
    file: str,
    row: Row,
    remarks: str | None,
    alt_rows: list[Row],
    add_rows: list[Row],
) -> ListEntry:
    name = row.fields[1]
    if name is None:
        raise SourceFormatError(file, f"entry {row.ent_num} has no name", row.line)
    kind = _KINDS.get(row.fields[2])
    if kind is None:
        raise SourceFormatError(file, f"unknown entry type {row.fields[2]!r}", row.line)
    facts = read_remarks(remarks) if remarks else RemarkFacts()
    programs = _programs(row.fields[3])
    return ListEntry(
        list_name=list_name,
        list_id=str(row.ent_num),
        party_id=f"{list_name}:{row.ent_num}",
        kind=kind,
        name=name,
        aliases=tuple(_alias(r) for r in alt_rows if r.fields[3]) + tuple(facts.aliases),
        attributes=_attributes(row, remarks, facts, [_address(r) for r in add_rows]),
        programs=programs,
        legal_bases=_legal_bases(programs),
        linked_to=tuple(facts.linked_to),
    )


def _programs(field: str | None) -> frozenset[str]:
    """``SDGT] [IFSR`` is two programs of one entry."""
    if field is None:
        return frozenset()
    return frozenset(p.strip(" []") for p in field.split("] [") if p.strip(" []"))


def _legal_bases(programs: frozenset[str]) -> frozenset[str]:
    """OFAC names some programs after their Executive Order: ``IRAN-EO13846`` rests on EO 13846."""
    found = (_EXECUTIVE_ORDER.search(p) for p in programs)
    return frozenset(f"Executive Order {m.group(1)}" for m in found if m)


def _alias(row: Row) -> Alias:
    name = row.fields[3] or ""
    return Alias(name, quality="strong", former=(row.fields[2] or "").lower() == "fka")


def _address(row: Row) -> Address:
    street, city, country, note = row.fields[2:6]
    return Address(street=street, city=city, country=country, note=note)


def _attributes(
    row: Row, remarks: str | None, facts: RemarkFacts, addresses: list[Address]
) -> Attributes:
    title, call_sign, vessel_type, tonnage, grt, flag, owner = row.fields[4:11]
    kept = tuple(a for a in addresses if a != Address())
    return Attributes(
        birth_dates=tuple(facts.birth_dates),
        birth_places=tuple(facts.birth_places),
        nationalities=tuple(facts.nationalities),
        citizenships=tuple(facts.citizenships),
        genders=tuple(facts.genders),
        titles=_one(title),
        passports=tuple(facts.passports),
        national_ids=tuple(facts.national_ids),
        other_ids=tuple(facts.other_ids),
        imo_numbers=tuple(facts.imo_numbers),
        call_signs=_one(call_sign),
        flags=_one(flag),
        vessel_types=_one(vessel_type),
        tonnages=_one(tonnage),
        gross_tonnages=_one(grt),
        owners=_one(owner),
        countries=tuple(dict.fromkeys(a.country for a in kept if a.country)),
        addresses=kept,
        remarks=_one(remarks),
    )


def _one(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)
