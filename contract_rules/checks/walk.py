"""Walks over a ruleset shared by several checks: the names it uses, its conditions, and what a
field's declared type lets a condition compare it with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..findings import DocPath
from ..model import Amount, Condition, Correlated, FieldSpec, FieldTest, Matcher, Ruleset, Scalar
from ..suggestions import suggest as _suggest
from .framework import CheckContext


@dataclass(frozen=True)
class _Ref:
    """A name used somewhere in the ruleset: what it names, where, and what it must be."""

    name: str
    path: DocPath
    what: str


@dataclass(frozen=True)
class _Cond:
    """A condition (``when``) testing events of type ``event``; ``norm`` set for a trigger's."""

    event: str | None
    path: DocPath
    when: Condition
    trigger_norm: int | None = None


def _matchers(rs: Ruleset) -> Iterator[tuple[DocPath, Matcher, int | None]]:
    """Every event matcher with its path and, for a norm's matchers, the norm's index."""
    for i, n in enumerate(rs.norms):
        for name in ("fulfilled_by", "violated_by", "exercised_by"):
            m = getattr(n, name)
            if m is not None:
                yield ("norms", i, name), m, i
    for s, span in rs.spans.items():
        yield ("spans", s, "start"), span.start, None
        yield ("spans", s, "end"), span.end, None
    for r, rem in enumerate(rs.remedies):
        if rem.claims is not None:
            yield ("remedies", r, "claims"), rem.claims, None


def _event_refs(rs: Ruleset) -> Iterator[_Ref]:
    """Every place that names an event type."""
    for i, n in enumerate(rs.norms):
        if n.trigger.event is not None:
            yield _Ref(n.trigger.event, ("norms", i, "trigger", "event"), "the trigger")
        for j, ex in enumerate(n.excuses):
            if ex.cause is not None:
                yield _Ref(ex.cause.event, ("norms", i, "excuses", j, "cause", "event"), "a cause")
    for path, m, _ in _matchers(rs):
        what = f"span {path[1]!r} ({path[2]})" if path[0] == "spans" else str(path[-1])
        yield _Ref(m.event, (*path, "event"), what)


def _conditions(rs: Ruleset) -> Iterator[_Cond]:
    """Every condition with the event type it tests."""
    for i, n in enumerate(rs.norms):
        if n.trigger.when and not isinstance(n.trigger.when, str):  # an expression: CR4xx
            yield _Cond(n.trigger.event, ("norms", i, "trigger", "when"), n.trigger.when, i)
        for k, tier in enumerate(n.tiers or ()):
            if tier.when:
                yield _Cond(n.trigger.event, ("norms", i, "tiers", k, "when"), tier.when)
    for path, m, _ in _matchers(rs):
        if m.when and not isinstance(m.when, str):
            yield _Cond(m.event, (*path, "when"), m.when)


def _field_refs(rs: Ruleset) -> Iterator[tuple[str | None, _Ref]]:
    """Every field name used outside conditions, with the event type that must declare it."""
    for i, n in enumerate(rs.norms):
        trig = n.trigger.event
        base: DocPath = ("norms", i)
        if n.key is not None:
            yield trig, _Ref(n.key, (*base, "key"), "the norm's key")
        for name in ("fulfilled_by", "violated_by", "exercised_by"):
            m: Correlated | None = getattr(n, name)
            if m is None:
                continue
            mpath = (*base, name)
            if m.match is not None:
                for j, f in enumerate(m.match):
                    yield m.event, _Ref(f, (*mpath, "match", j), f"a match field of {name}")
                    yield trig, _Ref(f, (*mpath, "match", j), f"a match field of {name}")
            elif n.key is not None:
                yield (
                    m.event,
                    _Ref(
                        n.key,
                        (*mpath, "event"),
                        f"the norm's key (which {name} matches by default)",
                    ),
                )
        fb = n.fulfilled_by
        if fb is not None and fb.accumulate is not None:
            apath = (*base, "fulfilled_by", "accumulate")
            yield fb.event, _Ref(fb.accumulate.field, (*apath, "field"), "the accumulated field")
            if fb.accumulate.currency_field is not None:
                yield (
                    fb.event,
                    _Ref(
                        fb.accumulate.currency_field,
                        (*apath, "currency_field"),
                        "the currency field",
                    ),
                )
        for j, ex in enumerate(n.excuses):
            if ex.cause is None:
                continue
            cpath = (*base, "excuses", j, "cause")
            yield ex.cause.event, _Ref(ex.cause.field, (*cpath, "field"), "the cause field")
            ckey = ex.cause.key or n.key
            if ckey is not None:
                yield (
                    ex.cause.event,
                    _Ref(
                        ckey,
                        (*cpath, "key") if ex.cause.key else (*cpath, "event"),
                        "the cause's key"
                        if ex.cause.key
                        else "the norm's key (the cause's default key)",
                    ),
                )
    for s, span in rs.spans.items():
        for attr in ("key", "party"):
            name = getattr(span, attr)
            if name is not None:
                for end in ("start", "end"):
                    ev = getattr(span, end).event
                    yield ev, _Ref(name, ("spans", s, attr), f"the span's {attr} field")
    for r, rem in enumerate(rs.remedies):
        c = rem.claims
        if c is None:
            continue
        cpath = ("remedies", r, "claims")
        yield c.event, _Ref(c.key, (*cpath, "key"), "the claims' key")
        if rem.kind == "credit":
            continue  # a credit's claims are events its amount reads, not amounts claimed
        yield c.event, _Ref(c.amount_field, (*cpath, "amount_field"), "the claimed amount field")
        yield c.event, _Ref(c.currency_field, (*cpath, "currency_field"), "the currency field")


