"""``cause.*`` in a remedy's expressions: a duty that arises from another's change of state
(``trigger: {violated: X}``) is paid for from its cause's facts and trigger, e.g. interest on
the value of the order whose late delivery created the duty."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from _helpers import SUPPLY, in_every_mode, liability_lines, read_data, rule_data, yaml_text

from contract_rules import evaluate, load_ruleset
from contract_rules.rulefile import read_rule_text

TZ8 = "+08:00"

PENALTY_DUTY = {
    "id": "penalty.payment",
    "title": {"en": "pay the penalty for a late delivery"},
    "clause": "5.1",
    "text": {"en": "The Supplier pays the penalty within 10 days after the delivery date."},
    "party": "supplier",
    "trigger": {"violated": "delivery.on_time"},
    "key": "order",
    "deadline": {"days": 10},
    "fulfilled_by": {"event": "penalty_payment"},
}
INTEREST = {
    "id": "interest.penalty",
    "kind": "credit",
    "title": {"en": "interest on an unpaid penalty"},
    "clause": "5.1",
    "text": {"en": "An unpaid penalty bears 0.5% of the order's value per started day late."},
    "party": "supplier",
    "norms": ["penalty.payment"],
    "period": "term",
    "amount": "round(penalty_rate * cause.trigger.order_value * ceil(days(cause.lateness)), 2)",
}


def ruleset_text(amount: str | None = None) -> str:
    data = rule_data(SUPPLY)
    data.pop("scenarios")
    data["events"]["penalty_payment"] = {"clause": "5.1", "fields": {"order": "string"}}
    data["norms"].append(PENALTY_DUTY)
    data["remedies"].append({**INTEREST, **({"amount": amount} if amount else {})})
    return yaml_text(data)


EVENTS: list[dict[str, Any]] = [
    {
        "id": "E1",
        "type": "purchase_order",
        "at": "2025-03-01T09:00:00" + TZ8,
        "order": "PO-0001",
        "order_value": "120000.00",
        "delivery_date": "2025-03-10",
        "quantity": 40,
    },
    {
        "id": "E2",
        "type": "delivery",
        "at": "2025-03-14T10:00:00" + TZ8,
        "order": "PO-0001",
        "quantity": 40,
    },
]


def test_a_caused_duty_is_paid_for_from_its_causes_trigger_and_lateness() -> None:
    """Due 2025-03-11 00:00, delivered 2025-03-14 10:00: 3 d 10 h late, 4 started days. The
    penalty duty arises at the miss (2025-03-11 00:00), due 10 days later, and is never paid:
    0.5 % x 120,000.00 x 4 = 2,400.00 CNY."""
    rs = load_ruleset(ruleset_text())
    rep = evaluate(rs, EVENTS, "2025-05-01T00:00:00+08:00")
    assert rep.find("penalty.payment", "PO-0001").status == "violated"
    line = next(ln for ln in rep.liability if ln.remedy == "interest.penalty")
    assert line.payable == Decimal("2400.00")
    assert "round(0.5 % × 120,000.00 CNY × 4, 2) = 2,400.00 CNY" in line.items[0].reason
    assert any("cause.trigger.order_value = 120,000.00 CNY" in s for s in line.items[0].explanation)


def test_cause_reads_the_instant_of_the_change_and_the_causes_due() -> None:
    """cause.at is the miss (2025-03-11 00:00) and cause.due the same instant: 0 days apart, so
    the amount is 0.5 % x 120,000.00 x (0 + 1) = 600.00."""
    text = ruleset_text(
        "round(penalty_rate * cause.trigger.order_value * (days(cause.at - cause.due) + 1), 2)"
    )
    rep = evaluate(load_ruleset(text), EVENTS, "2025-05-01T00:00:00+08:00")
    line = next(ln for ln in rep.liability if ln.remedy == "interest.penalty")
    assert line.payable == Decimal("600.00")


def test_cause_is_unknown_where_the_norm_arises_from_no_change() -> None:
    data = rule_data(SUPPLY)
    data["remedies"][0]["amount"] = "round(penalty_rate * cause.trigger.order_value, 2)"
    findings = read_data(data, "s.yaml").findings
    assert [f.code for f in findings] == ["CR402"]
    assert "cause" in findings[0].message


def test_cause_reads_only_the_fields_its_trigger_has() -> None:
    findings = read_rule_text(
        ruleset_text("round(penalty_rate * cause.trigger.order_valu, 2)"), "s.yaml"
    ).findings
    assert [f.code for f in findings] == ["CR402"]
    assert "did you mean 'order_value'" in findings[0].message


def test_cause_reads_the_same_in_batch_incremental_and_streaming() -> None:
    rs = load_ruleset(ruleset_text())
    # settled once no late delivery can still come (streaming's documented condition)
    reports = in_every_mode(rs, EVENTS, "2025-05-01T00:00:00+08:00", timedelta(days=60))
    batch, incremental, streamed = (liability_lines(r) for r in reports)
    assert batch == incremental == streamed
