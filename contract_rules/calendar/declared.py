"""The calendar a ruleset declares: its layers, working hours, extra days and fallback.

The one place that turns a ruleset's ``calendar`` section into a :class:`BusinessCalendar`; the
engine and the notebook's views both build their calendar here.
"""

from __future__ import annotations

from ..model import Ruleset, parse_window
from .business import BusinessCalendar
from .hours import WorkingHours

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def build_calendar(ruleset: Ruleset) -> BusinessCalendar:
    """The business calendar a ruleset declares (layers, working hours, overrides, fallback)."""
    spec = ruleset.calendar
    wh = spec.working_hours
    hours = WorkingHours(
        default=tuple(parse_window(w) for w in wh.default),
        by_weekday={
            _WEEKDAYS.index(d): tuple(parse_window(w) for w in ws) for d, ws in wh.weekdays.items()
        },
        by_date={d: tuple(parse_window(w) for w in ws) for d, ws in wh.dates.items()},
    )
    return BusinessCalendar(
        ruleset.contract.timezone,
        tuple(spec.layers),
        working_hours=hours,
        extra_days_off=spec.days_off,
        extra_working_days=spec.working_days,
        fallback=spec.fallback,
    )
