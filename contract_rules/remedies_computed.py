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

from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from .compiler import CompiledRuleset
from .expressions import ExpressionError, Money, instance_facts
from .logic import money_fields, record
from .model import Remedy
from .report import Obligation, RemedyItem
from .text import fmt


def computed_items(
    c: CompiledRuleset,
    k: int,
    remedy: Remedy,
    obs: Sequence[Obligation],
    as_of: datetime,
    currency: str | None,
    period_of: Callable[[datetime], tuple[int, datetime, datetime]],
) -> tuple[str | None, dict[int, list[RemedyItem]]]:
    """Remedy ``k``'s items per period: for every binding breach of its norms by its party where
    ``when`` holds, the amount its expression computes (exact, rounded only where it says); and
    the currency of the lines (the first amount's, unless the contract's is known).
    ``period_of(trigger_at)`` is the period of a breach: its number and bounds."""
    amount = c.expression(("remedies", k, "amount"))
    when = c.expression(("remedies", k, "when"))
    covered = set(remedy.norms)
    rs = c.ruleset
    listed = [n for n in rs.norms if n.id in covered]
    trig_money = money_fields(rs.events.get(listed[0].trigger.event or "")) if listed else {}
    fb = listed[0].fulfilled_by if listed else None
    answer_money = money_fields(rs.events.get(fb.event)) if fb is not None else {}
    base = dict(c.base or {})
    items: dict[int, list[RemedyItem]] = {}
    for o in obs:
        if o.status != "violated" or not o.is_breach:
            continue
        if o.norm.rule not in covered or o.party != remedy.party:
            continue
        period, start, end = period_of(o.trigger_at)
        data = _breach_data(c, o, as_of, trig_money, answer_money, start, end, base)
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
        why = f"{head}: {shown.text}"
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
    data = ChainMap({"period.start": start, "period.end": end}, dict(c.base or {}))
    try:
        shown = expr.explain(data, c.calendar)
    except ExpressionError as e:
        return None, (f"cap {text!r} cannot be computed: {e.reason}; no cap applied",)
    value: Money = shown.result
    if currency is not None and value.currency != currency:
        return None, (f"cap {shown.text} is in {value.currency}, not {currency}: no cap applied",)
    return value.amount, (f"cap: {shown.text}",)
