"""Instants in a zone with daylight-saving time are judged by the instant, not the wall clock.

semantics.md 1 and 5: every instant is aware, events are ordered by instant (ties by input
position), and results are reported as aware instants in the ruleset's zone. In America/New_York
the hour 01:00-02:00 of 2025-11-02 happens twice (first EDT -04:00, then EST -05:00: the second
has ``fold=1``), and 02:00-03:00 of 2025-03-09 does not happen at all. Promised here:

- events are ordered by their instant: 01:30-05:00 (06:30Z) comes after 01:45-04:00 (05:45Z),
  in batch, streaming and incremental evaluation alike, and for any input order;
- due instants and "on time" are decided by the instant, so a response inside the repeated hour
  is late or early by real time, never by its wall time;
- how late a fulfilment is, is real elapsed time, across a DST change too;
- ``as_of`` inside the repeated hour cuts the events by instant;
- reported instants are in the ruleset's zone, with the offset (and ``fold``) of the instant.

Every expected value is worked out by hand in UTC in the comments: EDT is UTC-4 (until
2025-11-02 06:00Z, and from 2025-03-09 07:00Z), EST is UTC-5.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, Evaluator, compile_ruleset, evaluate
from contract_rules.errors import EventError
from contract_rules.report import Obligation, Report

NY = ZoneInfo("America/New_York")
#: after every event below (2025-11-03 05:00Z)
AS_OF = "2025-11-03T00:00:00-05:00"

# Modelled on examples/it_support_sla.yaml (sla.response, tier p1: "1 hour, at any time of any
# day (24x7)"), in New York. The example's calendar is the Chinese national schedule, which has
# nothing to say about New York dates, so the ruleset is written here: a weekdays calendar and a
# clock-hour deadline, which no calendar extends.
RULESET = """\
format: contract-rules/1
contract:
  id: dst-it-support
  title: {en: IT support in New York (DST test agreement)}
  parties:
    customer: {name: {en: the customer}, role: customer}
    provider: {name: {en: the provider}, role: vendor}
  governing_law: New York
  timezone: America/New_York
  term: {start: "2025-01-01", end: "2025-12-31", clause: "1"}
  clauses: ["1", "2"]
calendar:
  layers: [weekdays]
events:
  ticket_opened:
    clause: "2"
    fields: {ticket: string}
  ticket_responded:
    clause: "2"
    fields: {ticket: string}
norms:
  - id: sla.response
    title: {en: respond to a ticket}
    clause: "2"
    text:
      en: >-
        The Provider shall respond to each ticket within 1 hour of the moment the ticket is
        opened, at any time of any day (24x7).
    party: provider
    strength: binding
    trigger: {event: ticket_opened}
    key: ticket
    deadline: {hours: 1}
    fulfilled_by: {event: ticket_responded}
"""


@cache
def ruleset() -> CompiledRuleset:
    """This module's ruleset, compiled once (helpers and hypothesis tests call it directly)."""
    return compile_ruleset(cr.load_ruleset(RULESET))


def utc(month: int, day: int, hour: int, minute: int) -> datetime:
    """An instant of 2025, given in UTC (the expected values are written this way)."""
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def z(t: datetime | None) -> datetime | None:
    """``t`` in UTC. Expected instants are compared this way: ``==`` between two zones is always
    False when one side's offset depends on ``fold`` (PEP 495), e.g. any 01:xx of 2025-11-02 in
    New York, even the right instant."""
    return None if t is None else t.astimezone(UTC)


def opened(at: str, ticket: str, eid: str) -> dict[str, Any]:
    return {"type": "ticket_opened", "at": at, "ticket": ticket, "id": eid}


def responded(at: str, ticket: str, eid: str) -> dict[str, Any]:
    return {"type": "ticket_responded", "at": at, "ticket": ticket, "id": eid}


def only(rep: Report, key: str) -> Obligation:
    (ob,) = [o for o in rep.obligations if o.key == key]
    return ob


