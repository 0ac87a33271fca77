"""When a duty falls due: periods in one unit counted from the trigger or a contract date
(:class:`Deadline`, with Civil Code counting), their bounds, and service-level tiers
(:class:`Tier`) that choose a deadline by the class of the trigger instant."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..model_logic import Expr
from .base import Identifier, Model, Text, plain_to_text
from .calendar_spec import WorkingTimeClass
from .events import Condition

#: What a deadline may be counted from.
Anchor = Literal["trigger", "term.start", "term.end"]
DayEnd = Literal["midnight", "close_of_business"]


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

    _t = field_validator("title", mode="before")(plain_to_text)
