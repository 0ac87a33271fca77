"""The types and values of the expression language, and the calendar it asks about working time.

Every value an expression reads or computes is one of a few Python types, and a float is none
of them: numbers are :class:`~decimal.Decimal` or ``int``, money is :class:`Money` (a Decimal
amount and a currency), durations are :class:`~datetime.timedelta`, instants are aware
:class:`~datetime.datetime`, dates :class:`~datetime.date`, text ``str``, conditions ``bool``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    Underflow,
)
from enum import StrEnum
from typing import Final, Protocol

from ..errors import ContractRulesError

__all__ = [
    "BOOLEAN",
    "CTX",
    "DATE",
    "DURATION",
    "INSTANT",
    "INTEGER",
    "NUMBER",
    "PERCENT",
    "TEXT",
    "WORKING_DAYS",
    "WORKING_HOURS",
    "ExprType",
    "ExpressionError",
    "Kind",
    "Money",
    "WorkCalendar",
    "WorkingDays",
    "WorkingHoursSpan",
    "events_of",
    "money_of",
    "record_of",
]


class ExpressionError(ContractRulesError):
    """An expression could not be evaluated on this data (division by zero, a missing field, a
    value of the wrong type in the data, a result too large, ...). ``expression`` is its text."""

    def __init__(self, message: str, expression: str = "") -> None:
        self.reason = message
        self.expression = expression
        super().__init__(f"{message} (in {expression!r})" if expression else message)


class Kind(StrEnum):
    """The kinds of value. Integers and percentages are numbers that keep their own display."""

    BOOLEAN = "boolean"
    INTEGER = "integer"
    NUMBER = "number"
    PERCENT = "percent"
    MONEY = "money"
    DURATION = "duration"
    WORKING_DAYS = "working days"
    WORKING_HOURS = "working hours"
    INSTANT = "instant"
    DATE = "date"
    TEXT = "text"
    RECORD = "record"
    EVENTS = "events"


NUMERIC = frozenset({Kind.INTEGER, Kind.NUMBER, Kind.PERCENT})


@dataclass(frozen=True)
class ExprType:
    """A type: its kind, the currency of money when known, the fields of a record or event list."""

    kind: Kind
    currency: str | None = None
    fields: tuple[tuple[str, ExprType], ...] = field(default=(), compare=True)

    @property
    def numeric(self) -> bool:
        """True for integer, number and percent."""
        return self.kind in NUMERIC

    def field_type(self, name: str) -> ExprType | None:
        """The type of field ``name`` of a record or of each event of a list (None if unknown)."""
        for n, t in self.fields:
            if n == name:
                return t
        return None

    def __str__(self) -> str:
        if self.kind is Kind.MONEY and self.currency:
            return f"money ({self.currency})"
        return self.kind.value


BOOLEAN = ExprType(Kind.BOOLEAN)
INTEGER = ExprType(Kind.INTEGER)
NUMBER = ExprType(Kind.NUMBER)
PERCENT = ExprType(Kind.PERCENT)
DURATION = ExprType(Kind.DURATION)
WORKING_DAYS = ExprType(Kind.WORKING_DAYS)
WORKING_HOURS = ExprType(Kind.WORKING_HOURS)
INSTANT = ExprType(Kind.INSTANT)
DATE = ExprType(Kind.DATE)
TEXT = ExprType(Kind.TEXT)


def money_of(currency: str | None = None) -> ExprType:
    """The type of money in ``currency`` (None: the currency is known only from the data)."""
    return ExprType(Kind.MONEY, currency)


def record_of(fields: dict[str, ExprType]) -> ExprType:
    """The type of one record (an event) with these fields."""
    return ExprType(Kind.RECORD, fields=tuple(sorted(fields.items())))


def events_of(fields: dict[str, ExprType]) -> ExprType:
    """The type of a list of events (a norm's collected events) whose fields are these."""
    return ExprType(Kind.EVENTS, fields=tuple(sorted(fields.items())))


@dataclass(frozen=True)
class Money:
    """An exact amount of money: a Decimal amount (never rounded unless a rule says so) and an
    ISO 4217 currency code."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount) is not Decimal:
            raise ExpressionError(
                f"a money amount must be a Decimal, not {type(self.amount).__name__}"
            )

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True)
class WorkingDays:
    """A count of working days, added to or taken from an instant through a calendar."""

    days: int


@dataclass(frozen=True)
class WorkingHoursSpan:
    """An amount of working time, added to an instant through a calendar's working hours."""

    time: timedelta


class WorkCalendar(Protocol):
    """What an expression asks of a business calendar; ``BusinessCalendar`` provides it.

    ``add_working_days`` is only asked for ``n >= 1``; a negative offset is counted back with
    ``is_working_day``, so a calendar need not support it.
    """

    @property
    def tz(self) -> tzinfo:
        """The zone in which dates are local and days begin and end."""
        ...

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` is a working day."""
        ...

    def working_days_between(self, a: date, b: date) -> int:
        """The working days in ``(a, b]``, 0 when ``b <= a``."""
        ...

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``."""
        ...

    def add_working_days(self, t: datetime, n: int) -> datetime:
        """The end of the ``n``-th working day after ``t``'s local date (``n >= 1``)."""
        ...

    def add_working_hours(self, t: datetime, d: timedelta) -> datetime:
        """The instant after ``d`` of working time from ``t``."""
        ...


#: The context of every arithmetic operation: exact for amounts of contracts, bounded for
#: hostile ones (a magnitude of 10**25 or more, or below 10**-30, is an error).
CTX: Final = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    Emax=24,
    Emin=-30,
    traps=[InvalidOperation, DivisionByZero, Overflow, Underflow],
)

US: Final = timedelta(microseconds=1)
US_PER_DAY: Final = 86_400_000_000


def need_calendar(cal: WorkCalendar | None, what: str) -> WorkCalendar:
    if cal is None:
        raise ExpressionError(f"{what} counts working time, and no calendar was given")
    return cal
