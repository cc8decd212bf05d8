"""Counting the screening evaluation's outcomes and writing bench/screening-results.md."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

COMMAND = "make bench-screening  (python -m bench.screening_quality)"


@dataclass
class Tally:
    cases: int = 0
    found: int = 0
    false: int = 0

    @property
    def positives(self) -> int:
        return self.cases

    def precision(self) -> float | None:
        alerted = self.found + self.false
        return self.found / alerted if alerted else None

    def recall(self, negative: bool) -> float | None:
        return None if negative else self.found / self.cases

    def f1(self, negative: bool) -> float | None:
        p, r = self.precision(), self.recall(negative)
        return 2 * p * r / (p + r) if p and r else None


@dataclass
class Outcome:
    """Per class: cases, cases whose party was alerted, cases alerting only wrong parties."""

    classes: dict[str, Tally] = field(default_factory=dict)
    misses: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, cases: Sequence[dict[str, object]], alerts: Sequence[set[str]]) -> Outcome:
        outcome = cls()
        for case, alerted in zip(cases, alerts, strict=True):
            tally = outcome.classes.setdefault(str(case["class"]), Tally())
            tally.cases += 1
            if case["expected"] is not None and case["expected"] in alerted:
                tally.found += 1
            else:
                tally.false += bool(alerted)
                outcome.misses.append((str(case["class"]), str(case["query"])))
        return outcome

    def overall(self, include: set[str] | None = None) -> tuple[Tally, Tally]:
        """Totals over the positive classes and over the negative ones."""
        pos, neg = Tally(), Tally()
        for name, t in self.classes.items():
            if include is not None and name not in include:
                continue
            into = neg if name.startswith("neg_") else pos
            into.cases += t.cases
            into.found += t.found
            into.false += t.false
        return pos, neg


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _row(label: str, tallies: dict[str, Tally], negative: bool) -> str:
    cells = [label, str(next(iter(tallies.values())).cases)]
    for t in tallies.values():
        if negative:
            cells.append(f"{t.false} false")
        else:
            cells.append(f"{_fmt(t.precision())} / {_fmt(t.recall(False))} / {_fmt(t.f1(False))}"
                         + (f" ({t.false} wrong)" if t.false else ""))
    return "| " + " | ".join(cells) + " |"


def table(outcomes: dict[str, Outcome]) -> list[str]:
    names = list(outcomes)
    lines = ["| class | cases | " + " | ".join(f"{n}: P / R / F1" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    classes = list(next(iter(outcomes.values())).classes)
    for name in classes:
        lines.append(_row(name, {m: o.classes[name] for m, o in outcomes.items()},
                          name.startswith("neg_")))
    lines.extend(_overall_rows(outcomes, "all classes", None))
    no_arabic = {c for c in classes if c != "un_script_arabic"}
    lines.extend(_overall_rows(outcomes, "all but Arabic script", no_arabic))
    return lines


def _overall_rows(outcomes: dict[str, Outcome], label: str, include: set[str] | None) -> list[str]:
    cells_pos = []
    for outcome in outcomes.values():
        pos, neg = outcome.overall(include)
        merged = Tally(pos.cases, pos.found, pos.false + neg.false)
        cells_pos.append(f"**{_fmt(merged.precision())} / {_fmt(merged.recall(False))} / "
                         f"{_fmt(merged.f1(False))}** ({neg.false} false on {neg.cases} negatives)")
    pos, _ = next(iter(outcomes.values())).overall(include)
    return ["| **" + label + "** | " + str(pos.cases) + " | " + " | ".join(cells_pos) + " |"]


def write(path: Path, outcomes: dict[str, Outcome], speed: dict[str, tuple[float, float]],
          anchor: dict[str, float] | str, sizes: tuple[int, int], build_seconds: float) -> None:
    names, queries = sizes
    lines = [
        "# Screening: quality and speed",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, one process. Command: `{COMMAND}`.",
        "Cases: bench/fixtures/screening/cases.jsonl (built by `python -m bench.screening_cases` "
        "from the real lists beside it; see README.md there).",
        "",
        "P / R / F1 per class at each matcher's threshold (ledger: its default; baseline: "
        "token_sort_ratio >= 90; logic-v2: 0.70). \"wrong\": cases that alerted only other "
        "parties. Negative classes: cases that alerted at all.",
        "",
        *table(outcomes),
        "",
        "## Speed: batch screening against the OFAC SDN list (July 2021), in memory",
        "",
        f"{names} names (primary names and aliases); ledger index built in {build_seconds:.1f} s "
        f"(all four evaluation lists). Queries: the {queries} cases screened against that list.",
        "",
        "| matcher | names per CPU second | names per wall-clock second | target |",
        "|---|---|---|---|",
        *[f"| {m} | {cpu:,.0f} | {wall:,.0f} | {'>= 5,000' if m == 'ledger' else ''} |"
          for m, (cpu, wall) in speed.items()],
        "",
        f"Load average when written: {', '.join(f'{v:.1f}' for v in os.getloadavg())} "
        f"on {os.cpu_count()} cores (the machine is shared; logic-v2 is timed by wall clock "
        "inside its own process).",
        "",
        f"logic-v2: {anchor if isinstance(anchor, str) else _anchor_note(anchor)}",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def _anchor_note(anchor: dict[str, float]) -> str:
    per = anchor["seconds"] / anchor["comparisons"] * 1000
    return (f"{anchor['comparisons']:,.0f} party comparisons in {anchor['seconds']:.1f} s "
            f"({per:.2f} ms each), over the candidates described in bench/screening_quality.py.")
