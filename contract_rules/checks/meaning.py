"""CR3xx checks: meaning (tiers, triggers, deadline units, currencies, calendar coverage,
scenarios, clauses, pauses, the term). Ordered by code."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..findings import DocPath, Finding
from ..model import (
    CLOCK_UNITS,
    RESERVED_EVENT_KEYS,
    WORKING_TIME_CLASSES,
    Amount,
    Condition,
    Deadline,
    FieldSpec,
    FieldTest,
    Norm,
)
from ..suggestions import suggest as _suggest
from .framework import CheckContext, register
from .walk import (
    _NATIONAL_LAYER,
    _amounts,
    _as_decimal,
    _candidates,
    _cited_clauses,
    _conditions,
    _describe,
    _domain,
    _enum_problem,
    _passes,
    _unsatisfiable_trigger_field,
)


def _tier_classes(at: Sequence[str] | None) -> set[str]:
    return set(WORKING_TIME_CLASSES if at is None else at)


def _when_key(when: Condition) -> Any:
    return sorted(
        (k, v.model_dump(mode="json", by_alias=True, exclude_unset=True))
        if isinstance(v, FieldTest)
        else (k, {"eq": str(v) if isinstance(v, Decimal) else v})
        for k, v in when.items()
    )


@register("CR301")
def tier_overlap(cx: CheckContext) -> Iterator[Finding]:
    """No two tiers of a norm with the same ``when`` claim the same class of trigger instants."""
    for i, n in enumerate(cx.ruleset.norms):
        tiers = n.tiers or []
        for b, tb in enumerate(tiers):
            for a in range(b):
                ta = tiers[a]
                if _when_key(ta.when) != _when_key(tb.when):
                    continue
                shared = _tier_classes(ta.at) & _tier_classes(tb.at)
                if shared:
                    classes = ", ".join(c for c in WORKING_TIME_CLASSES if c in shared)
                    yield cx.finding(
                        "CR301",
                        ("norms", i, "tiers", b, "at"),
                        f"tier {tb.name!r} and tier {ta.name!r} both apply at {classes}",
                    )
                    break


def _exhaustive(conds: list[Condition], norm: Norm, cx: CheckContext) -> bool:
    """Whether ``conds`` (each a single eq/in test on one shared field) together admit every
    value of that field that the norm's trigger lets through."""
    fields = {name for c in conds for name in c}
    if len(fields) != 1 or any(len(c) != 1 for c in conds):
        return False
    name = next(iter(fields))
    spec = (cx.fields(norm.trigger.event) or {}).get(name)
    if spec is None:
        return False
    when = norm.trigger.when
    possible = _candidates(spec, None if isinstance(when, str) else when.get(name), cx.parties)
    if possible is None:
        return False
    return all(any(_passes(spec, c[name], v) for c in conds) for v in possible)


@register("CR302")
def tier_gap(cx: CheckContext) -> Iterator[Finding]:
    """Every class of trigger instant falls in some tier: one with an empty ``when``, or tiers
    whose conditions on one field together admit every value of that field the trigger allows
    (``priority: P1`` and ``priority: P2`` when the field's values are ``[P1, P2]``)."""
    for i, n in enumerate(cx.ruleset.norms):
        if not n.tiers:
            continue
        missing = []
        for cls in WORKING_TIME_CLASSES:
            applying = [t for t in n.tiers if cls in _tier_classes(t.at)]
            if any(not t.when for t in applying):
                continue
            if applying and _exhaustive([t.when for t in applying], n, cx):
                continue
            missing.append(cls)
        if missing:
            yield cx.finding(
                "CR302",
                ("norms", i, "tiers"),
                f"no tier of norm {n.id!r} applies to triggers at {', '.join(missing)}; "
                "add a tier for them (or widen a tier's 'at')",
            )


