"""The rule-file format as strict pydantic models: data only, no I/O, no engine.

A :class:`Ruleset` is one contract: its parties, term, fees and calendar; the vocabulary of events
it is evaluated against; its norms (obligations, prohibitions, permissions), spans (force
majeure, clock pauses), remedies (liability with caps, service credits); the clauses that carry
no computable duty; and the scenario tests kept beside the rules.

Every model forbids unknown keys and is frozen. Money is :class:`decimal.Decimal`, never float.
``docs/rule-format.md`` describes the format for people; ``schema/ruleset.schema.json`` is the
JSON Schema exported from these models (``contract-rules schema``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .model_logic import Change as Change
from .model_logic import (
    ExpectedEvent as ExpectedEvent,
)
from .model_logic import (
    ExpectedItem as ExpectedItem,
)
from .model_logic import (
    ExpectedRemedy as ExpectedRemedy,
)
from .model_logic import Expr, Scenario, SharedCap, check_field_spec, check_shared_caps
from .model_logic import Measure as Measure
from .model_logic import State as State
from .model_logic import Status as Status  # importable here, as before

FORMAT_VERSION = "contract-rules/1"

#: The classes of an instant on a business calendar (see ``calendar.BusinessCalendar.classify``).
WorkingTimeClass = Literal["working_hours", "outside_working_hours", "non_working_day"]
WORKING_TIME_CLASSES: tuple[WorkingTimeClass, ...] = (
    "working_hours",
    "outside_working_hours",
    "non_working_day",
)
Strength = Literal["binding", "best_effort"]
FieldType = Literal["string", "int", "decimal", "money", "bool", "party", "date", "instant"]
#: What a deadline may be counted from.
Anchor = Literal["trigger", "term.start", "term.end"]
DayEnd = Literal["midnight", "close_of_business"]
#: the periods a recurring duty arises in (``trigger.every``)
Period = Literal["month", "quarter", "year"]

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=80)]
ClauseNo = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.()\-]*$", max_length=40)
]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Scalar = str | bool | int | Decimal | None

_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$")


class Model(BaseModel):
    """Base of every rule-file model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=False
    )


class Text(Model):
    """Text in Chinese and English. At least one is given; ``zh`` is the contract's own words."""

    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_language(self) -> Text:
        if not self.zh and not self.en:
            raise ValueError("give the text in zh, en, or both")
        return self

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en"), falling back to the other language."""
        first, second = (self.en, self.zh) if lang == "en" else (self.zh, self.en)
        return first or second or ""


def _text(value: Any) -> Any:
    """Accept a plain string as Chinese text (the contract's language)."""
    return {"zh": value} if isinstance(value, str) else value


LText = Annotated[Text, Field(description="zh/en text; a plain string is read as zh")]


# --------------------------------------------------------------------------- contract


class Party(Model):
    """A party to the contract."""

    name: Text
    role: str = Field(description="customer, vendor, ... (free text)")

    _t = field_validator("name", mode="before")(_text)


class Money(Model):
    """An exact amount of money. Write the amount as a quoted decimal: ``"53600.00"``."""

    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: CurrencyCode


class Fee(Money):
    """A fee of the contract, e.g. the annual maintenance fee."""

    clause: ClauseNo | None = None
    per: Literal["service_year", "month", "term", "once"] = "service_year"
    title: Text | None = None

    _t = field_validator("title", mode="before")(_text)


class Term(Model):
    """The term: from ``start`` 00:00 to the end (24:00) of ``end``, in the contract's zone."""

    start: date
    end: date
    clause: ClauseNo | None = None


class Contract(Model):
    """Who, what, when and under which law."""

    id: Identifier
    title: Text
    language: Literal["zh", "en"] = "zh"
    parties: dict[Identifier, Party] = Field(min_length=1)
    governing_law: str
    timezone: str = Field(description="IANA zone, e.g. Asia/Shanghai")
    term: Term
    fees: dict[Identifier, Fee] = Field(default_factory=dict)
    clauses: list[ClauseNo] = Field(
        default_factory=list,
        description="every clause number of the agreement, to count coverage",
    )
    source: str | None = Field(None, description="where the signed text is kept")

    _t = field_validator("title", mode="before")(_text)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)"
            ) from exc
        return v


