"""Evidence reports: the answer, the lines behind it, the head hash, and a timeline picture.

The HTML reports are opened in a real headless Chromium (Debian's, installed by
``make test``); its screenshot must show a page with the timeline on it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import record
from ledger.datasets import dataset_path
from ledger.interchange import read_objects

CHROMIUM = "/usr/bin/chromium"
LINES = [
    {"type": "source", "id": "src:gazette", "publisher": "Official Gazette",
     "title": "Decision 1", "url": "https://example.org/decision-1",
     "excerpt": "Person A is listed."},
    {"type": "party", "id": "auth:x", "kind": "authority", "name": "Authority X"},
    {"type": "party", "id": "auth:y", "kind": "authority", "name": "Authority Y"},
    {"type": "party", "id": "p:a", "kind": "person", "name": "Person A"},
    {"type": "designation", "id": "x:a", "authority": "auth:x", "target": "p:a",
     "measures": ["asset_freeze"], "effective_from": "2021-03-23", "sources": ["src:gazette"]},
    {"type": "designation", "id": "y:a", "authority": "auth:y", "target": "p:a",
     "measures": ["travel_ban"], "effective_from": "2020-01-01",
     "effective_until": "2020-12-31"},
]
FIX = {"type": "correction", "id": "x:a:fix", "sanction": "x:a",
       "set": {"effective_from": "2021-03-22"}, "reason": "The gazette says 22 March.",
       "sources": ["src:gazette"]}


def report(db: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", db, "report", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def corrected(ledger, clock):
    record(ledger, *LINES)
    clock.advance()
    record(ledger, FIX)
    clock.advance()
    return ledger


def test_the_json_report_holds_the_answer_its_evidence_the_correction_and_the_head(corrected):
    found = json.loads(report(corrected.location.display, "Person A", "--at", "2021-03-22",
                              "--format", "json"))
    (sanction,) = found["sanctions"]
    assert (sanction["id"], sanction["effective_from"]) == ("x:a", "2021-03-22")
    assert [e["id"] for e in sanction["evidence"]] == ["x:a", "x:a:fix"]
    assert sanction["evidence"][0]["sources"][0]["excerpt"] == "Person A is listed."
    assert [c["set"] for c in found["corrections"]] == [{"effective_from": "2021-03-22"}]
    assert found["chain"] == {"ok": True, "events": 7, "head": corrected.verify().head,
                              "bad_position": None}
    assert {s["sanction"] for s in found["spans"]} == {"x:a", "y:a"}


def test_the_report_as_known_before_the_correction_has_no_answer_on_the_22nd(corrected,
                                                                           clock):
    before = corrected.get_line("x:a").recorded_at.isoformat()
    found = json.loads(report(corrected.location.display, "p:a", "--at", "2021-03-22",
                              "--known-at", before, "--format", "json"))
    assert found["sanctions"] == [] and found["corrections"] == []


def test_the_csv_report_has_one_row_per_evidence_line(corrected):
    rows = list(csv.DictReader(io.StringIO(report(
        corrected.location.display, "Person A", "--at", "2021-03-23", "--format", "csv"))))
    assert [(r["sanction"], r["line"], r["line_type"]) for r in rows] == [
        ("x:a", "x:a", "designation"), ("x:a", "x:a:fix", "correction")]
    assert rows[0]["sources"] == ("Official Gazette \u2014 Decision 1 \u2014 "
                                  "https://example.org/decision-1")
    assert rows[0]["head"] == corrected.verify().head


def test_the_html_report_is_self_contained_and_draws_a_lane_per_authority(corrected):
    page = report(corrected.location.display, "Person A", "--at", "2021-03-23")
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page)
    svg = page[page.index('<svg class="timeline"'):page.index("</svg>")]
    assert re.findall(r'class="lane" data-authority="([^"]+)"', svg) == ["auth:x", "auth:y"]
    assert 'class="at-marker"' in svg
    assert corrected.verify().head in page
    assert "The gazette says 22 March." in page


def test_the_crisis_report_links_each_countermeasure_to_the_designations_it_answers(ledger):
    with dataset_path("xinjiang-2021").open("rb") as stream:
        ledger.record_file(read_objects(stream))
    page = report(ledger.location.display, "--crisis", "--from", "2021-03-15",
                  "--to", "2021-03-31")
    links = re.findall(r'class="response" data-from="([^"]+)" data-to="([^"]+)"', page)
    answers = {}
    for countermeasure, designation in links:
        answers.setdefault(countermeasure, set()).add(designation)
    eu = {f"eu:2021-03-22:{slug}" for slug in (
        "chen-mingguo", "wang-junzheng", "wang-mingshan", "zhu-hailun",
        "xinjiang-public-security-bureau")}
    uk = {f"uk:2021-03-22:{slug}" for slug in (
        "chen-mingguo", "wang-junzheng", "wang-mingshan", "zhu-hailun",
        "xpcc-public-security-bureau")}
    assert len(links) == 14 * 5 + 13 * 5
    assert [c for c, to in answers.items() if to == eu] == [
        c for c in answers if c.startswith("cn:2021-03-22:")] and len(answers) == 27
    assert [c for c, to in answers.items() if to == uk] == [
        c for c in answers if c.startswith("cn:2021-03-26:")]
    assert len(re.findall(r'class="mark designation"', page)) == 17
    assert len(re.findall(r'class="mark countermeasure"', page)) == 14 + 13 + 4


@pytest.mark.parametrize("args", [
    ["--crisis", "--from", "2021-03-15"],
    ["--crisis", "p:a", "--from", "2021-03-15", "--to", "2021-03-31"],
    ["--crisis", "--from", "2021-03-15", "--to", "2021-03-31", "--format", "csv"],
    [],
])
def test_report_arguments_that_do_not_fit_together_are_usage_errors(corrected, args):
    result = CliRunner().invoke(main, ["--db", corrected.location.display, "report", *args])
    assert result.exit_code == 2
    assert "Error:" in result.output


def test_a_crisis_window_that_ends_before_it_starts_is_a_one_line_error(corrected):
    result = CliRunner().invoke(main, ["--db", corrected.location.display, "report",
                                       "--crisis", "--from", "2021-03-31", "--to", "2021-03-15"])
    assert result.exit_code == 1
    assert result.output == "Error: --to 2021-03-15 is before --from 2021-03-31\n"


def test_text_from_the_ledger_is_escaped_in_the_html_report(ledger):
    record(ledger, LINES[1], {"type": "party", "id": "p:x", "kind": "person",
                              "name": "<script>alert(1)</script>"},
           {"type": "designation", "id": "x:x", "authority": "auth:x", "target": "p:x",
            "measures": ["other"], "effective_from": "2021-01-01",
            "program": "A & B <i>program</i>"})
    page = report(ledger.location.display, "p:x", "--at", "2021-01-02")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A &amp; B &lt;i&gt;program&lt;/i&gt;" in page


# In a real browser.

def screenshot(html: Path, tmp_path: Path) -> tuple[Path, str]:
    """Render the page in headless Chromium; return the PNG and the browser's log."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)",
                    pytrace=False)
    png = tmp_path / (html.stem + ".png")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
         "--window-size=1280,2000", "--enable-logging=stderr", "--v=0", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return png, done.stderr


