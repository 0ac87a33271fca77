"""Unit tests of contract_rules.calendar: data, semantics.md §1–3 examples, boundaries, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contract_rules.calendar import (
    AVAILABLE_LAYERS,
    BusinessCalendar,
    WorkingHours,
    layer_coverage,
)
from contract_rules.errors import CalendarCoverageError, CalendarError

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
ORACLE = SHARED / "data" / "holiday-cn"
DATA = REPO / "contract_rules" / "calendars"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)

XJ = ("cn-national", "cn-xinjiang")


def at(text: str) -> datetime:
    """An aware datetime from ISO text (must carry an offset)."""
    t = datetime.fromisoformat(text)
    assert t.tzinfo is not None
    return t


def days(spec: str, year: int) -> list[date]:
    """Expand the semantics.md table notation: '01-01; 02-10..02-17' -> dates."""
    out: list[date] = []
    for part in spec.replace(",", ";").split(";"):
        part = part.strip()
        if ".." in part:
            a, b = part.split("..")
            d, e = date.fromisoformat(f"{year}-{a}"), date.fromisoformat(f"{year}-{b}")
            while d <= e:
                out.append(d)
                d += timedelta(days=1)
        else:
            out.append(date.fromisoformat(f"{year}-{part}"))
    return out


# semantics.md §2, copied verbatim: the package data must say exactly this.
SEMANTICS_NATIONAL = {
    2024: (
        "国办发明电〔2023〕7号",
        "01-01; 02-10..02-17; 04-04..04-06; 05-01..05-05; 06-08..06-10; 09-15..09-17; 10-01..10-07",
        "02-04, 02-18, 04-07, 04-28, 05-11, 09-14, 09-29, 10-12",
    ),
    2025: (
        "国办发明电〔2024〕12号",
        "01-01; 01-28..02-04; 04-04..04-06; 05-01..05-05; 05-31..06-02; 10-01..10-08",
        "01-26, 02-08, 04-27, 09-28, 10-11",
    ),
    2026: (
        "2025-11-04",
        "01-01..01-03; 02-15..02-23; 04-04..04-06; 05-01..05-05; 06-19..06-21; 09-25..09-27; "
        "10-01..10-07",
        "01-04, 02-14, 02-28, 05-09, 09-20, 10-10",
    ),
}
SEMANTICS_XINJIANG = {2025: "03-29..03-31; 06-06..06-10", 2026: "03-20..03-22; 05-27..05-31"}


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Asia/Shanghai", XJ)


@pytest.fixture(scope="module")
def national() -> BusinessCalendar:
    return BusinessCalendar("Asia/Shanghai", ("cn-national",))


def _oracle(year: int) -> dict[date, bool]:
    """holiday-cn: date -> is a working day (only the listed dates)."""
    if not ORACLE.is_dir():
        pytest.skip(f"independent oracle {ORACLE} not present (needs ../shared beside the repo)")
    raw = json.loads((ORACLE / f"{year}.json").read_text(encoding="utf-8"))
    return {date.fromisoformat(d["date"]): not d["isOffDay"] for d in raw["days"]}


def _year_days(year: int) -> list[date]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        out.append(d)
        d += timedelta(days=1)
    return out


# ---- package data ---------------------------------------------------------------------------


def test_layer_names_and_coverage() -> None:
    assert set(AVAILABLE_LAYERS) == {"cn-national", "cn-xinjiang", "weekdays"}
    assert layer_coverage("cn-national") == (2024, 2025, 2026)
    assert layer_coverage("cn-xinjiang") == (2025, 2026)
    weekdays = layer_coverage("weekdays")
    assert weekdays[0] == 1 and weekdays[-1] == 9999 and len(weekdays) == 9999


def test_unknown_layer_lists_known_names() -> None:
    for call in (lambda: layer_coverage("cn-beijing"), lambda: BusinessCalendar(layers=["cn-bj"])):
        with pytest.raises(CalendarError) as info:
            call()
        for name in AVAILABLE_LAYERS:
            assert name in str(info.value)


@pytest.mark.parametrize("name", ["cn-national", "cn-xinjiang"])
def test_data_files_are_well_formed(name: str) -> None:
    raw = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert raw["layer"] == name and raw["description"]
    for year, spec in raw["years"].items():
        assert spec["source"], f"{name} {year}: no source notice"
        off, work = set(spec["days_off"]), set(spec["working_days"])
        assert not off & work
        for d in off | work:
            assert date.fromisoformat(d).year == int(year)
        for d in work:  # adjusted working days are weekend days
            assert date.fromisoformat(d).weekday() >= 5


@pytest.mark.parametrize("year", sorted(SEMANTICS_NATIONAL))
def test_national_data_is_the_semantics_table(year: int) -> None:
    notice, off, work = SEMANTICS_NATIONAL[year]
    spec = json.loads((DATA / "cn-national.json").read_text(encoding="utf-8"))["years"][str(year)]
    assert notice in spec["source"]
    assert [date.fromisoformat(d) for d in spec["days_off"]] == days(off, year)
    assert [date.fromisoformat(d) for d in spec["working_days"]] == days(work, year)


@pytest.mark.parametrize("year", sorted(SEMANTICS_XINJIANG))
def test_xinjiang_data_is_the_semantics_text(year: int) -> None:
    spec = json.loads((DATA / "cn-xinjiang.json").read_text(encoding="utf-8"))["years"][str(year)]
    assert "174号" in spec["source"]
    assert [date.fromisoformat(d) for d in spec["days_off"]] == days(SEMANTICS_XINJIANG[year], year)
    assert spec["working_days"] == []


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_national_agrees_with_holiday_cn_both_directions(
    national: BusinessCalendar, year: int
) -> None:
    oracle = _oracle(year)
    # oracle -> ours: every listed day off / adjusted working day
    for d, working in oracle.items():
        assert national.is_working_day(d) is working, d
    # ours -> oracle: every day our data lists changes the weekday rule only where the oracle does
    spec = json.loads((DATA / "cn-national.json").read_text(encoding="utf-8"))["years"][str(year)]
    for text in spec["days_off"]:
        d = date.fromisoformat(text)
        if d.weekday() < 5:
            assert oracle.get(d) is False, f"{d}: off in our data, not in holiday-cn"
        else:  # a weekend inside a holiday run: holiday-cn may omit it, but never as working
            assert oracle.get(d, False) is False, d
    for text in spec["working_days"]:
        assert oracle.get(date.fromisoformat(text)) is True, text
    # and the whole year, day by day
    for d in _year_days(year):
        assert national.is_working_day(d) is oracle.get(d, d.weekday() < 5), d


def test_xinjiang_festivals_only_in_the_regional_calendar(
    cal: BusinessCalendar, national: BusinessCalendar
) -> None:
    for year, spec in SEMANTICS_XINJIANG.items():
        for d in days(spec, year):
            assert not cal.is_working_day(d), d
            assert national.is_working_day(d) is (d.weekday() < 5), d
    # a Xinjiang festival weekday: working nationally, not in Tacheng
    monday = at("2025-03-31T10:00+08:00")
    assert national.classify(monday) == "working_hours"
    assert cal.classify(monday) == "non_working_day"
    assert national.add_working_days(at("2025-03-28T10:00+08:00"), 1) == at(
        "2025-04-01T00:00+08:00"
    )
    assert cal.add_working_days(at("2025-03-28T10:00+08:00"), 1) == at("2025-04-02T00:00+08:00")


# ---- semantics.md §3 worked examples ---------------------------------------------------------


def test_example_payment_five_working_days(cal: BusinessCalendar) -> None:
    due = cal.add_working_days(at("2025-11-17T00:00+08:00"), 5)
    assert due == at("2025-11-25T00:00+08:00")  # 2025-11-24 24:00
    assert due.utcoffset() == timedelta(hours=8) and due.isoformat() == "2025-11-25T00:00:00+08:00"
    assert cal.add_working_days(at("2025-11-17T23:59+08:00"), 5) == due
    cob = cal.add_working_days(at("2025-11-17T00:00+08:00"), 5, day_end="close_of_business")
    assert cob == at("2025-11-24T18:00+08:00")


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2025-09-30", "2025-10-10"),  # 10-03 in the National Day holiday -> 10-09 24:00
        ("2025-09-25", "2025-09-29"),  # 09-28 is an adjusted working day (Sunday) -> 09-28 24:00
        ("2025-03-05", "2025-03-11"),  # 03-08 Saturday -> Monday 03-10 24:00
    ],
)
def test_example_three_days_art_201_203(cal: BusinessCalendar, start: str, due: str) -> None:
    assert cal.add_period(at(f"{start}T15:30+08:00"), 3, "days") == at(f"{due}T00:00+08:00")


def test_example_three_days_without_extension(cal: BusinessCalendar) -> None:
    t = at("2025-09-30T15:30+08:00")
    assert cal.add_period(t, 3, "days", extend_over_rest_days=False) == at("2025-10-04T00:00+08:00")


# ---- Civil Code periods ----------------------------------------------------------------------


def test_month_end_clamping_and_leap_day(national: BusinessCalendar) -> None:
    # Art. 202 from the start day's date: 2024-01-31 + 1 month -> 2024-02-29 (Thursday, working)
    assert national.add_period(at("2024-01-31T12:00+08:00"), 1, "months") == at(
        "2024-03-01T00:00+08:00"
    )
    # 2024-02-29 + 1 year -> 2025-02-28 (a Friday, working: Art. 203 keeps it)
    assert national.add_period(at("2024-02-29T12:00+08:00"), 1, "years") == at(
        "2025-03-01T00:00+08:00"
    )
    # clamped to 2026-02-28, a Saturday that is an adjusted working day
    assert national.add_period(at("2026-01-31T12:00+08:00"), 1, "months") == at(
        "2026-03-01T00:00+08:00"
    )
    # 2025-03-31 + 2 months -> 05-31, in the Dragon Boat holiday -> Tuesday 06-03
    assert national.add_period(at("2025-03-31T12:00+08:00"), 2, "months") == at(
        "2025-06-04T00:00+08:00"
    )


def test_year_period_ending_in_spring_festival(national: BusinessCalendar) -> None:
    # 2025-02-16 + 1 year -> 2026-02-16, Spring Festival (02-15..02-23) -> Tuesday 02-24
    assert national.add_period(at("2025-02-16T09:00+08:00"), 1, "years") == at(
        "2026-02-25T00:00+08:00"
    )


def test_count_start_day_gives_the_term(cal: BusinessCalendar, national: BusinessCalendar) -> None:
    # Term: 2024-11-18 00:00 to the end of 2025-11-17 (one year, start day counted)
    end = national.add_period(at("2024-11-18T00:00+08:00"), 1, "years", count_start_day=True)
    assert end == at("2025-11-18T00:00+08:00")
    assert cal.add_period(at("2025-03-05T10:00+08:00"), 1, "days", count_start_day=True) == at(
        "2025-03-06T00:00+08:00"
    )


def test_negative_periods_give_the_start_of_the_day(cal: BusinessCalendar) -> None:
    # Renewal window: within the three months before expiry (end of 2025-11-17) -> from 08-17
    assert cal.add_period(at("2025-11-17T18:00+08:00"), -3, "months") == at(
        "2025-08-17T00:00+08:00"
    )
    # no rest-day extension: 2025-10-04 is a holiday and stays
    assert cal.add_period(at("2025-10-07T12:00+08:00"), -3, "days") == at("2025-10-04T00:00+08:00")
    assert cal.add_period(at("2025-10-07T12:00+08:00"), -3, "days", count_start_day=True) == at(
        "2025-10-05T00:00+08:00"
    )
    assert cal.add_period(at("2026-03-31T12:00+08:00"), -1, "months") == at(
        "2026-02-28T00:00+08:00"
    )
    assert cal.add_period(at("2025-02-28T12:00+08:00"), -1, "years") == at(
        "2024-02-28T00:00+08:00"
    )  # no calendar data needed, so no coverage error for 2024


def test_close_of_business_day_end(cal: BusinessCalendar) -> None:
    due = cal.add_period(at("2025-09-30T12:00+08:00"), 3, "days", day_end="close_of_business")
    assert due == at("2025-10-09T18:00+08:00")


def test_period_argument_errors(cal: BusinessCalendar) -> None:
    t = at("2025-05-06T10:00+08:00")
    with pytest.raises(CalendarError):
        cal.add_period(t, 0, "days")
    with pytest.raises(CalendarError):
        cal.add_period(t, 1, "weeks")  # type: ignore[arg-type]
    with pytest.raises(CalendarError):
        cal.add_period(t, 1, "days", day_end="noon")  # type: ignore[arg-type]
    with pytest.raises(CalendarError):
        cal.add_working_days(t, 0)


# ---- working days ----------------------------------------------------------------------------


def test_working_days_between(cal: BusinessCalendar) -> None:
    assert cal.working_days_between(date(2025, 11, 17), date(2025, 11, 24)) == 5
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert cal.working_days_between(date(2025, 9, 26), date(2025, 9, 28)) == 1  # Sunday 28th
    assert cal.working_days_between(date(2025, 11, 24), date(2025, 11, 17)) == 0
    assert cal.working_days_between(date(2025, 11, 17), date(2025, 11, 17)) == 0
    # 2025: 261 weekdays - 18 weekday holidays + 5 adjusted working days = 248 nationally;
    # the Xinjiang festivals take 4 more weekdays (03-31, 06-06, 06-09, 06-10)
    nat = BusinessCalendar()
    assert nat.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 244
    assert sum(cal.is_working_day(d) for d in _year_days(2025)) == 244


def test_adjusted_working_days(cal: BusinessCalendar) -> None:
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday, adjusted
    assert not cal.is_working_day(date(2025, 10, 8))  # Wednesday, holiday
    assert cal.classify(at("2025-09-28T10:00+08:00")) == "working_hours"
    assert cal.classify(at("2025-10-08T10:00+08:00")) == "non_working_day"
    assert cal.is_working_day(at("2025-09-27T20:00-04:00"))  # = 09-28 08:00 in Beijing


# ---- instants and windows --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("08:59:59.999999", "outside_working_hours"),
        ("09:00:00", "working_hours"),
        ("12:00:00", "working_hours"),
        ("17:59:59", "working_hours"),
        ("17:59:59.999999", "working_hours"),
        ("18:00:00", "outside_working_hours"),
        ("00:00:00", "outside_working_hours"),
    ],
)
def test_window_boundaries(cal: BusinessCalendar, clock: str, expected: str) -> None:
    assert cal.classify(at(f"2025-11-18T{clock}+08:00")) == expected


@pytest.mark.parametrize("text", ["2025-11-18T01:00Z", "2025-11-18T07:00+06:00"])
def test_offset_does_not_matter(cal: BusinessCalendar, text: str) -> None:
    assert at(text) == at("2025-11-18T09:00+08:00")
    assert cal.classify(at(text)) == "working_hours"
    assert cal.classify(at(text) - US) == "outside_working_hours"
    # Sunday 23:30 in UTC is Monday 07:30 in Beijing: a working day, outside working hours
    assert cal.classify(at("2025-11-16T23:30Z")) == "outside_working_hours"


def test_classify_uses_the_calendar_zone(cal: BusinessCalendar) -> None:
    # Saturday 2025-11-22 23:30 in UTC-05:00 is Sunday 12:30 in Beijing
    assert cal.classify(at("2025-11-22T23:30-05:00")) == "non_working_day"
    # Friday 2025-11-21 19:00 UTC is Saturday 03:00 in Beijing
    assert cal.classify(at("2025-11-21T19:00Z")) == "non_working_day"
    # 2025-11-17T02:00Z is Monday 10:00 in Beijing
    assert cal.classify(at("2025-11-17T02:00Z")) == "working_hours"
    # a ruleset may choose Asia/Urumqi (UTC+6): 02:00Z is 08:00 there, before the window
    urumqi = BusinessCalendar("Asia/Urumqi", XJ)
    assert urumqi.classify(at("2025-11-17T02:00Z")) == "outside_working_hours"
    assert urumqi.classify(at("2025-11-17T03:00Z")) == "working_hours"


def test_add_working_hours_basics(cal: BusinessCalendar) -> None:
    t = at("2025-11-18T17:00+08:00")
    assert cal.add_working_hours(t, timedelta(0)) == t
    assert cal.add_working_hours(t, timedelta(hours=1)) == at("2025-11-18T18:00+08:00")
    assert cal.add_working_hours(t, timedelta(hours=1, microseconds=1)) == at(
        "2025-11-19T09:00:00.000001+08:00"
    )
    assert cal.add_working_hours(t, timedelta(hours=10)) == at("2025-11-19T18:00+08:00")
    # outside a window: counting starts at the next working instant
    assert cal.add_working_hours(at("2025-11-18T20:00+08:00"), timedelta(hours=1)) == at(
        "2025-11-19T10:00+08:00"
    )
    assert cal.add_working_hours(at("2025-11-22T10:00+08:00"), timedelta(hours=2)) == at(
        "2025-11-24T11:00+08:00"
    )
    # 0 returns t unchanged even outside working hours
    night = at("2025-11-18T23:00+08:00")
    assert cal.add_working_hours(night, timedelta(0)) == night
    with pytest.raises(CalendarError):
        cal.add_working_hours(t, timedelta(hours=-1))
    r = cal.add_working_hours(at("2025-11-18T09:00Z"), timedelta(hours=1))  # 17:00 Beijing
    assert r.tzinfo is cal.tz and r == at("2025-11-18T18:00+08:00")


def test_add_working_hours_over_holidays_and_year_end(national: BusinessCalendar) -> None:
    # 2025-09-30 17:00 + 2h: 1h on 09-30, then National Day until 10-08, 10-09 09:00 + 1h
    assert national.add_working_hours(at("2025-09-30T17:00+08:00"), timedelta(hours=2)) == at(
        "2025-10-09T10:00+08:00"
    )
    # 2026-01-01..03 off, 01-04 (Sunday) is an adjusted working day
    assert national.add_working_hours(at("2025-12-31T17:00+08:00"), timedelta(hours=2)) == at(
        "2026-01-04T10:00+08:00"
    )
    assert national.working_time_between(
        at("2025-12-31T00:00+08:00"), at("2026-01-05T00:00+08:00")
    ) == timedelta(hours=18)


def test_working_time_between(cal: BusinessCalendar) -> None:
    a, b = at("2025-11-21T17:00+08:00"), at("2025-11-24T10:30+08:00")
    assert cal.working_time_between(a, b) == timedelta(hours=2, minutes=30)
    assert cal.working_time_between(b, a) == timedelta(0)
    assert cal.working_time_between(a, a) == timedelta(0)


def test_next_working_instant(cal: BusinessCalendar) -> None:
    inside = at("2025-11-18T09:00+08:00")
    assert cal.next_working_instant(inside) == inside
    assert cal.next_working_instant(at("2025-11-18T18:00+08:00")) == at("2025-11-19T09:00+08:00")
    assert cal.next_working_instant(at("2025-09-30T18:00+08:00")) == at("2025-10-09T09:00+08:00")
    assert cal.next_working_instant(at("2025-11-18T00:00Z")) == at("2025-11-18T09:00+08:00")


def test_lunch_break_and_per_date_windows() -> None:
    hours = WorkingHours(
        default=((time(9), time(12)), (time(13), time(18))),
        by_weekday={4: ((time(9), time(12)),)},  # Friday mornings only
        by_date={date(2025, 11, 19): ()},  # no working time that day
    )
    c = BusinessCalendar("Asia/Shanghai", XJ, working_hours=hours)
    assert c.classify(at("2025-11-18T12:30+08:00")) == "outside_working_hours"
    assert c.classify(at("2025-11-18T13:00+08:00")) == "working_hours"
    assert c.add_working_hours(at("2025-11-18T11:00+08:00"), timedelta(hours=1)) == at(
        "2025-11-18T12:00+08:00"
    )
    assert c.add_working_hours(at("2025-11-18T11:00+08:00"), timedelta(hours=2)) == at(
        "2025-11-18T14:00+08:00"
    )
    # 17:00 Tue + 2h: 1h Tue, Wed has no windows, Thu 09:00 + 1h
    assert c.add_working_hours(at("2025-11-18T17:00+08:00"), timedelta(hours=2)) == at(
        "2025-11-20T10:00+08:00"
    )
    assert c.working_time_between(at("2025-11-21T00:00+08:00"), at("2025-11-22T00:00+08:00")) == (
        timedelta(hours=3)
    )
    assert c.add_working_days(at("2025-11-20T10:00+08:00"), 1, day_end="close_of_business") == at(
        "2025-11-21T12:00+08:00"
    )
    assert "09:00–12:00, 13:00–18:00" in c.describe()


def test_working_hours_validation() -> None:
    with pytest.raises(CalendarError):
        WorkingHours(default=((time(18), time(9)),))
    with pytest.raises(CalendarError):
        WorkingHours(default=((time(9), time(13)), (time(12), time(18))))
    with pytest.raises(CalendarError):
        WorkingHours(default=((time(9, tzinfo=UTC), time(18)),))
    with pytest.raises(CalendarError):
        WorkingHours(by_weekday={7: ()})
    full = WorkingHours(default=((time(0), time(0)),))  # 00:00-24:00
    assert full.describe() == "00:00–24:00"
    assert WorkingHours() == WorkingHours() and hash(WorkingHours()) == hash(WorkingHours())
    hours = WorkingHours(by_weekday={0: ()}, by_date={date(2025, 1, 6): ((time(10), time(11)),)})
    assert hours.windows_for(date(2025, 1, 6)) == ((time(10), time(11)),)  # by_date wins
    assert hours.windows_for(date(2025, 1, 13)) == ()
    assert hours.windows_for(date(2025, 1, 14)) == ((time(9), time(18)),)


def test_extra_days() -> None:
    c = BusinessCalendar(
        extra_days_off=[date(2025, 11, 18)],
        extra_working_days=[date(2025, 11, 22), date(2025, 11, 23)],
    )
    assert not c.is_working_day(date(2025, 11, 18))
    assert c.is_working_day(date(2025, 11, 22))
    # 19, 20, 21, 22 (Sat), 23 (Sun) -> 11-23 24:00
    assert c.add_working_days(at("2025-11-17T10:00+08:00"), 5) == at("2025-11-24T00:00+08:00")
    assert "1 extra day off; 2 extra working days" in c.describe()
    with pytest.raises(CalendarError):
        BusinessCalendar(extra_days_off=[date(2025, 1, 2)], extra_working_days=[date(2025, 1, 2)])


def test_add_clock_is_absolute() -> None:
    ny = BusinessCalendar("America/New_York", ("weekdays",))
    t = at("2025-03-08T12:00-05:00")  # the day before the spring-forward
    r = ny.add_clock(t, timedelta(hours=24))
    assert r == at("2025-03-09T13:00-04:00") and r.utcoffset() == timedelta(hours=-4)
    sh = BusinessCalendar()
    r = sh.add_clock(at("2025-09-30T20:00Z"), timedelta(hours=48))
    assert r == at("2025-10-03T04:00+08:00") and r.utcoffset() == timedelta(hours=8)
    # clock periods need no calendar data: no coverage error past 2026
    assert sh.add_clock(at("2026-12-31T23:00+08:00"), timedelta(hours=48)).year == 2027


def test_pickle_round_trip(cal: BusinessCalendar) -> None:
    import pickle

    hours = WorkingHours(by_weekday={4: ((time(9), time(12)),)})
    c = BusinessCalendar("Asia/Shanghai", XJ, working_hours=hours, fallback="weekdays")
    c.is_working_day(date(2024, 5, 6))
    copy = pickle.loads(pickle.dumps(c))
    assert copy.working_hours == hours and copy.assumptions == c.assumptions
    t = at("2025-11-20T17:00+08:00")
    assert copy.add_working_hours(t, timedelta(hours=3)) == c.add_working_hours(
        t, timedelta(hours=3)
    )
    assert pickle.loads(pickle.dumps(cal)).describe() == cal.describe()


def test_describe(cal: BusinessCalendar) -> None:
    assert (
        cal.describe()
        == "national + Xinjiang (cn-national, cn-xinjiang), Asia/Shanghai, 09:00–18:00"
    )
    assert BusinessCalendar().describe() == "national (cn-national), Asia/Shanghai, 09:00–18:00"


# ---- errors and coverage ---------------------------------------------------------------------


def test_naive_datetimes_are_rejected(cal: BusinessCalendar) -> None:
    naive = datetime(2025, 11, 18, 10)
    calls: list[Any] = [
        lambda: cal.classify(naive),
        lambda: cal.add_clock(naive, timedelta(hours=1)),
        lambda: cal.add_working_hours(naive, timedelta(hours=1)),
        lambda: cal.add_working_hours(naive, timedelta(0)),
        lambda: cal.add_period(naive, 3, "days"),
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.working_time_between(naive, at("2025-11-19T10:00+08:00")),
        lambda: cal.next_working_instant(naive),
    ]
    for call in calls:
        with pytest.raises(CalendarError, match="naive"):
            call()


def test_coverage_span(cal: BusinessCalendar, national: BusinessCalendar) -> None:
    assert national.coverage == (date(2024, 1, 1), date(2026, 12, 31))
    assert cal.coverage == (date(2025, 1, 1), date(2026, 12, 31))
    assert national.covers(date(2024, 1, 1)) and not national.covers(date(2023, 12, 31))
    assert not cal.covers(date(2024, 6, 1)) and cal.covers(date(2026, 12, 31))
    # first and last covered days
    assert not national.is_working_day(date(2024, 1, 1))  # New Year's Day
    assert national.is_working_day(date(2024, 1, 2))
    assert national.is_working_day(date(2026, 12, 31))  # Thursday


@pytest.mark.parametrize(
    ("layers", "day", "layer"),
    [
        (("cn-national",), date(2023, 12, 31), "cn-national"),
        (("cn-national",), date(2027, 1, 1), "cn-national"),
        (XJ, date(2024, 6, 3), "cn-xinjiang"),
        (XJ, date(2027, 3, 1), "cn-national"),
    ],
)
def test_coverage_errors_name_year_and_layer(
    layers: tuple[str, ...], day: date, layer: str
) -> None:
    c = BusinessCalendar("Asia/Shanghai", layers)
    t = datetime.combine(day, time(10), tzinfo=c.tz)
    for call in (
        lambda: c.is_working_day(day),
        lambda: c.classify(t),
        lambda: c.next_working_instant(t),
        lambda: c.add_working_hours(t, timedelta(hours=1)),
    ):
        with pytest.raises(CalendarCoverageError) as info:
            call()
        assert info.value.year == day.year and info.value.layer == layer
        assert str(day.year) in str(info.value) and layer in str(info.value)
    assert c.assumptions == []


def test_results_leaving_coverage_raise(national: BusinessCalendar) -> None:
    last = at("2026-12-30T10:00+08:00")
    assert national.add_working_days(last, 1) == at("2027-01-01T00:00+08:00")  # 12-31 24:00
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.add_working_days(last, 2)
    assert national.add_working_hours(last, timedelta(hours=17)) == at("2026-12-31T18:00+08:00")
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.add_working_hours(last, timedelta(hours=17, microseconds=1))
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.add_period(last, 2, "days")  # last day 2027-01-01
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.next_working_instant(at("2026-12-31T18:00+08:00"))
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.working_days_between(date(2026, 12, 1), date(2027, 1, 5))
    # the start day itself is never counted, so it may lie before the coverage
    assert national.add_working_days(at("2023-12-31T10:00+08:00"), 1) == at(
        "2024-01-03T00:00+08:00"
    )
    assert national.working_days_between(date(2023, 12, 31), date(2024, 1, 2)) == 1
    with pytest.raises(CalendarCoverageError, match="2023"):
        national.working_days_between(date(2023, 12, 30), date(2024, 1, 2))
    with pytest.raises(CalendarCoverageError, match="2023"):
        national.working_time_between(at("2023-12-31T10:00+08:00"), at("2024-01-02T10:00+08:00"))
    # ... and an answer that needs no calendar data is given
    assert national.add_period(last, 2, "days", extend_over_rest_days=False) == at(
        "2027-01-02T00:00+08:00"
    )


def test_fallback_is_recorded() -> None:
    c = BusinessCalendar("Asia/Shanghai", XJ, fallback="weekdays")
    assert c.assumptions == []
    assert c.is_working_day(date(2025, 6, 6)) is False  # covered, no assumption
    assert c.assumptions == []
    assert c.is_working_day(date(2024, 6, 10)) is False  # national Dragon Boat day still counts
    assert c.is_working_day(date(2024, 6, 11)) is True
    assert c.assumptions == ["2024: layer cn-xinjiang has no data; weekday rule assumed"]
    # 2027: both layers missing; the result lands on Monday 2027-01-04 (no 2027 holidays known)
    r = c.add_working_hours(at("2026-12-31T17:00+08:00"), timedelta(hours=2))
    assert r == at("2027-01-01T10:00+08:00")
    assert c.assumptions == [
        "2024: layer cn-xinjiang has no data; weekday rule assumed",
        "2027: layer cn-national has no data; weekday rule assumed",
        "2027: layer cn-xinjiang has no data; weekday rule assumed",
    ]
    c.is_working_day(date(2027, 1, 2))  # recorded once only
    assert len(c.assumptions) == 3
    # before the data: the table grows backwards; 2024-01-01 (New Year) is still known
    r = c.add_working_hours(at("2023-12-29T17:00+08:00"), timedelta(hours=2))
    assert r == at("2024-01-02T10:00+08:00")
    assert c.assumptions[-2:] == [
        "2023: layer cn-national has no data; weekday rule assumed",
        "2023: layer cn-xinjiang has no data; weekday rule assumed",
    ]
    assert c.working_days_between(date(2023, 12, 28), date(2024, 1, 3)) == 3
    assert "fallback" in c.describe()


def test_national_only_fallback() -> None:
    c = BusinessCalendar("Asia/Shanghai", XJ, fallback="national_only")
    assert c.coverage == (date(2025, 1, 1), date(2026, 12, 31))
    # the Tacheng term starts 2024-11-18: the regional layer adds nothing in 2024
    assert c.add_working_days(at("2024-11-18T00:00+08:00"), 5) == at("2024-11-26T00:00+08:00")
    assert c.is_working_day(date(2024, 10, 7)) is False  # national holidays still apply
    assert c.assumptions == ["2024: layer cn-xinjiang has no data; national schedule only"]
    # the national layer is still required
    with pytest.raises(CalendarCoverageError) as info:
        c.is_working_day(date(2027, 1, 4))
    assert info.value.layer == "cn-national" and info.value.year == 2027
    with pytest.raises(CalendarCoverageError, match="cn-national"):
        c.add_working_days(at("2026-12-30T10:00+08:00"), 2)
    with pytest.raises(CalendarCoverageError, match="cn-national"):
        c.classify(at("2023-12-29T10:00+08:00"))
    assert len(c.assumptions) == 1
    assert "national schedule only" in c.describe()
    with pytest.raises(CalendarError, match="cn-national"):
        BusinessCalendar("Asia/Shanghai", ("cn-xinjiang",), fallback="national_only")
    with pytest.raises(CalendarError, match="known fallbacks"):
        BusinessCalendar(fallback="guess")  # type: ignore[arg-type]


def test_weekdays_layer_has_no_end() -> None:
    c = BusinessCalendar("Europe/Berlin", ("weekdays",))
    assert c.coverage == (date(1, 1, 1), date(9999, 12, 31))
    assert c.is_working_day(date(2031, 1, 1))  # a Wednesday: the rule has no holidays
    assert c.add_working_days(at("2031-12-31T10:00+01:00"), 2) == at("2032-01-03T00:00+01:00")
    assert c.add_working_hours(at("1999-12-31T17:00+01:00"), timedelta(hours=2)) == at(
        "2000-01-03T10:00+01:00"
    )
    assert c.assumptions == []


# ---- time zones with DST ---------------------------------------------------------------------


def test_dst_spring_forward_day_has_23_hours() -> None:
    full = WorkingHours(default=((time(0), time(0)),))
    ny = BusinessCalendar(
        "America/New_York", ("weekdays",), working_hours=full, extra_working_days=[date(2025, 3, 9)]
    )
    day_start, next_day = at("2025-03-09T00:00-05:00"), at("2025-03-10T00:00-04:00")
    assert ny.working_time_between(day_start, next_day) == timedelta(hours=23)
    assert ny.add_working_hours(day_start, timedelta(hours=23)) == next_day
    assert ny.add_working_days(at("2025-03-08T12:00-05:00"), 1) == next_day
    nine = BusinessCalendar("America/New_York", ("weekdays",))
    assert nine.add_working_hours(at("2025-03-07T17:00-05:00"), timedelta(hours=2)) == at(
        "2025-03-10T10:00-04:00"
    )
    assert nine.classify(at("2025-03-10T13:30Z")) == "working_hours"  # 09:30 EDT
    assert nine.classify(at("2025-03-07T13:30Z")) == "outside_working_hours"  # 08:30 EST


def test_nonexistent_midnight_is_the_transition() -> None:
    # Chile springs forward at 24:00: 2025-09-07 00:00 does not exist in America/Santiago
    c = BusinessCalendar("America/Santiago", ("weekdays",))
    due = c.add_period(at("2025-09-05T10:00-04:00"), 1, "days", extend_over_rest_days=False)
    assert due == at("2025-09-07T01:00-03:00")  # = 2025-09-07T04:00Z, the end of 09-06
    assert due.utcoffset() == timedelta(hours=-3)


# ---- the scalar hot paths (see _Fast in calendar.py) -----------------------------------------
#
# Once a general-path call has built a calendar's table, classify, add_working_hours and
# add_working_days answer from a datetime mirror of it, and add_clock works without a table.
# tests/test_calendar_properties.py checks them against the general path on random inputs; these
# are the edges, written out.

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def warm(c: BusinessCalendar) -> BusinessCalendar:
    """``c`` after one general-path call, so that the next calls take the hot paths."""
    c.classify(at("2025-06-03T12:00Z"))  # a working day: builds the table
    assert c._fast is not None
    return c


def same(r: datetime, text: str, tz: ZoneInfo, fold: int = 0) -> bool:
    """``r`` is exactly the local datetime ``text`` in ``tz``: wall time, offset, fold, tzinfo."""
    return r.tzinfo is tz and r.isoformat() == text and r.fold == fold


def test_hot_path_window_edges_in_any_offset() -> None:
    c = warm(BusinessCalendar("Asia/Shanghai", ("cn-national",)))
    # the same instant (Mon 2025-03-03 17:00 Beijing) in UTC, as a fixed offset, in the zone
    for t in (
        at("2025-03-03T09:00Z"),
        at("2025-03-03T17:00+08:00"),
        datetime(2025, 3, 3, 17, tzinfo=SH),
    ):
        assert same(c.add_working_hours(t, H), "2025-03-03T18:00:00+08:00", SH)  # a window end
        assert c.classify(t) == "working_hours"
    assert same(
        c.add_working_hours(at("2025-03-03T15:00+06:00"), H), "2025-03-03T18:00:00+08:00", SH
    )
    start, end = at("2025-03-03T01:00Z"), at("2025-03-03T10:00Z")  # 09:00 and 18:00 Beijing
    assert c.classify(start) == "working_hours" and c.classify(end) == "outside_working_hours"
    assert c.classify(start - US) == "outside_working_hours"
    assert c.classify(at("2025-03-08T03:00Z")) == "non_working_day"  # a Saturday
    assert same(c.add_working_hours(start, 9 * H), "2025-03-03T18:00:00+08:00", SH)
    assert same(c.add_working_hours(start - US, US), "2025-03-03T09:00:00.000001+08:00", SH)
    assert same(c.add_working_hours(end, US), "2025-03-04T09:00:00.000001+08:00", SH)
    assert same(c.add_working_hours(end - US, US), "2025-03-03T18:00:00+08:00", SH)
    # local midnight, compared exactly: 23:59:59.999999 is still 11-17, 00:00 is 11-18
    midnight = at("2025-11-17T16:00Z")
    assert same(c.add_working_days(midnight - US, 5), "2025-11-25T00:00:00+08:00", SH)
    assert same(c.add_working_days(midnight, 5), "2025-11-26T00:00:00+08:00", SH)
    cob = c.add_working_days(midnight, 5, day_end="close_of_business")
    assert same(cob, "2025-11-25T18:00:00+08:00", SH)
    assert c.add_working_days(midnight, 5, day_end="close_of_business") is cob  # cached
    # d == 0 gives t in the zone; the errors are the general path's
    assert same(
        c.add_working_hours(at("2025-03-08T03:00Z"), timedelta(0)), "2025-03-08T11:00:00+08:00", SH
    )
    with pytest.raises(CalendarError, match="negative"):
        c.add_working_hours(start, -US)
    with pytest.raises(CalendarCoverageError, match="2027"):
        c.add_working_hours(start, timedelta.max)
    assert c.assumptions == []


def test_hot_path_table_ends() -> None:
    c = warm(BusinessCalendar("Asia/Shanghai", ("cn-national",)))  # covers 2024-2026
    lo, hi = at("2023-12-31T16:00Z"), at("2026-12-31T16:00Z")  # 2024-01-01 and 2027-01-01 00:00
    assert same(c.add_working_hours(lo, H), "2024-01-02T10:00:00+08:00", SH)  # 01-01 is off
    assert same(c.add_working_days(lo, 1), "2024-01-03T00:00:00+08:00", SH)
    assert c.classify(lo) == "non_working_day"
    # the day a working-day count starts from is never counted: 2023 data is not needed
    assert same(c.add_working_days(lo - US, 1), "2024-01-03T00:00:00+08:00", SH)
    for call in (lambda: c.add_working_hours(lo - US, H), lambda: c.classify(lo - US)):
        with pytest.raises(CalendarCoverageError, match="2023"):
            call()
    # the table's last window ends exactly at the result
    last = at("2026-12-31T09:00Z")  # Thursday 17:00
    assert same(c.add_working_hours(last, H), "2026-12-31T18:00:00+08:00", SH)
    assert same(
        c.add_working_days(at("2026-12-30T10:00+08:00"), 1), "2027-01-01T00:00:00+08:00", SH
    )
    for call in (
        lambda: c.add_working_hours(last, H + US),
        lambda: c.add_working_hours(hi, H),
        lambda: c.add_working_days(at("2026-12-30T10:00+08:00"), 2),
        lambda: c.classify(hi),
    ):
        with pytest.raises(CalendarCoverageError, match="2027"):
            call()


def test_hot_path_rejects_what_the_general_path_rejects() -> None:
    c = warm(BusinessCalendar())

    class Aware(datetime):
        pass

    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta | None:
            return None

    for bad in (datetime(2025, 3, 3, 10), datetime(2025, 3, 3, 10, tzinfo=NoOffset())):
        for call in (
            lambda bad=bad: c.classify(bad),
            lambda bad=bad: c.add_working_hours(bad, H),
            lambda bad=bad: c.add_working_days(bad, 1),
            lambda bad=bad: c.add_clock(bad, H),
        ):
            with pytest.raises(CalendarError, match="naive"):
                call()
    for other in (time(10, tzinfo=UTC), date(2025, 3, 3), "2025-03-03T10:00Z"):
        with pytest.raises(CalendarError, match="expected a timezone-aware datetime"):
            c.add_working_hours(other, H)  # type: ignore[arg-type]
    with pytest.raises(CalendarError, match="expected a timedelta"):
        c.add_working_hours(at("2025-03-03T10:00Z"), 3600)  # type: ignore[arg-type]
    # a datetime subclass, or a fold=1 wall time in a zone without DST, still gives the answer
    sub = Aware(2025, 3, 3, 9, tzinfo=UTC)
    assert same(c.add_working_hours(sub, H), "2025-03-03T18:00:00+08:00", SH)
    folded = datetime(2025, 3, 3, 17, tzinfo=SH, fold=1)
    assert same(c.add_working_hours(folded, H), "2025-03-03T18:00:00+08:00", SH)
    # add_clock overflows at the same steps as astimezone
    with pytest.raises(CalendarError, match="outside the supported dates"):
        c.add_clock(datetime(9999, 12, 31, 23, tzinfo=UTC), H)
    with pytest.raises(CalendarError, match="outside the supported dates"):
        c.add_clock(datetime(9999, 12, 31, 20, tzinfo=UTC), timedelta(0))  # 10000-01-01 local
    with pytest.raises(CalendarError, match="outside the supported dates"):
        c.add_clock(datetime(1, 1, 1, tzinfo=SH), timedelta(0))
    # as on the general path, t itself must exist in UTC, even where t + d would
    for tz in (timezone(timedelta(hours=8)), ZoneInfo("Asia/Tokyo")):
        with pytest.raises(CalendarError, match="outside the supported dates"):
            c.add_clock(datetime(1, 1, 1, tzinfo=tz), timedelta(days=2))
    for t in (at("2025-03-03T09:00Z"), at("2025-03-03T15:00+06:00"), at("2025-03-03T04:00-05:00")):
        assert same(c.add_clock(t, 2 * H), "2025-03-03T19:00:00+08:00", SH)
    with pytest.raises(CalendarError, match="outside the supported dates"):
        c.add_clock(at("2025-03-03T10:00Z"), timedelta.max)


def test_hot_path_dst_fall_back_and_spring_forward() -> None:
    # windows 00:00-03:00 on the two DST Sundays of 2025: 4 h on 11-02, 2 h on 03-09
    c = warm(
        BusinessCalendar(
            "America/New_York",
            ("weekdays",),
            working_hours=WorkingHours(default=((time(0), time(3)),)),
            extra_working_days=[date(2025, 3, 9), date(2025, 11, 2)],
        )
    )
    c.classify(at("2025-11-02T06:30Z"))  # grows nothing: 2025 is in the table
    fall = at("2025-11-02T04:00Z")  # 00:00 EDT
    assert same(c.add_working_hours(fall, 1.5 * H), "2025-11-02T01:30:00-04:00", NY)
    assert same(c.add_working_hours(fall, 2.5 * H), "2025-11-02T01:30:00-05:00", NY, fold=1)
    assert same(c.add_working_hours(fall, 4 * H), "2025-11-02T03:00:00-05:00", NY)  # window end
    second = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NY)  # the second 01:30, 06:30Z
    assert same(c.add_working_hours(second, H / 2), "2025-11-02T02:00:00-05:00", NY)
    assert c.classify(second) == "working_hours"
    assert c.classify(datetime(2025, 11, 2, 3, tzinfo=NY)) == "outside_working_hours"
    assert same(c.add_working_days(second, 1), "2025-11-04T00:00:00-05:00", NY)
    spring = at("2025-03-09T05:00Z")  # 00:00 EST
    assert same(c.add_working_hours(spring, H), "2025-03-09T01:00:00-05:00", NY)
    assert same(c.add_working_hours(spring, 2 * H), "2025-03-09T03:00:00-04:00", NY)
    assert same(c.add_working_hours(spring, 2 * H + US), "2025-03-10T00:00:00.000001-04:00", NY)
    # 02:30 does not exist that day; read with the offset before the gap it is 07:30Z, outside
    gap = datetime(2025, 3, 9, 2, 30, tzinfo=NY)
    assert c.classify(gap) == "outside_working_hours"
    assert same(c.add_working_hours(gap, H), "2025-03-10T01:00:00-04:00", NY)
    # add_clock: absolute time, in UTC or in the zone, either fold
    assert same(c.add_clock(at("2025-03-09T06:30Z"), H), "2025-03-09T03:30:00-04:00", NY)
    assert same(c.add_clock(second, H), "2025-11-02T02:30:00-05:00", NY)
    assert same(c.add_clock(second.replace(fold=0), H), "2025-11-02T01:30:00-05:00", NY, fold=1)


def test_hot_path_records_fallback_assumptions() -> None:
    c = warm(BusinessCalendar("Asia/Shanghai", XJ, fallback="national_only"))  # table 2025-2026
    assert c.add_working_hours(at("2025-01-02T09:00+08:00"), H) == at("2025-01-02T10:00+08:00")
    assert c.assumptions == []
    # a call that grows the table back to 2024 and then fails records nothing...
    with pytest.raises(CalendarCoverageError, match="2027"):
        c.add_working_days(at("2024-06-03T10:00+08:00"), 10**6)
    assert c.assumptions == [] and c._table is not None and c._table.first_year == 2024
    # ...so the hot path must record 2024 itself, only when an answer uses it
    warm(c)
    assert c.add_working_hours(at("2025-06-03T09:00+08:00"), H) == at("2025-06-03T10:00+08:00")
    assert c.add_working_days(at("2025-01-01T10:00+08:00"), 1) == at("2025-01-03T00:00+08:00")
    assert c.assumptions == []
    assert c.add_working_hours(at("2024-12-31T17:00+08:00"), 2 * H) == at("2025-01-02T10:00+08:00")
    assert c.assumptions == ["2024: layer cn-xinjiang has no data; national schedule only"]


def test_hot_path_classify_records_fallback_days() -> None:
    c = BusinessCalendar("Asia/Shanghai", XJ, fallback="national_only")
    with pytest.raises(CalendarCoverageError, match="2027"):
        c.add_working_days(at("2024-06-03T10:00+08:00"), 10**6)  # table 2024-2026, no note
    warm(c)
    assert c.assumptions == []
    assert c.classify(at("2024-12-31T10:00+08:00")) == "working_hours"
    assert c.assumptions == ["2024: layer cn-xinjiang has no data; national schedule only"]


def test_hot_path_classify_answers_a_fallback_year_once_its_assumption_is_recorded() -> None:
    """After the first answer about a fallback year has recorded its assumption, the hot path
    answers that year itself, as the general path does, for every day and time class."""
    c = BusinessCalendar("Asia/Shanghai", XJ, fallback="national_only")
    with pytest.raises(CalendarCoverageError, match="2027"):
        c.add_working_days(at("2024-06-03T10:00+08:00"), 10**6)  # table 2024-2026, no note
    warm(c)
    assert c.classify(at("2024-10-01T10:00+08:00")) == "non_working_day"  # National Day
    assert c._noted == {2024}
    general = []
    fast = []
    day = at("2024-01-01T00:00+08:00")
    for k in range(366 * 3):
        t = day + timedelta(hours=8 * k + 1)
        general.append(c._classify(t))
        fast.append(c.classify(t))
    assert fast == general
    assert {"working_hours", "outside_working_hours", "non_working_day"} == set(fast)
    assert c.assumptions == ["2024: layer cn-xinjiang has no data; national schedule only"]


def test_hot_path_after_pickling_and_for_long_tables() -> None:
    import pickle

    c = warm(BusinessCalendar("Asia/Shanghai", XJ))
    copy = pickle.loads(pickle.dumps(c))
    assert copy._fast is None
    t = at("2025-11-20T17:00Z")
    assert copy.add_working_hours(t, 3 * H) == c.add_working_hours(t, 3 * H)
    assert copy._fast is not None and copy.add_working_hours(t, 3 * H) == c.add_working_hours(
        t, 3 * H
    )
    # a table of more than 64 years gets no mirror; answers are the same
    berlin = BusinessCalendar("Europe/Berlin", ("weekdays",))
    assert berlin.add_working_days(at("1950-01-02T10:00+01:00"), 1) == at("1950-01-04T00:00+01:00")
    assert berlin._fast is not None
    assert berlin.add_working_days(at("2030-01-02T10:00+01:00"), 1) == at("2030-01-04T00:00+01:00")
    assert berlin._fast is None
    assert berlin.add_working_hours(at("2030-01-02T17:00+01:00"), 2 * H) == at(
        "2030-01-03T10:00+01:00"
    )


# ---- batch API and imports -------------------------------------------------------------------


def test_batch_matches_scalar(national: BusinessCalendar) -> None:
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    lo = (at("2024-01-01T00:00+08:00") - EPOCH) // US
    hi = (at("2026-12-01T00:00+08:00") - EPOCH) // US
    starts = rng.integers(lo, hi, 500, dtype=np.int64)
    hours = rng.integers(0, 40, 500).astype(float) + rng.random(500).round(3)
    hours[:5] = 0.0
    out = national.add_working_hours_batch(starts, hours)
    assert out.dtype == np.int64 and out.shape == starts.shape
    for s, h, r in zip(starts.tolist(), hours.tolist(), out.tolist(), strict=True):
        t = EPOCH + timedelta(microseconds=s)
        d = timedelta(microseconds=round(h * 3_600_000_000))
        assert (national.add_working_hours(t, d) - EPOCH) // US == r
    as_us = national.add_working_hours_batch(starts, np.rint(hours * 3.6e9).astype(np.int64))
    assert (as_us == out).all()
    with pytest.raises(CalendarError):
        national.add_working_hours_batch(starts, -hours - 1)
    with pytest.raises(CalendarCoverageError, match="2027"):
        national.add_working_hours_batch(np.array([hi], dtype=np.int64), np.array([400.0]))


def test_import_does_not_load_numpy_or_pandas() -> None:
    code = (
        "import sys, contract_rules.calendar as c; "
        "c.BusinessCalendar().add_working_days("
        "__import__('datetime').datetime(2025, 1, 2, tzinfo=c.ZoneInfo('Asia/Shanghai')), 3); "
        "bad = [m for m in ('numpy', 'pandas') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
