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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
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
from ..suggestions import did_you_mean
from .explain import Explanation, explain, show
from .syntax import DEFAULT_LIMITS, Limits, Node, ParseProblem, ScalarPlace, parse
from .types import (
    BOOLEAN,
    CTX,
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    NUMERIC,
    PERCENT,
    TEXT,
    US,
    US_PER_DAY,
    WORKING_DAYS,
    WORKING_HOURS,
    ExpressionError,
    ExprType,
    Kind,
    Money,
    WorkCalendar,
    WorkingDays,
    WorkingHoursSpan,
    money_of,
    need_calendar,
)

__all__ = [
    "Compiled",
    "Expression",
    "Vocabulary",
    "compile_expression",
]


ROUNDING_MODES: Final = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "half_down": ROUND_HALF_DOWN,
    "up": ROUND_UP,
    "down": ROUND_DOWN,
    "ceiling": ROUND_CEILING,
    "floor": ROUND_FLOOR,
}

_UNIT_US: Final = {
    "weeks": 7 * US_PER_DAY,
    "days": US_PER_DAY,
    "hours": 3_600_000_000,
    "minutes": 60_000_000,
    "seconds": 1_000_000,
    "working_hours": 3_600_000_000,
}
#: How far back a negative working-day offset may search for working days, in calendar days.
_MAX_BACK_SCAN: Final = 3_660

FUNCTIONS: Final = (
    "abs",
    "amount",
    "calendar_days",
    "ceil",
    "count",
    "days",
    "end_of_day",
    "floor",
    "hours",
    "local_date",
    "max",
    "min",
    "minutes",
    "money",
    "round",
    "start_of_day",
    "sum",
    "tier",
    "working_days",
    "working_hours",
)

Fn = Callable[["_State"], Any]


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


class _State:
    __slots__ = ("cal", "env", "local", "trace")

    def __init__(
        self, env: Mapping[str, Any], cal: WorkCalendar | None, trace: dict[int, Any] | None
    ) -> None:
        self.env = env
        self.cal = cal
        self.trace = trace
        self.local: dict[str, Any] = {}


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


class _Problem(Exception):
    def __init__(self, key: str, message: str, node: Node | None = None, at: int = -1) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        if at >= 0:
            self.start = at
        elif node is not None:
            self.start = node.at if node.at >= 0 else node.start
        else:
            self.start = 0


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


def _what(value: object) -> str:
    return "a float" if isinstance(value, float) else f"a {type(value).__name__}"


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


def _article(t: ExprType) -> str:
    s = str(t)
    if t.kind in (Kind.MONEY, Kind.TEXT, Kind.WORKING_DAYS, Kind.WORKING_HOURS, Kind.EVENTS):
        return s
    return ("an " if s[0] in "aeiou" else "a ") + s


def _need(expect: ExprType) -> str:
    if expect.kind is Kind.BOOLEAN:
        return "a condition must be true or false (compare it: ==, <, in, ...)"
    return f"{_article(expect)} is needed here"


def _fits(got: ExprType, want: ExprType) -> bool:
    if want.numeric:
        return got.numeric
    if want.kind is Kind.MONEY and got.kind is Kind.MONEY:
        return want.currency is None or got.currency in (None, want.currency)
    return got.kind is want.kind


def _suggest(name: str, candidates: Sequence[str]) -> str:
    if name.startswith("_"):
        return ""
    return did_you_mean(name, candidates)


def _unify_numeric(a: ExprType, b: ExprType) -> ExprType:
    if a.kind is b.kind:
        return a
    return NUMBER


def _same(a: ExprType, b: ExprType) -> bool:
    """Values of these types can be compared, or stand in the same place (min, tier, if)."""
    if a.numeric and b.numeric:
        return True
    return a.kind is b.kind and a.kind not in (Kind.RECORD, Kind.EVENTS)


