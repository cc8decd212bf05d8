"""What the ledger holds per official list: each entry's last known facts, each snapshot.

The ingest of a snapshot compares it with this compact state instead of
scanning the ledger's events, and writes the new state in the same
transaction as the snapshot's lines, so the two never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from ledger.read.schema import list_entries, list_snapshots


@dataclass(frozen=True)
class EntryState:
    """One entry as last ingested: its facts, its designation in force (None once lifted)
    and how many designations it has had."""

    sanction_id: str | None
    listings: int
    facts: dict[str, Any]


@dataclass(frozen=True)
class SnapshotRecord:
    """One ingested snapshot of a list, and what it changed."""

    list_name: str
    published: date
    recorded_at: datetime
    source_id: str
    sha256: str
    entries: int
    added: int
    removed: int
    changed: int


class ListStateTables:
    """The state tables, read and written on one connection (an import's transaction)."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def snapshots(self, list_name: str | None = None) -> list[SnapshotRecord]:
        """Snapshots ingested (of one list, if named), by list and publication date."""
        query = select(list_snapshots).order_by(list_snapshots.c.list_name,
                                                list_snapshots.c.published)
        if list_name is not None:
            query = query.where(list_snapshots.c.list_name == list_name)
        return [SnapshotRecord(**row._asdict()) for row in self.conn.execute(query)]

    def entries(self, list_name: str) -> dict[str, EntryState]:
        rows = self.conn.execute(select(list_entries.c.party_id, list_entries.c.sanction_id,
                                        list_entries.c.listings, list_entries.c.state)
                                 .where(list_entries.c.list_name == list_name))
        return {party: EntryState(sanction, int(listings), json.loads(state))
                for party, sanction, listings, state in rows}

    def save(self, list_name: str, changed: dict[str, EntryState],
             snapshot: SnapshotRecord | None) -> None:
        """Replace the entries that changed and add the snapshot (None: already there)."""
        ids = list(changed)
        for start in range(0, len(ids), 900):
            self.conn.execute(delete(list_entries).where(
                list_entries.c.list_name == list_name,
                list_entries.c.party_id.in_(ids[start:start + 900])))
        if changed:
            self.conn.execute(insert(list_entries), list(_entry_rows(list_name, changed.items())))
        if snapshot is not None:
            self.conn.execute(insert(list_snapshots).values(**vars(snapshot)))


def _entry_rows(list_name: str, states: Iterable[tuple[str, EntryState]]
                ) -> Iterable[dict[str, Any]]:
    for party_id, state in states:
        yield {"list_name": list_name, "party_id": party_id, "sanction_id": state.sanction_id,
               "listings": state.listings,
               "state": json.dumps(state.facts, ensure_ascii=False, sort_keys=True)}