# Scenario 1. Opened 01:45 EDT = 05:45Z; responded 01:30 EST = 06:30Z, 45 min later.
# Due: 05:45Z + 1 h = 06:45Z (= 01:45-05:00). 06:30Z <= 06:45Z: fulfilled at 06:30Z.
OPEN_1 = opened("2025-11-02T01:45:00-04:00", "T-1", "O1")
RESP_1 = responded("2025-11-02T01:30:00-05:00", "T-1", "R1")
# The same two instants written in UTC.
OPEN_1Z = opened("2025-11-02T05:45:00Z", "T-1", "O1")
RESP_1Z = responded("2025-11-02T06:30:00Z", "T-1", "R1")


def assert_scenario_1(rep: Report) -> None:
    ob = only(rep, "T-1")
    assert z(ob.trigger_at) == utc(11, 2, 5, 45)
    assert z(ob.due) == utc(11, 2, 6, 45)  # 05:45Z + 1 h
    assert ob.status == "fulfilled", ob.reason
    assert z(ob.fulfilled_at) == utc(11, 2, 6, 30)  # the response's instant
    assert ob.events == ("O1", "R1")
    assert rep.accounting.ignored == ()
    assert rep.accounting.rejected == ()
    assert rep.accounting.counts() == {"input": 2, "used": 2, "ignored": 0, "rejected": 0}


def test_response_in_the_repeated_hour_fulfils_the_earlier_request() -> None:
    rep = evaluate(ruleset(), [OPEN_1, RESP_1], AS_OF)
    assert_scenario_1(rep)


def test_reversed_input_order_gives_the_same_report() -> None:
    in_order = evaluate(ruleset(), [OPEN_1, RESP_1], AS_OF)
    reversed_ = evaluate(ruleset(), [RESP_1, OPEN_1], AS_OF)
    assert_scenario_1(reversed_)
    assert reversed_.to_json() == in_order.to_json()


def test_the_same_instants_written_in_utc_give_the_same_report() -> None:
    local = evaluate(ruleset(), [OPEN_1, RESP_1], AS_OF)
    for events in ([OPEN_1Z, RESP_1Z], [RESP_1Z, OPEN_1Z]):
        rep = evaluate(ruleset(), events, AS_OF)
        assert_scenario_1(rep)
        assert rep.to_json() == local.to_json()


# Scenario 2. Six events, listed in their true (UTC) order; the wall-clock order differs:
#   C opened    00:30-04:00 = 04:30Z   due 05:30Z
#   C responded 01:25-04:00 = 05:25Z   55 min after: fulfilled
#   A opened    01:40-04:00 = 05:40Z   due 06:40Z
#   A responded 01:05-05:00 = 06:05Z   25 min after: fulfilled (by wall time 01:05 < 01:40 it
#                                      would come before the request and not count)
#   B opened    01:15-05:00 = 06:15Z   due 07:15Z
#   B responded 01:50-05:00 = 06:50Z   35 min after: fulfilled
BY_INSTANT = [
    opened("2025-11-02T00:30:00-04:00", "C", "C-open"),
    responded("2025-11-02T01:25:00-04:00", "C", "C-resp"),
    opened("2025-11-02T01:40:00-04:00", "A", "A-open"),
    responded("2025-11-02T01:05:00-05:00", "A", "A-resp"),
    opened("2025-11-02T01:15:00-05:00", "B", "B-open"),
    responded("2025-11-02T01:50:00-05:00", "B", "B-resp"),
]
#: key -> (trigger, due, fulfilled_at), in UTC
EXPECTED_2 = {
    "C": (utc(11, 2, 4, 30), utc(11, 2, 5, 30), utc(11, 2, 5, 25)),
    "A": (utc(11, 2, 5, 40), utc(11, 2, 6, 40), utc(11, 2, 6, 5)),
    "B": (utc(11, 2, 6, 15), utc(11, 2, 7, 15), utc(11, 2, 6, 50)),
}


