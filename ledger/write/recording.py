"""Recording one interchange file: every line checked, written batch by batch, committed once.

A ``Recording`` takes the file's objects in order. Each line is first looked
up by id (an identical line already recorded is skipped before any other
check), then shape-checked, its references resolved against the ledger and
the lines above it, and finally handed to its aggregate, whose commands
enforce the sanction rules. Each batch of checked lines is written through
the file's one open transaction (``ledger.write.bulk``), so later
lines are checked against earlier ones there; a bad line anywhere rolls the
whole file back. Memory holds three batches and a bounded set of records.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from msgspec import UNSET

from ledger.domain.aggregates import CREATED_BY_TYPE, Party, PartyLink, Sanction, record_uuid
from ledger.domain.rules import REFERENCES, check_authority, referenced_ids
from ledger.errors import LineError, RuleViolationError
from ledger.interchange.lines import (
    AliasEndLine,
    AliasLine,
    AmendmentLine,
    CorrectionLine,
    LiftingLine,
    Line,
    PartyAmendmentLine,
    PartyLine,
    RetractionLine,
    check_shape,
    compact,
    given,
    line_id,
    same_content,
)
from ledger.read.sql import KnownLine

_SANCTION_CHANGES = ("amendment", "lifting", "correction", "retraction")
_PARTY_CHANGES = ("alias", "alias_end", "party_amendment")
LOOKAHEAD = 2  # pieces looked up ahead of the one being checked


class Found(NamedTuple):
    """What a lookup found of a piece of a file: one per batch."""

    lines: dict[str, KnownLine]  # the recorded lines among the ids asked
    records: dict[UUID, Aggregate]  # the records asked for, folded from their events


class FileTransaction(Protocol):
    """The one open transaction a file is written through (``ledger.write.bulk``): in this
    process, or in a child that writes while this process checks."""

    def look_up(self, line_ids: list[str], record_ids: list[UUID]) -> Callable[[], Found]:
        """Ask which of these lines are recorded and for these records as stored; the
        returned function gives the answer (a child may still be working on it)."""
        ...

    def known_line(self, line_id: str) -> KnownLine | None: ...

    def append(self, events: Sequence[Any], records: Mapping[UUID, Aggregate]) -> None: ...


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
    """One file on its way into the ledger, through one open transaction."""

    def __init__(self, store: FileTransaction, recorded_at: datetime,
                 records_in_hand: int = 20000):
        self.store = store
        self.summary = RecordingSummary(recorded_at)
        self._new: dict[str, KnownLine] = {}  # this batch's lines
        # The lines and records of the batches before, which a lookup may not yet see.
        self._written: deque[dict[str, KnownLine]] = deque(maxlen=LOOKAHEAD)
        self._touched_before: deque[dict[UUID, Aggregate]] = deque(maxlen=LOOKAHEAD)
        self._fetched: dict[str, KnownLine | None] = {}  # this batch's ids, looked up at once
        self._events: list[Any] = []  # this batch's events, in line order
        self._touched: dict[UUID, Aggregate] = {}  # this batch's records, as they end it
        self._needed: deque[set[UUID]] = deque()  # records each piece looked up changes
        self._in_hand: OrderedDict[UUID, Aggregate] = OrderedDict()  # most recently used
        self._records_in_hand = records_in_hand

    def take_all(self, objects: Iterable[tuple[int, dict[str, Any]]],
                 batch: int = 2000) -> RecordingSummary:
        """``take`` every line, a batch at a time: one lookup of the batch's ids, one write.

        Each piece's lookup is asked for ``LOOKAHEAD`` pieces ahead, before the
        batch two back is sent to be written, so a store that writes in another
        process (``ledger.write.bulk``) may fall up to two batches behind this one
        without holding it up: it looks up and writes while this one checks. An answer
        then reflects every batch but the two before its piece: their lines and
        records are kept in memory until a lookup has seen them written.
        """
        pending = iter(objects)
        asked: deque[tuple[list[tuple[int, dict[str, Any]]], Any]] = deque()
        while len(asked) < LOOKAHEAD and (piece := list(islice(pending, batch))):
            asked.append((piece, self._look_up(piece)))
        while asked:
            piece, lookup = asked.popleft()
            self._receive(*lookup)
            for lineno, obj in piece:
                self.take(lineno, obj)
            if after := list(islice(pending, batch)):
                asked.append((after, self._look_up(after)))
            self._write()
        return self.summary

    def _look_up(self, piece: list[tuple[int, dict[str, Any]]]
                 ) -> tuple[list[str], Callable[[], Found]]:
        """Ask for the ids the piece names and the records it changes that are not in hand
        (those in hand are kept there until the piece is checked)."""
        needed = {record_uuid(ident) for _, obj in piece
                  if isinstance(ident := _record_changed(obj), str)}
        self._needed.append(needed)
        for record_id in needed & self._in_hand.keys():
            self._in_hand.move_to_end(record_id)
        wanted = list({ident for _, obj in piece for ident in _ids_named(obj)})
        return wanted, self.store.look_up(
            wanted, [i for i in needed if i not in self._in_hand])

    def _receive(self, wanted: list[str], answer: Callable[[], Found]) -> None:
        """Take the answer for the piece about to be checked."""
        known, loaded = answer()
        self._fetched = dict.fromkeys(wanted)
        self._fetched.update(known)
        self._let_go()
        self._needed.popleft()  # in hand now, or loaded just below
        for record_id, record in loaded.items():  # one in hand is newer than the store's
            self._in_hand.setdefault(record_id, record)

    def _let_go(self) -> None:
        """Forget the least recently used records beyond the bound, except those the
        store may not have yet (this batch's and the two before) and those the pieces
        looked up change."""
        excess = len(self._in_hand) - self._records_in_hand
        if excess <= 0:
            return
        keep = self._touched.keys() | set().union(*self._touched_before, *self._needed)
        oldest = (record_id for record_id in self._in_hand if record_id not in keep)
        for record_id in list(islice(oldest, excess)):  # not a copy of every key in hand
            del self._in_hand[record_id]

    def take(self, lineno: int, obj: dict[str, Any]) -> None:
        """Check one line and stage its event, or raise ``LineError``."""
        ident = line_id(lineno, obj)
        filed = compact(obj)
        known = self._known(ident)
        if known is not None:
            if not same_content(known.filed, filed):
                raise LineError(lineno, f"id {ident} is already recorded with other content")
            self.summary.skipped += 1
            return
        line = check_shape(lineno, obj)
        try:
            self._check_references(line)
            stage = _STAGE.get(type(line), Recording._create)
            record = stage(self, line, _event_fields(line, filed))
        except RuleViolationError as error:
            raise LineError(lineno, str(error)) from None
        self._events += record.collect_events()
        self._touched[record.id] = self._in_hand[record.id] = record
        self._in_hand.move_to_end(record.id)
        kind = line.kind if isinstance(line, PartyLine) else None
        self._new[ident] = KnownLine(line.type, filed, kind)
        self.summary.recorded[line.type] += 1

    def _write(self) -> None:
        """Hand the batch to the transaction; keep its lines and records in memory until
        every lookup asked before it was sent has been answered."""
        if self._events:
            self.store.append(self._events, self._touched)
        self._touched_before.append(self._touched)
        self._written.append(self._new)
        self._events, self._touched, self._new = [], {}, {}

    # Checks that need the ledger.

    def _known(self, ident: str) -> KnownLine | None:
        if ident in self._new:
            return self._new[ident]
        for known in self._written:
            if ident in known:
                return known[ident]
        if ident in self._fetched:
            return self._fetched[ident]
        return self.store.known_line(ident)

    def _check_references(self, line: Line) -> None:
        holders: list[object] = [line]
        if isinstance(line, CorrectionLine):
            holders.append(line.set)
        for holder in holders:
            for name, allowed in REFERENCES.items():
                value = given(getattr(holder, name, None))
                for ref in [value] if isinstance(value, str) else value or []:
                    self._check_reference(name, ref, allowed)

    def _check_reference(self, name: str, ref: str, allowed: tuple[str, ...]) -> None:
        known = self._known(ref)
        if known is None:
            raise RuleViolationError(f"'{name}' names {ref}, which is not recorded")
        if known.type not in allowed:
            raise RuleViolationError(
                f"'{name}' names {ref}, a {known.type}, not a {' or '.join(allowed)}")
        if name == "authority":
            check_authority(ref, known.party_kind)

    # Staging events on aggregates: each line type's domain command.

    def _create(self, line: Line, evidence: dict[str, Any]) -> Aggregate:
        aggregate_class, event_class = CREATED_BY_TYPE[line.type]
        return aggregate_class._create(
            event_class, id=record_uuid(line.id), timestamp=self.summary.recorded_at,
            **evidence, **line.own_fields())

    def _add_alias(self, line: AliasLine, evidence: dict[str, Any]) -> Aggregate:
        party = self._record(line.party, Party)
        party.add_alias(line.name, evidence, self.summary.recorded_at)
        return party

    def _end_alias(self, line: AliasEndLine, evidence: dict[str, Any]) -> Aggregate:
        party = self._record(line.party, Party)
        party.end_alias(name=line.name, effective_from=line.effective_from,
                        reason=given(line.reason), line=evidence,
                        timestamp=self.summary.recorded_at)
        return party

    def _amend_party(self, line: PartyAmendmentLine, evidence: dict[str, Any]) -> Aggregate:
        party = self._record(line.party, Party)
        party.amend(effective_from=line.effective_from, changes=line.changes(),
                    reason=given(line.reason), line=evidence, timestamp=self.summary.recorded_at)
        return party

    def _amend(self, line: AmendmentLine, evidence: dict[str, Any]) -> Aggregate:
        sanction = self._record(line.sanction, Sanction)
        sanction.amend(effective_from=line.effective_from, measures=given(line.measures),
                       sets_until=line.effective_until is not UNSET,
                       effective_until=given(line.effective_until), reason=given(line.reason),
                       line=evidence, timestamp=self.summary.recorded_at,
                       programs=given(line.programs), legal_bases=given(line.legal_bases))
        return sanction

    def _lift(self, line: LiftingLine, evidence: dict[str, Any]) -> Aggregate:
        sanction = self._record(line.sanction, Sanction)
        sanction.lift(effective_from=line.end, reason=given(line.reason), line=evidence,
                      timestamp=self.summary.recorded_at, window=line.window)
        return sanction

    def _correct(self, line: CorrectionLine, evidence: dict[str, Any]) -> Aggregate:
        sanction = self._record(line.sanction, Sanction)
        sanction.correct(changes=line.set.changes(), reason=given(line.reason),
                         line=evidence, timestamp=self.summary.recorded_at)
        return sanction

    def _retract(self, line: RetractionLine, evidence: dict[str, Any]) -> Aggregate:
        if isinstance(line.same_party, str):
            link = self._record(line.same_party, PartyLink)
            link.retract(reason=given(line.reason), line=evidence,
                         timestamp=self.summary.recorded_at)
            return link
        sanction = self._record(str(line.sanction), Sanction)
        sanction.retract(reason=given(line.reason), line=evidence,
                         timestamp=self.summary.recorded_at)
        return sanction

    def _record(self, ident: str, kind: type[Aggregate]) -> Any:
        """The record a line changes: in hand, or loaded with the batch (``_prefetch``)."""
        record = self._in_hand.get(record_uuid(ident))
        assert isinstance(record, kind), f"{ident} is not a {kind.__name__} in hand"
        return record


def _ids_named(obj: Any) -> list[str]:
    """The line's own id and every id it references, as far as its shape allows."""
    if not isinstance(obj, dict):
        return []
    own = [obj["id"]] if isinstance(obj.get("id"), str) else []
    return own + referenced_ids(obj)


def _record_changed(obj: Any) -> Any:
    """The id of the record a party, link or sanction change names, as far as its shape allows."""
    if not isinstance(obj, dict):
        return None
    if obj.get("type") in _PARTY_CHANGES:
        return obj.get("party")
    if obj.get("type") == "retraction" and "same_party" in obj:
        return obj.get("same_party")
    if obj.get("type") in _SANCTION_CHANGES:
        return obj.get("sanction")
    return None


def _event_fields(line: Line, filed: str) -> dict[str, Any]:
    """The fields every event carries: which line it records, as filed, and its evidence."""
    return {"line_id": line.id, "line_type": line.type, "filed": filed,
            "sources": line.sources, "note": given(line.note)}


#: The command that records each line type that does not create a record (``_create``).
_STAGE: dict[type[Line], Callable[[Recording, Any, dict[str, Any]], Aggregate]] = {
    AliasLine: Recording._add_alias,
    AliasEndLine: Recording._end_alias,
    PartyAmendmentLine: Recording._amend_party,
    AmendmentLine: Recording._amend,
    LiftingLine: Recording._lift,
    CorrectionLine: Recording._correct,
    RetractionLine: Recording._retract,
}
