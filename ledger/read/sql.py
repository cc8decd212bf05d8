"""The reader's SQL: fixed statements over the read-model tables, spelled per driver.

The statements read the tables ``ledger.read.schema`` declares, as plain
driver SQL (no SQLAlchemy: a lone question from the command line must not
pay for importing it). The two drivers differ in three ways, kept in
``Dialect``: the placeholder, how a list is passed (SQLite: ``IN (?, ?, ...)``,
a chunk at a time within its bound-variable limit; PostgreSQL: ``= ANY(%s)``,
one array), and how days and moments travel (SQLite stores the text
SQLAlchemy writes, naive UTC with microseconds; PostgreSQL has native types).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from ledger.domain.answers import KnownAt

PROJECTION = "sanctions"


class KnownLine(NamedTuple):
    """Enough of a recorded line to check a new line against it."""

    type: str
    filed: str
    party_kind: str | None


class ProjectionStatus(NamedTuple):
    """The tracked position; the latest recorded time whose events are all applied
    (queries cap known_at there); the store's last position."""

    position: int
    complete_until: datetime | None
    last_stored: int

    @property
    def lag(self) -> int:
        return self.last_stored - self.position

    def known(self, asked: datetime) -> KnownAt:
        """The moment ``asked``, capped at what the read model holds whole: a reader never
        sees a file half-applied, and an empty read model answers as of the beginning."""
        return KnownAt(asked, self.complete_until)


# Spans the ledger held at a moment (rule 1: recorded by then, not yet superseded), and
# every span condition of rules 1-5: valid on the day, believed at the moment.
BELIEVED_AT = "recorded_from <= ? AND (recorded_until IS NULL OR recorded_until > ?)"
IN_FORCE_ON = f"valid_from <= ? AND (valid_until IS NULL OR valid_until >= ?) AND {BELIEVED_AT}"
SPAN_COLUMNS = ("sanction_id, kind, authority, target, measures, program, legal_basis, "
                 "effective_from, effective_until, evidence, programs, legal_bases, "
                 "start_window, unsure_window")
SPAN_WIDTH = SPAN_COLUMNS.count(",") + 1
PARTY_COLUMNS = "party_id, kind, name, country"

# The store's last position is the chain's: every event gets its link in its own
# transaction (``ledger.persistence``), and the chain table is named alike on both backends.
STATUS = ("SELECT (SELECT position FROM projection_position WHERE name = ?), "
           "(SELECT complete_until FROM projection_position WHERE name = ?), "
           "(SELECT MAX(position) FROM event_chain)")
SPANS_AGAINST = f"SELECT {SPAN_COLUMNS} FROM sanction_spans WHERE target = ? AND {IN_FORCE_ON}"
SPANS_IMPOSED_BY = (f"SELECT {SPAN_COLUMNS} FROM sanction_spans "
                     f"WHERE authority = ? AND {IN_FORCE_ON}")
LINE_COLUMNS = "position, line_id, type, recorded_at, record_id, sources, filed"
# An answer's spans with the lines each cites, one row per (span, line): one read, not two.
# ``{cited}`` is how the driver unnests a span's evidence list and joins each id's line.
CITING = (f"SELECT {SPAN_COLUMNS}, "
           f"{', '.join(f'l.{column}' for column in LINE_COLUMNS.split(', '))} "
           "FROM sanction_spans LEFT JOIN {cited} WHERE")
SPANS_AGAINST_CITING = f"{CITING} target = ? AND {IN_FORCE_ON}"
SPANS_IMPOSED_BY_CITING = f"{CITING} authority = ? AND {IN_FORCE_ON}"
# Parties and names the ledger held at a moment: a party from when its line was recorded,
# a name as a span is believed (``party_names`` is bitemporal like ``sanction_spans``).
PARTY_KNOWN_AT = "recorded_from <= ?"
NAME_KNOWN_AT = BELIEVED_AT
# A party's names come with it (``{names}``: the driver's aggregate of the names known at
# the statement's first moment, in the order the index on party_names.party_id keeps
# them, as a read of its own did; its two parameters come first).
FIRST_PARTIES = (f"SELECT {PARTY_COLUMNS}, {{names}} FROM parties WHERE {PARTY_KNOWN_AT} "
                 "ORDER BY party_id LIMIT ? OFFSET ?")
