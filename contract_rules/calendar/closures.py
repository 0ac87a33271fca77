"""Company closures from iCalendar (``.ics``) text: all-day events become days off.

Pure: the caller reads the file (the rule-file reader, at load time) and passes its bytes; this
module only parses them with the ``icalendar`` package. What a closure file may hold is kept
narrow so that nothing is guessed or silently dropped:

- each ``VEVENT`` is one closure of whole days: ``DTSTART;VALUE=DATE`` to ``DTEND`` (exclusive,
  as iCalendar says) or ``DURATION`` in days; neither means the one day of ``DTSTART``;
- an event with ``STATUS:CANCELLED`` is not a closure and is skipped;
- a timed event (``DTSTART`` with a time), a recurring one (``RRULE``, ``RDATE``, ``EXDATE``), an
  event without ``DTSTART``, or one longer than :data:`MAX_CLOSURE_DAYS` is an error naming the
  event (its ``SUMMARY`` or ``UID``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..errors import CalendarError

#: The longest closure one event may describe, in days (a typo in a year must not make a
#: calendar of millions of days off).
MAX_CLOSURE_DAYS = 366


def parse_closures(data: bytes | str, name: str = "<ics>") -> tuple[date, ...]:
    """The days off that the iCalendar text ``data`` describes, sorted, without repeats.

    Raises :class:`CalendarError` (``"<name>: ..."``) when the text is not iCalendar, or an event
    is not a closure of whole days (see the module docstring).
    """
    import icalendar  # imported on use: only rule files with closures need it

    try:
        cal = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise CalendarError(f"{name}: not iCalendar text ({exc})") from None
    days: set[date] = set()
    for event in cal.walk("VEVENT"):
        days.update(_event_days(event, name))
    return tuple(sorted(days))


def _event_days(event: Any, name: str) -> list[date]:
    label = str(event.get("summary") or event.get("uid") or "an event without SUMMARY or UID")
    where = f"{name}: event {label!r}"
    if str(event.get("status", "")).upper() == "CANCELLED":
        return []
    for prop in ("rrule", "rdate", "exdate"):
        if event.get(prop) is not None:
            raise CalendarError(
                f"{where} recurs ({prop.upper()}); list each closure as an event of its own"
            )
    start = _day(event.get("dtstart"), where, "DTSTART", required=True)
    assert start is not None
    end = _day(event.get("dtend"), where, "DTEND", required=False)
    if end is None:
        duration = event.get("duration")
        if duration is not None:
            td = duration.dt
            if not isinstance(td, timedelta) or td % timedelta(days=1) or td <= timedelta(0):
                raise CalendarError(f"{where}: DURATION must be a whole number of days")
            end = start + td
        else:
            end = start + timedelta(days=1)
    n = (end - start).days
    if n < 1:
        raise CalendarError(f"{where}: DTEND {end} is not after DTSTART {start}")
    if n > MAX_CLOSURE_DAYS:
        raise CalendarError(
            f"{where}: {n} days from {start} to {end}; a closure is at most "
            f"{MAX_CLOSURE_DAYS} days (split a longer one)"
        )
    return [start + timedelta(days=i) for i in range(n)]


def _day(prop: Any, where: str, what: str, *, required: bool) -> date | None:
    if prop is None:
        if required:
            raise CalendarError(f"{where}: no {what}")
        return None
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        raise CalendarError(
            f"{where}: {what} {value.isoformat()} has a time; a closure is whole days "
            f"({what};VALUE=DATE:YYYYMMDD)"
        )
    if not isinstance(value, date):
        raise CalendarError(f"{where}: {what} is not a date")
    return value
