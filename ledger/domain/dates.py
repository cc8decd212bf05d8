"""Legal dates known exactly, or only within a window, and what a window means for a day.

Official lists are snapshots: an entry first seen in the snapshot published on
D was designated on some day up to D ("on or before D"); an entry gone from
the snapshot of D2 but present in that of D1 stopped being in force on some
day after D1 and up to D2 ("between"). The ledger keeps such a date as a
window and answers a day inside it as uncertain, never as yes or no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: The start of an unbounded window ("on or before D"), as spans store it.
DAWN = date(1, 1, 1)


@dataclass(frozen=True)
class DateWindow:
    """The true date is some day from ``earliest`` (None: any day before) to ``latest``."""

    earliest: date | None
    latest: date

    @property
    def precision(self) -> str:
        return "on_or_before" if self.earliest is None else "between"

    def wire(self) -> dict[str, Any]:
        """The window as the interchange format writes it."""
        if self.earliest is None:
            return {"on_or_before": self.latest.isoformat()}
        return {"between": [self.earliest.isoformat(), self.latest.isoformat()]}

    def state(self) -> list[date | None]:
        """The window as a stored event holds it: ``[earliest, latest]``."""
        return [self.earliest, self.latest]

    @classmethod
    def from_state(cls, state: list[Any] | None) -> DateWindow | None:
        return None if state is None else cls(state[0], state[1])

    def unsure_days(self) -> tuple[date, date] | None:
        """The days on which it is unknown whether the date has come (both ends inclusive):
        from the earliest possible day to the day before the latest; None if there are none."""
        last = self.latest - timedelta(days=1)
        first = self.earliest or DAWN
        return (first, last) if first <= last else None

    def covers(self, day: date) -> bool:
        days = self.unsure_days()
        return days is not None and days[0] <= day <= days[1]


def window_of(value: Any) -> DateWindow:
    """A window from its wire form (``{"on_or_before": D}`` or ``{"between": [D1, D2]}``),
    dates already typed; raises ValueError naming what is wrong."""
    if set(value) == {"on_or_before"}:
        return DateWindow(None, value["on_or_before"])
    if set(value) == {"between"}:
        earliest, latest = value["between"]
        if latest < earliest:
            raise ValueError(f"'between' ends on {latest}, before it starts on {earliest}")
        return DateWindow(earliest, latest)
    raise ValueError("a date window is {\"on_or_before\": D} or {\"between\": [D1, D2]}")


def latest_day(value: Any) -> date:
    """The day a filed date stands for in the rules: itself, or a window's latest day."""
    if isinstance(value, dict):
        days = value.get("between") or [value["on_or_before"]]
        return date.fromisoformat(days[-1])
    return date.fromisoformat(str(value))


def day_text(value: Any) -> str:
    """A filed date as prose: ``2021-08-24``, ``on or before 2021-08-24`` or
    ``between 2021-08-25 and 2021-09-02``."""
    if not isinstance(value, dict):
        return str(value)
    if "on_or_before" in value:
        return f"on or before {value['on_or_before']}"
    return "between {} and {}".format(*value["between"])
