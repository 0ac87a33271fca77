"""The calendar a ruleset declares: its layers, working hours, extra days and fallback.

The one place that turns a ruleset's ``calendar`` section into a :class:`BusinessCalendar`; the
engine and the notebook's views both build their calendar here.
"""

from __future__ import annotations

from ..errors import CalendarError
from ..model import Ruleset, parse_window
from .business import BusinessCalendar
from .hours import WorkingHours

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def build_calendar(ruleset: Ruleset) -> BusinessCalendar:
    """The business calendar a ruleset declares (layers, working hours, overrides, company
    closures, fallback).

    Raises :class:`CalendarError` when the ruleset names ``ics`` closure files that were not read
    (a ruleset built from data rather than loaded from its rule file): they are never ignored.
    """
    spec = ruleset.calendar
    closures = spec.closures
    if spec.ics and closures is None:
        raise CalendarError(
            f"calendar.ics names {', '.join(spec.ics)}, which were not read: load the rule file "
            "(load_ruleset(path)) so that its closures are read relative to it"
        )
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
        extra_days_off=sorted({*spec.days_off, *(closures or ())}),
        extra_working_days=spec.working_days,
        fallback=spec.fallback,
    )
