"""A list file of the wrong format, or with a malformed row, is one error naming file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.sources import SourceFormatError, open_ftm_delta, open_snapshot

LISTS = Path(__file__).parent / "fixtures" / "lists"
UN_FILE = LISTS / "un" / "UN_consolidated_2018-06-21.xml"
SDN_FILE = LISTS / "ofac-sdn" / "sdn_20210824T184858Z_d04932b372.csv"
SDN_ROW = '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'


def refusal(format_name: str, path: Path) -> str:
    """The message of the error reading ``path`` raises; the error must be a LedgerError."""
    with pytest.raises(SourceFormatError) as raised:
        snapshot = open_snapshot(format_name, path)
        for _ in snapshot.entries():
            pass
    assert isinstance(raised.value, LedgerError)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_a_un_xml_file_read_as_ofac_sdn_is_refused_at_its_first_line() -> None:
    assert refusal("ofac-sdn", UN_FILE).startswith(
        "UN_consolidated_2018-06-21.xml, line 1: expected 12 fields of the OFAC sdn.csv layout"
    )


def test_an_ofac_csv_read_as_un_is_refused_as_not_xml() -> None:
    message = refusal("un", SDN_FILE)
    assert message.startswith("sdn_20210824T184858Z_d04932b372.csv, line 1: not well-formed XML")


def test_an_xml_file_that_is_not_the_un_list_is_refused_by_its_root(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><sdnList><publshInformation/></sdnList>')
    assert (
        refusal("un", other) == "other.xml: not a UN consolidated list: root element is <sdnList>"
    )


def test_a_csv_file_read_as_ftm_is_refused_at_its_first_line() -> None:
    assert refusal("ftm", SDN_FILE).startswith(
        "sdn_20210824T184858Z_d04932b372.csv, line 1: not a FollowTheMoney entity line"
    )


def test_a_short_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_text(SDN_ROW + '173,"ANGLO-CARIBBEAN CO., LTD.",-0- \r\n', newline="")
    assert refusal("ofac-sdn", path) == (
        "sdn.csv, line 2: expected 12 fields of the OFAC sdn.csv layout, found 3"
    )


def test_rows_out_of_ent_num_order_are_refused_because_the_files_are_joined_in_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sdn.csv"
    path.write_text(SDN_ROW.replace("36,", "400,", 1) + SDN_ROW, newline="")
    assert refusal("ofac-sdn", path) == (
        "sdn.csv, line 2: ent_num 36 comes after 400; OFAC files are sorted"
    )


def test_an_empty_sdn_file_is_refused_rather_than_read_as_a_list_emptied(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"")
    assert refusal("ofac-sdn", path) == (
        "sdn.csv: holds no entries; an OFAC sdn.csv is never empty"
    )


def test_a_malformed_companion_file_names_itself_and_its_line(tmp_path: Path) -> None:
    shutil.copy(SDN_FILE, tmp_path / "sdn.csv")
    (tmp_path / "alt.csv").write_text('36,12,"aka"\r\n', newline="")
    assert refusal("ofac-sdn", tmp_path) == (
        "alt.csv, line 1: expected 5 fields of the OFAC alt.csv layout, found 3"
    )


def test_a_directory_without_the_main_file_is_refused(tmp_path: Path) -> None:
    assert refusal("ofac-cons", tmp_path) == (
        f"{tmp_path}: a directory for ofac-cons must hold cons_prim.csv"
    )


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(SDN_ROW.encode() + b'37,"\xff",-0- \r\n')
    assert refusal("ofac-sdn", path) == "sdn.csv, line 2: not UTF-8 text: byte 0xff at position 5"


def test_a_ftm_line_that_is_not_an_entity_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text('{"id": "p1", "schema": "Person"}\n{"id": 5}\n', encoding="utf-8")
    assert refusal("ftm", path).startswith("entities.ftm.json, line 2: not a FollowTheMoney")


def test_a_delta_line_with_an_unknown_operation_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "entities.delta.json"
    path.write_text('{"op": "UPSERT", "entity": {"id": "p1"}}\n', encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"^entities.delta.json, line 1: "):
        list(open_ftm_delta(path).changes())


def test_an_unknown_format_and_a_missing_file_are_refused() -> None:
    assert refusal("eu-fsf", SDN_FILE).endswith(
        "unknown list format 'eu-fsf'; known: ofac-sdn, ofac-cons, un, ftm"
    )
    assert refusal("un", LISTS / "missing.xml").endswith("missing.xml: no such file")
