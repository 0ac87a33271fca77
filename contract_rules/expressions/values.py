"""The values of compiled expressions at run time: reading data by type (never a float, never
an attribute of a Python object), money and duration arithmetic, working days counted back and
forth, the rounding modes, and the state an evaluation carries. A part of the compiler
(:mod:`contract_rules.expressions.compiler`), kept apart to keep each module readable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
)
from typing import Any, Final

from .types import (
    CTX,
    US_PER_DAY,
    ExpressionError,
    ExprType,
    Kind,
    Money,
    WorkCalendar,
    WorkingDays,
    WorkingHoursSpan,
    need_calendar,
)

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

Fn = Callable[["_State"], Any]


class _State:
    __slots__ = ("cal", "env", "local", "trace")

    def __init__(
        self, env: Mapping[str, Any], cal: WorkCalendar | None, trace: dict[int, Any] | None
    ) -> None:
        self.env = env
        self.cal = cal
        self.trace = trace
        self.local: dict[str, Any] = {}


def _what(value: object) -> str:
    return "a float" if isinstance(value, float) else f"a {type(value).__name__}"


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


def _typed_reader(cls: type | tuple[type, ...], wanted: str) -> Callable[[Any, str], Any]:
    """A reader that takes a value of ``cls`` (an instance of it, its subclasses included) as
    it is, and refuses anything else as not being ``wanted``."""

    def read(v: Any, name: str) -> Any:
        if not isinstance(v, cls):
            raise _bad(v, name, wanted)
        return v

    return read


# the kinds whose values are read as they are, once of the right type
for _kind, _cls, _wanted in (
    (Kind.MONEY, Money, "money"),
    (Kind.DURATION, timedelta, "a duration"),
    (Kind.WORKING_DAYS, WorkingDays, "a number of working days"),
    (Kind.WORKING_HOURS, WorkingHoursSpan, "an amount of working time"),
    (Kind.TEXT, str, "text"),
    (Kind.RECORD, Mapping, "a record of fields"),
    (Kind.EVENTS, (list, tuple), "a list of events"),
):
    _READERS[_kind] = _typed_reader(_cls, _wanted)


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
