"""Contract expressions: grammar, types, located findings, evaluation, explanation, limits.

The worked examples of docs/expressions.md are evaluated here (a test checks that each
expression below is written in that page), and so are the failing and passing examples of the
expression codes in docs/findings.md.
"""

from __future__ import annotations

from collections import ChainMap
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules.calendar import BusinessCalendar
from contract_rules.codes import CODES, EXPRESSION_CODES
from contract_rules.expressions import (
    BOOLEAN,
    DATE,
    DURATION,
    INSTANCE_FACTS,
    INSTANT,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    ExpressionError,
    Kind,
    Limits,
    Money,
    ScalarPlace,
    Vocabulary,
    compile_expression,
    events_of,
    instance_facts,
    money_of,
    record_of,
    show,
)
from contract_rules.expressions.syntax import parse
from contract_rules.findings import Location
from contract_rules.loader import load_yaml

ROOT = Path(__file__).resolve().parents[1]
EXPRESSIONS_DOC = ROOT / "docs" / "expressions.md"
FINDINGS_DOC = ROOT / "docs" / "findings.md"
CST = timezone(timedelta(hours=8))
CNY = money_of("CNY")


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Asia/Shanghai", ("cn-national",))


def cny(text: str) -> Money:
    return Money(Decimal(text), "CNY")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)  # type: ignore[misc]


def compiled(text: str, vocab: dict[str, Any], **kw: Any) -> Any:
    c = compile_expression(text, vocab, **kw)
    assert c.findings == [], [str(f) for f in c.findings]
    assert c.expression is not None
    return c.expression


def finding(text: str, vocab: dict[str, Any], **kw: Any) -> Any:
    c = compile_expression(text, vocab, **kw)
    assert c.expression is None
    assert len(c.findings) == 1
    return c.findings[0]


# --------------------------------------------------------------------------- worked examples

GOODS = {
    "penalty_rate": PERCENT,
    "penalty_cap": PERCENT,
    "payment_term": DURATION,
    "trigger": record_of({"order_value": CNY, "delivery_date": DATE, "delivered_at": INSTANT}),
    **INSTANCE_FACTS,
}
GOODS_DEADLINE = "end_of_day(trigger.delivery_date)"
GOODS_PENALTY = (
    "round(min(penalty_rate * trigger.order_value * ceil(days(lateness)), "
    "penalty_cap * trigger.order_value), 2)"
)
GOODS_PAYMENT_DUE = "trigger.delivered_at + payment_term"

HOSTING = {
    "monthly_charge": CNY,
    "availability": PERCENT,
    "period.end": INSTANT,
    "start": record_of({"at": INSTANT, "announced_at": INSTANT}),
}
HOSTING_CREDIT = (
    "min(tier(availability, at least 99.9% -> 0%, at least 99% -> 10%, "
    "at least 95% -> 25%, otherwise -> 100%) * monthly_charge, monthly_charge)"
)
HOSTING_REPORT_DUE = "period.end - 1 day + 5 working days"
HOSTING_ANNOUNCED = "start.at - start.announced_at >= 48 hours"

COLD = {
    "low": NUMBER,
    "high": NUMBER,
    "rate_per_degree": PERCENT,
    "price_cap": PERCENT,
    "trigger": record_of({"price": CNY}),
    "readings": events_of({"celsius": NUMBER}),
}
COLD_REDUCTION = (
    "round(min(sum(ceil(max(0, r.celsius - high, low - r.celsius)) for r in readings) "
    "* rate_per_degree, price_cap) * trigger.price, 2)"
)

WORKED = [
    GOODS_DEADLINE,
    GOODS_PENALTY,
    GOODS_PAYMENT_DUE,
    HOSTING_CREDIT,
    HOSTING_REPORT_DUE,
    HOSTING_ANNOUNCED,
    COLD_REDUCTION,
]


def goods_data(delivered: datetime, cal: BusinessCalendar) -> ChainMap[str, Any]:
    due = compiled(GOODS_DEADLINE, GOODS).evaluate(
        {"trigger": {"delivery_date": date(2025, 3, 10)}}, cal
    )
    params = {
        "penalty_rate": Decimal("0.005"),
        "penalty_cap": Decimal("0.10"),
        "payment_term": timedelta(days=30),
        "trigger": {
            "order_value": cny("120000.00"),
            "delivery_date": date(2025, 3, 10),
            "delivered_at": delivered,
        },
    }
    # the facts stay lazy: a chain of mappings reads them only when the expression does
    return ChainMap(params, instance_facts(due, delivered, calendar=cal))


