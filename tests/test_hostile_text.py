"""Text from outside (names, notes, sources) is shown as text, never obeyed, wherever it goes:
a terminal or a pipe, an HTML report in a browser, a CSV in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report import CHROMIUM

from cli.main import main
from conftest import record

# Retitles the window, rings the bell, clears the screen, then shows the rest backwards.
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202e\x9b"
HOSTILE_SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\u202e\\x9b"
HOSTILE_IN_JSON = "\\u001b]0;owned\\u0007\\u001b[2J\\u202e\\u009b"  # as `show` prints a line
NAME = "Person" + HOSTILE + " [/]"
LINES = [
    {"type": "source", "id": "src:e", "publisher": "=HYPERLINK(\"http://evil.example\")",
     "title": "Notice" + HOSTILE, "url": "javascript:document.body.setAttribute('data-owned','1')"},
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority" + HOSTILE},
    {"type": "party", "id": "p:a", "kind": "person", "name": NAME,
     "aliases": ["[/]", "[link=https://e.example]Li[/link]", "[bold]Wu[/bold]"]},
    {"type": "party", "id": "p:b", "kind": "person", "name": "Other" + HOSTILE,
     "aliases": [NAME]},
    {"type": "designation", "id": "x:a", "authority": "auth:x", "target": "p:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-23", "sources": ["src:e"],
     "program": "Program" + HOSTILE},
    {"type": "correction", "id": "x:a:fix", "sanction": "x:a",
     "set": {"program": "Fixed" + HOSTILE}, "reason": "Because" + HOSTILE},
]
COMMANDS = [
    ["in-force", "p:a", "--at", "2021-04-01"],
    ["list", "--authority", "auth:x", "--at", "2021-04-01"],
    ["history", "p:a"],
    ["show", "src:e"],
    ["diff", "--authority", "auth:x", "--from", "2021-03-01", "--to", "2021-04-01"],
    ["replay", "--by", "recorded"],
    ["parties"],
    ["in-force", NAME],  # an error message that lists the parties so named
]


@pytest.fixture
def hostile(ledger):
    record(ledger, *LINES)
    return ledger.location.display if ledger.location.backend == "sqlite" \
        else ledger.location.sqlalchemy_url()


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_control_characters_in_stored_text_are_shown_escaped_never_emitted(hostile, command):
    _, output = run(hostile, *command)
    assert "Traceback" not in output
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", output), output
    unwrapped = re.sub(r"\s*[│\n]\s*", "", output)
    assert HOSTILE_SHOWN in unwrapped or HOSTILE_IN_JSON in unwrapped


@pytest.mark.parametrize("command", [["parties"], ["in-force", "p:a", "--at", "2021-04-01"],
                                     ["parties", "[/]"]], ids=" ".join)
def test_stored_text_is_never_read_as_rich_markup(hostile, command):
    code, output = run(hostile, *command)
    assert code == 0, output
    if command[0] == "parties":
        for alias in LINES[2]["aliases"]:
            assert alias in output
    assert "\x1b]8;" not in output  # no terminal hyperlink


def test_json_output_escapes_what_a_terminal_would_obey_and_reads_back_the_same(hostile):
    import json

    code, output = run(hostile, "in-force", "p:a", "--at", "2021-04-01", "--json")
    assert code == 0, output
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", output)
    assert json.loads(output)["party"]["name"] == NAME


def test_the_html_report_links_only_web_addresses_and_shows_overrides_written_out(hostile):
    _, page = run(hostile, "report", "p:a", "--at", "2021-04-01")
    assert 'href="javascript:' not in page
    assert "<code>javascript:document.body.setAttribute(&#39;data-owned&#39;,&#39;1&#39;)" in page
    assert "\u202e" not in page and "\x1b" not in page
    assert "Person\\x1b]0;owned\\x07\\x1b[2J\\u202e\\x9b" in page
    assert re.search(r'<meta http-equiv="Content-Security-Policy" content="[^"]*'
                     r"script-src 'none'", page)


def _dom_after_clicking_every_link(page: str, tmp_path: Path) -> str:
    """The page as Chromium leaves it after a script clicked each of its links."""
    clicker = ("<script>document.body.dataset.clicked = document.links.length;"
               "for (const a of document.links) a.click();</script>")
    html = tmp_path / "clicked.html"
    html.write_text(page.replace("</body>", clicker + "</body>"))
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
         "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_javascript_source_url_in_the_report_runs_nothing_when_clicked(hostile, tmp_path):
    _, page = run(hostile, "report", "p:a", "--at", "2021-04-01")
    without_policy = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    dom = _dom_after_clicking_every_link(without_policy, tmp_path)
    assert "data-clicked=" in dom  # the clicking script ran...
    assert not re.search(r"<body[^>]*data-owned", dom)  # ...and no link ran the source's script


def test_the_report_forbids_script_even_if_some_got_into_the_page(hostile, tmp_path):
    _, page = run(hostile, "report", "p:a", "--at", "2021-04-01")
    dom = _dom_after_clicking_every_link(page, tmp_path)
    assert "data-clicked=" not in dom


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(hostile):
    _, text = run(hostile, "report", "p:a", "--at", "2021-04-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["sources"].startswith("'=HYPERLINK(")
    assert "\x1b" not in text and "\u202e" not in text
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for value in row.values())


def test_an_export_writes_what_a_terminal_would_obey_as_escapes_and_reimports_the_same(
        hostile, tmp_path):
    code, exported = run(hostile, "export")
    assert code == 0, exported
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", exported)
    assert "\\u202e" in exported
    (tmp_path / "export.jsonl").write_text(exported)
    code, again = run(hostile, "import", str(tmp_path / "export.jsonl"))
    assert code == 0, again
    assert "Recorded 0 lines" in again and f"{len(LINES)} already recorded" in again