@register("CR303")
def never_triggers(cx: CheckContext) -> Iterator[Finding]:
    """A norm's trigger condition can be met by some event: it does not demand values outside a
    field's ``values``, contradictory values, or an empty numeric range."""
    for cond in _conditions(cx.ruleset):
        if cond.trigger_norm is None:
            continue
        norm = cx.ruleset.norms[cond.trigger_norm]
        specs = cx.fields(cond.event) or {}
        for name in cond.when:
            if _unsatisfiable_trigger_field(cx, cond, name):
                spec = specs[name]
                dom = _domain(spec, cx.parties)
                extra = (
                    f" (its values: {', '.join(sorted(map(str, dom)))})" if dom is not None else ""
                )
                yield cx.finding(
                    "CR303",
                    (*cond.path, name),
                    f"norm {norm.id!r} can never trigger: no {cond.event!r} event can meet this "
                    f"condition on {name!r}{extra}",
                )


_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_ZH_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {
    "工作日": "working_days",
    "工作小时": "working_hours",
    "小时": "hours",
    "日": "days",
    "天": "days",
    "月": "months",
    "年": "years",
    "分钟": "minutes",
}
_ZH_PHRASE = re.compile(
    r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)\s*(?:[(（]\s*\d+\s*[)）])?\s*"
    r"个?\s*(工作日|工作小时|小时|分钟|月|年|日|天)"
)
_EN_PHRASE = re.compile(
    r"(\d+(?:\.\d+)?)[\s-]*(?:\(\w+\)\s*)?"
    r"(working[\s-]days?|business[\s-]days?|working[\s-]hours?|business[\s-]hours?|"
    r"days?|hours?|minutes?|months?|years?)\b",
    re.IGNORECASE,
)
_WORKING_WORDS = {
    "working_days": ("工作日", "working day", "business day"),
    "working_hours": ("工作小时", "工作时间", "working hour", "business hour"),
}


def _zh_number(text: str) -> Decimal:
    if text[0].isdigit():
        return Decimal(text)
    total, cur = 0, 0
    for ch in text:
        if ch in _ZH_DIGITS:
            cur = _ZH_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
    return Decimal(total + cur)


def _stated_periods(text: str) -> set[tuple[str, Decimal]]:
    """The (unit, amount) periods a clause text states: ``5 个工作日`` → (working_days, 5)."""
    out: set[tuple[str, Decimal]] = set()
    for m in _ZH_PHRASE.finditer(text):
        out.add((_ZH_UNITS[m.group(2)], _zh_number(m.group(1))))
    for m in _EN_PHRASE.finditer(text):
        word = m.group(2).lower().replace("-", " ")
        unit = word.replace("business", "working").rstrip("s").replace(" ", "_") + "s"
        out.add((unit, Decimal(m.group(1))))
    return out


def _deadlines(cx: CheckContext) -> Iterator[tuple[int, DocPath, Deadline]]:
    for i, n in enumerate(cx.ruleset.norms):
        if n.deadline is not None:
            yield i, ("norms", i, "deadline"), n.deadline
        for k, tier in enumerate(n.tiers or ()):
            yield i, ("norms", i, "tiers", k, "deadline"), tier.deadline


@register("CR304")
def ambiguous_deadline_unit(cx: CheckContext) -> Iterator[Finding]:
    """A deadline's unit agrees with the clause text: calendar days/hours where the text states
    the period in 工作日 (working days), or working days where the text never says 工作日."""
    for i, path, dl in _deadlines(cx):
        unit = dl.unit
        if unit == "at":
            continue
        norm = cx.ruleset.norms[i]
        text = " ".join(t for t in (norm.text.zh, norm.text.en) if t)
        stated = _stated_periods(text)
        amount = abs(dl.amount)
        if (unit, amount) in stated:
            continue
        upath = (*path, unit)
        if unit in ("days", "hours", "minutes"):
            working = sorted(u for u, _ in stated if u.startswith("working_"))
            if working:
                yield cx.finding(
                    "CR304",
                    upath,
                    f"the deadline counts {dl.describe()} but the clause text states the period "
                    f"in {working[0].replace('_', ' ')} (工作日); use {working[0]} (keep "
                    f"{unit} only if calendar time is really meant)",
                )
        elif unit in _WORKING_WORDS:
            lowered = text.lower()
            if not any(word in lowered for word in _WORKING_WORDS[unit]):
                plain = "days" if unit == "working_days" else "hours"
                yield cx.finding(
                    "CR304",
                    upath,
                    f"the deadline counts {dl.describe()} but the clause text never says "
                    f"{_WORKING_WORDS[unit][0]}; use {plain} if calendar time is meant",
                )


