"""Aggregates and their events: what the ledger records, in the sanctions vocabulary.

Every interchange line becomes exactly one event. Each event carries the
line's id, the line as filed, its sources and note; recorded time is the
event's ``timestamp``, set by the ledger, never by the input. Legal dates
(``effective_from``, ``effective_until``, a statement's ``date``) are explicit
attributes of type ``datetime.date``.

The rules a sanction obeys ("can this sanction be lifted?") are answered here,
by ``Sanction``'s commands; the rules shared with the import, the fold and the
audit trail are in ``ledger.domain.rules``.
"""

from __future__ import annotations

import builtins
import dataclasses
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.domain.dates import DateWindow
from ledger.domain.rules import check_name_count, corrected, ends_before_it_starts
from ledger.errors import RuleViolationError

_NAMESPACE = uuid5(NAMESPACE_URL, "https://sanctions-ledger/record")


@lru_cache(maxsize=65536)
def record_uuid(line_id: str) -> UUID:
    """The aggregate id of the record created by the line with this id.

    Cached: an import asks for the same id when a line creates a record and
    again when later lines of the batch change it, and ``uuid5`` hashes each time.
    """
    return uuid5(_NAMESPACE, line_id)


@dataclasses.dataclass(frozen=True)
class FiledLineEvent:
    """Fields every event carries: which line it records, as filed, and its evidence."""

    line_id: str
    line_type: str
    filed: str
    sources: list[str]
    note: str | None


class Source(Aggregate):
    """A published document (press release, regulation, article) that lines cite."""

    TOPIC = "sanctions-ledger:Source"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the events that create a source (never stored itself)."""

        TOPIC = "sanctions-ledger:Source.Created"

    class Recorded(Created):
        TOPIC = "sanctions-ledger:Source.Recorded"
        # v2 added the publication's list, files and row count (official list snapshots).
        class_version = 2
        publisher: str
        title: str
        url: str | None
        published: date | None
        excerpt: str | None
        list: str | None
        files: builtins.list[dict[str, Any]] | None
        rows: int | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A v1 source was recorded before sources could describe a list snapshot."""
            state.update(list=None, files=None, rows=None)

        def apply(self, aggregate: Source) -> None:
            aggregate.line_id = self.line_id


class Party(Aggregate):
    """A person, organisation, vessel, aircraft or authority, known by a name and its aliases.

    Its name and attributes may change from a date on (``Amended``) and an alias
    may stop being valid (``AliasEnded``); the read model keeps every name it
    was ever known by, so old names still find it.
    """

    TOPIC = "sanctions-ledger:Party"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str
        kind: str
        names: list[str]
        amendments: list[Any]
        ended: list[Any]

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the events that create a party (never stored itself)."""

        TOPIC = "sanctions-ledger:Party.Created"

    class Registered(Created):
        TOPIC = "sanctions-ledger:Party.Registered"
        kind: str
        name: str
        aliases: list[str]
        country: str | None
        attributes: dict[str, Any]

        def apply(self, aggregate: Party) -> None:
            aggregate.line_id = self.line_id
            aggregate.kind = self.kind
            aggregate.names = [self.name, *self.aliases]
            aggregate.amendments = []
            aggregate.ended = []

    class AliasAdded(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Party.AliasAdded"
        name: str

        def apply(self, aggregate: Party) -> None:
            aggregate.names.append(self.name)

    class Amended(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Party.Amended"
        effective_from: date
        name: str | None
        country: str | None
        set_attributes: dict[str, Any] | None
        reason: str | None

        def apply(self, aggregate: Party) -> None:
            getattr(aggregate, "amendments", []).append((self.effective_from, self.line_id))
            if self.name is not None and self.name not in aggregate.names:
                aggregate.names.append(self.name)

    class AliasEnded(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Party.AliasEnded"
        name: str
        effective_from: date
        reason: str | None

        def apply(self, aggregate: Party) -> None:
            getattr(aggregate, "ended", []).append((self.name, self.effective_from))

    def add_alias(self, name: str, line: dict[str, Any], timestamp: datetime) -> None:
        check_name_count(len(self.names) + 1)
        self.trigger_event(self.AliasAdded, name=name, timestamp=timestamp, **line)

    def amend(self, *, effective_from: date, changes: dict[str, Any], reason: str | None,
              line: dict[str, Any], timestamp: datetime) -> None:
        if self.kind == "authority" and "name" in changes:
            raise RuleViolationError(f"authority {self.line_id} cannot be renamed by a "
                                     "party_amendment")
        self.trigger_event(self.Amended, effective_from=effective_from,
                           name=changes.get("name"), country=changes.get("country"),
                           set_attributes=changes.get("set_attributes"), reason=reason,
                           timestamp=timestamp, **line)

    def end_alias(self, *, name: str, effective_from: date, reason: str | None,
                  line: dict[str, Any], timestamp: datetime) -> None:
        """An alias stops being valid: it must be one of the party's names."""
        if name not in self.names:
            raise RuleViolationError(f"{name!r} is not a name of party {self.line_id}")
        if (name, effective_from) in getattr(self, "ended", []):
            raise RuleViolationError(f"alias {name!r} of {self.line_id} already ended "
                                     f"on {effective_from}")
        self.trigger_event(self.AliasEnded, name=name, effective_from=effective_from,
                           reason=reason, timestamp=timestamp, **line)


