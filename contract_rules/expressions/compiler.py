"""Type-checking an expression against a vocabulary, compiling it to closures, evaluating and
explaining it.

:func:`compile_expression` reads the text (``syntax``), checks every node's type bottom-up and
builds one Python closure per node. A problem becomes one located :class:`Finding`; the caller
gets a :class:`Compiled` with either an :class:`Expression` or findings, never an exception.

Arithmetic on numbers and money goes through one private :class:`decimal.Context` (50
significant digits, magnitudes below 10**25, overflow and invalid operations trapped), so the
result does not depend on the caller's decimal context and a runaway value is an
:class:`ExpressionError`, not a slow computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import (
    Decimal,
    DecimalException,
    DivisionByZero,
    Overflow,
    Underflow,
)
from typing import Any, Final

from ..codes import CODES, EXPRESSION_CODES
from ..errors import ContractRulesError
from ..findings import Finding, Location
from .calls import _Calls
from .explain import Explanation, explain
from .ops import (
    _ARITH,
    _CMP,
    _arith_message,
    _article,
    _constant,
    _fits,
    _need,
    _numeric_result,
    _Problem,
    _same,
    _shown_name,
    _suggest,
    _unify_numeric,
)
from .ops import FUNCTIONS as FUNCTIONS  # importable here, as before
from .syntax import DEFAULT_LIMITS, Limits, Node, ParseProblem, ScalarPlace, parse
from .types import (
    BOOLEAN,
    CTX,
    DURATION,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    WORKING_DAYS,
    WORKING_HOURS,
    ExpressionError,
    ExprType,
    Kind,
    WorkCalendar,
    WorkingDays,
    WorkingHoursSpan,
    money_of,
)
from .values import (
    _READERS,
    Fn,
    _bounded,
    _check_money_currency,
    _mcmp,
    _mmap,
    _State,
    _unit_duration,
    _what,
)
from .values import ROUNDING_MODES as ROUNDING_MODES  # importable here, as before

__all__ = [
    "Compiled",
    "Expression",
    "Vocabulary",
    "compile_expression",
]


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """The names an expression may read, each with its type.

    Names are dotted (``trigger.order_value``, ``term.end``, ``penalty_rate``). A name whose type
    is a record (:func:`~contract_rules.expressions.types.record_of`) also gives access to its
    fields (``trigger`` of a record type makes ``trigger.order_value`` readable); a name of an
    event-list type is what ``sum``, ``count``, ``min`` and ``max`` run over. At evaluation the
    data is a mapping from the same names to values (a record or an event as a mapping of its
    fields).
    """

    names: Mapping[str, ExprType] = field(default_factory=dict)

    def merged(self, other: Mapping[str, ExprType]) -> Vocabulary:
        """This vocabulary with ``other``'s names added (``other`` wins on a name both have)."""
        return Vocabulary({**self.names, **other})


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled expression: evaluate it many times, explain it when asked.

    ``type`` is its static type; ``names`` the vocabulary names it reads; ``needs_calendar``
    whether evaluating it may ask a calendar.
    """

    text: str
    type: ExprType
    names: frozenset[str]
    needs_calendar: bool
    _fn: Fn = field(repr=False)
    _root: Node = field(repr=False)
    _vocabulary: Vocabulary = field(repr=False)
    _traced: list[_Compiler] = field(default_factory=list, repr=False)

    def evaluate(self, data: Mapping[str, Any], calendar: WorkCalendar | None = None) -> Any:
        """The value of the expression on ``data`` (a mapping of vocabulary names to values).

        Deterministic: the same data and calendar give the same value. Raises
        :class:`ExpressionError` when the data does not allow a value (a missing or mistyped
        field, a float, division by zero, a result out of range, no calendar where one is needed).
        """
        return _run(self._fn, _State(data, calendar, None), self.text)

    def explain(self, data: Mapping[str, Any], calendar: WorkCalendar | None = None) -> Explanation:
        """Evaluate and show the arithmetic: the same value as :meth:`evaluate`, with the values
        read and the result of every step (see :class:`Explanation`)."""
        if not self._traced:
            traced = _Compiler(self.text, self._vocabulary, traced=True)
            traced.fn = traced.compile(self._root, {})[1]
            self._traced.append(traced)
        traced = self._traced[0]
        fn = traced.fn
        assert fn is not None
        trace: dict[int, Any] = {}
        result = _run(fn, _State(data, calendar, trace), self.text)
        return explain(self.text, self._root, trace, traced.types, result)


def _run(fn: Fn, state: _State, text: str) -> Any:
    try:
        return fn(state)
    except ExpressionError as e:
        if e.expression:
            raise
        raise ExpressionError(e.reason, text) from None
    except DecimalException as e:
        raise ExpressionError(_decimal_message(e), text) from None
    except ContractRulesError as e:
        # the calendar's own errors (a year it has no data for, ...) are reasons like any other
        raise ExpressionError(str(e), text) from e
    except (OverflowError, ValueError) as e:
        raise ExpressionError(f"the result is out of range ({e})", text) from None


def _decimal_message(e: DecimalException) -> str:
    if isinstance(e, DivisionByZero):
        return "division by zero"
    if isinstance(e, Overflow):
        return "a value of 10**25 or more: out of range"
    if isinstance(e, Underflow):
        return "a value below 10**-30: out of range"
    return "an undefined arithmetic operation"


@dataclass(frozen=True)
class Compiled:
    """What compiling gave: the expression, or the findings that stopped it (never both)."""

    expression: Expression | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when the expression compiled."""
        return self.expression is not None


