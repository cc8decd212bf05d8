"""Timing helpers: a child process's wall time and peak memory, medians, percentiles.

Peak memory is that of the one command being measured, with the processes it
starts itself (a large import writes in a second process): the larger of
``os.wait4``'s peak for the command and the peak of the summed resident memory
of its process tree, sampled every 20 ms. (``RUSAGE_CHILDREN`` would mix in
every child waited for before it, and reports the largest process, not the sum.)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
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
        tree = _TreeMemory(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        tree.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise ChildFailedError(f"{' '.join(args)} exited {child.returncode}: "
                                   f"{err.read().decode()[-2000:]}")
        return Run(seconds, max(usage.ru_maxrss, tree.peak_kb) / 1024, out.read().decode())


class _TreeMemory:
    """Samples the summed resident memory of a process and its descendants until stopped."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kb = max(self.peak_kb, sum(map(_rss_kb, _tree(self.pid))))


def _tree(pid: int) -> list[int]:
    """The process and its descendants, as /proc lists them now."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status
                         if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank: p99 of 1000 samples is the 990th."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
