"""Property tests: on random multi-stage histories the SQL read model answers as the pure fold.

Histories are drawn with many collisions on purpose (few parties, a three-week
window of dates) so that ties, same-day amendments, corrections that move
dates, liftings and retractions meet each other. Lines the ledger refuses are
dropped and the file retried, which also checks that a refused file leaves no
trace.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Clock, record
from ledger.application import SanctionsLedger
from ledger.domain.fold import names_known, parties_named, sanctions_in_force
from ledger.errors import AmbiguousPartyError, LineError, UnknownPartyError
from ledger.interchange import read_objects

DAYS = [date(2021, 3, 15) + timedelta(days=n) for n in range(21)]
AUTHORITIES = ["auth:a", "auth:b"]
TARGETS = ["p:1", "p:2", "p:3"]
MEASURES = ["asset_freeze", "travel_ban", "entry_ban"]
PARTIES = [
    {"type": "party", "id": "auth:a", "kind": "authority", "name": "Authority A"},
    {"type": "party", "id": "auth:b", "kind": "authority", "name": "Authority B"},
    {"type": "party", "id": "p:3", "kind": "organization", "name": "Org Three"},
    *({"type": "party", "id": f"p:{n}", "kind": "person", "name": f"Person {n}",
       "aliases": [f"P. {n}"]} for n in (1, 2)),
]

day = st.sampled_from(DAYS).map(date.isoformat)
measures = st.lists(st.sampled_from(MEASURES), min_size=1, max_size=3)


@st.composite
def sanction_line(draw: st.DrawFn, ident: str, earlier: list[str]) -> dict:
    kind = draw(st.sampled_from(["designation", "countermeasure"]))
    line = {"type": kind, "id": ident, "authority": draw(st.sampled_from(AUTHORITIES)),
            "target": draw(st.sampled_from(TARGETS)), "measures": draw(measures),
            "effective_from": draw(day)}
    if draw(st.booleans()):
        line["effective_until"] = draw(st.one_of(st.none(), day))
    if kind == "countermeasure" and earlier:
        line["in_response_to"] = draw(st.lists(st.sampled_from(earlier), max_size=2))
    return line


@st.composite
def change_line(draw: st.DrawFn, ident: str, sanction: str) -> dict:
    kind = draw(st.sampled_from(["amendment", "amendment", "lifting", "correction",
                                 "correction", "retraction"]))
    line: dict = {"type": kind, "id": ident, "sanction": sanction}
    if kind == "amendment":
        line["effective_from"] = draw(day)
        if draw(st.booleans()):
            line["measures"] = draw(measures)
        if "measures" not in line or draw(st.booleans()):
            line["effective_until"] = draw(st.one_of(st.none(), day))
    elif kind == "lifting":
        line["effective_from"] = draw(day)
    elif kind == "correction":
        line["set"] = draw(st.fixed_dictionaries({}, optional={
            "effective_from": day, "effective_until": st.one_of(st.none(), day),
            "measures": measures, "target": st.sampled_from(TARGETS),
            "authority": st.sampled_from(AUTHORITIES)}))
    return line


@st.composite
def histories(draw: st.DrawFn) -> list[list[dict]]:
    """Two to four files; the first brings the parties."""
    stages, sanctions, counter = [], [], 0
    for number in range(draw(st.integers(2, 4))):
        lines = list(PARTIES) if number == 0 else []
        for _ in range(draw(st.integers(1, 7))):
            counter += 1
            if not sanctions or draw(st.integers(0, 2)) == 0:
                lines.append(draw(sanction_line(f"s{counter}", list(sanctions))))
                sanctions.append(f"s{counter}")
            else:
                lines.append(draw(change_line(f"c{counter}", draw(st.sampled_from(sanctions)))))
        stages.append(lines)
    return stages


def record_dropping_refused_lines(ledger: SanctionsLedger, lines: list[dict]) -> None:
    """Record a file; when a line is refused, drop it and record the rest (as a user would)."""
    while lines:
        try:
            record(ledger, *lines)
            return
        except LineError as refused:
            lines = lines[:refused.lineno - 1] + lines[refused.lineno:]


def record_history(ledger: SanctionsLedger, clock: Clock, stages: list[list[dict]]) -> list:
    """Record each file at its own time; return known-at moments between and after them."""
    moments = []
    for lines in stages:
        record_dropping_refused_lines(ledger, lines)
        moments.append(clock.advance(minutes=30))
        clock.advance(minutes=30)
    return moments


def reference(ledger: SanctionsLedger, role: str, party: str, at: date,
              known_at: datetime) -> list:
    return [s for s in sanctions_in_force(ledger.iter_events(), at=at, known_at=known_at)
            if getattr(s, role) == party]


def answered(ledger: SanctionsLedger, role: str, party: str, at: date,
             known_at: datetime) -> list:
    ask = ledger.get_in_force if role == "target" else ledger.get_authority_list
    return ask(party, at=at, known_at=known_at).sanctions


queries = st.lists(st.tuples(st.sampled_from([("target", t) for t in TARGETS]
                                             + [("authority", a) for a in AUTHORITIES]),
                             st.sampled_from([DAYS[0] - timedelta(days=1), *DAYS]),
                             st.integers(0, 3)), min_size=25, max_size=25)
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@PROPERTY
@given(stages=histories(), asked=queries)
def test_the_read_model_answers_as_the_pure_fold(location, stages, asked):
    clock = Clock()
    with fresh_ledger(location, clock) as ledger:
        moments = record_history(ledger, clock, stages)
        for (role, party), at, moment in asked:
            known_at = moments[min(moment, len(moments) - 1)]
            assert answered(ledger, role, party, at, known_at) == \
                reference(ledger, role, party, at, known_at), (role, party, at, known_at)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stages=histories())
def test_a_rebuild_and_an_export_reimported_answer_identically(location, tmp_path_factory,
                                                               stages):
    clock = Clock()
    with fresh_ledger(location, clock) as ledger:
        moments = record_history(ledger, clock, stages)
        grid = [(role, party, at) for role, party in
                [("target", t) for t in TARGETS] + [("authority", a) for a in AUTHORITIES]
                for at in DAYS[::3]]
        before = {q: answered(ledger, *q, moments[-1]) for q in grid}
        past = {q: answered(ledger, *q, moments[0]) for q in grid}
        exported = list(ledger.export_lines())
        ledger.rebuild_read_model()
        assert {q: answered(ledger, *q, moments[-1]) for q in grid} == before
        assert {q: answered(ledger, *q, moments[0]) for q in grid} == past
    copy = tmp_path_factory.mktemp("copy") / "ledger.db"
    from ledger.settings import resolve_location

    with fresh_ledger(resolve_location(str(copy)), clock) as reimported:
        reimported.record_file(read_objects(exported))
        now = clock.advance()
        assert {q: _without_evidence(answered(reimported, *q, now)) for q in grid} == \
            {q: _without_evidence(a) for q, a in before.items()}


def _without_evidence(sanctions: list) -> list:
    """Evidence carries recorded order, which an export flattens into one file."""
    return [(s.id, s.kind, s.authority, s.target, s.measures, s.effective_from,
             s.effective_until, sorted(s.evidence)) for s in sanctions]


class fresh_ledger:  # lower case: used as a context manager like open()
    """A new, empty ledger at ``location`` for one hypothesis example."""

    def __init__(self, location, clock: Clock):
        if location.backend == "postgresql":
            from conftest import reset_postgres

            reset_postgres(location.sqlalchemy_url().replace("+psycopg", ""))
        else:
            location.remove_sqlite_files()
        self.ledger = SanctionsLedger(location, clock=clock)

    def __enter__(self) -> SanctionsLedger:
        return self.ledger

    def __exit__(self, *_: object) -> None:
        self.ledger.close()


# Names as known at a moment: parties and aliases arrive in later files too, with names
# that collide (case, accents, punctuation) with those of other parties.

NAMES = ["Person 1", "P. 1", "person 2", "Li Wei", "LI WEI", "Lí Wéi", "Li-Wei", "Org Three",
         "Ex Official"]
NAMED = ["p:1", "p:2", "p:3", "p:4", "p:5"]


@st.composite
def naming_line(draw: st.DrawFn, ident: str) -> dict:
    """A party (any id: one already registered is refused and dropped) or an alias of one."""
    name = draw(st.sampled_from(NAMES))
    if draw(st.booleans()):
        return {"type": "alias", "id": ident, "party": draw(st.sampled_from(NAMED)),
                "name": name}
    return {"type": "party", "id": draw(st.sampled_from(NAMED)), "kind": "person", "name": name,
            "aliases": draw(st.lists(st.sampled_from(NAMES), max_size=2))}


@st.composite
def named_histories(draw: st.DrawFn) -> list[list[dict]]:
    """Two to four files of party and alias lines."""
    return [[draw(naming_line(f"a{stage}.{n}")) for n in range(draw(st.integers(1, 5)))]
            for stage in range(draw(st.integers(2, 4)))]


def resolved(ledger: SanctionsLedger, text: str, known_at: datetime) -> tuple[list[str], list]:
    """The parties ``in-force`` finds for ``text`` (all candidates when ambiguous), and the
    names it lists for the one it finds."""
    try:
        party = ledger.get_in_force(text, at=DAYS[0], known_at=known_at).party
    except UnknownPartyError:
        return [], []
    except AmbiguousPartyError as error:
        return sorted(p.split(" (")[0] for p in str(error).split(": ", 1)[1].split("; ")), []
    return [party.id], party.names


@PROPERTY
@given(stages=named_histories(), asked=st.lists(
    st.tuples(st.sampled_from([*NAMES, *NAMED, "li wei", "LI-WEI"]), st.integers(-1, 3)),
    min_size=10, max_size=10))
def test_resolution_by_any_name_as_known_at_a_moment_is_the_folds(location, stages, asked):
    clock = Clock()
    with fresh_ledger(location, clock) as ledger:
        before = clock.now - timedelta(minutes=1)
        moments = record_history(ledger, clock, stages)
        events = list(ledger.iter_events())
        for text, moment in asked:
            known_at = before if moment < 0 else moments[min(moment, len(moments) - 1)]
            known = names_known(events, known_at=known_at)
            expected = parties_named(text, known)
            assert resolved(ledger, text, known_at) == (
                expected, known[expected[0]] if len(expected) == 1 else []), (text, known_at)
            (screened,) = ledger.screen([text], at=DAYS[0], known_at=known_at)
            assert screened.matches == expected, (text, known_at)