# --------------------------------------------------------------------------- compiling


_CODE_OF: Final = {
    "syntax": "CR401",
    "name": "CR402",
    "type": "CR403",
    "limit": "CR404",
    "tier": "CR405",
    "currency": "CR305",
}


def compile_expression(
    text: str,
    vocabulary: Vocabulary | Mapping[str, ExprType],
    *,
    place: ScalarPlace | Location | None = None,
    expect: ExprType | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Compiled:
    """Compile ``text`` against ``vocabulary``. Never raises for any text.

    ``place`` is where the text sits in the rule file (a :class:`ScalarPlace`, or the YAML
    scalar's :class:`Location`, taken as a plain one-line scalar); findings point at the exact
    line and column inside it. ``expect`` is the type the caller needs (``BOOLEAN`` for a
    condition, ``INSTANT`` for a deadline, ``money_of("CNY")`` for an amount); a numeric
    expected type accepts any number.
    """
    vocab = vocabulary if isinstance(vocabulary, Vocabulary) else Vocabulary(dict(vocabulary))
    path: tuple[str | int, ...] = ()
    if isinstance(place, Location):
        path = place.path
        place = ScalarPlace(place.file, place.line, place.column)
    where = place or ScalarPlace()
    if isinstance(text, str) is False:
        return _fail(where, path, text, "type", f"an expression is text, not {_what(text)}", 0)
    try:
        root = parse(text, limits)
        comp = _Compiler(text, vocab, traced=False, limits=limits)
        type_, fn = comp.compile(root, {})
        if expect is not None and not _fits(type_, expect):
            raise _Problem(
                "type", f"the expression gives {_article(type_)}, and {_need(expect)}", root
            )
    except ParseProblem as p:
        return _fail(where, path, text, p.kind, p.message, p.start)
    except _Problem as p:
        return _fail(where, path, text, p.key, p.message, p.start)
    expr = Expression(text, type_, frozenset(comp.read), comp.needs_calendar, fn, root, vocab)
    return Compiled(expr, [])


def _fail(
    where: ScalarPlace, path: tuple[str | int, ...], text: Any, key: str, message: str, at: int
) -> Compiled:
    code = _CODE_OF[key]
    spec = EXPRESSION_CODES.get(code) or CODES[code]
    if isinstance(text, str):
        line, col = where.position(text, min(at, len(text)))
    else:
        line, col = where.line, where.column
    loc = Location(where.file, line, col, path)
    return Compiled(None, [spec.at(loc, message)])


class _Compiler(_Calls):
    """Type-checks a parse tree and builds its closures (``traced``: each records its value)."""

    def __init__(
        self,
        text: str,
        vocabulary: Vocabulary,
        *,
        traced: bool,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.text = text
        self.limits = limits
        self.vocab = vocabulary
        self.traced = traced
        self.read: set[str] = set()
        self.needs_calendar = False
        self.types: dict[int, ExprType] = {}
        self.fn: Fn | None = None

    def compile(self, node: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        """The type of ``node`` and its closure; raises :class:`_Problem`."""
        method = getattr(self, "_c_" + _METHOD.get(node.op, node.op))
        type_, fn = method(node, scope)
        self.types[id(node)] = type_
        if self.traced:
            key, inner = id(node), fn

            def fn(s: _State) -> Any:
                v = inner(s)
                assert s.trace is not None
                s.trace[key] = v
                return v

        return type_, fn

    # -- leaves
    def _c_num(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        v = n.value
        assert isinstance(v, Decimal)
        t = PERCENT if n.percent else (INTEGER if v == v.to_integral_value() else NUMBER)
        return t, lambda s: v

    def _c_str(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        v = n.value
        return TEXT, lambda s: v

    def _c_bool(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        v = n.value
        return BOOLEAN, lambda s: v

    def _c_name(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        name = str(n.value)
        parts = name.split(".")
        if parts[0] in scope:
            return self._field_chain(n, parts[0], scope[parts[0]], parts[1:], local=True)
        names = self.vocab.names
        if name in names:
            t = names[name]
            self.read.add(name)
            return t, self._read(name, t)
        # the longest declared prefix that is a record gives its fields
        for k in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:k])
            ht = names.get(head)
            if ht is not None and ht.kind is Kind.RECORD:
                self.read.add(head)
                return self._field_chain(n, head, ht, parts[k:], local=False)
            if ht is not None:
                raise _Problem("type", f"{head} is {_article(ht)}, it has no fields", n)
        if name in FUNCTIONS or name in ROUNDING_MODES:
            raise _Problem("syntax", f"{name} is a function: call it as {name}(...)", n)
        candidates = list(names) + list(scope)
        raise _Problem("name", f"unknown name {name!r}{_suggest(name, candidates)}", n)

    def _read(self, name: str, t: ExprType) -> Fn:
        reader = _READERS[t.kind]

        def fn(s: _State) -> Any:
            try:
                v = s.env[name]
            except KeyError:
                raise ExpressionError(f"the data has no value for {name}") from None
            return reader(v, name)

        if t.kind is Kind.MONEY and t.currency is not None:
            plain = fn

            def fn(s: _State) -> Any:
                return _check_money_currency(plain(s), t, name)

        return fn

    def _field_chain(
        self, n: Node, head: str, t: ExprType, rest: list[str], *, local: bool
    ) -> tuple[ExprType, Fn]:
        path = head
        fields: list[str] = []
        for part in rest:
            if t.kind is not Kind.RECORD:
                raise _Problem(
                    "type", f"{_shown_name(path)} is {_article(t)}, it has no field {part!r}", n
                )
            ft = t.field_type(part)
            if ft is None:
                known = [f for f, _ in t.fields]
                at = self.text.find(part, n.start + len(path), n.end)
                raise _Problem(
                    "name",
                    f"{_shown_name(path)} has no field {part!r}{_suggest(part, known)}",
                    n,
                    at=at,
                )
            path += "." + part
            fields.append(part)
            t = ft
        reader = _READERS[t.kind]
        full = ".".join([head, *fields])
        outer = _READERS[Kind.RECORD]

        def fn(s: _State) -> Any:
            src = s.local if local else s.env
            try:
                v = src[head]
            except KeyError:
                raise ExpressionError(f"the data has no value for {head}") from None
            where = head
            for f in fields:
                v = outer(v, where)
                try:
                    v = v[f]
                except KeyError:
                    raise ExpressionError(f"the data has no value for {where}.{f}") from None
                where += "." + f
            return reader(v, full)

        return t, fn

    # -- operators
    def _c_neg(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        t, f = self.compile(n.args[0], scope)
        if t.numeric:
            return t, lambda s: CTX.minus(f(s))
        if t.kind is Kind.MONEY:
            return t, lambda s: _mmap(f(s), CTX.minus)
        if t.kind is Kind.DURATION:
            return t, lambda s: -f(s)
        if t.kind is Kind.WORKING_DAYS:
            return t, lambda s: WorkingDays(-f(s).days)
        raise _Problem("type", f"cannot negate {_article(t)}", n)

    def _c_not(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        t, f = self.compile(n.args[0], scope)
        self._boolean(t, n.args[0], "'not'")
        return BOOLEAN, lambda s: not f(s)

    def _boolean(self, t: ExprType, n: Node, where: str) -> None:
        if t.kind is not Kind.BOOLEAN:
            raise _Problem(
                "type",
                f"{where} needs a condition (true or false), and this is {_article(t)}",
                n,
                at=n.start,
            )

    def _c_logic(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        (lt, lf), (rt, rf) = self.compile(n.args[0], scope), self.compile(n.args[1], scope)
        self._boolean(lt, n.args[0], f"'{n.op}'")
        self._boolean(rt, n.args[1], f"'{n.op}'")
        if n.op == "and":
            return BOOLEAN, lambda s: lf(s) and rf(s)
        return BOOLEAN, lambda s: lf(s) or rf(s)

    def _c_if(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ct, cf = self.compile(n.args[0], scope)
        self._boolean(ct, n.args[0], "'if'")
        (at, af), (bt, bf) = self.compile(n.args[1], scope), self.compile(n.args[2], scope)
        t = self._common(at, bt, n.args[2], "the 'then' and 'else' values")
        return t, lambda s: af(s) if cf(s) else bf(s)

    def _common(self, a: ExprType, b: ExprType, n: Node, what: str) -> ExprType:
        if a.numeric and b.numeric:
            return _unify_numeric(a, b)
        if not _same(a, b):
            raise _Problem("type", f"{what} differ in type: {a} and {b}", n, at=n.start)
        if a.kind is Kind.MONEY:
            return self._currency(a, b, n)
        return a

    def _currency(self, a: ExprType, b: ExprType, n: Node) -> ExprType:
        if a.currency and b.currency and a.currency != b.currency:
            raise _Problem(
                "currency", f"amounts in different currencies: {a.currency} and {b.currency}", n
            )
        return money_of(a.currency or b.currency)

    def _c_arith(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        (lt, lf), (rt, rf) = self.compile(n.args[0], scope), self.compile(n.args[1], scope)
        op = n.op
        rule = _ARITH.get((op, lt.kind, rt.kind))
        if rule is None:
            raise _Problem("type", _arith_message(op, lt, rt), n)
        t: ExprType = rule[0] if rule[0] is not None else lt
        impl = rule[1]
        if lt.kind is Kind.MONEY and rt.kind is Kind.MONEY:
            cur = self._currency(lt, rt, n)
            if rule[0] is None:
                t = cur
        elif lt.kind is Kind.MONEY:
            t = lt
        elif rt.kind is Kind.MONEY:
            t = rt
        elif lt.numeric and rt.numeric:
            t = _numeric_result(op, lt, rt)
        if rule[2]:
            self.needs_calendar = True

            def fn(s: _State) -> Any:
                return impl(lf(s), rf(s), s.cal)

            return t, fn
        return t, lambda s: impl(lf(s), rf(s))

    def _c_compare(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        (lt, lf), (rt, rf) = self.compile(n.args[0], scope), self.compile(n.args[1], scope)
        op = n.op
        if not _same(lt, rt):
            hint = ""
            if {lt.kind, rt.kind} == {Kind.INSTANT, Kind.DATE}:
                hint = " (turn the date into an instant with start_of_day() or end_of_day())"
            if Kind.MONEY in (lt.kind, rt.kind) and (lt.numeric or rt.numeric):
                hint = " (write money(x, 'CUR') or amount(m))"
            raise _Problem("type", f"cannot compare {_article(lt)} with {_article(rt)}{hint}", n)
        if op not in ("==", "!=") and lt.kind in (Kind.BOOLEAN, Kind.TEXT):
            raise _Problem("type", f"{lt} values are not ordered: only == and != apply", n)
        if lt.kind is Kind.MONEY:
            self._currency(lt, rt, n)
            cmp = _CMP[op]
            return BOOLEAN, lambda s: cmp(*_mcmp(lf(s), rf(s)))
        if lt.kind in (Kind.WORKING_DAYS, Kind.WORKING_HOURS, Kind.RECORD, Kind.EVENTS):
            raise _Problem("type", f"{lt} values cannot be compared", n)
        cmp = _CMP[op]
        return BOOLEAN, lambda s: cmp(lf(s), rf(s))

    def _c_in(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        xt, xf = self.compile(n.args[0], scope)
        fns = []
        for item in n.args[1:]:
            it, f = self.compile(item, scope)
            if not _same(xt, it) or xt.kind in (Kind.MONEY, Kind.WORKING_DAYS):
                raise _Problem(
                    "type", f"cannot look for {_article(xt)} among {it} values", item, at=item.start
                )
            fns.append(f)
        negated = bool(n.value)
        return BOOLEAN, lambda s: (xf(s) in [f(s) for f in fns]) != negated

    def _c_unit(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        t, f = self.compile(n.args[0], scope)
        unit = str(n.value)
        shown = unit.replace("_", " ")
        if not t.numeric or t.kind is Kind.PERCENT:
            raise _Problem("type", f"'{shown}' follows a number, not {_article(t)}", n)
        limit = self.limits.max_unit_count
        lit = _constant(n.args[0])
        if lit is not None and abs(lit) > limit:
            raise _Problem("limit", f"at most {limit:,} {shown} are written in an expression", n)
        if unit == "working_days":
            if t.kind is not Kind.INTEGER:
                raise _Problem("type", "working days are counted in whole numbers", n)

            def wd(s: _State) -> WorkingDays:
                v = f(s)
                if abs(v) > limit:
                    raise ExpressionError(f"{v} working days: more than {limit}")
                return WorkingDays(int(v))

            return WORKING_DAYS, wd
        if unit == "working_hours":
            return WORKING_HOURS, lambda s: WorkingHoursSpan(
                _unit_duration(_bounded(f(s), limit, shown), unit)
            )
        return DURATION, lambda s: _unit_duration(_bounded(f(s), limit, shown), unit)

    # -- functions


_METHOD: Final = {
    "+": "arith",
    "-": "arith",
    "*": "arith",
    "/": "arith",
    "==": "compare",
    "!=": "compare",
    "<": "compare",
    "<=": "compare",
    ">": "compare",
    ">=": "compare",
    "and": "logic",
    "or": "logic",
}
