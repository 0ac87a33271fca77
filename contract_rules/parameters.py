"""Contract parameters: typed, named values that expressions read by name.

A rule file's ``parameters`` section maps a name to a value of one of these kinds (the shapes are
documented in ``docs/expressions.md``)::

    parameters:
      annual_fee: {money: "53600.00", currency: CNY}
      penalty_rate: 0.5%                 # percent: the decimal 0.005
      cap_rate: {percent: "10"}          # percent, the long form
      delivery_lead: {days: 30}          # duration: weeks, days, hours, minutes, seconds
      notice: {working_days: 3}          # counted on the contract's calendar
      fix_time: {working_hours: 8}
      deliveries: 12                     # integer (or {integer: 12})
      availability_target: {decimal: "99.9"}
      start: {date: "2025-01-01"}
      cutover: {instant: "2025-01-01T00:00:00+08:00"}
      report_title: {text: "Monthly service report"}

:func:`read_parameters` never raises for bad content: every problem is a located finding with
the codes the rest of the rule file uses (CR101 unknown key with "did you mean", CR102 missing
key, CR103 wrong type, CR104 invalid value, CR105 money written as a float). A value is exact:
a float never becomes a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol

from .codes import code
from .expressions.compiler import FUNCTIONS, ROUNDING_MODES
from .expressions.syntax import KEYWORDS, UNITS
from .expressions.types import (
    CTX,
    DATE,
    DURATION,
    INSTANT,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    WORKING_DAYS,
    WORKING_HOURS,
    ExprType,
    Money,
    WorkingDays,
    WorkingHoursSpan,
    money_of,
)
from .findings import DocPath, Finding, Location
from .suggestions import did_you_mean

__all__ = ["Locator", "Parameter", "Parameters", "read_parameters"]


class Locator(Protocol):
    """Gives the location of a path in the rule file (``LoadedDocument`` is one)."""

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Location:
        """The location of ``path`` (of its key with ``key=True``)."""
        ...


@dataclass(frozen=True)
class Parameter:
    """One parameter: its name, type, exact value and where the rule file gives it."""

    name: str
    type: ExprType
    value: Any
    location: Location


@dataclass(frozen=True)
class Parameters(Mapping[str, Parameter]):
    """The parameters of a contract, by name, in the order the rule file lists them."""

    items_by_name: Mapping[str, Parameter]

    def __getitem__(self, name: str) -> Parameter:
        return self.items_by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.items_by_name)

    def __len__(self) -> int:
        return len(self.items_by_name)

    def types(self) -> dict[str, ExprType]:
        """Name → type, for an expression vocabulary."""
        return {n: p.type for n, p in self.items_by_name.items()}

    def values(self) -> dict[str, Any]:  # type: ignore[override]
        """Name → value, for the data an expression is evaluated on."""
        return {n: p.value for n, p in self.items_by_name.items()}


class _At:
    """A locator for data that has no document: every path at line 1, column 1."""

    def __init__(self, file: str) -> None:
        self.file = file

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Location:
        return Location(self.file, 1, 1, tuple(path))


_NAME: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
_PERCENT: Final = re.compile(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*%\s*\Z")
_DECIMAL: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")
_MONEY: Final = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?\Z")
_CURRENCY: Final = re.compile(r"[A-Z]{3}\Z")
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

_DURATION_KEYS: Final = ("weeks", "days", "hours", "minutes", "seconds")
_KINDS: Final = (
    "money",
    "percent",
    "decimal",
    "integer",
    *_DURATION_KEYS,
    "working_days",
    "working_hours",
    "date",
    "instant",
    "text",
)
_KEYS: Final = (*_KINDS, "currency")
_US_PER: Final = {
    "weeks": 604_800_000_000,
    "days": 86_400_000_000,
    "hours": 3_600_000_000,
    "minutes": 60_000_000,
    "seconds": 1_000_000,
}

#: Bounds on parameter values (the same spirit as the expression limits: contract-sized).
MAX_INTEGER_DIGITS: Final = 15
MAX_FRACTION_DIGITS: Final = 10
MAX_PERCENT: Final = Decimal(1000)
MAX_DAYS: Final = 100_000
MAX_TEXT: Final = 1_000

_EXAMPLES: Final = (
    '{money: "53600.00", currency: CNY}, 0.5%, {days: 30}, 12, "0.25", {date: "2025-01-01"}, '
    '{instant: "2025-01-01T00:00:00+08:00"}, {text: "..."}'
)


class _Bad(Exception):
    def __init__(self, key: str, message: str, path: DocPath, *, on_key: bool = False) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.path = path
        self.on_key = on_key


def read_parameters(
    data: Any,
    where: Locator | None = None,
    *,
    path: DocPath = ("parameters",),
    reserved: Collection[str] = (),
    source: str = "<string>",
) -> tuple[Parameters, list[Finding]]:
    """Read a ``parameters`` mapping into typed, exact values. Never raises for any content.

    ``data`` is the section as the rule-file loader gives it (``None`` for an absent section);
    ``where`` locates paths in the file (a ``LoadedDocument``); ``path`` is the section's path;
    ``reserved`` names that a parameter may not take (the vocabulary's own names: ``trigger``,
    ``due``, ...). Returns every parameter that is valid and a finding for each that is not.
    """
    loc = where if where is not None else _At(source)
    findings: list[Finding] = []
    out: dict[str, Parameter] = {}
    if data is None:
        return Parameters(out), findings
    if not isinstance(data, dict):
        findings.append(
            code("CR103").at(
                loc.locate(path),
                f"parameters is a mapping of names to values, not {_kind_of(data)}",
            )
        )
        return Parameters(out), findings
    for name, raw in data.items():
        here = (*path, name)
        try:
            _check_name(name, here, reserved)
            type_, value = _value(raw, here)
        except _Bad as bad:
            findings.append(code(bad.key).at(loc.locate(bad.path, key=bad.on_key), bad.message))
            continue
        out[name] = Parameter(name, type_, value, loc.locate(here))
    return Parameters(out), findings


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _check_name(name: Any, here: DocPath, reserved: Collection[str]) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise _Bad(
            "CR104",
            f"parameter name {name!r}: lower-case letters, digits and '_', starting with a letter",
            here,
            on_key=True,
        )
    if name in KEYWORDS or name in UNITS or name in FUNCTIONS or name in ROUNDING_MODES:
        raise _Bad(
            "CR104",
            f"parameter name {name!r} is a word of the expression language; pick another",
            here,
            on_key=True,
        )
    if name in reserved or name == "working":
        raise _Bad(
            "CR104", f"parameter name {name!r} is already a name of the contract", here, on_key=True
        )


def _value(raw: Any, here: DocPath) -> tuple[ExprType, Any]:
    """The type and exact value of one parameter (raises :class:`_Bad`)."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, list):
        raise _Bad("CR103", f"{_kind_of(raw)} is not a parameter value; write {_EXAMPLES}", here)
    if isinstance(raw, float):
        raise _Bad("CR103", 'a float is not exact: quote the number ("0.25")', here)
    if isinstance(raw, int):
        return INTEGER, _integer(raw, here)
    if isinstance(raw, Decimal):
        return NUMBER, _decimal(raw, here)
    if isinstance(raw, str):
        if _PERCENT.match(raw):
            return PERCENT, _percent(raw, here)
        if _DECIMAL.match(raw.strip()):
            return NUMBER, _decimal(raw, here)
        raise _Bad(
            "CR103",
            f"{raw[:40]!r} is neither a number nor a percentage; text is written "
            f'{{text: "..."}}; other kinds: {_EXAMPLES}',
            here,
        )
    assert isinstance(raw, dict)
    return _long_form(raw, here)


