"""The rule-file models of contract logic, beside :mod:`contract_rules.model`: the expression
type of the keys that take one, the field constraints of the event vocabulary, and the scenario
tests (which assert statuses, dues, computed amounts and what became of each event).

Kept apart so that the core model stays readable; :mod:`contract_rules.model` re-exports every
name here.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from re import _parser  # type: ignore[attr-defined]  # re's own parser (3.11+)
from typing import Annotated, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: An instance's state (``docs/engine.md``, "The lifecycle"): ``discharged`` ended without
#: performance (the contract was terminated, or a power released it), ``expired`` a right not
#: used in its window; ``suspended`` appears only in a state history (a stopped clock), never as
#: a reported status.
Status = Literal["pending", "fulfilled", "violated", "excused", "discharged", "expired"]
State = Literal["pending", "suspended", "fulfilled", "violated", "excused", "discharged", "expired"]
#: A change of an instance's state that creates instances of another norm (``trigger.on``).
Change = Literal["violated", "fulfilled", "excused"]
Disposition = Literal["used", "ignored", "rejected"]

#: An expression of the contract language (``docs/expressions.md``), kept as its text: the
#: checks type-check it against the vocabulary of its place, the compile step compiles it once.
Expr = Annotated[
    str,
    Field(
        description="an expression (docs/expressions.md): e.g. trigger.priority == 'P1', "
        "end_of_day(trigger.delivery_date), round(penalty_rate * trigger.order_value, 2)"
    ),
]
_Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=80)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=False
    )


class _Spec(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def ge(self) -> Decimal | None: ...
    @property
    def le(self) -> Decimal | None: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def values(self) -> list[str] | None: ...


_NUMERIC = ("int", "decimal", "money")
_S = TypeVar("_S", bound=_Spec)


def check_field_spec(spec: _S) -> _S:
    """``spec`` when its constraints fit its type (ValueError saying which does not): a money
    field names its currency, ``ge``/``le`` bound numbers, ``pattern`` and ``values`` text."""
    if spec.type == "money" and spec.currency is None:
        raise ValueError("a money field names its currency (currency: CNY)")
    if spec.type != "money" and spec.currency is not None:
        raise ValueError("currency applies to a money field")
    if (spec.ge is not None or spec.le is not None) and spec.type not in _NUMERIC:
        raise ValueError(f"ge and le bound numbers (int, decimal, money), not {spec.type}")
    if spec.ge is not None and spec.le is not None and spec.ge > spec.le:
        raise ValueError(f"ge {spec.ge} is above le {spec.le}: no value can pass")
    if spec.pattern is not None:
        if spec.type != "string":
            raise ValueError(f"pattern applies to a string field, not {spec.type}")
        problem = pattern_problem(spec.pattern)
        if problem is not None:
            raise ValueError(f"pattern {spec.pattern!r} {problem}")
    return spec


#: the longest field pattern a rule file may write
MAX_PATTERN = 500
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def pattern_problem(pattern: str) -> str | None:
    """Why a field's ``pattern`` is refused, or None. The form limit that keeps matching an
    event's value linear in practice with Python's backtracking ``re`` (``docs/decisions.md``,
    "Field patterns"): at most :data:`MAX_PATTERN` characters, no backreference, and no
    quantifier inside a repeated part (``(a+)+``, ``(a*b?)*``, ``(\\w+\\s?)+``), the shapes whose
    matching can take exponential time. A fixed count (``{4}``) is not a quantifier here."""
    if len(pattern) > MAX_PATTERN:
        return f"is longer than {MAX_PATTERN} characters"
    try:
        tree = _sre_parse(pattern)
    except re.error as exc:
        return f"is not a regular expression: {exc}"
    except RecursionError:
        return "is nested too deeply"
    return _form(tree, None)


def _sre_parse(pattern: str) -> Any:
    """The parse tree of ``pattern`` by the ``re`` module's own parser."""
    return _RE_PARSER.parse(pattern)


def _form(tree: Any, outer: str | None) -> str | None:
    """The first shape of ``tree`` that breaks the form limit; ``outer``: the repeated part it
    sits in, if any."""
    for op, av in tree:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            return "uses a backreference, which can take exponential time to match"
        if name in _REPEATS:
            lo, hi, sub = av
            repeats = hi != lo and (hi > 1 or hi == _MAXREPEAT)
            if repeats and outer is not None:
                return (
                    "repeats a part that itself has a quantifier (a nested quantifier such as "
                    "(a+)+), which can take exponential time to match; write it without nesting"
                )
            found = _form(sub, "repeat" if repeats else outer)
        elif name == "SUBPATTERN":
            found = _form(av[3], outer)
        elif name == "BRANCH":
            found = next((f for b in av[1] if (f := _form(b, outer)) is not None), None)
        elif name in ("ASSERT", "ASSERT_NOT"):
            found = _form(av[1], outer)
        elif name == "ATOMIC_GROUP":
            found = _form(av, outer)
        else:
            found = None
        if found is not None:
            return found
    return None


#: the ``re`` module's own parser and its "no upper bound" (Python 3.11+; ``sre_parse`` before)
_RE_PARSER: Any = _parser
_MAXREPEAT: Any = _parser.MAXREPEAT


# --------------------------------------------------------------------------- scenarios


