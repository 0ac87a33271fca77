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

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar, WorkingHours
from .errors import ContractRulesError, EventError
from .events import Event, EventValidator, RawEvent, read_events
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
    parse_window,
)
from .report import (
    Accounting,
    EventEntry,
    Liability,
    Obligation,
    RemedyItem,
    RemedyLine,
    Report,
    iso,
    money,
    sorted_obligations,
)

Predicate = Callable[[Mapping[str, Any]], bool]
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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
        for name, test in tests:
            if name not in fields or not test(fields[name]):
                return False
        return True

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


def build_calendar(ruleset: Ruleset) -> BusinessCalendar:
    """The business calendar a ruleset declares (layers, working hours, overrides, fallback)."""
    spec = ruleset.calendar
    wh = spec.working_hours
    hours = WorkingHours(
        default=tuple(parse_window(w) for w in wh.default),
        by_weekday={_WEEKDAYS.index(d): tuple(parse_window(w) for w in ws) for d, ws in wh.weekdays.items()},
        by_date={d: tuple(parse_window(w) for w in ws) for d, ws in wh.dates.items()},
    )
    return BusinessCalendar(
        ruleset.contract.timezone,
        tuple(spec.layers),
        working_hours=hours,
        extra_days_off=spec.days_off,
        extra_working_days=spec.working_days,
        fallback=spec.fallback,
    )


@dataclass(frozen=True)
class CompiledTier:
    """A tier with its compiled condition."""

    tier: Tier
    classes: frozenset[str] | None
    pred: Predicate


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


@dataclass(frozen=True)
class CompiledSpan:
    """A span definition with compiled start and end conditions."""

    name: str
    span: Span
    start_pred: Predicate
    end_pred: Predicate


@dataclass(frozen=True)
class CompiledRuleset:
    """An engine-neutral compiled form of a ruleset. Immutable; share it across evaluations."""

    ruleset: Ruleset
    calendar: BusinessCalendar
    tz: ZoneInfo
    term_start: datetime
    term_end: datetime
    norms: tuple[CompiledNorm, ...]
    spans: tuple[CompiledSpan, ...]
    #: event type → what it can do: ("trigger"|"response"|"cause"|"span_start"|"span_end"|"claim", index)
    dispatch: Mapping[str, tuple[tuple[str, int], ...]]
    #: (event type, field) pairs that carry money
    money_fields: frozenset[tuple[str, str]]
    norm_order: Mapping[str, int]

    def other_party(self, party: str) -> str:
        """The other party of a two-party contract."""
        others = [p for p in self.ruleset.contract.parties if p != party]
        return others[0] if len(others) == 1 else "any"


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """Compile once, evaluate many times. Raises CalendarError for a bad calendar spec."""
    cal = build_calendar(ruleset)
    tz = ZoneInfo(ruleset.contract.timezone)
    term = ruleset.contract.term
    term_start = datetime.combine(term.start, time(0), tz)
    term_end = datetime.combine(term.end + timedelta(days=1), time(0), tz)
    norms: list[CompiledNorm] = []
    dispatch: dict[str, list[tuple[str, int]]] = {}
    money: set[tuple[str, str]] = set()

    def add(etype: str, what: str, idx: int) -> None:
        entry = (what, idx)
        lst = dispatch.setdefault(etype, [])
        if entry not in lst:
            lst.append(entry)

    for i, n in enumerate(ruleset.norms):
        response = n.fulfilled_by or n.violated_by or n.exercised_by
        match: tuple[str, ...] = ()
        if response is not None:
            match = tuple(response.match) if response.match is not None else ((n.key,) if n.key else ())
        tiers = tuple(
            CompiledTier(t, frozenset(t.at) if t.at is not None else None, compile_condition(t.when))
            for t in (n.tiers or [])
        )
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
            )
        )
        if n.trigger.event:
            add(n.trigger.event, "trigger", i)
        if response is not None:
            add(response.event, "response", i)
        if n.fulfilled_by and n.fulfilled_by.accumulate:
            acc = n.fulfilled_by.accumulate
            money.add((n.fulfilled_by.event, acc.field))
        for ex in n.excuses:
            if ex.cause is not None:
                add(ex.cause.event, "cause", i)
    spans = tuple(
        CompiledSpan(name, s, compile_condition(s.start.when), compile_condition(s.end.when))
        for name, s in ruleset.spans.items()
    )
    for j, s in enumerate(spans):
        add(s.span.start.event, "span_start", j)
        add(s.span.end.event, "span_end", j)
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
        dispatch={k: tuple(v) for k, v in dispatch.items()},
        money_fields=frozenset(money),
        norm_order={n.id: i for i, n in enumerate(ruleset.norms)}
        | {r.id: len(ruleset.norms) + i for i, r in enumerate(ruleset.remedies)},
    )