PARTY_COUNT = f"SELECT count(*) FROM parties WHERE {PARTY_KNOWN_AT}"
# Statements over a list: ``{among}`` is where the list goes, the first parameter but for
# those of ``{names}``.
SPANS_AGAINST_ANY = (f"SELECT {SPAN_COLUMNS} FROM sanction_spans "
                      f"WHERE target {{among}} AND {IN_FORCE_ON}")
PARTIES = (f"SELECT {PARTY_COLUMNS}, {{names}} FROM parties WHERE party_id {{among}} "
            f"AND {PARTY_KNOWN_AT}")
PARTY_IDS = f"SELECT party_id, party_id FROM parties WHERE party_id {{among}} AND {PARTY_KNOWN_AT}"
BY_LOWERED = ("SELECT lowered, party_id FROM party_names "
              f"WHERE lowered {{among}} AND {NAME_KNOWN_AT}")
BY_FOLDED = f"SELECT folded, party_id FROM party_names WHERE folded {{among}} AND {NAME_KNOWN_AT}"
# The same, among the names valid on a day (version 2 names may start and end).
NAME_VALID_ON = ("(valid_from IS NULL OR valid_from <= ?) "
                 "AND (valid_until IS NULL OR valid_until >= ?)")
BY_LOWERED_ON = f"{BY_LOWERED} AND {NAME_VALID_ON}"
BY_FOLDED_ON = f"{BY_FOLDED} AND {NAME_VALID_ON}"
# Screening: the names filed under any of a query's blocking keys that name a party on a
# day (``valid_from``/``valid_until`` open: always) as known at a moment, with the party's
# kind and the name's word count.
NAME_POSTINGS = ("SELECT k.key, k.party_id, k.name, p.kind, k.words FROM screening_keys k "
                 "JOIN party_names n ON n.party_id = k.party_id AND n.name = k.name "
                 "AND n.recorded_from = k.recorded_from "
                 "JOIN parties p ON p.party_id = k.party_id WHERE k.key {among} "
                 "AND n.recorded_from <= ? AND (n.recorded_until IS NULL OR n.recorded_until > ?) "
                 "AND (n.valid_from IS NULL OR n.valid_from <= ?) "
                 "AND (n.valid_until IS NULL OR n.valid_until >= ?) AND p.recorded_from <= ?")
# Every name's keys at once, for a batch that screens many names in memory.
ALL_NAME_POSTINGS = NAME_POSTINGS.replace("k.key {among} AND ", "")
NAME_COUNT = "SELECT COUNT(*) FROM party_names"
# Screening decisions (``decision`` lines, filed under the party they judge) known at a moment.
DECISIONS_ABOUT = (f"SELECT {LINE_COLUMNS} FROM recorded_lines WHERE record_id {{among}} "
                   "AND type = 'decision' AND recorded_at <= ?")
DECISIONS = (f"SELECT {LINE_COLUMNS} FROM recorded_lines "
             "WHERE type = 'decision' AND recorded_at <= ?")
# What changed about a party between two moments: names and sanction spans believed from,
# or no longer believed from, a moment in between.
CHANGED_BETWEEN = ("((recorded_from > ? AND recorded_from <= ?) "
                   "OR (recorded_until > ? AND recorded_until <= ?))")
NAMES_CHANGED = f"SELECT DISTINCT name FROM party_names WHERE party_id = ? AND {CHANGED_BETWEEN}"
SANCTIONS_CHANGED = ("SELECT DISTINCT sanction_id FROM sanction_spans WHERE target = ? "
                     f"AND {CHANGED_BETWEEN}")
KNOWN_LINES = ("SELECT r.line_id, r.type, r.filed, p.kind FROM recorded_lines r "
                "LEFT JOIN parties p ON p.party_id = r.line_id WHERE r.line_id {among}")
LINES = f"SELECT {LINE_COLUMNS} FROM recorded_lines WHERE line_id {{among}}"
LINES_ABOUT = (f"SELECT {LINE_COLUMNS} FROM recorded_lines WHERE record_id = ? OR position IN "
                "(SELECT position FROM line_refs WHERE ref_id = ?) ORDER BY position")