class Expectation(_Model):
    """An expected instance: by rule and key (and the nth, when a key recurs)."""

    rule: _Id
    key: str | None = None
    nth: int = Field(1, ge=1)
    status: Status
    due: datetime | Literal["none"] | None = None
    fulfilled_at: datetime | Literal["none"] | None = None


class ExpectedItem(_Model):
    """An expected item of a remedy line: the amount computed for one breach (by its key)."""

    key: str | None = Field(None, description="the key of the breached instance")
    rule: _Id | None = Field(None, description="the breached norm, when the key is not enough")
    amount: Decimal = Field(description="the item's exact amount")
    compensable: bool | None = None


class ExpectedRemedy(_Model):
    """An expected remedy line, and optionally some of its items."""

    remedy: _Id
    period: int = Field(1, ge=1, description="1 for the first period (service year, month)")
    payable: Decimal
    compensable: Decimal | None = None
    items: list[ExpectedItem] = Field(default_factory=list)


class ExpectedEvent(_Model):
    """What became of one event of the scenario: used, ignored or rejected (with the reason)."""

    id: str
    disposition: Disposition
    reason: str | None = Field(None, description="text the reason must contain")


class ExpectedMeasure(_Model):
    """An expected value of a measure in one period (``docs/rule-format.md``, "Measures")."""

    measure: _Id
    period: int = Field(1, ge=1, description="1 for the first period (month) of the term")
    value: Decimal | None = Field(
        None, description="the measure as a percentage, to the digits written (99.797)"
    )
    down_hours: Decimal | None = Field(None, description="hours counted down, exactly")
    excluded_hours: Decimal | None = Field(None, description="hours excluded, exactly")
    scheduled_hours: Decimal | None = Field(
        None, description="hours scheduled before exclusions, exactly"
    )


class Scenario(_Model):
    """A test kept in the rule file: events in, expected instances, amounts and events out."""

    name: str
    description: str | None = None
    as_of: datetime
    events: list[dict[str, Any]]
    expect: list[Expectation] = Field(default_factory=list)
    expect_remedies: list[ExpectedRemedy] = Field(default_factory=list)
    expect_counts: dict[Status, int] | None = None
    expect_events: list[ExpectedEvent] = Field(default_factory=list)
    expect_measures: list[ExpectedMeasure] = Field(default_factory=list)


# --------------------------------------------------------------------------- shared caps


class SharedCap(_Model):
    """A cap on what several remedies pay together: per period of theirs, or over a rolling
    window of ``months`` looking back from each period's end. Applied after each remedy's own
    cap, to their sum, in the order the rule file lists the remedies; what it removes is said on
    each line it reduces."""

    id: _Id
    clause: str | None = None
    remedies: list[_Id] = Field(min_length=1, description="the remedies capped together")
    amount: Expr = Field(description="the cap (money); reads period.start and period.end")
    months: int | None = Field(
        None, ge=1, le=1200, description="a rolling window: the months before each period's end"
    )


def check_shared_caps(caps: list[SharedCap], remedies: dict[str, str]) -> None:
    """ValueError when a shared cap names a remedy that is not there, or remedies grouped by
    different periods (``remedies``: id -> period)."""
    for cap in caps:
        unknown = [r for r in cap.remedies if r not in remedies]
        if unknown:
            raise ValueError(f"cap {cap.id!r} names unknown remedies: {', '.join(unknown)}")
        periods = {remedies[r] for r in cap.remedies}
        if len(periods) > 1:
            raise ValueError(
                f"cap {cap.id!r}: its remedies are grouped by different periods "
                f"({', '.join(sorted(periods))}); a shared cap needs one"
            )


# --------------------------------------------------------------------------- measures


class MeasureExclusion(_Model):
    """Spans of time taken out of a measure's scheduled time (announced maintenance): every
    span of ``span``, or those whose start event meets ``when`` (an expression reading
    ``start.<field>``, ``start.at`` and ``start.id``)."""

    span: _Id
    when: Expr | None = Field(
        None, description="which spans are excluded: e.g. start.at - start.announced_at >= 48 hours"
    )


class Measure(_Model):
    """A measure per period (``docs/rule-format.md``, "Measures"): the availability of a
    service over each calendar month, from the spans during which it was down, less excluded
    spans, against the scheduled time of a schedule. A span both down and excluded counts as
    excluded (maintenance announced in time); down but not excluded, as down. Computed when
    the report is built from the spans the evaluation kept; a credit remedy reads it by
    listing the measure's id in its ``norms`` (``measure.<id>``, ``measure.<id>.down``, ...).
    """

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=80)]
    title: str | None = None
    clause: str | None = None
    down: list[_Id] = Field(
        min_length=1,
        description="the spans counted as down time: outages, and maintenance (which an "
        "exclusion takes out again when it was announced in time)",
    )
    exclude: list[MeasureExclusion] = Field(
        default_factory=list, description="spans taken out of the scheduled time"
    )
    schedule: Literal["always", "working_hours"] = Field(
        "always", description="the scheduled time: around the clock, or the calendar's hours"
    )
    per: Literal["month", "service_year", "term"] = Field(
        "month", description="the period over which it is measured"
    )
    target: Decimal | None = Field(
        None, ge=0, le=100, description="the promised value, a percentage (99.9), for the report"
    )