def _tests(value: FieldTest | Scalar) -> list[tuple[str, Any, DocPath]]:
    """The operator tests of one condition entry: (operator, value, sub-path).

    A bare value is ``eq``; ``in``/``not_in`` yield one test per listed value.
    """
    if not isinstance(value, FieldTest):
        return [("eq", value, ())]
    out: list[tuple[str, Any, DocPath]] = []
    for name in value.model_fields_set:
        op = "in" if name == "in_" else name
        v = getattr(value, name)
        if op in ("in", "not_in"):
            out.extend((op, item, (op, j)) for j, item in enumerate(v or ()))
        else:
            out.append((op, v, (op,)))
    out.sort(key=lambda t: (_OPS.index(t[0]), t[2]))
    return out


_OPS = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge")


_ORDERING = frozenset({"lt", "le", "gt", "ge"})


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", str: "a string", Decimal: "a number"}.get(
        type(value), type(value).__name__
    )
    return f"{value!r} ({kind})"


def _as_decimal(value: Any) -> Decimal | None:
    """The number a condition value stands for (quoted decimals count), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def _type_problem(spec: FieldSpec, op: str, value: Any) -> str | None:
    """Why ``value`` (under operator ``op``) can never equal a value of a field typed ``spec``."""
    kind = spec.type
    if op in _ORDERING:
        if kind in ("int", "decimal"):
            return None
        return f"'{op}' compares numbers, but the field is of type {kind}"
    if value is None:
        if op in ("eq", "in"):
            return "null never matches: an event without the field fails every test on it"
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return None
        return f"the field is a bool; write true or false unquoted, not {_describe(value)}"
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return None
        return f"the field is an int, not {_describe(value)}"
    if kind == "decimal":
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and _as_decimal(value) is not None:
            return f"the field is a decimal; write the number unquoted ({value!r} is text)"
        return f"the field is a decimal (a number), not {_describe(value)}"
    if not isinstance(value, str):
        return f"the field is of type {kind}; quote the value ({_describe(value)} is not text)"
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"the field is a date; write YYYY-MM-DD, not {value!r}"
    if kind == "instant":
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            return f"the field is an instant; write ISO 8601 with an offset, not {value!r}"
        if t.utcoffset() is None:
            return f"the field is an instant; {value!r} has no UTC offset"
    return None


def _enum_problem(spec: FieldSpec, value: Any) -> str | None:
    """Why ``value`` is outside the closed set of values of a string field, if it is."""
    if spec.values is None or not isinstance(value, str) or value in spec.values:
        return None
    hint = _suggest(value, spec.values)
    return f"{value!r} is not one of the field's values ({', '.join(spec.values)})" + (
        hint if hint.startswith("; did") else ""
    )


def _domain(spec: FieldSpec, parties: frozenset[str]) -> set[Any] | None:
    """The finite set of values a field can take, or None when it is open."""
    dom: set[Any] | None
    if spec.type == "bool":
        dom = {True, False}
    elif spec.type == "party":
        dom = set(parties)
    elif spec.type == "string" and spec.values is not None:
        dom = set(spec.values)
    else:
        return None
    return dom


def _passes(spec: FieldSpec, value: FieldTest | Scalar, candidate: Any) -> bool:
    """Whether a concrete field value ``candidate`` meets every operator of ``value``."""
    numeric = spec.type in ("int", "decimal")

    def norm(v: Any) -> Any:
        return _as_decimal(v) if numeric and v is not None else v

    c = norm(candidate)
    listed: dict[str, list[Any]] = {"in": [], "not_in": []}
    for op, v, _ in _tests(value):
        if op in listed:
            listed[op].append(norm(v))
        elif (op == "eq" and c != norm(v)) or (op == "ne" and c == norm(v)):
            return False
        elif op in _ORDERING and v is not None:
            if not isinstance(c, Decimal):
                return False
            bound = Decimal(v)
            ok = {"lt": c < bound, "le": c <= bound, "gt": c > bound, "ge": c >= bound}[op]
            if not ok:
                return False
    has_in = isinstance(value, FieldTest) and "in_" in value.model_fields_set
    return (not has_in or c in listed["in"]) and c not in listed["not_in"]


def _candidates(spec: FieldSpec, value: FieldTest | Scalar | None, parties: frozenset[str]) -> Any:
    """The values of the field that can meet ``value`` (None: no test), as a set when finite,
    or None when infinitely many values remain possible (an open domain without eq/in)."""
    dom = _domain(spec, parties)
    if value is None:
        return dom
    if dom is None:
        named = [v for op, v, _ in _tests(value) if op in ("eq", "in")]
        has_in = isinstance(value, FieldTest) and "in_" in value.model_fields_set
        if not named and not has_in:
            return None
        dom = set(named)
    return {c for c in dom if _passes(spec, value, c)}


def _satisfiable(spec: FieldSpec, value: FieldTest | Scalar, parties: frozenset[str]) -> bool:
    """Whether some value of the field meets every operator of ``value``.

    Assumes every operand fits the field's type (see :func:`_type_problem`).
    """
    cands = _candidates(spec, value, parties)
    if cands is not None:
        return bool(cands)
    lo: tuple[Decimal, bool] | None = None  # (bound, inclusive)
    hi: tuple[Decimal, bool] | None = None
    for o, v, _ in _tests(value):
        if o in _ORDERING and v is not None:
            d = Decimal(v)
            if o in ("gt", "ge") and (lo is None or d > lo[0] or (d == lo[0] and o == "gt")):
                lo = (d, o == "ge")
            if o in ("lt", "le") and (hi is None or d < hi[0] or (d == hi[0] and o == "lt")):
                hi = (d, o == "le")
    if lo is None or hi is None:
        return True
    if spec.type == "int":
        low = lo[0].to_integral_value(rounding="ROUND_CEILING")
        if low == lo[0] and not lo[1]:
            low += 1
        high = hi[0].to_integral_value(rounding="ROUND_FLOOR")
        if high == hi[0] and not hi[1]:
            high -= 1
        return low <= high
    return lo[0] < hi[0] or (lo[0] == hi[0] and lo[1] and hi[1])


def _has_operand_problem(spec: FieldSpec, value: FieldTest | Scalar, cx: CheckContext) -> bool:
    """True when an operand does not fit the type, or names an unknown party (reported apart)."""
    for op, v, _ in _tests(value):
        if _type_problem(spec, op, v) is not None:
            return True
        if spec.type == "party" and isinstance(v, str) and v not in cx.parties:
            return True
    return False


def _unsatisfiable_trigger_field(cx: CheckContext, cond: _Cond, name: str) -> bool:
    """True when CR303 reports field ``name`` of a trigger's condition (it can never match)."""
    if cond.trigger_norm is None:
        return False
    specs = cx.fields(cond.event)
    if specs is None or name not in specs:
        return False
    spec, value = specs[name], cond.when[name]
    if _has_operand_problem(spec, value, cx):
        return False
    return not _satisfiable(spec, value, cx.parties)