def _long_form(raw: dict[str, Any], here: DocPath) -> tuple[ExprType, Any]:
    for key in raw:
        if key not in _KEYS:
            hint = did_you_mean(str(key), _KEYS) or f"; known: {', '.join(_KEYS)}"
            raise _Bad(
                "CR101", f"unknown key {key!r} in a parameter{hint}", (*here, key), on_key=True
            )
    kinds = [k for k in raw if k in _KINDS]
    durations = [k for k in kinds if k in _DURATION_KEYS]
    if not kinds:
        raise _Bad("CR102", f"a parameter names its kind: one of {', '.join(_KINDS)}", here)
    if len(kinds) > 1 and len(durations) != len(kinds):
        raise _Bad(
            "CR104",
            f"a parameter has one kind, and this one has {', '.join(kinds)}",
            (*here, kinds[1]),
            on_key=True,
        )
    kind = kinds[0]
    if "currency" in raw and kind != "money":
        raise _Bad("CR101", "only money has a currency", (*here, "currency"), on_key=True)
    if durations:
        return DURATION, _duration(raw, durations, here)
    if kind == "money":
        return _money(raw, here)
    return _READERS[kind](raw[kind], (*here, kind))


# One reader per kind of parameter written in the long form (money and durations aside): the
# value under the kind's key and its place; each returns the type and the value, or raises _Bad.