def test_events_are_ordered_by_instant_not_by_wall_time() -> None:
    reference = evaluate(ruleset(), BY_INSTANT, AS_OF)
    got = {o.key: (z(o.trigger_at), z(o.due), z(o.fulfilled_at)) for o in reference.obligations}
    assert got == EXPECTED_2
    assert [o.status for o in reference.obligations] == ["fulfilled"] * 3
    # reported in trigger order: C (04:30Z), A (05:40Z), B (06:15Z)
    assert [o.key for o in reference.obligations] == ["C", "A", "B"]
    assert reference.accounting.ignored == ()
    expected = reference.to_json()
    # Any input order (the instants are distinct) gives the report of the input by instant;
    # among the orders, the wall-clock order: C-open, A-resp, B-open, C-resp, A-open, B-resp.
    for order in itertools.permutations(BY_INSTANT):
        assert evaluate(ruleset(), list(order), AS_OF).to_json() == expected, [
            e["id"] for e in order
        ]


# Scenario 3a. Opened 00:50-04:00 = 04:50Z; due 05:50Z (= 01:50-04:00, the first 01:50).
# Responded 01:10-05:00 = 06:10Z: 20 min after due, late, although its wall time 01:10 is
# before the wall time of the due, 01:50.
def test_a_response_in_the_second_pass_of_the_hour_is_late() -> None:
    events = [
        opened("2025-11-02T00:50:00-04:00", "T-3a", "O3a"),
        responded("2025-11-02T01:10:00-05:00", "T-3a", "R3a"),
    ]
    ob = only(evaluate(ruleset(), events, AS_OF), "T-3a")
    assert z(ob.due) == utc(11, 2, 5, 50)
    assert ob.due.isoformat() == "2025-11-02T01:50:00-04:00"
    assert ob.status == "violated"
    assert z(ob.fulfilled_at) == utc(11, 2, 6, 10)  # a late fulfilment keeps its time
    assert ob.reason is not None and "(20min after due)" in ob.reason, ob.reason


# Scenario 3b. Opened 01:20-05:00 = 06:20Z; due 07:20Z (= 02:20-05:00). A response at
# 01:55-04:00 = 05:55Z comes 25 min BEFORE the request: no instance is open for it then, so it
# is ignored, and the request is never answered: violated at as_of (07:20Z < as_of).
def test_a_response_before_the_request_does_not_count_although_its_wall_time_is_later() -> None:
    request = opened("2025-11-02T01:20:00-05:00", "T-3b", "O3b")
    response = responded("2025-11-02T01:55:00-04:00", "T-3b", "R3b")
    for events in ([response, request], [request, response]):
        rep = evaluate(ruleset(), events, AS_OF)
        ob = only(rep, "T-3b")
        assert z(ob.trigger_at) == utc(11, 2, 6, 20)
        assert z(ob.due) == utc(11, 2, 7, 20)
        assert ob.due.isoformat() == "2025-11-02T02:20:00-05:00"
        assert ob.status == "violated"
        assert ob.fulfilled_at is None
        assert ob.events == ("O3b",)
        (ignored,) = rep.accounting.ignored
        assert ignored.id == "R3b"
        assert z(ignored.at) == utc(11, 2, 5, 55)
        assert "no open sla.response instance for T-3b" in ignored.reason


# Scenario 4. A response 2 h after due in real time, the due and the response on either side of
# a DST change; the reason states 2h, not the wall-clock difference.
LATENESS = [
    # Fall back: opened 23:30-04:00 on 11-01 = 11-02 03:30Z; due 04:30Z (00:30-04:00);
    # responded 06:30Z = 01:30-05:00 (the second 01:30). Wall clock: 00:30 -> 01:30 = 1h.
    pytest.param(
        "2025-11-01T23:30:00-04:00",
        "2025-11-02T01:30:00-05:00",
        utc(11, 2, 4, 30),
        utc(11, 2, 6, 30),
        id="fall-back-into-the-second-hour",
    ),
    # Fall back, across 02:00: opened 00:20-04:00 = 04:20Z; due 05:20Z (01:20-04:00);
    # responded 07:20Z = 02:20-05:00. Wall clock: 01:20 -> 02:20 = 1h.
    pytest.param(
        "2025-11-02T00:20:00-04:00",
        "2025-11-02T02:20:00-05:00",
        utc(11, 2, 5, 20),
        utc(11, 2, 7, 20),
        id="fall-back-across-02:00",
    ),
    # Spring forward (2025-03-09 02:00 EST -> 03:00 EDT): opened 00:30-05:00 = 05:30Z; due 06:30Z
    # (01:30-05:00); responded 08:30Z = 04:30-04:00. Wall clock: 01:30 -> 04:30 = 3h.
    pytest.param(
        "2025-03-09T00:30:00-05:00",
        "2025-03-09T04:30:00-04:00",
        utc(3, 9, 6, 30),
        utc(3, 9, 8, 30),
        id="spring-forward",
    ),
]


