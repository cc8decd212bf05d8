"""The ledger's stored events as the bulk paths and the projector use them.

``EventLog`` pairs the recorder with the mapper that turns stored events back
into domain events. The application hands its own to the projector and to an
import; a writing process opens one from the ledger's location, without an
application (``EventLog.open``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    Environment,
    InfrastructureFactory,
    Mapper,
    Notification,
    StoredEvent,
)
from sqlalchemy import Connection

from ledger.settings import LedgerLocation
from ledger.store.chain import EventRow, event_row
from ledger.store.transcoding import ledger_transcoder

#: The application name eventsourcing reads its settings under.
APPLICATION_NAME = "SanctionsLedger"


class EventLog:
    """A ledger's recorder (``ledger.store.sqlite`` or ``.postgres``) and its mapper."""

    def __init__(self, recorder: Any, mapper: Mapper[UUID],
                 factory: InfrastructureFactory[Any] | None = None):
        self.recorder = recorder
        self.mapper = mapper
        self._factory = factory  # closed with the log when the log opened it

    @classmethod
    def open(cls, location: LedgerLocation) -> EventLog:
        """The event log of the ledger at ``location``, opened without an application."""
        factory = InfrastructureFactory.construct(
            Environment(APPLICATION_NAME, location.eventsourcing_env()))
        return cls(factory.application_recorder(), factory.mapper(transcoder=ledger_transcoder()),
                   factory)

    def close(self) -> None:
        if self._factory is not None:
            self._factory.close()

    @property
    def events_table(self) -> str:
        return str(self.recorder.events_table_name)

    def notifications_after(self, position: int, limit: int) -> list[Notification]:
        return list(self.recorder.select_notifications(
            start=position, limit=limit, inclusive_of_start=False))

    def to_domain_event(self, stored: StoredEvent) -> Aggregate.Event:
        # Every event the ledger stores is an aggregate's event (ledger.domain.aggregates).
        return cast(Aggregate.Event, self.mapper.to_domain_event(stored))

    def to_row(self, event: DomainEventProtocol[UUID]) -> EventRow:
        """An event as the bulk path stores it."""
        return event_row(self.mapper.to_stored_event(event))

    def append_within(self, conn: Connection, events: Sequence[EventRow]) -> list[int]:
        """Store events and their chain links in ``conn``'s transaction; their positions."""
        positions: list[int] = self.recorder.append_within(conn, events)
        return positions

    def fold_within(self, conn: Connection, record_ids: Sequence[UUID],
                    before: int | None = None) -> dict[UUID, Any]:
        """Records folded from their stored events as ``conn`` sees them (only events stored
        before position ``before``, if given): one query for all of them."""
        found: dict[UUID, Any] = {}
        for stored in self.recorder.select_within(conn, record_ids, before=before):
            event: Any = self.mapper.to_domain_event(stored)
            found[stored.originator_id] = event.mutate(found.get(stored.originator_id))
        return found

    def record_at(self, record_id: UUID, version: int) -> Any:
        """A record as its events up to ``version`` leave it, read on the recorder's own
        connection."""
        record = None
        for stored in self.recorder.select_events(record_id, lte=version):
            event: Any = self.mapper.to_domain_event(stored)
            record = event.mutate(record)
        return record
