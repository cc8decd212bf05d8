"""Recording one interchange file: every line checked, then all of it saved at once.

A ``Recording`` takes the file's objects in order. Each line is first looked
up by id (an identical line already recorded is skipped before any other
check), then shape-checked, its references resolved against the ledger and
the lines above it, and finally handed to its aggregate, whose commands
enforce the sanction rules. Nothing is written until every line has passed;
then all new events go to the store in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ledger.domain import CREATED_BY_TYPE, Party, Sanction, record_uuid
from ledger.errors import ConflictError, LineError, RuleViolationError
from ledger.interchange import (
    REFERENCES,
    SCHEMA,
    FiledLine,
    check_shape,
    compact,
    line_id,
    referenced_ids,
    same_content,
)
from ledger.readmodel.queries import KnownLine

if TYPE_CHECKING:
    from ledger.application import SanctionsLedger

_EMPTY_BY_DEFAULT: dict[str, Any] = {"aliases": [], "attributes": {}, "in_response_to": [],
                                     "about": []}


@dataclass
class RecordingSummary:
    """What an import did: lines recorded by type, lines skipped as already recorded."""

    recorded_at: datetime
    recorded: Counter[str] = field(default_factory=Counter)
    skipped: int = 0

    @property
    def total_recorded(self) -> int:
        return sum(self.recorded.values())


class Recording:
    """One file on its way into the ledger."""

    def __init__(self, ledger: SanctionsLedger, recorded_at: datetime):
        self.ledger = ledger
        self.summary = RecordingSummary(recorded_at)
        self._new: dict[str, KnownLine] = {}
        self._touched: dict[UUID, Aggregate] = {}
        self._loaded: list[str] = []
        self._fetched: dict[str, KnownLine | None] = {}  # this chunk's ids, looked up at once
        self.saved: list[Any] = []  # eventsourcing's Recording per saved event, in order

    def take_all(self, objects: Iterable[tuple[int, dict[str, Any]]],
                 chunk: int = 2000) -> None:
        """``take`` every line, looking up a chunk's ids in one query rather than per line."""
        pending = iter(objects)
        while piece := list(islice(pending, chunk)):
            self._prefetch(piece)
            for lineno, obj in piece:
                self.take(lineno, obj)
            self._fetched.clear()

    def _prefetch(self, piece: list[tuple[int, dict[str, Any]]]) -> None:
        wanted = {ident for _, obj in piece for ident in _ids_named(obj)} - self._new.keys()
        self._fetched = dict.fromkeys(wanted)
        self._fetched.update(self.ledger.read_model.known_lines(wanted))

    def take(self, lineno: int, obj: dict[str, Any]) -> None:
        """Check one line and stage its event, or raise ``LineError``."""
        ident = line_id(lineno, obj)
        known = self._known(ident)
        if known is not None:
            if not same_content(known.filed, compact(obj)):
                raise LineError(lineno, f"id {ident} is already recorded with other content")
            self.summary.skipped += 1
            return
        line = check_shape(lineno, obj)
        try:
            self._check_references(line)
            _STAGE[line.type](self, line)
        except RuleViolationError as error:
            raise LineError(lineno, str(error)) from None
        kind = line.fields["kind"] if line.type == "party" else None
        self._new[ident] = KnownLine(line.type, line.filed, kind)
        self.summary.recorded[line.type] += 1

    def save(self) -> RecordingSummary:
        """Write every staged event in one transaction, or nothing."""
        if self.summary.total_recorded:
            try:
                self.saved = self.ledger.save(*self._touched.values())
            except IntegrityError:
                raise ConflictError(
                    "another writer recorded changes to the same records first "
                    f"({', '.join(sorted(self._loaded)) or 'new ids of this file'}); "
                    "nothing was written, re-run the import") from None
        return self.summary

    # Checks that need the ledger.

    def _known(self, ident: str) -> KnownLine | None:
        if ident in self._new:
            return self._new[ident]
        if ident in self._fetched:
            return self._fetched[ident]
        return self.ledger.read_model.known_line(ident)

    def _check_references(self, line: FiledLine) -> None:
        holders = [line.fields]
        if line.type == "correction":
            holders.append(line.fields["set"])
        for holder in holders:
            for name, allowed in REFERENCES.items():
                value = holder.get(name)
                for ref in [value] if isinstance(value, str) else value or []:
                    self._check_reference(name, ref, allowed)

    def _check_reference(self, name: str, ref: str, allowed: tuple[str, ...]) -> None:
        known = self._known(ref)
        if known is None:
            raise RuleViolationError(f"'{name}' names {ref}, which is not recorded")
        if known.type not in allowed:
            raise RuleViolationError(
                f"'{name}' names {ref}, a {known.type}, not a {' or '.join(allowed)}")
        if name == "authority" and known.party_kind != "authority":
            raise RuleViolationError(
                f"'authority' names {ref}, a party of kind {known.party_kind}, "
                "not an authority")

    # Staging events on aggregates.

    def _create(self, line: FiledLine) -> None:
        aggregate_class, event_class = CREATED_BY_TYPE[line.type]
        required, optional = SCHEMA[line.type]
        values = {name: line.fields.get(name, _EMPTY_BY_DEFAULT.get(name))
                  for name in (*required, *optional)}
        aggregate = aggregate_class._create(
            event_class, id=record_uuid(line.id), timestamp=self.summary.recorded_at,
            **_event_fields(line), **values)
        self._touched[aggregate.id] = aggregate

    def _add_alias(self, line: FiledLine) -> None:
        party = self._load(line.fields["party"], Party)
        party.add_alias(line.fields["name"], _event_fields(line), self.summary.recorded_at)

    def _change_sanction(self, line: FiledLine) -> None:
        sanction = self._load(line.fields["sanction"], Sanction)
        f, common = line.fields, {"line": _event_fields(line),
                                  "timestamp": self.summary.recorded_at}
        if line.type == "amendment":
            sanction.amend(effective_from=f["effective_from"], measures=f.get("measures"),
                           sets_until="effective_until" in f,
                           effective_until=f.get("effective_until"), reason=f.get("reason"),
                           **common)
        elif line.type == "lifting":
            sanction.lift(effective_from=f["effective_from"], reason=f.get("reason"), **common)
        elif line.type == "correction":
            sanction.correct(changes=f["set"], reason=f.get("reason"), **common)
        else:
            sanction.retract(reason=f.get("reason"), **common)

    def _load(self, ident: str, kind: type[Aggregate]) -> Any:
        key = record_uuid(ident)
        if key not in self._touched:
            self._touched[key] = self.ledger.repository.get(key)
            self._loaded.append(ident)
        aggregate = self._touched[key]
        assert isinstance(aggregate, kind), f"{ident} is not a {kind.__name__}"
        return aggregate


def _ids_named(obj: Any) -> list[str]:
    """The line's own id and every id it references, as far as its shape allows."""
    if not isinstance(obj, dict):
        return []
    own = [obj["id"]] if isinstance(obj.get("id"), str) else []
    return own + referenced_ids(obj)


def _event_fields(line: FiledLine) -> dict[str, Any]:
    return {"line_id": line.id, "line_type": line.type, "filed": line.filed,
            "sources": line.sources, "note": line.note}


_STAGE = {
    **{kind: Recording._create for kind in CREATED_BY_TYPE},
    "alias": Recording._add_alias,
    **{kind: Recording._change_sanction
       for kind in ("amendment", "lifting", "correction", "retraction")},
}