@pytest.mark.parametrize("text", WORKED)
def test_every_worked_example_is_written_in_the_docs(text: str) -> None:
    doc = " ".join(EXPRESSIONS_DOC.read_text(encoding="utf-8").split())
    assert text in doc


def test_goods_deadline_is_the_end_of_the_date_on_the_purchase_order(
    cal: BusinessCalendar,
) -> None:
    e = compiled(GOODS_DEADLINE, GOODS, expect=INSTANT)
    assert e.evaluate({"trigger": {"delivery_date": date(2025, 3, 10)}}, cal) == at(2025, 3, 11)


@pytest.mark.parametrize(
    ("delivered", "penalty"),
    [
        (at(2025, 3, 11), "0.00"),  # at the due instant: on time
        (at(2025, 3, 11, 0, 0, 1), "600.00"),  # one second late: a started day
        (at(2025, 3, 14, 10), "2400.00"),  # 3 days 10 hours: 4 started days
        (at(2025, 3, 31), "12000.00"),  # 20 days: 10 %, exactly the cap
        (at(2025, 4, 30), "12000.00"),  # 50 days: capped at 10 %
    ],
)
def test_goods_penalty(delivered: datetime, penalty: str, cal: BusinessCalendar) -> None:
    e = compiled(GOODS_PENALTY, GOODS, expect=CNY)
    assert e.evaluate(goods_data(delivered, cal), cal) == cny(penalty)


def test_goods_penalty_explained(cal: BusinessCalendar) -> None:
    e = compiled(GOODS_PENALTY, GOODS)
    ex = e.explain(goods_data(at(2025, 3, 14, 10), cal), cal)
    assert ex.result == cny("2400.00")
    assert ex.text == "round(2,400.00 CNY, 2) = 2,400.00 CNY"
    assert (
        "min(penalty_rate * trigger.order_value * ceil(days(lateness)), penalty_cap * "
        "trigger.order_value) = min(0.5 % × 120,000.00 CNY × 4, 10 % × 120,000.00 CNY) "
        "= 2,400.00 CNY"
    ) in ex.steps
    assert "ceil(days(lateness)) = ceil(3.4166666666…) = 4" in ex.steps
    assert dict(ex.reads) == {
        "penalty_rate": "0.5 %",
        "trigger.order_value": "120,000.00 CNY",
        "lateness": "3 d 10 h",
        "penalty_cap": "10 %",
    }
    assert ex.lines()[-1] == ex.text
    # docs/expressions.md shows these very lines
    assert "\n".join(ex.lines()) in EXPRESSIONS_DOC.read_text(encoding="utf-8")


def test_goods_payment_due(cal: BusinessCalendar) -> None:
    e = compiled(GOODS_PAYMENT_DUE, GOODS, expect=INSTANT)
    assert e.evaluate(goods_data(at(2025, 3, 14, 10), cal)) == at(2025, 4, 13, 10)


@pytest.mark.parametrize(
    ("availability", "credit"),
    [
        ("1", "0.00"),
        ("0.999", "0.00"),  # exactly at the threshold: the row applies
        ("0.9989", "400.00"),
        ("0.99", "400.00"),
        ("0.9899", "1000.00"),
        ("0.95", "1000.00"),
        ("0.9499", "4000.00"),
        ("0", "4000.00"),
    ],
)
def test_hosting_credit_tier_table(availability: str, credit: str) -> None:
    e = compiled(HOSTING_CREDIT, HOSTING, expect=CNY)
    data = {"availability": Decimal(availability), "monthly_charge": cny("4000.00")}
    assert e.evaluate(data) == cny(credit)


def test_hosting_credit_explained() -> None:
    e = compiled(HOSTING_CREDIT, HOSTING)
    ex = e.explain({"availability": Decimal("0.9985"), "monthly_charge": cny("4000.00")})
    assert ex.text == "min(10 % × 4,000.00 CNY, 4,000.00 CNY) = 400.00 CNY"
    assert any(s.endswith("= tier(99.85 %: at least 99 % → 10 %) = 10 %") for s in ex.steps)