def _amount_currency(cx: CheckContext, amount: Amount) -> str | None:
    if amount.money is not None:
        return amount.money.currency
    fee = cx.ruleset.contract.fees.get(amount.fee or "")
    return None if fee is None else fee.currency


@register("CR305")
def currency_mismatch(cx: CheckContext) -> Iterator[Finding]:
    """Amounts that are added up or compared share one currency.

    Every fee and money value carries a currency (the schema requires it), so what can still go
    wrong is mixing: a remedy's ``per_breach`` and ``cap`` in different currencies, a payment
    or claim currency field whose ``values`` exclude the currency of the fee or cap it counts
    toward; and an expression that adds or compares money of two currencies.
    """
    yield from cx.logic_findings("CR305")
    rs = cx.ruleset
    for r, rem in enumerate(rs.remedies):
        currencies: list[tuple[DocPath, str]] = []
        for path, amount in _amounts(cx):
            if path[1] == r:
                cur = _amount_currency(cx, amount)
                if cur is not None:
                    currencies.append((path, cur))
        if len({c for _, c in currencies}) > 1:
            (_, c0), (p1, c1) = currencies[0], currencies[1]
            yield cx.finding("CR305", p1, f"remedy {rem.id!r} mixes currencies: {c0} and {c1}")
        c = rem.claims
        if c is not None and currencies:
            spec = (cx.fields(c.event) or {}).get(c.currency_field)
            cur = currencies[-1][1]
            if spec is not None and spec.values is not None and cur not in spec.values:
                yield cx.finding(
                    "CR305",
                    ("remedies", r, "claims", "currency_field"),
                    f"claims are in {', '.join(spec.values)} ({c.event}.{c.currency_field}) "
                    f"but remedy {rem.id!r} is in {cur}",
                )
    for i, n in enumerate(rs.norms):
        fb = n.fulfilled_by
        if fb is None or fb.accumulate is None or fb.accumulate.currency_field is None:
            continue
        fee = rs.contract.fees.get(fb.accumulate.target)
        spec = (cx.fields(fb.event) or {}).get(fb.accumulate.currency_field)
        if fee is None or spec is None or spec.values is None or fee.currency in spec.values:
            continue
        yield cx.finding(
            "CR305",
            ("norms", i, "fulfilled_by", "accumulate", "currency_field"),
            f"fee {fb.accumulate.target!r} is in {fee.currency}, but "
            f"{fb.event}.{fb.accumulate.currency_field} only allows {', '.join(spec.values)}",
        )


def _year_after_a_month(d: date) -> int:
    return d.year + 1 if d.month == 12 else d.year


def _exempt(fallback: str | None, layer: str) -> bool:
    """Whether a fallback accepts missing years of ``layer``."""
    if fallback is None:
        return False
    if fallback == "national_only":
        return layer != _NATIONAL_LAYER
    return True  # weekdays: every layer may lack a year


@register("CR306")
def calendar_coverage(cx: CheckContext) -> Iterator[Finding]:
    """Every calendar layer has data for every year from the term's start to a month after its
    end (payment deadlines fall there). ``fallback: weekdays`` accepts missing years of any
    layer; ``fallback: national_only`` those of regional layers (cn-national is still needed)."""
    cal = cx.ruleset.calendar
    term = cx.ruleset.contract.term
    if term.end < term.start:
        return  # CR311
    from ..calendar import is_known_layer, layer_coverage

    needed = range(term.start.year, _year_after_a_month(term.end) + 1)
    for j, layer in enumerate(cal.layers):
        if not is_known_layer(layer) or _exempt(cal.fallback, layer):
            continue
        covered = set(layer_coverage(layer))
        missing = [y for y in needed if y not in covered]
        if missing:
            years = ", ".join(map(str, missing))
            yield cx.finding(
                "CR306",
                ("calendar", "layers", j),
                f"calendar layer {layer!r} has no data for {years}, which the term "
                f"({term.start} to {term.end}, plus a month for deadlines after it) needs; "
                "add the announced schedule, or accept a calendar.fallback "
                "(national_only for a regional layer, weekdays for any)",
            )


