"""A bulk write's one transaction, held by a second process that writes while this one works.

An import or a rebuild is bound to one core by Python. Both are two halves:
one works out what to write (checking lines and staging events, or decoding
stored events and folding sanctions), the other writes it (rows, indexes).
``writing_in_child`` runs the second half in a child process, beside the
first. The child opens what the write needs (``open_write``), never the
whole application, and holds the write's one transaction;
requests go through a pipe in order, so a question is answered once every
batch sent before it is written. A batch is sent without waiting; an error
writing it comes back as the answer to the next request. Still all or
nothing: a failure in either process, or a kill of either, rolls back.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from ledger.errors import LedgerError
from ledger.read.projector import BatchWriter
from ledger.settings import LedgerLocation
from ledger.write.collector import collecting_less

#: Opens a bulk write on the ledger at a location (a module-level function, so that a
#: child can be told it): ``open_write(location, *args)``.
OpenWrite = Callable[..., AbstractContextManager[BatchWriter]]
QUESTIONS = ("find", "known_line")  # what a writer may be asked besides writing


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
        """Send a request without reading the answers due first: the child reads and
        answers in threads of their own (``_Inbox``, ``_Outbox``), so it takes a large
        batch while its answer to an earlier question still waits to be read here."""
        try:
            self._pipe.send((request, payload))
        except (EOFError, OSError):  # a broken pipe, a reset connection
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
        except (EOFError, OSError):  # gone between messages, or in the middle of one
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
    """``open_write(location, *args)`` in a child process: committed at the end, or nothing.

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
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which closes the pipe
    with _Outbox(pipe) as outbox, _Inbox(pipe) as inbox:  # the inbox drains first, see there
        try:
            with collecting_less(), open_write(location, *args) as writer:
                request, payload = inbox.next()
                while request != "commit":
                    if request == "write":
                        writer.write(payload)
                    else:
                        outbox.send(("ok", _answer(writer, request, payload)))
                    request, payload = inbox.next()
            outbox.send(("ok", None))
        except EOFError:
            return  # the parent is gone or gave up: the transaction was rolled back
        except Exception as error:  # every failure goes back to the parent
            outbox.send(("error", _portable(error)))


class _Inbox:
    """The parent's requests, read off the pipe by a thread while the child writes.

    Without it the parent, sending a batch of several megabytes, waited until
    the child had written the batch before and came back to read, and each
    waited for the other in turn. The thread keeps at most ``AHEAD`` requests (an import's two
    batches ahead and their lookups), so a parent that works faster than the
    child writes still waits, and memory holds a bounded number of batches.
    Requests are unpickled by the child's main thread, in order.
    """

    AHEAD = 4
    _END = b""  # the pipe ended: no pickled request is empty

    def __init__(self, pipe: Any):
        self._pipe = pipe
        self._requests: queue.Queue[bytes] = queue.Queue(self.AHEAD)
        self._draining = False
        self._thread = threading.Thread(target=self._read, daemon=True,
                                        name="sanctions-ledger requests")

    def __enter__(self) -> _Inbox:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """From here on read and drop what the parent sends, so that it is never stuck
        sending while the child, failed, waits for it to read its last answers
        (``_Outbox``). The reader is a daemon thread: it ends with this process."""
        self._draining = True
        with suppress(queue.Empty):
            while True:  # room for a request the reader may be waiting to queue
                self._requests.get_nowait()

    def _read(self) -> None:
        try:
            while True:
                request = self._pipe.recv_bytes()
                if not self._draining:
                    self._requests.put(request)
        except (EOFError, OSError):
            self._requests.put(self._END)

    def next(self) -> tuple[str, Any]:
        """The next request, waiting for it; ``EOFError`` once the parent has gone."""
        request = self._requests.get()
        if request == self._END:
            raise EOFError("the parent closed the pipe")
        return pickle.loads(request)  # our own parent process, over our own pipe


class _Outbox:
    """The child's answers, sent by a thread, so the child goes on writing while the
    parent, still working on its batch, has not yet read an answer too large for the
    pipe's buffer. Everything sent is flushed before the child ends."""

    _DONE = None

    def __init__(self, pipe: Any):
        self._pipe = pipe
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._write, daemon=True,
                                        name="sanctions-ledger answers")

    def __enter__(self) -> _Outbox:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._answers.put(self._DONE)
        self._thread.join()

    def send(self, answer: tuple[str, Any]) -> None:
        self._answers.put(pickle.dumps(answer))

    def _write(self) -> None:
        while (answer := self._answers.get()) is not self._DONE:
            try:
                self._pipe.send_bytes(answer)
            except OSError:  # the parent is gone: nothing more can reach it
                return


def _answer(writer: BatchWriter, request: str, args: Any) -> Any:
    if request == "ready":
        return None
    if request not in QUESTIONS:
        raise ValueError(f"a writer is not asked {request!r}")
    return getattr(writer, request)(*args)


def _portable(error: Exception) -> Exception:
    """The error itself if it survives pickling, else one that says what it was."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    return error
