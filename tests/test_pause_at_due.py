"""A pause that starts at or before the due instant stops the clock (``docs/semantics.md`` 4b).

The due instant is inclusive: at the due no time is left, but the duty is not yet missed, so a
waiting span that starts exactly then stops the clock, as one that starts a moment earlier does;
one that starts a moment later changes nothing. The same holds in batch, incremental and
streaming evaluation.

The property: with every other instant on a whole minute and ε below a minute, moving a pause's
start from due − ε to due keeps every status; moving it to due + ε gives the status without any
pause, which differs from the status at due only where the duty was still open at its due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from _helpers import fed
from hypothesis import given, settings
from hypothesis import strategies as st

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, compile_ruleset, evaluate
from contract_rules.report import Obligation

RULES = """
format: contract-rules/1
contract:
  id: pause-at-due
  title: {en: a clock that waits on the customer}
  parties:
    A: {name: {en: customer}, role: customer}
    B: {name: {en: provider}, role: vendor}
  governing_law: PRC
  timezone: Asia/Shanghai
  term: {start: "2025-01-01", end: "2025-12-31", clause: "1"}
  clauses: ["1", "2"]
calendar:
  layers: [cn-national]
events:
  opened: {fields: {ticket: string}}
  resolved: {fields: {ticket: string}}
  waiting: {fields: {ticket: string}}
  resumed: {fields: {ticket: string}}
spans:
  on_customer:
    start: {event: waiting}
    end: {event: resumed}
    key: ticket
norms:
  - id: resolve
    title: {en: resolve a ticket}
    clause: "2"
    text: {en: The provider resolves each ticket within 2 hours; waiting stops the clock.}
    party: B
    trigger: {event: opened}
    key: ticket
    deadline: {hours: 2}
    fulfilled_by: {event: resolved}
    pause: [on_customer]
  - id: resolve.working
    title: {en: resolve a ticket within working hours}
    clause: "2"
    text: {en: The provider resolves each ticket within 2 working hours; waiting stops the clock.}
    party: B
    trigger: {event: opened}
    key: ticket
    deadline: {working_hours: 2}
    fulfilled_by: {event: resolved}
    pause: [on_customer]
"""

OPENED = datetime.fromisoformat("2025-03-03T10:00:00+08:00")
DUE = OPENED + timedelta(hours=2)
_COMPILED: list[CompiledRuleset] = []


def compiled() -> CompiledRuleset:
    if not _COMPILED:
        _COMPILED.append(compile_ruleset(cr.load_ruleset(RULES)))
    return _COMPILED[0]


def events(
    pause_at: datetime | None, pause_for: timedelta | None, resolved: datetime | None
) -> list[dict[str, Any]]:
    """The ticket's events in time order (a resolution tied with another event comes last)."""
    evs: list[tuple[datetime, int, dict[str, Any]]] = [
        (OPENED, 0, {"id": "open", "type": "opened", "ticket": "T"})
    ]
    if pause_at is not None:
        evs.append((pause_at, 0, {"id": "wait", "type": "waiting", "ticket": "T"}))
        if pause_for is not None:
            end = pause_at + pause_for
            evs.append((end, 0, {"id": "resume", "type": "resumed", "ticket": "T"}))
    if resolved is not None:
        evs.append((resolved, 1, {"id": "done", "type": "resolved", "ticket": "T"}))
    evs.sort(key=lambda x: (x[0], x[1]))
    return [{**e, "at": t.isoformat()} for t, _, e in evs]


def batch(evs: list[dict[str, Any]], as_of: datetime, rule: str = "resolve") -> Obligation:
    return evaluate(compiled(), evs, as_of).find(rule, "T")


def incremental(evs: list[dict[str, Any]], as_of: datetime, rule: str = "resolve") -> Obligation:
    return fed(compiled(), evs).report(as_of).find(rule, "T")


def streaming(evs: list[dict[str, Any]], as_of: datetime, rule: str = "resolve") -> Obligation:
    settled: list[Obligation] = []
    rep = evaluate(
        compiled(), evs, as_of, settle_after=timedelta(minutes=1), on_settled=settled.append
    )
    found = [o for o in (*settled, *rep.obligations) if o.rule == rule]
    assert len(found) == 1
    return found[0]


MODES: dict[str, Callable[..., Obligation]] = {
    "batch": batch,
    "incremental": incremental,
    "streaming": streaming,
}


def test_a_pause_that_starts_at_the_due_stops_the_clock() -> None:
    """Waiting from 12:00 (the due) to 13:00; resolved at 12:30, while waiting: on time (the
    clock had no time left but was stopped; it stops for good at the fulfilment, so the due
    reported is 12:30). The same wait starting a microsecond after the due changes nothing:
    missed at 12:00."""
    at_due = events(DUE, timedelta(hours=1), DUE + timedelta(minutes=30))
    after = events(DUE + timedelta(microseconds=1), timedelta(hours=1), DUE + timedelta(minutes=30))
    as_of = OPENED + timedelta(hours=6)
    for name, run in MODES.items():
        ob = run(at_due, as_of)
        assert (name, ob.status, ob.due) == (name, "fulfilled", DUE + timedelta(minutes=30))
        ob = run(after, as_of)
        assert (name, ob.status, ob.due) == (name, "violated", DUE)