def page_problems(log: str, html: Path) -> list[str]:
    """Console messages and failed loads the page itself caused (not the sandbox's dbus noise)."""
    return [line for line in log.splitlines()
            if ":CONSOLE" in line or "Failed to load" in line or
            (html.name in line and "ERROR" in line)]


def colour_box(png: Path, colour: str) -> tuple[int, tuple[int, int, int, int] | None]:
    """How many pixels have exactly this colour, and their bounding box."""
    from PIL import Image, ImageChops

    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    channels = Image.open(png).convert("RGB").split()
    r, g, b = (band.point(lambda v, want=want: 255 if v == want else 0)
               for band, want in zip(channels, rgb, strict=True))
    mask = ImageChops.logical_and(ImageChops.logical_and(r.convert("1"), g.convert("1")),
                                  b.convert("1"))
    return mask.convert("L").histogram()[255], mask.getbbox()


def non_white_share(png: Path) -> float:
    from PIL import Image

    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[245:]) / (image.width * image.height)


def test_the_evidence_report_renders_in_chromium_with_its_timeline(ledger, tmp_path):
    with dataset_path("xinjiang-2021").open("rb") as stream:
        ledger.record_file(read_objects(stream))
    html = tmp_path / "chen-mingguo.html"
    html.write_text(report(ledger.location.display, "Chen Mingguo", "--at", "2021-03-23"))
    png, log = screenshot(html, tmp_path)
    assert page_problems(log, html) == []
    assert non_white_share(png) > 0.05  # a page with text and tables, not a blank one
    page = html.read_text()
    svg = page[page.index('<svg class="timeline"'):page.index("</svg>")]
    assert sorted(re.findall(r'data-authority="([^"]+)"', svg)) == [
        "auth:ca", "auth:eu", "auth:uk", "auth:us"]
    for colour in ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"):  # one per authority lane
        count, box = colour_box(png, colour)
        assert count > 200, colour
        assert box is not None and box[1] < 900 and box[2] - box[0] > 300, (colour, box)


def test_the_crisis_report_renders_in_chromium_with_its_lanes_and_links(ledger, tmp_path):
    with dataset_path("xinjiang-2021").open("rb") as stream:
        ledger.record_file(read_objects(stream))
    html = tmp_path / "crisis.html"
    html.write_text(report(ledger.location.display, "--crisis", "--from", "2021-03-15",
                           "--to", "2021-03-31"))
    png, log = screenshot(html, tmp_path)
    assert page_problems(log, html) == []
    assert non_white_share(png) > 0.05
    boxes = {c: colour_box(png, c) for c in ("#2ca02c", "#d62728")}  # EU marks, China's
    assert all(count > 50 for count, _ in boxes.values()), boxes
    eu, cn = boxes["#2ca02c"][1], boxes["#d62728"][1]
    assert eu is not None and cn is not None and eu[1] < cn[1] < 1200  # China's lane below
