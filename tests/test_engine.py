"""Hand-computed scenarios for every clause of the Tacheng agreement, end to end."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import contract_rules as cr
from contract_rules.engine import Evaluator, evaluate
from contract_rules.errors import ContractRulesError, EventError

CST = "+08:00"


@pytest.fixture(scope="module")
def compiled(tacheng_compiled: cr.CompiledRuleset) -> cr.CompiledRuleset:
    """The Tacheng ruleset, compiled once for the session (``conftest.tacheng_compiled``)."""
    return tacheng_compiled


def at(s: str) -> str:
    return s.replace(" ", "T") + CST


def req(inc: str, when: str, **kw: Any) -> dict[str, Any]:
    return {"type": "onsite_request", "at": at(when), "incident": inc, **kw}


def ev(kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": at(when), **fields}


def dt(s: str) -> datetime:
    return datetime.fromisoformat(at(s))


# ------------------------------------------------------------------------ 3.1.3 tiers


@pytest.mark.parametrize(
    ("when", "tier", "due"),
    [
        ("2025-03-03 09:00:00", "working_hours", "2025-03-03 11:00:00"),  # Monday 09:00 inside
        ("2025-03-03 17:59:59", "working_hours", "2025-03-03 19:59:59"),
        ("2025-03-03 18:00:00", "off_hours", "2025-03-04 00:00:00"),  # 18:00 is outside
        ("2025-03-03 08:59:59", "off_hours", "2025-03-03 14:59:59"),
        ("2025-03-08 10:00:00", "off_hours", "2025-03-08 16:00:00"),  # Saturday
        ("2025-01-26 10:00:00", "working_hours", "2025-01-26 12:00:00"),  # adjusted working Sunday
        ("2025-01-29 10:00:00", "off_hours", "2025-01-29 16:00:00"),  # Spring Festival
        ("2025-03-31 10:00:00", "off_hours", "2025-03-31 16:00:00"),  # Xinjiang 肉孜节
        ("2025-06-09 10:00:00", "off_hours", "2025-06-09 16:00:00"),  # Xinjiang 古尔邦节 (Monday)
    ],
)
def test_response_tier_by_request_instant(compiled: Any, when: str, tier: str, due: str) -> None:
    rep = evaluate(compiled, [req("I", when)], as_of=at("2025-12-31 00:00:00"))
    ob = rep.find("onsite.response", "I")
    assert (ob.tier, ob.due) == (tier, dt(due))


def test_request_given_in_utc_is_classified_in_beijing_time(compiled: Any) -> None:
    # 01:30Z is 09:30 Beijing time: inside working hours.
    events = [{"type": "onsite_request", "at": "2025-03-03T01:30:00Z", "incident": "U"}]
    ob = evaluate(compiled, events, as_of=at("2025-12-31 00:00:00")).find("onsite.response", "U")
    assert ob.tier == "working_hours"
    assert ob.due == dt("2025-03-03 11:30:00")
    assert ob.due.utcoffset() == timedelta(hours=8)


def test_all_three_targets_and_best_effort_is_not_a_breach(compiled: Any) -> None:
    events = [
        req("I", "2025-03-03 10:00:00"),
        ev("response", "2025-03-03 11:00:00", incident="I"),
        ev("onsite_arrival", "2025-03-03 15:00:00", incident="I"),  # 1 h after the 4 h target
        ev("fixed", "2025-03-03 15:30:00", incident="I"),
    ]
    rep = evaluate(compiled, events, as_of=at("2025-03-04 00:00:00"))
    assert rep.find("onsite.response", "I").status == "fulfilled"
    arrival = rep.find("onsite.arrival", "I")
    assert (arrival.status, arrival.strength) == ("violated", "best_effort")
    assert rep.find("onsite.fix", "I").status == "fulfilled"
    assert rep.breaches == ()


def test_fulfilment_exactly_at_due_and_one_microsecond_later(compiled: Any) -> None:
    ok = evaluate(
        compiled,
        [req("I", "2025-03-03 10:00:00"), ev("response", "2025-03-03 12:00:00", incident="I")],
        as_of=at("2025-03-05 00:00:00"),
    ).find("onsite.response", "I")
    late = evaluate(
        compiled,
        [
            req("I", "2025-03-03 10:00:00"),
            ev("response", "2025-03-03 12:00:00.000001", incident="I"),
        ],
        as_of=at("2025-03-05 00:00:00"),
    ).find("onsite.response", "I")
    assert ok.status == "fulfilled"
    assert late.status == "violated"
    assert late.fulfilled_at == dt("2025-03-03 12:00:00.000001")


def test_pending_until_due_passes(compiled: Any) -> None:
    events = [req("I", "2025-03-03 10:00:00")]
    assert (
        evaluate(compiled, events, at("2025-03-03 12:00:00")).find("onsite.response", "I").status
        == "pending"
    )
    assert (
        evaluate(compiled, events, at("2025-03-03 12:00:01")).find("onsite.response", "I").status
        == "violated"
    )


# ------------------------------------------------------------------------ 3.2 exclusions, 8.2, 9.1


@pytest.mark.parametrize(
    ("cause", "status"),
    [
        ("data_backup_security", "excused"),
        ("natural_disaster", "excused"),
        ("human_misoperation", "excused"),
        ("power_failure", "excused"),
        ("water_or_foreign_object", "excused"),
        ("party_a_fault", "excused"),
        ("force_majeure", "excused"),
        ("other", "violated"),
    ],
)
def test_cause_determined_later_excuses_retroactively(
    compiled: Any, cause: str, status: str
) -> None:
    events = [
        req("I", "2025-03-03 10:00:00"),
        ev("cause_determined", "2025-03-10 10:00:00", incident="I", cause=cause),
    ]
    ob = evaluate(compiled, events, at("2025-03-20 00:00:00")).find("onsite.response", "I")
    assert ob.status == status
    if status == "excused":
        assert ob.reason is not None and cause in ob.reason
        assert ob.events[-1].startswith("~")  # the cause event, named by what it is


def test_excuse_does_not_hide_a_duty_met_on_time(compiled: Any) -> None:
    events = [
        req("I", "2025-03-03 10:00:00"),
        ev("response", "2025-03-03 10:30:00", incident="I"),
        ev("cause_determined", "2025-03-04 10:00:00", incident="I", cause="power_failure"),
    ]
    rep = evaluate(compiled, events, at("2025-03-20 00:00:00"))
    assert rep.find("onsite.response", "I").status == "fulfilled"
    assert rep.find("onsite.arrival", "I").status == "excused"


def test_force_majeure_span_excuses_duties_falling_due_inside(compiled: Any) -> None:
    events = [
        ev("force_majeure_start", "2025-07-01 08:00:00", party="B", ref="FM"),
        req("IN", "2025-07-01 20:00:00"),  # due 07-02 02:00, inside
        ev("force_majeure_notice", "2025-07-02 09:00:00", party="B", ref="FM"),
        ev("force_majeure_end", "2025-07-03 08:00:00", party="B", ref="FM"),
        req("OUT", "2025-07-03 10:00:00"),  # due 12:00, after the span
    ]
    rep = evaluate(compiled, events, at("2025-07-10 00:00:00"))
    inside = rep.find("onsite.response", "IN")
    assert inside.status == "excused"
    assert inside.reason is not None and "9.1" in inside.reason
    assert rep.find("onsite.response", "OUT").status == "violated"
    assert rep.find("force_majeure.notice", "FM").status == "fulfilled"


def test_force_majeure_of_party_a_does_not_excuse_party_b(compiled: Any) -> None:
    events = [
        ev("force_majeure_start", "2025-07-01 08:00:00", party="A", ref="FA"),
        req("I", "2025-07-01 20:00:00"),
    ]
    rep = evaluate(compiled, events, at("2025-07-10 00:00:00"))
    assert rep.find("onsite.response", "I").status == "violated"
    notice = rep.find("force_majeure.notice", "FA")
    assert (notice.party, notice.status) == ("A", "violated")


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2025-09-30 08:00:00", "2025-10-10 00:00:00"),  # last day in National Day → 10-09 24:00
        ("2025-09-25 08:00:00", "2025-09-29 00:00:00"),  # 09-28 is an adjusted working Sunday
        ("2025-03-05 08:00:00", "2025-03-11 00:00:00"),  # Saturday 03-08 → Monday 03-10 24:00
    ],
)
def test_force_majeure_notice_counts_civil_code_days(compiled: Any, start: str, due: str) -> None:
    rep = evaluate(
        compiled,
        [ev("force_majeure_start", start, party="B", ref="F")],
        at("2025-12-31 00:00:00"),
    )
    assert rep.find("force_majeure.notice", "F").due == dt(due)


# ------------------------------------------------------------------------ 4.2 payment


def test_payment_due_five_working_days_after_the_year(compiled: Any) -> None:
    rep = evaluate(compiled, [], at("2025-11-25 00:00:00"))
    pay = rep.find("payment.annual_fee")
    assert pay.due == dt("2025-11-25 00:00:00")  # 2025-11-24 24:00
    assert pay.status == "pending"
    assert (
        evaluate(compiled, [], at("2025-11-25 00:00:01")).find("payment.annual_fee").status
        == "violated"
    )


def test_payment_in_parts_adds_up_and_is_noted(compiled: Any) -> None:
    events = [
        ev("payment", "2024-11-20 10:00:00", amount="20000.00", currency="CNY"),
        ev("payment", "2025-11-21 10:00:00", amount="33600.00", currency="CNY"),
    ]
    pay = evaluate(compiled, events, at("2025-12-31 00:00:00")).find("payment.annual_fee")
    assert pay.status == "fulfilled"
    assert pay.fulfilled_at == dt("2025-11-21 10:00:00")
    assert any("2 parts" in n for n in pay.notes)


def test_short_payment_is_violated(compiled: Any) -> None:
    events = [ev("payment", "2025-11-21 10:00:00", amount="53599.99", currency="CNY")]
    pay = evaluate(compiled, events, at("2025-12-31 00:00:00")).find("payment.annual_fee")
    assert pay.status == "violated"
    assert any("53599.99" in n for n in pay.notes)


def test_payment_amounts_are_decimal_and_floats_are_rejected(compiled: Any) -> None:
    with pytest.raises(EventError, match="float"):
        evaluate(
            compiled,
            [ev("payment", "2025-11-21 10:00:00", amount=53600.0, currency="CNY")],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match="decimal places"):
        evaluate(
            compiled,
            [ev("payment", "2025-11-21 10:00:00", amount="1.001", currency="CNY")],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match="negative"):
        evaluate(
            compiled,
            [ev("payment", "2025-11-21 10:00:00", amount="-5", currency="CNY")],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match="not one of"):
        evaluate(
            compiled,
            [ev("payment", "2025-11-21 10:00:00", amount="5", currency="USD")],
            at("2025-12-31 00:00:00"),
        )


# ------------------------------------------------------------------------ 1 term and renewal


def test_renewal_window(compiled: Any) -> None:
    early = [ev("renewal_inquiry", "2025-08-16 23:59:59", party="B")]
    first_day = [ev("renewal_inquiry", "2025-08-17 00:00:00", party="B")]
    last = [ev("renewal_inquiry", "2025-11-17 23:59:59", party="B")]
    asof = at("2025-11-19 00:00:00")
    rep = evaluate(compiled, early, asof)
    assert rep.find("renewal.inquiry").status == "violated"
    assert "before the window" in rep.accounting.ignored[0].reason
    assert evaluate(compiled, first_day, asof).find("renewal.inquiry").status == "fulfilled"
    assert evaluate(compiled, last, asof).find("renewal.inquiry").status == "fulfilled"


def test_request_outside_the_term_is_reported_not_dropped(compiled: Any) -> None:
    rep = evaluate(
        compiled,
        [req("LATE", "2025-11-18 10:00:00"), req("EARLY", "2024-11-17 10:00:00")],
        at("2025-12-31 00:00:00"),
    )
    assert rep.select(rule="onsite.response") == []
    assert rep.accounting.counts() == {"input": 2, "used": 0, "ignored": 2, "rejected": 0}
    assert all("out of term" in e.reason for e in rep.accounting.ignored)
    assert len(rep.notes) == 2 and "outside the term" in rep.notes[0]


def test_last_instant_of_the_term_counts(compiled: Any) -> None:
    rep = evaluate(compiled, [req("I", "2025-11-17 23:59:59")], at("2025-12-31 00:00:00"))
    assert rep.find("onsite.response", "I").due == dt("2025-11-18 05:59:59")


# ------------------------------------------------------------------------ 6.2, 6.4, 7.2, 10.2


def test_service_confirmation_has_no_deadline(compiled: Any) -> None:
    events = [req("I", "2025-03-03 10:00:00"), ev("fixed", "2025-03-03 12:00:00", incident="I")]
    conf = evaluate(compiled, events, at("2026-06-01 00:00:00")).find("service.confirmation", "I")
    assert (conf.status, conf.due) == ("pending", None)
    events.append(ev("service_confirmed", "2025-04-01 10:00:00", incident="I"))
    conf = evaluate(compiled, events, at("2026-06-01 00:00:00")).find("service.confirmation", "I")
    assert conf.status == "fulfilled"


def test_unauthorized_data_change_is_a_violated_prohibition(compiled: Any) -> None:
    events = [
        ev("data_change", "2025-04-01 10:00:00", party="B", authorized=False),
        ev("data_change", "2025-04-02 10:00:00", party="B", authorized=True),
        ev("data_change", "2025-04-03 10:00:00", party="A", authorized=False),
    ]
    rep = evaluate(compiled, events, at("2025-05-01 00:00:00"))
    found = rep.select(rule="data.no_unauthorized_change")
    assert [(o.status, o.trigger_at, o.due) for o in found] == [
        ("violated", dt("2025-04-01 10:00:00"), None)
    ]
    assert rep.accounting.counts()["ignored"] == 2


def test_confidentiality_survives_the_term(compiled: Any) -> None:
    events = [
        ev("confidential_return_request", "2025-12-01 10:00:00", party="A", ref="C1"),
        ev("confidential_returned", "2025-12-31 18:00:00", party="B", ref="C1"),
    ]
    ob = evaluate(compiled, events, at("2026-02-01 00:00:00")).find("confidentiality.return", "C1")
    assert ob.party == "B"  # the receiving party
    assert ob.due == dt("2026-01-01 00:00:00")  # 30 days: 12-31 24:00 (a working Wednesday)
    assert ob.status == "fulfilled"


def test_premature_and_timely_arbitration(compiled: Any) -> None:
    events = [
        ev("negotiation_requested", "2025-06-03 10:00:00", party="A", ref="D1"),
        ev("arbitration_filed", "2025-07-03 23:00:00", party="A", ref="D1"),
        ev("negotiation_requested", "2025-06-03 10:00:00", party="B", ref="D2"),
        ev("arbitration_filed", "2025-07-04 00:00:00", party="B", ref="D2"),
    ]
    rep = evaluate(compiled, events, at("2025-08-01 00:00:00"))
    assert rep.find("dispute.negotiation_period", "D1").status == "violated"
    assert rep.find("dispute.negotiation_period", "D2").status == "fulfilled"


# ------------------------------------------------------------------------ 8.2 liability


def test_liability_is_capped_per_service_year_and_excused_losses_do_not_count(
    compiled: Any,
) -> None:
    events = [
        req("A1", "2025-03-03 10:00:00"),
        req("A2", "2025-03-04 10:00:00"),
        req("PF", "2025-03-05 10:00:00"),
        ev("cause_determined", "2025-03-06 10:00:00", incident="PF", cause="power_failure"),
        ev("loss_claim", "2025-04-01 10:00:00", incident="A1", amount="30000.00", currency="CNY"),
        ev("loss_claim", "2025-04-01 11:00:00", incident="A2", amount="30000.00", currency="CNY"),
        ev("loss_claim", "2025-04-01 12:00:00", incident="PF", amount="9999.99", currency="CNY"),
        ev("loss_claim", "2025-04-01 13:00:00", incident="NONE", amount="1.00", currency="CNY"),
    ]
    rep = evaluate(compiled, events, at("2025-05-01 00:00:00"))
    (line,) = rep.liability.lines
    assert line.claimed == Decimal("70000.99")
    assert line.compensable == Decimal("60000.00")
    assert line.cap == Decimal("53600.00")
    assert line.payable == Decimal("53600.00")
    reasons = {i.key: i.reason for i in line.items}
    assert "excused" in reasons["PF"]
    assert "no violated binding duty" in reasons["NONE"]
    assert all(isinstance(x, Decimal) for x in (line.claimed, line.payable, rep.liability.payable))


def test_best_effort_miss_carries_no_liability(compiled: Any) -> None:
    events = [
        req("I", "2025-03-03 10:00:00"),
        ev("response", "2025-03-03 10:30:00", incident="I"),
        ev("loss_claim", "2025-04-01 10:00:00", incident="I", amount="500.00", currency="CNY"),
    ]
    (line,) = evaluate(compiled, events, at("2025-05-01 00:00:00")).liability.lines
    assert line.payable == Decimal("0.00")


# ------------------------------------------------------------------------ input handling


def test_strict_mode_names_the_bad_event(compiled: Any) -> None:
    with pytest.raises(EventError, match=r"event #2: naive timestamp"):
        evaluate(
            compiled,
            [
                req("I", "2025-03-03 10:00:00"),
                {"type": "response", "at": "2025-03-03T11:00:00", "incident": "I"},
            ],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match=r"event #1: unknown event type 'reponse'"):
        evaluate(
            compiled,
            [{"type": "reponse", "at": at("2025-03-03 11:00:00"), "incident": "I"}],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match=r"duplicate event id 'X'"):
        evaluate(
            compiled,
            [req("I", "2025-03-03 10:00:00", id="X"), req("J", "2025-03-03 10:00:00", id="X")],
            at("2025-12-31 00:00:00"),
        )
    with pytest.raises(EventError, match=r"missing field 'incident'"):
        evaluate(
            compiled,
            [{"type": "response", "at": at("2025-03-03 11:00:00")}],
            at("2025-12-31 00:00:00"),
        )


def test_collecting_mode_accounts_for_every_event(compiled: Any) -> None:
    events: list[Any] = [
        req("I", "2025-03-03 10:00:00"),
        {"type": "response", "at": "yesterday", "incident": "I"},
        "not a mapping",
        ev("response", "2025-03-03 11:00:00", incident="nobody"),
        ev("response", "2026-01-01 11:00:00", incident="I"),
    ]
    rep = evaluate(compiled, events, at("2025-12-31 00:00:00"), strict=False)
    c = rep.accounting.counts()
    assert c == {"input": 5, "used": 1, "ignored": 2, "rejected": 2}
    assert [e.index for e in rep.accounting.rejected] == [1, 2]
    assert [e.index for e in rep.accounting.ignored] == [3, 4]
    assert list(rep.accounting.used_indexes or []) == [0]
    assert "after the evaluation time" in rep.accounting.ignored[1].reason


def test_events_from_files(tmp_path: Path, compiled: Any) -> None:
    jl = tmp_path / "e.jsonl"
    jl.write_text(
        '{"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I"}\n'
        "\n"
        '{"type": "response", "at": "2025-03-03T11:00:00+08:00", "incident": "I"}\n'
        "{broken\n",
        encoding="utf-8",
    )
    with pytest.raises(EventError, match=r"e\.jsonl:4: not valid JSON"):
        evaluate(compiled, jl, at("2025-12-31 00:00:00"))
    rep = evaluate(compiled, jl, at("2025-12-31 00:00:00"), strict=False)
    assert rep.find("onsite.response", "I").status == "fulfilled"
    assert rep.accounting.rejected[0].where.endswith("e.jsonl:4")
    c = tmp_path / "e.csv"
    c.write_text(
        "type,at,incident,amount,currency\n"
        "onsite_request,2025-03-03T10:00:00+08:00,I,,\n"
        "payment,2025-11-20T10:00:00+08:00,,53600.00,CNY\n",
        encoding="utf-8",
    )
    rep = evaluate(compiled, c, at("2025-12-31 00:00:00"))
    assert rep.find("payment.annual_fee").status == "fulfilled"


def test_as_of_must_be_aware(compiled: Any) -> None:
    with pytest.raises(ContractRulesError, match="offset"):
        evaluate(compiled, [], "2025-12-31T00:00:00")


def test_explain_shows_how_the_deadline_was_computed(compiled: Any) -> None:
    events = [
        req("INC-7", "2025-03-03 10:00:00", id="E1"),
        ev("response", "2025-03-03 11:00:00", incident="INC-7", id="E2"),
    ]
    text = evaluate(compiled, events, at("2025-12-31 00:00:00")).explain("onsite.response", "INC-7")
    assert (
        "2025-03-03 10:00 is inside working hours of a working day → tier working_hours: 2 hours"
        in text
    )
    assert "2025-03-03 12:00" in text
    assert "deciding events: E1, E2" in text


def test_incremental_evaluator_answers_what_is_open(compiled: Any) -> None:
    e = Evaluator(compiled)
    e.feed(req("A", "2025-03-03 10:00:00"))
    e.feed(req("B", "2025-03-03 19:00:00"))
    open_now = e.open_at(at("2025-03-03 19:30:00"))
    # A (10:00, working hours) is past every target by 19:30; B (19:00, off hours) is due
    # 01:00, 07:00 and two days later; the annual fee and the renewal inquiry come last.
    assert [(o.rule, o.key, o.due) for o in open_now[:3]] == [
        ("onsite.response", "B", dt("2025-03-04 01:00:00")),
        ("onsite.arrival", "B", dt("2025-03-04 07:00:00")),
        ("onsite.fix", "B", dt("2025-03-05 19:00:00")),
    ]
    assert [o.rule for o in open_now[3:]] == ["renewal.inquiry", "payment.annual_fee"]
    assert ("onsite.response", "A") not in {(o.rule, o.key) for o in open_now}  # 12:00 passed
    with pytest.raises(EventError, match="out of time order"):
        e.feed(req("C", "2025-03-03 09:00:00"))


def test_report_json_is_stable(compiled: Any) -> None:
    events = [
        req("I", "2025-03-03 10:00:00", id="R"),
        ev("response", "2025-03-03 11:00:00", incident="I", id="S"),
    ]
    a = evaluate(compiled, events, at("2025-12-31 00:00:00")).to_json()
    b = evaluate(compiled, list(reversed(events)), at("2025-12-31 00:00:00")).to_json()
    assert a == b
    assert '"status": "fulfilled"' in a


def _late_words(td: timedelta) -> str:
    """How a lateness reads (the oracle): whole days, hours and minutes of the time truncated
    toward zero to whole seconds; seconds alone below a minute; the exact fraction below one."""
    one = timedelta(seconds=1)
    whole = abs(td) // one
    sign = "-" if td < timedelta(0) and whole else ""
    if whole == 0:
        return f"{td.total_seconds():.6f}".rstrip("0") + "s" if td else "0s"
    days, hours, minutes = whole // 86400, whole % 86400 // 3600, whole % 3600 // 60
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return sign + (" ".join(parts) or f"{whole}s")


@given(st.timedeltas(min_value=timedelta(days=-(10**6)), max_value=timedelta(days=10**6)))
def test_durations_in_reasons_read_as_days_hours_minutes(td: timedelta) -> None:
    from contract_rules.text import dur as _dur

    assert _dur(td) == _late_words(td)


def test_durations_in_reasons_examples() -> None:
    from contract_rules.text import dur as _dur

    assert [_dur(timedelta(**kw)) for kw in ({"hours": 2, "minutes": 30}, {"days": 2}, {})] == [
        "2h 30min",
        "2d",
        "0s",
    ]
    assert _dur(timedelta(seconds=-5)) == "-5s"
    assert _dur(timedelta(microseconds=1)) == "0.000001s"
    assert _dur(timedelta(days=1, seconds=59)) == "1d"


def _time_words(t: datetime, day_end: bool) -> str:
    """How an instant reads in reasons (the oracle, by strftime): date and minutes, seconds when
    there are any, a midnight as 24:00 of the day before with day_end, and the UTC offset where
    the wall time alone could mislead: a second occurrence (fold=1 or a fixed offset), daylight
    saving time, or a day (the day shown) on which the zone's offset changes."""
    shown = t - timedelta(days=1) if day_end and t.time() == datetime.min.time() else t
    if shown is not t:
        text = f"{shown.year:04d}-{shown.strftime('%m-%d')} 24:00"
    else:
        text = f"{t.year:04d}-" + t.strftime(
            "%m-%d %H:%M" + (":%S" if t.second or t.microsecond else "")
        )
    tz = t.tzinfo
    assert tz is not None
    day = datetime.combine(shown.date(), datetime.min.time())
    changes = day.date() < date.max and tz.utcoffset(day) != tz.utcoffset(day + timedelta(days=1))
    if t.fold or isinstance(tz, timezone) or t.dst() or changes:
        off = t.utcoffset()
        assert off is not None
        sign, minutes = ("-" if off < timedelta(0) else "+"), abs(off) // timedelta(minutes=1)
        text += f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return text


@given(
    st.datetimes(
        min_value=datetime(2, 1, 1),
        max_value=datetime(9998, 12, 31),
        timezones=st.sampled_from(
            [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), timezone(timedelta(hours=-5))]
        ),
    ),
    st.booleans(),
)
def test_instants_in_reasons_read_as_date_and_time(t: datetime, day_end: bool) -> None:
    from contract_rules.text import fmt

    assert fmt(t, day_end=day_end) == _time_words(t, day_end)
