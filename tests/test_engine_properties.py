"""Property tests of the engine (hypothesis) on random incident streams under the Tacheng rules."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, Evaluator, evaluate

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 11, 18, tzinfo=TZ)
SPAN_MINUTES = 365 * 24 * 60 - 1
AS_OF = datetime(2026, 6, 1, tzinfo=TZ)
FOLLOW_UPS = ("response", "onsite_arrival", "fixed", "service_confirmed")
CAUSES = ("power_failure", "other", "party_a_fault")


@st.composite
def incident_streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Incidents with follow-ups at distinct minutes; some causes and loss claims."""
    n = draw(st.integers(min_value=1, max_value=8))
    minutes = draw(
        st.lists(st.integers(0, SPAN_MINUTES), min_size=n * 7, max_size=n * 7, unique=True)
    )
    events: list[dict[str, Any]] = []
    it = iter(minutes)
    for i in range(n):
        inc = f"INC-{i}"
        start = next(it)
        events.append(_ev("onsite_request", start, incident=inc))
        for kind in FOLLOW_UPS:
            delay = draw(st.integers(0, 60 * 72))
            m = next(it)  # a distinct instant near start + delay
            m = start + delay if start + delay not in minutes else m
            if draw(st.booleans()):
                events.append(_ev(kind, m, incident=inc))
        if draw(st.integers(0, 4)) == 0:
            events.append(
                _ev("cause_determined", next(it), incident=inc, cause=draw(st.sampled_from(CAUSES)))
            )
        if draw(st.integers(0, 4)) == 0:
            events.append(
                _ev(
                    "loss_claim",
                    next(it),
                    incident=inc,
                    amount=f"{draw(st.integers(1, 90000))}.00",
                    currency="CNY",
                )
            )
    seen: set[str] = set()
    unique = []
    for e in events:  # keep instants distinct, as the properties require
        if e["at"] not in seen:
            seen.add(e["at"])
            unique.append(e)
    for k, e in enumerate(unique):
        e["id"] = f"E{k}"
    return unique


def _ev(kind: str, minute: int, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": (T0 + timedelta(minutes=minute)).isoformat(), **fields}


COMMON = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(incident_streams(), st.randoms(use_true_random=False))
def test_reordering_distinct_instants_changes_nothing(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]], rnd: random.Random
) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    a = evaluate(tacheng_compiled, events, AS_OF).to_dict()
    b = evaluate(tacheng_compiled, shuffled, AS_OF).to_dict()
    # The accounting lists events by input position; everything else must be identical.
    a_events, b_events = a.pop("events"), b.pop("events")
    assert a == b
    assert a_events["counts"] == b_events["counts"]


@COMMON
@given(incident_streams())
def test_an_unrelated_event_changes_nothing_else(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]]
) -> None:
    base = evaluate(tacheng_compiled, events, AS_OF)
    extra = {
        "type": "response",
        "at": "2025-05-05T05:05:05+08:00",
        "incident": "UNRELATED",
        "id": "X",
    }
    more = evaluate(tacheng_compiled, [*events, extra], AS_OF)
    assert more.obligations == base.obligations
    assert more.liability == base.liability
    assert more.accounting.counts()["ignored"] == base.accounting.counts()["ignored"] + 1


@COMMON
@given(incident_streams(), st.integers(1, 400))
def test_violated_stays_violated_as_time_passes(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]], days: int
) -> None:
    early = evaluate(tacheng_compiled, events, AS_OF)
    later = evaluate(tacheng_compiled, events, AS_OF + timedelta(days=days))
    for a, b in zip(early.obligations, later.obligations, strict=True):
        assert (a.rule, a.key, a.nth) == (b.rule, b.key, b.nth)
        if a.status == "violated":
            assert b.status == "violated"
        if a.status in ("fulfilled", "excused"):
            assert b.status == a.status


