"""The cyclic garbage collector, kept out of the way of a long import or rebuild."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_COLLECTOR_LOCK = threading.Lock()
_COLLECTOR_USERS: list[tuple[int, ...]] = []  # thresholds each overlapping user found


@contextmanager
def collecting_less() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a long import or rebuild.

    Both create millions of short-lived objects while holding many long-lived
    ones (records in hand, the projector's cache), and the default thresholds
    rescan those again and again. A young collection also walks every object
    still alive since the last, and a batch's rows live until it is written,
    so the first threshold is high. Collections still run, so memory stays
    bounded (bench/ measures it). The collector's settings are process-wide:
    the first of overlapping imports (threads of one process) changes them,
    the last to finish restores them.
    """
    with _COLLECTOR_LOCK:
        _COLLECTOR_USERS.append(gc.get_threshold())
        if len(_COLLECTOR_USERS) == 1:
            gc.freeze()  # what existed before is not rescanned at all
            gc.set_threshold(200_000, 20, 100)
    try:
        yield
    finally:
        with _COLLECTOR_LOCK:
            thresholds = _COLLECTOR_USERS.pop(0)
            if not _COLLECTOR_USERS:
                gc.set_threshold(*thresholds)
                gc.unfreeze()