def test_hosting_report_due_on_the_fifth_working_day(cal: BusinessCalendar) -> None:
    e = compiled(HOSTING_REPORT_DUE, HOSTING, expect=INSTANT)
    assert e.needs_calendar
    # March 2025 starts on a Saturday: its 5th working day is Friday the 7th, due by its end
    assert e.evaluate({"period.end": at(2025, 3, 1)}, cal) == at(2025, 3, 8)
    # October 2025: 1-8 are the National Day holiday, 11 (Saturday) is a working day
    assert e.evaluate({"period.end": at(2025, 10, 1)}, cal) == at(2025, 10, 15)


def test_hosting_maintenance_announced_48_hours_ahead() -> None:
    e = compiled(HOSTING_ANNOUNCED, HOSTING, expect=BOOLEAN)
    start = at(2025, 5, 10, 2)
    ok = {"start": {"at": start, "announced_at": start - timedelta(hours=48)}}
    late = {"start": {"at": start, "announced_at": start - timedelta(hours=47)}}
    assert e.evaluate(ok) is True
    assert e.evaluate(late) is False


def cold_data(*celsius: str) -> dict[str, Any]:
    return {
        "low": Decimal(2),
        "high": Decimal(8),
        "rate_per_degree": Decimal("0.01"),
        "price_cap": Decimal("0.30"),
        "trigger": {"price": cny("50000.00")},
        "readings": [{"celsius": Decimal(c)} for c in celsius],
    }


@pytest.mark.parametrize(
    ("readings", "reduction"),
    [
        ((), "0.00"),
        (("2", "8", "5.5"), "0.00"),  # the bounds are inside the range
        (("8.01",), "500.00"),  # a started degree
        (("9.2", "5", "0.5", "8.0"), "2000.00"),  # 2 + 0 + 2 + 0 started degrees
        (("25", "30"), "15000.00"),  # 17 + 22 = 39 %: capped at 30 %
    ],
)
def test_cold_chain_reduction(readings: tuple[str, ...], reduction: str) -> None:
    e = compiled(COLD_REDUCTION, COLD, expect=CNY)
    assert e.evaluate(cold_data(*readings)) == cny(reduction)


def test_cold_chain_explained() -> None:
    ex = compiled(COLD_REDUCTION, COLD).explain(cold_data("9.2", "5", "0.5"))
    assert ex.text == "round(4 % × 50,000.00 CNY, 2) = 2,000.00 CNY"
    assert dict(ex.reads) == {
        "high": "8",
        "low": "2",
        "rate_per_degree": "1 %",
        "price_cap": "30 %",
        "trigger.price": "50,000.00 CNY",
    }
    assert any(
        s.startswith("sum(ceil(max(0, r.celsius - high") and s.endswith("= 4") for s in ex.steps
    )


# --------------------------------------------------------------------------- types and values

BASIC = {
    "n": INTEGER,
    "x": NUMBER,
    "p": PERCENT,
    "m": CNY,
    "usd": money_of("USD"),
    "anym": money_of(None),
    "d": DURATION,
    "t": INSTANT,
    "day": DATE,
    "s": TEXT,
    "b": BOOLEAN,
    "ev": events_of({"amount": CNY, "qty": INTEGER, "at": INSTANT}),
}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1", Kind.INTEGER),
        ("1.5", Kind.NUMBER),
        ("0.5%", Kind.PERCENT),
        ("n * n", Kind.INTEGER),
        ("n / n", Kind.NUMBER),
        ("p * 4", Kind.PERCENT),
        ("p * m", Kind.MONEY),
        ("m / 2", Kind.MONEY),
        ("m / m", Kind.NUMBER),
        ("t - t", Kind.DURATION),
        ("t + 2 days", Kind.INSTANT),
        ("t + 2 working days", Kind.INSTANT),
        ("day + 1 working day", Kind.INSTANT),
        ("day - 3 days", Kind.DATE),
        ("days(d)", Kind.NUMBER),
        ("ceil(days(d))", Kind.INTEGER),
        ("round(x, 2)", Kind.NUMBER),
        ("round(m, 2, half_even)", Kind.MONEY),
        ("s in ['a', 'b']", Kind.BOOLEAN),
        ("if b then m else m * 2", Kind.MONEY),
        ("count(ev)", Kind.INTEGER),
        ("sum(ev.amount)", Kind.MONEY),
        ("max(e.at for e in ev if e.qty > 0)", Kind.INSTANT),
        ("money(x, 'CNY')", Kind.MONEY),
        ("amount(m)", Kind.NUMBER),
        ("local_date(t)", Kind.DATE),
        ("working_hours(t, t + 1 day)", Kind.DURATION),
    ],
)
def test_static_types(text: str, kind: Kind) -> None:
    assert compiled(text, BASIC).type.kind is kind