class PartyLink(Aggregate):
    """Two or more parties are the same real-world party (e.g. one person on two lists)."""

    TOPIC = "sanctions-ledger:PartyLink"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str
        parties: list[str]
        retracted: bool

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the events that create a link (never stored itself)."""

        TOPIC = "sanctions-ledger:PartyLink.Created"

    class Linked(Created):
        TOPIC = "sanctions-ledger:PartyLink.Linked"
        parties: list[str]
        reason: str | None

        def apply(self, aggregate: PartyLink) -> None:
            aggregate.line_id = self.line_id
            aggregate.parties = list(self.parties)
            aggregate.retracted = False

    class Retracted(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:PartyLink.Retracted"
        reason: str | None

        def apply(self, aggregate: PartyLink) -> None:
            aggregate.retracted = True

    def retract(self, *, reason: str | None, line: dict[str, Any], timestamp: datetime) -> None:
        if self.retracted:
            raise RuleViolationError(f"link {self.line_id} is already retracted")
        self.trigger_event(self.Retracted, reason=reason, timestamp=timestamp, **line)


@dataclasses.dataclass(frozen=True)
class Terms:
    """A sanction's base record: what its line said, with every correction applied."""

    authority: str
    target: str
    measures: list[str]
    effective_from: date
    effective_until: date | None
    program: str | None
    legal_basis: str | None
    programs: list[str] | None = None
    legal_bases: list[str] | None = None
    start_window: DateWindow | None = None  # the start is known only within it

    def corrected(self, changes: dict[str, Any]) -> Terms:
        return Terms(**corrected(vars(self), changes))


@dataclasses.dataclass(frozen=True)
class Amendment:
    """A change in force from ``effective_from``; ``None`` fields are left as they were."""

    line_id: str
    effective_from: date
    measures: list[str] | None
    sets_until: bool
    effective_until: date | None
    programs: list[str] | None = None
    legal_bases: list[str] | None = None


@dataclasses.dataclass(frozen=True)
class Lifting:
    line_id: str
    effective_from: date  # the first day certainly not in force
    window: DateWindow | None = None  # the first day not in force lies within it


