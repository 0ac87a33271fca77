"""Working-hour windows: :class:`WorkingHours`, by default, by weekday and by date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import Any, cast

from ..errors import CalendarError
from .units import _US_PER_DAY, Window, Windows


def _tod_us(t: time, *, end: bool) -> int:
    """Microseconds since local midnight; an *end* of 00:00 means 24:00."""
    us = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    return _US_PER_DAY if end and us == 0 else us


def _check_windows(value: object, where: str) -> Windows:
    """Validate and normalise one day's windows: sorted, non-overlapping, half-open, naive."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise CalendarError(
            f"working hours {where}: expected a sequence of (start, end) time pairs, got {value!r}"
        )
    out: list[Window] = []
    prev_end = -1
    for w in value:
        if (
            not isinstance(w, Sequence)
            or len(w) != 2
            or not all(type(x) is time for x in w)  # datetime is not a time; reject it too
        ):
            raise CalendarError(
                f"working hours {where}: window {w!r} is not a (start, end) pair of datetime.time"
            )
        start, end = cast(Window, tuple(w))
        if start.tzinfo is not None or end.tzinfo is not None:
            raise CalendarError(
                f"working hours {where}: window {_fmt_window((start, end))} must use naive "
                "times; they are read in the calendar's time zone"
            )
        s, e = _tod_us(start, end=False), _tod_us(end, end=True)
        if s >= e:
            raise CalendarError(
                f"working hours {where}: window {_fmt_window((start, end))} is empty or reversed "
                "(windows are half-open [start, end); an end of 00:00 means 24:00)"
            )
        if s < prev_end:
            raise CalendarError(
                f"working hours {where}: windows must be sorted and must not overlap "
                f"({_fmt_window((start, end))})"
            )
        prev_end = e
        out.append((start, end))
    return tuple(out)


def _fmt_time(t: time, *, end: bool = False) -> str:
    if end and _tod_us(t, end=True) == _US_PER_DAY:
        return "24:00"
    if t.microsecond:
        return t.strftime("%H:%M:%S.%f")
    return t.strftime("%H:%M:%S") if t.second else t.strftime("%H:%M")


def _fmt_window(w: Window) -> str:
    return f"{_fmt_time(w[0])}–{_fmt_time(w[1], end=True)}"


@dataclass(frozen=True)
class WorkingHours:
    """Working-hour windows per day, read in the calendar's time zone.

    Windows are half-open ``[start, end)``: with the default ``((time(9), time(18)),)`` an instant
    at 09:00:00 is inside and 18:00:00 is outside. A lunch break is two windows
    (``((time(9), time(12)), (time(13), time(18)))``); an end of ``time(0)`` means 24:00.
    ``by_weekday`` (0 = Monday) and ``by_date`` override ``default``; ``by_date`` wins. An empty
    tuple means no working time that day. Windows only matter on working days.

    Raises :class:`CalendarError` for unsorted, overlapping, empty or tz-aware windows.
    """

    default: Windows = ((time(9), time(18)),)
    by_weekday: Mapping[int, Windows] = field(default_factory=dict)
    by_date: Mapping[date, Windows] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "default", _check_windows(self.default, "default"))
        weekday: dict[int, Windows] = {}
        for k, v in dict(self.by_weekday).items():
            if type(k) is not int or not 0 <= k <= 6:
                raise CalendarError(f"working hours by_weekday: key {k!r} is not 0 (Mon)..6 (Sun)")
            weekday[k] = _check_windows(v, f"by_weekday[{k}]")
        by_date: dict[date, Windows] = {}
        for d, v in dict(self.by_date).items():
            if type(d) is not date:
                raise CalendarError(f"working hours by_date: key {d!r} is not a datetime.date")
            by_date[d] = _check_windows(v, f"by_date[{d.isoformat()}]")
        object.__setattr__(self, "by_weekday", MappingProxyType(weekday))
        object.__setattr__(self, "by_date", MappingProxyType(by_date))

    def __hash__(self) -> int:
        return hash(
            (
                self.default,
                tuple(sorted(self.by_weekday.items())),
                tuple(sorted(self.by_date.items())),
            )
        )

    def __reduce__(self) -> tuple[type[WorkingHours], tuple[Any, ...]]:
        return (WorkingHours, (self.default, dict(self.by_weekday), dict(self.by_date)))

    def windows_for(self, day: date) -> Windows:
        """The windows of ``day``: ``by_date``, else ``by_weekday``, else ``default``."""
        w = self.by_date.get(day)
        if w is not None:
            return w
        w = self.by_weekday.get(day.weekday())
        return self.default if w is None else w

    def describe(self) -> str:
        """``"09:00–18:00"``; ``"09:00–12:00, 13:00–18:00"``; notes per-weekday/date overrides."""
        text = ", ".join(_fmt_window(w) for w in self.default) or "no working hours"
        extra = [n for n, m in (("weekday", self.by_weekday), ("date", self.by_date)) if m]
        if extra:
            text += f" (overrides per {' and '.join(extra)})"
        return text