# =============================================================================== state


def fmt(t: datetime, *, day_end: bool = False) -> str:
    """``2025-03-03 10:00 (+08:00)``; with day_end, a midnight shows as 24:00 of the day before."""
    if day_end and t.time() == time(0):
        prev = t - timedelta(days=1)
        return f"{prev:%Y-%m-%d} 24:00"
    return f"{t:%Y-%m-%d %H:%M}" + (f":{t:%S}" if t.second or t.microsecond else "")


@dataclass
class _SpanRec:
    name: str
    key: str | None
    party: str | None
    start: datetime
    start_id: str
    end: datetime | None = None
    end_id: str | None = None


@dataclass
class _Instance:
    cn: CompiledNorm
    key: str | None
    match: tuple[Any, ...]
    nth: int
    trigger_at: datetime
    trigger_id: str | None
    party: str
    tier: CompiledTier | None
    deadline: Deadline | None
    steps: list[str]
    not_before: datetime | None = None
    responded_at: datetime | None = None
    response_ids: list[str] = field(default_factory=list)
    paid: Decimal = Decimal("0")
    parts: int = 0
    notes: list[str] = field(default_factory=list)
    base_due: datetime | None = None


@dataclass(frozen=True)
class _Cause:
    value: str
    event_id: str
    at: datetime


