"""The type rules of the expression compiler: the functions the language knows, the problem a
compile step raises, which types fit where and combine how, and the table of arithmetic (the
result type and implementation of each operator on each pair of kinds). A part of the compiler
(:mod:`contract_rules.expressions.compiler`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import (
    Decimal,
)
from typing import Any, Final

from ..suggestions import did_you_mean
from .explain import show
from .syntax import Node
from .types import (
    CTX,
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    NUMERIC,
    PERCENT,
    US,
    ExpressionError,
    ExprType,
    Kind,
    Money,
    need_calendar,
)
from .values import (
    _add_working_days,
    _dur_mul,
    _madd,
    _mcmp,
    _msub,
)

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


def _shown_name(path: str) -> str:
    return "each event" if path == "_e" else path


def _constant(n: Node) -> Decimal | None:
    if n.op == "num" and isinstance(n.value, Decimal):
        return n.value
    if n.op == "neg" and n.args[0].op == "num" and isinstance(n.args[0].value, Decimal):
        return -n.args[0].value
    return None


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