class Sanction(Aggregate):
    """A designation or a countermeasure, and everything later recorded about it."""

    TOPIC = "sanctions-ledger:Sanction"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str
        kind: str
        terms: Terms
        corrections: list[str]
        amendments: list[Amendment]
        lifting: Lifting | None
        retracted: bool
        in_response_to: list[str]

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the two events that bring a sanction into the ledger (never stored itself)."""

        TOPIC = "sanctions-ledger:Sanction.Created"

        authority: str
        target: str
        measures: list[str]
        effective_from: date
        effective_until: date | None
        program: str | None
        legal_basis: str | None
        announced: date | None
        reason: str | None
        programs: list[str] | None
        legal_bases: list[str] | None
        start_window: list[date | None] | None  # DateWindow.state()

        def apply(self, aggregate: Sanction) -> None:
            aggregate.line_id = self.line_id
            aggregate.kind = self.line_type
            aggregate.terms = self.terms()
            aggregate.corrections = []
            aggregate.amendments = []
            aggregate.lifting = None
            aggregate.retracted = False
            aggregate.in_response_to = list(getattr(self, "in_response_to", []))

        def terms(self) -> Terms:
            """The sanction's base record as its own line gives it."""
            return Terms(self.authority, self.target, list(self.measures),
                         self.effective_from, self.effective_until, self.program,
                         self.legal_basis, self.programs, self.legal_bases,
                         DateWindow.from_state(self.start_window))

    class Designated(Created):
        TOPIC = "sanctions-ledger:Sanction.Designated"
        # v2 added legal_basis, v3 programs, legal bases and a start window; designations
        # stored before are upcast on read.
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A v1 designation was recorded before the interchange format had ``legal_basis``."""
            state["legal_basis"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Recorded before sets of programs and uncertain starts: exact, one program."""
            state.update(programs=None, legal_bases=None, start_window=None)

    class CountermeasureImposed(Created):
        TOPIC = "sanctions-ledger:Sanction.CountermeasureImposed"
        class_version = 2
        in_response_to: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Recorded before sets of programs and uncertain starts: exact, one program."""
            state.update(programs=None, legal_bases=None, start_window=None)

    class Amended(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Sanction.Amended"
        class_version = 2
        effective_from: date
        measures: list[str] | None
        sets_until: bool
        effective_until: date | None
        reason: str | None
        programs: list[str] | None
        legal_bases: list[str] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Recorded before amendments could change programs and legal bases."""
            state.update(programs=None, legal_bases=None)

        def apply(self, aggregate: Sanction) -> None:
            aggregate.amendments.append(self.amendment())

        def amendment(self) -> Amendment:
            return Amendment(self.line_id, self.effective_from, self.measures,
                             self.sets_until, self.effective_until, self.programs,
                             self.legal_bases)

    class Lifted(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Sanction.Lifted"
        class_version = 2
        effective_from: date
        reason: str | None
        window: list[date | None] | None  # DateWindow.state()

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Recorded before liftings could be dated within a window: exact."""
            state["window"] = None

        def apply(self, aggregate: Sanction) -> None:
            aggregate.lifting = self.lifting()

        def lifting(self) -> Lifting:
            return Lifting(self.line_id, self.effective_from, DateWindow.from_state(self.window))

    class Corrected(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Sanction.Corrected"
        changes: dict[str, Any]
        reason: str | None

        def apply(self, aggregate: Sanction) -> None:
            aggregate.terms = aggregate.terms.corrected(self.changes)
            aggregate.corrections.append(self.line_id)

    class Retracted(FiledLineEvent, Aggregate.Event):
        TOPIC = "sanctions-ledger:Sanction.Retracted"
        reason: str | None

        def apply(self, aggregate: Sanction) -> None:
            aggregate.retracted = True

    # Commands: each checks the rules first, then records one event.

    def amend(self, *, effective_from: date, measures: list[str] | None, sets_until: bool,
              effective_until: date | None, reason: str | None, line: dict[str, Any],
              timestamp: datetime, programs: list[str] | None = None,
              legal_bases: list[str] | None = None) -> None:
        self._refuse_if_retracted()
        self._refuse_before_start("an amendment", effective_from)
        if sets_until and effective_until is not None:
            self._refuse_until_before_start(effective_until)
        self.trigger_event(self.Amended, effective_from=effective_from, measures=measures,
                           sets_until=sets_until, effective_until=effective_until,
                           reason=reason, programs=programs, legal_bases=legal_bases,
                           timestamp=timestamp, **line)

    def lift(self, *, effective_from: date, reason: str | None, line: dict[str, Any],
             timestamp: datetime, window: DateWindow | None = None) -> None:
        self._refuse_if_retracted()
        if self.lifting is not None:
            raise RuleViolationError(
                f"sanction {self.line_id} is already lifted (by {self.lifting.line_id})")
        self._refuse_before_start("a lifting", effective_from)
        self.trigger_event(self.Lifted, effective_from=effective_from, reason=reason,
                           window=window.state() if window else None,
                           timestamp=timestamp, **line)

    def correct(self, *, changes: dict[str, Any], reason: str | None, line: dict[str, Any],
                timestamp: datetime) -> None:
        self._refuse_if_retracted()
        self._check_consistent(self.terms.corrected(changes))
        self.trigger_event(self.Corrected, changes=changes, reason=reason,
                           timestamp=timestamp, **line)

    def retract(self, *, reason: str | None, line: dict[str, Any], timestamp: datetime) -> None:
        self._refuse_if_retracted()
        self.trigger_event(self.Retracted, reason=reason, timestamp=timestamp, **line)

    # Rules.

    def _refuse_if_retracted(self) -> None:
        if self.retracted:
            raise RuleViolationError(f"sanction {self.line_id} is retracted")

    def _refuse_before_start(self, what: str, day: date) -> None:
        if day < self.terms.effective_from:
            raise RuleViolationError(
                f"{what} of {self.line_id} dated {day} is before the sanction's "
                f"effective_from {self.terms.effective_from}")

    def _refuse_until_before_start(self, until: date) -> None:
        if ends_before_it_starts(self.terms.effective_from, until):
            raise RuleViolationError(
                f"effective_until {until} is before the effective_from "
                f"{self.terms.effective_from} of sanction {self.line_id}")

    def _check_consistent(self, terms: Terms) -> None:
        """A correction may not leave the sanction in a state its lines could not have built."""
        start = terms.effective_from
        if ends_before_it_starts(start, terms.effective_until):
            raise RuleViolationError(
                f"the correction would end sanction {self.line_id} on {terms.effective_until}, "
                f"before its effective_from {start}")
        dated = [(a.line_id, a.effective_from) for a in self.amendments]
        if self.lifting:
            dated.append((self.lifting.line_id, self.lifting.effective_from))
        dated += [(a.line_id, a.effective_until) for a in self.amendments
                  if a.sets_until and a.effective_until is not None]
        for line_id, day in dated:
            if day < start:
                raise RuleViolationError(
                    f"the correction would move sanction {self.line_id} to start on {start}, "
                    f"after {line_id} dated {day}")


class Statement(Aggregate):
    """Something an official said, about parties or sanctions."""

    TOPIC = "sanctions-ledger:Statement"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the events that create a statement (never stored itself)."""

        TOPIC = "sanctions-ledger:Statement.Created"

    class Issued(Created):
        TOPIC = "sanctions-ledger:Statement.Issued"
        speaker: str
        on_behalf_of: str | None
        date: date
        text: str
        about: list[str]

        def apply(self, aggregate: Statement) -> None:
            aggregate.line_id = self.line_id


class Decision(Aggregate):
    """An analyst's screening verdict on a customer and a party: never changed, only
    followed by a later decision."""

    TOPIC = "sanctions-ledger:Decision"

    if TYPE_CHECKING:  # set by the events' apply methods
        line_id: str

    class Created(FiledLineEvent, Aggregate.Created):
        """Base of the events that create a decision (never stored itself)."""

        TOPIC = "sanctions-ledger:Decision.Created"

    class Decided(Created):
        TOPIC = "sanctions-ledger:Decision.Decided"
        customer: str
        party: str
        verdict: str
        reason: str | None
        by: str | None

        def apply(self, aggregate: Decision) -> None:
            aggregate.line_id = self.line_id


#: The event class each creating line type records.
CREATED_BY_TYPE: dict[str, tuple[type[Aggregate], type[Aggregate.Created]]] = {
    "source": (Source, Source.Recorded),
    "party": (Party, Party.Registered),
    "designation": (Sanction, Sanction.Designated),
    "countermeasure": (Sanction, Sanction.CountermeasureImposed),
    "statement": (Statement, Statement.Issued),
    "same_party": (PartyLink, PartyLink.Linked),
    "decision": (Decision, Decision.Decided),
}
