"""Semantic checks of a ruleset: what the schema alone cannot see.

:func:`run_checks` runs every check of :data:`CHECKS` over a ruleset that already passed the
schema, and returns located findings (never raises for bad content). Each check is one small
function, registered under the finding code it reports, so that the documentation and the tests
can iterate over them::

    for code, check in CHECKS.items():
        print(code, check.__doc__)

The checks read only the model, the loaded document (for positions) and, lazily, the calendar
module (for the shipped layers and their coverage); they import nothing heavy.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from .codes import code as _code
from .findings import DocPath, Finding, Severity
from .loader import LoadedDocument
from .model import (
    CLOCK_UNITS,
    RESERVED_EVENT_KEYS,
    WORKING_TIME_CLASSES,
    Amount,
    Condition,
    Correlated,
    Deadline,
    FieldSpec,
    FieldTest,
    Matcher,
    Norm,
    Ruleset,
    Scalar,
    parse_window,
)

__all__ = ["CHECKS", "Check", "CheckContext", "run_checks"]


# ------------------------------------------------------------------------------- framework


@dataclass
class CheckContext:
    """What every check sees: the ruleset, its document, and lookups built once."""

    ruleset: Ruleset
    doc: LoadedDocument
    parties: frozenset[str] = field(init=False)
    norm_ids: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.parties = frozenset(self.ruleset.contract.parties)
        self.norm_ids = frozenset(n.id for n in self.ruleset.norms)

    def finding(
        self,
        code: str,
        path: DocPath,
        message: str,
        *,
        key: bool = False,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of ``code`` at ``path``: its line and column, or those of its nearest
        ancestor written in the file (a defaulted value has no position of its own).

        ``key=True`` points at the mapping key rather than its value (for unknown names used as
        keys, such as condition fields).
        """
        return _code(code).at(self.doc.locate(path, key=key), message, severity)

    def fields(self, event: str | None) -> dict[str, FieldSpec] | None:
        """The declared fields of event type ``event``; None when the type is unknown."""
        if event is None:
            return None
        et = self.ruleset.events.get(event)
        return None if et is None else dict(et.fields)


#: A check: a context in, findings out. Registered in :data:`CHECKS` under its code.
Check = Callable[[CheckContext], Iterable[Finding]]

CHECKS: dict[str, Check] = {}