def test_percent_literals_are_exact_decimals() -> None:
    assert compiled("0.5%", {}).evaluate({}) == Decimal("0.005")
    assert compiled("12.5 % ", {}).evaluate({}) == Decimal("0.125")
    assert type(compiled("0.5%", {}).evaluate({})) is Decimal


def test_arithmetic_on_money_is_exact_and_unrounded() -> None:
    e = compiled("m * p * 3", BASIC)
    got = e.evaluate({"m": cny("0.01"), "p": Decimal("0.005")})
    assert got == Money(Decimal("0.00015"), "CNY")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("", "2.68"),
        (", half_up", "2.68"),
        (", half_even", "2.68"),
        (", down", "2.67"),
        (", up", "2.68"),
        (", floor", "2.67"),
        (", ceiling", "2.68"),
    ],
)
def test_rounding_modes(mode: str, expected: str) -> None:
    assert compiled(f"round(x, 2{mode})", BASIC).evaluate({"x": Decimal("2.675")}) == Decimal(
        expected
    )


def test_half_up_is_the_default_and_differs_from_half_even() -> None:
    assert compiled("round(x)", BASIC).evaluate({"x": Decimal("2.5")}) == 3
    assert compiled("round(x, 0, half_even)", BASIC).evaluate({"x": Decimal("2.5")}) == 2


def test_ceil_and_floor_count_started_and_completed_days() -> None:
    data = {"d": timedelta(days=2, seconds=1)}
    assert compiled("ceil(days(d))", BASIC).evaluate(data) == 3
    assert compiled("floor(days(d))", BASIC).evaluate(data) == 2
    assert compiled("ceil(days(d))", BASIC).evaluate({"d": timedelta(days=2)}) == 2


def test_min_and_max_over_money_and_durations() -> None:
    assert compiled("max(m, m * 2)", BASIC).evaluate({"m": cny("5")}) == cny("10")
    assert compiled("min(d, 1 day)", BASIC).evaluate({"d": timedelta(days=3)}) == timedelta(1)


def test_aggregates_over_collected_events() -> None:
    ev = [
        {"amount": cny("10.00"), "qty": 1, "at": at(2025, 1, 2)},
        {"amount": cny("2.50"), "qty": 0, "at": at(2025, 1, 1)},
        {"amount": cny("7.25"), "qty": 3, "at": at(2025, 1, 3)},
    ]
    data = {"ev": ev}
    assert compiled("sum(ev.amount)", BASIC).evaluate(data) == cny("19.75")
    assert compiled("count(ev)", BASIC).evaluate(data) == 3
    assert compiled("count(e for e in ev if e.qty > 0)", BASIC).evaluate(data) == 2
    assert compiled("sum(e.qty * 2 for e in ev)", BASIC).evaluate(data) == 8
    assert compiled("min(ev.at)", BASIC).evaluate(data) == at(2025, 1, 1)
    assert compiled("max(e.amount for e in ev if e.qty < 3)", BASIC).evaluate(data) == cny("10")
    assert compiled("sum(ev.amount)", BASIC).evaluate({"ev": []}) == cny("0")
    with pytest.raises(ExpressionError, match="no events"):
        compiled("min(ev.at)", BASIC).evaluate({"ev": []})


def test_and_or_short_circuit() -> None:
    e = compiled("b or n / 0 > 1", BASIC)
    assert e.evaluate({"b": True, "n": 1}) is True
    with pytest.raises(ExpressionError, match="division by zero"):
        e.evaluate({"b": False, "n": 1})


def test_negative_working_days_count_back_from_a_fixed_instant(cal: BusinessCalendar) -> None:
    e = compiled("t - 3 working days", BASIC)
    # 2025-12-31 is a Wednesday: 3 working days before it start on Friday the 26th
    assert e.evaluate({"t": at(2025, 12, 31)}, cal) == at(2025, 12, 26)
    # over the National Day holiday (10-01..10-08 off): 09-30, 09-29 and 09-28, a working Sunday
    assert e.evaluate({"t": at(2025, 10, 9)}, cal) == at(2025, 9, 28)
    assert compiled("t + 0 working days", BASIC).evaluate({"t": at(2025, 1, 1, 5)}, cal) == at(
        2025, 1, 1, 5
    )