def _read_percent(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    if isinstance(value, str) and _DECIMAL.match(value.strip()):
        return PERCENT, _percent(value + "%", at)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return PERCENT, _percent(f"{value}%", at)
    raise _Bad("CR103", f'percent is a number of percent ("0.5"), not {_kind_of(value)}', at)


def _read_decimal(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    if isinstance(value, Decimal | str) or (isinstance(value, int) and type(value) is int):
        return NUMBER, _decimal(value, at)
    raise _Bad("CR103", f'decimal is a number ("99.9"), not {_kind_of(value)}', at)


def _read_integer(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    if type(value) is not int:
        raise _Bad("CR103", f"integer is a whole number, not {_kind_of(value)}", at)
    return INTEGER, _integer(value, at)


def _read_working_days(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    if type(value) is not int or not 0 <= value <= MAX_DAYS:
        raise _Bad("CR104", f"working_days is a whole number from 0 to {MAX_DAYS:,}", at)
    return WORKING_DAYS, WorkingDays(value)


def _read_working_hours(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    return WORKING_HOURS, WorkingHoursSpan(_duration({"hours": value}, ["hours"], at[:-1], at))


def _read_date(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    return DATE, _date(value, at)


def _read_instant(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    return INSTANT, _instant(value, at)


def _read_text(value: Any, at: DocPath) -> tuple[ExprType, Any]:
    if not isinstance(value, str):
        raise _Bad("CR103", f"text is a string, not {_kind_of(value)}", at)
    if len(value) > MAX_TEXT:
        raise _Bad("CR104", f"text of {len(value):,} characters; at most {MAX_TEXT:,}", at)
    return TEXT, value


_READERS: Final[dict[str, Callable[[Any, DocPath], tuple[ExprType, Any]]]] = {
    "percent": _read_percent,
    "decimal": _read_decimal,
    "integer": _read_integer,
    "working_days": _read_working_days,
    "working_hours": _read_working_hours,
    "date": _read_date,
    "instant": _read_instant,
    "text": _read_text,
}


def _bounded(d: Decimal, text: str, at: DocPath) -> Decimal:
    if not d.is_finite():
        raise _Bad("CR104", f"{text} is not a finite number", at)
    _sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    fraction = max(0, -exp)
    whole = max(0, len(digits) + exp)
    if whole > MAX_INTEGER_DIGITS or fraction > MAX_FRACTION_DIGITS:
        raise _Bad(
            "CR104",
            f"{text[:40]} is too large or too precise (at most {MAX_INTEGER_DIGITS} digits before "
            f"the point and {MAX_FRACTION_DIGITS} after)",
            at,
        )
    return d


def _integer(value: int, at: DocPath) -> Decimal:
    if abs(value) >= 10**MAX_INTEGER_DIGITS:
        raise _Bad("CR104", f"{value} is too large (at most {MAX_INTEGER_DIGITS} digits)", at)
    return Decimal(value)


def _decimal(value: Decimal | str | int, at: DocPath) -> Decimal:
    text = str(value).strip()
    try:
        d = value if isinstance(value, Decimal) else Decimal(text)
    except InvalidOperation:
        raise _Bad("CR104", f"{text[:40]!r} is not a number", at) from None
    return _bounded(d, text, at)


def _percent(text: str, at: DocPath) -> Decimal:
    m = _PERCENT.match(text)
    if m is None:
        raise _Bad("CR104", f"{text[:40]!r} is not a percentage such as 0.5%", at)
    number = _bounded(Decimal(m.group(1)), m.group(1), at)
    if not 0 <= number <= MAX_PERCENT:
        raise _Bad("CR104", f"{text.strip()}: a percentage is from 0% to {MAX_PERCENT}%", at)
    # 0.5% is the decimal 0.005: scaleb moves the point exactly, no division is rounded
    return number.scaleb(-2, CTX)


def _money(raw: dict[str, Any], here: DocPath) -> tuple[ExprType, Money]:
    amount = raw["money"]
    at = (*here, "money")
    if isinstance(amount, float | Decimal):
        raise _Bad(
            "CR105",
            f'money written as a number ({amount}) can lose cents; quote it: "{amount}"',
            at,
        )
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise _Bad(
            "CR103", f'an amount is a quoted decimal ("53600.00"), not {_kind_of(amount)}', at
        )
    text = str(amount).strip()
    if not _MONEY.match(text):
        raise _Bad(
            "CR104",
            f'{text[:40]!r} is not an amount: digits, and at most 2 after the point ("53600.00")',
            at,
        )
    value = _bounded(Decimal(text), text, at)
    if "currency" not in raw:
        raise _Bad("CR102", 'money needs a currency: {money: "53600.00", currency: CNY}', here)
    cur = raw["currency"]
    if not isinstance(cur, str) or not _CURRENCY.match(cur):
        raise _Bad(
            "CR104",
            f"currency {cur!r}: an ISO 4217 code of three capital letters (CNY, EUR)",
            (*here, "currency"),
        )
    return money_of(cur), Money(value, cur)


def _duration(
    raw: Mapping[str, Any], keys: list[str], here: DocPath, at: DocPath | None = None
) -> timedelta:
    total = 0
    for key in keys:
        value = raw[key]
        where = at or (*here, key)
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise _Bad("CR103", f"{key} is a number, not {_kind_of(value)}", where)
        d = _decimal(value, where)
        if d < 0:
            raise _Bad("CR104", f"{key} cannot be negative ({value})", where)
        us = CTX.multiply(d, _US_PER[key])  # exact whatever the caller's decimal context
        if us != us.to_integral_value():
            raise _Bad("CR104", f"{value} {key} is not a whole number of microseconds", where)
        total += int(us)
    if total > MAX_DAYS * _US_PER["days"]:
        raise _Bad("CR104", f"a duration of more than {MAX_DAYS:,} days", here)
    return timedelta(microseconds=total)


def _date(value: Any, at: DocPath) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _Bad("CR104", f'a date is written "2025-01-01", not {_kind_of(value)}', at)
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise _Bad("CR104", f"{value!r} is not a date ({e})", at) from None


def _instant(value: Any, at: DocPath) -> datetime:
    if not isinstance(value, str):
        raise _Bad(
            "CR104", f'an instant is written "2025-01-01T00:00:00+08:00", not {_kind_of(value)}', at
        )
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(
            "CR104", f"{value[:40]!r} is not an instant such as 2025-01-01T00:00:00+08:00", at
        ) from None
    if t.utcoffset() is None:
        raise _Bad(
            "CR104",
            f"{value!r} has no UTC offset: it could be any of 24 instants (add +08:00, Z, ...)",
            at,
        )
    return t
