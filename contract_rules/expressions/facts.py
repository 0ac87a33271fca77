"""The facts of a norm's instance that an expression may read: its due, its performance, and
its lateness counted in clock time, calendar days, working days and working hours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from .types import (
    DURATION,
    INSTANT,
    INTEGER,
    US,
    US_PER_DAY,
    ExpressionError,
    ExprType,
    WorkCalendar,
    need_calendar,
)

__all__ = ["INSTANCE_FACTS", "instance_facts"]


#: The facts of a norm's instance that :func:`instance_facts` provides, with their types.
INSTANCE_FACTS: Final[Mapping[str, ExprType]] = {
    "due": INSTANT,
    "fulfilled_at": INSTANT,
    "as_of": INSTANT,
    "lateness": DURATION,
    "late_calendar_days": INTEGER,
    "late_working_days": INTEGER,
    "late_working_hours": DURATION,
}


class _Facts(Mapping[str, Any]):
    """Instance facts computed when first read (the calendar is asked only when needed)."""

    def __init__(
        self,
        due: datetime,
        fulfilled_at: datetime | None,
        as_of: datetime | None,
        calendar: WorkCalendar | None,
    ) -> None:
        self._base: dict[str, Any] = {"due": due}
        if fulfilled_at is not None:
            self._base["fulfilled_at"] = fulfilled_at
        if as_of is not None:
            self._base["as_of"] = as_of
        self._cal = calendar
        self._end = fulfilled_at if fulfilled_at is not None else as_of

    def _compute(self, key: str) -> Any:
        due, end = self._base["due"], self._end
        if key not in INSTANCE_FACTS or key in ("due", "fulfilled_at", "as_of"):
            raise KeyError(key)
        if end is None:
            raise ExpressionError(f"{key} needs fulfilled_at or as_of, and the instance has none")
        late = max(end - due, timedelta(0))
        if key == "lateness":
            return late
        if key == "late_calendar_days":
            if late == timedelta(0):
                return 0
            tz = self._cal.tz if self._cal is not None else due.tzinfo
            wall = end.astimezone(tz).replace(tzinfo=None) - due.astimezone(tz).replace(tzinfo=None)
            return -(-(wall // US) // US_PER_DAY)
        cal = need_calendar(self._cal, key)
        if key == "late_working_hours":
            return cal.working_time_between(due, end) if late else timedelta(0)
        if late == timedelta(0):
            return 0
        first = due.astimezone(cal.tz).date()
        last = (end - US).astimezone(cal.tz).date()
        return cal.working_days_between(first - timedelta(days=1), last)

    def __getitem__(self, key: str) -> Any:
        if key in self._base:
            return self._base[key]
        value = self._compute(key)
        self._base[key] = value
        return value

    def _available(self) -> list[str]:
        keys: list[str] = [k for k in ("due", "fulfilled_at", "as_of") if k in self._base]
        if self._end is not None:
            keys += ["lateness", "late_calendar_days"]
            if self._cal is not None:
                keys += ["late_working_days", "late_working_hours"]
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._available())

    def __len__(self) -> int:
        return len(self._available())


def instance_facts(
    due: datetime,
    fulfilled_at: datetime | None = None,
    as_of: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> Mapping[str, Any]:
    """The facts of one instance, for the names of :data:`INSTANCE_FACTS`.

    ``lateness`` is the clock time from ``due`` to the performance (``fulfilled_at``, else
    ``as_of``), zero when on time. ``late_calendar_days`` counts started days on the wall clock
    of the calendar's zone; ``late_working_days`` the working days that lateness touches (a
    started working day counts); ``late_working_hours`` the working time in ``[due, end)``.
    The calendar is asked only for the facts that need it, when they are read.
    """
    return _Facts(due, fulfilled_at, as_of, calendar)
