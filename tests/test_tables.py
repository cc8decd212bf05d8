"""Tables for people: nothing cut at 80 columns, nothing broken in a pipe."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import ledger_url, record

LONG = "ofac:sdn:designation:000000-a-rather-long-identifier"
TARGET = "ofac:sdn:person:000000-a-rather-long-identifier"
MEASURES = ["asset_freeze", "transaction_ban", "travel_ban", "visa_restriction"]


@pytest.fixture
def db(ledger) -> str:
    record(ledger,
           {"type": "party", "id": "auth:ofac", "kind": "authority", "name": "OFAC"},
           {"type": "party", "id": TARGET, "kind": "person", "name": "Ahmad Long",
            "aliases": [f"Alias Number {n}" for n in range(40)]},
           {"type": "designation", "id": LONG, "authority": "auth:ofac", "target": TARGET,
            "measures": MEASURES, "effective_from": "2020-01-01"})
    return ledger_url(ledger.location)


def shown(db: str, *args: str) -> list[str]:
    result = CliRunner().invoke(main, ["--db", db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


@pytest.mark.parametrize("command", [["list", "--authority", "OFAC"], ["in-force", "Ahmad Long"]])
def test_a_table_too_wide_for_80_columns_shows_one_block_per_record_with_nothing_cut(
        db, monkeypatch, command):
    monkeypatch.setattr("cli.tables.terminal_width", lambda: 80)
    out = shown(db, *command, "--at", "2021-01-01")
    assert all(len(line) <= 80 for line in out[1:]), out
    assert LONG in out
    assert any(line.split() == ["Measures", *", ".join(MEASURES).split()] for line in out)
    assert out[-1] == "1 in force"


def test_in_a_pipe_a_table_row_holds_every_id_and_measure_whole(db):
    out = shown(db, "list", "--authority", "OFAC", "--at", "2021-01-01")
    (row,) = [line for line in out if line.startswith("│")]
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        LONG, TARGET, ", ".join(MEASURES), "2020-01-01", "open-ended", "1 line"]
    assert out[-1] == "1 in force"


def test_a_table_that_fits_the_terminal_stays_boxed(db, monkeypatch):
    monkeypatch.setattr("cli.tables.terminal_width", lambda: 400)
    out = shown(db, "list", "--authority", "OFAC", "--at", "2021-01-01")
    assert out[1].startswith("┏") and out[3].startswith("┡") and out[-2].startswith("└")


def test_parties_shows_every_alias_of_a_party_on_its_row(db):
    out = shown(db, "parties", "Ahmad")
    (row,) = [line for line in out if line.startswith("│")]
    assert "; ".join(f"Alias Number {n}" for n in range(40)) in row
