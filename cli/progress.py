"""Progress on a terminal for long work; silence in pipes and with --json."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any


class Progress:
    """Wraps rich's progress display, or does nothing when nobody is watching."""

    def __init__(self, display: Any | None):
        self.display = display

    def reading(self, stream: IO[bytes], total: int, label: str) -> IO[bytes]:
        if self.display is None:
            return stream
        return self.display.wrap_file(stream, total=total, description=_plain(label))

    def note(self, message: str) -> Callable[[], None] | None:
        """A callback that prints ``message`` above the progress bars (nothing in a pipe)."""
        if self.display is None:
            return None
        return lambda: self.display.console.print(message)

    def counter(self, label: str) -> Callable[[int, int], None] | None:
        if self.display is None:
            return None
        task = self.display.add_task(_plain(label), total=None)

        def advance(done: int, total: int) -> None:
            self.display.update(task, completed=done, total=total)

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
