"""One snapshot of an official list in, as the lines that take the ledger from the list's
previous snapshot to this one.

The snapshot is compared with the compact per-list state (``ListState``), not
with the ledger's events: a new entry is designated, a vanished one lifted
within the window between the two publications, a changed one amended with
the matching version 2 line, a re-listed one designated again. The lines go
through the ordinary import (``Recording``), in the same transaction as the
new state, so a snapshot is recorded whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from tempfile import TemporaryFile
from typing import IO, Any, Protocol

import orjson

from ledger.errors import LedgerError
from ledger.read.list_state import EntryState, SnapshotRecord
from ledger.sources import ListEntry, Snapshot
from ledger.write import list_lines as make
from ledger.write.recording import Recording

Progress = Callable[[int, int], None]


class SnapshotRefusedError(LedgerError):
    """A snapshot that cannot follow what the ledger holds for its list."""


class ListState(Protocol):
    """The per-list state an ingest reads and writes (``ledger.read.list_state``)."""

    def snapshots(self, list_name: str | None = None) -> list[SnapshotRecord]: ...

    def entries(self, list_name: str) -> dict[str, EntryState]: ...

    def save(self, list_name: str, changed: dict[str, EntryState],
             snapshot: SnapshotRecord | None) -> None: ...


@dataclass
class IngestSummary:
    """What one ingest found against the list's previous snapshot."""

    list_name: str
    published: date
    recorded_at: datetime
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    lines: int = 0  # lines recorded
    states: dict[str, EntryState] = field(default_factory=dict, repr=False)

    @property
    def entries(self) -> int:
        return self.added + self.changed + self.unchanged


def publication_date(snapshot: Snapshot, given: date | None) -> date:
    """The snapshot's publication date: the file's own, else ``given``; they must agree."""
    own = date.fromisoformat(snapshot.published) if snapshot.published else None
    if own and given and own != given:
        raise SnapshotRefusedError(f"the {snapshot.list_name} file says it was published on "
                                   f"{own}, not {given} as --published says")
    if own is None and given is None:
        raise SnapshotRefusedError(f"the {snapshot.list_name} file carries no publication "
                                   "date: give it with --published YYYY-MM-DD")
    day = own or given
    assert day is not None
    return day


def snapshot_digest(snapshot: Snapshot) -> str:
    """One SHA-256 for the snapshot's files (its only file's own, if one)."""
    if len(snapshot.files) == 1:
        return snapshot.files[0].sha256
    return hashlib.sha256("".join(f.sha256 for f in snapshot.files).encode()).hexdigest()


def ingest_snapshot(kind: str, snapshot: Snapshot, published: date, recording: Recording,
                    state: ListState, is_recorded: Callable[[str], bool],
                    progress: Progress | None = None) -> IngestSummary:
    """Record ``snapshot`` (published on ``published``) of a list in the ``kind`` format."""
    name, digest = snapshot.list_name, snapshot_digest(snapshot)
    earlier = state.snapshots(name)
    newest = earlier[-1] if earlier else None
    again = _check_order(name, published, digest, newest)
    previous = next((s.published for s in reversed(earlier) if s.published < published), None)
    summary = IngestSummary(name, published, recording.summary.recorded_at)
    diff = _Diff(kind, snapshot, published, previous, state.entries(name), summary)
    with TemporaryFile() as spool:
        rows = _spooled(diff.lines(is_recorded), spool)
        lines = chain([make.source_line(snapshot, kind, published, summary.entries)],
                      _unspooled(spool, rows, progress))
        summary.lines = recording.take_all(enumerate(lines, start=1)).total_recorded
    record = None if again else SnapshotRecord(
        name, published, summary.recorded_at, make.source_id(snapshot, published), digest,
        summary.entries, summary.added, summary.removed, summary.changed)
    state.save(name, summary.states, record)
    return summary