@pytest.mark.parametrize("open_at, resp_at, due, resp_utc", LATENESS)
def test_lateness_is_real_elapsed_time_across_a_dst_change(
    open_at: str, resp_at: str, due: datetime, resp_utc: datetime
) -> None:
    events = [opened(open_at, "T-4", "O4"), responded(resp_at, "T-4", "R4")]
    ob = only(evaluate(ruleset(), events, AS_OF), "T-4")
    assert z(ob.due) == due
    assert resp_utc - due == timedelta(hours=2)  # the hand arithmetic itself
    assert ob.status == "violated"
    assert z(ob.fulfilled_at) == resp_utc
    assert ob.reason is not None and "(2h after due)" in ob.reason, ob.reason
    assert ob.reason_zh is not None and "超过期限 2h)" in ob.reason_zh, ob.reason_zh


# Scenario 5. Streaming mode, scenario 1's events in true order, then a later marker ticket
# (opened 04:00-05:00 = 09:00Z) so that T-1 settles: fulfilled at 06:30Z, due 06:45Z, both more
# than settle_after (1 h) before 09:00Z. The marker: due 10:00Z, never answered, violated at
# as_of. Statuses equal the batch ones.
LATER = opened("2025-11-02T04:00:00-05:00", "T-9", "O9")


def _summary(obs: list[Obligation]) -> set[tuple[str, str | None, str, datetime | None]]:
    return {(o.rule, o.key, o.status, z(o.fulfilled_at)) for o in obs}


def test_streaming_mode_orders_by_instant_like_batch() -> None:
    events = [OPEN_1, RESP_1, LATER]
    batch = evaluate(ruleset(), events, AS_OF)
    assert _summary(list(batch.obligations)) == {
        ("sla.response", "T-1", "fulfilled", utc(11, 2, 6, 30)),
        ("sla.response", "T-9", "violated", None),
    }
    settled: list[Obligation] = []
    stream = evaluate(
        ruleset(), events, AS_OF, settle_after=timedelta(hours=1), on_settled=settled.append
    )
    assert [(o.key, o.status) for o in settled] == [("T-1", "fulfilled")]
    assert _summary([*settled, *stream.obligations]) == _summary(list(batch.obligations))
    assert stream.accounting.rejected == ()
    assert stream.accounting.counts() == {"input": 3, "used": 3, "ignored": 0, "rejected": 0}


# Scenario 6. Evaluator.feed: 05:45Z then 06:30Z is time order (no error); 06:30Z then 05:45Z
# is out of order although the wall time of the second (01:45) is later than the first's (01:30).
def test_feed_accepts_events_in_time_order_across_the_repeated_hour() -> None:
    ev = Evaluator(ruleset())
    assert ev.feed(OPEN_1).disposition == "used"
    assert ev.feed(RESP_1).disposition == "used"
    assert_scenario_1(ev.report(AS_OF))
    # report(as_of) at the last event's instant (06:30Z = 01:30-05:00) is allowed
    rep = ev.report("2025-11-02T06:30:00Z")
    assert only(rep, "T-1").status == "fulfilled"