@register("CR307")
def scenario_unknown_norm(cx: CheckContext) -> Iterator[Finding]:
    """Scenario expectations name declared norms, remedies and measures."""
    rs = cx.ruleset
    # (the scenario's key, the expectation's field, what it names, the names declared)
    kinds: tuple[tuple[str, str, str, AbstractSet[str]], ...] = (
        ("expect", "rule", "norm", cx.norm_ids),
        ("expect_remedies", "remedy", "remedy", {r.id for r in rs.remedies}),
        ("expect_measures", "measure", "measure", {m.id for m in rs.measures}),
    )
    for s, sc in enumerate(rs.scenarios):
        for key, field, what, declared in kinds:
            for j, expected in enumerate(getattr(sc, key)):
                name = getattr(expected, field)
                if name not in declared:
                    yield cx.finding(
                        "CR307",
                        ("scenarios", s, key, j, field),
                        f"scenario {sc.name!r} expects unknown {what} {name!r}"
                        f"{_suggest(name, declared)}",
                    )


@register("CR308")
def clause_not_accounted(cx: CheckContext) -> Iterator[Finding]:
    """Every clause in ``contract.clauses`` is cited by the encoding or listed as not computable."""
    rs = cx.ruleset
    accounted = {c for c, _ in _cited_clauses(rs)} | {nc.clause for nc in rs.not_computable}
    for j, clause in enumerate(rs.contract.clauses):
        if clause not in accounted:
            yield cx.finding(
                "CR308",
                ("contract", "clauses", j),
                f"clause {clause} is neither encoded (cited by a norm, remedy, span, excuse, "
                "event type, fee or the term) nor listed under not_computable",
            )


@register("CR309")
def pause_unit(cx: CheckContext) -> Iterator[Finding]:
    """Pauses stop a clock: only norms whose deadlines are counted in minutes, hours or working
    hours may pause."""
    for i, n in enumerate(cx.ruleset.norms):
        if not n.pause:
            continue
        units = sorted(
            {n.deadline.unit} if n.deadline else {t.deadline.unit for t in n.tiers or ()}
        )
        bad = [u for u in units if u not in CLOCK_UNITS]
        if not units or bad:
            what = ", ".join(bad) if units else "no deadline"
            yield cx.finding(
                "CR309",
                ("norms", i, "pause"),
                f"norm {n.id!r} pauses its clock, but its deadline is counted in {what}; pauses "
                "apply to minutes, hours and working_hours (Civil Code periods do not stop)",
            )


def _scenario_event_problems(
    cx: CheckContext, event: dict[str, Any], path: DocPath, seen_ids: set[str]
) -> Iterator[Finding]:
    rs = cx.ruleset
    etype = event.get("type")
    if etype is None:
        yield cx.finding("CR310", path, "the event has no type")
        return
    if not isinstance(etype, str) or etype not in rs.events:
        yield cx.finding(
            "CR310",
            (*path, "type"),
            f"unknown event type {etype!r}{_suggest(str(etype), rs.events)}",
        )
        return
    at = event.get("at")
    if at is None:
        yield cx.finding("CR310", path, f"the {etype} event has no instant ('at')")
    else:
        why = _instant_problem(at)
        if why is not None:
            yield cx.finding("CR310", (*path, "at"), why)
    ev_id = event.get("id")
    if ev_id is not None:
        if isinstance(ev_id, bool) or not isinstance(ev_id, str | int):
            yield cx.finding("CR310", (*path, "id"), "an event id is a string or an integer")
        elif str(ev_id) in seen_ids:
            yield cx.finding("CR310", (*path, "id"), f"duplicate event id {ev_id!r}")
        else:
            seen_ids.add(str(ev_id))
    specs = rs.events[etype].fields
    for name, spec in specs.items():
        value = event.get(name)
        if value is None:
            if spec.required:
                yield cx.finding("CR310", path, f"the {etype} event lacks field {name!r}")
            continue
        why = _event_value_problem(cx, spec, value)
        if why is not None:
            yield cx.finding("CR310", (*path, name), f"{etype}.{name}: {why}")
    for name in event:
        if name not in specs and name not in RESERVED_EVENT_KEYS:
            yield cx.finding(
                "CR310",
                (*path, name),
                f"event type {etype!r} has no field {name!r}{_suggest(str(name), specs)}",
                key=True,
            )


