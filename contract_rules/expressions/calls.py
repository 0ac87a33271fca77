"""The compiler's function calls: ``round``, ``ceil``, ``abs``, unit conversions, money,
working days and hours, days' bounds, ``min``/``max``, the aggregates over events and the tier
table. A mixin of :class:`contract_rules.expressions.compiler._Compiler`, which provides the
node walk (``compile``) and the checks the calls share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
)
from typing import TYPE_CHECKING, Any

from .ops import (
    _ORDERED,
    FUNCTIONS,
    _article,
    _constant,
    _Problem,
    _same,
    _suggest,
)
from .syntax import Limits, Node
from .types import (
    CTX,
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    US,
    ExpressionError,
    ExprType,
    Kind,
    Money,
    money_of,
    need_calendar,
)
from .values import (
    _UNIT_US,
    ROUNDING_MODES,
    Fn,
    _madd,
    _mcmp,
    _mmap,
    _start_of_day,
    _State,
)

if TYPE_CHECKING:
    from .compiler import Vocabulary


class _Calls:
    """The function calls of the compiler (see the module's text); the attributes and methods
    declared here are :class:`_Compiler`'s."""

    text: str
    limits: Limits
    traced: bool
    read: set[str]
    needs_calendar: bool
    types: dict[int, ExprType]
    vocab: Vocabulary

    def compile(self, node: Node, scope: dict[str, ExprType]) -> tuple[ExprType, Fn]:
        """The type of ``node`` and its closure (:meth:`_Compiler.compile`)."""
        raise NotImplementedError  # pragma: no cover - _Compiler's

    def _common(self, a: ExprType, b: ExprType, n: Node, what: str) -> ExprType:
        """The type ``a`` and ``b`` share (:meth:`_Compiler._common`)."""
        raise NotImplementedError  # pragma: no cover - _Compiler's

    def _currency(self, a: ExprType, b: ExprType, n: Node) -> ExprType:
        """The money type ``a`` and ``b`` share (:meth:`_Compiler._currency`)."""
        raise NotImplementedError  # pragma: no cover - _Compiler's

    def _boolean(self, t: ExprType, n: Node, where: str) -> None:
        """Refuse a ``t`` that is not a condition (:meth:`_Compiler._boolean`)."""
        raise NotImplementedError  # pragma: no cover - _Compiler's

    def _read(self, name: str, t: ExprType) -> Fn:
        """The closure reading ``name`` (:meth:`_Compiler._read`)."""
        raise NotImplementedError  # pragma: no cover - _Compiler's

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