def test_feed_rejects_a_truly_earlier_event_with_a_later_wall_time() -> None:
    later = opened("2025-11-02T01:30:00-05:00", "T-6a", "O6a")  # 06:30Z
    earlier = opened("2025-11-02T01:45:00-04:00", "T-6b", "O6b")  # 05:45Z, 45 min before
    strict = Evaluator(ruleset())
    strict.feed(later)
    with pytest.raises(EventError, match="out of time order"):
        strict.feed(earlier)
    lenient = Evaluator(ruleset(), strict=False)
    lenient.feed(later)
    entry = lenient.feed(earlier)
    assert entry.disposition == "rejected"
    assert "out of time order" in entry.reason


def test_streaming_evaluate_refuses_a_truly_earlier_event_with_a_later_wall_time() -> None:
    # 06:30Z then 05:45Z: out of time order, refused in streaming mode (no sorting there).
    events = [
        opened("2025-11-02T01:30:00-05:00", "T-6a", "O6a"),
        opened("2025-11-02T01:45:00-04:00", "T-6b", "O6b"),
    ]
    settled: list[Obligation] = []
    with pytest.raises(EventError, match="out of time order"):
        evaluate(
            ruleset(), events, AS_OF, settle_after=timedelta(hours=1), on_settled=settled.append
        )


# as_of inside the repeated hour. Opened 01:45-04:00 = 05:45Z; responded 01:35-05:00 = 06:35Z.
# as_of 01:40-05:00 = 06:40Z: both events are before it; due 06:45Z; fulfilled at 06:35Z.
# as_of 01:32-05:00 = 06:32Z: the request is before it (pending, due 06:45Z > 06:32Z), the
# response after it (ignored). By wall time the request (01:45) would be after both as_of.
def test_as_of_in_the_repeated_hour_cuts_by_instant() -> None:
    events = [
        opened("2025-11-02T01:45:00-04:00", "T-7", "O7"),
        responded("2025-11-02T01:35:00-05:00", "T-7", "R7"),
    ]
    rep = evaluate(ruleset(), events, "2025-11-02T01:40:00-05:00")
    ob = only(rep, "T-7")
    assert (ob.status, z(ob.fulfilled_at)) == ("fulfilled", utc(11, 2, 6, 35))
    assert rep.accounting.ignored == ()

    rep = evaluate(ruleset(), events, "2025-11-02T01:32:00-05:00")
    ob = only(rep, "T-7")
    assert (ob.status, z(ob.due), z(ob.fulfilled_at)) == ("pending", utc(11, 2, 6, 45), None)
    (ignored,) = rep.accounting.ignored
    assert ignored.id == "R7"
    assert "after the evaluation time" in ignored.reason


# Scenario 7. Reported instants are in the ruleset's zone, with the offset of the instant:
# opened 06:30Z (written in UTC) = 01:30-05:00 (fold=1); due 07:30Z = 02:30-05:00; responded
# 01:50-05:00 = 06:50Z, 20 min after: fulfilled.
def test_reported_instants_are_in_the_ruleset_zone_with_the_instants_offset() -> None:
    events = [
        opened("2025-11-02T06:30:00Z", "T-8", "O8"),
        responded("2025-11-02T01:50:00-05:00", "T-8", "R8"),
    ]
    rep = evaluate(ruleset(), events, AS_OF)
    ob = only(rep, "T-8")
    assert ob.status == "fulfilled", ob.reason
    assert z(ob.trigger_at) == utc(11, 2, 6, 30)
    assert ob.trigger_at.tzinfo == NY
    assert ob.trigger_at.utcoffset() == timedelta(hours=-5)
    assert ob.trigger_at.fold == 1
    assert ob.trigger_at.isoformat() == "2025-11-02T01:30:00-05:00"
    assert ob.due is not None and ob.due.isoformat() == "2025-11-02T02:30:00-05:00"
    assert ob.fulfilled_at is not None
    assert ob.fulfilled_at.isoformat() == "2025-11-02T01:50:00-05:00"
    assert '"trigger_at": "2025-11-02T01:30:00-05:00"' in rep.to_json()
    # and the first pass of the hour keeps -04:00 (scenario 1's request, 05:45Z)
    first = only(evaluate(ruleset(), [OPEN_1, RESP_1], AS_OF), "T-1").trigger_at
    assert (first.tzinfo, first.utcoffset(), first.fold) == (NY, timedelta(hours=-4), 0)
    assert first.isoformat() == "2025-11-02T01:45:00-04:00"