def test_working_time_needs_a_calendar() -> None:
    e = compiled("t + 2 working days", BASIC)
    with pytest.raises(ExpressionError, match="calendar"):
        e.evaluate({"t": at(2025, 1, 1)})
    assert not compiled("t + 2 days", BASIC).needs_calendar


def test_instance_facts_lateness_in_clock_calendar_and_working_time(
    cal: BusinessCalendar,
) -> None:
    # due at the end of Friday 2025-03-07, performed on Tuesday 11th at 10:00
    facts = instance_facts(at(2025, 3, 8), at(2025, 3, 11, 10), at(2025, 4, 1), cal)
    assert facts["lateness"] == timedelta(days=3, hours=10)
    assert facts["late_calendar_days"] == 4
    assert facts["late_working_days"] == 2  # Monday and Tuesday: started working days
    assert facts["late_working_hours"] == timedelta(hours=10)  # 9 on Monday, 1 on Tuesday
    on_time = instance_facts(at(2025, 3, 8), at(2025, 3, 7, 12), calendar=cal)
    assert on_time["lateness"] == timedelta(0)
    assert on_time["late_working_days"] == 0
    unfinished = instance_facts(at(2025, 3, 8), as_of=at(2025, 3, 9), calendar=cal)
    assert unfinished["lateness"] == timedelta(days=1)
    assert "fulfilled_at" not in unfinished
    assert set(INSTANCE_FACTS) == set(facts)


def test_instance_facts_ask_the_calendar_only_when_read() -> None:
    facts = instance_facts(at(2025, 3, 8), at(2025, 3, 9))
    assert facts["lateness"] == timedelta(days=1)
    assert facts["late_calendar_days"] == 1
    with pytest.raises(ExpressionError, match="calendar"):
        facts["late_working_days"]


def test_record_fields_flat_names_and_vocabulary_merge() -> None:
    v = Vocabulary({"term.end": INSTANT}).merged({"order": record_of({"total": CNY})})
    assert compiled("term.end", v).names == frozenset({"term.end"})
    assert compiled("order.total * 2", v).evaluate({"order": {"total": cny("3")}}) == cny("6")


def test_show_values() -> None:
    assert show(cny("1234567.5")) == "1,234,567.50 CNY"
    assert show(Money(Decimal("0.00015"), "CNY")) == "0.00015 CNY"
    assert show(Decimal("0.005"), PERCENT) == "0.5 %"
    assert show(timedelta(days=1, hours=2, minutes=3, seconds=4)) == "1 d 2 h 3 min 4 s"
    assert show(timedelta(0)) == "0 s"
    assert show(True) == "true"


# --------------------------------------------------------------------------- located findings


def test_unknown_name_with_did_you_mean_at_its_column() -> None:
    f = finding("penalty_rate * trigger.order_valeu", GOODS)
    assert (f.code, f.name) == ("CR402", "unknown-name")
    assert "did you mean 'order_value'?" in f.message
    assert f.location.column == 24  # the field, inside the name


def test_unknown_flat_name_suggests_the_closest() -> None:
    f = finding("penalty_rat * 2", GOODS)
    assert f.code == "CR402"
    assert "did you mean 'penalty_rate'?" in f.message
    assert f.location.column == 1


def test_money_plus_date_is_a_type_finding_at_the_operator() -> None:
    f = finding("trigger.order_value + trigger.delivery_date", GOODS)
    assert (f.code, f.name) == ("CR403", "expression-type")
    assert f.message == "cannot add a date to money (CNY)"
    assert f.location.column == 21


def test_a_condition_that_is_not_boolean() -> None:
    f = finding("penalty_rate * 2", GOODS, expect=BOOLEAN)
    assert f.code == "CR403"
    assert "a condition must be true or false" in f.message
    f = finding("if lateness then 1 else 2", GOODS)
    assert f.code == "CR403" and f.location.column == 4


def test_currency_mismatch_is_cr305() -> None:
    f = finding("m + usd", BASIC)
    assert (f.code, f.location.column) == ("CR305", 3)
    assert CODES["CR305"].name == f.name


