"""Remedies computed from data: a credit whose ``amount`` (and ``when``) is an expression over
the breached instance, and a ``cap`` written as an expression.

Evaluated once per breach (and per period for a cap) when the report is built, never per event.
The data is the instance's facts at the report's ``as_of`` (``due``, ``fulfilled_at``,
``lateness``, ...), the fields of its trigger and fulfilling events as kept by the engine, its
tier, the period's bounds, the parameters and the term: so the amount is the same whichever way
the events were evaluated (batch, incremental, streaming). An expression that cannot be
evaluated is reported on its item or line, with the reason; its amount is never silently taken
as zero.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .compiler import CompiledRuleset
from .events import Event
from .expressions import Explanation, ExpressionError, Money, instance_facts
from .logic import money_fields, record
from .model import Norm, Remedy
from .report import Obligation, RemedyItem, RemedyLine
from .text import fmt, money


def computed_items(
    c: CompiledRuleset,
    k: int,
    remedy: Remedy,
    obs: Sequence[Obligation],
    as_of: datetime,
    currency: str | None,
    period_of: Callable[[datetime], tuple[int, datetime, datetime]],
    collected: Sequence[Event] = (),
) -> tuple[str | None, dict[int, list[RemedyItem]]]:
    """Remedy ``k``'s items per period: for every binding breach of its norms by its party where
    ``when`` holds, the amount its expression computes (exact, rounded only where it says); and
    the currency of the lines (the first amount's, unless the contract's is known).
    ``period_of(trigger_at)`` is the period of a breach: its number and bounds. ``collected``:
    the events the remedy's ``claims`` collected by ``as_of``; each breach reads those of its
    key as ``claims`` (a list of events, for ``sum``, ``count``, ``min``, ``max``)."""
    amount = c.expression(("remedies", k, "amount"))
    when = c.expression(("remedies", k, "when"))
    covered = set(remedy.norms)
    rs = c.ruleset
    listed = [n for n in rs.norms if n.id in covered]
    trig_money = money_fields(rs.events.get(listed[0].trigger.event or "")) if listed else {}
    fb = listed[0].fulfilled_by if listed else None
    answer_money = money_fields(rs.events.get(fb.event)) if fb is not None else {}
    base = dict(c.base or {})
    causes = _causes_of(c, listed, obs)
    by_key = _collected_by_key(c, remedy, collected)
    items: dict[int, list[RemedyItem]] = {}
    for o in obs:
        if o.status != "violated" or not o.is_breach:
            continue
        if o.norm.rule not in covered or o.party != remedy.party:
            continue
        period, start, end = period_of(o.trigger_at)
        data = _breach_data(c, o, as_of, trig_money, answer_money, start, end, base)
        if causes is not None:
            data = _Layers({"cause": _cause_record(c, o, causes, as_of)}, data)
        if by_key is not None:
            data = _Layers({"claims": by_key.get(claim_name(o), [])}, data)
        head = f"breach of {o.rule} due {fmt(o.due or o.trigger_at)}"
        try:
            if when is not None and when.evaluate(data, c.calendar) is not True:
                continue
            if amount is None:
                continue  # the model asks a credit for per_breach or amount
            shown = amount.explain(data, c.calendar)
        except ExpressionError as e:
            item = RemedyItem(
                o.rule,
                o.key,
                o.trigger_event,
                Decimal("0.00"),
                False,
                f"{head}: the amount cannot be computed: {e.reason} (in {e.expression!r})",
            )
            items.setdefault(period, []).append(item)
            continue
        value: Money = shown.result
        if currency is None:
            currency = value.currency
        other = None if value.currency == currency else value.currency
        why = f"{head}: {arithmetic(shown)}"
        if other is not None:
            why += f"; in {other}, not the line's {currency}: not added"
        item = RemedyItem(
            o.rule,
            o.key,
            o.trigger_event,
            value.amount,
            other is None,
            why,
            other,
            tuple(shown.lines()),
        )
        items.setdefault(period, []).append(item)
    return currency, items


def _collected_by_key(
    c: CompiledRuleset, remedy: Remedy, collected: Sequence[Event]
) -> dict[str | None, list[dict[str, Any]]] | None:
    """The events a credit's ``claims`` collected, as records (``at``, ``id``, the fields,
    money as money), by the value of their key field; None for a credit without ``claims``."""
    if remedy.claims is None:
        return None
    key = remedy.claims.key
    cash = money_fields(c.ruleset.events.get(remedy.claims.event))
    out: dict[str | None, list[dict[str, Any]]] = {}
    for ev in collected:
        name = ev.fields.get(key)
        out.setdefault(None if name is None else str(name), []).append(
            record(ev.fields, cash, ev.at, ev.id)
        )
    return out


def claim_name(o: Obligation) -> str | None:
    """How a claim names the instance ``o``: by its key; a keyless one by the id of the event
    that created it, or (created by a contract date, one per contract) by its rule's id."""
    if o.key is not None:
        return o.key
    return o.trigger_event if o.trigger_event is not None else o.rule


