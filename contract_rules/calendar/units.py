"""The calendar's vocabulary and time arithmetic: its literal types, epoch-microsecond conversions,
and date shifts, shared by the layers, the interval index and :class:`BusinessCalendar`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ..errors import CalendarError

WorkingTimeClass = Literal["working_hours", "outside_working_hours", "non_working_day"]
DayEnd = Literal["midnight", "close_of_business"]
PeriodUnit = Literal["days", "months", "years"]
Fallback = Literal["weekdays", "national_only"]
Window = tuple[time, time]
Windows = tuple[Window, ...]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_TWO_DAYS_US = 2 * 86_400_000_000

# A fixed UTC instant, paired per calendar with the same wall fields labelled with its zone: their
# difference turns any UTC-form datetime into the calendar's U form (see _Fast) without a table.
_REF_UTC = datetime(2000, 1, 1, tzinfo=UTC)
_MIDNIGHT = time(0)
_US_PER_DAY = 86_400_000_000

# Below this many epoch microseconds (year ~2096) float seconds still round-trip exactly to µs,
# and datetime.fromtimestamp(float) is about three times faster than the exact integer path.
_FLOAT_SAFE_US = 4_000_000_000_000_000

# Tables are kept away from date.min/date.max so that "the next day" and UTC conversions of any
# local midnight never overflow.
_MIN_YEAR = 2
_MAX_YEAR = 9998

# The hot paths' datetime mirror of a table costs about 2 ms and 130 kB per year to build and
# keep; tables longer than this (only a rule layer such as "weekdays" grows that far) get none.
_FAST_MAX_YEARS = 64


def _aware_error(t: object) -> CalendarError:
    if isinstance(t, datetime):
        return CalendarError(
            f"naive datetime {t.isoformat()} has no time zone; give an offset "
            "(e.g. 2025-03-03T10:00:00+08:00) or attach a tzinfo"
        )
    return CalendarError(f"expected a timezone-aware datetime, got {type(t).__name__} {t!r}")


def _check_aware(t: object) -> datetime:
    if not isinstance(t, datetime) or t.utcoffset() is None:
        raise _aware_error(t)
    return t


def _timedelta_error(d: object) -> CalendarError:
    return CalendarError(f"expected a timedelta, got {type(d).__name__} {d!r}")


def plain_datetime(t: datetime) -> datetime:
    """``t`` as a plain :class:`datetime.datetime` with the same fields, tzinfo and fold; ``t``
    itself when it is one already (or not a datetime at all).

    A subclass instance (``pendulum.DateTime``) is accepted wherever a datetime is, but brings
    arithmetic of its own (its difference is an ``Interval``, its ``+ timedelta`` counts absolute
    time), which the calendar and the engine must not inherit: it is copied at the door.
    """
    if type(t) is datetime or not isinstance(t, datetime):
        return t
    return datetime(
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, t.tzinfo, fold=t.fold
    )


def plain_timedelta(d: timedelta) -> timedelta:
    """``d`` as a plain :class:`datetime.timedelta` of the same length (a ``pendulum.Duration``
    counts as the timedelta it is: months as 30 days, years as 365); ``d`` itself otherwise."""
    if type(d) is timedelta or not isinstance(d, timedelta):
        return d
    # read through timedelta's own descriptors: a subclass may give these names other meanings
    return timedelta(
        days=timedelta.days.__get__(d),
        seconds=timedelta.seconds.__get__(d),
        microseconds=timedelta.microseconds.__get__(d),
    )


def plain_date(d: date) -> date:
    """``d`` as a plain :class:`datetime.date` when it is a date subclass (``pendulum.Date``) that
    is not a datetime; anything else as it is."""
    if type(d) is date or not isinstance(d, date) or isinstance(d, datetime):
        return d
    return date(d.year, d.month, d.day)


def _to_us(t: datetime) -> int:
    """Epoch microseconds (UTC) of an aware datetime; CalendarError for naive/other values."""
    if not isinstance(t, datetime):
        raise _aware_error(t)
    if type(t) is not datetime:
        t = plain_datetime(t)
    try:
        return (t - _EPOCH) // _US
    except TypeError:  # naive datetime (or a tzinfo whose utcoffset is None)
        raise _aware_error(t) from None


def _local_us(day: date, t: time, tz: ZoneInfo) -> int:
    """Epoch microseconds of wall time ``t`` on ``day`` in ``tz``.

    Ambiguous wall times (DST fall-back) take the first occurrence; wall times in a DST gap are
    read with the offset before the gap, so a nonexistent 00:00 maps to the transition instant.
    """
    return (datetime.combine(day, t, tzinfo=tz) - _EPOCH) // _US


def _add_months(d: date, months: int) -> date:
    """Art. 202: the corresponding day ``months`` later (or earlier); clamped to the month end."""
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    if not 1 <= y <= 9999:
        raise CalendarError(f"{d.isoformat()} {months:+d} months is outside the supported dates")
    last = 31 if m == 12 else (date(y, m + 1, 1) - _ONE_DAY).day
    return date(y, m, min(d.day, last))


def _shift_days(d: date, days: int) -> date:
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise CalendarError(
            f"{d.isoformat()} {days:+d} days is outside the supported dates"
        ) from None
