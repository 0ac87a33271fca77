"""Property tests (hypothesis) of contract_rules.calendar arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules.calendar import BusinessCalendar, WorkingHours

FAST = settings(max_examples=200, deadline=None)

XJ = ("cn-national", "cn-xinjiang")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNITS: list[Literal["days", "months"]] = ["days", "months"]
TACHENG = BusinessCalendar("Asia/Shanghai", XJ)
LUNCH = BusinessCalendar(
    "Asia/Shanghai",
    XJ,
    working_hours=WorkingHours(
        default=((time(8, 30), time(12)), (time(13, 30), time(17, 45, 30))),
        by_weekday={4: ((time(9), time(12)),)},
        by_date={date(2025, 11, 19): (), date(2026, 2, 14): ((time(0), time(0)),)},
    ),
)
NEW_YORK = BusinessCalendar("America/New_York", ("weekdays",))  # DST, lazily built tables
CALENDARS = st.sampled_from([TACHENG, LUNCH, NEW_YORK])

ZONES = st.sampled_from(
    [
        ZoneInfo("Asia/Shanghai"),
        ZoneInfo("Asia/Urumqi"),
        ZoneInfo("America/New_York"),
        UTC,
        timezone(timedelta(hours=6)),
        timezone(timedelta(hours=-9, minutes=-30)),
    ]
)
# Coverage of national + Xinjiang is 2025-2026; stay clear of its end by 20 days.
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 2), max_value=datetime(2026, 12, 10), timezones=ZONES
)
WORK = st.integers(min_value=0, max_value=60 * 3_600_000_000).map(
    lambda us: timedelta(microseconds=us)
)
ON_THE_HOUR = st.integers(min_value=0, max_value=60).map(lambda h: timedelta(hours=h))
DURATIONS = st.one_of(WORK, ON_THE_HOUR)
# For day counts (up to 40 days, or 30 working days) stay further from the end.
EARLY_INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 2), max_value=datetime(2026, 10, 31), timezones=ZONES
)


def instant(cal: BusinessCalendar, r: datetime) -> timedelta:
    """A result's instant (as time since the epoch), after checking it is normalised in cal.tz."""
    assert r.tzinfo is cal.tz
    again = r.astimezone(UTC).astimezone(cal.tz)
    assert (again.replace(tzinfo=None), again.fold) == (r.replace(tzinfo=None), r.fold)
    return r - EPOCH


@FAST
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_working_hours_are_additive(
    cal: BusinessCalendar, t: datetime, a: timedelta, b: timedelta
) -> None:
    once = cal.add_working_hours(t, a + b)
    twice = cal.add_working_hours(cal.add_working_hours(t, a), b)
    assert instant(cal, once) == instant(cal, twice)


@FAST
@given(CALENDARS, INSTANTS, DURATIONS)
def test_working_time_between_inverts_add(cal: BusinessCalendar, t: datetime, d: timedelta) -> None:
    r = cal.add_working_hours(t, d)
    # Compare instants in UTC: two datetimes sharing a tzinfo compare by wall time, which is
    # wrong for a wall time that a DST change skips (2025-03-09 02:00 fold=1 in New York).
    assert r.astimezone(UTC) >= t.astimezone(UTC)
    instant(cal, r)
    assert cal.working_time_between(t, r) == d
    if d > timedelta(0):  # the earliest such instant: a microsecond less is not enough
        before = r.astimezone(UTC) - timedelta(microseconds=1)
        assert cal.working_time_between(t, before) < d
        assert cal.classify(before) == "working_hours"


@FAST
@given(CALENDARS, INSTANTS, INSTANTS, DURATIONS, DURATIONS)
def test_add_working_hours_is_monotone(
    cal: BusinessCalendar, t1: datetime, t2: datetime, a: timedelta, b: timedelta
) -> None:
    t1, t2 = min(t1, t2), max(t1, t2)
    a, b = min(a, b), max(a, b)
    r = instant(cal, cal.add_working_hours(t1, a))
    assert r <= instant(cal, cal.add_working_hours(t2, a))
    assert r <= instant(cal, cal.add_working_hours(t1, b))