def _instant_problem(value: Any) -> str | None:
    """Why ``value`` is not an aware ISO 8601 instant, if it is not."""
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, str):
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            return (
                f"bad instant {value!r}; write ISO 8601 with an offset, "
                "e.g. 2025-03-03T10:00:00+08:00"
            )
    else:
        return f"an instant is a quoted ISO 8601 string, not {_describe(value)}"
    if t.utcoffset() is None:
        return f"naive instant {value!s}: add the UTC offset, e.g. {t.isoformat()}+08:00"
    return None


def _event_value_problem(cx: CheckContext, spec: FieldSpec, value: Any) -> str | None:
    """Why an event field value would be rejected by event validation (same rules), if it is."""
    kind = spec.type
    if kind in ("string", "party"):
        if isinstance(value, bool) or not isinstance(value, str | int):
            return f"expected text, got {_describe(value)}"
        text = str(value)
        if kind == "party" and text not in cx.parties:
            return f"unknown party {text!r}{_suggest(text, cx.parties)}"
        return _enum_problem(spec, text)
    if kind == "bool":
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return None
        return f"expected true or false, got {_describe(value)}"
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            try:
                int(value)
            except ValueError:  # "²" is a digit to str.isdigit, not to int
                return f"expected an integer, got {_describe(value)}"
            return None
        return f"expected an integer, got {_describe(value)}"
    if kind in ("decimal", "money"):
        if isinstance(value, float):
            return f'{value!r} is a float; write amounts as quoted decimals ("{value}")'
        if _as_decimal(value) is None:
            return f"expected a number, got {_describe(value)}"
        return None
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return None
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return f"expected a date YYYY-MM-DD, got {_describe(value)}"
        return None
    return _instant_problem(value)  # instant


@register("CR310")
def scenario_invalid_event(cx: CheckContext) -> Iterator[Finding]:
    """Every scenario event fits the vocabulary: a declared type, an aware ``at``, every required
    field, no undeclared field, values of the declared type and ``values``, unique ids."""
    for s, sc in enumerate(cx.ruleset.scenarios):
        seen: set[str] = set()
        for j, event in enumerate(sc.events):
            yield from _scenario_event_problems(cx, event, ("scenarios", s, "events", j), seen)


@register("CR311")
def term_order(cx: CheckContext) -> Iterator[Finding]:
    """The term does not end before it starts (a one-day term is fine)."""
    term = cx.ruleset.contract.term
    if term.end < term.start:
        yield cx.finding(
            "CR311",
            ("contract", "term", "end"),
            f"the term ends ({term.end}) before it starts ({term.start})",
        )


@register("CR312")
def clause_twice(cx: CheckContext) -> Iterator[Finding]:
    """No clause is both the clause of a norm or remedy and listed as not computable.

    Only a norm's or remedy's own ``clause`` counts as encoding the clause: an excuse, span, fee
    or event type citing a clause that is otherwise not computable is normal (e.g. 9.1 force
    majeure encoded as a span while the clause itself sets no duty).
    """
    rs = cx.ruleset
    encoded: dict[str, str] = {}
    for rem in reversed(rs.remedies):
        encoded[rem.clause] = f"remedy {rem.id!r}"
    for n in reversed(rs.norms):
        encoded[n.clause] = f"norm {n.id!r}"
    for j, nc in enumerate(rs.not_computable):
        if nc.clause in encoded:
            yield cx.finding(
                "CR312",
                ("not_computable", j, "clause"),
                f"clause {nc.clause} is encoded by {encoded[nc.clause]} and also listed as "
                "not computable",
            )


