"""Screening quality and speed: ``python -m bench.screening_quality`` (part of ``make bench``).

Runs every case of bench/fixtures/screening/cases.jsonl through three matchers
in the same run and writes bench/screening-results.md:

- the ledger's matcher (``ledger.matching.NameIndex``) at its default threshold;
- the baseline: rapidfuzz ``token_sort_ratio`` >= 90 over every name of the list;
- nomenklatura's ``logic-v2`` (yente's default) at 0.70, in its own virtualenv
  (bench/.venv-anchors, ``make bench-anchors``), over the union of the parties
  our blocking reaches and rapidfuzz's 20 nearest by ``token_set_ratio``.

A case is found when its party is among the alerts (a party whose name is
identical to the expected one's is a tie, alerted alongside, never a miss); a
false match is a case that alerted and whose alerts do not include its party
(every alert of a negative case is one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from bench.screening_lists import FIXTURES, Party, ofac, un, xinjiang
from bench.screening_report import Outcome, write
from ledger.matching import THRESHOLD, Kind, NameIndex

HERE = Path(__file__).parent
ANCHOR_PYTHON = HERE / ".venv-anchors" / "bin" / "python"
LOGIC_V2_THRESHOLD = 0.70
BASELINE_CUTOFF = 90
Case = dict[str, Any]
Lists = dict[str, dict[str, tuple[Kind, list[str]]]]


def load_lists() -> Lists:
    """Each evaluation list: party id -> (kind, names screened against)."""
    sdn, consolidated = ofac(), un()

    def every(parties: dict[str, Party]) -> dict[str, tuple[Kind, list[str]]]:
        return {pid: (p.kind, p.names()) for pid, p in parties.items()}

    def primary(parties: dict[str, Party]) -> dict[str, tuple[Kind, list[str]]]:
        return {pid: (p.kind, [p.name]) for pid, p in parties.items()}

    return {"ofac": every(sdn), "ofac-primary": primary(sdn),
            "un-primary": primary(consolidated), "xinjiang": every(xinjiang())}


class Baseline:
    """rapidfuzz's token ratios over every name of a list."""

    def __init__(self, parties: dict[str, tuple[Kind, list[str]]]) -> None:
        self.owners = [pid for pid, (_, names) in parties.items() for _ in names]
        self.names = [utils.default_process(n) for _, names in parties.values() for n in names]

    def _extract(self, query: str, scorer: Any, **options: Any) -> list[str]:
        hits = process.extract(utils.default_process(query), self.names, scorer=scorer,
                               processor=None, **options)
        return [self.owners[i] for _, _, i in hits]

    def alerts(self, query: str) -> set[str]:
        """The parties with a name at token_sort_ratio >= 90: the baseline's matches."""
        return set(self._extract(query, fuzz.token_sort_ratio, score_cutoff=BASELINE_CUTOFF,
                                 limit=None))

    def nearest(self, query: str, limit: int) -> list[str]:
        return self._extract(query, fuzz.token_set_ratio, limit=limit)


def build_indexes(lists: Lists) -> dict[str, NameIndex]:
    indexes = {}
    for name, parties in lists.items():
        indexes[name] = index = NameIndex()
        index.add_all((pid, n, kind) for pid, (kind, names) in parties.items() for n in names)
    return indexes


def run_ours(cases: list[Case], indexes: dict[str, NameIndex]) -> list[set[str]]:
    return [{c.owner for c in indexes[k["list"]].screen(k["query"], k["kind"], limit=50,
                                                        threshold=THRESHOLD)} for k in cases]


def anchor_request(cases: list[Case], lists: Lists, indexes: dict[str, NameIndex],
                   baselines: dict[str, Baseline]) -> list[dict[str, Any]]:
    """Per case, the candidate parties logic-v2 compares: ours reached, and rapidfuzz's."""
    request = []
    for k in cases:
        reached = indexes[k["list"]].reached(k["query"], k["kind"])
        owners = dict.fromkeys(reached + baselines[k["list"]].nearest(k["query"], 20))
        request.append({"query": k["query"], "kind": k["kind"],
                        "candidates": [[o, *lists[k["list"]][o]] for o in owners]})
    return request


def run_logic_v2(request: list[dict[str, Any]]) -> tuple[list[set[str]], dict[str, float]]:
    done = subprocess.run([str(ANCHOR_PYTHON), "-m", "bench.screening_anchor"],
                          cwd=HERE.parent, input=json.dumps({"cases": request}),
                          capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout)
    alerts = [{o for o, s in found.items() if s >= LOGIC_V2_THRESHOLD}
              for found in answer["scores"]]
    return alerts, {"seconds": answer["seconds"], "comparisons": answer["comparisons"]}


def throughput(screen: Callable[[str, Kind], object], queries: list[tuple[str, Kind]],
               repeat: int = 3) -> tuple[float, float]:
    """Names screened per second of CPU time and of wall-clock time, best of ``repeat``
    passes over ``queries``. On a shared machine the two differ; CPU time is what one
    free core would give."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        for query, kind in queries:
            screen(query, kind)
        cpu = min(cpu, time.process_time() - started_cpu)
        wall = min(wall, time.perf_counter() - started)
    return len(queries) / cpu, len(queries) / wall


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Screening quality and speed.")
    parser.add_argument("--no-anchor", action="store_true", help="skip nomenklatura's logic-v2")
    args = parser.parse_args(argv)
    cases = [json.loads(line) for line in (FIXTURES / "cases.jsonl").read_text("utf-8").split("\n")
             if line]
    lists = load_lists()
    started = time.perf_counter()
    indexes = build_indexes(lists)
    build_seconds = time.perf_counter() - started
    baselines = {name: Baseline(parties) for name, parties in lists.items()}
    outcomes = {"ledger": Outcome.of(cases, run_ours(cases, indexes)),
                "rapidfuzz baseline": Outcome.of(cases, [baselines[k["list"]].alerts(k["query"])
                                                         for k in cases])}
    queries = [(k["query"], k["kind"]) for k in cases if k["list"] == "ofac"]
    index, baseline = indexes["ofac"], baselines["ofac"]
    speed = {
        "ledger": throughput(lambda q, k: index.screen(q, k, threshold=THRESHOLD), queries),
        "rapidfuzz baseline": throughput(lambda q, k: baseline.alerts(q), queries[:300], 1),
    }
    anchor: dict[str, float] | str = "skipped (--no-anchor)"
    if not args.no_anchor and not ANCHOR_PYTHON.exists():
        anchor = f"not measured: {ANCHOR_PYTHON} is missing (make bench-anchors)"
    elif not args.no_anchor:
        alerts, anchor = run_logic_v2(anchor_request(cases, lists, indexes, baselines))
        outcomes["logic-v2"] = Outcome.of(cases, alerts)
        speed["logic-v2"] = (len(cases) / anchor["seconds"], len(cases) / anchor["seconds"])
    write(HERE / "screening-results.md", outcomes, speed, anchor,
          sizes=(len(index), len(queries)), build_seconds=build_seconds)


if __name__ == "__main__":
    main()