@FAST
@given(CALENDARS, INSTANTS, INSTANTS, INSTANTS)
def test_working_time_is_a_measure(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = cal.working_time_between(a, b), cal.working_time_between(b, c)
    assert ab + bc == cal.working_time_between(a, c)
    assert timedelta(0) <= ab <= b - a


@FAST
@given(CALENDARS, INSTANTS)
def test_next_working_instant(cal: BusinessCalendar, t: datetime) -> None:
    r = cal.next_working_instant(t)
    assert r >= t
    assert cal.classify(r) == "working_hours"
    assert cal.working_time_between(t, r) == timedelta(0)
    assert (r - t == timedelta(0)) is (cal.classify(t) == "working_hours")
    instant(cal, r)


@FAST
@given(CALENDARS, EARLY_INSTANTS, st.integers(min_value=1, max_value=30))
def test_working_day_deadline_ends_at_24_00_of_a_working_day(
    cal: BusinessCalendar, t: datetime, n: int
) -> None:
    due = cal.add_working_days(t, n)
    assert due.tzinfo is cal.tz
    assert due.time() == time(0)
    last = (due - timedelta(microseconds=1)).date()  # the day that ends at 24:00
    assert cal.is_working_day(last)
    start = t.astimezone(cal.tz).date()
    assert cal.working_days_between(start, last) == n
    cob = cal.add_working_days(t, n, day_end="close_of_business")
    assert cob <= due and cob.astimezone(cal.tz).date() in (last, last + timedelta(days=1))


@FAST
@given(
    CALENDARS,
    EARLY_INSTANTS,
    st.integers(min_value=1, max_value=40),
    st.sampled_from(UNITS),
    st.booleans(),
)
def test_art_203_last_day_is_a_working_day(
    cal: BusinessCalendar, t: datetime, n: int, unit: Literal["days", "months"], count_start: bool
) -> None:
    if unit == "months":
        n = n % 2 + 1  # stay inside the covered years
    plain = cal.add_period(
        t,
        n,
        unit,
        count_start_day=count_start,
        extend_over_rest_days=False,
    )
    due = cal.add_period(t, n, unit, count_start_day=count_start)
    nominal = (plain - timedelta(microseconds=1)).date()
    last = (due - timedelta(microseconds=1)).date()
    assert due >= plain
    assert cal.is_working_day(last)
    # every day between the nominal last day and the extended one is a rest day
    assert cal.working_days_between(nominal - timedelta(days=1), last - timedelta(days=1)) == 0
    if unit == "days":
        start = t.astimezone(cal.tz).date()
        assert nominal == start + timedelta(days=n - 1 if count_start else n)
    # negative periods return the start of a day and are the inverse for plain day counts
    back = cal.add_period(plain - timedelta(microseconds=1), -n, unit)
    assert back.time() == time(0)
    if unit == "days" and not count_start:
        assert back.date() == t.astimezone(cal.tz).date()


@FAST
@given(INSTANTS)
def test_classify_agrees_with_days_and_windows(t: datetime) -> None:
    for cal in (TACHENG, LUNCH):
        local = t.astimezone(cal.tz)
        day, clock = local.date(), local.time().replace(tzinfo=None)
        inside = any(
            s <= clock and (e == time(0) or clock < e)
            for s, e in cal.working_hours.windows_for(day)
        )
        expected = (
            "non_working_day"
            if not cal.is_working_day(day)
            else ("working_hours" if inside else "outside_working_hours")
        )
        assert cal.classify(t) == expected


@FAST
@given(EARLY_INSTANTS, ZONES, DURATIONS, st.integers(min_value=1, max_value=20))
def test_same_instant_in_two_zones_same_answers(
    t: datetime, zone: timezone | ZoneInfo, d: timedelta, n: int
) -> None:
    # t may be an imaginary wall time (in a DST gap), for which == across zones is always
    # False (PEP 495): compare instants by subtraction, and results only once normalised.
    u = t.astimezone(zone)
    assert u - t == timedelta(0)
    for cal in (TACHENG, NEW_YORK):
        assert cal.classify(u) == cal.classify(t)
        for x, y in (
            (cal.add_working_hours(u, d), cal.add_working_hours(t, d)),
            (cal.add_working_days(u, n), cal.add_working_days(t, n)),
            (cal.add_period(u, n, "days"), cal.add_period(t, n, "days")),
            (cal.next_working_instant(u), cal.next_working_instant(t)),
            (cal.add_clock(u, d), cal.add_clock(t, d)),
        ):
            assert instant(cal, x) == instant(cal, y)


@FAST
@given(st.lists(st.tuples(INSTANTS, DURATIONS), min_size=1, max_size=20))
def test_batch_agrees_with_scalar(items: list[tuple[datetime, timedelta]]) -> None:
    import numpy as np

    epoch = EPOCH
    us = timedelta(microseconds=1)
    starts = np.array([(t - epoch) // us for t, _ in items], dtype=np.int64)
    work = np.array([d // us for _, d in items], dtype=np.int64)
    for cal in (TACHENG, LUNCH, NEW_YORK):
        got = cal.add_working_hours_batch(starts, work).tolist()
        assert got == [(cal.add_working_hours(t, d) - epoch) // us for t, d in items]