@pytest.mark.parametrize(
    ("text", "code", "column", "words"),
    [
        ("m * (2", "CR401", 7, "the expression ends"),
        ("m ** 2", "CR401", 3, "no power operator"),
        ("n % 2", "CR401", 3, "no remainder"),
        ("n = 2", "CR401", 3, "compare with =="),
        ("n < 2 < 3", "CR401", 7, "do not chain"),
        ("n & b", "CR401", 3, "and, or, not"),
        ("'open", "CR401", 1, "not closed"),
        ("", "CR401", 1, "empty"),
        ("round", "CR401", 1, "is a function"),
        ("tier(x, at least 1 -> 2)", "CR401", 24, "otherwise"),
        ("foo(1)", "CR402", 1, "unknown function"),
        ("round(x, 2, half_upp)", "CR402", 13, "did you mean 'half_up'?"),
        ("sum(e.amount for e in evs)", "CR402", 23, "did you mean 'ev'?"),
        ("n + s", "CR403", 3, "cannot add text to an integer"),
        ("t + t", "CR403", 3, "subtracted"),
        ("t < day", "CR403", 3, "start_of_day"),
        ("m > 5", "CR403", 3, "money("),
        ("s < 'a'", "CR403", 3, "not ordered"),
        ("d * 1.5", "CR403", 3, "cannot multiply"),
        ("x working days", "CR403", 3, "whole numbers"),
        ("ceil(d)", "CR403", 6, "days(d)"),
        ("sum(ev)", "CR403", 5, "needs a field"),
        ("not n", "CR403", 5, "condition"),
        ("tier(x, at least 1 -> 1, at least 2 -> 2, otherwise -> 0)", "CR405", 35, "decrease"),
        ("tier(x, at most 2 -> 1, at most 1 -> 2, otherwise -> 0)", "CR405", 33, "increase"),
    ],
)
def test_findings_point_inside_the_expression(
    text: str, code: str, column: int, words: str
) -> None:
    f = finding(text, BASIC)
    assert f.code == code, str(f)
    assert words in f.message, str(f)
    assert f.location.column == column, str(f)


def test_location_of_a_plain_scalar_adds_the_column() -> None:
    loc = Location("c.yaml", 7, 14, ("norms", 2, "amount"))
    f = finding("due + lateness + 1", GOODS, place=loc)
    assert (f.location.file, f.location.line, f.location.column) == ("c.yaml", 7, 29)
    assert f.location.path == ("norms", 2, "amount")


YAML = """\
norms:
  - id: late-delivery
    quoted: "penalty_rate * trigger.order_valeu"
    single: 'penalty_rate * trigger.order_valeu'
    escaped: "trigger.delivery_date == \\"x\\" + trigger.order_valeu"
    folded: >
      penalty_rate *
        trigger.order_valeu
    literal: |-
      penalty_rate
      * trigger.order_valeu
    plain: penalty_rate
      * trigger.order_valeu
"""


@pytest.mark.parametrize(
    ("key", "line"),
    [("quoted", 3), ("single", 4), ("escaped", 5), ("folded", 8), ("literal", 11), ("plain", 13)],
)
def test_findings_are_located_in_the_rule_file_through_the_scalar_syntax(
    key: str, line: int, parser: str
) -> None:
    doc = load_yaml(YAML, "c.yaml")
    path = ("norms", 0, key)
    text = doc.data["norms"][0][key]
    pos = doc.positions[path]
    place = ScalarPlace("c.yaml", pos[0], pos[1], YAML)
    f = finding(text, GOODS, place=place)
    assert f.code == "CR402"
    assert f.location.line == line
    assert f.location.column == YAML.splitlines()[line - 1].index("order_valeu") + 1


# --------------------------------------------------------------------------- hostile input

HOSTILE = [
    ("(" * 5000 + "1" + ")" * 5000, "CR404", "characters long"),
    ("(" * 500 + "1" + ")" * 500, "CR404", "nests deeper"),
    ("-" * 1500 + "1", "CR404", "nests deeper"),
    ("not " * 400 + "b", "CR404", "nests deeper"),
    ("1 + " * 400 + "1", "CR404", "nests deeper"),
    ("x" + " + x" * 25_000, "CR404", "100,001 characters"),
    ("10**10**10", "CR401", "no power operator"),
    ("9" * 400, "CR404", "too large"),
    ("0." + "1" * 50, "CR404", "too precise"),
    ("10000000 working days", "CR404", "at most 100,000"),
    ("__class__", "CR402", "unknown name"),
    ("__import__('os')", "CR402", "unknown function"),
    ("__import__('os').system('true')", "CR401", "found '.'"),
    ("t.__class__", "CR403", "no fields"),
    ("eval('1')", "CR402", "unknown function"),
    ("ev.__len__", "CR403", "no fields"),
    ("sum(e.__dict__ for e in ev)", "CR402", "no field '__dict__'"),
    ("[1, 2]", "CR401", "expected a value"),
    ("lambda: 1", "CR401", "unexpected character"),
    ("x if b else x", "CR401", "expected an operator"),
    ("\x00", "CR401", "unexpected character"),
]


