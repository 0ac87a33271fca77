"""The engine on contracts other than Tacheng: windows, working-hour clocks, pauses, credits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import contract_rules as cr
from contract_rules.engine import evaluate

BASE = """
format: contract-rules/1
contract:
  id: general
  title: {en: general test agreement}
  language: en
  parties:
    A: {name: {en: Customer}, role: customer}
    B: {name: {en: Provider}, role: vendor}
  governing_law: PRC
  timezone: Asia/Shanghai
  term: {start: "2025-01-01", end: "2025-12-31", clause: "1"}
  fees:
    monthly_fee: {amount: "10000.00", currency: CNY, clause: "4", per: month}
  clauses: ["1", "2", "3", "4"]
calendar:
  layers: [cn-national]
  working_hours:
    default: ["09:00-12:00", "13:00-18:00"]
events:
  opened:
    fields: {ticket: string, priority: {type: string, values: [P1, P2]}}
  responded:
    fields: {ticket: string}
  status:
    fields: {ticket: string, state: {type: string, values: [waiting, working]}}
  notice:
    fields: {party: party, ref: string}
  action:
    fields: {party: party, ref: string}
spans:
  waiting_on_customer:
    start: {event: status, when: {state: waiting}}
    end: {event: status, when: {state: working}}
    key: ticket
norms:
  - id: respond
    title: {en: respond}
    clause: "2"
    text: {en: The provider responds within the working hours of the ticket's priority.}
    party: B
    trigger: {event: opened}
    key: ticket
    tiers:
      - {name: p1, when: {priority: P1}, deadline: {hours: 1}}
      - {name: p2, when: {priority: P2}, deadline: {working_hours: 4}}
    fulfilled_by: {event: responded}
    pause: [waiting_on_customer]
  - id: no_action_in_cure_period
    kind: prohibition
    title: {en: no action during the cure period}
    clause: "3"
    text: {en: No party acts within 10 days of a notice.}
    party: any
    trigger: {event: notice}
    key: ref
    deadline: {days: 10}
    violated_by: {event: action}
remedies:
  - id: credit
    kind: credit
    title: {en: service credit}
    clause: "4"
    text: {en: "5 % of the monthly fee per missed response, at most 10 % a month."}
    party: B
    norms: [respond]
    per_breach: {fee: monthly_fee, percent: "5"}
    period: month
    cap: {per: month, amount: {fee: monthly_fee, percent: "10"}}
"""

AS_OF = "2025-12-31T00:00:00+08:00"


@pytest.fixture(scope="module")
def ruleset() -> cr.Ruleset:
    return cr.load_ruleset(BASE)


def e(kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": at + "+08:00", **fields}


def test_working_hours_skip_lunch_nights_and_holidays(ruleset: cr.Ruleset) -> None:
    events = [
        e("opened", "2025-03-03T11:00:00", ticket="T1", priority="P2"),  # Mon: 11-12, 13-16
        e("opened", "2025-03-03T17:00:00", ticket="T2", priority="P2"),  # 17-18, next day 9-12
        e("opened", "2025-09-30T16:00:00", ticket="T3", priority="P2"),  # National Day after
    ]
    rep = evaluate(ruleset, events, AS_OF)
    assert rep.find("respond", "T1").due == datetime.fromisoformat("2025-03-03T16:00:00+08:00")
    assert rep.find("respond", "T2").due == datetime.fromisoformat("2025-03-04T12:00:00+08:00")
    # 09-30 16:00-18:00 is 2 h; 10-01..10-08 are days off; 10-09 09:00-11:00 the rest.
    assert rep.find("respond", "T3").due == datetime.fromisoformat("2025-10-09T11:00:00+08:00")


def test_pause_moves_the_due_by_the_working_time_paused(ruleset: cr.Ruleset) -> None:
    events = [
        e("opened", "2025-03-03T09:00:00", ticket="T", priority="P2"),
        e("status", "2025-03-03T10:00:00", ticket="T", state="waiting"),
        e("status", "2025-03-03T14:00:00", ticket="T", state="working"),  # 3 working hours
        e("responded", "2025-03-03T15:30:00", ticket="T"),
    ]
    ob = evaluate(ruleset, events, AS_OF).find("respond", "T")
    # 1 h before the pause, 3 h left after 14:00 → 17:00.
    assert ob.due == datetime.fromisoformat("2025-03-03T17:00:00+08:00")
    assert ob.status == "fulfilled"
    assert any("clock paused 3h" in step for step in ob.explanation)


def test_an_open_pause_counts_until_as_of(ruleset: cr.Ruleset) -> None:
    events = [
        e("opened", "2025-03-03T09:00:00", ticket="T", priority="P1"),
        e("status", "2025-03-03T09:30:00", ticket="T", state="waiting"),
    ]
    rep = evaluate(ruleset, events, "2025-03-03T12:00:00+08:00")
    ob = rep.find("respond", "T")
    assert (ob.status, ob.due) == ("pending", datetime.fromisoformat("2025-03-03T12:30:00+08:00"))


def test_prohibition_window(ruleset: cr.Ruleset) -> None:
    events = [
        e("notice", "2025-05-06T10:00:00", party="A", ref="N1"),
        e("action", "2025-05-10T10:00:00", party="B", ref="N1"),  # inside: violated
        e("notice", "2025-06-02T10:00:00", party="A", ref="N2"),
        e("action", "2025-06-13T10:00:00", party="B", ref="N2"),  # after 06-12 24:00: fine
        e("notice", "2025-12-25T10:00:00", party="A", ref="N3"),  # window still open
    ]
    rep = evaluate(ruleset, events, AS_OF)
    assert rep.find("no_action_in_cure_period", "N1").status == "violated"
    n2 = rep.find("no_action_in_cure_period", "N2")
    assert (n2.status, n2.due) == ("fulfilled", datetime.fromisoformat("2025-06-13T00:00:00+08:00"))
    assert rep.find("no_action_in_cure_period", "N3").status == "pending"
    reasons = [x.reason for x in rep.accounting.ignored]
    assert any("after the window" in r for r in reasons)


def test_service_credits_per_month_with_a_cap(ruleset: cr.Ruleset) -> None:
    events = [
        e("opened", f"2025-04-0{d}T10:00:00", ticket=f"A{d}", priority="P1") for d in (1, 2, 3)
    ] + [e("opened", "2025-05-06T10:00:00", ticket="M1", priority="P1")]
    lines = {ln.period_label: ln for ln in evaluate(ruleset, events, AS_OF).liability}
    april, may = lines["2025-04"], lines["2025-05"]
    assert (april.claimed, april.cap, april.payable) == (
        Decimal("1500.00"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    assert may.payable == Decimal("500.00")
    assert may.period == 5


def test_a_ruleset_with_no_instance_reports_nothing() -> None:
    minimal = cr.load_ruleset(Path(__file__).parent / "rulefiles" / "valid" / "minimal.yaml")
    rep = evaluate(minimal, [], "2025-06-01T00:00:00+08:00")
    assert rep.obligations == () and rep.counts()["pending"] == 0