def test_a_scenario_expecting_an_instant_in_the_repeated_hour_passes() -> None:
    """A rule file's scenario names due and fulfilled_at in the repeated hour; they match."""
    import yaml

    from contract_rules.scenarios import run_scenarios

    doc = yaml.safe_load(RULESET)
    doc["scenarios"] = [
        {
            "name": "late by real time across the fall back",
            "as_of": AS_OF,
            "events": [
                # 00:45 EDT = 04:45Z; due 05:45Z = 01:45-04:00; response 06:30Z = 01:30-05:00
                opened("2025-11-02T00:45:00-04:00", "T", "O"),
                responded("2025-11-02T01:30:00-05:00", "T", "R"),
            ],
            "expect": [
                {
                    "rule": "sla.response",
                    "key": "T",
                    "status": "violated",
                    "due": "2025-11-02T01:45:00-04:00",
                    "fulfilled_at": "2025-11-02T01:30:00-05:00",
                }
            ],
        }
    ]
    [result] = run_scenarios(cr.load_ruleset(yaml.safe_dump(doc)))
    assert result.error is None and result.mismatches == []


def test_reasons_show_the_offset_of_a_wall_time_that_happens_twice() -> None:
    """In a repeated hour a wall time alone is ambiguous: texts add the UTC offset to both
    occurrences (the day's clocks change; text.offset_note)."""
    events = [
        opened("2025-11-02T00:30:00-04:00", "T", "O"),  # 04:30Z; due 05:30Z = 01:30-04:00
        responded("2025-11-02T01:15:00-05:00", "T", "R"),  # 06:15Z: 45 min late
    ]
    ob = only(evaluate(ruleset(), events, AS_OF), "T")
    assert ob.status == "violated"
    assert ob.reason == "fulfilled late at 2025-11-02 01:15-05:00 (45min after due)"
    assert "due 1 hour after the trigger → 2025-11-02 01:30-04:00" in ob.steps("en")
    # opened 01:45 EDT (05:45Z): due 06:45Z, the second 01:45, which the steps tell apart
    twice = only(evaluate(ruleset(), [opened("2025-11-02T01:45:00-04:00", "S", "O")], AS_OF), "S")
    steps = twice.steps("en")
    assert "trigger: ticket_opened O at 2025-11-02 01:45-04:00" in steps
    assert "due 1 hour after the trigger → 2025-11-02 01:45-05:00" in steps
    elsewhere = only(
        evaluate(
            ruleset(),
            [
                opened("2025-11-03T09:00:00-05:00", "U", "O"),
                responded("2025-11-03T10:15:00-05:00", "U", "R"),
            ],
            "2025-11-04T00:00:00-05:00",
        ),
        "U",
    )
    assert elsewhere.reason == "fulfilled late at 2025-11-03 10:15 (15min after due)"


def test_pre_validated_events_are_taken_as_instants_too() -> None:
    """Event objects (already validated elsewhere) are judged by instant like records: a
    response given as the second 01:30 (fold=1), or in UTC, fulfils the request of 01:45 EDT."""
    from contract_rules.events import Event

    first = Event(
        0, "O", "ticket_opened", datetime(2025, 11, 2, 1, 45, tzinfo=NY), {"ticket": "T"}, "x:1"
    )
    second = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NY)  # 06:30Z
    for at in (second, second.astimezone(UTC)):
        reply = Event(1, "R", "ticket_responded", at, {"ticket": "T"}, "x:2")
        ob = only(evaluate(ruleset(), [first, reply], AS_OF), "T")
        assert ob.status == "fulfilled", ob.reason
        assert ob.fulfilled_at is not None and ob.fulfilled_at.tzinfo is NY
        assert z(ob.fulfilled_at) == utc(11, 2, 6, 30)