@pytest.mark.parametrize(("text", "code", "words"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_expressions_are_located_findings(text: str, code: str, words: str) -> None:
    place = Location("h.yaml", 3, 10)
    f = finding(text, {**BASIC, "x": NUMBER}, place=place)
    assert f.code == code, str(f)
    assert words in f.message, str(f)
    assert f.location.line == 3
    assert 10 <= f.location.column <= 10 + len(text)
    spec = EXPRESSION_CODES.get(code) or CODES[code]
    assert f.name == spec.name


def test_nesting_within_the_limit_compiles_and_evaluates() -> None:
    depth = Limits().max_depth - 2
    e = compiled("(" * depth + "x" + ")" * depth, {"x": NUMBER})
    assert e.evaluate({"x": Decimal(3)}) == 3


@pytest.mark.parametrize(
    "text", ["x * x * x", "x * x * x * x * x * x * x", "1 / (x - x)", "x / 3 / x / x / x / x"]
)
def test_runaway_values_at_evaluation_are_expression_errors(text: str) -> None:
    e = compiled(text, {"x": NUMBER})
    with pytest.raises(ExpressionError) as info:
        e.evaluate({"x": Decimal(10) ** 12 if "/" not in text else Decimal(10) ** -12})
    assert info.value.expression == text


def test_data_of_the_wrong_type_is_refused_never_coerced() -> None:
    e = compiled("m * p", BASIC)
    with pytest.raises(ExpressionError, match="a float"):
        e.evaluate({"m": cny("1"), "p": 0.5})
    with pytest.raises(ExpressionError, match="money"):
        e.evaluate({"m": Decimal(1), "p": Decimal(1)})
    with pytest.raises(ExpressionError, match="should be in CNY"):
        e.evaluate({"m": Money(Decimal(1), "EUR"), "p": Decimal(1)})
    with pytest.raises(ExpressionError, match="no value for p"):
        e.evaluate({"m": cny("1")})
    with pytest.raises(ExpressionError, match="UTC offset"):
        compiled("t", BASIC).evaluate({"t": datetime(2025, 1, 1)})
    with pytest.raises(ExpressionError, match="whole number"):
        compiled("n", BASIC).evaluate({"n": Decimal("1.5")})
    with pytest.raises(ExpressionError, match="Decimal"):
        Money(0.5, "CNY")  # type: ignore[arg-type]


def test_money_of_unknown_currency_is_checked_at_evaluation() -> None:
    e = compiled("anym + m", BASIC)
    with pytest.raises(ExpressionError, match="different currencies"):
        e.evaluate({"anym": Money(Decimal(1), "EUR"), "m": cny("1")})


def test_compile_never_raises_for_non_text() -> None:
    c = compile_expression(0.5, {})  # type: ignore[arg-type]
    assert [f.code for f in c.findings] == ["CR403"]
    assert "a float" in c.findings[0].message


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False)
lateness = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))


