"""Aggregates in rule files: a credit whose ``claims`` collect events gives each breach the
events of its key as ``claims``, a list that ``sum``, ``count``, ``min`` and ``max`` read. Here
a late delivery's penalty is counted on the value not yet delivered at the due: partial
deliveries of the order are collected."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from _helpers import SUPPLY, in_every_mode, liability_lines, rule_data, yaml_text

from contract_rules import evaluate, load_ruleset
from contract_rules.rulefile import read_rule_text

TZ8 = "+08:00"

UNDELIVERED = (
    "round(penalty_rate * (trigger.order_value - sum(p.value for p in claims if p.at <= due))"
    " * ceil(days(lateness)), 2)"
)


def ruleset_text(amount: str = UNDELIVERED) -> str:
    data = rule_data(SUPPLY)
    data.pop("scenarios")
    data["events"]["part_delivery"] = {
        "clause": "3.1",
        "fields": {"order": "string", "value": {"type": "money", "currency": "CNY"}},
    }
    rem = data["remedies"][0]
    rem["claims"] = {"event": "part_delivery", "key": "order"}
    rem["amount"] = amount
    return yaml_text(data)


def ev(ev_id: str, kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"id": ev_id, "type": kind, "at": at + TZ8, "order": "PO-0001", **fields}


EVENTS = [
    ev("E1", "purchase_order", "2025-03-01T09:00:00", order_value="120000.00",
       delivery_date="2025-03-10", quantity=40),
    ev("P1", "part_delivery", "2025-03-05T10:00:00", value="30000.00"),
    ev("P2", "part_delivery", "2025-03-10T16:00:00", value="50000.00"),
    ev("P3", "part_delivery", "2025-03-12T09:00:00", value="40000.00"),
    ev("E2", "delivery", "2025-03-12T09:00:00", quantity=40),
]  # fmt: skip


def test_a_breach_reads_the_events_of_its_key_and_sums_them() -> None:
    """Due 2025-03-11 00:00; by then 30,000.00 + 50,000.00 = 80,000.00 was delivered (P3 came
    after the due), 40,000.00 was not. Delivered 2025-03-12 09:00: 1 d 9 h late, 2 started days:
    0.5 % x 40,000.00 x 2 = 400.00 CNY."""
    rep = evaluate(load_ruleset(ruleset_text()), EVENTS, "2025-05-01T00:00:00+08:00")
    line = rep.liability.lines[0]
    assert line.payable == Decimal("400.00")
    steps = " | ".join(line.items[0].explanation)
    assert "80,000.00 CNY" in steps, steps
    assert rep.accounting.counts()["used"] == len(EVENTS)


def test_count_min_max_of_the_collected_events() -> None:
    """count = 3 parts; min 30,000.00 and max 50,000.00: 3 x (50,000.00 - 30,000.00) x 0.5 %
    = 300.00."""
    text = ruleset_text(
        "round(penalty_rate * count(claims) * (max(claims.value) - min(claims.value)), 2)"
    )
    rep = evaluate(load_ruleset(text), EVENTS, "2025-05-01T00:00:00+08:00")
    assert rep.liability.lines[0].payable == Decimal("300.00")


def test_a_breach_without_collected_events_sums_nothing() -> None:
    """No part delivered: the whole 120,000.00 is undelivered, 2 started days: 1,200.00."""
    events = [e for e in EVENTS if e["type"] != "part_delivery"]
    rep = evaluate(load_ruleset(ruleset_text()), events, "2025-05-01T00:00:00+08:00")
    assert rep.liability.lines[0].payable == Decimal("1200.00")


def test_collected_events_are_the_same_in_batch_incremental_and_streaming() -> None:
    rs = load_ruleset(ruleset_text())
    reports = in_every_mode(rs, EVENTS, "2025-05-01T00:00:00+08:00", timedelta(days=30))
    batch, incremental, streamed = (liability_lines(r) for r in reports)
    assert batch == incremental == streamed


def test_claims_is_a_list_of_the_collected_event_type() -> None:
    findings = read_rule_text(ruleset_text("sum(claims.valu)"), "s.yaml").findings
    assert [f.code for f in findings] == ["CR402"]
    assert "did you mean 'value'" in findings[0].message