def test_a_naive_time_skipped_by_the_clocks_is_read_as_the_zone_reads_it() -> None:
    """02:30 on 2025-03-09 does not exist in New York; with naive times declared in that zone
    it is read as Python reads it (fold=0: the offset before the change, 07:30Z = 03:30 EDT)
    and then ordered by that instant."""
    events = [
        opened("2025-03-09T03:10:00-04:00", "B", "OB"),  # 07:10Z
        opened("2025-03-09T02:30:00", "A", "OA"),  # naive, in the gap: 07:30Z
        responded("2025-03-09T03:20:00-04:00", "A", "RA"),  # 07:20Z: before A was opened
    ]
    rep = evaluate(ruleset(), events, "2025-03-10T00:00:00-04:00", naive_tz="America/New_York")
    a = only(rep, "A")
    assert z(a.trigger_at) == utc(3, 9, 7, 30)
    assert a.trigger_at.isoformat() == "2025-03-09T03:30:00-04:00"
    assert a.status == "violated"  # the response came before the request
    assert [o.key for o in rep.obligations] == ["B", "A"]


_ZONES = [ZoneInfo("Asia/Shanghai"), NY, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]


@settings(max_examples=400, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59, 999999),
        timezones=st.one_of(
            st.timezones(),
            st.builds(
                lambda m: timezone(timedelta(minutes=m)), st.integers(-(24 * 60 - 1), 24 * 60 - 1)
            ),
        ),
    ),
    st.sampled_from(_ZONES),
    st.sampled_from(["seconds", "microseconds", "minutes"]),
)
@example(datetime(2025, 11, 2, 1, 30, tzinfo=timezone(timedelta(hours=-4))), NY, "minutes")
@example(datetime(2025, 11, 2, 1, 30, tzinfo=timezone(timedelta(hours=-5))), NY, "minutes")
@example(datetime(2025, 3, 9, 2, 30, tzinfo=timezone(timedelta(hours=-5))), NY, "minutes")
@example(datetime(2025, 4, 6, 1, 45, tzinfo=timezone(timedelta(hours=11))), _ZONES[2], "seconds")
@example(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), _ZONES[0], "seconds")
@example(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), _ZONES[0], "seconds")
@example(datetime(9998, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), _ZONES[0], "seconds")
def test_an_event_instant_is_the_instant_in_the_zone(
    t: datetime, zone: ZoneInfo, spec: str
) -> None:
    """The validator's instant of an ISO string with an offset is the zone's reading of that
    instant (:func:`events.in_zone`, through ``astimezone``), fold included; an instant the zone
    cannot show, or outside years 2-9998, is refused, as in_zone's overflow says."""
    from contract_rules.events import EventValidator, in_zone

    text = t.isoformat(timespec=spec)
    ruleset = cr.load_ruleset(RULESET)
    validator = EventValidator(ruleset, zone)
    record = {"type": "ticket_opened", "at": text, "ticket": "T"}
    try:
        want: datetime | None = in_zone(datetime.fromisoformat(text), zone)
    except OverflowError:
        want = None
    if want is not None and not 2 <= want.year <= 9998:
        want = None
    off = datetime.fromisoformat(text).utcoffset()
    assert off is not None
    offset_ok = off % timedelta(minutes=1) == timedelta(0) and abs(off) <= timedelta(hours=14)
    try:
        got: datetime | None = validator.validate_record(0, "here", record).at
    except EventError as exc:
        assert want is None or not offset_ok, exc
        assert ("out of range" if offset_ok else "offset is not whole minutes") in exc.reason
        return
    assert offset_ok, "an offset outside -14:00..+14:00 or not in whole minutes was accepted"
    assert want is not None
    assert (got, got.fold, got.utcoffset(), got.isoformat()) == (
        want,
        want.fold,
        want.utcoffset(),
        want.isoformat(),
    )
