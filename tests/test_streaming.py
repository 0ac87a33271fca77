"""Streaming mode: memory follows the open instances, and results match the batch call."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contract_rules.engine import CompiledRuleset, Evaluator, evaluate
from contract_rules.errors import EventError
from contract_rules.report import Obligation

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
AS_OF = "2026-06-01T00:00:00+08:00"


def _events(n: int) -> list[dict[str, Any]]:
    """``n`` incidents a day apart, each answered, with every third one answered late."""
    out: list[dict[str, Any]] = []
    t0 = datetime(2024, 11, 20, 10, tzinfo=TZ)
    for i in range(n):
        start = t0 + timedelta(days=i % 360, minutes=i // 360)
        late = timedelta(hours=3 if i % 3 == 0 else 1)
        out.append({"type": "onsite_request", "at": start.isoformat(), "incident": f"I{i}"})
        out.append({"type": "response", "at": (start + late).isoformat(), "incident": f"I{i}"})
    out.sort(key=lambda e: e["at"])
    return out


def test_streaming_counts_equal_batch_counts(tacheng_compiled: CompiledRuleset) -> None:
    compiled = tacheng_compiled
    events = _events(400)
    batch = evaluate(compiled, events, AS_OF)
    settled: list[Obligation] = []
    stream = evaluate(
        compiled, events, AS_OF, settle_after=timedelta(days=2), on_settled=settled.append
    )
    assert stream.counts() == batch.counts()
    assert stream.accounting.counts() == batch.accounting.counts()
    assert stream.accounting.used_indexes is None  # used events are counted, not listed
    assert stream.liability == batch.liability
    # Every instance is in exactly one place: settled, or still in the report.
    listed = Counter((o.rule, o.key) for o in [*settled, *stream.obligations])
    assert listed == Counter((o.rule, o.key) for o in batch.obligations)
    by_key = {(o.rule, o.key): o.status for o in batch.obligations}
    assert all(by_key[(o.rule, o.key)] == o.status for o in settled)


def test_streaming_memory_follows_open_instances(tacheng_compiled: CompiledRuleset) -> None:
    compiled = tacheng_compiled
    ev = Evaluator(compiled, settle_after=timedelta(days=1), on_settled=lambda o: None)
    most = 0
    for e in _events(1500):
        ev.feed(e)
        most = max(most, len(ev._instances))
    # ~1.4 incidents a day, 3 retained instances each for a few days: far fewer than 4,500.
    assert most < 100
    assert sum(ev.report(AS_OF).counts().values()) == 1500 * 3 + 2


def test_streaming_refuses_input_out_of_order_instead_of_settling_twice(
    tacheng_compiled: CompiledRuleset,
) -> None:
    compiled = tacheng_compiled
    events = _events(30)
    events.insert(20, events.pop(5))  # one early event arrives late
    settled: list[Obligation] = []
    rep = evaluate(
        compiled,
        events,
        AS_OF,
        strict=False,
        settle_after=timedelta(days=1),
        on_settled=settled.append,
    )
    assert [e.reason.startswith("out of time order") for e in rep.accounting.rejected] == [True]
    assert len(settled) == len({(o.rule, o.key, o.nth) for o in settled})  # none twice
    with pytest.raises(EventError, match="out of time order"):
        evaluate(compiled, events, AS_OF, settle_after=timedelta(days=1), on_settled=settled.append)


def test_prohibited_acts_settle_in_streaming_mode(tacheng_compiled: CompiledRuleset) -> None:
    compiled = tacheng_compiled
    t0 = datetime(2025, 1, 6, 10, tzinfo=TZ)
    acts = [
        {"type": "data_change", "at": (t0 + timedelta(days=i)).isoformat(), "party": "B",
         "authorized": False}
        for i in range(50)
    ]  # fmt: skip
    settled: list[Obligation] = []
    rep = evaluate(compiled, acts, AS_OF, settle_after=timedelta(days=2), on_settled=settled.append)
    assert len(settled) >= 45 and all(o.status == "violated" for o in settled)
    listed = [o for o in rep.obligations if o.rule == "data.no_unauthorized_change"]
    assert len(settled) + len(listed) == 50


def test_streaming_keeps_a_permission_open_until_it_is_exercised(
    tacheng_compiled: CompiledRuleset,
) -> None:
    compiled = tacheng_compiled
    events = [
        {"type": "negotiation_requested", "at": "2025-03-03T10:00:00+08:00", "party": "A",
         "ref": "D"},
        {"type": "onsite_request", "at": "2025-06-02T10:00:00+08:00", "incident": "X"},
        {"type": "arbitration_filed", "at": "2025-07-01T10:00:00+08:00", "party": "A", "ref": "D"},
    ]  # fmt: skip
    batch = evaluate(compiled, events, AS_OF)
    settled: list[Obligation] = []
    stream = evaluate(
        compiled, events, AS_OF, settle_after=timedelta(days=7), on_settled=settled.append
    )
    assert stream.counts() == batch.counts()
    (dispute,) = [o for o in [*settled, *stream.obligations] if o.rule.startswith("dispute")]
    assert dispute.status == "fulfilled"


@pytest.mark.parametrize("settle_after", [None, timedelta(days=7)])
def test_an_evaluator_is_freed_without_the_cyclic_collector(
    settle_after: timedelta | None, tacheng_compiled: CompiledRuleset
) -> None:
    """Bulk evaluation pauses the collector (docs/decisions.md), which is only safe while the
    engine makes no reference cycles: an evaluator and its instances go with their last
    reference."""
    import gc
    import weakref

    compiled = tacheng_compiled
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        ev = Evaluator(compiled, settle_after=settle_after)
        for e in _events(200):
            ev.feed(e)
        ev.report(AS_OF)
        gone = weakref.ref(ev)
        del ev
        assert gone() is None
    finally:
        if was:
            gc.enable()


def test_a_bulk_evaluation_leaves_the_collector_nothing_young_to_scan(
    monkeypatch: pytest.MonkeyPatch, tacheng_compiled: CompiledRuleset
) -> None:
    """What a large evaluation leaves is moved to the oldest generation before the collector is
    switched back on: no collection runs inside evaluate(), where the first allocation after
    re-enabling would otherwise scan every obligation of the report. (The threshold is lowered:
    a report of 50,000 objects is slow to build in a test.)"""
    import gc

    from contract_rules import collector

    monkeypatch.setattr(collector, "_PROMOTE_AT", 1_000)
    compiled = tacheng_compiled
    events = _events(600)  # well over the youngest generation's threshold of tracked objects
    seen: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    was = gc.isenabled()
    gc.enable()
    gc.collect()  # nothing is due when evaluate() starts
    gc.callbacks.append(watch)
    try:
        rep = evaluate(compiled, events, AS_OF)
        during = list(seen)
        assert gc.isenabled()
        assert gc.get_count()[0] < 100  # the evaluation's objects are no longer young
    finally:
        gc.callbacks.remove(watch)
        if not was:
            gc.disable()
    assert during == []
    assert len(rep.obligations) == 1802  # 600 incidents, 3 norms each; 2 of the contract


def test_a_small_evaluation_leaves_the_generations_alone(tacheng_compiled: CompiledRuleset) -> None:
    """Below the threshold nothing is promoted: a process that evaluates small batches often
    keeps its young collections (a cycle it drops is collected as usual)."""
    import gc
    import weakref

    compiled = tacheng_compiled
    was = gc.isenabled()
    gc.enable()
    try:

        class Node:
            pass

        gc.collect()
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        gone = weakref.ref(a)
        del a, b
        evaluate(compiled, _events(20), AS_OF)
        gc.collect(0)  # a young collection finds the cycle: it was not promoted
        assert gone() is None
    finally:
        if not was:
            gc.disable()


def test_a_bulk_evaluation_keeps_the_callers_collector_settings(
    monkeypatch: pytest.MonkeyPatch, tacheng_compiled: CompiledRuleset
) -> None:
    """A disabled collector stays disabled; objects the caller froze stay frozen."""
    import gc

    from contract_rules import collector

    monkeypatch.setattr(collector, "_PROMOTE_AT", 1)
    compiled = tacheng_compiled
    was = gc.isenabled()
    try:
        gc.disable()
        evaluate(compiled, _events(20), AS_OF)
        assert not gc.isenabled()
        gc.enable()
        kept = [[i] for i in range(50)]
        gc.freeze()
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)
        evaluate(compiled, _events(20), AS_OF)
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        if not was:
            gc.disable()


def test_instances_settling_at_one_instant_are_handed_on_in_creation_order(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """B is requested first, off hours (6 h to respond), and answered on time at 11:30; A is
    requested later, in working hours (2 h), and falls due unanswered at 11:30. Both settle at
    11:30 plus settle_after: B first, as they were created, whichever entry was queued last."""
    compiled = tacheng_compiled
    settled: list[Obligation] = []
    events = [
        {"type": "onsite_request", "at": "2025-03-03T08:30:00+08:00", "incident": "B"},
        {"type": "onsite_request", "at": "2025-03-03T09:30:00+08:00", "incident": "A"},
        {"type": "response", "at": "2025-03-03T11:30:00+08:00", "incident": "B"},
        {"type": "onsite_request", "at": "2025-03-20T10:00:00+08:00", "incident": "LATER"},
    ]
    evaluate(compiled, events, AS_OF, settle_after=timedelta(hours=1), on_settled=settled.append)
    responses = [(o.key, o.status) for o in settled if o.rule == "onsite.response"]
    assert responses[:2] == [("B", "fulfilled"), ("A", "violated")]
