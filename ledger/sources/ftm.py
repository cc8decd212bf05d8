"""OpenSanctions FollowTheMoney files: entity snapshots and delta (ADD/MOD/DEL) files.

An entity file has one JSON entity per line. A ``Sanction`` entity names its
target in ``entity`` and may come before or after it, so the file is read
twice: first to gather the sanctions and addresses (small, and only their
facts are kept), then to yield each sanctionable entity with them. Memory
grows with the number of sanctions and addresses, never with whole entities.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from ledger.sources.entries import Address, ListEntry
from ledger.sources.errors import SourceFormatError
from ledger.sources.ftm_entity import (
    KINDS,
    LIST_NAME,
    Entity,
    SanctionFacts,
    address_of,
    sanction_facts,
    to_entry,
)
from ledger.sources.snapshot import Snapshot, SourceFile, describe_file

_VERSION = re.compile(r"(\d{4})(\d{2})(\d{2})\d{6}-[a-z0-9]+")
_ENTITY = msgspec.json.Decoder(Entity)
T = TypeVar("T")


class Operation(msgspec.Struct, frozen=True):
    """One line of an ``entities.delta.json`` file."""

    op: Literal["ADD", "MOD", "DEL"]
    entity: Entity


class DeltaChange(msgspec.Struct, frozen=True):
    """What one delta line changes: an entry added or modified, a party deleted, or a sanction.

    ``entry`` is set for ADD and MOD of a sanctionable entity, ``sanction`` for
    ADD and MOD of a ``Sanction`` entity; a DEL carries only the party id.
    """

    op: Literal["ADD", "MOD", "DEL"]
    party_id: str
    schema: str | None
    entry: ListEntry | None = None
    sanction: SanctionFacts | None = None


class Delta:
    """One published delta file: its date (from the version directory's name) and its changes."""

    def __init__(self, published: str | None, files: tuple[SourceFile, ...], path: Path):
        self.published = published
        self.files = files
        self._path = path

    def changes(self) -> Iterator[DeltaChange]:
        decoder = msgspec.json.Decoder(Operation)
        for line, raw in _lines(self._path):
            change = _change(_decode(decoder, self._path, line, raw))
            if change is not None:
                yield change


def open_ftm(path: Path) -> Snapshot:
    """A snapshot of an FtM entity file (``entities.ftm.json``); FtM files carry no date."""
    _require_file(path)
    return Snapshot(LIST_NAME, None, (describe_file(path),), lambda: _entries(path))


def open_ftm_delta(path: Path) -> Delta:
    """A delta file, dated when it sits in an OpenSanctions version directory.

    Version directories are named by their export time (``20240527194702-wnk``).
    """
    _require_file(path)
    version = _VERSION.fullmatch(path.parent.name)
    published = "-".join(version.groups()) if version else None
    return Delta(published, (describe_file(path),), path)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise SourceFormatError(str(path), "no such file")


def _entries(path: Path) -> Iterator[ListEntry]:
    sanctions, addresses = _gather(path)
    for entity in _entities(path):
        if entity.schema not in KINDS:
            continue
        named = sanctions.get(entity.id, [])
        if entity.target is not False or named:
            yield to_entry(entity, named, addresses)


def _gather(path: Path) -> tuple[dict[str, list[SanctionFacts]], dict[str, Address]]:
    sanctions: dict[str, list[SanctionFacts]] = defaultdict(list)
    addresses: dict[str, Address] = {}
    for entity in _entities(path):
        if entity.schema == "Sanction":
            facts = sanction_facts(entity)
            for target in facts.targets:
                sanctions[target].append(facts)
        elif entity.schema == "Address":
            addresses[entity.id] = address_of(entity)
    return sanctions, addresses


def _entities(path: Path) -> Iterator[Entity]:
    for line, raw in _lines(path):
        entity = _decode(_ENTITY, path, line, raw)
        if not entity.schema:
            raise SourceFormatError(path.name, f"entity {entity.id!r} has no schema", line)
        yield entity


def _change(operation: Operation) -> DeltaChange | None:
    entity = operation.entity
    party_id = f"{LIST_NAME}:{entity.id}"
    if operation.op == "DEL":
        return DeltaChange("DEL", party_id, None)
    if entity.schema == "Sanction":
        return DeltaChange(operation.op, party_id, entity.schema, sanction=sanction_facts(entity))
    if entity.schema in KINDS:
        return DeltaChange(operation.op, party_id, entity.schema, entry=to_entry(entity, [], {}))
    return None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, 1):
            if raw.strip():
                yield line, raw


def _decode(decoder: msgspec.json.Decoder[T], path: Path, line: int, raw: bytes) -> T:
    try:
        return decoder.decode(raw)
    except msgspec.DecodeError as error:
        raise SourceFormatError(
            path.name, f"not a FollowTheMoney entity line: {error}", line
        ) from None