def _num(v: Any) -> Decimal:
    """A number read from data: an exact Decimal or int (never a float, never a bool)."""
    if type(v) is Decimal:
        return v
    if type(v) is int:
        return Decimal(v)
    raise ExpressionError(f"expected a number (Decimal or int), got {_what(v)} {v!r}")


_READERS: Final[dict[Kind, Callable[[Any, str], Any]]] = {}


def _reader(kind: Kind) -> Callable[[Callable[[Any, str], Any]], Callable[[Any, str], Any]]:
    def register(f: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
        _READERS[kind] = f
        return f

    return register


def _bad(v: Any, name: str, wanted: str) -> ExpressionError:
    return ExpressionError(f"{name} should be {wanted}, and the data holds {_what(v)} {v!r}")


@_reader(Kind.BOOLEAN)
def _read_bool(v: Any, name: str) -> Any:
    if type(v) is not bool:
        raise _bad(v, name, "true or false")
    return v


def _read_number(v: Any, name: str) -> Any:
    if type(v) is Decimal:
        return v
    if type(v) is int:
        return Decimal(v)
    raise _bad(v, name, "a number (Decimal or int)")


_READERS[Kind.NUMBER] = _READERS[Kind.PERCENT] = _read_number


@_reader(Kind.INTEGER)
def _read_integer(v: Any, name: str) -> Any:
    d = _read_number(v, name)
    if d != d.to_integral_value():
        raise _bad(v, name, "a whole number")
    return d


@_reader(Kind.MONEY)
def _read_money(v: Any, name: str) -> Any:
    if not isinstance(v, Money):
        raise _bad(v, name, "money")
    return v


@_reader(Kind.DURATION)
def _read_duration(v: Any, name: str) -> Any:
    if not isinstance(v, timedelta):
        raise _bad(v, name, "a duration")
    return v


@_reader(Kind.WORKING_DAYS)
def _read_wd(v: Any, name: str) -> Any:
    if not isinstance(v, WorkingDays):
        raise _bad(v, name, "a number of working days")
    return v


@_reader(Kind.WORKING_HOURS)
def _read_wh(v: Any, name: str) -> Any:
    if not isinstance(v, WorkingHoursSpan):
        raise _bad(v, name, "an amount of working time")
    return v


@_reader(Kind.INSTANT)
def _read_instant(v: Any, name: str) -> Any:
    if not isinstance(v, datetime) or v.utcoffset() is None:
        raise _bad(v, name, "an instant with a UTC offset")
    return v


@_reader(Kind.DATE)
def _read_date(v: Any, name: str) -> Any:
    if not isinstance(v, date) or isinstance(v, datetime):
        raise _bad(v, name, "a date")
    return v


@_reader(Kind.TEXT)
def _read_text(v: Any, name: str) -> Any:
    if not isinstance(v, str):
        raise _bad(v, name, "text")
    return v


@_reader(Kind.RECORD)
def _read_record(v: Any, name: str) -> Any:
    if not isinstance(v, Mapping):
        raise _bad(v, name, "a record of fields")
    return v


@_reader(Kind.EVENTS)
def _read_events(v: Any, name: str) -> Any:
    if not isinstance(v, list | tuple):
        raise _bad(v, name, "a list of events")
    return v


def _check_money_currency(m: Money, t: ExprType, name: str) -> Money:
    if t.currency is not None and m.currency != t.currency:
        raise ExpressionError(f"{name} should be in {t.currency}, and the data holds {m}")
    return m


def _money_op(
    op: Callable[[Decimal, Decimal], Decimal], sym: str
) -> Callable[[Money, Money], Money]:
    def f(a: Money, b: Money) -> Money:
        if a.currency != b.currency:
            raise ExpressionError(f"cannot {sym} {a} and {b}: different currencies")
        return Money(op(a.amount, b.amount), a.currency)

    return f


def _mmap(m: Money, f: Callable[[Decimal], Decimal]) -> Money:
    return Money(f(m.amount), m.currency)


_madd = _money_op(CTX.add, "add")
_msub = _money_op(CTX.subtract, "subtract")


def _mcmp(a: Money, b: Money) -> tuple[Decimal, Decimal]:
    if a.currency != b.currency:
        raise ExpressionError(f"cannot compare {a} and {b}: different currencies")
    return a.amount, b.amount


def _dur_mul(d: timedelta, n: Decimal) -> timedelta:
    if n != n.to_integral_value():
        raise ExpressionError(f"a duration is multiplied by whole numbers only, not {n}")
    return d * int(n)


def _bounded(n: Decimal, limit: int, unit: str) -> Decimal:
    if abs(n) > limit:
        raise ExpressionError(f"{n} {unit}: more than {limit:,}")
    return n


def _unit_duration(n: Decimal, unit: str) -> timedelta:
    us = CTX.multiply(n, Decimal(_UNIT_US[unit]))
    if us != us.to_integral_value():
        raise ExpressionError(f"{n} {unit} is not a whole number of microseconds")
    return timedelta(microseconds=int(us))


def _start_of_day(d: date, cal: WorkCalendar | None) -> datetime:
    return datetime.combine(d, time(0), tzinfo=need_calendar(cal, "a day's start").tz)


def _add_working_days(t: datetime | date, n: int, cal: WorkCalendar | None) -> datetime:
    cal = need_calendar(cal, "adding working days")
    if isinstance(t, datetime):
        start, day = t, t.astimezone(cal.tz).date()
    else:
        start, day = _start_of_day(t, cal), t
    if n > 0:
        return cal.add_working_days(start, n)
    if n == 0:
        return start
    # n < 0: the start of the |n|-th working day before t's local date, found going back day by
    # day; the scan is bounded so that a calendar without working days cannot loop for long
    found, scanned = 0, 0
    while found < -n:
        day -= timedelta(days=1)
        scanned += 1
        if scanned > _MAX_BACK_SCAN + 7 * -n:
            raise ExpressionError(f"no {-n} working days found before {t}")
        if cal.is_working_day(day):
            found += 1
    return datetime.combine(day, time(0), tzinfo=cal.tz)


class _Compiler:
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
    def _c_call(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        name = str(n.value)
        if name in ("sum", "count", "min", "max") and len(n.args) <= 1:
            agg = self._aggregate_shorthand(n, scope) if n.args else None
            if agg is not None:
                return agg
        if name in ("sum", "count") or (name in ("min", "max") and len(n.args) < 2):
            raise _Problem(
                "type",
                f"{name}() takes a list of events: {name}(EVENTS.FIELD) or "
                f"{name}(e.FIELD for e in EVENTS)"
                + (", or two values or more" if name in ("min", "max") else ""),
                n,
                at=n.start,
            )
        handler = getattr(self, "_f_" + name, None)
        if handler is None or name not in FUNCTIONS:
            raise _Problem(
                "name", f"unknown function {name!r}{_suggest(name, FUNCTIONS)}", n, at=n.start
            )
        result: tuple[ExprType, Fn] = handler(n, scope)
        return result

    def _args(
        self, n: Node, scope: dict[str, ExprType], lo: int, hi: int
    ) -> list[tuple[ExprType, Fn]]:
        k = len(n.args)
        if not lo <= k <= hi:
            count = str(lo) if lo == hi else f"{lo} to {hi}"
            raise _Problem(
                "syntax", f"{n.value}() takes {count} argument(s), not {k}", n, at=n.start
            )
        return [self.compile(a, scope) for a in n.args]

    def _f_round(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        if not 1 <= len(n.args) <= 3:
            raise _Problem("syntax", "round(x, places, mode) takes 1 to 3 arguments", n, at=n.start)
        t, f = self.compile(n.args[0], scope)
        places = 0
        if len(n.args) >= 2:
            p = n.args[1]
            v = p.value
            if p.op != "num" or p.percent or not isinstance(v, Decimal) or v % 1:
                raise _Problem("type", "the places of round() are a whole number written here", p)
            places = int(v)
            if places > 10:
                raise _Problem("limit", "round() keeps at most 10 decimal places", p)
        mode = ROUND_HALF_UP
        if len(n.args) == 3:
            m = n.args[2]
            if m.op != "name" or m.value not in ROUNDING_MODES:
                raise _Problem(
                    "name",
                    f"unknown rounding mode; one of {', '.join(ROUNDING_MODES)}"
                    + (_suggest(str(m.value), list(ROUNDING_MODES)) if m.op == "name" else ""),
                    m,
                )
            mode = ROUNDING_MODES[str(m.value)]
        exp = Decimal(1).scaleb(-places)
        if t.numeric:
            rt = INTEGER if places == 0 else t
            return rt, lambda s: f(s).quantize(exp, rounding=mode, context=CTX)
        if t.kind is Kind.MONEY:

            def rm(s: _State) -> Money:
                m = f(s)
                return Money(m.amount.quantize(exp, rounding=mode, context=CTX), m.currency)

            return t, rm
        raise _Problem("type", f"round() takes a number or money, not {_article(t)}", n.args[0])

    def _integral(self, n: Node, scope: dict[str, ExprType], mode: str) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.numeric:
            return INTEGER, lambda s: f(s).to_integral_value(rounding=mode, context=CTX)
        if t.kind is Kind.MONEY:
            return t, lambda s: _mmap(
                f(s), lambda a: a.to_integral_value(rounding=mode, context=CTX)
            )
        raise _Problem(
            "type",
            f"{n.value}() takes a number or money, not {_article(t)}"
            + (" (take days(d) or hours(d) of it first)" if t.kind is Kind.DURATION else ""),
            n.args[0],
        )

    def _f_ceil(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._integral(n, scope, ROUND_CEILING)

    def _f_floor(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._integral(n, scope, ROUND_FLOOR)

    def _f_abs(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.numeric:
            return t, lambda s: CTX.abs(f(s))
        if t.kind is Kind.MONEY:
            return t, lambda s: _mmap(f(s), CTX.abs)
        if t.kind is Kind.DURATION:
            return t, lambda s: abs(f(s))
        raise _Problem("type", f"abs() takes a number, money or a duration, not {t}", n.args[0])

    def _per(self, n: Node, scope: dict[str, ExprType], unit: str) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.kind is not Kind.DURATION:
            raise _Problem("type", f"{n.value}() takes a duration, not {_article(t)}", n.args[0])
        size = Decimal(_UNIT_US[unit])
        return NUMBER, lambda s: CTX.divide(Decimal(f(s) // US), size)

    def _f_days(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._per(n, scope, "days")

    def _f_hours(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._per(n, scope, "hours")

    def _f_minutes(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._per(n, scope, "minutes")

    def _f_amount(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.kind is not Kind.MONEY:
            raise _Problem("type", f"amount() takes money, not {_article(t)}", n.args[0])
        return NUMBER, lambda s: f(s).amount

    def _f_money(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        (t, f), _ = self._args(n, scope, 2, 2)
        cur = n.args[1]
        if cur.op != "str" or not (
            isinstance(cur.value, str) and len(cur.value) == 3 and cur.value.isupper()
        ):
            raise _Problem("type", "the currency of money() is a code written here: 'CNY'", cur)
        if not t.numeric:
            raise _Problem("type", f"money() takes a number, not {_article(t)}", n.args[0])
        code = str(cur.value)
        return money_of(code), lambda s: Money(f(s), code)

    def _two_times(self, n: Node, scope: dict[str, ExprType]) -> tuple[Fn, Fn]:
        (at, af), (bt, bf) = self._args(n, scope, 2, 2)
        for t, a in ((at, n.args[0]), (bt, n.args[1])):
            if t.kind not in (Kind.INSTANT, Kind.DATE):
                raise _Problem("type", f"{n.value}() takes instants or dates, not {_article(t)}", a)
        self.needs_calendar = True
        return af, bf

    def _f_working_days(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        af, bf = self._two_times(n, scope)

        def fn(s: _State) -> Decimal:
            cal = need_calendar(s.cal, "working_days()")
            return Decimal(cal.working_days_between(af(s), bf(s)))

        return INTEGER, fn

    def _f_calendar_days(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        af, bf = self._two_times(n, scope)

        def fn(s: _State) -> Decimal:
            cal = need_calendar(s.cal, "calendar_days()")
            a, b = af(s), bf(s)
            da = a.astimezone(cal.tz).date() if isinstance(a, datetime) else a
            db = b.astimezone(cal.tz).date() if isinstance(b, datetime) else b
            return Decimal((db - da).days)

        return INTEGER, fn

    def _f_working_hours(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        (at, af), (bt, bf) = self._args(n, scope, 2, 2)
        if at.kind is not Kind.INSTANT or bt.kind is not Kind.INSTANT:
            raise _Problem("type", "working_hours() takes two instants", n, at=n.start)
        self.needs_calendar = True

        def fn(s: _State) -> timedelta:
            return need_calendar(s.cal, "working_hours()").working_time_between(af(s), bf(s))

        return DURATION, fn

    def _f_start_of_day(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.kind is not Kind.DATE:
            raise _Problem("type", f"start_of_day() takes a date, not {_article(t)}", n.args[0])
        self.needs_calendar = True
        return INSTANT, lambda s: _start_of_day(f(s), s.cal)

    def _f_end_of_day(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.kind is not Kind.DATE:
            raise _Problem("type", f"end_of_day() takes a date, not {_article(t)}", n.args[0])
        self.needs_calendar = True
        return INSTANT, lambda s: _start_of_day(f(s) + timedelta(days=1), s.cal)

    def _f_local_date(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        ((t, f),) = self._args(n, scope, 1, 1)
        if t.kind is not Kind.INSTANT:
            raise _Problem("type", f"local_date() takes an instant, not {_article(t)}", n.args[0])
        self.needs_calendar = True
        return DATE, lambda s: f(s).astimezone(need_calendar(s.cal, "local_date()").tz).date()

    def _f_min(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._extreme(n, scope, min)

    def _f_max(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        return self._extreme(n, scope, max)

    def _extreme(
        self, n: Node, scope: dict[str, ExprType], pick: Callable[..., Any]
    ) -> tuple[ExprType, Fn]:
        compiled = self._args(n, scope, 2, 64)
        t = compiled[0][0]
        for (ct, _), a in zip(compiled[1:], n.args[1:], strict=True):
            t = self._common(t, ct, a, f"the values of {n.value}()")
        self._orderable(t, n)
        fns = [f for _, f in compiled]
        if t.kind is Kind.MONEY:

            def fm(s: _State) -> Money:
                vals = [f(s) for f in fns]
                for v in vals[1:]:
                    _mcmp(vals[0], v)
                return pick(vals, key=lambda m: m.amount)  # type: ignore[no-any-return]

            return t, fm
        return t, lambda s: pick(f(s) for f in fns)

    def _orderable(self, t: ExprType, n: Node) -> None:
        if not (t.numeric or t.kind in _ORDERED):
            raise _Problem("type", f"{n.value}() needs values that have an order, not {t}", n)

    # -- aggregates
    def _aggregate_shorthand(
        self, n: Node, scope: dict[str, ExprType]
    ) -> tuple[ExprType, Fn] | None:
        """``count(events)`` and ``sum(events.field)``: an aggregate over a list's field."""
        arg = n.args[0]
        if arg.op != "name":
            return None
        name = str(arg.value)
        t = self.vocab.names.get(name)
        if t is not None and t.kind is Kind.EVENTS:
            if n.value != "count":
                raise _Problem(
                    "type",
                    f"{n.value}() of events needs a field: {n.value}({name}.FIELD) "
                    f"or {n.value}(e.FIELD for e in {name})",
                    arg,
                )
            return self._aggregate(n, scope, name, t, None, None)
        head, _, fld = name.rpartition(".")
        t = self.vocab.names.get(head)
        if t is not None and t.kind is Kind.EVENTS:
            body = Node("name", arg.start, arg.end, value="_e." + fld)
            return self._aggregate(n, scope, head, t, body, None)
        return None

    def _c_agg(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        fname = str(n.value)
        if fname not in ("sum", "count", "min", "max"):
            raise _Problem(
                "syntax", f"'for ... in' works in sum, count, min and max, not {fname}()", n
            )
        assert n.coll is not None
        coll = str(n.coll.value)
        t = self.vocab.names.get(coll)
        if t is None or t.kind is not Kind.EVENTS:
            events = [k for k, v in self.vocab.names.items() if v.kind is Kind.EVENTS]
            what = "unknown list of events" if t is None else f"{coll} is not a list of events:"
            raise _Problem("name", f"{what} {coll!r}{_suggest(coll, events)}", n.coll)
        if n.var in self.vocab.names or n.var in scope:
            raise _Problem("name", f"{n.var!r} is already a name; pick another", n, at=n.start)
        cond = n.args[1] if len(n.args) > 1 else None
        return self._aggregate(n, scope, coll, t, n.args[0], cond, var=n.var)

    def _aggregate(
        self,
        n: Node,
        scope: dict[str, ExprType],
        coll: str,
        ctype: ExprType,
        body: Node | None,
        cond: Node | None,
        var: str = "_e",
    ) -> tuple[ExprType, Fn]:
        fname = str(n.value)
        inner = {**scope, var: ExprType(Kind.RECORD, fields=ctype.fields)}
        self.read.add(coll)
        events = self._read(coll, ctype)
        keep: Fn | None = None
        if cond is not None:
            ct, keep = self.compile(cond, inner)
            self._boolean(ct, cond, "the 'if' of an aggregate")
        bt: ExprType = INTEGER
        bf: Fn | None = None
        if body is not None:
            bt, bf = self.compile(body, inner)

        def rows(s: _State) -> Iterator[Any]:
            saved = s.local.get(var)
            try:
                for e in events(s):
                    s.local[var] = e
                    if keep is None or keep(s):
                        yield bf(s) if bf is not None else e
            finally:
                if saved is None:
                    s.local.pop(var, None)
                else:
                    s.local[var] = saved

        if fname == "count":
            return INTEGER, lambda s: Decimal(sum(1 for _ in rows(s)))
        if fname == "sum":
            return self._sum(n, bt, rows)
        self._orderable(bt, n)
        pick = min if fname == "min" else max

        def extreme(s: _State) -> Any:
            vals = list(rows(s))
            if not vals:
                raise ExpressionError(f"{fname}() of no events")
            if bt.kind is Kind.MONEY:
                for v in vals[1:]:
                    _mcmp(vals[0], v)
                return pick(vals, key=lambda m: m.amount)
            return pick(vals)

        return bt, extreme

    def _sum(
        self, n: Node, bt: ExprType, rows: Callable[[_State], Iterator[Any]]
    ) -> tuple[ExprType, Fn]:
        if bt.numeric:

            def total(s: _State) -> Decimal:
                acc = Decimal(0)
                for v in rows(s):
                    acc = CTX.add(acc, v)
                return acc

            return (bt if bt.kind is not Kind.INTEGER else INTEGER), total
        if bt.kind is Kind.MONEY:
            cur = bt.currency

            def mtotal(s: _State) -> Money:
                acc: Money | None = Money(Decimal(0), cur) if cur else None
                for v in rows(s):
                    acc = v if acc is None else _madd(acc, v)
                if acc is None:
                    raise ExpressionError("sum() of no events, and the currency is not known")
                return acc

            return bt, mtotal
        if bt.kind is Kind.DURATION:
            return bt, lambda s: sum(rows(s), timedelta(0))
        raise _Problem("type", f"sum() adds numbers, money or durations, not {bt}", n)

    # -- tier tables
    def _c_tier(self, n: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        xt, xf = self.compile(n.args[0], scope)
        self._orderable(xt, Node("tier", n.start, n.end, value="tier"))
        thresholds: list[Fn] = []
        results: list[Fn] = []
        rt: ExprType | None = None
        for i, kind in enumerate(n.rows):
            tn, rn = n.args[1 + 2 * i], n.args[2 + 2 * i]
            tt, tf = self.compile(tn, scope)
            if not _same(xt, tt):
                raise _Problem(
                    "type", f"a threshold of {tt} against a value of {xt}", tn, at=tn.start
                )
            if xt.kind is Kind.MONEY:
                self._currency(xt, tt, tn)
            r_t, r_f = self.compile(rn, scope)
            rt = r_t if rt is None else self._common(rt, r_t, rn, "the results of the tier table")
            thresholds.append(tf)
            results.append(r_f)
            _ = kind
        other = n.args[-1]
        ot, of = self.compile(other, scope)
        assert rt is not None
        rt = self._common(rt, ot, other, "the results of the tier table")
        self._tier_order(n)
        at_least = [k == "least" for k in n.rows]
        pairs = list(zip(at_least, thresholds, results, strict=True))
        money = xt.kind is Kind.MONEY

        def fn(s: _State) -> Any:
            x = xf(s)
            for least, th, res in pairs:
                t = th(s)
                a, b = _mcmp(x, t) if money else (x, t)
                if (a >= b) if least else (a <= b):
                    return res(s)
            return of(s)

        return rt, fn

    def _tier_order(self, n: Node) -> None:
        prev: tuple[str, Decimal] | None = None
        for i, kind in enumerate(n.rows):
            tn = n.args[1 + 2 * i]
            value = _constant(tn)
            if value is None:
                prev = None
                continue
            if prev is not None and prev[0] == kind:
                wrong = value >= prev[1] if kind == "least" else value <= prev[1]
                if wrong:
                    order = "decrease" if kind == "least" else "increase"
                    raise _Problem(
                        "tier",
                        f"'at {kind}' thresholds must {order} from row to row: this row "
                        "can never apply (an earlier row takes every value it would)",
                        tn,
                        at=tn.start,
                    )
            prev = (kind, value)


def _shown_name(path: str) -> str:
    return "each event" if path == "_e" else path


def _constant(n: Node) -> Decimal | None:
    if n.op == "num" and isinstance(n.value, Decimal):
        return n.value
    if n.op == "neg" and n.args[0].op == "num" and isinstance(n.args[0].value, Decimal):
        return -n.args[0].value
    return None


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

_ORDERED: Final = frozenset({Kind.MONEY, Kind.DURATION, Kind.INSTANT, Kind.DATE})

_CMP: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _numeric_result(op: str, a: ExprType, b: ExprType) -> ExprType:
    if op == "/":
        return PERCENT if a.kind is Kind.PERCENT and b.kind is not Kind.PERCENT else NUMBER
    if op in "+-":
        return _unify_numeric(a, b)
    if a.kind is Kind.INTEGER and b.kind is Kind.INTEGER:
        return INTEGER
    if Kind.PERCENT in (a.kind, b.kind) and a.kind is not b.kind:
        # a share times a count is still a share: 4 started degrees × 1 % = 4 %
        return PERCENT
    return NUMBER


def _arith_message(op: str, a: ExprType, b: ExprType) -> str:
    verb = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}[op]
    joined = {"+": "to", "-": "from", "*": "by", "/": "by"}[op]
    if op == "-":
        msg = f"cannot subtract {_article(b)} from {_article(a)}"
    elif op == "+":
        msg = f"cannot add {_article(b)} to {_article(a)}"
    else:
        msg = f"cannot {verb} {_article(a)} {joined} {_article(b)}"
    if Kind.MONEY in (a.kind, b.kind) and (a.numeric or b.numeric) and op in "+-":
        msg += " (write money(x, 'CUR') to make a number an amount)"
    if {a.kind, b.kind} == {Kind.INSTANT} and op == "+":
        msg += " (instants are subtracted, giving a duration)"
    if Kind.WORKING_DAYS in (a.kind, b.kind) and op in "+-":
        msg += " (working days are added to or taken from an instant or a date)"
    return msg


# (op, left kind, right kind) -> (result type or None for the left's, implementation,
# needs a calendar)
_Impl = Callable[..., Any]
_ARITH: Final[dict[tuple[str, Kind, Kind], tuple[ExprType | None, _Impl, bool]]] = {}


def _rule(op: str, lk: Kind, rk: Kind, t: ExprType | None, f: _Impl, cal: bool = False) -> None:
    _ARITH[(op, lk, rk)] = (t, f, cal)


for _a in NUMERIC:
    for _b in NUMERIC:
        _rule("+", _a, _b, None, CTX.add)
        _rule("-", _a, _b, None, CTX.subtract)
        _rule("*", _a, _b, None, CTX.multiply)
        _rule("/", _a, _b, None, CTX.divide)
    _rule("*", Kind.MONEY, _a, None, lambda m, n: Money(CTX.multiply(m.amount, n), m.currency))
    _rule("*", _a, Kind.MONEY, None, lambda n, m: Money(CTX.multiply(n, m.amount), m.currency))
    _rule("/", Kind.MONEY, _a, None, lambda m, n: Money(CTX.divide(m.amount, n), m.currency))
# a duration is multiplied by whole numbers only: 1.5 × 1 µs has no exact value
_rule("*", Kind.DURATION, Kind.INTEGER, DURATION, _dur_mul)
_rule("*", Kind.INTEGER, Kind.DURATION, DURATION, lambda n, d: _dur_mul(d, n))

_rule("+", Kind.MONEY, Kind.MONEY, None, _madd)
_rule("-", Kind.MONEY, Kind.MONEY, None, _msub)
_rule("/", Kind.MONEY, Kind.MONEY, NUMBER, lambda a, b: CTX.divide(*_mcmp(a, b)))
_rule("+", Kind.DURATION, Kind.DURATION, DURATION, lambda a, b: a + b)
_rule("-", Kind.DURATION, Kind.DURATION, DURATION, lambda a, b: a - b)
_rule(
    "/",
    Kind.DURATION,
    Kind.DURATION,
    NUMBER,
    lambda a, b: CTX.divide(Decimal(a // US), Decimal(b // US)),
)
_rule("-", Kind.INSTANT, Kind.INSTANT, DURATION, lambda a, b: a - b)
_rule("+", Kind.INSTANT, Kind.DURATION, INSTANT, lambda a, b: a + b)
_rule("+", Kind.DURATION, Kind.INSTANT, INSTANT, lambda a, b: b + a)
_rule("-", Kind.INSTANT, Kind.DURATION, INSTANT, lambda a, b: a - b)
_rule("-", Kind.DATE, Kind.DATE, DURATION, lambda a, b: a - b)


def _whole_days(d: timedelta) -> timedelta:
    if d % timedelta(days=1):
        raise ExpressionError(f"a date moves by whole days only, not {show(d)}")
    return d


_rule("+", Kind.DATE, Kind.DURATION, DATE, lambda a, b: a + _whole_days(b))
_rule("-", Kind.DATE, Kind.DURATION, DATE, lambda a, b: a - _whole_days(b))
for _k in (Kind.INSTANT, Kind.DATE):
    _rule(
        "+",
        _k,
        Kind.WORKING_DAYS,
        INSTANT,
        lambda t, w, cal: _add_working_days(t, w.days, cal),
        True,
    )
    _rule(
        "-",
        _k,
        Kind.WORKING_DAYS,
        INSTANT,
        lambda t, w, cal: _add_working_days(t, -w.days, cal),
        True,
    )
_rule(
    "+",
    Kind.INSTANT,
    Kind.WORKING_HOURS,
    INSTANT,
    lambda t, w, cal: need_calendar(cal, "adding working hours").add_working_hours(t, w.time),
    True,
)