# The same-party links naming a party, recorded by a moment and not retracted by then.
LINKS_OF = (f"SELECT {', '.join(f'r.{column}' for column in LINE_COLUMNS.split(', '))} "
            "FROM line_refs f JOIN recorded_lines r ON r.position = f.position "
            "WHERE f.ref_id = ? AND r.type = 'same_party' AND r.recorded_at <= ? "
            "AND NOT EXISTS (SELECT 1 FROM recorded_lines x WHERE x.record_id = r.line_id "
            "AND x.type = 'retraction' AND x.recorded_at <= ?) ORDER BY r.position")

LAST_RECORDED_AT = "SELECT MAX(recorded_at) FROM recorded_lines"
# A search is literal text, never a LIKE pattern: '/' escapes the pattern characters.
PARTIES_CONTAINING = ("SELECT DISTINCT party_id FROM party_names WHERE (lowered LIKE ? ESCAPE '/' "
                      "OR folded LIKE ? ESCAPE '/' OR party_id LIKE ? ESCAPE '/') "
                      f"AND {NAME_KNOWN_AT}")


def containing(text: str) -> str:
    """The LIKE pattern of values that contain ``text``."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def chunks(items: list[str], size: int = 900) -> Iterator[list[str]]:
    """Pieces small enough for one IN list on every backend (SQLite caps bound variables)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Dialect:
    """How one driver spells a statement, passes a list, and carries days and moments."""

    def __init__(self, backend: str):
        self.postgresql = backend == "postgresql"
        self._spelled: dict[tuple[str, int], str] = {}

    def sql(self, statement: str, listed: int = 0) -> str:
        """The statement in this driver's placeholders, with room for ``listed`` values."""
        key = (statement, 0 if self.postgresql else listed)
        if key not in self._spelled:
            among = "= ANY(%s)" if self.postgresql else f"IN ({', '.join('?' * listed)})"
            spelled = (statement.replace("{among}", among).replace("{names}", self._names)
                       .replace("{cited}", self._cited))
            self._spelled[key] = spelled.replace("?", "%s") if self.postgresql else spelled
        return self._spelled[key]

    @property
    def _names(self) -> str:
        aggregate = "array_agg(n.name)" if self.postgresql else "json_group_array(n.name)"
        known = NAME_KNOWN_AT.replace("recorded_", "n.recorded_")
        return (f"(SELECT {aggregate} FROM party_names n "
                f"WHERE n.party_id = parties.party_id AND {known})")

    @property
    def _cited(self) -> str:
        if self.postgresql:
            # Each line is looked up by its id (LIMIT 1 keeps the lookup a lookup): as a
            # plain join, a table PostgreSQL has no statistics for yet (a fresh import) got
            # a hash join that read every recorded line once per span.
            return ("LATERAL jsonb_array_elements_text(sanction_spans.evidence::jsonb) "
                    "AS e(value) ON true LEFT JOIN LATERAL "
                    f"(SELECT {LINE_COLUMNS} FROM recorded_lines WHERE line_id = e.value "
                    "LIMIT 1) AS l ON true")
        return ("json_each(sanction_spans.evidence) AS e "
                "LEFT JOIN recorded_lines l ON l.line_id = e.value")

    def read_names(self, value: Any) -> list[str]:
        """A party's names as the ``{names}`` aggregate gives them."""
        if self.postgresql:
            return value or []
        return json.loads(value)

    def listed(self, values: list[str]) -> tuple[Any, ...]:
        """A list as the first parameters of a statement."""
        return (values,) if self.postgresql else tuple(values)

    def day(self, value: date) -> Any:
        return value if self.postgresql else value.isoformat()

    def moment(self, value: datetime) -> Any:
        naive = value.astimezone(UTC).replace(tzinfo=None)
        if self.postgresql:
            return naive
        return naive.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite DATETIME text

    def read_day(self, value: Any) -> date:
        return value if self.postgresql else date.fromisoformat(value)

    def read_moment(self, value: Any) -> datetime:
        naive = value if self.postgresql else datetime.fromisoformat(value)
        return naive.replace(tzinfo=UTC)

    def read_open_day(self, value: Any) -> date | None:
        """A day that may be open-ended (NULL)."""
        return None if value is None else self.read_day(value)


DIALECTS = {name: Dialect(name) for name in ("sqlite", "postgresql")}
