"""Time at its edges, through the engine: the end of the calendar's coverage, leap days, year
ends.

- A deadline whose computation needs a year the calendar has no data for raises
  :class:`CalendarCoverageError` naming that year and layer — never a guessed date. Clock hours
  need no calendar and are computed across the end of coverage; Civil Code days and months,
  working days, working hours and the classification of a trigger for tiers do need it.
- ``fallback: weekdays`` is the explicit opt-in that accepts such years; the report records it.
- Leap days (2024-02-29, the 29 February that 2025 lacks) and year ends (New Year holidays,
  an adjusted working Sunday) give the dates of ``docs/semantics.md``.

The calendars shipped: cn-national 2024-2026, cn-xinjiang 2025-2026.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import contract_rules as cr
from contract_rules.calendar import layer_coverage
from contract_rules.engine import CompiledRuleset, Evaluator, compile_ruleset, evaluate
from contract_rules.errors import CalendarCoverageError

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
LAST_YEAR = 2026  # the last year of cn-national in this version

TEMPLATE = """\
format: contract-rules/1
contract:
  id: edges
  title: {{en: time at its edges}}
  parties:
    A: {{name: Customer, role: customer}}
    B: {{name: Vendor, role: vendor}}
  governing_law: PRC
  timezone: Asia/Shanghai
  term: {{start: "{start}", end: "{end}", clause: "1"}}
calendar:
  layers: [{layers}]
{fallback}events:
  request: {{fields: {{ticket: string}}}}
  response: {{fields: {{ticket: string}}}}
norms:
  - id: duty
    title: {{en: answer a request}}
    clause: "2"
    text: {{en: Party B answers each request in time.}}
    party: B
    trigger: {{event: request}}
    key: ticket
    survives_term: true
{timing}
    fulfilled_by: {{event: response}}