def test_at_the_due_no_time_is_left_once_the_pause_ends() -> None:
    """Waiting from the due to 13:00, resolved at 13:01: missed the moment the clock ran again;
    still waiting at as_of: pending, not missed."""
    late = events(DUE, timedelta(hours=1), DUE + timedelta(hours=1, minutes=1))
    waiting = events(DUE, None, None)
    as_of = OPENED + timedelta(hours=6)
    for name, run in MODES.items():
        ob = run(late, as_of)
        assert (name, ob.status, ob.due) == (name, "violated", DUE + timedelta(hours=1))
        assert (name, run(waiting, as_of).status) == (name, "pending")


def test_on_a_working_hours_clock_the_due_is_the_instant_the_clock_runs_out() -> None:
    """Opened Friday 16:00 with 2 working hours: due Friday 18:00. Waiting from 18:00 stops the
    clock (no time left, not yet missed) until Monday 10:00, so a resolution Monday 09:30 is on
    time (the clock stops for good at the fulfilment: due 09:30); waiting from Saturday 10:00
    starts after the due and changes nothing, although no working time lies between the due and
    it."""
    friday = datetime.fromisoformat("2025-03-07T16:00:00+08:00")
    due = friday + timedelta(hours=2)
    monday = datetime.fromisoformat("2025-03-10T10:00:00+08:00")
    as_of = monday + timedelta(hours=8)

    def ticket(wait_from: datetime) -> list[dict[str, Any]]:
        evs = [
            {"id": "open", "type": "opened", "at": friday.isoformat(), "ticket": "T"},
            {"id": "wait", "type": "waiting", "at": wait_from.isoformat(), "ticket": "T"},
            {"id": "done", "type": "resolved", "at": (monday - timedelta(minutes=30)).isoformat(),
             "ticket": "T"},
            {"id": "resume", "type": "resumed", "at": monday.isoformat(), "ticket": "T"},
        ]  # fmt: skip
        return evs

    for name, run in MODES.items():
        ob = run(ticket(due), as_of, "resolve.working")
        assert (name, ob.status, ob.due) == (name, "fulfilled", monday - timedelta(minutes=30))
        ob = run(ticket(due + timedelta(hours=16)), as_of, "resolve.working")
        assert (name, ob.status, ob.due) == (name, "violated", due)


minutes = st.integers(min_value=-90, max_value=300).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(
    eps=st.integers(min_value=1, max_value=59_999_999).map(lambda us: timedelta(microseconds=us)),
    pause_for=st.one_of(st.none(), st.integers(1, 240).map(lambda m: timedelta(minutes=m))),
    resolved=st.one_of(st.none(), minutes),
    as_of=st.integers(min_value=1, max_value=600).map(lambda m: DUE + timedelta(minutes=m)),
)
def test_moving_the_pause_start_across_the_due(
    eps: timedelta, pause_for: timedelta | None, resolved: timedelta | None, as_of: datetime
) -> None:
    done = None if resolved is None else DUE + resolved
    if done is not None and done > as_of:
        done = None  # only what happened by as_of is fed
    for name, run in MODES.items():

        def status(pause_at: datetime | None, run: Callable[..., Obligation] = run) -> str:
            ends = None if pause_at is None else pause_at + (pause_for or timedelta(0))
            fed_for = (
                pause_for if pause_for is not None and ends is not None and ends <= as_of else None
            )
            return run(events(pause_at, fed_for, done), as_of).status

        before, at, after = status(DUE - eps), status(DUE), status(DUE + eps)
        unpaused = status(None)
        assert at == before, (name, before, at)
        assert after == unpaused, (name, after, unpaused)
        open_at_due = done is None or done > DUE
        if not open_at_due:
            assert after == at == "fulfilled", (name, at, after)


def test_waiting_after_fulfilment_moves_no_due_in_any_mode() -> None:
    """Regression (review): a pause still open when the duty was fulfilled kept counting in
    batch until as_of (the due of a met duty grew with as_of), and in streaming until the
    instance settled. The clock of a fulfilled duty stops at its fulfilment: 10:00 + 2 h, and
    30 minutes of waiting before the resolution at 11:30, is 12:30 in every mode and at any
    as_of."""
    evs = [
        {"id": "o", "type": "opened", "ticket": "T", "at": "2025-03-03T10:00:00+08:00"},
        {"id": "w", "type": "waiting", "ticket": "T", "at": "2025-03-03T11:00:00+08:00"},
        {"id": "r", "type": "resolved", "ticket": "T", "at": "2025-03-03T11:30:00+08:00"},
        {"id": "x", "type": "opened", "ticket": "U", "at": "2025-03-03T15:00:00+08:00"},
    ]
    want = datetime.fromisoformat("2025-03-03T12:30:00+08:00")
    for text in ("2025-03-03T16:00:00+08:00", "2025-03-05T16:00:00+08:00"):
        as_of = datetime.fromisoformat(text)
        settled: list[Obligation] = []
        rep = evaluate(
            compiled(), evs, as_of, settle_after=timedelta(minutes=1), on_settled=settled.append
        )
        (streamed,) = [
            o for o in (*settled, *rep.obligations) if (o.rule, o.key) == ("resolve", "T")
        ]
        for name, ob in (
            ("batch", evaluate(compiled(), evs, as_of).find("resolve", "T")),
            ("incremental", incremental(evs, as_of)),
            ("streaming", streamed),
        ):
            assert (ob.status, ob.due) == ("fulfilled", want), (name, text)