# --------------------------------------------------------------------------- calendar

WindowText = Annotated[str, Field(description='a half-open window "09:00-18:00"')]


def parse_window(text: str) -> tuple[time, time]:
    """``"09:00-18:00"`` → ``(time(9), time(18))``; ``24:00`` as an end means midnight."""
    m = _WINDOW_RE.match(text)
    if not m:
        raise ValueError(f'bad working-hour window {text!r}; write it as "09:00-18:00"')
    start = time(int(m.group(1)), int(m.group(2)))
    end_txt = m.group(3)
    end = time.max if end_txt == "24:00" else time(int(end_txt[:2]), int(end_txt[3:]))
    if end <= start:
        raise ValueError(f"window {text!r} ends before it starts")
    return start, end


def _windows(v: Any) -> Any:
    if isinstance(v, list):
        for item in v:
            if isinstance(item, str):
                parse_window(item)
    return v


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WorkingHoursSpec(Model):
    """Working-hour windows: a default, per weekday, or per date. Lunch = two windows."""

    default: list[WindowText] = Field(default_factory=lambda: ["09:00-18:00"])
    weekdays: dict[Weekday, list[WindowText]] = Field(default_factory=dict)
    dates: dict[date, list[WindowText]] = Field(default_factory=dict)

    _w = field_validator("default", mode="after")(_windows)

    @field_validator("weekdays", "dates", mode="after")
    @classmethod
    def _each(cls, v: dict[Any, list[str]]) -> dict[Any, list[str]]:
        for windows in v.values():
            _windows(windows)
        return v


class CalendarSpec(Model):
    """The business calendar: layers, working hours, and this contract's overrides."""

    layers: list[str] = Field(
        min_length=1,
        description="e.g. [cn-national, cn-xinjiang], or holidays:<country>[-<subdivision>] "
        "(public holidays from the holidays package, e.g. holidays:DE-BY)",
    )
    working_hours: WorkingHoursSpec = Field(default_factory=WorkingHoursSpec)
    days_off: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)
    ics: list[str] = Field(
        default_factory=list,
        description="company closures: iCalendar files (paths relative to the rule file) whose "
        "all-day events are days off; read when the rule file is loaded",
    )
    fallback: Literal["weekdays", "national_only"] | None = Field(
        None,
        description="where a layer has no data for a year: 'national_only' lets a regional "
        "layer add nothing (the national layer is still required); 'weekdays' assumes the "
        "Mon-Fri rule. Every use is recorded in the report's assumptions.",
    )

    #: The days of the ``ics`` files, read when the rule file was loaded (None: not read).
    _closures: tuple[date, ...] | None = PrivateAttr(default=None)

    @field_validator("ics", mode="before")
    @classmethod
    def _one_file(cls, v: Any) -> Any:
        """``ics: closures.ics`` is short for ``ics: [closures.ics]``."""
        return [v] if isinstance(v, str) else v

    @property
    def closures(self) -> tuple[date, ...] | None:
        """The company closures read from the ``ics`` files (None when they were not read)."""
        return self._closures


# --------------------------------------------------------------------------- events


class FieldSpec(Model):
    """A field of an event type. ``values`` restricts a string field to a closed set, ``ge`` and
    ``le`` a number's range, ``pattern`` a string's form; an event that breaks one is rejected.
    A ``money`` field is an amount in ``currency``."""

    type: FieldType = "string"
    required: bool = True
    values: list[str] | None = None
    description: str | None = None
    currency: CurrencyCode | None = Field(None, description="the currency of a money field")
    ge: Decimal | None = Field(None, description="a number's least value")
    le: Decimal | None = Field(None, description="a number's greatest value")
    pattern: str | None = Field(
        None, max_length=200, description="a regular expression the whole text must match"
    )

    _fits_type = model_validator(mode="after")(check_field_spec)


