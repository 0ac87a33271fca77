"""Remedies: what the breaches and claims of a report come to, per remedy and period.

A ``liability`` remedy ties each claim event to a breach of the party's duties with the claim's
key; a ``credit`` remedy earns its ``per_breach`` amount for every binding breach. Either is
grouped by period (service year, month or the whole term, by the trigger of the duty, semantics
4) and capped per period. The amounts are read from the contract's fees (``docs/engine.md``,
"Remedies"). Built once per report, from the obligations: nothing here runs per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from .compiler import CompiledRuleset
from .events import Event
from .expressions import ExpressionError
from .measures import add_years as add_years
from .measures import measure_data, measure_ids, period_bounds, period_index
from .model import Amount, Cap, Remedy
from .remedies_computed import apply_shared_caps, arithmetic, computed_cap, computed_items
from .remedies_computed import claim_name as claim_name
from .report import MeasurePeriod, Obligation, RemedyItem, RemedyLine
from .text import fmt

#: a claim event, with the index of the remedy it claims under
Claim = tuple[int, Event]


def remedy_lines(
    c: CompiledRuleset,
    claims: Sequence[Claim],
    obs: Sequence[Obligation],
    as_of: datetime,
    measures: Sequence[MeasurePeriod] = (),
) -> list[RemedyLine]:
    """The liability lines of ``obs``, the claims made by ``as_of`` and the ``measures`` of
    the report: per remedy in the rule file's order, one line per period that has an item,
    periods in order."""
    lines: list[RemedyLine] = []
    ids = measure_ids(c.ruleset)
    for k, remedy in enumerate(c.ruleset.remedies):
        if ids and ids.intersection(remedy.norms):
            lines.extend(_lines_of(c, k, remedy, claims, obs, as_of, measures))
            continue
        lines.extend(_lines_of(c, k, remedy, claims, obs, as_of))
    if c.ruleset.caps:
        lines = apply_shared_caps(c, lines)
    return lines


def _lines_of(
    c: CompiledRuleset,
    k: int,
    remedy: Remedy,
    claims: Sequence[Claim],
    obs: Sequence[Obligation],
    as_of: datetime,
    measures: Sequence[MeasurePeriod] | None = None,
) -> list[RemedyLine]:
    """The lines of remedy ``k`` (a remedy for measures: from ``measures``)."""
    # money is in the contract's currency: the cap's or the amount's, else the fees'; a
    # contract with no money of its own takes the currency of its first claim
    currency = c.currency
    if isinstance(remedy.cap, Cap):
        currency = amount_of(c, remedy.cap.amount)[1]
    elif remedy.per_breach is not None:
        currency = amount_of(c, remedy.per_breach)[1]
    if measures is not None:
        currency, items = _measure_items(c, k, remedy, measures, currency)
    elif remedy.kind == "liability":
        mine = [ev for kk, ev in claims if kk == k and ev.at <= as_of]
        currency, items = _claim_items(c, remedy, mine, obs, currency)
    elif remedy.amount is not None or remedy.when is not None:

        def period_of(t: datetime) -> tuple[int, datetime, datetime]:
            number = period_index(c, remedy.period, t)
            return (number, *period_bounds(c, remedy.period, number)[:2])

        mine = [ev for kk, ev in claims if kk == k and ev.at <= as_of]
        currency, items = computed_items(c, k, remedy, obs, as_of, currency, period_of, mine)
    else:
        currency, items = _credit_items(c, remedy, obs)
    cap = amount_of(c, remedy.cap.amount)[0] if isinstance(remedy.cap, Cap) else None
    out: list[RemedyLine] = []
    for period in sorted(items):
        its = tuple(items[period])
        # an amount in another currency is listed (refused) but never added to this one's
        claimed = sum((i.amount for i in its if i.currency is None), Decimal("0.00"))
        comp = sum((i.amount for i in its if i.compensable), Decimal("0.00"))
        start, end, label = period_bounds(c, remedy.period, period)
        notes: tuple[str, ...] = ()
        if isinstance(remedy.cap, str):
            cap, notes = computed_cap(c, k, remedy.cap, start, end, currency)
        payable = min(comp, cap) if cap is not None else comp
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
                notes=notes,
                payer=remedy.party,
            )
        )
    return out


def _claim_items(
    c: CompiledRuleset,
    remedy: Remedy,
    mine: list[Event],
    obs: Sequence[Obligation],
    currency: str | None,
) -> tuple[str | None, dict[int, list[RemedyItem]]]:
    """A liability remedy's items per period: each claim, compensable when it is tied to a
    breach of the remedy's party with the claim's key; and the currency of the lines."""
    claims = remedy.claims
    assert claims is not None
    if currency is None and mine:
        currency = str(mine[0].fields.get(claims.currency_field))
    covered = set(remedy.norms)
    # only the instances of a claimed key can decide a claim: a report of a million
    # instances is grouped by the few keys claimed, not by all of them
    keys = {str(ev.fields.get(claims.key)) for ev in mine}
    by_key: dict[str | None, list[Obligation]] = {}
    if keys:
        for o in obs:
            name = claim_name(o)
            if name in keys and o.norm.rule in covered and o.party == remedy.party:
                by_key.setdefault(name, []).append(o)
    items: dict[int, list[RemedyItem]] = {}
    for ev in mine:
        key = str(ev.fields.get(claims.key))
        amount = ev.fields.get(claims.amount_field, Decimal(0))
        cur = str(ev.fields.get(claims.currency_field, currency))
        duties = by_key.get(key, [])
        breach = next((o for o in duties if o.is_breach), None)
        when = ev.at
        if cur != currency:
            ok, why = False, f"currency {cur} is not {currency}"
        elif breach is not None:
            # a duty belongs to the period of its trigger, not of its due (semantics 4)
            when = breach.trigger_at
            due = breach.due or breach.trigger_at
            ok, why = True, f"tied to breach of {breach.rule} [{key}] (due {fmt(due)})"
        elif any(o.status == "excused" for o in duties):
            ex = next(o for o in duties if o.status == "excused")
            ok, why = False, f"not compensable: {ex.rule} [{key}] excused — {ex.reason}"
        else:
            ok = False
            why = f"not compensable: no violated binding duty of party {remedy.party} for {key}"
        period = period_index(c, remedy.period, when)
        items.setdefault(period, []).append(
            RemedyItem(
                breach.rule if breach else None,
                key,
                ev.id,
                Decimal(amount),
                ok,
                why,
                cur if cur != currency else None,
            )
        )
    return currency, items


def _credit_items(
    c: CompiledRuleset, remedy: Remedy, obs: Sequence[Obligation]
) -> tuple[str | None, dict[int, list[RemedyItem]]]:
    """A credit remedy's items per period: its amount for every binding breach of its norms by
    its party; and the currency of the lines (the amount's)."""
    assert remedy.per_breach is not None
    value, currency = amount_of(c, remedy.per_breach)
    covered = set(remedy.norms)
    party = remedy.party
    items: dict[int, list[RemedyItem]] = {}
    for o in obs:
        # the status first: a plain field, where is_breach reads the norm's strength
        if o.status != "violated" or not o.is_breach:
            continue
        if o.norm.rule not in covered or o.party != party:
            continue
        period = period_index(c, remedy.period, o.trigger_at)
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
    return currency, items


def _measure_items(
    c: CompiledRuleset,
    k: int,
    remedy: Remedy,
    measures: Sequence[MeasurePeriod],
    currency: str | None,
) -> tuple[str | None, dict[int, list[RemedyItem]]]:
    """A remedy for measures: an item per period whose measures are complete (a period not
    over at ``as_of`` is measured so far, but earns nothing yet), its ``amount`` computed from
    them where ``when`` holds; a period with nothing scheduled earns nothing, saying so."""
    amount = c.expression(("remedies", k, "amount"))
    when = c.expression(("remedies", k, "when"))
    listed = set(remedy.norms)
    by_period: dict[int, list[MeasurePeriod]] = {}
    for mp in measures:
        if mp.measure in listed and mp.complete:
            by_period.setdefault(period_index(c, remedy.period, mp.period_start), []).append(mp)
    items: dict[int, list[RemedyItem]] = {}
    for period, ms in sorted(by_period.items()):
        start, end, label = period_bounds(c, remedy.period, period)
        head = f"{label}: " + "; ".join(f"{mp.measure} {mp.arithmetic()}" for mp in ms)
        data = {**(c.base or {}), "period.start": start, "period.end": end, **measure_data(ms)}
        missing = [mp.measure for mp in ms if mp.value is None]
        try:
            if missing:
                raise ExpressionError(f"nothing scheduled for {', '.join(missing)}")
            if when is not None and when.evaluate(data, c.calendar) is not True:
                continue
            if amount is None:  # pragma: no cover - the checks ask a credit for measures to compute
                raise ExpressionError("a remedy for measures computes its amount")
            shown = amount.explain(data, c.calendar)
        except ExpressionError as e:
            why = f"{head}: the amount cannot be computed: {e.reason}"
            items[period] = [RemedyItem(None, label, None, Decimal("0.00"), False, why)]
            continue
        value = shown.result
        if currency is None:
            currency = value.currency
        other = None if value.currency == currency else value.currency
        why = f"{head}; {arithmetic(shown)}"
        if other is not None:
            why += f"; in {other}, not the line's {currency}: not added"
        item = RemedyItem(
            ",".join(mp.measure for mp in ms),
            label,
            None,
            value.amount,
            other is None,
            why,
            other,
            tuple(shown.lines()),
        )
        items[period] = [item]
    return currency, items


def amount_of(c: CompiledRuleset, amount: Amount) -> tuple[Decimal, str]:
    """An amount and its currency: given as money, or a fee of the contract (or a percentage of
    it, to the cent)."""
    if amount.money is not None:
        return Decimal(amount.money.amount), str(amount.money.currency)
    assert amount.fee is not None  # the model asks for money or a fee
    fee = c.ruleset.contract.fees[amount.fee]
    value = Decimal(fee.amount)
    if amount.percent is not None:
        value = (value * Decimal(amount.percent) / Decimal(100)).quantize(Decimal("0.01"))
    return value, fee.currency
