"""pendulum's ``DateTime``, ``Date`` and ``Duration`` are accepted wherever a datetime, date or
timedelta is (the evaluation instant, an event's ``at``, the calendar's calls), with the same
answers as the standard library's and plain standard-library results; the package itself never
imports pendulum."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contract_rules import load_ruleset
from contract_rules.calendar import build_calendar
from contract_rules.engine import evaluate

pendulum = pytest.importorskip("pendulum")

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "examples" / "berlin_hosting_sla.yaml"
TZ = ZoneInfo("Europe/Berlin")


def _events(at: list[datetime]) -> list[dict[str, object]]:
    kinds = ("request_opened", "request_answered", "change_done")
    return [
        {"type": kind, "at": t, "id": f"E{i}", "request": "R-0417"}
        for i, (kind, t) in enumerate(zip(kinds, at, strict=True))
    ]


def test_events_and_as_of_in_pendulum_give_the_report_of_plain_datetimes() -> None:
    """The Easter scenario of the Berlin example, once in pendulum, once in datetime."""
    rules = load_ruleset(BERLIN)
    walls = [(2025, 4, 17, 15), (2025, 4, 22, 10, 30), (2025, 4, 23, 16)]
    as_of = "2025-04-30T00:00:00+02:00"
    plain = evaluate(rules, _events([datetime(*w, tzinfo=TZ) for w in walls]), as_of)
    pend = evaluate(
        rules,
        _events([pendulum.datetime(*w, tz="Europe/Berlin") for w in walls]),
        pendulum.datetime(2025, 4, 30, tz="Europe/Berlin"),
    )
    assert pend.to_json() == plain.to_json()
    assert [o.status for o in pend.obligations] == ["fulfilled", "fulfilled"]
    for o in pend.obligations:
        assert type(o.trigger_at) is datetime and type(o.due) is datetime
    assert type(pend.as_of) is datetime
    # and the package itself does not import pendulum
    code = (
        "import sys, contract_rules\n"
        "from contract_rules.engine import evaluate\n"
        "evaluate(contract_rules.load_ruleset(sys.argv[1]), [], sys.argv[2])\n"
        "assert 'pendulum' not in sys.modules, 'pendulum imported'\n"
    )
    subprocess.run([sys.executable, "-c", code, str(BERLIN), as_of], check=True)


def test_a_pendulum_instant_in_the_repeated_hour_keeps_its_occurrence() -> None:
    """pendulum picks the second 02:30 of 26 October (fold=1, +01:00): the engine sees that
    instant, not the first; a 4-working-hour answer is due Monday 13:00."""
    rules = load_ruleset(BERLIN)
    second = pendulum.datetime(2025, 10, 26, 2, 30, tz="Europe/Berlin")
    assert second.utcoffset() == timedelta(hours=1)
    report = evaluate(
        rules,
        [{"type": "request_opened", "at": second, "id": "E1", "request": "R"}],
        pendulum.datetime(2025, 10, 26, 3, 0, tz="Europe/Berlin"),
    )
    opened = report.obligations[0].trigger_at
    assert opened.isoformat() == "2025-10-26T02:30:00+01:00"
    assert report.obligations[0].due.isoformat() == "2025-10-27T13:00:00+01:00"


def test_calendar_calls_take_pendulum_values_and_answer_in_plain_types() -> None:
    cal = build_calendar(load_ruleset(BERLIN))
    p = pendulum.datetime(2025, 4, 17, 15, tz="Europe/Berlin")
    d = datetime(2025, 4, 17, 15, tzinfo=TZ)
    four = pendulum.duration(hours=4)
    calls = [
        (cal.add_working_hours(p, four), cal.add_working_hours(d, timedelta(hours=4))),
        (cal.add_clock(p, four), cal.add_clock(d, timedelta(hours=4))),
        (cal.add_working_days(p, 2), cal.add_working_days(d, 2)),
        (cal.add_period(p, 2, "days"), cal.add_period(d, 2, "days")),
        (cal.next_working_instant(p), cal.next_working_instant(d)),
        (
            cal.working_time_between(p, pendulum.datetime(2025, 4, 22, 11, tz="Europe/Berlin")),
            cal.working_time_between(d, datetime(2025, 4, 22, 11, tzinfo=TZ)),
        ),
    ]
    for got, want in calls:
        assert got == want and type(got) is type(want)
    assert cal.add_working_hours(p, four).isoformat() == "2025-04-22T11:00:00+02:00"
    assert cal.classify(p) == cal.classify(d) == "working_hours"
    assert cal.is_working_day(pendulum.date(2025, 4, 18)) is False  # Good Friday
    assert cal.working_days_between(pendulum.date(2025, 4, 17), pendulum.date(2025, 4, 23)) == 2
    # a clock duration across the spring change: 01:30 CET + 1h is 03:30 CEST
    night = pendulum.datetime(2025, 3, 30, 1, 30, tz="Europe/Berlin")
    assert cal.add_clock(night, pendulum.duration(hours=1)).isoformat() == (
        "2025-03-30T03:30:00+02:00"
    )


def test_calendar_extra_days_may_be_pendulum_dates() -> None:
    from contract_rules.calendar import BusinessCalendar

    cal = BusinessCalendar(
        "Europe/Berlin", ["holidays:DE-BE"], extra_days_off=[pendulum.date(2025, 6, 2)]
    )
    assert cal.is_working_day(date(2025, 6, 2)) is False