class EventType(Model):
    """An event type of the contract's vocabulary. Every event also has type, at and id."""

    description: Text | None = None
    clause: ClauseNo | None = None
    fields: dict[Identifier, FieldSpec] = Field(default_factory=dict)

    _t = field_validator("description", mode="before")(_text)

    @field_validator("fields", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        """``incident: string`` is short for ``incident: {type: string}``."""
        if isinstance(v, dict):
            return {k: ({"type": t} if isinstance(t, str) else t) for k, t in v.items()}
        return v


RESERVED_EVENT_KEYS = ("type", "at", "id")

# --------------------------------------------------------------------------- conditions


class FieldTest(Model):
    """Operators on one field; all given operators must hold."""

    eq: Scalar = None
    ne: Scalar = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    lt: Decimal | None = None
    le: Decimal | None = None
    gt: Decimal | None = None
    ge: Decimal | None = None

    @model_validator(mode="after")
    def _some(self) -> FieldTest:
        if not self.model_fields_set:
            raise ValueError("give at least one operator: eq, ne, in, not_in, lt, le, gt, ge")
        return self


#: A condition: every listed field must match. A bare value means equality.
Condition = dict[Identifier, FieldTest | Scalar]


class Matcher(Model):
    """Events of one type whose fields meet a condition."""

    event: Identifier
    when: Condition | Expr = Field(default_factory=dict)


class Correlated(Matcher):
    """A matcher whose events must share the listed fields' values with the trigger."""

    match: list[Identifier] | None = Field(
        None, description="fields equal to the trigger's; default: the norm's key"
    )


# --------------------------------------------------------------------------- deadlines


class Counting(Model):
    """Overrides of Civil Code counting (Art. 204). Defaults are Art. 201–203."""

    count_start_day: bool = False
    extend_over_rest_days: bool = True
    day_end: DayEnd = "midnight"


DEADLINE_UNITS = (
    "minutes",
    "hours",
    "working_hours",
    "days",
    "working_days",
    "months",
    "years",
)
CLOCK_UNITS = ("minutes", "hours", "working_hours")
#: The longest period of each unit, about a hundred years (days of 366 days a year; working
#: time of 250 working days of 12 hours a year), so that every due date a ruleset can name is
#: computed in bounded time within the calendar's years and Decimal's exact range.
DEADLINE_LIMITS: dict[str, int] = {
    "minutes": 52_704_000,
    "hours": 878_400,
    "working_hours": 300_000,
    "days": 36_600,
    "working_days": 25_000,
    "months": 1_200,
    "years": 100,
}
#: Seconds in one unit of a clock period: a clock period is a whole number of seconds.
_UNIT_SECONDS = {"minutes": 60, "hours": 3600, "working_hours": 3600}


def _bound(unit: str, low: int | None = None) -> dict[str, Any]:
    """The JSON Schema bounds of a deadline unit (:data:`DEADLINE_LIMITS`; negative amounts,
    which count back from an anchor, only where ``low`` is None)."""
    limit = DEADLINE_LIMITS[unit]
    return {"maximum": limit, "minimum": -limit if low is None else low}


class Deadline(Model):
    """A period: exactly one unit, counted from the trigger or a contract date."""

    minutes: Decimal | None = Field(None, gt=0, json_schema_extra=_bound("minutes", 0))
    hours: Decimal | None = Field(None, gt=0, json_schema_extra=_bound("hours", 0))
    working_hours: Decimal | None = Field(None, gt=0, json_schema_extra=_bound("working_hours", 0))
    days: int | None = Field(None, json_schema_extra=_bound("days"))
    working_days: int | None = Field(None, gt=0, json_schema_extra=_bound("working_days", 0))
    months: int | None = Field(None, json_schema_extra=_bound("months"))
    years: int | None = Field(None, json_schema_extra=_bound("years"))
    at: Literal["term.start", "term.end"] | None = Field(
        None, description="no period: due at this contract instant (term.end = 24:00 of its day)"
    )
    due: Expr | None = Field(
        None, description="no period: the due instant computed from data (an expression)"
    )
    from_: Anchor = Field("trigger", alias="from")
    counting: Counting = Field(default_factory=Counting)

    @field_validator(*DEADLINE_UNITS)
    @classmethod
    def _bounded(cls, v: Decimal | int | None, info: ValidationInfo) -> Decimal | int | None:
        """Each amount within :data:`DEADLINE_LIMITS`; a clock amount in whole seconds."""
        if v is None:
            return v
        unit = str(info.field_name)
        limit = DEADLINE_LIMITS[unit]
        if abs(Decimal(v)) > limit:
            raise ValueError(
                f"{unit} must be at most {limit:,} (about 100 years); "
                "a longer period cannot be computed"
            )
        per = _UNIT_SECONDS.get(unit)
        if per is not None and (v * per) % 1:
            raise ValueError(
                f"{unit} must come to a whole number of seconds ({v} {unit} does not); "
                "a due instant is computed to the second"
            )
        return v

    @model_validator(mode="after")
    def _one_unit(self) -> Deadline:
        given = [u for u in (*DEADLINE_UNITS, "at", "due") if getattr(self, u) is not None]
        if len(given) != 1:
            raise ValueError(
                "a deadline names exactly one unit of "
                + ", ".join(DEADLINE_UNITS)
                + ", an instant (at) or a computed due (due)"
                + (f" (found {', '.join(given)})" if given else "")
            )
        if given[0] == "due":
            return self
        if given[0] != "at" and getattr(self, given[0]) == 0:
            raise ValueError(f"{given[0]} must not be 0")
        if self.from_ == "trigger" and given[0] != "at" and getattr(self, given[0]) < 0:
            raise ValueError(
                f"{given[0]} must be positive when counted from the trigger (a duty cannot fall "
                "due before what causes it); a negative period counts back from term.start or "
                "term.end"
            )
        return self

    @property
    def unit(self) -> str:
        """The one unit this deadline is counted in, ``"at"`` for a fixed instant, ``"due"`` for
        a computed one."""
        return next(u for u in (*DEADLINE_UNITS, "at", "due") if getattr(self, u) is not None)

    @property
    def amount(self) -> Decimal:
        """The amount of that unit (negative for "before": ``months: -3``); 0 for ``at`` and
        ``due``."""
        if self.at is not None or self.due is not None:
            return Decimal(0)
        return Decimal(getattr(self, self.unit))

    def describe(self, *, anchor: bool = True) -> str:
        """``2 hours``, ``5 working days from term.end``, ``3 months before term.end``."""
        if self.at is not None:
            return f"at {self.at}"
        if self.due is not None:
            return f"due {self.due}"
        amount = self.amount.normalize()
        unit = self.unit.replace("_", " ")
        if abs(amount) == 1:
            unit = unit.rstrip("s")
        if not anchor:
            return f"{abs(amount):f} {unit}"
        if amount < 0:
            return f"{-amount:f} {unit} before {self.from_}"
        where = "" if self.from_ == "trigger" else f" from {self.from_}"
        return f"{amount:f} {unit}{where}"


class Tier(Model):
    """One service level: chosen when the trigger instant's class is in ``at`` and ``when``
    holds."""

    name: Identifier
    at: list[WorkingTimeClass] | None = Field(
        None, description="classes of the trigger instant; omitted: any"
    )
    when: Condition = Field(default_factory=dict)
    deadline: Deadline
    title: Text | None = None

    _t = field_validator("title", mode="before")(_text)


# --------------------------------------------------------------------------- parties, excuses

PartyRef = Annotated[
    str,
    Field(
        description="a party id; 'any'; '$trigger.<field>' (the party named in the trigger's "
        "field); '$other.<field>' (the other party of a two-party contract)"
    ),
]


class CauseExcuse(Model):
    """Excuse instances whose key has a recorded cause among ``values`` (retroactively)."""

    event: Identifier
    field: Identifier
    values: list[str] = Field(min_length=1)
    key: Identifier | None = Field(
        None, description="field matching the norm's key; default: same name"
    )


class Excuse(Model):
    """A reason that releases an instance not met by its due: a cause, or a span over its due."""

    clause: ClauseNo
    reason: Text
    cause: CauseExcuse | None = None
    span: Identifier | None = Field(
        None, description="a span of the bearer party that contains the due instant"
    )
    own_key: bool = Field(
        True,
        description="with span: a span with the instance's own key excuses it too; false for a "
        "duty that the span itself creates (a force majeure's notice is excused by another "
        "force majeure of its party, never by its own)",
    )

    _t = field_validator("reason", mode="before")(_text)

    @model_validator(mode="after")
    def _one(self) -> Excuse:
        if (self.cause is None) == (self.span is None):
            raise ValueError("an excuse names exactly one of cause or span")
        if not self.own_key and self.span is None:
            raise ValueError("own_key is a setting of a span excuse")
        return self


class Span(Model):
    """A stretch of time opened and closed by events: force majeure, waiting on the customer."""

    title: Text | None = None
    clause: ClauseNo | None = None
    start: Matcher
    end: Matcher
    key: Identifier | None = Field(None, description="field correlating start and end events")
    party: Identifier | None = Field(None, description="field naming the affected party")

    _t = field_validator("title", mode="before")(_text)


# --------------------------------------------------------------------------- norms


class Trigger(Model):
    """What creates an instance: an event (with a condition), a contract date, or every period
    of the term (a recurring duty: one instance per period, from its start, keyed by its label)."""

    event: Identifier | None = None
    when: Condition | Expr = Field(default_factory=dict)
    at: Literal["term.start", "term.end"] | None = None
    every: Period | None = Field(None, description="month (2025-03), quarter (2025-Q1), year")
    follows: Identifier | None = Field(
        None,
        description="a norm with the same key: the duty arises only where an instance of it "
        "already arose (a follow-up duty, such as the confirmation of a service requested "
        "inside the term)",
    )

    violated: Identifier | None = Field(
        None,
        description="a norm whose instance's violation creates this duty, at the violation's "
        "instant, with the cause's key (a reparation: a penalty for a late delivery)",
    )
    fulfilled: Identifier | None = Field(
        None, description="a norm whose instance's fulfilment on time creates this duty"
    )
    excused: Identifier | None = Field(
        None, description="a norm whose instance's excuse creates this duty"
    )

    @property
    def empty(self) -> bool:
        """Whether the trigger names nothing: only a power's create effect creates the norm."""
        return (
            self.event is None
            and self.at is None
            and self.every is None
            and self.violated is None
            and self.fulfilled is None
            and self.excused is None
        )

    @property
    def on(self) -> Change | None:
        """The change of another norm's instance that creates this duty, if any."""
        if self.violated is not None:
            return "violated"
        if self.fulfilled is not None:
            return "fulfilled"
        return "excused" if self.excused is not None else None

    @property
    def norm(self) -> str | None:
        """The norm whose change (:attr:`on`) creates this duty, if any."""
        return self.violated or self.fulfilled or self.excused

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        given = [self.event, self.at, self.every, self.violated, self.fulfilled, self.excused]
        if len(given) - given.count(None) > 1:
            raise ValueError(
                "a trigger names exactly one of event, at, every, or the change of another "
                "norm that creates the duty (violated, fulfilled, excused); an empty trigger "
                "({}) is the target of a power's create effect"
            )
        if self.event is None and (self.when or self.follows is not None):
            raise ValueError(
                "a date trigger ('at', 'every') or a change of another norm takes no condition "
                "and follows no norm"
            )
        return self


class Accumulate(Model):
    """Fulfilment by amounts adding up to a fee: every matching event adds ``field``."""

    field: Identifier = "amount"
    currency_field: Identifier | None = "currency"
    target: Identifier = Field(description="a fee of the contract")


class Fulfilment(Correlated):
    """What fulfils an obligation (or exercises a permission)."""

    accumulate: Accumulate | None = None
    not_before: Deadline | None = Field(
        None, description="events before this instant do not count (a window's start)"
    )
    by: Identifier | None = Field(
        None,
        description="a party field of the event: only an act of the instance's own party "
        "(its bearer) counts, e.g. the receiving party's return of confidential information",
    )


NormKind = Literal["obligation", "prohibition", "permission"]
#: the effects only a power (a permission) takes, and those that name a target
_POWERS_ONLY = ("terminate", "suspend", "release", "create")
_TARGETED = ("suspend", "resume", "release", "create")
#: the target of a suspension or resumption of the whole contract
CONTRACT = "contract"


class Norm(Model):
    """A duty of the contract, instantiated per trigger.

    - ``obligation``: met by a ``fulfilled_by`` event at or before ``due``.
    - ``prohibition``: with ``violated_by``, no such event before ``due`` (fulfilled once due
      passes); without it, every trigger event is itself a violation.
    - ``permission``: a right that opens at ``due``; ``exercised_by`` earlier is premature
      (violated), at or after ``due`` fulfilled; not yet exercised stays pending.
    """

    id: Identifier
    kind: NormKind = "obligation"
    title: Text
    clause: ClauseNo
    text: Text = Field(description="the clause's own words (zh), optionally en")
    party: PartyRef
    strength: Strength = "binding"
    trigger: Trigger
    key: Identifier | None = Field(None, description="trigger field identifying an instance")
    deadline: Deadline | None = None
    tiers: list[Tier] | None = None
    fulfilled_by: Fulfilment | None = None
    violated_by: Correlated | None = None
    exercised_by: Correlated | None = None
    excuses: list[Excuse] = Field(default_factory=list)
    pause: list[Identifier] = Field(
        default_factory=list, description="spans (same key) during which the clock stops"
    )
    within_term: bool = Field(True, description="only triggers inside the term count")
    survives_term: bool = Field(
        False,
        description="triggers after the term still count, and the contract's termination "
        "does not discharge its instances",
    )
    effect: Literal["terminate", "suspend", "resume", "release", "create"] | None = Field(
        None,
        description="a power: exercising it (a permission, while it is open) terminates the "
        "contract, suspends the instances of the norm named by target (or, with target "
        "contract, of every norm that does not survive termination), releases the open "
        "instances of target with the power's key (discharged), or creates an instance of "
        "target; performing an obligation with effect resume resumes what was suspended. A "
        "permission exercised while it is not open changes nothing (ignored, with the reason)",
    )
    target: Identifier | None = Field(
        None,
        description="the norm a suspend, resume, release or create effect acts on; "
        "'contract' for suspend and resume: the whole contract",
    )
    until: Deadline | None = Field(
        None,
        description="a right's closing: it is open in [opening, closing); counted from its "
        "opening (from: trigger), or an instant (at: term.end, due: an expression). Not "
        "exercised by then, it is expired; exercised later, ignored with the reason",
    )
    keep_due: bool = Field(
        False,
        description="while suspended, the due is kept (a due that falls inside a suspension "
        "moves to the resumption) instead of moving later by the suspended time",
    )
    notes: Text | None = None

    _t = field_validator("title", "text", "notes", mode="before")(_text)

    @model_validator(mode="after")
    def _shape(self) -> Norm:
        if self.deadline is not None and self.tiers is not None:
            raise ValueError("give either deadline or tiers, not both")
        if self.tiers is not None and not self.tiers:
            raise ValueError("tiers must list at least one tier")
        wanted = {
            "obligation": ("fulfilled_by",),
            "prohibition": (),
            "permission": ("exercised_by",),
        }[self.kind]
        for name in wanted:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.kind} needs {name}")
        allowed = {
            "obligation": {"fulfilled_by"},
            "prohibition": {"violated_by"},
            "permission": {"exercised_by"},
        }[self.kind]
        for name in ("fulfilled_by", "violated_by", "exercised_by"):
            if name not in allowed and getattr(self, name) is not None:
                raise ValueError(f"a {self.kind} takes no {name}")
        if (
            self.kind == "permission"
            and self.deadline is None
            and self.tiers is None
            and self.effect is None
        ):
            # a power without one is open from the instant it arises
            raise ValueError("a permission needs the deadline at which it opens")
        if (
            self.kind == "prohibition"
            and self.violated_by is not None
            and (self.deadline is None and self.tiers is None)
        ):
            raise ValueError("a prohibition with violated_by needs a deadline (its window)")
        if (
            self.trigger.follows or self.trigger.every or self.trigger.on
        ) is not None and self.key is None:
            raise ValueError(
                "a norm whose trigger follows another, recurs, or arises from a change of "
                "another norm's instance needs a key"
            )
        return self

    @model_validator(mode="after")
    def _powers(self) -> Norm:
        """A power's effect, target and closing fit its kind."""
        if self.effect in _POWERS_ONLY and self.kind != "permission":
            raise ValueError(f"only a permission (a power) takes the effect {self.effect}")
        if self.effect == "resume" and self.kind == "prohibition":
            raise ValueError("a prohibition takes no effect")
        if (self.effect in _TARGETED) != (self.target is not None):
            raise ValueError(
                "the effects suspend, resume, release and create, and only they, name a target"
            )
        if self.target == CONTRACT and self.effect not in ("suspend", "resume"):
            raise ValueError("only suspend and resume act on the whole contract (target contract)")
        if self.until is not None and self.kind != "permission":
            raise ValueError("only a permission (a right) has a closing (until)")
        return self

    @property
    def has_deadline(self) -> bool:
        """Whether instances of this norm have a due instant."""
        return self.deadline is not None or self.tiers is not None