def _register(code: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        if code in CHECKS:  # pragma: no cover - programming error
            raise ValueError(f"two checks for {code}")
        CHECKS[code] = fn
        return fn

    return deco


def run_checks(ruleset: Ruleset, doc: LoadedDocument) -> list[Finding]:
    """Every finding of every registered check, sorted by location and code, without repeats.

    ``ruleset`` must be the validated model of ``doc.data``. Never raises for bad content.
    """
    cx = CheckContext(ruleset, doc)
    seen: dict[tuple[Any, ...], Finding] = {}
    for check in CHECKS.values():
        for f in check(cx):
            seen.setdefault((f.location, f.code, f.message), f)
    return sorted(seen.values())


def _suggest(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for a close candidate, else the list of candidates."""
    names = sorted(set(candidates))
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if match:
        return f"; did you mean {match[0]!r}?"
    if not names:
        return "; none are declared"
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"; declared: {shown}"


# ------------------------------------------------------------------------------- walkers


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
        if n.trigger.when:
            yield _Cond(n.trigger.event, ("norms", i, "trigger", "when"), n.trigger.when, i)
        for k, tier in enumerate(n.tiers or ()):
            if tier.when:
                yield _Cond(n.trigger.event, ("norms", i, "tiers", k, "when"), tier.when)
    for path, m, _ in _matchers(rs):
        if m.when:
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


# ------------------------------------------------------------------------------- value typing


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


# ------------------------------------------------------------------------------- CR2xx


@_register("CR201")
def check_event_types(cx: CheckContext) -> Iterator[Finding]:
    """Every event type named by a trigger, matcher, span, excuse cause or claims is declared."""
    declared = cx.ruleset.events
    for ref in _event_refs(cx.ruleset):
        if ref.name not in declared:
            yield cx.finding(
                "CR201",
                ref.path,
                f"unknown event type {ref.name!r} in {ref.what}{_suggest(ref.name, declared)}",
            )


@_register("CR202")
def check_fields(cx: CheckContext) -> Iterator[Finding]:
    """Every field named by a condition, key, match, accumulate, cause, span or claims is declared
    by the event type it is read from (when that type is known; CR201 reports unknown types)."""
    rs = cx.ruleset
    for cond in _conditions(rs):
        specs = cx.fields(cond.event)
        if specs is None:
            continue
        for name in cond.when:
            if name not in specs:
                yield cx.finding(
                    "CR202",
                    (*cond.path, name),
                    f"event type {cond.event!r} has no field {name!r}{_suggest(name, specs)}",
                    key=True,
                )
    for i, n in enumerate(rs.norms):
        if n.key is not None and n.trigger.event is None:
            yield cx.finding(
                "CR202",
                ("norms", i, "key"),
                f"key {n.key!r} names a field, but the trigger is a contract date "
                f"({n.trigger.at}) and has no fields",
            )
    for event, ref in _field_refs(rs):
        specs = cx.fields(event)
        if specs is None or ref.name in specs:
            continue
        yield cx.finding(
            "CR202",
            ref.path,
            f"{ref.what} is {ref.name!r}, but event type {event!r} has no such field"
            f"{_suggest(ref.name, specs)}",
        )


def _party_field_ref(cx: CheckContext, norm: Norm, ref: str) -> str | None:
    """Why a ``$trigger.<field>``/``$other.<field>`` party reference is wrong, if it is."""
    prefix, _, name = ref.partition(".")
    if not name:
        return f"{ref!r} names no field; write {prefix}.<field>"
    if norm.trigger.event is None:
        return f"{ref!r} reads the trigger event, but the trigger is a contract date"
    specs = cx.fields(norm.trigger.event)
    if specs is None:
        return None  # CR201 reports the trigger's type
    spec = specs.get(name)
    if spec is None:
        return (
            f"{ref!r}: trigger event {norm.trigger.event!r} has no field {name!r}"
            f"{_suggest(name, [f for f, s in specs.items() if s.type == 'party'])}"
        )
    if spec.type != "party":
        return f"{ref!r}: field {name!r} of {norm.trigger.event!r} is {spec.type}, not party"
    if prefix == "$other" and len(cx.parties) != 2:
        return f"{ref!r} means the other party, which needs a two-party contract"
    return None


@_register("CR203")
def check_parties(cx: CheckContext) -> Iterator[Finding]:
    """Norm and remedy parties are declared parties ('any', '$trigger.<f>', '$other.<f>' allowed
    for norms, where <f> is a party field of the trigger event); so are party values compared in
    conditions."""
    rs = cx.ruleset
    for i, n in enumerate(rs.norms):
        path = ("norms", i, "party")
        if n.party == "any":
            continue
        if n.party.startswith(("$trigger", "$other")):
            why = _party_field_ref(cx, n, n.party)
            if why is not None:
                yield cx.finding("CR203", path, why)
        elif n.party.startswith("$"):
            yield cx.finding(
                "CR203",
                path,
                f"unknown party reference {n.party!r}; use $trigger.<field> or $other.<field>",
            )
        elif n.party not in cx.parties:
            yield cx.finding(
                "CR203",
                path,
                f"unknown party {n.party!r}{_suggest(n.party, [*cx.parties, 'any'])}",
            )
    for r, rem in enumerate(rs.remedies):
        if rem.party not in cx.parties:
            yield cx.finding(
                "CR203",
                ("remedies", r, "party"),
                f"unknown party {rem.party!r}{_suggest(rem.party, cx.parties)}",
            )
    for cond in _conditions(rs):
        specs = cx.fields(cond.event) or {}
        for name, value in cond.when.items():
            spec = specs.get(name)
            if spec is None or spec.type != "party":
                continue
            for _op, v, sub in _tests(value):
                if isinstance(v, str) and v not in cx.parties:
                    yield cx.finding(
                        "CR203",
                        (*cond.path, name, *sub),
                        f"{name!r} names a party; {v!r} is not a party of the contract"
                        f"{_suggest(v, cx.parties)}",
                    )


def _available_layers() -> tuple[str, ...]:
    from .calendar import AVAILABLE_LAYERS  # lazily: the calendar is only needed here

    return AVAILABLE_LAYERS


@_register("CR204")
def check_calendar_layers(cx: CheckContext) -> Iterator[Finding]:
    """Every calendar layer is one the package ships, and none is listed twice."""
    known = _available_layers()
    seen: set[str] = set()
    for j, layer in enumerate(cx.ruleset.calendar.layers):
        path = ("calendar", "layers", j)
        if layer not in known:
            yield cx.finding(
                "CR204", path, f"unknown calendar layer {layer!r}{_suggest(layer, known)}"
            )
        elif layer in seen:
            yield cx.finding("CR204", path, f"calendar layer {layer!r} is listed twice")
        seen.add(layer)


@_register("CR205")
def check_norm_refs(cx: CheckContext) -> Iterator[Finding]:
    """Every norm a remedy applies to is declared."""
    for r, rem in enumerate(cx.ruleset.remedies):
        for j, nid in enumerate(rem.norms):
            if nid not in cx.norm_ids:
                yield cx.finding(
                    "CR205",
                    ("remedies", r, "norms", j),
                    f"remedy {rem.id!r} names unknown norm {nid!r}{_suggest(nid, cx.norm_ids)}",
                )


def _amounts(cx: CheckContext) -> Iterator[tuple[DocPath, Amount]]:
    for r, rem in enumerate(cx.ruleset.remedies):
        if rem.per_breach is not None:
            yield ("remedies", r, "per_breach"), rem.per_breach
        if rem.cap is not None:
            yield ("remedies", r, "cap", "amount"), rem.cap.amount


@_register("CR206")
def check_fee_refs(cx: CheckContext) -> Iterator[Finding]:
    """Every fee named by an accumulate target or a remedy amount is declared."""
    fees = cx.ruleset.contract.fees
    for i, n in enumerate(cx.ruleset.norms):
        fb = n.fulfilled_by
        if fb is not None and fb.accumulate is not None and fb.accumulate.target not in fees:
            t = fb.accumulate.target
            yield cx.finding(
                "CR206",
                ("norms", i, "fulfilled_by", "accumulate", "target"),
                f"unknown fee {t!r}{_suggest(t, fees)}",
            )
    for path, amount in _amounts(cx):
        if amount.fee is not None and amount.fee not in fees:
            yield cx.finding(
                "CR206", (*path, "fee"), f"unknown fee {amount.fee!r}{_suggest(amount.fee, fees)}"
            )


@_register("CR207")
def check_duplicate_ids(cx: CheckContext) -> Iterator[Finding]:
    """Norm and remedy ids are unique together; tier names are unique within a norm."""
    first: dict[str, DocPath] = {}
    items: list[tuple[str, DocPath]] = [
        (n.id, ("norms", i, "id")) for i, n in enumerate(cx.ruleset.norms)
    ]
    items += [(r.id, ("remedies", j, "id")) for j, r in enumerate(cx.ruleset.remedies)]
    for ident, path in items:
        if ident in first:
            where = cx.doc.locate(first[ident])
            yield cx.finding(
                "CR207",
                path,
                f"id {ident!r} is already used at line {where.line} "
                "(norms and remedies share one namespace)",
            )
        else:
            first[ident] = path
    for i, n in enumerate(cx.ruleset.norms):
        names: set[str] = set()
        for k, tier in enumerate(n.tiers or ()):
            if tier.name in names:
                yield cx.finding(
                    "CR207",
                    ("norms", i, "tiers", k, "name"),
                    f"norm {n.id!r} has two tiers named {tier.name!r}",
                )
            names.add(tier.name)


@_register("CR208")
def check_span_refs(cx: CheckContext) -> Iterator[Finding]:
    """Every span named by an excuse or a pause is declared."""
    spans = cx.ruleset.spans
    for i, n in enumerate(cx.ruleset.norms):
        for j, ex in enumerate(n.excuses):
            if ex.span is not None and ex.span not in spans:
                yield cx.finding(
                    "CR208",
                    ("norms", i, "excuses", j, "span"),
                    f"unknown span {ex.span!r}{_suggest(ex.span, spans)}",
                )
        for j, name in enumerate(n.pause):
            if name not in spans:
                yield cx.finding(
                    "CR208",
                    ("norms", i, "pause", j),
                    f"unknown span {name!r}{_suggest(name, spans)}",
                )


@_register("CR209")
def check_condition_values(cx: CheckContext) -> Iterator[Finding]:
    """Every value compared with a field fits the field's type, and a string field with a closed
    set of ``values`` is compared only with those (cause excuses included). Out-of-set values that
    make a norm's trigger impossible are reported once, as CR303."""
    for cond in _conditions(cx.ruleset):
        specs = cx.fields(cond.event) or {}
        for name, value in cond.when.items():
            spec = specs.get(name)
            if spec is None:
                continue
            skip_enum = _unsatisfiable_trigger_field(cx, cond, name)
            for op, v, sub in _tests(value):
                why = _type_problem(spec, op, v)
                if why is None and not skip_enum:
                    why = _enum_problem(spec, v)
                if why is not None:
                    yield cx.finding("CR209", (*cond.path, name, *sub), f"{name!r}: {why}")
    for i, n in enumerate(cx.ruleset.norms):
        for j, ex in enumerate(n.excuses):
            if ex.cause is None:
                continue
            spec = (cx.fields(ex.cause.event) or {}).get(ex.cause.field)
            if spec is None:
                continue
            for k, v in enumerate(ex.cause.values):
                path = ("norms", i, "excuses", j, "cause", "values", k)
                if spec.type not in ("string", "party"):
                    yield cx.finding(
                        "CR209",
                        path,
                        f"cause field {ex.cause.field!r} is {spec.type}; causes are text values",
                    )
                    break
                why = _enum_problem(spec, v)
                if why is not None:
                    yield cx.finding("CR209", path, f"{ex.cause.field!r}: {why}")


# ------------------------------------------------------------------------------- CR3xx


def _tier_classes(at: Sequence[str] | None) -> set[str]:
    return set(WORKING_TIME_CLASSES if at is None else at)


def _when_key(when: Condition) -> Any:
    return sorted(
        (k, v.model_dump(mode="json", by_alias=True, exclude_unset=True))
        if isinstance(v, FieldTest)
        else (k, {"eq": str(v) if isinstance(v, Decimal) else v})
        for k, v in when.items()
    )


@_register("CR301")
def check_tier_overlap(cx: CheckContext) -> Iterator[Finding]:
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
    possible = _candidates(spec, norm.trigger.when.get(name), cx.parties)
    if possible is None:
        return False
    return all(any(_passes(spec, c[name], v) for c in conds) for v in possible)


@_register("CR302")
def check_tier_gap(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR303")
def check_never_triggers(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR304")
def check_deadline_units(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR305")
def check_currencies(cx: CheckContext) -> Iterator[Finding]:
    """Amounts that are added up or compared share one currency.

    Every fee and money value carries a currency (the schema requires it), so what can still go
    wrong is mixing: a remedy's ``per_breach`` and ``cap`` in different currencies, a payment
    or claim currency field whose ``values`` exclude the currency of the fee or cap it counts
    toward.
    """
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


#: The layer a ``national_only`` fallback still requires (regional layers may lack years).
_NATIONAL_LAYER = "cn-national"


def _exempt(fallback: str | None, layer: str) -> bool:
    """Whether a fallback accepts missing years of ``layer``."""
    if fallback is None:
        return False
    if fallback == "national_only":
        return layer != _NATIONAL_LAYER
    return True  # weekdays: every layer may lack a year


@_register("CR306")
def check_calendar_coverage(cx: CheckContext) -> Iterator[Finding]:
    """Every calendar layer has data for every year from the term's start to a month after its
    end (payment deadlines fall there). ``fallback: weekdays`` accepts missing years of any
    layer; ``fallback: national_only`` those of regional layers (cn-national is still needed)."""
    cal = cx.ruleset.calendar
    term = cx.ruleset.contract.term
    if term.end < term.start:
        return  # CR311
    from .calendar import layer_coverage

    known = _available_layers()
    needed = range(term.start.year, _year_after_a_month(term.end) + 1)
    for j, layer in enumerate(cal.layers):
        if layer not in known or _exempt(cal.fallback, layer):
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


@_register("CR104")
def check_calendar_spec(cx: CheckContext) -> Iterator[Finding]:
    """What a calendar may not say although each value has the right form (the engine refuses
    it): working-hour windows of one day out of order or overlapping, a date both in
    ``days_off`` and ``working_days``, ``fallback: national_only`` without the cn-national layer.
    (The other CR104 findings come from the schema.)"""
    spec = cx.ruleset.calendar
    wh = spec.working_hours
    base: DocPath = ("calendar", "working_hours")
    groups: list[tuple[DocPath, list[str]]] = [((*base, "default"), wh.default)]
    groups += [((*base, "weekdays", day), ws) for day, ws in wh.weekdays.items()]
    written = _get(cx.doc.data, (*base, "dates"))
    keys = {_as_date(k): k for k in written} if isinstance(written, dict) else {}
    groups += [((*base, "dates", keys.get(d, d.isoformat())), ws) for d, ws in wh.dates.items()]
    for path, windows in groups:
        prev: tuple[str, time] | None = None
        for j, text in enumerate(windows):
            start, end = parse_window(text)  # the schema has checked each window's form
            if prev is not None and start < prev[1]:
                yield cx.finding(
                    "CR104",
                    (*path, j),
                    f"working-hour window {text} starts before {prev[0]} ends; list the "
                    "windows of a day in order, without overlaps",
                )
            prev = (text, end) if prev is None or end > prev[1] else prev
    both = set(spec.days_off) & set(spec.working_days)
    for j, d in enumerate(spec.working_days):
        if d in both:
            yield cx.finding(
                "CR104",
                ("calendar", "working_days", j),
                f"{d} is listed both in days_off and in working_days",
            )
    if spec.fallback == "national_only" and _NATIONAL_LAYER not in spec.layers:
        yield cx.finding(
            "CR104",
            ("calendar", "fallback"),
            f"fallback national_only still needs the {_NATIONAL_LAYER} layer (it only lets "
            "regional layers lack a year); add it to layers, or use fallback: weekdays",
        )


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@_register("CR307")
def check_scenario_refs(cx: CheckContext) -> Iterator[Finding]:
    """Scenario expectations name declared norms and remedies."""
    remedies = {r.id for r in cx.ruleset.remedies}
    for s, sc in enumerate(cx.ruleset.scenarios):
        for j, ex in enumerate(sc.expect):
            if ex.rule not in cx.norm_ids:
                yield cx.finding(
                    "CR307",
                    ("scenarios", s, "expect", j, "rule"),
                    f"scenario {sc.name!r} expects unknown norm {ex.rule!r}"
                    f"{_suggest(ex.rule, cx.norm_ids)}",
                )
        for j, er in enumerate(sc.expect_remedies):
            if er.remedy not in remedies:
                yield cx.finding(
                    "CR307",
                    ("scenarios", s, "expect_remedies", j, "remedy"),
                    f"scenario {sc.name!r} expects unknown remedy {er.remedy!r}"
                    f"{_suggest(er.remedy, remedies)}",
                )


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


@_register("CR308")
def check_clause_coverage(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR309")
def check_pause_units(cx: CheckContext) -> Iterator[Finding]:
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
    if kind == "decimal":
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


@_register("CR310")
def check_scenario_events(cx: CheckContext) -> Iterator[Finding]:
    """Every scenario event fits the vocabulary: a declared type, an aware ``at``, every required
    field, no undeclared field, values of the declared type and ``values``, unique ids."""
    for s, sc in enumerate(cx.ruleset.scenarios):
        seen: set[str] = set()
        for j, event in enumerate(sc.events):
            yield from _scenario_event_problems(cx, event, ("scenarios", s, "events", j), seen)


@_register("CR311")
def check_term_order(cx: CheckContext) -> Iterator[Finding]:
    """The term does not end before it starts (a one-day term is fine)."""
    term = cx.ruleset.contract.term
    if term.end < term.start:
        yield cx.finding(
            "CR311",
            ("contract", "term", "end"),
            f"the term ends ({term.end}) before it starts ({term.start})",
        )


@_register("CR312")
def check_clause_twice(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR313")
def check_scenario_instants(cx: CheckContext) -> Iterator[Finding]:
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


@_register("CR210")
def check_clause_refs(cx: CheckContext) -> Iterator[Finding]:
    """When ``contract.clauses`` lists the agreement's clauses, every cited clause is among them."""
    rs = cx.ruleset
    if not rs.contract.clauses:
        return
    declared = set(rs.contract.clauses)
    cited = [*_cited_clauses(rs)] + [
        (nc.clause, ("not_computable", j, "clause")) for j, nc in enumerate(rs.not_computable)
    ]
    for clause, path in cited:
        if clause not in declared:
            yield cx.finding(
                "CR210",
                path,
                f"clause {clause} is not in contract.clauses{_suggest(clause, declared)}",
            )


@_register("CR105")
def check_float_money(cx: CheckContext) -> Iterator[Finding]:
    """Money amounts in the file are quoted decimals, not floats (a float cannot hold most
    decimal amounts exactly)."""
    data = cx.doc.data
    paths: list[DocPath] = [("contract", "fees", fee, "amount") for fee in cx.ruleset.contract.fees]
    for r in range(len(cx.ruleset.remedies)):
        for base in (("remedies", r, "per_breach"), ("remedies", r, "cap", "amount")):
            paths.append((*base, "money", "amount"))
    for s, sc in enumerate(cx.ruleset.scenarios):
        for j, _ in enumerate(sc.expect_remedies):
            for name in ("payable", "compensable"):
                paths.append(("scenarios", s, "expect_remedies", j, name))
    for path in paths:
        value = _get(data, path)
        if isinstance(value, Decimal | float) and not isinstance(value, bool):
            # The loader reads an unquoted 53600.00 as an exact Decimal, but every other YAML
            # or JSON reader of the file (editors, the JSON Schema) sees a binary float.
            yield cx.finding(
                "CR105",
                path,
                f'money written as a YAML float ({value}); quote it: "{value}"',
            )


def _get(data: Any, path: DocPath) -> Any:
    """The value at ``path`` in the loaded data, or None where the file does not write it."""
    node = data
    for part in path:
        listed = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        if not (listed or (isinstance(node, dict) and part in node)):
            return None
        node = node[part]
    return node


#: The checks in code order (the registry above is filled in definition order).
CHECKS = dict(sorted(CHECKS.items()))


# --- added for issue 14: remedy claims ---
@_register("CR314")
def check_remedy_claims(cx: CheckContext) -> Iterator[Finding]:
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
