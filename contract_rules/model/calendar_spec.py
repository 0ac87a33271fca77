"""The rule file's ``calendar`` key: the business calendar's layers, working-hour windows and
this contract's own days off and working days (:class:`CalendarSpec`), and the classes of an
instant on it. The calendar itself is built from this in :mod:`contract_rules.calendar`."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator

from .base import Model

#: The classes of an instant on a business calendar (see ``calendar.BusinessCalendar.classify``).
WorkingTimeClass = Literal["working_hours", "outside_working_hours", "non_working_day"]
WORKING_TIME_CLASSES: tuple[WorkingTimeClass, ...] = (
    "working_hours",
    "outside_working_hours",
    "non_working_day",
)

_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$")

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
