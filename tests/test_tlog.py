"""Attacks by the database's owner, each caught by a checkpoint, a head or --read-model.

Every attack edits the ledger around its append-only triggers: on SQLite by
dropping them, on PostgreSQL with ``SET session_replication_role = replica``
(no DDL needed). The attacker knows the algorithms: a re-chain recomputes
every chain hash, leaf hash and stored subtree, so only what was taken out
of the database before the attack (a signed checkpoint, a head) or the
events themselves (the read model's check) can tell.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from conftest import Clock, ledger_url, record
from ledger.application import SanctionsLedger
from ledger.settings import LedgerLocation
from ledger.store.chain import GENESIS, chain_rows, oid_hex
from ledger.store.tables import stored_events
from ledger.store.tree import CompactRange

PEOPLE = 12
FIRST = [{"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"}]
FIRST += [{"type": "party", "id": f"p:{n}", "kind": "person", "name": f"Person {n}"}
          for n in range(PEOPLE)]
FIRST += [{"type": "designation", "id": f"x:{n}", "authority": "auth:x", "target": f"p:{n}",
           "measures": ["asset_freeze"], "effective_from": "2021-03-22"} for n in range(6)]
FIRST += [{"type": "lifting", "id": "x:0:lift", "sanction": "x:0",
           "effective_from": "2022-01-01"}]
LATER = [{"type": "designation", "id": f"x:{n}", "authority": "auth:x", "target": f"p:{n}",
          "measures": ["travel_ban"], "effective_from": "2021-06-01"} for n in range(6, 9)]


def cli(location: LedgerLocation, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", ledger_url(location), *args])


class Evidence:
    """What an auditor kept outside the database: a key pair, checkpoints, heads."""

    def __init__(self, location: LedgerLocation, folder: Path):
        self.location = location
        self.folder = folder
        self.key = folder / "key"
        assert cli(location, "keygen", "--out", str(self.key)).exit_code == 0
        self.taken = 0

    def checkpoint(self) -> Path:
        self.taken += 1
        out = self.folder / f"checkpoint-{self.taken}"
        result = cli(self.location, "checkpoint", "--key", str(self.key), "--out", str(out))
        assert result.exit_code == 0, result.output
        return out

    def verify(self, *checkpoints: Path, extra: tuple[str, ...] = ()) -> Result:
        args = [arg for cp in checkpoints for arg in ("--checkpoint", str(cp))]
        return cli(self.location, "verify", *args, "--public-key", f"{self.key}.pub", *extra)

    def head(self) -> str:
        return json.loads(cli(self.location, "verify", "--json").stdout)["head"]


@pytest.fixture
def scene(ledger: SanctionsLedger, clock: Clock, tmp_path: Path) -> Iterator[Evidence]:
    """A ledger of two files (23 events) and a checkpoint taken after the first (20)."""
    record(ledger, *FIRST)
    evidence = Evidence(ledger.location, tmp_path)
    evidence.checkpoint()
    clock.advance()
    record(ledger, *LATER)
    ledger.close()
    yield evidence


class Tamper:
    """A raw connection of the database's owner, past the append-only triggers."""

    def __init__(self, location: LedgerLocation):
        self.sqlite = location.backend == "sqlite"
        self.events, self.position = stored_events(location.backend)
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(location.path, isolation_level=None)
            for (name,) in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                self.conn.execute(f"DROP TRIGGER {name}")
        else:
            import psycopg

            self.conn = psycopg.connect(f"host={location.host} port={location.port} "
                                        f"user={location.user} dbname={location.dbname}",
                                        autocommit=True)
            self.conn.execute("SET session_replication_role = replica")

    def run(self, sql: str, *params: Any) -> list[Any]:
        sql = sql.format(events=self.events, position=self.position)
        cursor = self.conn.execute(sql if self.sqlite else sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []

    def events_in_order(self) -> list[tuple[int, str, int, str, bytes]]:
        return [(p, oid_hex(o), v, t, bytes(s)) for p, o, v, t, s in self.run(
            "SELECT {position}, originator_id, originator_version, topic, state FROM {events} "
            "ORDER BY {position}")]

    def rechain(self) -> None:
        """Recompute every chain hash, leaf and stored subtree from the events as they are."""
        events = self.events_in_order()
        self.run("DELETE FROM event_chain")
        self.run("DELETE FROM merkle_nodes")
        links = chain_rows(GENESIS, 0, [e[0] for e in events], [e[1:] for e in events])
        for link in links:
            self.run("INSERT INTO event_chain (position, hash, leaf_index, leaf_hash) "
                     "VALUES (?, ?, ?, ?)", *link)
        for node in CompactRange().extend(link[3] for link in links):
            if node[0] > 0:
                self.run("INSERT INTO merkle_nodes (level, node_index, hash) VALUES (?, ?, ?)",
                         *node)

    def state_at(self, position: int) -> dict[str, Any]:
        (state,), = self.run("SELECT state FROM {events} WHERE {position} = ?", position)
        return json.loads(bytes(state))

    def set_state(self, position: int, state: dict[str, Any]) -> None:
        self.run("UPDATE {events} SET state = ? WHERE {position} = ?",
                 json.dumps(state, separators=(",", ":")).encode(), position)

    def close(self) -> None:
        self.conn.close()


@contextmanager
def tampering(location: LedgerLocation) -> Iterator[Tamper]:
    tamper = Tamper(location)
    try:
        yield tamper
    finally:
        tamper.close()


def last_position(location: LedgerLocation) -> int:
    with tampering(location) as t:
        return int(t.run("SELECT max(position) FROM event_chain")[0][0])


def assert_fails(result: Result, *said: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    for words in said:
        assert words in result.output


# -- Honest use: no false alarm --

def test_a_checkpoint_and_a_written_down_head_still_verify_after_honest_imports(
        scene, ledger, clock):
    head = scene.head()
    second = scene.checkpoint()
    app = SanctionsLedger(ledger.location, clock=clock)
    clock.advance()
    record(app, {"type": "party", "id": "p:late", "kind": "person", "name": "Late"})
    app.close()
    result = scene.verify(scene.folder / "checkpoint-1", second,
                          extra=("--expect-head", head))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        f"OK: the log still holds head {head}",
        f"OK: the log extends checkpoint {ledger.location.origin} at 20 events",
        f"OK: the log extends checkpoint {ledger.location.origin} at 23 events"]


def test_an_import_summary_names_the_head_it_left_as_position_and_hash(scene, ledger, tmp_path):
    file = tmp_path / "more.jsonl"
    file.write_text(json.dumps({"type": "party", "id": "p:more", "kind": "person",
                                "name": "More"}) + "\n")
    summary = json.loads(cli(ledger.location, "import", str(file), "--json").stdout)
    assert summary["head"] == scene.head() and summary["head"].startswith("24:")


def test_a_checkpoint_is_a_signed_c2sp_note_naming_the_ledger(scene, ledger):
    lines = (scene.folder / "checkpoint-1").read_text().split("\n")
    assert lines[:2] == [ledger.location.origin, "20"]
    assert lines[3] == "" and lines[4].startswith(f"— {ledger.location.origin} ")


def test_a_checkpoint_signed_by_another_key_is_refused(scene, ledger, tmp_path):
    other = tmp_path / "other"
    assert cli(ledger.location, "keygen", "--out", str(other)).exit_code == 0
    result = cli(ledger.location, "verify", "--checkpoint", str(scene.folder / "checkpoint-1"),
                 "--public-key", f"{other}.pub")
    assert_fails(result, "none of them a trusted key")


# -- Attacks on the log --

def test_truncating_the_tail_fails_the_checkpoint_and_the_head(scene, ledger):
    head, covering = scene.head(), scene.checkpoint()
    last = last_position(ledger.location)
    with tampering(ledger.location) as t:
        t.run("DELETE FROM {events} WHERE {position} = ?", last)
        t.run("DELETE FROM event_chain WHERE position = ?", last)
    assert_fails(scene.verify(covering), "the checkpoint signed 23 events but the ledger "
                                         "holds 22: events were removed from its end")
    assert_fails(cli(ledger.location, "verify", "--expect-head", head),
                 "before the expected head")


def test_deleting_a_middle_event_with_its_chain_row_fails(scene, ledger):
    with tampering(ledger.location) as t:
        position = t.run("SELECT position FROM event_chain WHERE leaf_index = 5")[0][0]
        t.run("DELETE FROM {events} WHERE {position} = ?", position)
        t.run("DELETE FROM event_chain WHERE position = ?", position)
    assert_fails(scene.verify(scene.folder / "checkpoint-1"),
                 "verification failed at position")


def test_deleting_a_middle_event_and_rechaining_fails_the_checkpoint(scene, ledger):
    with tampering(ledger.location) as t:
        position = t.run("SELECT position FROM event_chain WHERE leaf_index = 5")[0][0]
        t.run("DELETE FROM {events} WHERE {position} = ?", position)
        t.run("DELETE FROM event_chain WHERE position = ?", position)
        if t.sqlite:  # close the gap in positions, as an owner hiding the deletion would
            t.run("UPDATE {events} SET rowid = rowid - 1 WHERE rowid > ?", position)
        t.rechain()
    assert cli(ledger.location, "verify").exit_code == 0  # the rows alone look whole
    assert_fails(scene.verify(scene.folder / "checkpoint-1"),
                 "the first 20 events no longer hash to the checkpoint's signed root")


def test_a_forged_insert_with_a_recomputed_chain_fails_on_its_back_dated_time(scene, ledger):
    with tampering(ledger.location) as t:
        events = t.events_in_order()
        oid, state = events[3][1], t.state_at(events[3][0])
        state["timestamp"]["_data_"] = "2021-03-22T00:00:00+00:00"
        blob = json.dumps(state, separators=(",", ":")).encode()
        column = "rowid" if t.sqlite else "notification_id"
        t.run(f"INSERT INTO {{events}} ({column}, originator_id, originator_version, topic, "
              "state) VALUES (?, ?, ?, ?, ?)", events[-1][0] + 1,
              oid if t.sqlite else oid, 99, events[3][3], blob)
        t.rechain()
    assert_fails(cli(ledger.location, "verify"), "recorded time goes backwards: "
                 "2021-03-22T00:00:00+00:00 after")


def test_a_forged_event_inserted_before_the_checkpoint_fails_it(scene, ledger):
    with tampering(ledger.location) as t:
        events = t.events_in_order()
        column = "rowid" if t.sqlite else "notification_id"
        for position, *_ in reversed(events[4:]):  # make room at the fifth position
            t.run(f"UPDATE {{events}} SET {column} = ? WHERE {column} = ?", position + 1,
                  position)
        t.run(f"INSERT INTO {{events}} ({column}, originator_id, originator_version, topic, "
              "state) VALUES (?, ?, ?, ?, ?)", events[4][0], events[3][1], 99, events[3][3],
              events[3][4])
        t.rechain()
    assert cli(ledger.location, "verify").exit_code == 0
    assert_fails(scene.verify(scene.folder / "checkpoint-1"),
                 "the first 20 events no longer hash to the checkpoint's signed root")


def test_an_edit_with_a_full_rechain_fails_the_checkpoint(scene, ledger):
    with tampering(ledger.location) as t:
        position = t.run("SELECT position FROM event_chain WHERE leaf_index = 14")[0][0]
        state = t.state_at(position)
        state["filed"] = state["filed"].replace("asset_freeze", "travel_ban")
        t.set_state(position, state)
        t.rechain()
    assert cli(ledger.location, "verify").exit_code == 0
    assert_fails(scene.verify(scene.folder / "checkpoint-1"),
                 f"checkpoint {ledger.location.origin} at 20 events: the first 20 events no "
                 "longer hash to the checkpoint's signed root")


def test_an_edit_without_rechaining_fails_at_its_position(scene, ledger):
    with tampering(ledger.location) as t:
        position = t.run("SELECT position FROM event_chain WHERE leaf_index = 14")[0][0]
        state = t.state_at(position)
        state["filed"] = state["filed"].replace("asset_freeze", "travel_ban")
        t.set_state(position, state)
    assert_fails(cli(ledger.location, "verify"), f"verification failed at position {position}: "
                 "the event's content does not match its recorded hash")


def test_a_back_dated_recorded_time_fails_even_rechained(scene, ledger):
    last = last_position(ledger.location)
    with tampering(ledger.location) as t:
        state = t.state_at(last)
        state["timestamp"]["_data_"] = datetime(2021, 3, 22, tzinfo=UTC).isoformat()
        t.set_state(last, state)
        t.rechain()
    assert_fails(cli(ledger.location, "verify"), f"verification failed at position {last}: "
                 "recorded time goes backwards")


def test_a_stored_subtree_that_disagrees_with_the_events_fails(scene, ledger):
    with tampering(ledger.location) as t:
        t.run("UPDATE merkle_nodes SET hash = ? WHERE level = 4 AND node_index = 0", b"x" * 32)
    assert_fails(cli(ledger.location, "verify"),
                 "the stored Merkle tree holds another hash for the subtree at level 4")


@pytest.mark.postgres
@pytest.mark.parametrize("location", ["postgres"], indirect=True)
def test_session_replication_role_replica_passes_the_triggers_but_not_verify(scene, ledger):
    import psycopg

    loc = ledger.location
    with psycopg.connect(f"host={loc.host} port={loc.port} user={loc.user} "
                         f"dbname={loc.dbname}", autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM event_chain")
        conn.execute("SET session_replication_role = replica")
        edited = conn.execute("UPDATE sanctionsledger_events SET state = convert_to(replace("
                              "convert_from(state, 'UTF8'), 'asset_freeze', 'travel_ban'), "
                              "'UTF8') WHERE convert_from(state, 'UTF8') LIKE '%asset_freeze%'")
        assert edited.rowcount > 0
    assert_fails(scene.verify(scene.folder / "checkpoint-1"),
                 "the event's content does not match its recorded hash")


# -- Attacks on the read model --

READ_MODEL_EDITS = {
    "sanction_spans": "DELETE FROM sanction_spans WHERE sanction_id = 'x:3'",
    "measures": "UPDATE sanction_spans SET measures = '[\"travel_ban\"]' "
                "WHERE sanction_id = 'x:2'",
    "party_names": "UPDATE party_names SET name = 'Someone Else' WHERE party_id = 'p:4'",
    "recorded_at": "UPDATE recorded_lines SET recorded_at = '2021-03-22 00:00:00' "
                   "WHERE line_id = 'x:1'",
    "filed": "UPDATE recorded_lines SET filed = replace(filed, 'asset_freeze', 'travel_ban') "
             "WHERE line_id = 'x:1'",
}
TABLE_OF = {"sanction_spans": "sanction_spans", "measures": "sanction_spans",
            "party_names": "party_names", "recorded_at": "recorded_lines",
            "filed": "recorded_lines"}


@pytest.mark.parametrize("edit", sorted(READ_MODEL_EDITS))
def test_each_read_model_edit_is_caught_by_verify_read_model_and_rebuild_repairs_it(
        scene, ledger, edit):
    assert cli(ledger.location, "verify", "--read-model").exit_code == 0
    with tampering(ledger.location) as t:
        t.run(READ_MODEL_EDITS[edit])
    assert cli(ledger.location, "verify").exit_code == 0  # the log itself is untouched
    result = cli(ledger.location, "verify", "--read-model")
    assert_fails(result, f"the read model differs from the events ({TABLE_OF[edit]}: ",
                 "run 'sanctions-ledger rebuild'")
    assert cli(ledger.location, "rebuild").exit_code == 0
    assert cli(ledger.location, "verify", "--read-model").exit_code == 0


# -- Proofs an auditor checks alone --

def test_a_proof_of_one_line_round_trips_and_a_tampered_one_fails(scene, ledger, tmp_path):
    proof = tmp_path / "proof.json"
    result = cli(ledger.location, "prove", "x:2", "--checkpoint",
                 str(scene.folder / "checkpoint-1"), "--out", str(proof))
    assert result.exit_code == 0, result.output
    check = ["verify-proof", str(proof), "--public-key", f"{scene.key}.pub"]
    result = CliRunner().invoke(main, check)  # no --db: no database is opened
    assert result.exit_code == 0, result.output
    assert "OK: line 'x:2'" in result.output and "of the 20 events signed" in result.output
    bundle = json.loads(proof.read_text())
    bundle["filed"] = bundle["filed"].replace("asset_freeze", "travel_ban")
    proof.write_text(json.dumps(bundle))
    result = CliRunner().invoke(main, check)
    assert result.exit_code == 1
    assert result.output == "Error: the leaf records line 'x:2' as filed otherwise\n"


def test_a_line_recorded_after_the_checkpoint_cannot_be_proven_against_it(scene, ledger):
    result = cli(ledger.location, "prove", "x:7", "--checkpoint",
                 str(scene.folder / "checkpoint-1"))
    assert_fails(result, "line 'x:7' was recorded after the checkpoint of 20 events")
    result = cli(ledger.location, "prove", "x:7")  # the last checkpoint: the same one
    assert_fails(result, "recorded after the checkpoint")
    scene.checkpoint()
    assert cli(ledger.location, "prove", "x:7").exit_code == 0


def test_prove_refuses_a_line_the_edited_read_model_places_on_another_event(scene, ledger):
    with tampering(ledger.location) as t:  # swap the positions of two lines
        (two,), (three,) = (t.run("SELECT position FROM recorded_lines WHERE line_id = ?", i)[0]
                            for i in ("x:2", "x:3"))
        t.run("UPDATE recorded_lines SET position = -1 WHERE line_id = 'x:2'")
        t.run("UPDATE recorded_lines SET position = ? WHERE line_id = 'x:3'", two)
        t.run("UPDATE recorded_lines SET position = ? WHERE line_id = 'x:2'", three)
    assert_fails(cli(ledger.location, "prove", "x:2"),
                 "the read model places line 'x:2' at position",
                 "run 'sanctions-ledger verify --read-model'")


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path, location):
    key = tmp_path / "k"
    assert cli(location, "keygen", "--out", str(key)).exit_code == 0
    assert key.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in (tmp_path / "k.pub").read_text()
    assert_fails(cli(location, "keygen", "--out", str(key)), "a key is never written over")


def test_an_evidence_report_embeds_the_last_checkpoint_and_each_lines_inclusion_proof(
        scene, ledger, tmp_path):
    from ledger.store.checkpoints import open_checkpoint
    from ledger.store.merkle import verify_inclusion
    from ledger.store.notes import read_verifier_key

    result = cli(ledger.location, "report", "Person 2", "--at", "2021-04-01", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["chain"]["head"].startswith("23:")
    tree = found["tree"]
    signed = open_checkpoint(tree["checkpoint"], [read_verifier_key(Path(f"{scene.key}.pub"))])
    assert (signed.size, list(tree["proofs"])) == (20, ["x:2"])
    proof = tmp_path / "proof.json"
    assert cli(ledger.location, "prove", "x:2", "--out", str(proof)).exit_code == 0
    leaf_hash = bytes.fromhex(json.loads(proof.read_text())["leaf_hash"])
    shown = tree["proofs"]["x:2"]
    verify_inclusion(leaf_hash, shown["leaf_index"], signed.size,
                     [bytes.fromhex(h) for h in shown["inclusion_proof"]], signed.root_hash)
    page = cli(ledger.location, "report", "Person 2", "--at", "2021-04-01").stdout
    assert tree["checkpoint"].split("\n")[2] in page and shown["inclusion_proof"][0] in page


def test_a_ledger_from_before_the_tree_gets_it_from_its_migration_and_keeps_its_checkpoint(
        scene, ledger):
    import migrations
    from ledger.read.database import create_read_engine

    engine = create_read_engine(ledger.location)
    try:
        with engine.begin() as conn:
            migrations.downgrade(conn, "0004")
        with engine.connect() as conn:
            columns = list(conn.exec_driver_sql("SELECT * FROM event_chain LIMIT 1").keys())
            assert columns == ["position", "hash"]
        before = scene.verify(scene.folder / "checkpoint-1")  # roots come from the events
        assert before.exit_code == 0, before.output
        assert "No stored Merkle tree yet: 'sanctions-ledger db upgrade' builds it." \
            in before.output
        assert cli(ledger.location, "db", "upgrade").exit_code == 0
    finally:
        engine.dispose()
    result = scene.verify(scene.folder / "checkpoint-1")
    assert result.exit_code == 0, result.output
    assert cli(ledger.location, "verify", "--read-model").exit_code == 0