@register("CR313")
def naive_instant(cx: CheckContext) -> Iterator[Finding]:
    """A scenario's ``as_of`` and expected ``due``/``fulfilled_at`` instants carry a UTC offset."""
    for s, sc in enumerate(cx.ruleset.scenarios):
        if sc.as_of.utcoffset() is None:
            yield cx.finding(
                "CR313",
                ("scenarios", s, "as_of"),
                f"as_of {sc.as_of.isoformat()} has no UTC offset; add one, e.g. +08:00",
            )
        for j, ex in enumerate(sc.expect):
            for name in ("due", "fulfilled_at"):
                t = getattr(ex, name)
                if isinstance(t, datetime) and t.utcoffset() is None:
                    yield cx.finding(
                        "CR313",
                        ("scenarios", s, "expect", j, name),
                        f"{name} {t.isoformat()} has no UTC offset; add one, e.g. +08:00",
                    )


@register("CR314")
def unclaimable_norm(cx: CheckContext) -> Iterator[Finding]:
    """Every norm a remedy lists can give it a breach: a claim (or a credit) is tied only to a
    violated *binding* instance borne by the remedy's paying party, so a best-effort norm, or a
    norm whose bearer can never be that party (another fixed party, or ``any``), can never be
    paid under it. (A keyless instance is named by its trigger event's id, or by its rule id
    when a contract date creates it, so the key itself never stops a claim.)"""
    rs = cx.ruleset
    norms = {n.id: n for n in rs.norms}
    for r, rem in enumerate(rs.remedies):
        for j, nid in enumerate(rem.norms):
            n = norms.get(nid)
            if n is None:
                continue  # CR205 reports it
            path: DocPath = ("remedies", r, "norms", j)
            if rem.party not in cx.parties or not (
                n.party in cx.parties or n.party == "any" or n.party.startswith("$")
            ):
                continue  # CR203 reports the unknown party
            if n.strength != "binding":
                yield cx.finding(
                    "CR314",
                    path,
                    f"remedy {rem.id!r} lists {nid!r}, which is {n.strength}: a missed target "
                    "is not a breach, so nothing can ever be claimed for it",
                )
            elif not n.party.startswith("$") and n.party != rem.party:
                bearer = "any party ('any')" if n.party == "any" else f"party {n.party}"
                yield cx.finding(
                    "CR314",
                    path,
                    f"remedy {rem.id!r} is paid by party {rem.party}, but {nid!r} is borne by "
                    f"{bearer}: none of its breaches can ever be tied to it",
                )


@register("CR315")
def arising_cycle(cx: CheckContext) -> Iterator[Finding]:
    """No chain of duties arising from other duties' changes (``trigger: {on, norm}``) leads
    back to where it started: a cycle would make a duty that, missed, creates itself again
    (each arising later), which no contract means. Reported once per cycle, at the trigger of
    the cycle's first norm in the rule file's order."""
    rs = cx.ruleset
    position = {n.id: i for i, n in enumerate(rs.norms)}
    cause_of = {n.id: n.trigger.norm for n in rs.norms if n.trigger.norm in position}
    seen: set[str] = set()
    for n in rs.norms:
        path: list[str] = []
        at: str | None = n.id
        while at is not None and at not in path and at not in seen:
            path.append(at)
            at = cause_of.get(at)
        seen.update(path)
        if at is None or at not in path:
            continue
        cycle = path[path.index(at) :]
        first = min(cycle, key=position.__getitem__)
        shown = " <- ".join([*cycle, cycle[0]])
        yield cx.finding(
            "CR315",
            ("norms", position[first], "trigger", rs.norms[position[first]].trigger.on or "event"),
            f"norm {first!r} arises, through a chain of changes, from itself ({shown}): "
            "a duty that arises from another's violation, fulfilment or excuse must not lead "
            "back to it",
        )
