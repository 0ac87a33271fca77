"""The compile step: a :class:`~contract_rules.model.Ruleset` in, a :class:`CompiledRuleset` out.

Everything an evaluation asks of the rules more than once is worked out here, once per ruleset:
the calendar, the predicates of every condition, the deadlines' units and clock lengths, the
excuses' cause slots, and the dispatch table (event type → what it can do). A compiled ruleset
is immutable and engine-neutral: share it across evaluations and threads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any, get_args
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar, WorkingTimeClass, build_calendar
from .errors import RuleFileError
from .events import in_zone
from .expressions import Expression
from .findings import DocPath
from .logic import ROLE, ExprPredicate, Logic, compile_logic, money_fields
from .model import (
    CONTRACT,
    Condition,
    Correlated,
    Deadline,
    FieldTest,
    Norm,
    Ruleset,
    Span,
    Tier,
)
from .model_logic import Expr
from .report import NormInfo

Predicate = Callable[[Mapping[str, Any]], bool]
#: the span a power's suspension of the whole contract opens (``target: contract``)
CONTRACT_SUSPENSION = "suspension of the contract"
#: the words of a response's use in the accounting, per norm kind
_VERB = {"obligation": "fulfils", "prohibition": "violates", "permission": "exercises"}


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
    #: a due computed from data (unit ``due``): the compiled expression
    expr: Expression | None = None
    #: the money fields of the trigger's event type, as the expression reads them
    money: Mapping[str, str] | None = None

    @classmethod
    def of(
        cls,
        d: Deadline,
        expr: Expression | None = None,
        money: Mapping[str, str] | None = None,
    ) -> CompiledDeadline:
        """Compile ``d`` (``expr``: its ``due`` expression, compiled, with the money fields of
        the trigger it reads)."""
        unit = d.unit
        amount = d.amount
        delta = timedelta(0)
        if unit in ("minutes", "hours", "working_hours"):
            per = 60 if unit == "minutes" else 3600
            delta = timedelta(microseconds=int(amount * per * 1_000_000))
        simple = unit in ("minutes", "hours") and d.from_ == "trigger"
        return cls(d, unit, amount, delta, d.describe(anchor=False), simple, expr, money)


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
    #: a span with the instance's own key excuses it (false: only spans of other keys do)
    own_key: bool = True


@dataclass(frozen=True)
class CompiledNorm:
    """A norm ready to run: predicates, tiers, correlation fields and excuse specs."""

    index: int
    norm: Norm
    trigger_pred: Predicate
    tiers: tuple[CompiledTier, ...]
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
    #: a remedy computes an amount from this norm's breaches: its instances keep the fields of
    #: their trigger and fulfilling events (``Instance.more``) for the report
    keeps: bool = False
    #: a recurring duty (``trigger.every``): the periods of the term, (label, start, end)
    periods: tuple[tuple[str, datetime, datetime], ...] = ()
    #: per change of state (violated, fulfilled, excused), the norms whose instances it creates
    #: (``trigger.on``); empty for nearly every norm, so that the hot path asks one question
    arising: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    #: a power's effect when exercised while open (``effect``), or None
    effect: str | None = None
    #: its act does more than close its instance (a power's effect, or a change that creates
    #: duties): a response takes the evaluator's general path (``Evaluator._on_act``)
    acts: bool = False
    #: the spans a power's suspension of this norm, or of the whole contract, opens (its
    #: instances' clocks stop), or none;
    #: also among ``pause``, so that every place that moves a due for a pause looks at it
    suspensions: tuple[str, ...] = ()
    #: a right's closing (``until``): counted from its opening; None: open until used
    until: CompiledDeadline | None = None
    #: the index of the norm a release or create effect acts on, or -1
    target_index: int = -1


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
    #: the parameters and compiled expressions (None: compiled before logic existed)
    logic: Logic | None = None
    #: what every expression reads besides its place's own names: the parameters' values and
    #: ``term.start``/``term.end``
    base: Mapping[str, Any] | None = None

    def expression(self, path: DocPath) -> Expression | None:
        """The compiled expression at document ``path`` (None where the rule file writes none)."""
        return None if self.logic is None else self.logic.expressions.get(path)

    def other_party(self, party: str) -> str:
        """The other party of a two-party contract."""
        others = [p for p in self.ruleset.contract.parties if p != party]
        return others[0] if len(others) == 1 else "any"

    @cached_property
    def digest(self) -> str:
        """The ruleset's content hash: sha256 (hex) of its canonical JSON (keys sorted, no
        spaces). Equal rulesets have equal digests in any process, so that workers can check
        that they hold the ruleset the caller compiled."""
        return ruleset_digest(self.ruleset)

    def __reduce__(self) -> tuple[Callable[[Ruleset, str], CompiledRuleset], tuple[Ruleset, str]]:
        """Pickled as its ruleset and digest, compiled again where it is loaded: the compiled
        predicates are closures, which do not pickle, and whatever the compile step adds is
        rebuilt the same way (:func:`_recompiled` checks the digest)."""
        return _recompiled, (self.ruleset, self.digest)


def ruleset_digest(ruleset: Ruleset) -> str:
    """sha256 (hex) of ``ruleset``'s canonical JSON (:attr:`CompiledRuleset.digest`)."""
    text = json.dumps(
        ruleset.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: the rulesets compiled by unpickling in this process, by digest (a worker is sent one ruleset
#: many times: it is compiled once); a few, the most recent last
_UNPICKLED: dict[str, CompiledRuleset] = {}


def _recompiled(ruleset: Ruleset, digest: str) -> CompiledRuleset:
    """The compiled form of a pickled :class:`CompiledRuleset` (ValueError when the ruleset
    that arrived is not the one that was sent: another digest)."""
    if ruleset_digest(ruleset) != digest:
        raise ValueError(
            f"the unpickled ruleset {ruleset.contract.id!r} does not have the digest it was "
            f"sent with ({digest[:12]}…): it changed in transit"
        )
    found = _UNPICKLED.pop(digest, None)
    if found is None:
        found = compile_ruleset(ruleset)
    _UNPICKLED[digest] = found
    while len(_UNPICKLED) > 8:
        del _UNPICKLED[next(iter(_UNPICKLED))]
    return found


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


def anchors(
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


def compile_ruleset(ruleset: Ruleset) -> CompiledRuleset:
    """Compile once, evaluate many times. Raises CalendarError for a bad calendar spec."""
    cal = build_calendar(ruleset)
    tz = ZoneInfo(ruleset.contract.timezone)
    term = ruleset.contract.term
    # midnights of the zone, as instants (a midnight skipped by a change of offset becomes the
    # day's first instant), in the form the engine compares
    term_start = in_zone(datetime.combine(term.start, time(0), tz), tz)
    term_end = in_zone(datetime.combine(term.end + timedelta(days=1), time(0), tz), tz)
    logic = compile_logic(ruleset)
    if not logic.ok:
        raise RuleFileError(logic.findings, "<ruleset>")
    base = {**logic.values, "term.start": term_start, "term.end": term_end}
    conds = _Conditions(ruleset, logic, base, cal)
    causes: list[CauseSlot] = []
    norm_ids = [m.id for m in ruleset.norms]
    # the norms whose instances keep their events' fields: a remedy computes from them, or a
    # computed due is explained from them
    kept = {nid for r in ruleset.remedies if r.amount or r.when for nid in r.norms}
    kept |= {n.id for n in ruleset.norms if _computes_due(n)}
    # ... or a remedy of a duty arising from their changes reads their trigger (cause.trigger)
    kept |= {n.trigger.norm for n in ruleset.norms if n.id in kept and n.trigger.norm}
    norms = tuple(
        _compile_norm(i, n, norm_ids, causes, conds, n.id in kept)
        for i, n in enumerate(ruleset.norms)
    )
    norms = tuple(
        replace(cn, periods=term_periods(cn.norm.trigger.every, term.start, term.end, tz))
        if cn.norm.trigger.every is not None
        else cn
        for cn in norms
    )
    norms = _with_arising(norms)
    norms = tuple(_with_suspension(cn, ruleset) for cn in norms)
    spans = tuple(
        CompiledSpan(
            name,
            s,
            conds.of(s.start.when, ("spans", name, "start", "when"), "event", s.start.event),
            conds.of(s.end.when, ("spans", name, "end", "when"), "event", s.end.event),
        )
        for name, s in ruleset.spans.items()
    )
    dispatch, money = _dispatch(ruleset, spans, causes)
    return CompiledRuleset(
        ruleset=ruleset,
        calendar=cal,
        tz=tz,
        term_start=term_start,
        term_end=term_end,
        norms=norms,
        spans=spans,
        causes=tuple(causes),
        dispatch=dispatch,
        money_fields=frozenset(money),
        norm_order={n.id: i for i, n in enumerate(ruleset.norms)}
        | {r.id: len(ruleset.norms) + i for i, r in enumerate(ruleset.remedies)},
        claim_preds=tuple(
            conds.of(r.claims.when, ("remedies", k, "claims", "when"), "claim", r.claims.event)
            if r.claims is not None
            else _always
            for k, r in enumerate(ruleset.remedies)
        ),
        currency=_contract_currency(ruleset),
        logic=logic,
        base=base,
    )


class _Conditions:
    """Makes the predicate of a condition: the native field tests, or an expression."""

    def __init__(
        self, rs: Ruleset, logic: Logic, base: Mapping[str, Any], cal: BusinessCalendar
    ) -> None:
        self.rs = rs
        self.logic = logic
        self.base = base
        self.cal = cal

    def of(self, when: Condition | Expr, path: DocPath, role: str, event: str | None) -> Predicate:
        """The predicate of ``when``, written at ``path``, testing an event of type ``event``
        that an expression names ``role``."""
        if not isinstance(when, str):
            return compile_condition(when)
        money = money_fields(self.rs.events.get(event or ""))
        return ExprPredicate(self.logic.expressions[path], role, money, self.base, self.cal)

    def deadline(self, d: Deadline, path: DocPath, trigger: str | None) -> CompiledDeadline:
        """``d`` compiled; a computed due with its expression."""
        if d.due is None:
            return CompiledDeadline.of(d)
        money = money_fields(self.rs.events.get(trigger or ""))
        return CompiledDeadline.of(d, self.logic.expressions[(*path, "due")], money)


def term_periods(
    every: str, start: date, end: date, tz: ZoneInfo
) -> tuple[tuple[str, datetime, datetime], ...]:
    """The periods of kind ``every`` (month, quarter, year) that overlap the term from ``start``
    to the end of ``end``, with their labels (``2025-03``, ``2025-Q1``, ``Y1``: years are
    counted from the term's start) and their first and next instants in the zone."""
    out: list[tuple[str, datetime, datetime]] = []
    if every == "year":
        k = 0
        while True:
            a, b = _add_months(start, 12 * k), _add_months(start, 12 * (k + 1))
            if a > end:
                break
            out.append((f"Y{k + 1}", _midnight(a, tz), _midnight(b, tz)))
            k += 1
        return tuple(out)
    step = 3 if every == "quarter" else 1
    first = date(start.year, (start.month - 1) // step * step + 1, 1)
    while first <= end:
        nxt = _add_months(first, step)
        q = (first.month - 1) // 3 + 1
        label = f"{first.year}-Q{q}" if step == 3 else f"{first:%Y-%m}"
        out.append((label, _midnight(first, tz), _midnight(nxt, tz)))
        first = nxt
    return tuple(out)


def _add_months(d: date, n: int) -> date:
    """``d`` moved by ``n`` months (the 31st becomes the month's last day)."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    last = (date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m + 1, min(d.day, last))


def _midnight(d: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``d`` in ``tz``, in the form the engine compares."""
    return in_zone(datetime.combine(d, time(0), tz), tz)


def _computes_due(n: Norm) -> bool:
    """Whether a deadline of ``n`` (or its window's opening) is computed by an expression."""
    fb = n.fulfilled_by
    found = [n.deadline, *(t.deadline for t in n.tiers or ()), fb.not_before if fb else None]
    return any(d is not None and d.due is not None for d in found)


def _response_of(n: Norm) -> Correlated | None:
    """The event that answers an instance of ``n``: fulfils, violates or exercises it."""
    return n.fulfilled_by or n.violated_by or n.exercised_by


def _match_of_norm(n: Norm, response: Correlated | None) -> tuple[str, ...]:
    """The fields a response must share with the instance it answers (its key by default)."""
    if response is None:
        return ()
    if response.match is not None:
        return tuple(response.match)
    return (n.key,) if n.key else ()


def _compile_tiers(n: Norm, i: int, conds: _Conditions) -> tuple[CompiledTier, ...]:
    """The tiers of norm ``i``, in order, with their conditions and deadlines compiled."""
    return tuple(
        CompiledTier(
            t,
            frozenset(t.at) if t.at is not None else None,
            compile_condition(t.when),
            conds.deadline(t.deadline, ("norms", i, "tiers", k, "deadline"), n.trigger.event),
            t.name,
            k,
        )
        for k, t in enumerate(n.tiers or [])
    )


def _compile_excuses(n: Norm, causes: list[CauseSlot]) -> tuple[CompiledExcuse, ...]:
    """The norm's excuses in the rule file's order; a cause excuse gets its slot in ``causes``
    (added there when it is new: one slot per event, field and key, shared by the norms)."""
    excuses: list[CompiledExcuse] = []
    for ex in n.excuses:
        words = (ex.clause, ex.reason.get("en") or "", ex.reason.get("zh") or "")
        if ex.cause is None:
            excuses.append(CompiledExcuse(*words, span=ex.span, own_key=ex.own_key))
            continue
        at_slot = -1
        if ex.cause.key or n.key:
            found = CauseSlot(ex.cause.event, ex.cause.field, ex.cause.key or n.key or "")
            if found not in causes:
                causes.append(found)
            at_slot = causes.index(found)
        excuses.append(CompiledExcuse(*words, slot=at_slot, values=frozenset(ex.cause.values)))
    return tuple(excuses)


def _compile_norm(
    i: int,
    n: Norm,
    norm_ids: list[str],
    causes: list[CauseSlot],
    conds: _Conditions,
    keeps: bool,
) -> CompiledNorm:
    """Norm ``i`` compiled; its cause excuses take their slots in ``causes``. ``keeps``: a
    remedy computes from its breaches' data."""
    response = _response_of(n)
    match = _match_of_norm(n, response)
    tiers = _compile_tiers(n, i, conds)
    fb = n.fulfilled_by
    not_before = fb.not_before if fb is not None else None
    plain = fb is None or (fb.accumulate is None and fb.not_before is None and fb.by is None)
    at = ("norms", i)
    trig = n.trigger.event
    response_pred: Predicate = _always
    if response is not None:
        key = "fulfilled_by" if fb else "violated_by" if n.violated_by else "exercised_by"
        response_pred = conds.of(response.when, (*at, key, "when"), ROLE[key], response.event)
    return CompiledNorm(
        index=i,
        norm=n,
        trigger_pred=conds.of(n.trigger.when, (*at, "trigger", "when"), "trigger", trig),
        tiers=tiers,
        response_pred=response_pred,
        match=match,
        pause=tuple(n.pause),
        deadline=None
        if n.deadline is None
        else conds.deadline(n.deadline, (*at, "deadline"), trig),
        not_before=None
        if not_before is None
        else conds.deadline(not_before, (*at, "fulfilled_by", "not_before"), trig),
        used_response=(True, f"{_VERB[n.kind]} {n.id}"),
        static_party=None if n.party.startswith("$") else n.party,
        waits=response is not None,
        keeps=keeps,
        final_on_trigger=n.kind == "prohibition" and n.violated_by is None,
        key_field=n.key,
        within_term=n.within_term,
        survives_term=n.survives_term,
        excuses=_compile_excuses(n, causes),
        tier_of_class=_tier_of_class(tiers),
        best_effort=n.strength == "best_effort",
        plain_response=n.kind != "prohibition" and plain and not keeps and n.until is None,
        match_is_key=n.key is not None and match == (n.key,),
        single_match=match[0] if len(match) == 1 else None,
        plain_finish=n.kind == "obligation" and not n.pause,
        follows=-1 if n.trigger.follows is None else norm_ids.index(n.trigger.follows),
        by_field=fb.by if fb is not None else None,
        effect=n.effect,
        acts=n.effect is not None,
        until=None if n.until is None else conds.deadline(n.until, (*at, "until"), trig),
        target_index=norm_ids.index(n.target)
        if n.effect in ("release", "create") and n.target is not None
        else -1,
        info=NormInfo(n.id, n.kind, n.clause, n.title.zh or "", n.title.en or "", n.strength),
    )


def _with_suspension(cn: CompiledNorm, ruleset: Ruleset) -> CompiledNorm:
    """``cn`` with the suspensions a power can open over it: its own (``target: <norm>``), and
    the contract's (``target: contract``), which stops every norm that does not survive
    termination and has no effect of its own (the powers and the duties to resume run on)."""
    targets = {n.target for n in ruleset.norms if n.effect == "suspend"}
    n = cn.norm
    names: tuple[str, ...] = ()
    if n.id in targets:
        names = (f"suspension of {n.id}",)
    if CONTRACT in targets and not n.survives_term and n.effect is None:
        names = (*names, CONTRACT_SUSPENSION)
    if not names:
        return cn
    return replace(cn, suspensions=names, pause=(*cn.pause, *names), plain_finish=False)


def _with_arising(norms: tuple[CompiledNorm, ...]) -> tuple[CompiledNorm, ...]:
    """``norms``, each with the norms its changes of state create (``trigger.on``), in the rule
    file's order. A norm created by a change neither waits for a response differently nor
    reads anything per event: the creation happens when its cause changes."""
    ids = [cn.norm.id for cn in norms]
    arising: dict[int, dict[str, list[int]]] = {}
    for cn in norms:
        t = cn.norm.trigger
        if t.on is not None and t.norm is not None:
            arising.setdefault(ids.index(t.norm), {}).setdefault(t.on, []).append(cn.index)
        if cn.norm.effect == "create" and cn.target_index >= 0:
            # a power that creates a duty: the duty arises when the power is exercised
            arising.setdefault(cn.index, {}).setdefault("exercised", []).append(cn.target_index)
    return tuple(
        replace(
            cn,
            arising={k: tuple(v) for k, v in arising[cn.index].items()},
            # a response to a norm whose fulfilment creates duties is not the plain case
            plain_response=cn.plain_response and "fulfilled" not in arising[cn.index],
            plain_finish=cn.plain_finish and "fulfilled" not in arising[cn.index],
            acts=cn.acts
            or "fulfilled" in arising[cn.index]
            or (cn.norm.kind == "prohibition" and "violated" in arising[cn.index]),
        )
        if cn.index in arising
        else cn
        for cn in norms
    )


def _dispatch(
    ruleset: Ruleset, spans: tuple[CompiledSpan, ...], causes: list[CauseSlot]
) -> tuple[dict[str, tuple[tuple[str, int], ...]], set[tuple[str, str]]]:
    """The dispatch table (event type → what it can do, in this order: per norm its trigger and
    response, then spans, causes, claims) and the (event type, field) pairs that carry money."""
    dispatch: dict[str, list[tuple[str, int]]] = {}
    money: set[tuple[str, str]] = set()

    def add(etype: str, what: str, idx: int) -> None:
        entry = (what, idx)
        lst = dispatch.setdefault(etype, [])
        if entry not in lst:
            lst.append(entry)

    for i, n in enumerate(ruleset.norms):
        response = _response_of(n)
        if n.trigger.event:
            add(n.trigger.event, "trigger", i)
        if response is not None:
            add(response.event, "response", i)
        if n.fulfilled_by and n.fulfilled_by.accumulate:
            money.add((n.fulfilled_by.event, n.fulfilled_by.accumulate.field))
    for j, s in enumerate(spans):
        add(s.span.start.event, "span_start", j)
        add(s.span.end.event, "span_end", j)
    for j, slot in enumerate(causes):
        add(slot.event, "cause", j)
    for k, r in enumerate(ruleset.remedies):
        if r.claims is not None:
            add(r.claims.event, "claim", k)
            money.add((r.claims.event, r.claims.amount_field))
    return {k: tuple(v) for k, v in dispatch.items()}, money


def _contract_currency(ruleset: Ruleset) -> str | None:
    """The currency the contract's money is in: that of its fees, when they share one."""
    found = {fee.currency for fee in ruleset.contract.fees.values()}
    return found.pop() if len(found) == 1 else None