@COMMON
@given(incident_streams())
def test_incremental_equals_batch(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]]
) -> None:
    batch = evaluate(tacheng_compiled, events, AS_OF)
    inc = Evaluator(tacheng_compiled)
    indexed = sorted(enumerate(events), key=lambda p: datetime.fromisoformat(p[1]["at"]))
    from contract_rules.events import RawEvent

    for i, e in indexed:
        inc.feed(RawEvent(i, f"event #{i + 1}", e))
    assert inc.report(AS_OF).to_json() == batch.to_json()


@COMMON
@given(incident_streams())
def test_every_event_is_accounted_for_once(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]]
) -> None:
    rep = evaluate(tacheng_compiled, events, AS_OF)
    c = rep.accounting.counts()
    assert c["used"] + c["ignored"] + c["rejected"] == c["input"] == len(events)
    acc = rep.accounting
    indexes = [e.index for e in (*acc.ignored, *acc.rejected)] + list(acc.used_indexes or [])
    assert sorted(indexes) == list(range(len(events)))


@pytest.mark.parametrize("minute", [0, 1, 59, 60 * 9, 60 * 18 - 1, 60 * 18])
def test_fulfilment_at_due_and_a_microsecond_after(
    tacheng_compiled: CompiledRuleset, minute: int
) -> None:
    start = datetime(2025, 3, 4, tzinfo=TZ) + timedelta(minutes=minute)
    req = {"type": "onsite_request", "at": start.isoformat(), "incident": "I"}
    due = evaluate(tacheng_compiled, [req], AS_OF).find("onsite.response", "I").due
    assert due is not None
    for delta, status in ((timedelta(0), "fulfilled"), (timedelta(microseconds=1), "violated")):
        resp = {"type": "response", "at": (due + delta).isoformat(), "incident": "I"}
        assert (
            evaluate(tacheng_compiled, [req, resp], AS_OF).find("onsite.response", "I").status
            == status
        )


#: instants that requests crowd on: the term's start and its end (the end of 2025-11-17, where
#: the renewal window closes), and two ordinary minutes
_CROWDED = ("2024-11-18T00:00:00+08:00", "2025-11-18T00:00:00+08:00", "2025-03-03T10:00:00+08:00",
            "2025-03-04T09:00:00+08:00")  # fmt: skip


@st.composite
def crowded_streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Requests (some repeating an incident) at few instants, among requests at other ones."""
    events: list[dict[str, Any]] = []
    for k in range(draw(st.integers(1, 30))):
        at = (
            draw(st.sampled_from(_CROWDED))
            if draw(st.booleans())
            else _ev("onsite_request", draw(st.integers(0, SPAN_MINUTES)))["at"]
        )
        inc = f"INC-{draw(st.integers(0, 5))}"
        events.append({"id": f"R{k}", "type": "onsite_request", "at": at, "incident": inc})
    return events


@COMMON
@given(crowded_streams(), st.randoms(use_true_random=False))
def test_report_order_is_instant_then_norm_key_nth(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]], rnd: random.Random
) -> None:
    """Wherever instances share a trigger instant (events at one instant, an event at a term
    date), the report lists them by norm order, key and nth, whatever the input order; in batch,
    incremental and streaming evaluation alike."""
    c = tacheng_compiled
    order = {cn.info.rule: cn.index for cn in c.norms}
    rnd.shuffle(events)
    rep = evaluate(c, events, AS_OF)
    got = [(o.rule, o.key, o.nth) for o in rep.obligations]
    want = sorted(
        rep.obligations,
        key=lambda o: (o.trigger_at.timestamp(), order[o.rule], o.key or "", o.nth),
    )
    assert got == [(o.rule, o.key, o.nth) for o in want]
    inc = Evaluator(c)
    for e in sorted(events, key=lambda e: datetime.fromisoformat(e["at"])):
        inc.feed(e)
    assert [(o.rule, o.key, o.nth) for o in inc.report(AS_OF).obligations] == got
    settled: list[cr.Obligation] = []
    stream = evaluate(
        c,
        sorted(events, key=lambda e: datetime.fromisoformat(e["at"])),
        AS_OF,
        settle_after=timedelta(days=3650),
        on_settled=settled.append,
    )
    assert not settled
    assert [(o.rule, o.key, o.nth) for o in stream.obligations] == got