class Evaluator:
    """Incremental evaluation: feed events in time order, ask for a report or what is open.

    ``strict=True`` (the default) raises :class:`EventError` for an invalid event, naming it;
    ``strict=False`` records it as rejected. An event earlier than one already fed is out of
    order: an error in strict mode, rejected otherwise (the batch :func:`evaluate` orders its
    input first). The results equal those of :func:`evaluate` on the same events.
    """

    def __init__(
        self,
        compiled: CompiledRuleset | Ruleset,
        *,
        strict: bool = True,
        naive_tz: str | tzinfo | None = None,
    ) -> None:
        self.c = compiled if isinstance(compiled, CompiledRuleset) else compile_ruleset(compiled)
        self.strict = strict
        ntz = ZoneInfo(naive_tz) if isinstance(naive_tz, str) else naive_tz
        self.validator = EventValidator(
            self.c.ruleset, self.c.tz, naive_tz=ntz, money_fields=self.c.money_fields
        )
        self._instances: list[_Instance] = []
        self._open: dict[tuple[int, tuple[Any, ...]], list[_Instance]] = {}
        self._count: dict[tuple[int, str | None], int] = {}
        self._causes: dict[tuple[str, str, str], list[_Cause]] = {}
        self._spans: dict[str, list[_SpanRec]] = {}
        self._open_spans: dict[tuple[str, str | None, str | None], _SpanRec] = {}
        self._claims: list[tuple[int, Event]] = []
        self._entries: list[EventEntry] = []
        self._out_of_term: dict[str, list[str]] = {}
        self._last: datetime | None = None
        self._next_index = 0
        for cn in self.c.norms:
            if cn.norm.trigger.at is not None:
                at = self.c.term_start if cn.norm.trigger.at == "term.start" else self.c.term_end
                self._create(cn, at, None, {}, None)

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Mapping[str, Any] | RawEvent | Event) -> EventEntry:
        """Validate and apply one event; return what became of it (used, ignored, rejected)."""
        if isinstance(event, Event):
            ev: Event | None = event
            raw = RawEvent(event.index, event.where, None)
        else:
            raw = event if isinstance(event, RawEvent) else RawEvent(
                self._next_index, f"event #{self._next_index + 1}", event
            )
            ev = None
        self._next_index = max(self._next_index, raw.index + 1)
        try:
            if ev is None:
                ev = self.validator.validate(raw)
            if self._last is not None and ev.at < self._last:
                raise EventError(
                    ev.where,
                    f"out of time order: {iso(ev.at)} is before {iso(self._last)}, already seen",
                    event_id=ev.id,
                )
        except EventError as exc:
            if self.strict:
                raise
            return self.reject(raw, exc)
        return self.apply(ev)

    def reject(self, raw: RawEvent, exc: EventError) -> EventEntry:
        """Record an invalid event as rejected, with the error's reason."""
        data = raw.data if isinstance(raw.data, Mapping) else {}
        rid = data.get("id")
        rtype = data.get("type")
        entry = EventEntry(
            raw.index,
            raw.where,
            str(rid) if isinstance(rid, str | int) and not isinstance(rid, bool) else exc.event_id,
            rtype if isinstance(rtype, str) else None,
            None,
            "rejected",
            exc.reason,
        )
        self._entries.append(entry)
        return entry

    def ignore(self, ev: Event, reason: str) -> EventEntry:
        """Record a valid event that is not evaluated (e.g. after as_of), with the reason."""
        entry = EventEntry(ev.index, ev.where, ev.id, ev.type, ev.at, "ignored", reason)
        self._entries.append(entry)
        return entry

    def apply(self, ev: Event) -> EventEntry:
        """Apply a validated event that is not earlier than the last one applied."""
        self._last = ev.at
        used: list[str] = []
        ignored: list[str] = []
        for what, idx in self.c.dispatch.get(ev.type, ()):
            handler = _HANDLERS[what]
            outcome = handler(self, idx, ev)
            if outcome is None:
                continue
            ok, reason = outcome
            (used if ok else ignored).append(reason)
        if used:
            entry = EventEntry(ev.index, ev.where, ev.id, ev.type, ev.at, "used", "; ".join(used))
        else:
            reason = "; ".join(dict.fromkeys(ignored)) or f"no rule uses events of type {ev.type!r}"
            entry = EventEntry(ev.index, ev.where, ev.id, ev.type, ev.at, "ignored", reason)
        self._entries.append(entry)
        return entry

    # ------------------------------------------------------------------ handlers

    def _on_trigger(self, i: int, ev: Event) -> tuple[bool, str] | None:
        cn = self.c.norms[i]
        n = cn.norm
        if not cn.trigger_pred(ev.fields):
            return False, f"does not meet the trigger condition of {n.id}"
        if n.within_term:
            before = ev.at < self.c.term_start
            after = ev.at >= self.c.term_end
            if before or (after and not n.survives_term):
                term = self.c.ruleset.contract.term
                head = (
                    f"{ev.type} {ev.id} at {fmt(ev.at)} is outside the term "
                    f"({term.start} – {term.end}, clause {term.clause or '1'})"
                )
                self._out_of_term.setdefault(head, []).append(n.id)
                return False, f"out of term for {n.id} (clause {term.clause or '1'})"
        key = None
        if n.key is not None:
            key = str(ev.fields.get(n.key))
        made = self._create(cn, ev.at, ev.id, ev.fields, key)
        if made is None:
            return False, f"no tier of {n.id} applies"
        return True, f"triggers {n.id}"

    def _create(
        self,
        cn: CompiledNorm,
        at: datetime,
        ev_id: str | None,
        fields: Mapping[str, Any],
        key: str | None,
    ) -> _Instance | None:
        n = cn.norm
        steps: list[str] = []
        what = f"{n.trigger.event} {ev_id}" if ev_id else f"{n.trigger.at}"
        steps.append(f"trigger: {what} at {fmt(at)}")
        tier: CompiledTier | None = None
        deadline = n.deadline
        if cn.tiers:
            cls = self.c.calendar.classify(at)
            for t in cn.tiers:
                if (t.classes is None or cls in t.classes) and t.pred(fields):
                    tier = t
                    break
            if tier is None:
                return None
            deadline = tier.tier.deadline
            steps.append(
                f"{fmt(at)} is {_CLASS_WORDS[cls]} → tier {tier.tier.name}: {deadline.describe()}"
            )
        party = self._party(n.party, fields)
        match = tuple(str(fields.get(f)) for f in cn.match)
        nkey = (cn.index, key)
        self._count[nkey] = self._count.get(nkey, 0) + 1
        inst = _Instance(cn, key, match, self._count[nkey], at, ev_id, party, tier, deadline, steps)
        if deadline is not None:
            inst.base_due, how = self._due(deadline, at)
            steps.append(how)
        fb = n.fulfilled_by
        if fb is not None and fb.not_before is not None:
            inst.not_before, how = self._due(fb.not_before, at)
            steps.append(f"fulfilment counts from {fmt(inst.not_before)} ({fb.not_before.describe()})")
        self._instances.append(inst)
        if cn.response_type is not None:
            self._open.setdefault((cn.index, match), []).append(inst)
        return inst

    def _party(self, ref: str, fields: Mapping[str, Any]) -> str:
        if ref.startswith("$trigger."):
            return str(fields.get(ref.removeprefix("$trigger."), "any"))
        if ref.startswith("$other."):
            named = fields.get(ref.removeprefix("$other."))
            return self.c.other_party(str(named)) if named is not None else "any"
        return ref

    def _due(self, d: Deadline, trigger_at: datetime) -> tuple[datetime, str]:
        """The due instant of ``d`` counted from ``trigger_at`` (or a contract date), and how."""
        c = self.c
        cal = c.calendar
        term = c.ruleset.contract.term
        unit = d.unit
        if unit == "at":
            due = c.term_start if d.at == "term.start" else c.term_end
            return due, f"due at {d.at}: {fmt(due, day_end=True)}"
        if d.from_ == "trigger":
            clock_anchor, day_anchor, label = trigger_at, trigger_at, "the trigger"
        elif d.from_ == "term.start":
            clock_anchor = c.term_start
            day_anchor = datetime.combine(term.start, time(12), c.tz)
            label = f"term start {term.start}"
        else:
            clock_anchor = c.term_end
            day_anchor = datetime.combine(term.end, time(12), c.tz)
            label = f"term end {term.end}"
        amount = d.amount
        ct = d.counting
        if unit in ("minutes", "hours", "working_hours"):
            micros = int(amount * (60 if unit == "minutes" else 3600) * 1_000_000)
            delta = timedelta(microseconds=micros)
            if unit == "working_hours":
                due = cal.add_working_hours(clock_anchor, delta)
            else:
                due = cal.add_clock(clock_anchor, delta)
            return due, f"due {d.describe(anchor=False)} after {label} → {fmt(due)}"
        if unit == "working_days":
            due = cal.add_working_days(day_anchor, int(amount), day_end=ct.day_end)
        else:
            due = cal.add_period(
                day_anchor,
                int(amount),
                unit,  # type: ignore[arg-type]
                count_start_day=ct.count_start_day,
                extend_over_rest_days=ct.extend_over_rest_days,
                day_end=ct.day_end,
            )
        rule = "Civil Code Art. 201–203" if unit in ("days", "months", "years") else "working days"
        rel = "before" if amount < 0 else "after"
        return due, f"{d.describe(anchor=False)} {rel} {label} ({rule}) → {fmt(due, day_end=True)}"

    def _on_response(self, i: int, ev: Event) -> tuple[bool, str] | None:
        cn = self.c.norms[i]
        n = cn.norm
        if not cn.response_pred(ev.fields):
            return False, f"does not meet the condition of {n.id}"
        match = tuple(str(ev.fields.get(f)) for f in cn.match)
        open_list = self._open.get((cn.index, match))
        if not open_list:
            return False, f"no open {n.id} instance for {'/'.join(match) or 'the contract'}"
        acc = n.fulfilled_by.accumulate if n.fulfilled_by is not None else None
        took = False
        early = False
        for inst in list(open_list):
            if ev.at < inst.trigger_at:
                continue
            if inst.not_before is not None and ev.at < inst.not_before:
                early = True
                continue
            if acc is not None:
                took |= self._accumulate(inst, ev, acc.field, acc.currency_field, acc.target)
            else:
                inst.responded_at = ev.at
                inst.response_ids.append(ev.id)
                took = True
            if inst.responded_at is not None:
                open_list.remove(inst)
        if took:
            verb = {"obligation": "fulfils", "prohibition": "violates", "permission": "exercises"}
            return True, f"{verb[n.kind]} {n.id}"
        if early:
            nb = min(x.not_before for x in open_list if x.not_before is not None)
            return False, f"before the window of {n.id} opens ({fmt(nb)})"
        return False, f"does not count toward {n.id}"

    def _accumulate(
        self, inst: _Instance, ev: Event, fld: str, cur_fld: str | None, target_name: str
    ) -> bool:
        fee = self.c.ruleset.contract.fees[target_name]
        if cur_fld is not None and ev.fields.get(cur_fld, fee.currency) != fee.currency:
            inst.notes.append(f"{ev.id}: currency {ev.fields.get(cur_fld)} is not {fee.currency}")
            return False
        amount = ev.fields.get(fld)
        if not isinstance(amount, Decimal):
            return False
        inst.paid += amount
        inst.parts += 1
        inst.response_ids.append(ev.id)
        if inst.paid >= fee.amount and inst.responded_at is None:
            inst.responded_at = ev.at
            if inst.paid > fee.amount:
                inst.notes.append(f"paid {money(inst.paid)}, more than {money(fee.amount)}")
        return True

    def _on_cause(self, i: int, ev: Event) -> tuple[bool, str] | None:
        n = self.c.norms[i].norm
        recorded = False
        for ex in n.excuses:
            cause = ex.cause
            if cause is None or cause.event != ev.type:
                continue
            kfield = cause.key or n.key
            if kfield is None or cause.field not in ev.fields:
                continue
            slot = (ev.type, cause.field, str(ev.fields.get(kfield)))
            lst = self._causes.setdefault(slot, [])
            rec = _Cause(str(ev.fields[cause.field]), ev.id, ev.at)
            if rec not in lst:
                lst.append(rec)
            recorded = True
        if not recorded:
            return None
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
        assert remedy.claims is not None
        self._claims.append((k, ev))
        return True, f"claims under {remedy.id}"

    # ------------------------------------------------------------------ answers

    def report(self, as_of: datetime | str | None = None) -> Report:
        """The report at ``as_of`` (default: the current time). ``as_of`` must not be earlier
        than the last event fed (ValueError otherwise)."""
        t = self._as_of(as_of)
        if self._last is not None and t < self._last:
            raise ValueError(f"as_of {iso(t)} is before the last event fed ({iso(self._last)})")
        obligations = [self._finish(inst, t) for inst in self._instances if inst.trigger_at <= t]
        obs = sorted_obligations(obligations, dict(self.c.norm_order))
        rs = self.c.ruleset
        return Report(
            contract_id=rs.contract.id,
            contract_title_zh=rs.contract.title.zh or "",
            contract_title_en=rs.contract.title.en or "",
            language=rs.contract.language,
            timezone=rs.contract.timezone,
            as_of=t,
            obligations=obs,
            liability=Liability(tuple(self._remedies(obs, t))),
            accounting=Accounting(tuple(sorted(self._entries, key=lambda e: e.index))),
            assumptions=tuple(self.c.calendar.assumptions),
            notes=tuple(
                f"{head}: no duty arises ({', '.join(ids)})"
                for head, ids in self._out_of_term.items()
            ),
        )

    def open_at(self, now: datetime | str) -> list[Obligation]:
        """The instances still pending at ``now``, soonest due first (no due last)."""
        rep = self.report(now)
        pending = [o for o in rep.obligations if o.status == "pending"]
        far = datetime.max.replace(tzinfo=self.c.tz)
        return sorted(pending, key=lambda o: (o.due or far, o.trigger_at))

    def _as_of(self, as_of: datetime | str | None) -> datetime:
        if as_of is None:
            return datetime.now(self.c.tz)
        return parse_as_of(as_of, self.c.tz)

    def _current_due(self, inst: _Instance, as_of: datetime) -> tuple[datetime | None, list[str]]:
        """The due instant with clock pauses applied (an open pause counts until as_of)."""
        if inst.base_due is None or not inst.cn.pause or inst.deadline is None:
            return inst.base_due, []
        pauses: list[tuple[datetime, datetime, str]] = []
        for name in inst.cn.pause:
            for rec in self._spans.get(name, []):
                if rec.key != inst.key or rec.start > as_of:
                    continue
                end = rec.end if rec.end is not None and rec.end <= as_of else as_of
                if end > inst.trigger_at:
                    pauses.append((max(rec.start, inst.trigger_at), end, rec.start_id))
        if not pauses:
            return inst.base_due, []
        pauses.sort()
        d = inst.deadline
        cal = self.c.calendar
        working = d.unit == "working_hours"
        per = 60 if d.unit == "minutes" else 3600
        remaining = timedelta(microseconds=int(d.amount * per * 1_000_000))
        cursor = inst.trigger_at
        paused = timedelta(0)
        used: list[str] = []
        for start, end, sid in pauses:
            if end <= cursor:
                continue
            if start > cursor:
                gap = cal.working_time_between(cursor, start) if working else start - cursor
                if gap >= remaining:
                    break
                remaining -= gap
                cursor = start
            span_len = cal.working_time_between(cursor, end) if working else end - cursor
            paused += span_len
            used.append(sid)
            cursor = end
        due = cal.add_working_hours(cursor, remaining) if working else cal.add_clock(cursor, remaining)
        step = f"clock paused {_dur(paused)} ({', '.join(used)}) → due {fmt(due)}"
        return due, [step]

    def _excuse(self, inst: _Instance, due: datetime | None) -> tuple[str, list[str]] | None:
        n = inst.cn.norm
        for ex in n.excuses:
            if ex.cause is not None:
                kfield = ex.cause.key or n.key
                if kfield is None or inst.key is None:
                    continue
                for rec in self._causes.get((ex.cause.event, ex.cause.field, inst.key), []):
                    if rec.value in ex.cause.values:
                        reason = (
                            f"cause {rec.value} determined {fmt(rec.at)} ({rec.event_id}); "
                            f"clause {ex.clause}: {ex.reason.get('en')}"
                        )
                        return reason, [rec.event_id]
            elif ex.span is not None and due is not None:
                for rec in self._spans.get(ex.span, []):
                    if rec.party is not None and rec.party != inst.party:
                        continue
                    if rec.start <= due and (rec.end is None or due <= rec.end):
                        until = fmt(rec.end) if rec.end else "ongoing"
                        reason = (
                            f"due {fmt(due)} inside {ex.span} {rec.key or ''} of party "
                            f"{rec.party} ({fmt(rec.start)} – {until}); clause {ex.clause}: "
                            f"{ex.reason.get('en')}"
                        )
                        return reason, [rec.start_id] + ([rec.end_id] if rec.end_id else [])
        return None

    def _finish(self, inst: _Instance, as_of: datetime) -> Obligation:
        n = inst.cn.norm
        due, pause_steps = self._current_due(inst, as_of)
        steps = list(inst.steps) + pause_steps
        events = [inst.trigger_id] if inst.trigger_id else []
        events += inst.response_ids
        notes = list(inst.notes)
        reason: str | None = None
        at = inst.responded_at
        status: Status
        if n.kind == "obligation":
            if at is not None and (due is None or at <= due):
                status = "fulfilled"
                steps.append(f"fulfilled at {fmt(at)}" + (f", due {fmt(due)}" if due else ""))
            else:
                excuse = self._excuse(inst, due)
                if excuse is not None:
                    status, reason = "excused", excuse[0]
                    events += excuse[1]
                elif at is not None:
                    status = "violated"
                    reason = f"fulfilled late at {fmt(at)} ({_dur(at - due)} after due)" if due else None
                elif due is not None and as_of > due:
                    status = "violated"
                    reason = f"not fulfilled by {fmt(due, day_end=True)}"
                else:
                    status = "pending"
            if inst.parts > 1:
                notes.append(f"paid in {inst.parts} parts; the clause asks for one payment")
            if inst.parts and inst.responded_at is None:
                notes.append(f"paid {money(inst.paid)} so far")
        elif n.kind == "prohibition":
            if n.violated_by is None or (at is not None and (due is None or at <= due)):
                excuse = self._excuse(inst, due)
                if excuse is not None:
                    status, reason = "excused", excuse[0]
                    events += excuse[1]
                else:
                    status = "violated"
                    when = at or inst.trigger_at
                    reason = f"prohibited act at {fmt(when)}"
                at = None
            elif due is not None and as_of > due:
                status, at = "fulfilled", None
                reason = None
            else:
                status, at = "pending", None
        else:  # permission
            if at is None:
                status = "pending"
            elif due is not None and at < due:
                status = "violated"
                reason = f"exercised prematurely at {fmt(at)}, before {fmt(due, day_end=True)}"
            else:
                status = "fulfilled"
        if status == "violated" and n.strength == "best_effort":
            notes.append("best effort: a missed target is reported, not a breach")
        return Obligation(
            rule=n.id,
            kind=n.kind,
            clause=n.clause,
            title_zh=n.title.zh or "",
            title_en=n.title.en or "",
            party=inst.party,
            key=inst.key,
            nth=inst.nth,
            trigger_at=inst.trigger_at,
            trigger_event=inst.trigger_id,
            tier=inst.tier.tier.name if inst.tier else None,
            due=due,
            status=status,
            fulfilled_at=at,
            strength=n.strength,
            reason=reason,
            events=tuple(dict.fromkeys(events)),
            notes=tuple(notes),
            explanation=tuple(steps),
        )

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
        relevant = [o for o in obs if o.rule in covered and o.party == remedy.party]
        items: dict[int, list[RemedyItem]] = {}
        currency = "CNY"
        if remedy.cap is not None:
            currency = self._amount(remedy.cap.amount)[1]
        if remedy.kind == "liability":
            claims = remedy.claims
            assert claims is not None
            for kk, ev in self._claims:
                if kk != k or ev.at > as_of:
                    continue
                key = str(ev.fields.get(claims.key))
                amount = ev.fields.get(claims.amount_field, Decimal(0))
                cur = str(ev.fields.get(claims.currency_field, currency))
                mine = [o for o in relevant if o.key == key]
                breach = next((o for o in mine if o.is_breach), None)
                when = ev.at
                if cur != currency:
                    ok, why = False, f"currency {cur} is not {currency}"
                elif breach is not None:
                    ok, why = True, f"tied to breach of {breach.rule} [{key}] (due {fmt(breach.due or breach.trigger_at)})"
                    when = breach.due or breach.trigger_at
                elif any(o.status == "excused" for o in mine):
                    ex = next(o for o in mine if o.status == "excused")
                    ok, why = False, f"not compensable: {ex.rule} [{key}] excused — {ex.reason}"
                else:
                    ok, why = False, f"not compensable: no violated binding duty of party {remedy.party} for {key}"
                period = self._period_index(remedy.period, when)
                items.setdefault(period, []).append(RemedyItem(breach.rule if breach else None, key, ev.id, Decimal(amount), ok, why))
        else:
            assert remedy.per_breach is not None
            value, currency = self._amount(remedy.per_breach)
            for o in relevant:
                if not o.is_breach:
                    continue
                when = o.due or o.trigger_at
                period = self._period_index(remedy.period, when)
                items.setdefault(period, []).append(
                    RemedyItem(o.rule, o.key, o.trigger_event, value, True, f"breach of {o.rule} due {fmt(when)}")
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
                    currency=currency,
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


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _dur(td: timedelta) -> str:
    secs = int(td.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    days, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    parts = ([f"{days}d"] if days else []) + ([f"{h}h"] if h else []) + ([f"{m}min"] if m else [])
    return sign + (" ".join(parts) or f"{int(td.total_seconds())}s")


_HANDLERS: dict[str, Callable[[Evaluator, int, Event], tuple[bool, str] | None]] = {
    "trigger": Evaluator._on_trigger,
    "response": Evaluator._on_response,
    "cause": Evaluator._on_cause,
    "span_start": Evaluator._on_span_start,
    "span_end": Evaluator._on_span_end,
    "claim": Evaluator._on_claim,
}


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
    return value.astimezone(tz)


# =============================================================================== batch


EventSource = str | os.PathLike[str] | Iterable[Mapping[str, Any] | Event]


def evaluate(
    ruleset: Ruleset | CompiledRuleset,
    events: EventSource,
    as_of: datetime | str | None = None,
    *,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Report:
    """Evaluate ``ruleset`` against ``events`` at ``as_of`` (default: now).

    ``events`` is an iterable of mappings (or :class:`Event`), or a path to a ``.jsonl``, ``.json``
    or ``.csv`` file. In strict mode (default) the first invalid event raises
    :class:`EventError` naming it; with ``strict=False`` invalid events are reported as rejected.
    Events after ``as_of`` are ignored with that reason. Input out of time order is ordered
    stably (by instant, then input position).
    """
    ev = Evaluator(ruleset, strict=strict, naive_tz=naive_tz)
    t = ev._as_of(as_of)
    valid: list[Event] = []
    raws: Iterable[RawEvent | Event]
    if isinstance(events, str | os.PathLike):
        raws = read_events(events)
    else:
        raws = _index(events)
    for n, raw in enumerate(raws, 1):
        if on_progress is not None and n % 10_000 == 0:
            on_progress(n)
        if isinstance(raw, Event):
            valid.append(raw)
            continue
        try:
            valid.append(ev.validator.validate(raw))
        except EventError as exc:
            if strict:
                raise
            ev.reject(raw, exc)
    valid.sort(key=lambda e: (e.at, e.index))
    for e in valid:
        if e.at > t:
            ev.ignore(e, f"after the evaluation time {iso(t)}")
        else:
            ev.apply(e)
    return ev.report(t)


def _index(events: Iterable[Mapping[str, Any] | Event]) -> Iterable[RawEvent | Event]:
    if isinstance(events, Mapping):
        raise TypeError("events must be an iterable of mappings or a path, not one mapping")
    for i, item in enumerate(events):
        yield item if isinstance(item, Event) else RawEvent(i, f"event #{i + 1}", item)


StatusLiteral = Literal["pending", "fulfilled", "violated", "excused"]