# --------------------------------------------------------------------------- remedies


class Amount(Model):
    """An amount: fixed money, a fee, or a percentage of a fee."""

    money: Money | None = None
    fee: Identifier | None = None
    percent: Decimal | None = Field(None, gt=0, le=1000, description="with fee: percent of it")

    @model_validator(mode="after")
    def _one(self) -> Amount:
        if (self.money is None) == (self.fee is None):
            raise ValueError("an amount is either money or a fee (optionally with percent)")
        if self.percent is not None and self.fee is None:
            raise ValueError("percent applies to a fee")
        return self


class Cap(Model):
    """An upper bound on what is payable in each period."""

    per: Literal["service_year", "month", "term"] = "service_year"
    amount: Amount


class Claims(Matcher):
    """Loss claims: events carrying an amount, tied to an instance by the key field."""

    key: Identifier = Field(description="field matching the key of the breached instance")
    amount_field: Identifier = "amount"
    currency_field: Identifier = "currency"


class Remedy(Model):
    """What a breach costs.

    - ``liability``: claimed losses are compensable when tied to a violated binding instance
      of one of ``norms`` borne by ``party``; payable per period is capped.
    - ``credit``: every violated instance of ``norms`` earns ``per_breach``, or the ``amount``
      computed from its data (an expression, for the breaches where ``when`` holds); capped per
      period by ``cap`` (an amount, or an expression).
    """

    id: Identifier
    kind: Literal["liability", "credit"]
    title: Text
    clause: ClauseNo
    text: Text
    party: Identifier = Field(description="the party who pays")
    norms: list[Identifier] = Field(min_length=1)
    claims: Claims | None = None
    per_breach: Amount | None = None
    amount: Expr | None = Field(None, description="a credit's amount per breach, computed")
    when: Expr | None = Field(None, description="the breaches a credit counts (a condition)")
    cap: Cap | Expr | None = None
    period: Literal["service_year", "month", "term"] = Field(
        "service_year", description="how breaches and claims are grouped"
    )

    _t = field_validator("title", "text", mode="before")(_text)

    @model_validator(mode="after")
    def _shape(self) -> Remedy:
        if self.kind == "liability" and self.claims is None:
            raise ValueError("a liability remedy needs claims")
        if self.kind == "credit" and (self.per_breach is None) == (self.amount is None):
            raise ValueError("a credit remedy needs per_breach or amount (one of them)")
        if self.kind == "liability" and (self.amount or self.when):
            raise ValueError("amount and when are a credit's; a liability pays what is claimed")
        if isinstance(self.cap, Cap) and self.cap.per != self.period:
            raise ValueError("the cap's period must equal the remedy's period")
        return self


