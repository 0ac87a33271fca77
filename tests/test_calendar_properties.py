"""Property tests (hypothesis) of contract_rules.calendar arithmetic."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules.calendar import BusinessCalendar, WorkingHours
from contract_rules.errors import CalendarError

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
@given(CALENDARS, EARLY_INSTANTS, DURATIONS, DURATIONS)
def test_working_hours_are_additive(
    cal: BusinessCalendar, t: datetime, a: timedelta, b: timedelta
) -> None:
    # a + b is up to 120 working hours, some 16 working days of the shortest calendar: from
    # INSTANTS' last day (2026-12-10) that reaches 2027, beyond the layers' data.
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


# ---- the scalar hot paths give exactly what the general path gives -------------------------


WARM_UP = datetime(2025, 6, 3, 12, tzinfo=UTC)  # a working day: classify builds the table


def hot(*args: object, **kwargs: object) -> BusinessCalendar:
    """A calendar whose mirror exists from the start, so every example can take the hot path."""
    cal = BusinessCalendar(*args, **kwargs)  # type: ignore[arg-type]
    cal.classify(WARM_UP)  # a general-path call: builds the table and its mirror
    return cal


def general_path_twin(cal: BusinessCalendar) -> BusinessCalendar:
    """A copy of ``cal`` (warmed up the same way) whose scalar methods always take the general
    path: the hot paths only run once ``_refresh_fast`` has built the table's mirror."""
    twin: BusinessCalendar = pickle.loads(pickle.dumps(cal))
    twin._refresh_fast = lambda: None  # type: ignore[method-assign]
    twin.classify(WARM_UP)
    return twin


ACROSS_MIDNIGHT = WorkingHours(default=((time(0), time(3)), (time(22), time(0))))
HOT = [
    hot("Asia/Shanghai", XJ),
    hot("Asia/Shanghai", XJ, working_hours=LUNCH.working_hours),
    # 2024 has no Xinjiang data: answers there record an assumption, as on the general path
    hot("Asia/Shanghai", XJ, fallback="national_only"),
    hot("America/New_York", ("weekdays",)),
    # windows over the 02:00 DST changes, merged across midnight, on weekends too
    hot(
        "America/New_York",
        ("weekdays",),
        working_hours=ACROSS_MIDNIGHT,
        extra_working_days=[date(2025, 3, 9), date(2025, 11, 2), date(2026, 3, 8)],
    ),
    hot("Australia/Lord_Howe", ("weekdays",), working_hours=ACROSS_MIDNIGHT),  # 30-minute DST
    hot("America/Santiago", ("weekdays",), working_hours=ACROSS_MIDNIGHT),  # changes at 24:00
    hot("UTC", ("weekdays",)),
]
TWINS = {id(cal): general_path_twin(cal) for cal in HOT}
HOT_ZONES = st.sampled_from(
    [
        UTC,
        ZoneInfo("Asia/Shanghai"),
        ZoneInfo("America/New_York"),
        ZoneInfo("Australia/Lord_Howe"),
        ZoneInfo("America/Santiago"),
        timezone(timedelta(hours=6)),
        timezone(timedelta(hours=-3, minutes=-30)),
    ]
)
# 2024 is outside the Xinjiang data and 2027 outside everything: errors must match too
HOT_INSTANTS = st.builds(
    lambda t, fold: t.replace(fold=fold),
    st.datetimes(
        min_value=datetime(2023, 12, 25), max_value=datetime(2027, 1, 5), timezones=HOT_ZONES
    ),
    st.integers(0, 1),
)
HOT_DURATIONS = st.one_of(
    DURATIONS,
    st.sampled_from([timedelta(0), timedelta(microseconds=1), -timedelta(hours=1)]),
    # beyond the table: it grows (weekdays) or the answer leaves the coverage (2027)
    st.integers(min_value=0, max_value=800).map(lambda d: timedelta(days=d)),
)


def outcome(fn: object, *args: object, **kwargs: object) -> tuple[object, ...]:
    """What a call gives, comparable field by field: wall time, offset, fold and tzinfo object,
    or the error's type and message."""
    try:
        r = fn(*args, **kwargs)  # type: ignore[operator]
    except Exception as e:  # the point is to compare whatever happens
        return (type(e), str(e))
    if isinstance(r, datetime):
        return (r.isoformat(), r.fold, id(r.tzinfo))
    return (r,)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(HOT),
    HOT_INSTANTS,
    HOT_DURATIONS,
    st.integers(min_value=1, max_value=30),
    st.sampled_from(["midnight", "close_of_business"]),
)
def test_hot_paths_equal_the_general_path(
    cal: BusinessCalendar, t: datetime, d: timedelta, n: int, day_end: str
) -> None:
    twin = TWINS[id(cal)]
    for name, args, kwargs in (
        ("classify", (t,), {}),
        ("add_working_hours", (t, d), {}),
        ("add_working_days", (t, n), {"day_end": day_end}),
    ):
        assert outcome(getattr(cal, name), *args, **kwargs) == outcome(
            getattr(twin, name), *args, **kwargs
        ), name
    assert cal.assumptions == twin.assumptions
    # add_clock needs no table; its general path is the two astimezone calls
    expected = outcome(lambda: (t.astimezone(UTC) + d).astimezone(cal.tz))
    if expected[0] is OverflowError:
        expected = (CalendarError, "result is outside the supported dates")
    assert outcome(cal.add_clock, t, d) == expected


def test_hot_paths_equal_the_general_path_around_zone_changes() -> None:
    # Each calendar on a grid of instants (every 37 min 13 s, in UTC and in its zone) around
    # changes of UTC offset: Apia skipped 2011-12-30 (two local midnights in one UTC date),
    # Santiago changes at 24:00, Lord Howe by 30 minutes, New York inside a window.
    cases = [
        ("Pacific/Apia", ACROSS_MIDNIGHT, datetime(2011, 12, 27, tzinfo=UTC), 6),
        ("Pacific/Apia", WorkingHours(), datetime(2011, 9, 22, tzinfo=UTC), 4),
        ("America/Santiago", ACROSS_MIDNIGHT, datetime(2025, 9, 4, tzinfo=UTC), 5),
        ("America/Santiago", ACROSS_MIDNIGHT, datetime(2025, 4, 3, tzinfo=UTC), 5),
        ("Australia/Lord_Howe", ACROSS_MIDNIGHT, datetime(2025, 4, 4, tzinfo=UTC), 4),
        ("America/New_York", ACROSS_MIDNIGHT, datetime(2025, 10, 31, tzinfo=UTC), 4),
    ]
    step = timedelta(minutes=37, seconds=13)
    for key, hours, first, n_days in cases:
        cal = BusinessCalendar(key, ("weekdays",), working_hours=hours)
        cal.add_working_hours(first, timedelta(hours=1))  # builds the table and its mirror
        twin = general_path_twin(cal)
        twin.add_working_hours(first, timedelta(hours=1))
        assert cal._fast is not None and twin._fast is None
        t = first
        while t < first + timedelta(days=n_days):
            for u in (t, t.astimezone(cal.tz)):
                for name, args in (
                    ("classify", (u,)),
                    ("add_working_hours", (u, timedelta(hours=1))),
                    ("add_working_hours", (u, timedelta(hours=26, microseconds=1))),
                    ("add_working_days", (u, 1)),
                    ("add_working_days", (u, 3)),
                ):
                    got = outcome(getattr(cal, name), *args)
                    assert got == outcome(getattr(twin, name), *args), (key, name, args)
            t += step
