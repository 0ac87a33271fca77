"""Money is Decimal on every path: rule files, events, arithmetic, the report and its JSON.

- No float anywhere in a report: obligations, liability lines and items, accounting.
- Every money value is a :class:`~decimal.Decimal`; JSON prints it as a string with two places.
- Evaluations run with Decimal's ``FloatOperation`` trapped: constructing a Decimal from a float
  or comparing one with a float raises, so no float can slip into a money computation.
- A float amount in an event is rejected; amounts read from JSON keep their exact digits.
- Fee and remedy amounts of rule files are Decimal; an unquoted amount is finding CR105.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, evaluate
from contract_rules.errors import EventError
from contract_rules.report import Report
from contract_rules.rulefile import read_rule_text
from contract_rules.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
SLA = ROOT / "examples" / "it_support_sla.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
MONEY_KEYS = {"amount", "claimed", "compensable", "cap", "payable"}
TWO_PLACES = re.compile(r"^-?\d+\.\d{2}$")


def no_float_context() -> decimal.Context:
    """The current context with FloatOperation trapped (Decimal(float), float comparisons)."""
    ctx = decimal.getcontext().copy()
    ctx.traps[decimal.FloatOperation] = True
    return ctx


def year_report(compiled: CompiledRuleset) -> Report:
    with decimal.localcontext(no_float_context()):
        return evaluate(compiled, EVENTS, AS_OF)


def walk(value: Any, path: str = "report") -> Iterator[tuple[str, Any]]:
    """Every value reachable from a report: dataclass fields, mappings, sequences, models."""
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        yield where, v
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            for f in dataclasses.fields(v):
                if f.name in ("explainer", "ruleset", "_by_rule_key"):
                    continue
                stack.append((f"{where}.{f.name}", getattr(v, f.name)))
        elif isinstance(v, BaseModel):
            for name in type(v).model_fields:
                stack.append((f"{where}.{name}", getattr(v, name)))
        elif isinstance(v, dict):
            stack.extend((f"{where}[{k!r}]", x) for k, x in v.items())
        elif isinstance(v, list | tuple):
            stack.extend((f"{where}[{i}]", x) for i, x in enumerate(v))


def test_no_float_anywhere_in_a_report(tacheng_compiled: CompiledRuleset) -> None:
    rep = year_report(tacheng_compiled)
    values = list(walk(rep))
    assert len(values) > 1000
    floats = [w for w, v in values if isinstance(v, float)]
    assert floats == []
    for ob in rep.obligations:
        assert not any(isinstance(x, float) for x in ob.explanation)


def test_money_values_are_decimal(tacheng_compiled: CompiledRuleset) -> None:
    rep = year_report(tacheng_compiled)
    assert rep.liability.lines, "the example year has remedy lines"
    for line in rep.liability:
        for name in ("claimed", "compensable", "payable"):
            assert type(getattr(line, name)) is Decimal, name
        assert line.cap is None or type(line.cap) is Decimal
        assert line.payable <= line.compensable <= line.claimed
        for item in line.items:
            assert type(item.amount) is Decimal
    for what in ("claimed", "compensable", "payable"):
        assert type(rep.liability.total(what=what)) is Decimal
    assert type(rep.liability.payable) is Decimal


def test_the_liability_cap_is_exact(tacheng_compiled: CompiledRuleset) -> None:
    rep = year_report(tacheng_compiled)
    (line,) = [ln for ln in rep.liability if ln.remedy == "liability.cap"]
    assert line.cap == Decimal("53600.00")
    assert line.payable == min(line.compensable, line.cap)
    assert line.compensable == sum((i.amount for i in line.items if i.compensable), Decimal("0.00"))


def test_json_prints_money_as_strings_with_two_places(tacheng_compiled: CompiledRuleset) -> None:
    doc = json.loads(year_report(tacheng_compiled).to_json())
    found = 0
    for where, v in walk(doc, "json"):
        key = where.rsplit("[", 1)[-1].strip("]'\"")
        if isinstance(v, bool):
            continue  # an item's "compensable" says yes or no; the line's is an amount
        if key in MONEY_KEYS and not where.startswith("json['obligations']"):
            assert v is None or (isinstance(v, str) and TWO_PLACES.match(v)), (where, v)
            found += v is not None
        assert not isinstance(v, float), where
    assert found > 5
    for totals in doc["liability"]["totals"].values():
        assert all(TWO_PLACES.match(x) for x in totals.values())


def test_credit_remedies_with_percentages_stay_decimal() -> None:
    """The IT-support example: service credits as a percentage of a monthly fee, capped."""
    ruleset = cr.load_ruleset(SLA)
    with decimal.localcontext(no_float_context()):
        results = run_scenarios(ruleset)
    assert results and all(r.passed for r in results), [r.mismatches for r in results]
    lines = [ln for r in results if r.report is not None for ln in r.report.liability]
    assert any(ln.kind == "credit" and ln.cap is not None for ln in lines)
    for r in results:
        assert r.report is not None
        assert not any(isinstance(v, float) for _, v in walk(r.report))


# =============================================================================== events


PAYMENT = {"type": "payment", "at": "2025-11-20T10:00:00+08:00", "currency": "CNY"}
CLAIM = {
    "type": "loss_claim",
    "at": "2025-05-20T10:00:00+08:00",
    "incident": "I",
    "currency": "CNY",
}


@pytest.mark.parametrize("template", [PAYMENT, CLAIM], ids=["payment", "loss_claim"])
@pytest.mark.parametrize("amount", [53600.0, 0.1, 1e3, float("inf"), float("nan")])
def test_a_float_amount_is_rejected(
    tacheng_compiled: CompiledRuleset, template: dict[str, Any], amount: float
) -> None:
    event = {**template, "amount": amount}
    with pytest.raises(EventError, match=r"is a float; give amounts as strings or Decimal"):
        evaluate(tacheng_compiled, [event], AS_OF)
    rep = evaluate(tacheng_compiled, [event], AS_OF, strict=False)
    assert [e.index for e in rep.accounting.rejected] == [0]


def test_amounts_from_json_keep_their_digits(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """Unquoted JSON numbers are read as Decimal: 0.10 three times is exactly 0.30, which
    binary floats do not give; the fee is met by exact sums."""
    path = tmp_path / "payments.jsonl"
    lines = [
        '{"type": "payment", "at": "2025-11-20T10:00:00+08:00", "amount": 53599.70, '
        '"currency": "CNY", "id": "P0"}',
        *(
            f'{{"type": "payment", "at": "2025-11-2{k}T10:00:00+08:00", "amount": 0.10, '
            f'"currency": "CNY", "id": "P{k}"}}'
            for k in (1, 2, 3)
        ),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert 53599.70 + 0.10 + 0.10 + 0.10 != 53600.00  # what a float would have said
    with decimal.localcontext(no_float_context()):
        ob = evaluate(tacheng_compiled, path, AS_OF).find("payment.annual_fee")
    assert ob.status == "fulfilled"
    assert ob.events == ("P0", "P1", "P2", "P3")
    assert str(ob.fulfilled_at) == "2025-11-23 10:00:00+08:00"


@pytest.mark.parametrize("amount", ["53600", 53600, Decimal("53600.00"), "53600.0", " 53600.00 "])
def test_exact_amount_forms_are_accepted(tacheng_compiled: CompiledRuleset, amount: Any) -> None:
    with decimal.localcontext(no_float_context()):
        ob = evaluate(tacheng_compiled, [{**PAYMENT, "amount": amount}], AS_OF).find(
            "payment.annual_fee"
        )
    assert ob.status == "fulfilled"


# =============================================================================== rule files


def test_fee_amounts_of_rule_files_are_decimal() -> None:
    for path in (RULES, SLA):
        ruleset = cr.load_ruleset(path)
        fees = ruleset.contract.fees
        assert fees
        for fee in fees.values():
            assert type(fee.amount) is Decimal
            assert fee.amount.as_tuple().exponent == -2  # "53600.00" keeps its two places
        for remedy in ruleset.remedies:
            for amount in (remedy.per_breach, remedy.cap.amount if remedy.cap else None):
                if amount is not None and amount.money is not None:
                    assert type(amount.money.amount) is Decimal
                if amount is not None and amount.percent is not None:
                    assert type(amount.percent) is Decimal
        assert not any(isinstance(v, float) for _, v in walk(ruleset, "ruleset"))


def test_an_unquoted_amount_is_cr105_not_a_float() -> None:
    text = RULES.read_text(encoding="utf-8").replace('amount: "53600.00"', "amount: 53600.00")
    result = read_rule_text(text)
    assert [f.code for f in result.findings] == ["CR105"]
    assert result.document is not None
    amount = result.document.data["contract"]["fees"]["annual_fee"]["amount"]
    assert type(amount) is Decimal and str(amount) == "53600.00"  # exact even so


def test_loading_and_checking_take_no_float_either() -> None:
    with decimal.localcontext(no_float_context()):
        for path in (RULES, SLA):
            assert cr.load_ruleset(path).contract.fees