"""

TIERS = """\
    tiers:
      - {name: day, at: [working_hours], deadline: {hours: 2}}
      - {name: night, at: [outside_working_hours, non_working_day], deadline: {hours: 48}}"""


@cache
def compiled(
    timing: str,
    start: str = "2026-01-01",
    end: str = "2026-11-30",
    layers: str = "cn-national",
    fallback: str | None = None,
) -> CompiledRuleset:
    """A one-norm ruleset; ``timing`` is a deadline mapping (``{days: 3}``) or TIERS."""
    text = TEMPLATE.format(
        start=start,
        end=end,
        layers=layers,
        fallback=f"  fallback: {fallback}\n" if fallback else "",
        timing=timing if timing == TIERS else f"    deadline: {timing}",
    )
    return compile_ruleset(cr.load_ruleset(text))


def due_of(c: CompiledRuleset, at: str) -> datetime | None:
    rep = evaluate(c, [{"type": "request", "at": at, "ticket": "T"}], "2027-12-31T00:00:00+08:00")
    return rep.find("duty", "T").due


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(TZ)


def test_the_shipped_coverage_is_what_these_tests_assume() -> None:
    assert layer_coverage("cn-national")[-1] == LAST_YEAR
    assert layer_coverage("cn-xinjiang") == (2025, 2026)


# =============================================================================== end of coverage


def test_clock_hours_need_no_calendar_across_the_end_of_coverage() -> None:
    """A request on 2026-12-31 at 20:00 (outside working hours): the 48 h tier is chosen with
    2026 data, and 48 clock hours land in 2027 without asking the calendar."""
    c = compiled(TIERS)
    rep = evaluate(
        c,
        [{"type": "request", "at": "2026-12-31T20:00:00+08:00", "ticket": "T"}],
        "2027-01-05T00:00:00+08:00",
    )
    ob = rep.find("duty", "T")
    assert (ob.tier, ob.due, ob.status) == ("night", local("2027-01-02T20:00:00+08:00"), "violated")
    assert due_of(compiled("{hours: 6}"), "2026-12-31T22:00:00+08:00") == local(
        "2027-01-01T04:00:00+08:00"
    )


CROSSING = [
    ("{days: 3}", "2026-12-30T10:00:00+08:00"),  # last day 2027-01-02: is it a rest day?
    ("{days: 1}", "2026-12-31T10:00:00+08:00"),
    ("{months: 1}", "2026-12-15T10:00:00+08:00"),
    ("{years: 1}", "2026-03-01T10:00:00+08:00"),
    ("{working_days: 5}", "2026-12-28T10:00:00+08:00"),
    ("{working_days: 1}", "2026-12-31T10:00:00+08:00"),
    ("{working_hours: 8}", "2026-12-31T17:00:00+08:00"),
    ("{days: 3}", "2027-01-04T10:00:00+08:00"),  # the trigger itself lies in 2027
    (TIERS, "2027-01-04T10:00:00+08:00"),  # which tier: a working day of 2027?
]


@pytest.mark.parametrize("timing, at", CROSSING, ids=[f"{t[:20]}@{a[:10]}" for t, a in CROSSING])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "collecting"])
def test_crossing_the_end_of_coverage_raises(timing: str, at: str, strict: bool) -> None:
    event = {"type": "request", "at": at, "ticket": "T"}
    with pytest.raises(CalendarCoverageError) as info:
        evaluate(compiled(timing), [event], "2027-12-31T00:00:00+08:00", strict=strict)
    err = info.value
    assert (err.year, err.layer) == (LAST_YEAR + 1, "cn-national")
    assert "2027" in str(err) and "'cn-national'" in str(err)
    assert "2024–2026" in str(err)


def test_the_incremental_evaluator_raises_at_the_event() -> None:
    ev = Evaluator(compiled("{working_days: 5}"))
    ev.feed({"type": "request", "at": "2026-12-01T10:00:00+08:00", "ticket": "early"})
    with pytest.raises(CalendarCoverageError, match="2027"):
        ev.feed({"type": "request", "at": "2026-12-28T10:00:00+08:00", "ticket": "late"})


def test_the_last_covered_day_still_works() -> None:
    """5 working days after 2026-12-21 (Mon): 22, 23, 24, 25, 28 → due 12-29 00:00."""
    assert due_of(compiled("{working_days: 5}"), "2026-12-21T10:00:00+08:00") == local(
        "2026-12-29T00:00:00+08:00"
    )
    # 3 days after 2026-12-28 (Mon): last day Thu 12-31, a working day → due 2027-01-01 00:00
    assert due_of(compiled("{days: 3}"), "2026-12-28T10:00:00+08:00") == local(
        "2027-01-01T00:00:00+08:00"
    )


def test_the_weekdays_fallback_is_an_explicit_and_recorded_opt_in() -> None:
    c = compiled("{working_days: 1}", fallback="weekdays")
    rep = evaluate(
        c,
        [{"type": "request", "at": "2026-12-31T10:00:00+08:00", "ticket": "T"}],
        "2027-12-31T00:00:00+08:00",
    )
    # 2027-01-01 is a Friday; with no announced schedule it is counted as a working day
    assert rep.find("duty", "T").due == local("2027-01-02T00:00:00+08:00")
    assert any("2027" in a for a in rep.assumptions), rep.assumptions


def test_tacheng_return_duty_after_the_covered_years() -> None:
    """The Tacheng rules' 7.2(d) return survives the term (7.3); 30 days from 2026-12-30 need
    2027. The national_only fallback lets the Xinjiang layer lack a year, never the national
    one."""
    c = compile_ruleset(cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml"))
    start = {
        "type": "confidential_return_request",
        "at": "2026-12-30T08:00:00+08:00",
        "party": "A",
        "ref": "C",
    }
    with pytest.raises(CalendarCoverageError) as info:
        evaluate(c, [start], "2027-06-01T00:00:00+08:00", strict=False)
    assert (info.value.year, info.value.layer) == (2027, "cn-national")
    # a request on the last evening of 2026 is out of the term: reported, no date computed
    request = {"type": "onsite_request", "at": "2026-12-31T20:00:00+08:00", "incident": "X"}
    rep = evaluate(c, [request], "2027-06-01T00:00:00+08:00")
    assert rep.accounting.counts()["ignored"] == 1
    assert "out of term" in rep.accounting.ignored[0].reason


def test_tacheng_records_the_xinjiang_fallback_for_2024() -> None:
    c = compile_ruleset(cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml"))
    request = {"type": "onsite_request", "at": "2024-11-20T10:15:00+08:00", "incident": "I"}
    rep = evaluate(c, [request], "2024-12-01T00:00:00+08:00")
    assert rep.find("onsite.response", "I").tier == "working_hours"
    assert any("2024" in a and "injiang" in a for a in rep.assumptions), rep.assumptions


# =============================================================================== leap days


LEAP = "2024-01-01", "2024-11-30"  # a term in 2024: cn-national has 2024 and 2025

LEAP_CASES = [
    # (deadline, trigger, due) — Civil Code Art. 201-203 and working days, 2024 national calendar
    ("{days: 1}", "2024-02-28T10:00:00+08:00", "2024-03-01T00:00:00+08:00"),  # Thu 02-29
    ("{days: 2}", "2024-02-28T10:00:00+08:00", "2024-03-02T00:00:00+08:00"),  # Fri 03-01
    ("{months: 1}", "2024-01-29T10:00:00+08:00", "2024-03-01T00:00:00+08:00"),  # 02-29 exists
    ("{months: 1}", "2024-01-31T10:00:00+08:00", "2024-03-01T00:00:00+08:00"),  # no 02-31
    ("{months: 1}", "2024-02-29T10:00:00+08:00", "2024-03-30T00:00:00+08:00"),  # Fri 03-29
    ("{years: 1}", "2024-02-29T10:00:00+08:00", "2025-03-01T00:00:00+08:00"),  # no 2025-02-29
    ("{working_days: 1}", "2024-02-28T10:00:00+08:00", "2024-03-01T00:00:00+08:00"),
    ("{working_days: 2}", "2024-02-29T10:00:00+08:00", "2024-03-05T00:00:00+08:00"),  # Fri, Mon
    ("{hours: 24}", "2024-02-28T12:00:00+08:00", "2024-02-29T12:00:00+08:00"),
    ("{hours: 48}", "2024-02-28T12:00:00+08:00", "2024-03-01T12:00:00+08:00"),
    ("{working_hours: 9}", "2024-02-28T18:00:00+08:00", "2024-02-29T18:00:00+08:00"),
]


@pytest.mark.parametrize(
    "deadline, at, due", LEAP_CASES, ids=[f"{d}@{a[:10]}" for d, a, _ in LEAP_CASES]
)
def test_leap_days(deadline: str, at: str, due: str) -> None:
    assert due_of(compiled(deadline, *LEAP), at) == local(due)


def test_a_request_on_the_leap_day_uses_the_working_hours_tier() -> None:
    rep = evaluate(
        compiled(TIERS, *LEAP),
        [
            {"type": "request", "at": "2024-02-29T10:00:00+08:00", "ticket": "leap"},
            {"type": "request", "at": "2024-02-29T18:00:00+08:00", "ticket": "evening"},
        ],
        "2024-12-01T00:00:00+08:00",
    )
    day, evening = rep.find("duty", "leap"), rep.find("duty", "evening")
    assert (day.tier, day.due) == ("day", local("2024-02-29T12:00:00+08:00"))
    assert (evening.tier, evening.due) == ("night", local("2024-03-02T18:00:00+08:00"))


# =============================================================================== year ends


YEAR_END = [
    # 2025-12-30 + 3 days: last day 2026-01-02 is in the New Year holiday (01-01..01-03); the
    # next day, Sun 01-04, is an adjusted working day → the period ends 01-04 24:00 (Art. 203)
    ("{days: 3}", "2025-12-30T10:00:00+08:00", "2026-01-05T00:00:00+08:00"),
    ("{days: 1}", "2025-12-31T23:59:59+08:00", "2026-01-05T00:00:00+08:00"),
    ("{days: 5}", "2025-12-30T10:00:00+08:00", "2026-01-05T00:00:00+08:00"),  # Sun 01-04
    ("{working_days: 1}", "2025-12-31T10:00:00+08:00", "2026-01-05T00:00:00+08:00"),
    ("{working_days: 2}", "2025-12-31T10:00:00+08:00", "2026-01-06T00:00:00+08:00"),
    ("{working_days: 1}", "2024-12-31T10:00:00+08:00", "2025-01-03T00:00:00+08:00"),
    ("{months: 1}", "2025-11-30T10:00:00+08:00", "2025-12-31T00:00:00+08:00"),  # Tue 12-30
    ("{months: 1}", "2025-12-01T10:00:00+08:00", "2026-01-05T00:00:00+08:00"),  # 01-01 off
    ("{years: 1}", "2025-01-01T10:00:00+08:00", "2026-01-05T00:00:00+08:00"),
    ("{hours: 6}", "2025-12-31T20:00:00+08:00", "2026-01-01T02:00:00+08:00"),
    ("{working_hours: 2}", "2025-12-31T17:00:00+08:00", "2026-01-04T10:00:00+08:00"),
]


@pytest.mark.parametrize(
    "deadline, at, due", YEAR_END, ids=[f"{d}@{a[:10]}" for d, a, _ in YEAR_END]
)
def test_year_ends(deadline: str, at: str, due: str) -> None:
    assert due_of(compiled(deadline, "2024-12-01", "2025-12-31"), at) == local(due)


def test_tacheng_return_over_new_year_2026() -> None:
    """7.2(d), surviving the term: a request on 2025-12-03; 30 days end on Fri 2026-01-02, a
    holiday; the rest ends Sat 01-03, Sun 01-04 is worked → due 01-05 00:00 (Art. 203)."""
    c = compile_ruleset(cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml"))
    events = [
        {"type": "confidential_return_request", "at": "2025-12-03T08:00:00+08:00",
         "party": "A", "ref": "F"},
        {"type": "confidential_returned", "at": "2026-01-04T23:59:59+08:00",
         "party": "B", "ref": "F"},
    ]  # fmt: skip
    ob = evaluate(c, events, "2026-02-01T00:00:00+08:00").find("confidentiality.return", "F")
    assert (ob.due, ob.status) == (local("2026-01-05T00:00:00+08:00"), "fulfilled")