def _causes_of(
    c: CompiledRuleset, listed: Sequence[Norm], obs: Sequence[Obligation]
) -> dict[tuple[str, str | None, int], Obligation] | None:
    """The instances of the norm whose changes create the listed norms' instances, by rule, key
    and number; None when the listed norms do not arise from one norm's changes."""
    names = {n.trigger.norm for n in listed}
    if len(names) != 1 or None in names:
        return None
    cause = names.pop()
    return {(o.rule, o.key, o.nth): o for o in obs if o.rule == cause}


def _cause_record(
    c: CompiledRuleset,
    o: Obligation,
    causes: Mapping[tuple[str, str | None, int], Obligation],
    as_of: datetime,
) -> Mapping[str, Any]:
    """What ``cause.*`` reads of the instance whose change created ``o``: an empty record when
    it is not in the report (so that reading it is an error saying so, never a made-up value)."""
    link = o.cause
    src = causes.get((link.rule, link.key, link.nth)) if link is not None else None
    if link is None or src is None:
        return {}
    out: dict[str, Any] = {"at": link.at, "rule": src.rule}
    if src.due is not None:
        facts = instance_facts(src.due, src.fulfilled_at, as_of, c.calendar)
        out |= {k: facts[k] for k in ("due", "lateness", "late_calendar_days")}
        out["late_working_days"] = _Lazy(facts, "late_working_days")
    if src.fulfilled_at is not None:
        out["fulfilled_at"] = src.fulfilled_at
    trigger = (src.data or {}).get("trigger")
    if trigger is not None:
        rs = c.ruleset
        money = money_fields(rs.events.get(rs.norm(src.rule).trigger.event or ""))
        out["trigger"] = record(trigger, money, src.trigger_at, src.trigger_event)
    return _LazyRecord(out)


class _Lazy:
    """A fact read only when an expression asks for it (a working-day count asks the calendar)."""

    def __init__(self, facts: Mapping[str, Any], key: str) -> None:
        self.facts = facts
        self.key = key


class _LazyRecord(Mapping[str, Any]):
    """A record whose :class:`_Lazy` values are computed when read."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values_ = values

    def __getitem__(self, key: str) -> Any:
        v = self.values_[key]
        return v.facts[v.key] if isinstance(v, _Lazy) else v

    def __iter__(self) -> Iterator[str]:
        return iter(self.values_)

    def __len__(self) -> int:
        return len(self.values_)


_OPERATORS = (" × ", " ÷ ", " + ", " − ")


def arithmetic(shown: Explanation) -> str:
    """The computation of an explained amount in one line: its last step that multiplies, divides,
    adds or subtracts, with the values in place (``min(0.5 % × 120,000.00 CNY × 4, ...) =
    2,400.00 CNY``), then the whole expression when that step is not the result (a rounding)."""
    found = [s for s in shown.steps if any(op in s for op in _OPERATORS)]
    if not found:
        return shown.text
    step = found[-1]
    core = step.split(" = ", 1)[1] if " = " in step else step
    last = shown.text.rsplit(" = ", 1)[-1]
    return core if core.endswith(f" = {last}") else f"{core}; {shown.text}"


def _breach_data(
    c: CompiledRuleset,
    o: Obligation,
    as_of: datetime,
    trig_money: Mapping[str, str],
    answer_money: Mapping[str, str],
    start: datetime,
    end: datetime,
    base: Mapping[str, Any],
) -> Mapping[str, Any]:
    """What a remedy's expressions read of breach ``o``."""
    own: dict[str, Any] = {"period.start": start, "period.end": end}
    if o.tier is not None:
        own["tier"] = o.tier
    kept = o.data or {}
    trigger = kept.get("trigger")
    if trigger is not None:
        own["trigger"] = record(trigger, trig_money, o.trigger_at, o.trigger_event)
    answer = kept.get("fulfilment")
    if answer is not None:
        deciding = o.deciding if isinstance(o.deciding, str) else None
        own["fulfilment"] = record(answer, answer_money, o.fulfilled_at, deciding)
    if o.due is None:
        return {**base, **own}
    facts = instance_facts(o.due, o.fulfilled_at, as_of, c.calendar)
    return _Layers(own, facts, base)


