"""A bulk write's one transaction, held by a second process that writes while this one works.

An import or a rebuild is bound to one core by Python. Both are two halves:
one works out what to write (checking lines and staging events, or decoding
stored events and folding sanctions), the other writes it (rows, indexes).
``writing_in_child`` runs the second half in a child process, beside the
first. The child opens the ledger and holds the write's one transaction;
requests go through a pipe in order, so a question is answered once every
batch sent before it is written. A batch is sent without waiting; an error
writing it comes back as the answer to the next request. Still all or
nothing: a failure in either process, or a kill of either, rolls back.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, suppress
from typing import TYPE_CHECKING, Any, Protocol

from ledger.errors import LedgerError

if TYPE_CHECKING:
    from ledger.settings import LedgerLocation


class BatchWriter(Protocol):
    """What holds a bulk write's open transaction: it takes one batch at a time."""

    def write(self, batch: Any) -> None: ...


#: Opens a bulk write on a ledger (a module-level function, so that a child can be told it).
OpenWrite = Callable[..., AbstractContextManager[BatchWriter]]
QUESTIONS = ("find", "known_line")  # what a writer may be asked besides writing
_COLLECTOR_LOCK = threading.Lock()
_COLLECTOR_USERS: list[tuple[int, ...]] = []  # thresholds each overlapping user found


class WritingProcess:
    """This process's end of a child that holds a bulk write's transaction."""

    def __init__(self, pipe: Any, process: Any, work: str):
        self._pipe = pipe
        self._process = process
        self._work = work  # what is written, for the message if the child dies
        self._asked = self._answered = 0  # requests with answers, sent and received
        self._answers: dict[int, Any] = {}

    def write(self, batch: Any) -> None:
        """Send a batch to write, without waiting for it to be written."""
        self._send("write", batch)

    def ask(self, question: str, *args: Any) -> Callable[[], Any]:
        """Ask the writer a question (``QUESTIONS``); the returned function gives the answer,
        reading it once every batch sent before has been written."""
        ticket = self._ask(question, args)
        return lambda: self._answer(ticket)

    def started(self) -> None:
        """Wait until the child holds the transaction (or raise what stopped it)."""
        self._answer(self._ask("ready", None))

    def commit(self) -> None:
        self._answer(self._ask("commit", None))

    def _send(self, request: str, payload: Any) -> None:
        """Send a request once every answer due has been read: a child blocked sending a
        large answer while this process blocks sending a large batch would wait forever."""
        while self._answered < self._asked:
            self._receive_one()
        try:
            self._pipe.send((request, payload))
        except (BrokenPipeError, EOFError):
            self._read_last_words()
            raise self._gone() from None

    def _read_last_words(self) -> None:
        """Raise the error a child sent before it ended, if any: it fails on a batch sent
        without waiting, and this process learns only when the next send finds it gone."""
        while self._pipe.poll():
            self._receive_one()

    def _ask(self, request: str, payload: Any) -> int:
        """Send a request that has an answer; return its ticket for ``_answer``."""
        self._send(request, payload)
        self._asked += 1
        return self._asked

    def _answer(self, ticket: int) -> Any:
        """The answer to that request, reading earlier ones first (the child answers in
        order). An error answers whatever request is next: the child has stopped."""
        while ticket not in self._answers:
            self._receive_one()
        return self._answers.pop(ticket)

    def _receive_one(self) -> None:
        try:
            status, answer = self._pipe.recv()
        except (EOFError, ConnectionResetError):
            raise self._gone() from None
        if status == "error":
            raise answer
        self._answered += 1
        self._answers[self._answered] = answer

    def _gone(self) -> LedgerError:
        self._process.join(5)
        return LedgerError(f"the process writing the {self._work} ended (exit code "
                           f"{self._process.exitcode}); nothing was written, "
                           f"re-run the {self._work}")


@contextmanager
def writing_in_child(work: str, location: LedgerLocation, open_write: OpenWrite,
                     *args: Any) -> Iterator[WritingProcess]:
    """``open_write(ledger, *args)`` in a child process: committed at the end, or nothing.

    ``work`` names what is written ("import", "rebuild") in the error if the child dies.
    The caller holds the writer lock. If this process fails or is killed, the
    child reads the end of the pipe and rolls the transaction back.
    """
    context = multiprocessing.get_context("spawn")  # a fork would share open connections
    pipe, child_end = context.Pipe()
    process = context.Process(target=_serve, args=(location, open_write, args, child_end),
                              daemon=True, name="sanctions-ledger writer")
    process.start()
    child_end.close()
    writer = WritingProcess(pipe, process, work)
    try:
        writer.started()
        yield writer
        writer.commit()
    finally:
        pipe.close()  # the child, if still waiting, rolls back and exits
        process.join(30)
        if process.is_alive():
            process.kill()


def _serve(location: LedgerLocation, open_write: OpenWrite, args: tuple[Any, ...],
           pipe: Any) -> None:
    """The child's side: one bulk write, driven by the parent's requests."""
    from ledger.application import SanctionsLedger

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which closes the pipe
    try:
        with closing(SanctionsLedger(location)) as ledger, collecting_less(), \
                open_write(ledger, *args) as writer:
            request, payload = pipe.recv()
            while request != "commit":
                if request == "write":
                    writer.write(payload)
                else:
                    pipe.send(("ok", _answer(writer, request, payload)))
                request, payload = pipe.recv()
        pipe.send(("ok", None))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent is gone or gave up: the transaction was rolled back
    except Exception as error:  # noqa: BLE001 - every failure goes back to the parent
        with suppress(OSError):  # unless it is gone too
            pipe.send(("error", _portable(error)))


def _answer(writer: BatchWriter, request: str, args: Any) -> Any:
    if request == "ready":
        return None
    if request not in QUESTIONS:
        raise ValueError(f"a writer is not asked {request!r}")
    return getattr(writer, request)(*args)


@contextmanager
def collecting_less() -> Iterator[None]:
    """Run the cyclic garbage collector less often during a long import or rebuild.

    Both create millions of short-lived objects while holding many long-lived
    ones (records in hand, the projector's cache), and the default thresholds
    rescan those again and again: a quarter of a 200k-line import's time.
    A young collection also walks every object still alive since the last,
    and a batch's rows live until it is written: at 50,000 a rebuild of 100k
    events still spent 0.7 s of 6.4 collecting, at 200,000 0.25 s of 5.5.
    Collections still run, so memory stays bounded (a 1M-line import peaked
    at 269 MB, as at 50,000). The collector's settings
    are process-wide: the first of overlapping imports (threads of one
    process) changes them, the last to finish restores them.
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


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    return error