def _available_layers() -> tuple[str, ...]:
    from ..calendar import AVAILABLE_LAYERS  # lazily: the calendar is only needed here

    return AVAILABLE_LAYERS


def _amounts(cx: CheckContext) -> Iterator[tuple[DocPath, Amount]]:
    for r, rem in enumerate(cx.ruleset.remedies):
        if rem.per_breach is not None:
            yield ("remedies", r, "per_breach"), rem.per_breach
        if rem.cap is not None and not isinstance(rem.cap, str):
            yield ("remedies", r, "cap", "amount"), rem.cap.amount


#: The layer a ``national_only`` fallback still requires (regional layers may lack years).
_NATIONAL_LAYER = "cn-national"


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _cited_clauses(rs: Ruleset) -> Iterator[tuple[str, DocPath]]:
    """Every clause number the encoding cites, with where."""
    c = rs.contract
    if c.term.clause:
        yield c.term.clause, ("contract", "term", "clause")
    for name, fee in c.fees.items():
        if fee.clause:
            yield fee.clause, ("contract", "fees", name, "clause")
    for name, et in rs.events.items():
        if et.clause:
            yield et.clause, ("events", name, "clause")
    for name, span in rs.spans.items():
        if span.clause:
            yield span.clause, ("spans", name, "clause")
    for i, n in enumerate(rs.norms):
        yield n.clause, ("norms", i, "clause")
        for j, ex in enumerate(n.excuses):
            yield ex.clause, ("norms", i, "excuses", j, "clause")
    for r, rem in enumerate(rs.remedies):
        yield rem.clause, ("remedies", r, "clause")
