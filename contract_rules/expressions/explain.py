"""Showing values and explaining an evaluation: the expression with the values it read in place,
each function's result, and the final value ("0.5 % × 120,000.00 CNY × 4 = 2,400.00 CNY")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, Final

from .syntax import Node
from .types import (
    CTX,
    US,
    US_PER_DAY,
    ExprType,
    Kind,
    Money,
    WorkingDays,
    WorkingHoursSpan,
)

__all__ = ["Explanation", "explain", "show"]


def _plain(d: Decimal, max_fraction: int = 10) -> str:
    text = format(d.normalize(CTX) if d else Decimal(0), "f")
    if "." in text:
        whole, frac = text.split(".")
        if len(frac) > max_fraction:
            return f"{whole}.{frac[:max_fraction]}…"
    return text


def _grouped(d: Decimal) -> str:
    if d == d.quantize(Decimal("0.01"), rounding=ROUND_DOWN, context=CTX):
        return f"{d:,.2f}"
    return f"{d:,f}"


def show(value: Any, type_: ExprType | None = None) -> str:
    """A value as an explanation shows it: ``120,000.00 CNY``, ``0.5 %``, ``3 d 10 h``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return f"{_grouped(value.amount)} {value.currency}"
    if isinstance(value, Decimal | int):
        d = Decimal(value)
        if type_ is not None and type_.kind is Kind.PERCENT:
            return f"{_plain(CTX.multiply(d, 100))} %"
        return _plain(d)
    if isinstance(value, timedelta):
        return _show_duration(value)
    if isinstance(value, WorkingDays):
        return f"{value.days} working day{'s' if abs(value.days) != 1 else ''}"
    if isinstance(value, WorkingHoursSpan):
        return f"{_show_duration(value.time)} of working time"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return f"{len(value)} event{'s' if len(value) != 1 else ''}"
    return str(value)


def _show_duration(d: timedelta) -> str:
    if d < timedelta(0):
        return "-" + _show_duration(-d)
    if d == timedelta(0):
        return "0 s"
    parts = []
    us = d // US
    for unit, size in (("d", US_PER_DAY), ("h", 3_600_000_000), ("min", 60_000_000)):
        n, us = divmod(us, size)
        if n:
            parts.append(f"{n} {unit}")
    if us:
        parts.append(f"{_plain(Decimal(us).scaleb(-6, CTX))} s")
    return " ".join(parts)


@dataclass(frozen=True)
class Explanation:
    """An evaluation shown with its arithmetic.

    ``text`` is the expression with every value it read in place (functions shown by their
    result) and ``= result``; ``reads`` the names read and their values; ``steps`` each
    function, aggregate or tier table as written, with the values it read, and its result.
    """

    expression: str
    result: Any
    text: str
    reads: tuple[tuple[str, str], ...]
    steps: tuple[str, ...]

    def lines(self) -> list[str]:
        """The explanation as lines: the values read, the steps, then the whole computation."""
        out = [f"{name} = {value}" for name, value in self.reads]
        out += list(self.steps)
        out.append(self.text)
        return out


_SYMBOL: Final = {"*": "×", "/": "÷", "-": "−", "+": "+"}
_PREC: Final = {
    "if": 1,
    "or": 2,
    "and": 3,
    "not": 4,
    "==": 5,
    "!=": 5,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "in": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "neg": 8,
    "unit": 9,
}
_COLLAPSED: Final = frozenset({"call", "agg", "tier"})


def explain(
    text: str, root: Node, trace: dict[int, Any], types: dict[int, ExprType], result: Any
) -> Explanation:
    reads: dict[str, str] = {}
    steps: list[str] = []

    def shown(n: Node) -> str:
        return show(trace[id(n)], types.get(id(n)))

    def src(n: Node) -> str:
        return text[n.start : n.end]

    def render(n: Node, top: bool = False) -> str:
        if id(n) not in trace:
            return src(n)  # a branch not taken
        if n.op == "name":
            if not str(n.value).startswith("_e."):
                reads.setdefault(str(n.value), shown(n))
            return shown(n)
        if n.op in ("num", "str", "bool"):
            return shown(n)
        if n.op in _COLLAPSED and not top:
            inner = render(n, top=True)
            mid = f" = {inner}" if inner != src(n) else ""
            steps.append(f"{src(n)}{mid} = {shown(n)}")
            return shown(n)
        if n.op == "call":
            return f"{n.value}({', '.join(render(a) for a in n.args)})"
        if n.op == "tier":
            return tier_row(n)
        if n.op == "agg":
            return src(n)
        p = _PREC.get(n.op, 10)
        if n.op == "neg":
            return f"−{wrap(n.args[0], p)}"
        if n.op == "not":
            return f"not {wrap(n.args[0], p)}"
        if n.op == "unit":
            return f"{wrap(n.args[0], p)} {str(n.value).replace('_', ' ')}"
        if n.op == "if":
            c, a, b = n.args
            return f"if {render(c)} then {render(a)} else {render(b)}"
        if n.op == "in":
            items = ", ".join(render(a) for a in n.args[1:])
            return f"{wrap(n.args[0], p)} {'not in' if n.value else 'in'} [{items}]"
        left, right = n.args
        sym = _SYMBOL.get(n.op, n.op)
        return f"{wrap(left, p)} {sym} {wrap(right, p + (1 if n.op in '-/' else 0))}"

    def tier_row(n: Node) -> str:
        x = render(n.args[0])
        for i, kind in enumerate(n.rows):
            th, res = n.args[1 + 2 * i], n.args[2 + 2 * i]
            if id(res) in trace:
                return f"tier({x}: at {kind} {render(th)} → {render(res)})"
        return f"tier({x}: otherwise → {render(n.args[-1])})"

    def wrap(n: Node, p: int) -> str:
        out = render(n)
        if _PREC.get(n.op, 10) < p and id(n) in trace and n.op not in _COLLAPSED:
            return f"({out})"
        return out

    body = render(root, top=True)
    # names read inside a collapsed step (an aggregate's bounds, a tier's threshold) are values
    # read too; the names an aggregate binds to each event are not
    stack: list[tuple[Node, frozenset[str]]] = [(root, frozenset({"_e"}))]
    while stack:
        n, bound = stack.pop()
        if n.op == "name" and id(n) in trace and str(n.value).split(".")[0] not in bound:
            reads.setdefault(str(n.value), shown(n))
        inner = bound | {n.var} if n.op == "agg" else bound
        stack.extend((a, inner) for a in reversed(n.args))
        if n.coll is not None:
            stack.append((n.coll, bound))
    final = show(result, types.get(id(root)))
    line = final if body == final else f"{body} = {final}"
    return Explanation(text, result, line, tuple(reads.items()), tuple(steps))
