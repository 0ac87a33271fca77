"""Reports that do not depend on input order (``docs/engine.md``, ``docs/semantics.md`` 5).

For events with distinct instants, the JSON report is the same in any input order, except for
the input positions the accounting keeps (``index``, ``where``). Two things used to depend on the
order: an event without an ``id`` was named by its position (``#9``), and of two events with one
id the one given first counted. Now an id-less event is named by what it is (a digest of its type,
instant and fields) and, of two events with one id, the earlier *in time* counts and the later is
rejected as a duplicate.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_rules.engine import CompiledRuleset, evaluate

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"


def year() -> list[dict[str, Any]]:
    """The example year with every third event's id taken away, and two events that reuse an
    id at another instant (one of them later, one earlier than the event that first had it)."""
    evs = [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines() if line]
    for i, e in enumerate(evs):
        if i % 3 == 1:
            del e["id"]
    with_id = [e for e in evs if "id" in e]
    later = dict(with_id[10], at=_moved(with_id[10]["at"], timedelta(seconds=7)))
    earlier = dict(with_id[40], at=_moved(with_id[40]["at"], -timedelta(days=1, seconds=-3)))
    return [*evs, later, earlier]


def _moved(text: str, by: timedelta) -> str:
    return (datetime.fromisoformat(text) + by).isoformat()


def without_positions(report_json: str) -> dict[str, Any]:
    """The report without the input positions of accounted events (their entries ordered by
    what they are, since they are listed in input order)."""
    doc = json.loads(report_json)
    for kind in ("ignored", "rejected"):
        entries = doc["events"][kind]
        for e in entries:
            del e["index"], e["where"]
        entries.sort(key=lambda e: json.dumps(e, sort_keys=True))
    return dict(doc)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_any_reordering_gives_the_same_report(
    tacheng_compiled: CompiledRuleset, rnd: random.Random
) -> None:
    evs = year()
    # distinct instants, many events without an id, two ids given twice
    assert len({e["at"] for e in evs}) == len(evs)
    assert sum("id" not in e for e in evs) > 50
    ids = [e["id"] for e in evs if "id" in e]
    assert len(ids) - len(set(ids)) == 2
    base = without_positions(evaluate(tacheng_compiled, evs, AS_OF, strict=False).to_json())
    rnd.shuffle(evs)
    assert without_positions(evaluate(tacheng_compiled, evs, AS_OF, strict=False).to_json()) == base


def test_an_event_without_an_id_is_named_by_what_it_is(tacheng_compiled: CompiledRuleset) -> None:
    request = {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I-1"}
    other = {"type": "onsite_request", "at": "2025-03-04T10:00:00+08:00", "incident": "I-2"}
    a = evaluate(tacheng_compiled, [request, other], AS_OF).find("onsite.response", "I-1")
    b = evaluate(tacheng_compiled, [other, request], AS_OF).find("onsite.response", "I-1")
    assert a.trigger_event == b.trigger_event
    assert a.trigger_event is not None and a.trigger_event.startswith("~")


def test_of_two_events_with_one_id_the_earlier_in_time_counts(
    tacheng_compiled: CompiledRuleset,
) -> None:
    first = {"id": "R", "type": "response", "at": "2025-03-03T11:00:00+08:00", "incident": "I"}
    second = {"id": "R", "type": "response", "at": "2025-03-03T13:00:00+08:00", "incident": "I"}
    request = {"id": "Q", "type": "onsite_request", "at": "2025-03-03T10:00:00+08:00",
               "incident": "I"}  # fmt: skip
    for order in ([request, first, second], [second, request, first], [second, first, request]):
        rep = evaluate(tacheng_compiled, order, AS_OF, strict=False)
        ob = rep.find("onsite.response", "I")
        assert (ob.status, ob.deciding) == ("fulfilled", "R")
        assert ob.fulfilled_at is not None and ob.fulfilled_at.hour == 11
        (rejected,) = rep.accounting.rejected
        assert rejected.reason == "duplicate event id 'R'"
        assert rejected.where == f"event #{order.index(second) + 1}"


def test_a_duplicate_of_an_event_after_as_of_is_judged_in_time_order_too(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """The event after the evaluation time is the later one: it is the duplicate, although it
    comes first in the input."""
    late = {"id": "R", "type": "response", "at": "2026-01-05T11:00:00+08:00", "incident": "I"}
    early = {"id": "R", "type": "response", "at": "2025-03-03T11:00:00+08:00", "incident": "I"}
    request = {"id": "Q", "type": "onsite_request", "at": "2025-03-03T10:00:00+08:00",
               "incident": "I"}  # fmt: skip
    rep = evaluate(tacheng_compiled, [late, request, early], AS_OF, strict=False)
    assert rep.find("onsite.response", "I").status == "fulfilled"
    (rejected,) = rep.accounting.rejected
    assert (rejected.where, rejected.reason) == ("event #1", "duplicate event id 'R'")
    assert not rep.accounting.ignored
