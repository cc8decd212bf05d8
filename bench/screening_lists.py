"""The real lists the screening evaluation is built from, read from bench/fixtures/screening/.

Each list is a dict from a party id to a ``Party``: its kind, its primary
name, its aliases and (UN only) its names in the original script. These
readers serve the benchmark only; the ledger's own parsers live in
``ledger/sources``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ledger.matching import Kind

FIXTURES = Path(__file__).parent / "fixtures" / "screening"
DATASET = Path(__file__).parent.parent / "ledger" / "datasets" / "xinjiang-2021.jsonl"
OFAC_KINDS: dict[str, Kind] = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}


@dataclass
class Party:
    kind: Kind
    name: str
    aliases: list[str] = field(default_factory=list)
    original_script: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


def _csv_rows(name: str) -> list[list[str]]:
    text = gzip.decompress((FIXTURES / name).read_bytes()).decode("latin-1")
    return [row for row in csv.reader(io.StringIO(text)) if len(row) > 3]


def ofac() -> dict[str, Party]:
    """OFAC SDN (July 2021): primary names from sdn.csv, aliases from alt.csv."""
    parties = {row[0]: Party(OFAC_KINDS.get(row[2].strip(), "organization"), row[1].strip())
               for row in _csv_rows("ofac_2021-07_sdn.csv.gz")}
    for row in _csv_rows("ofac_2021-07_alt.csv.gz"):
        if row[0] in parties:
            parties[row[0]].aliases.append(row[3].strip())
    return parties


def _text(element: ET.Element, tag: str) -> str:
    return " ".join((element.findtext(tag) or "").split())


def un() -> dict[str, Party]:
    """UN Security Council consolidated list (February 2026)."""
    raw = gzip.decompress((FIXTURES / "un_2026-02-27_consolidated.xml.gz").read_bytes())
    root = ET.fromstring(raw)
    parties: dict[str, Party] = {}
    kinds: tuple[tuple[str, Kind], ...] = (("INDIVIDUAL", "person"), ("ENTITY", "organization"))
    for tag, kind in kinds:
        for entry in root.iter(tag):
            parts = [_text(entry, f) for f in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                               "FOURTH_NAME")]
            party = Party(kind, " ".join(p for p in parts if p))
            for alias in entry.iter(f"{tag}_ALIAS"):
                if _text(alias, "QUALITY") != "Low":
                    names = _text(alias, "ALIAS_NAME").split(";")
                    party.aliases.extend(n.strip() for n in names if n.strip())
            if _text(entry, "NAME_ORIGINAL_SCRIPT"):
                party.original_script.append(_text(entry, "NAME_ORIGINAL_SCRIPT"))
            parties[_text(entry, "DATAID")] = party
    return parties


def xinjiang() -> dict[str, Party]:
    """The parties of the bundled dataset built from the seed articles."""
    parties: dict[str, Party] = {}
    for line in DATASET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line) if line.startswith("{") else {}
        if item.get("type") == "party" and item["kind"] in ("person", "organization"):
            parties[item["id"]] = Party(item["kind"], item["name"], item.get("aliases") or [])
    return parties