@given(amounts, rates, lateness)
@settings(max_examples=200, deadline=None)
def test_an_amount_is_never_a_float(value: Decimal, rate: Decimal, late: timedelta) -> None:
    e = compiled(
        "rate * value * ceil(days(late))", {"rate": PERCENT, "value": CNY, "late": DURATION}
    )
    got = e.evaluate({"rate": rate, "value": cny(str(value)), "late": late})
    assert isinstance(got, Money)
    assert type(got.amount) is Decimal
    started = -(-late // timedelta(days=1))
    assert got.amount == rate * value * started  # exact: nothing rounded


@given(amounts, rates, st.integers(min_value=0, max_value=400))
@settings(max_examples=200, deadline=None)
def test_rounding_is_applied_once_where_written(value: Decimal, rate: Decimal, days: int) -> None:
    vocab = {"rate": PERCENT, "value": CNY, "n": INTEGER}
    data = {"rate": rate, "value": cny(str(value)), "n": days}
    exact = rate * value * days
    rounded = compiled("round(rate * value * n, 2)", vocab).evaluate(data)
    assert rounded.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    unrounded = compiled("rate * value * n", vocab).evaluate(data)
    assert unrounded.amount == exact
    # rounding each factor as well would be rounding more than once: the written place only
    twice = compiled("round(round(rate * value, 2) * n, 2)", vocab).evaluate(data)
    assert twice.amount == (
        (rate * value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * days
    ).quantize(Decimal("0.01"))


@given(amounts, rates, lateness)
@settings(max_examples=100, deadline=None)
def test_evaluation_is_deterministic_and_ignores_the_callers_decimal_context(
    value: Decimal, rate: Decimal, late: timedelta
) -> None:
    e = compiled(
        "round(min(rate * value * ceil(days(late)), 10% * value), 2)",
        {"rate": PERCENT, "value": CNY, "late": DURATION},
    )
    data = {"rate": rate, "value": cny(str(value)), "late": late}
    first = e.evaluate(data)
    explained = e.explain(data)
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_DOWN
        assert e.evaluate(data) == first
        assert e.explain(data) == explained
    assert explained.result == first
    assert e.evaluate(data) == first


_WORDS = ["and", "or", "not", "in", "if", "then", "else", "for", "tier", "at least"]
_WORDS += ["otherwise", "->", "days", "working days", "round", "ceil", "sum", "ev.amount", "**"]
_ALPHABET = st.sampled_from([*"abcdemnpstxy_.0123456789 ()[],+-*/<>=!%'\"→×\n", *_WORDS])


@given(st.lists(_ALPHABET, max_size=40).map("".join))
@settings(max_examples=400, deadline=None)
def test_any_text_compiles_or_gives_one_located_finding(text: str) -> None:
    c = compile_expression(text, BASIC, place=Location("f.yaml", 5, 9))
    assert (c.expression is None) == bool(c.findings)
    for f in c.findings:
        assert f.code in EXPRESSION_CODES or f.code == "CR305"
        assert f.location.line >= 5 and f.location.column >= 1


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_unicode_text_is_answered_without_an_exception(text: str) -> None:
    c = compile_expression(text, BASIC)
    assert c.ok or c.findings


@given(st.integers(min_value=1, max_value=Limits().max_depth + 10))
def test_depth_limit_is_exact(depth: int) -> None:
    text = "(" * depth + "1" + ")" * depth
    ok = compile_expression(text, {}).ok
    assert ok == (depth < Limits().max_depth)


def test_parse_keeps_offsets() -> None:
    root = parse("a + b * c")
    assert (root.op, root.start, root.end, root.at) == ("+", 0, 9, 2)
    assert (root.args[1].op, root.args[1].at) == ("*", 6)


# --------------------------------------------------------------------------- codes and their docs


def test_the_expression_codes_are_codes_of_the_rule_format() -> None:
    # docs/findings.md documents them with rule-file examples (tests/test_findings_docs.py)
    assert set(EXPRESSION_CODES) == {"CR401", "CR402", "CR403", "CR404", "CR405"}
    assert all(CODES[k] == c for k, c in EXPRESSION_CODES.items())


def test_a_calendar_error_is_an_expression_error(cal: BusinessCalendar) -> None:
    e = compiled("t + 2 working days", BASIC)
    with pytest.raises(ExpressionError, match="outside the data"):
        e.evaluate({"t": at(2150, 1, 1)}, cal)


def test_explaining_twice_gives_the_same_explanation() -> None:
    e = compiled(HOSTING_CREDIT, HOSTING)
    data = {"availability": Decimal("0.97"), "monthly_charge": cny("4000.00")}
    assert e.explain(data) == e.explain(data)
    assert e.explain(data).result == e.evaluate(data) == cny("1000.00")


def test_a_delivery_date_plus_working_days(cal: BusinessCalendar) -> None:
    vocab = {"order": record_of({"delivery_date": DATE})}
    e = compiled("order.delivery_date + 2 working days", vocab, expect=INSTANT)
    # Friday 2025-01-10: Monday 13th and Tuesday 14th, due by the end of the 14th
    assert e.evaluate({"order": {"delivery_date": date(2025, 1, 10)}}, cal) == at(2025, 1, 15)


def test_a_remedy_restricted_to_one_tier_reads_the_name_tier() -> None:
    e = compiled("tier == 'P1'", {"tier": TEXT}, expect=BOOLEAN)
    assert e.evaluate({"tier": "P1"}) is True
    assert e.evaluate({"tier": "P2"}) is False
