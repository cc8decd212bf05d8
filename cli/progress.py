"""Progress on a terminal for long work; silence in pipes and with --json."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any


class Progress:
    """Wraps rich's progress display, or does nothing when nobody is watching."""

    EVERY = 0.25  # seconds between two advances of a reading bar

    def __init__(self, display: Any | None):
        self.display = display

    def reading(self, stream: IO[bytes], total: int, label: str) -> Iterable[bytes]:
        """The stream's lines, counted on a bar of ``total`` bytes.

        The bar advances at most every ``EVERY`` seconds: rich estimates the time
        left from its last thousand advances, and an import reads a batch of lines
        in a burst, then waits while it is written. Advanced line by line, the
        estimate saw only the burst's speed and promised seconds for a half-minute
        import; advanced by the clock, its thousand samples span minutes.
        """
        display = self.display
        if display is None:
            return stream
        return self._counted(stream, display, display.add_task(_plain(label), total=total))

    def _counted(self, stream: IO[bytes], display: Any, task: Any) -> Iterator[bytes]:
        clock, unreported = display.get_time, 0
        reported_at = clock()
        for line in stream:
            unreported += len(line)
            if clock() - reported_at >= self.EVERY:
                display.advance(task, unreported)
                unreported, reported_at = 0, clock()
            yield line
        display.advance(task, unreported)

    def note(self, message: str) -> Callable[[], None] | None:
        """A callback that prints ``message`` above the progress bars (nothing in a pipe)."""
        display = self.display
        if display is None:
            return None
        return lambda: display.console.print(message)

    def counter(self, label: str) -> Callable[[int, int], None] | None:
        display = self.display
        if display is None:
            return None
        task = display.add_task(_plain(label), total=None)

        def advance(done: int, total: int) -> None:
            display.update(task, completed=done, total=total)

        return advance


@contextmanager
def progress(enabled: bool) -> Iterator[Progress]:
    if not enabled:
        yield Progress(None)
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    with RichProgress(console=Console(stderr=True), transient=True) as display:
        yield Progress(display)


def _plain(label: str) -> str:
    """A label (it may name the user's file) that rich shows as it is, never as markup."""
    from rich.markup import escape

    from cli.terminal import shown

    return escape(shown(label))