class NotComputable(Model):
    """A clause with no computable duty, and why."""

    clause: ClauseNo
    reason: Text

    _t = field_validator("reason", mode="before")(_text)


# --------------------------------------------------------------------------- ruleset


class Ruleset(Model):
    """A whole rule file."""

    format: Literal["contract-rules/1"] = Field(description="the format version")
    contract: Contract
    calendar: CalendarSpec
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="typed, named values expressions read (docs/expressions.md): money, "
        "percent, decimal, integer, duration, working days or hours, date, instant, text",
    )
    events: dict[Identifier, EventType] = Field(min_length=1)
    spans: dict[Identifier, Span] = Field(default_factory=dict)
    norms: list[Norm] = Field(min_length=1)
    remedies: list[Remedy] = Field(default_factory=list)
    caps: list[SharedCap] = Field(default_factory=list, description="caps shared by remedies")
    measures: list[Measure] = Field(
        default_factory=list, description="measures per period (availability) remedies read"
    )
    not_computable: list[NotComputable] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)

    _source: Any = PrivateAttr(default=None)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        if isinstance(v, str) and v != FORMAT_VERSION:
            raise ValueError(f"unsupported format {v!r}; this version reads {FORMAT_VERSION!r}")
        return v

    @model_validator(mode="after")
    def _follow_ups(self) -> Ruleset:
        # what the checks cannot see before the model exists: the norm a trigger follows, and
        # the party field a fulfilment is performed "by"
        check_shared_caps(self.caps, {r.id: r.period for r in self.remedies})
        ids = {n.id: n for n in self.norms}
        for n in self.norms:
            follows = n.trigger.follows
            if follows is not None:
                other = ids.get(follows)
                if other is None:
                    raise ValueError(f"norm {n.id!r}: trigger follows unknown norm {follows!r}")
                if other.key is None:
                    raise ValueError(
                        f"norm {n.id!r}: trigger follows {follows!r}, which has no key to share"
                    )
            cause = n.trigger.norm
            if cause is not None:
                other = ids.get(cause)
                if other is None:
                    raise ValueError(
                        f"norm {n.id!r}: trigger on a change of unknown norm {cause!r}"
                    )
                if other.key is None:
                    raise ValueError(
                        f"norm {n.id!r}: trigger on a change of {cause!r}, which has no key to "
                        "share"
                    )
            if n.target is not None and n.target not in ids and n.target != CONTRACT:
                raise ValueError(f"norm {n.id!r}: effect {n.effect} on unknown norm {n.target!r}")
            if n.target == CONTRACT and CONTRACT in ids:
                raise ValueError(
                    f"norm {n.id!r}: target contract is ambiguous where a norm is named contract"
                )
            if n.trigger.empty and not any(
                p.effect == "create" and p.target == n.id for p in self.norms
            ):
                raise ValueError(
                    f"norm {n.id!r}: its trigger names nothing; only the target of a power's "
                    "create effect arises from nothing but that power"
                )
            fb = n.fulfilled_by
            if fb is not None and fb.by is not None:
                et = self.events.get(fb.event)
                spec = et.fields.get(fb.by) if et is not None else None
                if et is not None and (spec is None or spec.type != "party"):
                    raise ValueError(
                        f"norm {n.id!r}: fulfilled_by.by must name a party field of "
                        f"{fb.event!r}, not {fb.by!r}"
                    )
        return self

    def norm(self, norm_id: str) -> Norm:
        """The norm with this id (KeyError if none)."""
        for n in self.norms:
            if n.id == norm_id:
                return n
        raise KeyError(norm_id)

    @property
    def source(self) -> Any:
        """Where this ruleset was loaded from (a loader document), or None."""
        return self._source

    def __eq__(self, other: object) -> bool:
        """Equal when the data are equal: where a ruleset was loaded from (:attr:`source`) is
        not part of it, so a ruleset equals its own JSON round trip."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        """Over the data, as :meth:`__eq__` (a TypeError, as before: a ruleset holds dicts)."""
        return hash(tuple(self.__dict__.values()))

    def _repr_html_(self) -> str:
        """Jupyter's rich view: the registered HTML view (the notebook's ``ruleset_html``, which
        the package registers on import) in the contract's language."""
        if _HTML_VIEW is None:  # pragma: no cover - the package registers one on import
            return f"<pre>{html.escape(repr(self))}</pre>"
        return _HTML_VIEW(self, self.contract.language)


#: ``view(ruleset, lang) -> html``: how a ruleset shows itself in Jupyter. The model knows no view;
#: ``contract_rules/__init__.py`` registers the notebook's, so no arrow points from the data model
#: up to a view.
RulesetHtmlView = Callable[[Ruleset, str], str]
_HTML_VIEW: RulesetHtmlView | None = None


def register_html_view(view: RulesetHtmlView) -> None:
    """Make ``view`` the HTML Jupyter shows for every :class:`Ruleset` (the last one registered
    wins)."""
    global _HTML_VIEW
    _HTML_VIEW = view


def json_schema() -> dict[str, Any]:
    """The JSON Schema of rule files, as committed in ``schema/ruleset.schema.json``."""
    schema = Ruleset.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://contract-rules.dev/schema/ruleset-1.json"
    schema["title"] = "contract_rules rule file (contract-rules/1)"
    return schema
