"""A measure in one period (:class:`MeasurePeriod`: availability per month) and the text of
its durations (exact seconds, hours)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..text import iso


@dataclass(frozen=True)
class MeasurePeriod:
    """A measure in one period (``docs/rule-format.md``, "Measures"): the time scheduled, the
    time excluded from it, the time down, and the value they give, with the spans counted.

    ``value`` is the exact fraction ``(scheduled − excluded − down) / (scheduled − excluded)``
    (0.997972... for 99.797 %), None when nothing is left scheduled. A period not over at the
    report's ``as_of`` is measured up to it (``complete`` false)."""

    measure: str
    clause: str | None
    period: int
    period_label: str
    period_start: datetime
    period_end: datetime
    until: datetime
    complete: bool
    scheduled: timedelta
    excluded: timedelta
    down: timedelta
    value: Decimal | None
    target: Decimal | None = None
    #: the spans counted, one line each (down, excluded, or not excluded and why)
    spans: tuple[str, ...] = ()

    @property
    def percent(self) -> str:
        """The value as a percentage to three decimals, never rounded up (99.797 %), or
        ``n/a`` when nothing is scheduled."""
        if self.value is None:
            return "n/a"
        return f"{(self.value * 100).quantize(Decimal('0.001'), rounding='ROUND_FLOOR')} %"

    def arithmetic(self) -> str:
        """How the value was computed: ``scheduled 744 h − excluded 4 h = 740 h; down 1.5 h →
        99.797 %``."""
        base = self.scheduled - self.excluded
        head = f"scheduled {hours(self.scheduled)} − excluded {hours(self.excluded)} = "
        head += f"{hours(base)}; down {hours(self.down)} → {self.percent}"
        if self.target is not None and self.value is not None:
            met = self.value * 100 >= self.target
            head += f" ({'meets' if met else 'below'} the target {self.target} %)"
        if not self.complete:
            head += f" (so far: measured to {iso(self.until)})"
        return head

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: durations in exact seconds, the value as its exact decimal."""
        return {
            "measure": self.measure,
            "clause": self.clause,
            "period": self.period,
            "period_label": self.period_label,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "until": iso(self.until),
            "complete": self.complete,
            "scheduled_seconds": seconds(self.scheduled),
            "excluded_seconds": seconds(self.excluded),
            "down_seconds": seconds(self.down),
            "value": None if self.value is None else str(self.value),
            "percent": self.percent,
            "target": None if self.target is None else str(self.target),
            "arithmetic": self.arithmetic(),
            "spans": list(self.spans),
        }


def seconds(d: timedelta) -> str:
    """A duration as its exact number of seconds (``5400``, ``0.5``)."""
    us = Decimal(d // timedelta(microseconds=1))
    return format((us / Decimal(1_000_000)).normalize(), "f")


def hours(d: timedelta) -> str:
    """A duration in hours, to three decimals at most (``744 h``, ``1.5 h``)."""
    us = Decimal(d // timedelta(microseconds=1))
    h = (us / Decimal(3_600_000_000)).quantize(Decimal("0.001"))
    return f"{format(h.normalize(), 'f')} h"
