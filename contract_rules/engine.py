"""The evaluation engine: a compiled ruleset and an ordered event stream in, every duty's fate out.

Evaluation is a pure function of (compiled ruleset, events, as_of): events are ordered by
instant, ties by input order; the same input gives the same report, byte for byte.

- :func:`compile_ruleset` turns a :class:`~contract_rules.model.Ruleset` into an engine-neutral
  :class:`CompiledRuleset` (calendar, predicates, deadline rules, a dispatch table by event type).
- :class:`Evaluator` takes events one at a time, in time order, and answers at any instant what
  is open and when it falls due; :meth:`Evaluator.report` gives the same report as the batch call.
- :func:`evaluate` is the batch call: read, validate, order, feed, report.

The meaning of every status, deadline and excuse is fixed in ``docs/semantics.md``.
"""

from __future__ import annotations

import gc
import heapq
import os
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import Any, cast, get_args
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar, PeriodUnit, WorkingTimeClass, build_calendar
from .errors import ContractRulesError, EventError
from .events import (
    MAX_ID_CHARS,
    Event,
    EventValidator,
    RawEvent,
    comparable,
    elapsed,
    in_zone,
    offset_note,
    read_records,
    zone,
)
from .model import (
    Condition,
    Deadline,
    FieldTest,
    Norm,
    Remedy,
    Ruleset,
    Span,
    Status,
    Tier,
)
from .report import (
    Accounting,
    EventEntry,
    Liability,
    NormInfo,
    Obligation,
    RemedyItem,
    RemedyLine,
    Report,
    iso,
    money,
)
from .safe_text import visible

Predicate = Callable[[Mapping[str, Any]], bool]
#: An event handler: (evaluator, index in its table, event) -> None (not for it), or (used,
#: reason). The trigger handler takes a tuple of norm indexes: the norms one event triggers.
_Handler = Callable[["Evaluator", Any, "Event"], "tuple[bool, str] | None"]
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A clock pause applied to an instance: how long, which span starts, and the moved due.
_Paused = tuple[timedelta, tuple[str, ...], datetime]
_CLASS_WORDS_ZH = {
    "working_hours": "工作日的工作时间",
    "outside_working_hours": "工作日的非工作时间",
    "non_working_day": "非工作日",
}
_UNITS_ZH = {
    "minutes": "分钟",
    "hours": "小时",
    "working_hours": "工作小时",
    "days": "日",
    "working_days": "个工作日",
    "months": "个月",
    "years": "年",
}
_CLASS_WORDS = {
    "working_hours": "inside working hours of a working day",
    "outside_working_hours": "outside working hours of a working day",
    "non_working_day": "on a non-working day",
}


# =============================================================================== compiling


def compile_condition(cond: Condition) -> Predicate:
    """A predicate on an event's fields: every listed field must match (AND)."""
    tests: list[tuple[str, Callable[[Any], bool]]] = []
    for name, spec in cond.items():
        tests.append((name, _field_test(spec)))
    if not tests:
        return _always

    def pred(fields: Mapping[str, Any]) -> bool:
        return all(name in fields and test(fields[name]) for name, test in tests)

    return pred


def _always(fields: Mapping[str, Any]) -> bool:
    return True


def _norm_value(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | Decimal):
        return Decimal(v)
    return v


def _field_test(spec: FieldTest | Any) -> Callable[[Any], bool]:
    if not isinstance(spec, FieldTest):
        want = _norm_value(spec)
        return lambda v: _norm_value(v) == want
    checks: list[Callable[[Any], bool]] = []
    given = spec.model_fields_set
    if "eq" in given:
        eq = _norm_value(spec.eq)
        checks.append(lambda v: _norm_value(v) == eq)
    if "ne" in given:
        ne = _norm_value(spec.ne)
        checks.append(lambda v: _norm_value(v) != ne)
    if spec.in_ is not None:
        allowed = [_norm_value(x) for x in spec.in_]
        checks.append(lambda v: _norm_value(v) in allowed)
    if spec.not_in is not None:
        banned = [_norm_value(x) for x in spec.not_in]
        checks.append(lambda v: _norm_value(v) not in banned)
    for op in ("lt", "le", "gt", "ge"):
        bound = getattr(spec, op)
        if bound is not None:
            checks.append(_compare(op, bound))
    return lambda v: all(c(v) for c in checks)