class _Layers(Mapping[str, Any]):
    """Names looked up in the breach's own data, then its (lazy) facts, then the parameters."""

    def __init__(self, *layers: Mapping[str, Any]) -> None:
        self.layers = layers

    def __getitem__(self, key: str) -> Any:
        for layer in self.layers:
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter({k for layer in self.layers for k in layer})

    def __len__(self) -> int:
        return len({k for layer in self.layers for k in layer})


def computed_cap(
    c: CompiledRuleset,
    k: int,
    text: str,
    start: datetime,
    end: datetime,
    currency: str | None,
) -> tuple[Decimal | None, tuple[str, ...]]:
    """The cap of remedy ``k`` in the period ``[start, end)`` and how it was computed; None
    (no cap applied) with the reason when it cannot be, or is in another currency."""
    expr = c.expression(("remedies", k, "cap"))
    if expr is None:  # pragma: no cover - the compile step compiles every cap
        return None, (f"cap {text!r} is not compiled",)
    data = {**(c.base or {}), "period.start": start, "period.end": end}
    try:
        shown = expr.explain(data, c.calendar)
    except ExpressionError as e:
        return None, (f"cap {text!r} cannot be computed: {e.reason}; no cap applied",)
    value: Money = shown.result
    if currency is not None and value.currency != currency:
        return None, (f"cap {shown.text} is in {value.currency}, not {currency}: no cap applied",)
    return value.amount, (f"cap: {shown.text}",)


def apply_shared_caps(c: CompiledRuleset, lines: list[RemedyLine]) -> list[RemedyLine]:
    """``lines`` with the ruleset's shared caps applied (``caps``), in the rule file's order:
    per period, in time order, the remedies of a cap pay together at most its amount, less what
    they paid in the window before (a rolling cap); the first remedy listed in the rule file is
    served first. Every line a cap concerns says what it allowed and removed (``notes``)."""
    rs = c.ruleset
    order = {r.id: i for i, r in enumerate(rs.remedies)}
    out = list(lines)
    for j, cap in enumerate(rs.caps):
        expr = c.expression(("caps", j, "amount"))
        members = [i for i, ln in enumerate(out) if ln.remedy in cap.remedies]
        paid: list[tuple[datetime, Decimal]] = []
        for period in sorted({out[i].period for i in members}):
            these = sorted(
                (i for i in members if out[i].period == period), key=lambda i: order[out[i].remedy]
            )
            first = out[these[0]]
            start, end = first.period_start, first.period_end
            if cap.months is not None:
                start = _months_before(end, cap.months)
            data = {**(c.base or {}), "period.start": start, "period.end": end}
            try:
                assert expr is not None  # the compile step compiles every cap
                shown = expr.explain(data, c.calendar)
            except ExpressionError as e:
                why = f"cap {cap.id}: {e.reason}; not applied"
                for i in these:
                    out[i] = replace(out[i], notes=(*out[i].notes, why))
                continue
            value: Money = shown.result
            before = sum((a for at, a in paid if at >= start), Decimal("0.00"))
            left = max(value.amount - before, Decimal("0.00"))
            for i in these:
                ln = out[i]
                if value.currency != ln.currency:
                    note = f"cap {cap.id}: {shown.text} is not in {ln.currency}; not applied"
                    out[i] = replace(ln, notes=(*ln.notes, note))
                    continue
                allowed = min(ln.payable, left)
                left -= allowed
                note = f"cap {cap.id} ({_window(cap.months, start, end)}): {shown.text}"
                if before:
                    note += f", less {money(before)} paid before in the window"
                if allowed < ln.payable:
                    note += f"; removes {money(ln.payable - allowed)} of {money(ln.payable)}"
                out[i] = replace(ln, payable=allowed, notes=(*ln.notes, note))
                paid.append((ln.period_start, allowed))
    return out


def _window(months: int | None, start: datetime, end: datetime) -> str:
    """How a shared cap's window reads: the period, or the months before its end."""
    span = f"{start.date()} – {(end - timedelta(days=1)).date()}"
    return span if months is None else f"{months} months: {span}"


def _months_before(t: datetime, months: int) -> datetime:
    """``t``'s local midnight ``months`` calendar months earlier (a day the month lacks becomes
    its last)."""
    m0 = t.year * 12 + t.month - 1 - months
    year, month = divmod(m0, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return t.replace(year=year, month=month + 1, day=min(t.day, last))