def _spooled(lines: Iterator[dict[str, Any]], spool: IO[bytes]) -> int:
    """Write the lines to ``spool``, one JSON text a line; how many.

    The source line, which every other line cites and so must come first,
    states the snapshot's row count, known only once the file is read: the
    lines wait on disk rather than in memory, and the file is read once.
    """
    count = 0
    for line in lines:
        spool.write(orjson.dumps(line) + b"\n")
        count += 1
    spool.seek(0)
    return count


def _unspooled(spool: IO[bytes], total: int, progress: Progress | None
               ) -> Iterator[dict[str, Any]]:
    for done, text in enumerate(spool, start=1):
        yield orjson.loads(text)
        if progress and (done % 1000 == 0 or done == total):
            progress(done, total)


def _check_order(name: str, published: date, digest: str,
                 newest: SnapshotRecord | None) -> bool:
    """Refuse a snapshot older than the newest ingested, or another one of the same day;
    True when it is the newest one again (nothing to record)."""
    if newest is None or published > newest.published:
        return False
    if published < newest.published:
        raise SnapshotRefusedError(
            f"the {name} snapshot published on {published} is older than the newest one "
            f"ingested, published on {newest.published}; nothing was recorded")
    if digest != newest.sha256:
        raise SnapshotRefusedError(
            f"another {name} snapshot published on {published} was already ingested "
            f"(SHA-256 {newest.sha256[:12]}..., this one {digest[:12]}...); nothing was recorded")
    return True


class _Diff:
    """The lines one snapshot adds to what the ledger holds of its list."""

    def __init__(self, kind: str, snapshot: Snapshot, published: date, previous: date | None,
                 known: dict[str, EntryState], summary: IngestSummary):
        self.kind, self.snapshot, self.known, self.summary = kind, snapshot, known, summary
        self.published, self.previous = published, previous
        self.source = make.source_id(snapshot, published)

    def lines(self, is_recorded: Callable[[str], bool]) -> Iterator[dict[str, Any]]:
        """Every line but the source's, which needs the count of entries read."""
        authorities: set[str] = set()
        seen: set[str] = set()
        for entry in self.snapshot.entries():
            authority = make.authority_line(self.kind, entry)
            if authority["id"] not in authorities:
                authorities.add(authority["id"])
                if not is_recorded(authority["id"]):
                    yield authority
            seen.add(entry.party_id)
            yield from self._entry(entry, authority["id"])
        yield from self._gone(seen)

    def _entry(self, entry: ListEntry, authority: str) -> Iterator[dict[str, Any]]:
        new, old = make.facts(entry), self.known.get(entry.party_id)
        if old is None:
            yield make.party_line(entry, new, self.source)
        elif old.facts != new:
            yield from make.change_lines(entry.party_id, old.sanction_id, old.facts, new,
                                         self.published, self.source)
        if old is None or old.sanction_id is None:  # new, or listed again
            number = 1 if old is None else old.listings + 1
            start = make.start_of(entry, self.published, self.previous)
            yield make.designation_line(self.kind, entry, new, number, start, authority,
                                        self.source)
            self.summary.added += 1
            self._keep(entry.party_id, f"{entry.party_id}:{number}", number, new)
        elif old.facts != new:
            self.summary.changed += 1
            self._keep(entry.party_id, old.sanction_id, old.listings, new)
        else:
            self.summary.unchanged += 1

    def _gone(self, seen: set[str]) -> Iterator[dict[str, Any]]:
        for party_id in sorted(self.known.keys() - seen):
            old = self.known[party_id]
            if old.sanction_id is not None:
                yield make.lifting_line(old.sanction_id, self.published, self.previous,
                                        self.source)
                self.summary.removed += 1
                self._keep(party_id, None, old.listings, old.facts)

    def _keep(self, party_id: str, sanction: str | None, listings: int,
              facts: dict[str, Any]) -> None:
        self.summary.states[party_id] = EntryState(sanction, listings, facts)