def _compare(op: str, bound: Decimal) -> Callable[[Any], bool]:
    def test(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            return False
        d = Decimal(v)
        return {"lt": d < bound, "le": d <= bound, "gt": d > bound, "ge": d >= bound}[op]

    return test


@dataclass(frozen=True)
class CompiledDeadline:
    """A deadline with its unit, amount and clock length worked out once."""

    spec: Deadline
    unit: str
    amount: Decimal
    #: the length for clock units (minutes, hours, working_hours); zero otherwise
    delta: timedelta
    text: str
    #: clock hours or minutes counted from the trigger: the common case, due = trigger + delta
    clock_from_trigger: bool = False

    @classmethod
    def of(cls, d: Deadline) -> CompiledDeadline:
        """Compile ``d``."""
        unit = d.unit
        amount = d.amount
        delta = timedelta(0)
        if unit in ("minutes", "hours", "working_hours"):
            per = 60 if unit == "minutes" else 3600
            delta = timedelta(microseconds=int(amount * per * 1_000_000))
        simple = unit in ("minutes", "hours") and d.from_ == "trigger"
        return cls(d, unit, amount, delta, d.describe(anchor=False), simple)


@dataclass(frozen=True)
class CompiledTier:
    """A tier with its compiled condition and deadline."""

    tier: Tier
    classes: frozenset[str] | None
    pred: Predicate
    deadline: CompiledDeadline
    #: the tier's name, as every instance in it reports it
    name: str = ""
    #: its place among the norm's tiers
    position: int = 0


@dataclass(frozen=True)
class CompiledExcuse:
    """An excuse ready to test: the cause slot and values it looks for, or the span it names."""

    clause: str
    reason_en: str
    reason_zh: str
    #: the index of the cause slot (``CompiledRuleset.causes``), or -1 for a span excuse or a
    #: cause excuse without a key (which can never apply: causes are recorded per key)
    slot: int = -1
    values: frozenset[str] = frozenset()
    span: str | None = None


@dataclass(frozen=True)
class CompiledNorm:
    """A norm ready to run: predicates, tiers, correlation fields and excuse specs."""

    index: int
    norm: Norm
    trigger_pred: Predicate
    tiers: tuple[CompiledTier, ...]
    response_type: str | None
    response_pred: Predicate
    match: tuple[str, ...]
    pause: tuple[str, ...]
    deadline: CompiledDeadline | None
    not_before: CompiledDeadline | None
    #: the norm's words as every instance reports them, made once
    info: NormInfo
    #: what the hot path asks of every event, worked out once: the outcome of a response's use
    #: (with the accounting's words for it), the party when it is fixed (None when it comes
    #: from the event), whether instances wait for a response, and whether a trigger is itself
    #: the final act (a prohibition without a violating event)
    used_response: tuple[bool, str] = (True, "")
    static_party: str | None = None
    waits: bool = False
    final_on_trigger: bool = False
    #: the norm's settings the hot path reads, copied out of the (slower to read) model
    key_field: str | None = None
    within_term: bool = True
    survives_term: bool = False
    #: the excuses, in the rule file's order (the first that applies is reported)
    excuses: tuple[CompiledExcuse, ...] = ()
    #: time class -> the tier that applies, when the tiers are chosen by time class alone (no
    #: tier has a condition on the trigger's fields); None otherwise
    tier_of_class: Mapping[str, CompiledTier] | None = None
    best_effort: bool = False
    #: a response simply fulfils the instance (no money to add up, no window, not a
    #: prohibition's late act)
    plain_response: bool = False
    #: instances correlate on the one field that is also their key (the match is the key)
    match_is_key: bool = False
    #: the one field instances correlate on, if it is one
    single_match: str | None = None
    #: an obligation whose clock never pauses: met on time, an instance is simply fulfilled
    plain_finish: bool = False
    #: the index of the norm this one's trigger follows (an instance with the same key must
    #: exist), or -1
    follows: int = -1
    #: the party field of a fulfilling event that must name the instance's bearer, if any
    by_field: str | None = None


@dataclass(frozen=True)
class CauseSlot:
    """Where causes are recorded: events of ``event`` naming ``field`` for the key ``key``."""

    event: str
    field: str
    key: str


@dataclass(frozen=True)
class CompiledSpan:
    """A span definition with compiled start and end conditions."""

    name: str
    span: Span
    start_pred: Predicate
    end_pred: Predicate


@dataclass(frozen=True, eq=False)
class CompiledRuleset:
    """An engine-neutral compiled form of a ruleset. Immutable; share it across evaluations."""

    ruleset: Ruleset
    calendar: BusinessCalendar
    tz: ZoneInfo
    term_start: datetime
    term_end: datetime
    norms: tuple[CompiledNorm, ...]
    spans: tuple[CompiledSpan, ...]
    causes: tuple[CauseSlot, ...]
    #: event type → what it can do: (trigger|response|cause|span_start|span_end|claim, index)
    dispatch: Mapping[str, tuple[tuple[str, int], ...]]
    #: (event type, field) pairs that carry money
    money_fields: frozenset[tuple[str, str]]
    norm_order: Mapping[str, int]
    #: per remedy, the condition its claims must meet (``claims.when``)
    claim_preds: tuple[Predicate, ...] = ()
    #: the contract's currency: the one its fees are in (None without fees, or when they differ)
    currency: str | None = None

    def cause_slot(self, event: str, field: str, key: str) -> int:
        """The index of the cause slot recording ``field`` of ``event`` per ``key``."""
        return self._slots[(event, field, key)]

    @cached_property
    def _slots(self) -> dict[tuple[str, str, str], int]:
        return {(c.event, c.field, c.key): j for j, c in enumerate(self.causes)}

    def other_party(self, party: str) -> str:
        """The other party of a two-party contract."""
        others = [p for p in self.ruleset.contract.parties if p != party]
        return others[0] if len(others) == 1 else "any"


def _tier_of_class(tiers: tuple[CompiledTier, ...]) -> dict[str, CompiledTier] | None:
    """Per time class, the first tier that applies, when tiers depend on the class alone."""
    if not tiers or any(t.pred is not _always for t in tiers):
        return None
    found: dict[str, CompiledTier] = {}
    for cls in get_args(WorkingTimeClass):
        for t in tiers:
            if t.classes is None or cls in t.classes:
                found[cls] = t
                break
    return found


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """Compile once, evaluate many times. Raises CalendarError for a bad calendar spec."""
    cal = build_calendar(ruleset)
    tz = ZoneInfo(ruleset.contract.timezone)
    term = ruleset.contract.term
    # midnights of the zone, as instants (a midnight skipped by a change of offset becomes the
    # day's first instant), in the form the engine compares
    term_start = in_zone(datetime.combine(term.start, time(0), tz), tz)
    term_end = in_zone(datetime.combine(term.end + timedelta(days=1), time(0), tz), tz)
    norms: list[CompiledNorm] = []
    dispatch: dict[str, list[tuple[str, int]]] = {}
    money: set[tuple[str, str]] = set()
    causes: list[CauseSlot] = []

    def add(etype: str, what: str, idx: int) -> None:
        entry = (what, idx)
        lst = dispatch.setdefault(etype, [])
        if entry not in lst:
            lst.append(entry)

    for i, n in enumerate(ruleset.norms):
        response = n.fulfilled_by or n.violated_by or n.exercised_by
        match: tuple[str, ...] = ()
        if response is not None:
            match = (
                tuple(response.match) if response.match is not None else ((n.key,) if n.key else ())
            )
        tiers = tuple(
            CompiledTier(
                t,
                frozenset(t.at) if t.at is not None else None,
                compile_condition(t.when),
                CompiledDeadline.of(t.deadline),
                t.name,
                k,
            )
            for k, t in enumerate(n.tiers or [])
        )
        verb = {"obligation": "fulfils", "prohibition": "violates", "permission": "exercises"}
        fb = n.fulfilled_by
        excuses: list[CompiledExcuse] = []
        for ex in n.excuses:
            words = (ex.clause, ex.reason.get("en") or "", ex.reason.get("zh") or "")
            if ex.cause is None:
                excuses.append(CompiledExcuse(*words, span=ex.span))
                continue
            at_slot = -1
            if ex.cause.key or n.key:
                found = CauseSlot(ex.cause.event, ex.cause.field, ex.cause.key or n.key or "")
                if found not in causes:
                    causes.append(found)
                at_slot = causes.index(found)
            excuses.append(CompiledExcuse(*words, slot=at_slot, values=frozenset(ex.cause.values)))
        norms.append(
            CompiledNorm(
                index=i,
                norm=n,
                trigger_pred=compile_condition(n.trigger.when),
                tiers=tiers,
                response_type=response.event if response else None,
                response_pred=compile_condition(response.when) if response else _always,
                match=match,
                pause=tuple(n.pause),
                deadline=CompiledDeadline.of(n.deadline) if n.deadline is not None else None,
                not_before=CompiledDeadline.of(fb.not_before)
                if fb is not None and fb.not_before is not None
                else None,
                used_response=(True, f"{verb[n.kind]} {n.id}"),
                static_party=None if n.party.startswith("$") else n.party,
                waits=response is not None,
                final_on_trigger=n.kind == "prohibition" and n.violated_by is None,
                key_field=n.key,
                within_term=n.within_term,
                survives_term=n.survives_term,
                excuses=tuple(excuses),
                tier_of_class=_tier_of_class(tiers),
                best_effort=n.strength == "best_effort",
                plain_response=n.kind != "prohibition"
                and (fb is None or (fb.accumulate is None and fb.not_before is None))
                and (fb is None or fb.by is None),
                match_is_key=n.key is not None and match == (n.key,),
                single_match=match[0] if len(match) == 1 else None,
                plain_finish=n.kind == "obligation" and not n.pause,
                follows=-1
                if n.trigger.follows is None
                else [m.id for m in ruleset.norms].index(n.trigger.follows),
                by_field=fb.by if fb is not None else None,
                info=NormInfo(
                    n.id,
                    n.kind,
                    n.clause,
                    n.title.zh or "",
                    n.title.en or "",
                    n.strength,
                ),
            )
        )
        if n.trigger.event:
            add(n.trigger.event, "trigger", i)
        if response is not None:
            add(response.event, "response", i)
        if n.fulfilled_by and n.fulfilled_by.accumulate:
            acc = n.fulfilled_by.accumulate
            money.add((n.fulfilled_by.event, acc.field))
    spans = tuple(
        CompiledSpan(name, s, compile_condition(s.start.when), compile_condition(s.end.when))
        for name, s in ruleset.spans.items()
    )
    for j, s in enumerate(spans):
        add(s.span.start.event, "span_start", j)
        add(s.span.end.event, "span_end", j)
    for j, slot in enumerate(causes):
        add(slot.event, "cause", j)
    for k, r in enumerate(ruleset.remedies):
        if r.claims is not None:
            add(r.claims.event, "claim", k)
            money.add((r.claims.event, r.claims.amount_field))
    return CompiledRuleset(
        ruleset=ruleset,
        calendar=cal,
        tz=tz,
        term_start=term_start,
        term_end=term_end,
        norms=tuple(norms),
        spans=spans,
        causes=tuple(causes),
        dispatch={k: tuple(v) for k, v in dispatch.items()},
        money_fields=frozenset(money),
        norm_order={n.id: i for i, n in enumerate(ruleset.norms)}
        | {r.id: len(ruleset.norms) + i for i, r in enumerate(ruleset.remedies)},
        claim_preds=tuple(
            compile_condition(r.claims.when) if r.claims is not None else _always
            for r in ruleset.remedies
        ),
        currency=_contract_currency(ruleset),
    )


def _contract_currency(ruleset: Ruleset) -> str | None:
    """The currency the contract's money is in: that of its fees, when they share one."""
    found = {fee.currency for fee in ruleset.contract.fees.values()}
    return found.pop() if len(found) == 1 else None


# =============================================================================== state


#: "00" to "99", and the years seen as four digits: dates are formatted from these pieces
#: (integer formatting costs about 150 ns a number here, a tuple or dict lookup a tenth of it)
_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
_YEAR_TEXT: dict[int, str] = {}


def _year_text(year: int) -> str:
    text = _YEAR_TEXT.get(year)
    if text is None:
        text = _YEAR_TEXT[year] = f"{year:04d}"
    return text


def fmt(t: datetime, *, day_end: bool = False) -> str:
    """``2025-03-03 10:00``; with day_end, a midnight shows as 24:00 of the day before.

    Seconds are shown when present, and the UTC offset of the second occurrence of a wall time
    that happens twice (a repeated hour: ``2025-11-02 01:30-05:00``). (Built from cached digit
    pieces: ``strftime`` costs six times more and ``%``-formatting two and a half, and reasons
    are formatted for every missed duty.)
    """
    two = _TWO_DIGITS
    if day_end and t.hour == 0 and t.minute == 0 and t.second == 0 and t.microsecond == 0:
        prev = t - timedelta(days=1)
        return f"{_year_text(prev.year)}-{two[prev.month]}-{two[prev.day]} 24:00"
    text = f"{_year_text(t.year)}-{two[t.month]}-{two[t.day]} {two[t.hour]}:{two[t.minute]}"
    if t.second or t.microsecond:
        text = f"{text}:{two[t.second]}"
    if t.fold or isinstance(t.tzinfo, timezone):  # what offset_note looks at
        return text + offset_note(t)
    return text


@dataclass(slots=True)
class _SpanRec:
    name: str
    key: str | None
    party: str | None
    start: datetime
    start_id: str
    end: datetime | None = None
    end_id: str | None = None


#: The correlation value of an instance: the one matching field's text, or a tuple of several.
_Match = str | tuple[str, ...]


@dataclass(slots=True)
class _More:
    """The facts few instances have: a window opening, money paid in parts, notes."""

    not_before: datetime | None = None
    paid: Decimal | None = None
    parts: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class _Instance:
    """One open or closed instance of a norm while an evaluation runs (identity-hashed).

    Kept small: a large evaluation holds hundreds of thousands of them.
    """

    cn: CompiledNorm
    key: str | None
    match: _Match
    nth: int
    trigger_at: datetime
    trigger_id: str | None
    party: str
    tier: CompiledTier | None
    base_due: datetime | None
    #: the explainer shared by its norm and tier (given positionally, as every
    #: field is: keyword arguments cost a quarter of a µs more per instance)
    how: _Explainer
    responded_at: datetime | None = None
    #: the id of the event that fulfilled it, or the ids of those that add up to it; kept
    #: bare (no tuple with the trigger's id) until the report, to keep running state small
    answered_by: str | tuple[str, ...] | None = None
    more: _More | None = None

    @property
    def deadline(self) -> CompiledDeadline | None:
        """The deadline in force: the tier's, or the norm's."""
        return self.tier.deadline if self.tier is not None else self.cn.deadline

    @property
    def not_before(self) -> datetime | None:
        """When fulfilment starts to count, if the norm says so."""
        return self.more.not_before if self.more is not None else None

    def extra(self) -> _More:
        """The rarely needed facts, created on first use."""
        if self.more is None:
            self.more = _More()
        return self.more


@dataclass(frozen=True, slots=True)
class _Cause:
    value: str
    event_id: str
    at: datetime


_NO_EXCUSE: tuple[str, str, tuple[str, ...]] | None = None
#: what a handler returns when a rule used the event (the reason is for the ignored only)
_USED = (True, "")
_BEST_EFFORT_NOTE = "best effort: a missed target is reported, not a breach"
_BEST_EFFORT_NOTES = (_BEST_EFFORT_NOTE,)


class Evaluator:
    """Incremental evaluation: feed events in time order, ask for a report or what is open.

    ``strict=True`` (the default) raises :class:`EventError` for an invalid event, naming it;
    ``strict=False`` records it as rejected. An event earlier than one already fed is out of
    order: an error in strict mode, rejected otherwise (the batch :func:`evaluate` orders its
    input first). The results equal those of :func:`evaluate` on the same events.

    Streaming mode (``settle_after`` given): memory is bounded by the open instances, not by the
    events seen. An instance is *settled* once it is fulfilled, or its due has passed, and
    ``settle_after`` more has gone by on the event clock; it is then handed to ``on_settled`` and
    forgotten (the report counts it in ``settled``). A cause or span that arrives after an
    instance settled can no longer excuse it; choose ``settle_after`` longer than causes take to
    be determined. Used events are counted, not listed.
    """

    def __init__(
        self,
        compiled: CompiledRuleset | Ruleset,
        *,
        strict: bool = True,
        naive_tz: str | tzinfo | None = None,
        settle_after: timedelta | None = None,
        on_settled: Callable[[Obligation], None] | None = None,
    ) -> None:
        self.c = compiled if isinstance(compiled, CompiledRuleset) else compile_ruleset(compiled)
        self.strict = strict
        if settle_after is not None and settle_after < timedelta(0):
            raise ValueError(f"settle_after must not be negative, got {settle_after}")
        ntz = zone(naive_tz) if isinstance(naive_tz, str) else naive_tz
        self.validator = EventValidator(
            self.c.ruleset, self.c.tz, naive_tz=ntz, money_fields=self.c.money_fields
        )
        #: every instance, in creation order (batch and incremental use) ...
        self._instances: list[_Instance] = []
        #: ... or, in streaming mode, the instances not yet settled, each with its number in
        #: creation order, which orders instances that settle at one instant (a dict, for
        #: removal; a list costs a sixth of the memory where nothing is removed)
        self._live: dict[_Instance, int] = {}
        self._seq = 0
        #: per norm: correlation value -> the instances waiting for a response
        self._open: list[dict[_Match, list[_Instance]]] = [{} for _ in self.c.norms]
        #: per norm: instances so far per key (the ``nth`` of the next one)
        #: key -> a bit per norm that has an instance with that key; and the rare repeats:
        #: (norm, key) -> instances so far. Together they number instances (``nth``) at a
        #: dict entry per key, not one per norm and key.
        self._seen_keys: dict[str | None, int] = {}
        self._repeats: dict[tuple[int, str | None], int] = {}
        self._causes: dict[tuple[int, str], list[_Cause]] = {}
        self._spans: dict[str, list[_SpanRec]] = {}
        self._spans_by_key: dict[tuple[str, str | None], list[_SpanRec]] = {}
        self._open_spans: dict[tuple[str, str | None, str | None], _SpanRec] = {}
        self._claims: list[tuple[int, Event]] = []
        self._ignored: list[EventEntry] = []
        self._rejected: list[EventEntry] = []
        self._used = array("q")
        self._used_sorted = True  # in input order so far (always, for input in time order)
        self._used_count = 0
        self._out_of_term: dict[str, list[str]] = {}
        self._last: datetime | None = None
        self._next_index = 0
        self._years: set[int] = set()
        #: the instant of the last event that created instances, and the instants at which two
        #: events (or an event and a term date) created instances: only there does the report
        #: order need more than the trigger instant (instances arise in order otherwise)
        self._created_at: datetime | None = None
        self._ties: set[datetime] = set()
        #: per norm, the explainer shared by its plain instances, one per tier (or one)
        self._how: list[tuple[_Explainer, ...]] = [
            tuple(_Explainer(self.c, cn, t, None, None, None) for t in cn.tiers)
            or (_Explainer(self.c, cn, None, None, None, None),)
            for cn in self.c.norms
        ]
        #: event type -> the handlers and their indexes, in the order of the dispatch table
        #: (plain functions, not bound methods: an evaluator makes no reference cycle)
        self._handlers: dict[str, tuple[tuple[_Handler, Any], ...]] = {
            etype: _handler_table(entries) for etype, entries in self.c.dispatch.items()
        }
        self.settle_after = settle_after
        self.on_settled = on_settled
        #: (when it may settle, creation number, instance): instances that settle at one instant
        #: do so in creation order, and are never compared themselves
        self._heap: list[tuple[datetime, int, _Instance]] = []
        #: the heap's first instant in the zone's compared form (events are compared with it
        #: once each; the heap itself holds UTC instants, exact for any settle_after)
        self._top: datetime | None = None
        self._settled: dict[str, int] = {}
        self._settled_for_remedies: list[Obligation] = []
        self._remedy_norms = {n for r in self.c.ruleset.remedies for n in r.norms}
        for cn in self.c.norms:
            if cn.norm.trigger.at is not None:
                at = self.c.term_start if cn.norm.trigger.at == "term.start" else self.c.term_end
                cls = self.c.calendar.classify(at) if cn.tiers else None
                if self._create(cn, at, None, {}, None, cls) is not None:
                    self._years.add(at.year)

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Mapping[str, Any] | RawEvent | Event) -> EventEntry:
        """Validate and apply one event; return what became of it (used, ignored, rejected)."""
        if isinstance(event, Event):
            ev: Event | None = event
            raw = RawEvent(event.index, event.where, None)
        else:
            raw = (
                event
                if isinstance(event, RawEvent)
                else RawEvent(self._next_index, f"event #{self._next_index + 1}", event)
            )
            ev = None
        self._next_index = max(self._next_index, raw.index + 1)
        try:
            fresh = ev is None
            ev = self.validator.validate(raw) if ev is None else self.validator.admit(ev)
            if self._last is not None and ev.at < self._last:
                raise EventError(
                    ev.where,
                    f"out of time order: {iso(ev.at)} is before {iso(self._last)}, already seen",
                    event_id=ev.id,
                )
            if fresh:
                self.validator.claim(ev)  # in time order: the earlier of two with one id counts
        except EventError as exc:
            if self.strict:
                raise
            return self.reject(raw, exc)
        reason = self.apply(ev)
        if reason is None:
            return EventEntry(ev.index, ev.where, ev.id, ev.type, self._zoned(ev.at), "used", "")
        return self._ignored[-1]

    def reject(self, raw: RawEvent, exc: EventError) -> EventEntry:
        """Record an invalid event as rejected, with the error's reason."""
        data = raw.data if isinstance(raw.data, Mapping) else {}
        rid = data.get("id")
        rtype = data.get("type")
        if isinstance(rid, bool) or not isinstance(rid, str | int):
            rid = exc.event_id
        elif isinstance(rid, int):
            rid = str(rid) if abs(rid) < 10**MAX_ID_CHARS else exc.event_id
        elif len(rid) > MAX_ID_CHARS:
            rid = rid[:MAX_ID_CHARS] + "…"
        # a refused record's id and type may hold what no output can write (a lone surrogate)
        # or show (controls): they are kept as escapes
        entry = EventEntry(
            raw.index,
            raw.where,
            None if rid is None else visible(rid),
            visible(rtype) if isinstance(rtype, str) else None,
            None,
            "rejected",
            exc.reason,
        )
        self._rejected.append(entry)
        return entry

    def ignore(self, ev: Event, reason: str) -> EventEntry:
        """Record a valid event that is not evaluated (e.g. after as_of), with the reason."""
        entry = EventEntry(
            ev.index, ev.where, ev.id, ev.type, self._zoned(ev.at), "ignored", reason
        )
        self._ignored.append(entry)
        return entry

    def apply(self, ev: Event) -> str | None:
        """Apply a validated event not earlier than the last one applied.

        Returns None when a rule used the event, else the reason it was ignored (recorded).
        """
        self._last = ev.at
        top = self._top
        if top is not None and top < ev.at:
            self._settle(ev.at)
        used = False
        ignored: list[str] | None = None
        for handler, idx in self._handlers.get(ev.type, ()):
            outcome = handler(self, idx, ev)
            if outcome is None:
                continue
            if outcome[0]:
                used = True
            elif ignored is None:
                ignored = [outcome[1]]
            else:
                ignored.append(outcome[1])
        if used:
            self._used_count += 1
            if self.settle_after is None:
                if self._used and ev.index < self._used[-1]:
                    self._used_sorted = False
                self._used.append(ev.index)
            return None
        reason = (
            "; ".join(dict.fromkeys(ignored or ())) or f"no rule uses events of type {ev.type!r}"
        )
        self.ignore(ev, reason)
        return reason

    # ------------------------------------------------------------------ handlers

    def _on_triggers(self, norms: tuple[int, ...], ev: Event) -> tuple[bool, str] | None:
        """Create the instances of ``norms`` (in order) that ``ev`` triggers.

        What the norms of one event share is worked out once: its time class (only when a
        norm has tiers), its place in the term, its year; each norm then checks its own condition
        and term. Returns used when any norm took the event, else the reasons, one per norm.
        """
        c = self.c
        at = ev.at
        fields = ev.fields
        cls: str | None = None
        classified = False
        before_term = at < c.term_start
        after_term = at >= c.term_end
        used = False
        why: list[str] = []
        for i in norms:
            cn = c.norms[i]
            if cn.trigger_pred is not _always and not cn.trigger_pred(fields):
                why.append(f"does not meet the trigger condition of {cn.info.rule}")
                continue
            if cn.within_term and (before_term or (after_term and not cn.survives_term)):
                term = c.ruleset.contract.term
                head = (
                    f"{ev.type} {ev.id} at {fmt(at)} is outside the term "
                    f"({term.start} – {term.end}, clause {term.clause or '1'})"
                )
                self._out_of_term.setdefault(head, []).append(cn.info.rule)
                why.append(f"out of term for {cn.info.rule} (clause {term.clause or '1'})")
                continue
            key = None if cn.key_field is None else str(fields.get(cn.key_field))
            if cn.follows >= 0 and not (self._seen_keys.get(key, 0) >> cn.follows) & 1:
                # a follow-up duty arises only where the duty it follows arose (semantics 5)
                first = c.norms[cn.follows].info.rule
                why.append(f"no {first} instance for {key}: {cn.info.rule} follows one")
                continue
            if cn.tiers and not classified:
                cls = c.calendar.classify(at)
                classified = True
            if self._create(cn, at, ev.id, fields, key, cls) is None:
                why.append(f"no tier of {cn.info.rule} applies")
                continue
            used = True
        if used:
            self._years.add(at.year)
            if at == self._created_at or at == c.term_start or at == c.term_end:
                self._ties.add(at)  # instances of two events (or of a term date) share it
            self._created_at = at
            return _USED
        return False, "; ".join(why)

    def _create(
        self,
        cn: CompiledNorm,
        at: datetime,
        ev_id: str | None,
        fields: Mapping[str, Any],
        key: str | None,
        cls: str | None,
    ) -> _Instance | None:
        """A new instance of ``cn`` triggered at ``at`` (of time class ``cls`` when ``cn`` has
        tiers); None when no tier of it applies. The caller records the year of ``at``."""
        tier: CompiledTier | None = None
        deadline = cn.deadline
        if cn.tiers:
            by_class = cn.tier_of_class
            if by_class is not None:
                tier = by_class.get(cls or "")
            else:
                for t in cn.tiers:
                    if (t.classes is None or cls in t.classes) and (
                        t.pred is _always or t.pred(fields)
                    ):
                        tier = t
                        break
            if tier is None:
                return None
            deadline = tier.deadline
        party = cn.static_party or self._party(cn.norm.party, fields)
        if cn.match_is_key:
            match: _Match = key if key is not None else "None"
        else:
            match = _match_of(cn.match, fields) if cn.match else ()
        # nth: the first instance of a norm per key is told by one bit (see __init__)
        seen = self._seen_keys.get(key, 0)
        bit = 1 << cn.index
        if seen & bit:
            nth = self._repeats.get((cn.index, key), 1) + 1
            self._repeats[(cn.index, key)] = nth
        else:
            self._seen_keys[key] = seen | bit
            nth = 1
        if deadline is None:
            base_due = None
        else:
            if deadline.clock_from_trigger:
                base_due = self.c.calendar.add_clock(at, deadline.delta)
            else:
                base_due = self._due(deadline, at)
            if base_due.fold:
                base_due = comparable(base_due)
        inst = _Instance(
            cn,
            key,
            match,
            nth,
            at,
            ev_id,
            party,
            tier,
            base_due,
            self._how[cn.index][0 if tier is None else tier.position],
        )
        if cn.not_before is not None:
            inst.extra().not_before = comparable(self._due(cn.not_before, at))
        settle = self.settle_after
        streaming = settle is not None
        if streaming:
            self._seq += 1
            self._live[inst] = self._seq
        else:
            self._instances.append(inst)
        if cn.waits:
            open_ = self._open[cn.index]
            waiting = open_.get(match)
            if waiting is None:
                open_[match] = [inst]
            else:
                waiting.append(inst)
        if base_due is not None:
            self._years.add(base_due.year)
            if settle is not None:
                self._push(base_due.astimezone(UTC) + settle, self._seq, inst)
        elif settle is not None and cn.final_on_trigger:
            # a prohibited act is violated the moment it happens: settled like a closed instance
            self._push(at.astimezone(UTC) + settle, self._seq, inst)
        return inst

    def _party(self, ref: str, fields: Mapping[str, Any]) -> str:
        if ref.startswith("$trigger."):
            return str(fields.get(ref.removeprefix("$trigger."), "any"))
        if ref.startswith("$other."):
            named = fields.get(ref.removeprefix("$other."))
            return self.c.other_party(str(named)) if named is not None else "any"
        return ref

    def _due(self, d: CompiledDeadline, trigger_at: datetime) -> datetime:
        """The due instant of ``d`` counted from ``trigger_at`` (or a contract date)."""
        c = self.c
        cal = c.calendar
        unit = d.unit
        if unit == "hours" or unit == "minutes":
            if d.spec.from_ == "trigger":
                return cal.add_clock(trigger_at, d.delta)
            return cal.add_clock(_anchors(self.c, d, trigger_at)[0], d.delta)
        if unit == "at":
            return c.term_start if d.spec.at == "term.start" else c.term_end
        clock_anchor, day_anchor, _ = _anchors(self.c, d, trigger_at)
        if unit == "working_hours":
            return cal.add_working_hours(clock_anchor, d.delta)
        ct = d.spec.counting
        if unit == "working_days":
            return cal.add_working_days(day_anchor, int(d.amount), day_end=ct.day_end)
        return cal.add_period(
            day_anchor,
            int(d.amount),
            cast(PeriodUnit, unit),
            count_start_day=ct.count_start_day,
            extend_over_rest_days=ct.extend_over_rest_days,
            day_end=ct.day_end,
        )

    def _on_response(self, i: int, ev: Event) -> tuple[bool, str] | None:
        cn = self.c.norms[i]
        n = cn.norm
        if cn.response_pred is not _always and not cn.response_pred(ev.fields):
            return False, f"does not meet the condition of {n.id}"
        one = cn.single_match
        match = str(ev.fields.get(one)) if one is not None else _match_of(cn.match, ev.fields)
        open_ = self._open[i]
        open_list = open_.get(match)
        if not open_list:
            said = match if isinstance(match, str) else "/".join(match)
            return False, f"no open {n.id} instance for {said or 'the contract'}"
        if cn.plain_response and len(open_list) == 1:
            # the common case: one instance waits for this event, which simply fulfils it
            inst = open_list[0]
            at = ev.at
            if at < inst.trigger_at:
                return False, f"does not count toward {n.id}"
            inst.responded_at = at
            inst.answered_by = ev.id
            del open_[match]
            if self.settle_after is not None:
                self._push(at.astimezone(UTC) + self.settle_after, self._live[inst], inst)
            return cn.used_response
        acc = n.fulfilled_by.accumulate if n.fulfilled_by is not None else None
        by = cn.by_field
        took = False
        early = False
        late = False
        other: str | None = None
        done: list[_Instance] = []
        for inst in open_list:
            if ev.at < inst.trigger_at:
                continue
            if by is not None and str(ev.fields.get(by)) != inst.party:
                other = inst.party  # an act of another party than the bearer does not count
                continue
            if inst.not_before is not None and ev.at < inst.not_before:
                early = True
                continue
            due = inst.base_due
            if n.kind == "prohibition" and due is not None and not inst.cn.pause and ev.at > due:
                late = True
                continue
            if acc is not None:
                took |= self._accumulate(inst, ev, acc.field, acc.currency_field, acc.target)
            else:
                inst.responded_at = ev.at
                inst.answered_by = ev.id
                took = True
            if inst.responded_at is not None:
                done.append(inst)
                if self.settle_after is not None:
                    at = inst.responded_at
                    self._push(at.astimezone(UTC) + self.settle_after, self._live[inst], inst)
        for inst in done:
            open_list.remove(inst)
        if not open_list:
            del open_[match]
        if took:
            return cn.used_response
        if early:
            nb = min(x.not_before for x in open_list if x.not_before is not None)
            return False, f"before the window of {n.id} opens ({fmt(nb)})"
        if late:
            return False, f"after the window of {n.id} closed"
        if other is not None:
            return False, f"by party {ev.fields.get(by or '')}, not {other}, who bears {n.id}"
        return False, f"does not count toward {n.id}"

    def _accumulate(
        self, inst: _Instance, ev: Event, fld: str, cur_fld: str | None, target_name: str
    ) -> bool:
        fee = self.c.ruleset.contract.fees[target_name]
        more = inst.extra()
        if cur_fld is not None and ev.fields.get(cur_fld, fee.currency) != fee.currency:
            more.notes.append(f"{ev.id}: currency {ev.fields.get(cur_fld)} is not {fee.currency}")
            return False
        amount = ev.fields.get(fld)
        if not isinstance(amount, Decimal):
            return False
        more.paid = (more.paid or Decimal("0")) + amount
        more.parts += 1
        before = inst.answered_by
        if before is None:
            inst.answered_by = (ev.id,)
        elif isinstance(before, str):
            inst.answered_by = (before, ev.id)
        else:
            inst.answered_by = (*before, ev.id)
        if more.paid >= fee.amount and inst.responded_at is None:
            inst.responded_at = ev.at
            if more.paid > fee.amount:
                more.notes.append(f"paid {money(more.paid)}, more than {money(fee.amount)}")
        return True

    def _on_cause(self, j: int, ev: Event) -> tuple[bool, str] | None:
        slot = self.c.causes[j]
        if slot.field not in ev.fields or slot.key not in ev.fields:
            return None
        lst = self._causes.setdefault((j, str(ev.fields[slot.key])), [])
        lst.append(_Cause(str(ev.fields[slot.field]), ev.id, ev.at))
        return True, "records a cause"

    def _on_span_start(self, j: int, ev: Event) -> tuple[bool, str] | None:
        cs = self.c.spans[j]
        if not cs.start_pred(ev.fields):
            return None
        key = str(ev.fields.get(cs.span.key)) if cs.span.key else None
        party = str(ev.fields.get(cs.span.party)) if cs.span.party else None
        slot = (cs.name, key, party)
        if slot in self._open_spans:
            return False, f"{cs.name} {key or ''} is already open"
        rec = _SpanRec(cs.name, key, party, ev.at, ev.id)
        self._open_spans[slot] = rec
        self._spans.setdefault(cs.name, []).append(rec)
        self._spans_by_key.setdefault((cs.name, key), []).append(rec)
        return True, f"opens {cs.name}"

    def _on_span_end(self, j: int, ev: Event) -> tuple[bool, str] | None:
        cs = self.c.spans[j]
        if not cs.end_pred(ev.fields):
            return None
        key = str(ev.fields.get(cs.span.key)) if cs.span.key else None
        party = str(ev.fields.get(cs.span.party)) if cs.span.party else None
        rec = self._open_spans.pop((cs.name, key, party), None)
        if rec is None:
            return False, f"no open {cs.name} {key or ''} to close"
        rec.end = ev.at
        rec.end_id = ev.id
        return True, f"closes {cs.name}"

    def _on_claim(self, k: int, ev: Event) -> tuple[bool, str] | None:
        remedy = self.c.ruleset.remedies[k]
        pred = self.c.claim_preds[k]
        if pred is not _always and not pred(ev.fields):
            return False, f"does not meet the condition of the claims under {remedy.id}"
        self._claims.append((k, ev))
        return True, f"claims under {remedy.id}"

    # ------------------------------------------------------------------ settling (streaming)

    def _push(self, when: datetime, seq: int, inst: _Instance) -> None:
        """Schedule ``inst`` to be looked at once the event clock passes ``when`` (UTC)."""
        heap = self._heap
        heapq.heappush(heap, (when, seq, inst))
        if heap[0][2] is inst:
            self._top = in_zone(when, self.c.tz)

    def _settle(self, now: datetime) -> None:
        """Hand every instance settled before ``now`` to ``on_settled`` and forget it."""
        try:
            self._settle_before(now)
        finally:
            heap = self._heap
            self._top = in_zone(heap[0][0], self.c.tz) if heap else None

    def _settle_before(self, now: datetime) -> None:
        assert self.settle_after is not None
        while self._heap and self._heap[0][0] < now:
            _, seq, inst = heapq.heappop(self._heap)
            if inst not in self._live:
                continue
            due, _ = self._current_due(inst, now)
            closed_at = inst.responded_at
            if closed_at is None and due is not None:
                when = due.astimezone(UTC) + self.settle_after
                if when >= now:
                    self._push(when, seq, inst)  # a pause moved it
                    continue
            kind = inst.cn.norm.kind
            final = kind == "prohibition" and inst.cn.norm.violated_by is None
            if closed_at is None and due is None and not final:
                continue  # no deadline and not fulfilled: open until it is
            if closed_at is None and kind == "permission":
                continue  # a right not yet exercised stays open; exercising it settles it
            ob = self._finish(inst, now)
            del self._live[inst]
            open_ = self._open[inst.cn.index]
            lst = open_.get(inst.match)
            if lst is not None and inst in lst:
                lst.remove(inst)
                if not lst:
                    del open_[inst.match]
            self._settled[ob.status] = self._settled.get(ob.status, 0) + 1
            if ob.rule in self._remedy_norms and (ob.is_breach or ob.status == "excused"):
                # remedies need a breach to tie a claim to, or the excuse that releases it
                self._settled_for_remedies.append(ob)
            if self.on_settled is not None:
                self.on_settled(ob)

    # ------------------------------------------------------------------ answers

    def report(self, as_of: datetime | str | None = None) -> Report:
        """The report at ``as_of`` (default: the current time). ``as_of`` must not be earlier
        than the last event fed (ValueError otherwise)."""
        t = _as_of_instant(as_of, self.c.tz)
        if self._last is not None and t < self._last:
            raise ValueError(f"as_of {iso(t)} is before the last event fed ({iso(self._last)})")
        with _collector_paused():
            return self._report(t)

    def _final_report(self, t: datetime) -> Report:
        """The report of a batch evaluation, freeing each instance as it is reported.

        The evaluator is spent afterwards; this keeps the peak memory of a large evaluation to
        one copy of every instance instead of two.
        """
        with _collector_paused():
            return self._report(t, consume=True)

    def _report(self, t: datetime, *, consume: bool = False) -> Report:
        order = self._order_of()
        if consume:
            # The evaluator is spent: what only later events needed goes first (the ids seen,
            # the counts per key), then each instance is freed as it is reported, so that an
            # obligation takes the memory of the instance it reports.
            self._instances = []
            self._live = {}
            self._open = []
            self._seen_keys = {}
            self._repeats = {}
            self.validator.seen_ids = set()
            order.reverse()
            obs = tuple(self._finish(inst, t) for inst in _popping(order) if inst.trigger_at <= t)
        else:
            obs = tuple(self._finish(inst, t) for inst in order if inst.trigger_at <= t)
        rs = self.c.ruleset
        for_remedies: Sequence[Obligation] = obs
        if self._settled_for_remedies:
            for_remedies = [*self._settled_for_remedies, *obs]
        return Report(
            contract_id=rs.contract.id,
            contract_title_zh=rs.contract.title.zh or "",
            contract_title_en=rs.contract.title.en or "",
            language=rs.contract.language,
            timezone=rs.contract.timezone,
            as_of=self._zoned(t),
            obligations=obs,
            liability=Liability(tuple(self._remedies(for_remedies, t))),
            accounting=Accounting(
                used_count=self._used_count,
                ignored=tuple(sorted(self._ignored, key=lambda e: e.index)),
                rejected=tuple(sorted(self._rejected, key=lambda e: e.index)),
                used_indexes=None
                if self.settle_after is not None
                else self._used
                if self._used_sorted and consume
                else array("q", sorted(self._used)),
            ),
            assumptions=tuple(self.c.calendar.assumptions_for(self._years)),
            notes=tuple(
                f"{head}: no duty arises ({', '.join(ids)})"
                for head, ids in self._out_of_term.items()
            ),
            settled=dict(self._settled),
            ruleset=rs,
        )

    def _order_of(self) -> list[_Instance]:
        """The instances in the report's order: trigger instant, norm order, key, nth.

        Sorted by trigger instant (instants in :func:`events.comparable` form compare exactly),
        then the runs that tie on it by norm, key and nth: instances arise in time order, so the
        sort is nearly linear, and the instants where instances of two events (or of an event and
        a term date) tie were noted as they arose; only their runs are looked at.
        """
        # in batch use sorted in place: a report of a million instances makes no second list
        found = list(self._live) if self.settle_after is not None else self._instances
        found.sort(key=_TRIGGER_AT)  # stable: the instances of one event stay in norm order
        for k in self._ties:  # the runs are disjoint: their order does not matter
            i = bisect_left(found, k, key=_TRIGGER_AT)
            j = bisect_right(found, k, key=_TRIGGER_AT)
            if j - i > 1 and not all(
                found[m - 1].cn.index < found[m].cn.index for m in range(i + 1, j)
            ):  # the instances of one event come in norm order already: only others are sorted
                found[i:j] = sorted(found[i:j], key=lambda x: (x.cn.index, x.key or "", x.nth))
        return found

    def open_at(self, now: datetime | str) -> list[Obligation]:
        """The instances still pending at ``now``, soonest due first (no due last)."""
        rep = self.report(now)
        pending = [o for o in rep.obligations if o.status == "pending"]
        return sorted(
            pending,
            key=lambda o: (
                o.due is None,
                comparable(o.due or o.trigger_at),
                comparable(o.trigger_at),
            ),
        )

    def _zoned(self, t: datetime) -> datetime:
        """``t`` as reported: in the ruleset's zone itself (see :func:`events.comparable`)."""
        return t if t.tzinfo is self.c.tz else t.astimezone(self.c.tz)

    def _pauses(self, inst: _Instance, as_of: datetime) -> list[tuple[datetime, datetime, str]]:
        pauses: list[tuple[datetime, datetime, str]] = []
        for name in inst.cn.pause:
            for rec in self._spans_by_key.get((name, inst.key), ()):
                if rec.start > as_of:
                    continue
                end = rec.end if rec.end is not None and rec.end <= as_of else as_of
                if end > inst.trigger_at:
                    pauses.append((max(rec.start, inst.trigger_at), end, rec.start_id))
        pauses.sort()
        return pauses

    def _current_due(
        self, inst: _Instance, as_of: datetime
    ) -> tuple[datetime | None, _Paused | None]:
        """The due instant with clock pauses applied (an open pause counts until as_of)."""
        d = inst.deadline
        if inst.base_due is None or not inst.cn.pause or d is None:
            return inst.base_due, None
        pauses = self._pauses(inst, as_of)
        if not pauses:
            return inst.base_due, None
        cal = self.c.calendar
        working = d.unit == "working_hours"
        remaining = d.delta
        cursor = inst.trigger_at
        paused = timedelta(0)
        used: list[str] = []
        for start, end, sid in pauses:
            if end <= cursor:
                continue
            if start > cursor:
                # the due is inclusive: a pause that starts at or before the instant the clock
                # runs out stops it (docs/semantics.md, 4b); one that starts later changes nothing
                if working:
                    if start > cal.add_working_hours(cursor, remaining):
                        break
                    gap = cal.working_time_between(cursor, start)
                else:
                    gap = elapsed(cursor, start)
                    if gap > remaining:
                        break
                remaining -= gap
                cursor = start
            paused += cal.working_time_between(cursor, end) if working else elapsed(cursor, end)
            used.append(sid)
            cursor = end
        if not used:
            return inst.base_due, None
        due = (
            cal.add_working_hours(cursor, remaining)
            if working
            else cal.add_clock(cursor, remaining)
        )
        self._years.add(due.year)
        due = comparable(due)
        return due, (paused, tuple(used), due)

    def _excuse(
        self, inst: _Instance, due: datetime | None
    ) -> tuple[str, str, tuple[str, ...]] | None:
        """The first excuse that applies: its reason in English and Chinese, and the events."""
        causes = self._causes
        spans = self._spans
        if not causes and not spans:
            return _NO_EXCUSE  # nothing recorded can excuse anything
        key = inst.key
        for ex in inst.cn.excuses:
            if ex.span is None:
                if key is None or ex.slot < 0:
                    continue
                for rec in causes.get((ex.slot, key), ()):
                    if rec.value in ex.values:
                        when = fmt(rec.at)
                        reason = (
                            f"cause {rec.value} determined {when} ({rec.event_id}); "
                            f"clause {ex.clause}: {ex.reason_en}"
                        )
                        reason_zh = (
                            f"原因 {rec.value} 于 {when} 认定 ({rec.event_id}); "
                            f"第 {ex.clause} 条: {ex.reason_zh}"
                        )
                        return reason, reason_zh, (rec.event_id,)
            elif due is not None:
                for span in spans.get(ex.span, ()):
                    if span.party is not None and span.party != inst.party:
                        continue
                    if span.start <= due and (span.end is None or due <= span.end):
                        until = fmt(span.end) if span.end else "ongoing"
                        reason = (
                            f"due {fmt(due)} inside {ex.span} {span.key or ''} of party "
                            f"{span.party} ({fmt(span.start)} – {until}); clause {ex.clause}: "
                            f"{ex.reason_en}"
                        )
                        reason_zh = (
                            f"期限 {fmt(due)} 处于当事方 {span.party} 的 {ex.span} "
                            f"{span.key or ''} 期间 ({fmt(span.start)} – "
                            f"{fmt(span.end) if span.end else '持续中'}); 第 {ex.clause} 条: "
                            f"{ex.reason_zh}"
                        )
                        ids = (span.start_id,) + ((span.end_id,) if span.end_id else ())
                        return reason, reason_zh, ids
        return _NO_EXCUSE

    def _finish(self, inst: _Instance, as_of: datetime) -> Obligation:
        """The obligation that ``inst`` is at ``as_of``."""
        cn = inst.cn
        at = inst.responded_at
        due = inst.base_due
        how = inst.how
        if cn.plain_finish and at is not None and (due is None or at <= due) and inst.more is None:
            # the common case, decided without the general rules: an obligation without clock
            # pauses, met on time
            status: Status = "fulfilled"
            reason = reason_zh = None
            deciding = inst.answered_by
            said: tuple[str, ...] = ()
        else:
            due, at, status, reason, reason_zh, deciding, said, how = self._judge(inst, as_of)
        # reported in the zone itself (the engine keeps a repeated hour's second occurrence
        # in its fixed offset, see events.comparable)
        tz = self.c.tz
        trigger_at = inst.trigger_at
        if trigger_at.tzinfo is not tz:
            trigger_at = trigger_at.astimezone(tz)
        if due is not None and due.tzinfo is not tz:
            due = due.astimezone(tz)
        if at is not None and at.tzinfo is not tz:
            at = at.astimezone(tz)
        return Obligation(
            cn.info,
            inst.party,
            inst.key,
            inst.nth,
            trigger_at,
            inst.trigger_id,
            inst.tier.name if inst.tier else None,
            due,
            status,
            at,
            reason,
            reason_zh,
            deciding,
            said,
            how,
        )

    def _judge(
        self, inst: _Instance, as_of: datetime
    ) -> tuple[
        datetime | None,
        datetime | None,
        Status,
        str | None,
        str | None,
        str | tuple[str, ...] | None,
        tuple[str, ...],
        _Explainer,
    ]:
        """The general rules of :meth:`_finish`: due (pauses applied), the time of fulfilment as
        reported, status, reasons (en, zh), the deciding events after the trigger, notes, and
        the explainer."""
        cn = inst.cn
        n = cn.norm
        due, paused = self._current_due(inst, as_of) if cn.pause else (inst.base_due, None)
        deciding = inst.answered_by
        more = inst.more
        notes: list[str] | None = list(more.notes) if more is not None and more.notes else None
        reason: str | None = None
        reason_zh: str | None = None
        at = inst.responded_at
        status: Status
        kind = cn.info.kind
        if kind == "obligation":
            if at is not None and (due is None or at <= due):
                status = "fulfilled"
            else:
                excuse = self._excuse(inst, due) if cn.excuses else None
                if excuse is not None:
                    status, reason, reason_zh = "excused", excuse[0], excuse[1]
                    deciding = _joined(deciding, excuse[2])
                elif at is not None:
                    status = "violated"
                    if due is not None:
                        when, late = fmt(at), _dur(elapsed(due, at))
                        reason = f"fulfilled late at {when} ({late} after due)"
                        reason_zh = f"迟延履行于 {when} (超过期限 {late})"
                elif due is not None and as_of > due:
                    status = "violated"
                    when = fmt(due, day_end=True)
                    reason = f"not fulfilled by {when}"
                    reason_zh = f"至 {when} 未履行"
                else:
                    status = "pending"
            if more is not None and more.parts:
                notes = notes or []
                if more.parts > 1:
                    notes.append(f"paid in {more.parts} parts; the clause asks for one payment")
                if inst.responded_at is None and more.paid is not None:
                    notes.append(f"paid {money(more.paid)} so far")
        elif kind == "prohibition":
            if n.violated_by is None or (at is not None and (due is None or at <= due)):
                excuse = self._excuse(inst, due) if cn.excuses else None
                if excuse is not None:
                    status, reason, reason_zh = "excused", excuse[0], excuse[1]
                    deciding = _joined(deciding, excuse[2])
                else:
                    status = "violated"
                    when = fmt(at or inst.trigger_at)
                    reason = f"prohibited act at {when}"
                    reason_zh = f"于 {when} 发生禁止行为"
                at = None
            elif due is not None and as_of > due:
                status, at = "fulfilled", None
            else:
                status, at = "pending", None
        else:  # permission
            if at is None:
                status = "pending"
            elif due is not None and at < due:
                status = "violated"
                when, before = fmt(at), fmt(due, day_end=True)
                reason = f"exercised prematurely at {when}, before {before}"
                reason_zh = f"于 {when} 提前行使，早于 {before}"
            else:
                status = "fulfilled"
        if status == "violated" and cn.best_effort:
            # one shared tuple for the common case: a missed best-effort target, nothing else
            said = (*notes, _BEST_EFFORT_NOTE) if notes else _BEST_EFFORT_NOTES
        else:
            said = tuple(notes) if notes else ()
        return due, at, status, reason, reason_zh, deciding, said, self._explainer(inst, paused)

    def _explainer(self, inst: _Instance, paused: _Paused | None) -> _Explainer:
        """The explainer of ``inst``: the one shared by its norm and tier, unless the instance
        has facts of its own (a clock pause, a window opening)."""
        if paused is not None or (inst.more is not None and inst.more.not_before is not None):
            return _Explainer(self.c, inst.cn, inst.tier, inst.base_due, inst.not_before, paused)
        return inst.how

    # ------------------------------------------------------------------ remedies

    def _remedies(self, obs: Sequence[Obligation], as_of: datetime) -> list[RemedyLine]:
        lines: list[RemedyLine] = []
        for k, remedy in enumerate(self.c.ruleset.remedies):
            lines.extend(self._remedy_lines(k, remedy, obs, as_of))
        return lines

    def _amount(self, amount: Any) -> tuple[Decimal, str]:
        if amount.money is not None:
            return Decimal(amount.money.amount), str(amount.money.currency)
        fee = self.c.ruleset.contract.fees[amount.fee]
        value = Decimal(fee.amount)
        if amount.percent is not None:
            value = (value * Decimal(amount.percent) / Decimal(100)).quantize(Decimal("0.01"))
        return value, fee.currency

    def _remedy_lines(
        self, k: int, remedy: Remedy, obs: Sequence[Obligation], as_of: datetime
    ) -> list[RemedyLine]:
        covered = set(remedy.norms)
        party = remedy.party

        def relevant(o: Obligation) -> bool:
            return o.norm.rule in covered and o.party == party

        items: dict[int, list[RemedyItem]] = {}
        # money is in the contract's currency: the cap's or the amount's, else the fees'; a
        # contract with no money of its own takes the currency of its first claim
        currency = self.c.currency
        if remedy.cap is not None:
            currency = self._amount(remedy.cap.amount)[1]
        elif remedy.per_breach is not None:
            currency = self._amount(remedy.per_breach)[1]
        if remedy.kind == "liability":
            claims = remedy.claims
            assert claims is not None
            mine_claims = [ev for kk, ev in self._claims if kk == k and ev.at <= as_of]
            if currency is None and mine_claims:
                currency = str(mine_claims[0].fields.get(claims.currency_field))
            # only the instances of a claimed key can decide a claim: a report of a million
            # instances is grouped by the few keys claimed, not by all of them
            keys = {str(ev.fields.get(claims.key)) for ev in mine_claims}
            by_key: dict[str | None, list[Obligation]] = {}
            if keys:
                for o in obs:
                    name = _claim_name(o)
                    if name in keys and relevant(o):
                        by_key.setdefault(name, []).append(o)
            for ev in mine_claims:
                key = str(ev.fields.get(claims.key))
                amount = ev.fields.get(claims.amount_field, Decimal(0))
                cur = str(ev.fields.get(claims.currency_field, currency))
                mine = by_key.get(key, [])
                breach = next((o for o in mine if o.is_breach), None)
                when = ev.at
                if cur != currency:
                    ok, why = False, f"currency {cur} is not {currency}"
                elif breach is not None:
                    # a duty belongs to the period of its trigger, not of its due (semantics 4)
                    when = breach.trigger_at
                    due = breach.due or breach.trigger_at
                    ok, why = True, f"tied to breach of {breach.rule} [{key}] (due {fmt(due)})"
                elif any(o.status == "excused" for o in mine):
                    ex = next(o for o in mine if o.status == "excused")
                    ok, why = False, f"not compensable: {ex.rule} [{key}] excused — {ex.reason}"
                else:
                    ok = False
                    why = (
                        "not compensable: no violated binding duty of party "
                        f"{remedy.party} for {key}"
                    )
                period = self._period_index(remedy.period, when)
                items.setdefault(period, []).append(
                    RemedyItem(
                        breach.rule if breach else None, key, ev.id, Decimal(amount), ok, why
                    )
                )
        else:
            assert remedy.per_breach is not None
            value, currency = self._amount(remedy.per_breach)
            for o in obs:
                # the status first: a plain field, where is_breach reads the norm's strength
                if o.status != "violated" or not o.is_breach or not relevant(o):
                    continue
                period = self._period_index(remedy.period, o.trigger_at)
                items.setdefault(period, []).append(
                    RemedyItem(
                        o.rule,
                        o.key,
                        o.trigger_event,
                        value,
                        True,
                        f"breach of {o.rule} due {fmt(o.due or o.trigger_at)}",
                    )
                )
        cap = self._amount(remedy.cap.amount)[0] if remedy.cap is not None else None
        out: list[RemedyLine] = []
        for period in sorted(items):
            its = tuple(items[period])
            claimed = sum((i.amount for i in its), Decimal("0.00"))
            comp = sum((i.amount for i in its if i.compensable), Decimal("0.00"))
            payable = min(comp, cap) if cap is not None else comp
            start, end, label = self._period_bounds(remedy.period, period)
            out.append(
                RemedyLine(
                    remedy=remedy.id,
                    kind=remedy.kind,
                    clause=remedy.clause,
                    period=period,
                    period_label=label,
                    period_start=start,
                    period_end=end,
                    currency=currency or "",
                    claimed=claimed,
                    compensable=comp,
                    cap=cap,
                    payable=payable,
                    items=its,
                )
            )
        return out

    def _period_index(self, per: str, t: datetime) -> int:
        start = self.c.ruleset.contract.term.start
        local = t.astimezone(self.c.tz).date()
        if per == "term":
            return 1
        if per == "month":
            return (local.year - start.year) * 12 + (local.month - start.month) + 1
        k = max(1, local.year - start.year + 1)
        while k > 1 and local < _add_years(start, k - 1):
            k -= 1
        while local >= _add_years(start, k):
            k += 1
        return k

    def _period_bounds(self, per: str, k: int) -> tuple[datetime, datetime, str]:
        term = self.c.ruleset.contract.term
        tz = self.c.tz
        if per == "term":
            return self.c.term_start, self.c.term_end, f"term {term.start} – {term.end}"
        if per == "month":
            m0 = term.start.year * 12 + term.start.month - 1 + (k - 1)
            first = date(m0 // 12, m0 % 12 + 1, 1)
            nxt = date((m0 + 1) // 12, (m0 + 1) % 12 + 1, 1)
            return (
                datetime.combine(first, time(0), tz),
                datetime.combine(nxt, time(0), tz),
                f"{first:%Y-%m}",
            )
        a = _add_years(term.start, k - 1)
        b = _add_years(term.start, k)
        return (
            datetime.combine(a, time(0), tz),
            datetime.combine(b, time(0), tz),
            f"service year {k} ({a} – {b - timedelta(days=1)})",
        )


@dataclass(frozen=True, slots=True)
class _Explainer:
    """What an instance's explanation needs beyond the obligation itself; called with the
    obligation and a language, it gives the steps (:func:`_explain`)."""

    c: CompiledRuleset
    cn: CompiledNorm
    tier: CompiledTier | None
    #: the due before pauses, when a pause moved it (else it is the obligation's due)
    base_due: datetime | None
    not_before: datetime | None
    paused: _Paused | None

    def __call__(self, ob: Obligation, lang: str = "en") -> tuple[str, ...]:
        return _explain(
            self.c,
            self.cn,
            ob.trigger_at,
            ob.trigger_event,
            self.tier,
            # the time class of the trigger, which chose the tier (worked out again here: an
            # explanation is built on demand, an instance is not)
            self.c.calendar.classify(ob.trigger_at) if self.tier is not None else None,
            ob.due if self.paused is None else self.base_due,
            self.not_before,
            self.paused,
            ob.due,
            ob.fulfilled_at,
            ob.status,
            lang,
        )


def _anchors(
    c: CompiledRuleset, d: CompiledDeadline, trigger_at: datetime
) -> tuple[datetime, datetime, str]:
    """The instants a deadline counts from (for clock units, for day units) and their name."""
    term = c.ruleset.contract.term
    if d.spec.from_ == "trigger":
        return trigger_at, trigger_at, "the trigger"
    if d.spec.from_ == "term.start":
        return (
            c.term_start,
            datetime.combine(term.start, time(12), c.tz),
            f"term start {term.start}",
        )
    return c.term_end, datetime.combine(term.end, time(12), c.tz), f"term end {term.end}"


def _due_text(
    c: CompiledRuleset, d: CompiledDeadline, trigger_at: datetime, due: datetime, lang: str = "en"
) -> str:
    """How the due instant was computed, in words (``zh`` or ``en``)."""
    zh = lang == "zh"
    if d.unit == "at":
        anchor = ("期限届满时" if d.spec.at == "term.end" else "期限开始时") if zh else d.spec.at
        return (
            f"期限: {anchor} {fmt(due, day_end=True)}"
            if zh
            else f"due at {anchor}: {fmt(due, day_end=True)}"
        )
    _, _, label = _anchors(c, d, trigger_at)
    if zh:
        label = {"the trigger": "触发"}.get(
            label,
            label.replace("term end", "服务期限届满").replace("term start", "服务期限开始"),
        )
        amount = f"{abs(d.amount).normalize():f} {_UNITS_ZH[d.unit]}"
        if d.unit in ("minutes", "hours", "working_hours"):
            return f"期限: {label}后 {amount} → {fmt(due)}"
        rule = (
            "民法典第二百零一至二百零三条"
            if d.unit in ("days", "months", "years")
            else "按工作日计"
        )
        rel = "前" if d.amount < 0 else "后"
        return f"期限: {label}{rel} {amount} ({rule}) → {fmt(due, day_end=True)}"
    if d.unit in ("minutes", "hours", "working_hours"):
        return f"due {d.text} after {label} → {fmt(due)}"
    rule = "Civil Code Art. 201–203" if d.unit in ("days", "months", "years") else "working days"
    rel = "before" if d.amount < 0 else "after"
    return f"{d.text} {rel} {label} ({rule}) → {fmt(due, day_end=True)}"


def _explain(
    c: CompiledRuleset,
    cn: CompiledNorm,
    trigger_at: datetime,
    trigger_id: str | None,
    tier: CompiledTier | None,
    cls: str | None,
    base_due: datetime | None,
    not_before: datetime | None,
    paused: _Paused | None,
    due: datetime | None,
    at: datetime | None,
    status: str,
    lang: str = "en",
) -> tuple[str, ...]:
    """The steps behind an instance in ``lang`` (zh or en), built only when asked for."""
    n = cn.norm
    zh = lang == "zh"
    what = f"{n.trigger.event} {trigger_id}" if trigger_id else f"{n.trigger.at}"
    steps = [
        f"触发: {what} 于 {fmt(trigger_at)}" if zh else f"trigger: {what} at {fmt(trigger_at)}"
    ]
    deadline = tier.deadline if tier is not None else cn.deadline
    if tier is not None and cls is not None:
        if zh:
            length = f"{tier.deadline.amount.normalize():f} {_UNITS_ZH[tier.deadline.unit]}"
            words = _CLASS_WORDS_ZH[cls]
            steps.append(f"{fmt(trigger_at)} 属于{words} → 档位 {tier.tier.name}: {length}")
        else:
            steps.append(
                f"{fmt(trigger_at)} is {_CLASS_WORDS[cls]} → tier {tier.tier.name}: "
                f"{tier.deadline.spec.describe()}"
            )
    if deadline is not None and base_due is not None:
        steps.append(_due_text(c, deadline, trigger_at, base_due, lang))
    else:
        steps.append(
            "未约定期限: 履行前一直进行中" if zh else "no deadline: pending until fulfilled"
        )
    if not_before is not None and cn.not_before is not None:
        steps.append(
            f"自 {fmt(not_before)} 起的履行方计入"
            if zh
            else f"fulfilment counts from {fmt(not_before)} ({cn.not_before.spec.describe()})"
        )
    if paused is not None:
        paused_for, ids, moved = paused
        steps.append(
            f"计时暂停 {_dur(paused_for)} ({', '.join(ids)}) → 期限 {fmt(moved)}"
            if zh
            else f"clock paused {_dur(paused_for)} ({', '.join(ids)}) → due {fmt(moved)}"
        )
    if at is not None:
        if zh:
            verb_zh = {"obligation": "履行", "prohibition": "违反", "permission": "行使"}
            steps.append(f"{verb_zh[n.kind]}于 {fmt(at)}" + (f"，期限 {fmt(due)}" if due else ""))
        else:
            verb = {
                "obligation": "fulfilled",
                "prohibition": "violated",
                "permission": "exercised",
            }
            steps.append(f"{verb[n.kind]} at {fmt(at)}" + (f", due {fmt(due)}" if due else ""))
    return tuple(steps)


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _dur(td: timedelta) -> str:
    """``2h 30min``, truncated to whole minutes (whole seconds below a minute); below a second,
    the exact fraction (``0.000001s``) rather than ``0s``."""
    secs = td.days * 86400 + td.seconds
    if secs < 0:
        if td.microseconds:
            secs += 1  # truncate toward zero, as int(total_seconds()) does
        if secs < 0:
            return "-" + _dur(timedelta(seconds=-secs))
    if secs == 0:
        return f"{td.total_seconds():.6f}".rstrip("0") + "s" if td.microseconds else "0s"
    days, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    num = _NUMBERS  # hours, minutes and seconds below 100, as text
    if not days and not h:
        return num[m] + "min" if m else num[secs] + "s"
    text = (f"{days}d {num[h]}h" if h else f"{days}d") if days else num[h] + "h"
    return f"{text} {num[m]}min" if m else text


_NUMBERS = tuple(str(i) for i in range(100))


_TRIGGER_AT = attrgetter("trigger_at")
#: What an event can do (the dispatch table's words) -> the Evaluator method that does it.
_HANDLERS: dict[str, _Handler] = {
    "trigger": Evaluator._on_triggers,
    "response": Evaluator._on_response,
    "cause": Evaluator._on_cause,
    "span_start": Evaluator._on_span_start,
    "span_end": Evaluator._on_span_end,
    "claim": Evaluator._on_claim,
}


def _handler_table(entries: tuple[tuple[str, int], ...]) -> tuple[tuple[_Handler, Any], ...]:
    """The handlers of one event type, in the dispatch table's order; a run of triggers
    becomes one handler of their norms, which shares the work they have in common."""
    table: list[tuple[_Handler, Any]] = []
    for what, idx in entries:
        if what == "trigger" and table and table[-1][0] is _HANDLERS["trigger"]:
            table[-1] = (table[-1][0], (*table[-1][1], idx))
        else:
            table.append((_HANDLERS[what], (idx,) if what == "trigger" else idx))
    return tuple(table)


def _claim_name(o: Obligation) -> str | None:
    """How a claim names the instance ``o``: by its key; a keyless one by the id of the event
    that created it, or (created by a contract date, one per contract) by its rule's id."""
    if o.key is not None:
        return o.key
    return o.trigger_event if o.trigger_event is not None else o.rule


def _popping(stack: list[_Instance]) -> Iterator[_Instance]:
    """Take the items off the end of ``stack`` one by one, so that each is freed once used."""
    while stack:
        yield stack.pop()


def _joined(
    ids: str | tuple[str, ...] | None, more: tuple[str, ...]
) -> str | tuple[str, ...] | None:
    """Event ids ``ids`` (one, several or none) followed by ``more``."""
    if not more:
        return ids
    if ids is None:
        return more
    return (ids, *more) if isinstance(ids, str) else (*ids, *more)


def _match_of(names: tuple[str, ...], fields: Mapping[str, Any]) -> _Match:
    """The correlation value of ``fields``: one field's text as is, several as a tuple."""
    if len(names) == 1:
        return str(fields.get(names[0]))
    return tuple([str(fields.get(f)) for f in names])


def parse_as_of(value: datetime | str, tz: tzinfo) -> datetime:
    """An aware evaluation instant from a datetime or ISO string (naive is an error)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ContractRulesError(
                f"bad as_of {value!r}; use ISO 8601 with an offset, e.g. 2025-12-31T00:00:00+08:00"
            ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ContractRulesError(f"as_of {value.isoformat()} has no offset; give one, e.g. +08:00")
    try:
        return in_zone(value, tz)
    except OverflowError:
        raise ContractRulesError(
            f"as_of {value.isoformat()} is outside the supported dates"
        ) from None


def _as_of_instant(as_of: datetime | str | None, tz: tzinfo) -> datetime:
    """:func:`parse_as_of` of ``as_of``, or the current instant when it is None."""
    return comparable(datetime.now(tz)) if as_of is None else parse_as_of(as_of, tz)


# =============================================================================== batch


EventSource = str | os.PathLike[str] | Iterable[Mapping[str, Any] | Event | RawEvent]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk evaluation, restoring its state after.

    An evaluation allocates millions of small objects and makes no reference cycles; left on,
    the collector rescans the growing heap again and again (measured: 60 % of report time).

    What a large evaluation leaves (a report of a million obligations) is long-lived by nature;
    left in the youngest generation, the first allocation after re-enabling would scan all of it
    (and the middle generation scan it again later): measured 0.6 µs per event. So when at least
    ``_PROMOTE_AT`` tracked objects are young, they are moved to the oldest generation first
    (``gc.freeze()`` then ``gc.unfreeze()``: no scan), where only a full collection visits them,
    as it would anyway. The caller's young objects move with them: garbage among them waits for
    that full collection. Small evaluations (an incremental report now and then) leave the
    generations alone, so a process that calls them often keeps its usual collections. Skipped
    too when the caller keeps objects frozen (``gc.get_freeze_count()``), which unfreezing would
    release.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_count()[0] >= _PROMOTE_AT and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


#: young tracked objects from which a bulk evaluation hands them to the oldest generation (a
#: young collection of fewer costs a few milliseconds at most)
_PROMOTE_AT = 50_000


def evaluate(
    ruleset: Ruleset | CompiledRuleset,
    events: EventSource,
    as_of: datetime | str | None = None,
    *,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    on_progress: Callable[[int], None] | None = None,
    settle_after: timedelta | None = None,
    on_settled: Callable[[Obligation], None] | None = None,
) -> Report:
    """Evaluate ``ruleset`` against ``events`` at ``as_of`` (default: now).

    ``events`` is an iterable of mappings (or :class:`Event`), or a path to a ``.jsonl``, ``.json``
    or ``.csv`` file. In strict mode (default) the first invalid event raises
    :class:`EventError` naming it; with ``strict=False`` invalid events are reported as rejected.
    Events after ``as_of`` are ignored with that reason. Input out of time order is ordered
    stably (by instant, then input position).

    Input already in time order streams through in one pass, holding no events; input out of
    order is read again (a path or a sequence) or kept (any other iterable) and sorted first.
    ``settle_after``/``on_settled`` select the streaming mode of :class:`Evaluator`, which needs
    events in time order: an earlier event than one already applied is an EventError (strict)
    or rejected (collecting), since settled instances have already been handed on.
    """
    compiled = ruleset if isinstance(ruleset, CompiledRuleset) else compile_ruleset(ruleset)
    t = _as_of_instant(as_of, compiled.tz)
    if isinstance(events, str | os.PathLike):
        path = events

        def source() -> Iterable[_Item]:
            return read_records(path)

    else:
        if isinstance(events, Mapping):
            raise TypeError("events must be an iterable of mappings or a path, not one mapping")
        seq: Sequence[Mapping[str, Any] | Event | RawEvent] = (
            events if isinstance(events, Sequence) else list(events)  # type: ignore[assignment]
        )

        def source() -> Iterable[_Item]:
            return _index(seq)

    def fresh() -> Evaluator:
        return Evaluator(
            compiled,
            strict=strict,
            naive_tz=naive_tz,
            settle_after=settle_after,
            on_settled=on_settled,
        )

    with _collector_paused():
        return _evaluate(fresh, source, t, strict, on_progress)


def _evaluate(
    fresh: Callable[[], Evaluator],
    source: Callable[[], Iterable[_Item]],
    t: datetime,
    strict: bool,
    on_progress: Callable[[int], None] | None,
) -> Report:
    ev = fresh()
    if _stream_in_order(ev, source(), t, strict, on_progress):
        return ev._final_report(t)
    # Out of order: validate everything, order stably, then apply.
    ev = fresh()
    valid: list[tuple[Event, bool]] = []
    for n, raw in enumerate(source(), 1):
        if on_progress is not None and n % 10_000 == 0:
            on_progress(n)
        try:
            valid.append((_validated(ev.validator, raw), not isinstance(raw, Event)))
        except EventError as exc:
            if strict:
                raise
            ev.reject(_raw_of(raw), exc)
    valid.sort(key=lambda x: (x[0].at, x[0].index))
    for e, raw_record in valid:
        # ids are claimed in time order: of two events with one id, the later is the duplicate
        if raw_record and not _claimed(ev, e, strict):
            continue
        if e.at > t:
            ev.ignore(e, f"after the evaluation time {iso(t)}")
        else:
            ev.apply(e)
    return ev._final_report(t)


def _claimed(ev: Evaluator, e: Event, strict: bool) -> bool:
    """Take ``e``'s id for it; False (``e`` rejected) when an earlier event has it."""
    try:
        ev.validator.claim(e)
    except EventError as exc:
        if strict:
            raise
        ev.reject(RawEvent(e.index, e.where, {"id": e.id, "type": e.type}), exc)
        return False
    return True


def _stream_in_order(
    ev: Evaluator,
    raws: Iterable[_Item],
    t: datetime,
    strict: bool,
    on_progress: Callable[[int], None] | None,
) -> bool:
    """Apply events as they come; False (and a spoilt evaluator) at the first one out of order.

    Ids are claimed as events come, which is time order; the events after ``t`` are in time
    order among themselves too, and an event that finds its id taken by one of them (a later
    one) is out of order as well (in streaming mode: a duplicate).
    """
    last: datetime | None = None
    late_last: datetime | None = None
    late_ids: set[str] = set()
    streaming = ev.settle_after is not None
    validator = ev.validator
    validate = validator.validate_record
    seen = validator.seen_ids
    for n, raw in enumerate(raws, 1):
        if on_progress is not None and n % 10_000 == 0:
            on_progress(n)
        try:
            if type(raw) is tuple:
                e = validate(*raw)
                claimed = False
            else:
                e = _validated(validator, raw)
                claimed = isinstance(raw, Event)  # a pre-validated event's id is its caller's
        except EventError as exc:
            if strict:
                raise
            ev.reject(_raw_of(raw), exc)
            continue
        if e.at > t:
            if not streaming:
                if late_last is not None and e.at < late_last:
                    return False
                late_last = e.at
            if not claimed:
                if not _claimed(ev, e, strict):
                    continue
                late_ids.add(e.id)
            ev.ignore(e, f"after the evaluation time {iso(t)}")
            continue
        if not claimed and late_ids and not streaming and e.id in late_ids:
            return False  # its id was taken by a later event, seen first
        if last is not None and e.at < last:
            if ev.settle_after is None:
                return False
            # Streaming mode has handed instances to on_settled already: it cannot start again,
            # so an event out of order is refused, as Evaluator.feed refuses it.
            late = EventError(
                e.where,
                f"out of time order: {iso(e.at)} is before {iso(last)}, already seen "
                "(streaming evaluation needs events in time order)",
                event_id=e.id,
            )
            if strict:
                raise late
            ev.reject(RawEvent(e.index, e.where, {"id": e.id, "type": e.type}), late)
            continue
        if not claimed:
            # validator.claim, inline (once per event): the id is taken, unless it was
            known = len(seen)
            seen.add(e.id)
            if len(seen) == known and not _claimed(ev, e, strict):
                continue  # rejected as a duplicate (_claimed says why)
        last = e.at
        ev.apply(e)
    return True


#: what an evaluation reads: a file's (index, where, data) records, or the caller's raw records
#: and pre-validated events
_Item = tuple[int, str, Any] | RawEvent | Event


def _validated(validator: EventValidator, item: _Item) -> Event:
    """The typed event of ``item`` (EventError when it is invalid)."""
    if isinstance(item, Event):
        return validator.admit(item)
    if isinstance(item, RawEvent):
        return validator.validate(item)
    return validator.validate_record(*item)


def _raw_of(item: _Item) -> RawEvent:
    """``item`` as the raw record a rejection keeps."""
    if isinstance(item, RawEvent):
        return item
    if isinstance(item, Event):
        return RawEvent(item.index, item.where, None)
    return RawEvent(*item)


def _index(events: Iterable[Mapping[str, Any] | Event | RawEvent]) -> Iterable[RawEvent | Event]:
    """Number plain mappings by input position; events and raw records keep their own."""
    for i, item in enumerate(events):
        if isinstance(item, Event | RawEvent):
            yield item
        else:
            yield RawEvent(i, f"event #{i + 1}", item)
