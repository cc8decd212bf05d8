"""Timing helpers: a child process's wall time and peak memory, medians, percentiles.

Peak memory comes from ``os.wait4`` on the one child being measured, so each
figure belongs to exactly one fresh process (``RUSAGE_CHILDREN`` would mix in
every child waited for before it).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "sanctions-ledger")


@dataclass(frozen=True)
class Run:
    """One child process: how long it took, its peak resident memory, what it printed."""

    seconds: float
    peak_mb: float
    stdout: str


class ChildFailedError(RuntimeError):
    """A measured command exited non-zero: the benchmark must not report its time."""


def run_child(args: list[str]) -> Run:
    """Run one command to completion; its wall time and its own peak RSS.

    Output goes to temporary files, not pipes, so the child is reaped by
    ``os.wait4`` (which reports its rusage) rather than by ``Popen.wait``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise ChildFailedError(f"{' '.join(args)} exited {child.returncode}: "
                                   f"{err.read().decode()[-2000:]}")
        return Run(seconds, usage.ru_maxrss / 1024, out.read().decode())


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank: p99 of 1000 samples is the 990th."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
