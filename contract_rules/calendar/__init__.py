"""Business calendars for contracts under PRC law: working days, working hours and periods.

A :class:`BusinessCalendar` combines *layers* of announced schedules (``cn-national``: the State
Council's holidays and adjusted working days; ``cn-xinjiang``: the regional festivals; ``weekdays``:
the plain Monday–Friday rule) with a time zone and working-hour windows, and answers:

- is a day a working day (工作日), which class of time is an instant in;
- clock arithmetic (hour periods: absolute time, never extended over holidays);
- Civil Code periods in days, months and years (Art. 201–203), N working days, N working hours.

Coverage is explicit: a layer only knows the years it lists. Any question whose answer depends on
a year a layer has no data for raises :class:`~contract_rules.errors.CalendarCoverageError`
naming the day, year and layer, unless the caller opted into a fallback (``"weekdays"``, or
``"national_only"`` for regional layers); every fallback actually used is then recorded in
:attr:`BusinessCalendar.assumptions`.

Implementation: per calendar a table of working intervals (epoch microseconds, UTC) and a prefix
sum of working time is built lazily over the covered years; scalar operations are a couple of
``bisect`` calls, the batch API uses ``numpy.searchsorted`` (numpy is imported only there). The
scalar hot paths search a mirror of that table in datetimes and timedeltas (``_Fast``), so that an
answer needs no int <-> datetime conversion; it gives exactly what the int path gives, which
still answers every case the mirror does not cover.

The package's modules, each for one concern (all public names are importable from here):

- :mod:`.units`: the literal types and the time arithmetic shared by the others;
- :mod:`.hours`: :class:`WorkingHours`;
- :mod:`.layers`: the shipped layers, their loading and coverage (:func:`layer_coverage`);
- :mod:`.index`: the interval index (the table of working intervals and its datetime mirror);
- :mod:`.business`: :class:`BusinessCalendar`;
- :mod:`.declared`: :func:`build_calendar`, the calendar a ruleset declares.

Example::

    >>> from datetime import datetime, timedelta
    >>> cal = BusinessCalendar("Asia/Shanghai", ("cn-national", "cn-xinjiang"))
    >>> cal.add_working_days(datetime.fromisoformat("2025-11-17T10:00+08:00"), 5).isoformat()
    '2025-11-25T00:00:00+08:00'
"""

from __future__ import annotations

# ZoneInfo stays importable from here, as it was from the single module before the split.
from zoneinfo import ZoneInfo as ZoneInfo

from .business import BusinessCalendar
from .declared import build_calendar
from .hours import WorkingHours
from .layers import AVAILABLE_LAYERS, HOLIDAYS_PREFIX, is_known_layer, layer_coverage, layer_problem
from .units import DayEnd, Fallback, PeriodUnit, WorkingTimeClass

__all__ = [
    "AVAILABLE_LAYERS",
    "HOLIDAYS_PREFIX",
    "BusinessCalendar",
    "DayEnd",
    "Fallback",
    "PeriodUnit",
    "WorkingHours",
    "WorkingTimeClass",
    "build_calendar",
    "is_known_layer",
    "layer_coverage",
    "layer_problem",
]
