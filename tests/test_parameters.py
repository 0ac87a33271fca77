"""Contract parameters: every kind read exactly, every bad value a located finding."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules.expressions import (
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    WORKING_DAYS,
    WORKING_HOURS,
    Money,
    WorkingDays,
    WorkingHoursSpan,
    compile_expression,
    money_of,
)
from contract_rules.loader import load_yaml
from contract_rules.parameters import Parameters, read_parameters

GOOD = """\
parameters:
  annual_fee: {money: "53600.00", currency: CNY}
  monthly_charge: {money: 4000, currency: EUR}
  penalty_rate: 0.5%
  cap_rate: {percent: "10"}
  spaced: " 12.5 % "
  delivery_lead: {days: 30}
  response: {hours: 4, minutes: 30}
  half_day: {days: "0.5"}
  notice: {working_days: 3}
  fix_time: {working_hours: "7.5"}
  deliveries: 12
  deliveries_long: {integer: 12}
  threshold: {decimal: "99.9"}
  factor: 0.25
  quoted: "0.25"
  start: {date: "2025-01-01"}
  cutover: {instant: "2025-01-01T00:00:00+08:00"}
  report_title: {text: "Monthly service report"}
"""


def read(text: str, **kw: Any) -> tuple[Parameters, list[Any]]:
    doc = load_yaml(text, "c.yaml")
    assert doc.ok, doc.findings
    return read_parameters(doc.data.get("parameters"), doc, **kw)


def test_every_kind_is_read_exactly() -> None:
    params, findings = read(GOOD)
    assert findings == []
    v = params.values()
    assert v == {
        "annual_fee": Money(Decimal("53600.00"), "CNY"),
        "monthly_charge": Money(Decimal("4000"), "EUR"),
        "penalty_rate": Decimal("0.005"),
        "cap_rate": Decimal("0.10"),
        "spaced": Decimal("0.125"),
        "delivery_lead": timedelta(days=30),
        "response": timedelta(hours=4, minutes=30),
        "half_day": timedelta(hours=12),
        "notice": WorkingDays(3),
        "fix_time": WorkingHoursSpan(timedelta(hours=7, minutes=30)),
        "deliveries": Decimal(12),
        "deliveries_long": Decimal(12),
        "threshold": Decimal("99.9"),
        "factor": Decimal("0.25"),
        "quoted": Decimal("0.25"),
        "start": date(2025, 1, 1),
        "cutover": datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=8))),
        "report_title": "Monthly service report",
    }
    assert params.types() == {
        "annual_fee": money_of("CNY"),
        "monthly_charge": money_of("EUR"),
        "penalty_rate": PERCENT,
        "cap_rate": PERCENT,
        "spaced": PERCENT,
        "delivery_lead": DURATION,
        "response": DURATION,
        "half_day": DURATION,
        "notice": WORKING_DAYS,
        "fix_time": WORKING_HOURS,
        "deliveries": INTEGER,
        "deliveries_long": INTEGER,
        "threshold": NUMBER,
        "factor": NUMBER,
        "quoted": NUMBER,
        "start": DATE,
        "cutover": INSTANT,
        "report_title": TEXT,
    }
    assert list(params) == list(v)  # the order of the file
    assert params["annual_fee"].location.line == 2
    assert params["penalty_rate"].location.column == 17
    assert len(params) == 18


def test_no_value_is_a_float() -> None:
    params, _ = read(GOOD)
    for value in params.values().values():
        assert not isinstance(value, float)
        if isinstance(value, Money):
            assert type(value.amount) is Decimal


def test_parameters_feed_an_expression_vocabulary_and_its_data() -> None:
    params, _ = read(GOOD)
    c = compile_expression("round(penalty_rate * annual_fee * 4, 2)", params.types())
    assert c.expression is not None
    assert c.expression.evaluate(params.values()) == Money(Decimal("1072.00"), "CNY")
    c = compile_expression("start + notice", params.types())
    assert c.expression is not None and c.expression.needs_calendar


def test_an_absent_section_is_empty() -> None:
    params, findings = read("format: x\n")
    assert (len(params), findings) == (0, [])


BAD = [
    # (line of the YAML, code, words, column)
    ("p: {money: 53600.00, currency: CNY}", "CR105", "quote it", 12),
    ("p: {money: 1.5e3, currency: CNY}", "CR105", "quote it", 12),
    ('p: {money: "1.234", currency: CNY}', "CR104", "at most 2 after", 12),
    ('p: {money: "-5", currency: CNY}', "CR104", "not an amount", 12),
    ('p: {money: "5"}', "CR102", "needs a currency", 4),
    ('p: {money: "5", currency: cny}', "CR104", "ISO 4217", 27),
    ("p: {money: [5], currency: CNY}", "CR103", "quoted decimal", 12),
    ('p: {mony: "1", currency: CNY}', "CR101", "did you mean 'money'?", 5),
    ('p: {percent: "5", days: 3}', "CR104", "one kind", 19),
    ("p: {days: 3, currency: CNY}", "CR101", "only money", 14),
    ("p: {}", "CR102", "names its kind", 4),
    ("p: 5000%", "CR104", "from 0% to 1000%", 4),
    ("p: -1%", "CR104", "from 0% to 1000%", 4),
    ("p: {percent: yes please}", "CR103", "number of percent", 14),
    ("p: {days: -1}", "CR104", "negative", 11),
    ("p: {days: 1000000}", "CR104", "100,000 days", 4),
    ('p: {seconds: "0.0000001"}', "CR104", "microseconds", 14),
    ("p: {days: true}", "CR103", "a number", 11),
    ("p: {working_days: 1.5}", "CR104", "whole number", 19),
    ('p: {integer: "12"}', "CR103", "whole number", 14),
    ("p: {decimal: [1]}", "CR103", "decimal is a number", 14),
    ('p: {decimal: "1e400"}', "CR104", "too large", 14),
    ("p: 1234567890123456", "CR104", "too large", 4),
    ("p: 0.12345678901234", "CR104", "too precise", 4),
    ('p: {date: "2025-02-30"}', "CR104", "not a date", 11),
    ("p: {date: 20250101}", "CR104", "2025-01-01", 11),
    ('p: {instant: "2025-01-01T00:00:00"}', "CR104", "no UTC offset", 14),
    ('p: {instant: "tomorrow"}', "CR104", "not an instant", 14),
    ("p: {text: 5}", "CR103", "text is a string", 11),
    ("p: hello", "CR103", "neither a number nor a percentage", 4),
    ("p: true", "CR103", "not a parameter value", 4),
    ("p: [1, 2]", "CR103", "not a parameter value", 4),
    ("p:", "CR103", "not a parameter value", 3),
    ("Penalty: 1", "CR104", "lower-case", 1),
    ("round: 1", "CR104", "word of the expression language", 1),
    ("days: 1", "CR104", "word of the expression language", 1),
    ("working: 1", "CR104", "already a name", 1),
]


@pytest.mark.parametrize(("line", "code", "words", "column"), BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_located_findings(line: str, code: str, words: str, column: int) -> None:
    text = f"format: x\nparameters:\n  ok: 1%\n  {line}\n"
    params, findings = read(text)
    assert [f.code for f in findings] == [code], [str(f) for f in findings]
    f = findings[0]
    assert words in f.message, str(f)
    assert (f.location.file, f.location.line, f.location.column) == ("c.yaml", 4, column + 2)
    assert list(params) == ["ok"]  # a bad parameter is left out, the others are kept


def test_a_name_reserved_by_the_vocabulary() -> None:
    _, findings = read("parameters:\n  due: {days: 1}\n", reserved={"due", "trigger"})
    assert [f.code for f in findings] == ["CR104"]
    assert "already a name" in findings[0].message


def test_a_section_that_is_not_a_mapping() -> None:
    _, findings = read("parameters: [1, 2]\n")
    assert [(f.code, f.location.line, f.location.column) for f in findings] == [("CR103", 1, 13)]


def test_python_data_without_a_document() -> None:
    params, findings = read_parameters({"rate": "2%", "bad": 0.1}, source="api")
    assert params.values() == {"rate": Decimal("0.02")}
    assert [(f.code, str(f.location), f.location.path) for f in findings] == [
        ("CR103", "api:1:1", ("parameters", "bad"))
    ]
    assert "float is not exact" in findings[0].message


@given(st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False))
@settings(max_examples=200)
def test_a_percentage_is_its_decimal_hundredth_exactly(p: Decimal) -> None:
    with localcontext() as ctx:
        ctx.prec = 2  # the caller's decimal context does not matter
        params, findings = read_parameters({"rate": f"{p}%", "d": {"hours": str(p)}})
    assert findings == []
    value = params["rate"].value
    assert type(value) is Decimal
    assert value * 100 == p
    assert params["d"].value == timedelta(microseconds=int(p * 3_600_000_000))


@given(
    st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False),
    st.sampled_from(["CNY", "EUR", "USD"]),
)
@settings(max_examples=200)
def test_money_round_trips_exactly(amount: Decimal, currency: str) -> None:
    params, findings = read_parameters({"fee": {"money": str(amount), "currency": currency}})
    assert findings == []
    assert params["fee"].value == Money(amount, currency)
    assert params["fee"].type == money_of(currency)
