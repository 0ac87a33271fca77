"""Calendar layers: the shipped announced schedules (``calendars/*.json``), how they are loaded and
which years each covers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from ..errors import CalendarError

AVAILABLE_LAYERS: tuple[str, ...] = ("cn-national", "cn-xinjiang", "weekdays")
_NATIONAL = "cn-national"  # the layer a "national_only" fallback still requires


@dataclass(frozen=True)
class _Layer:
    name: str
    label: str
    description: str
    years: tuple[int, ...] | None  # None: a rule with unlimited coverage
    sources: Mapping[int, str]
    days_off: frozenset[date]
    working_days: frozenset[date]

    def covered_text(self) -> str:
        if self.years is None:
            return "all years (rule)"
        return f"{self.years[0]}–{self.years[-1]}" if len(self.years) > 1 else str(self.years[0])


_WEEKDAYS_LAYER = _Layer(
    name="weekdays",
    label="weekdays",
    description="Monday–Friday are working days; no holidays (a rule, valid for every year).",
    years=None,
    sources=MappingProxyType({}),
    days_off=frozenset(),
    working_days=frozenset(),
)


def _unknown_layer(name: object) -> CalendarError:
    return CalendarError(
        f"unknown calendar layer {name!r}; known layers: {', '.join(AVAILABLE_LAYERS)}"
    )


@cache
def _load_layer(name: str) -> _Layer:
    """Read and validate one layer's JSON from the package (cached for the process)."""
    if name == "weekdays":
        return _WEEKDAYS_LAYER
    if name not in AVAILABLE_LAYERS:
        raise _unknown_layer(name)
    res = resources.files("contract_rules").joinpath("calendars", f"{name}.json")
    raw = json.loads(res.read_text(encoding="utf-8"))
    where = f"calendar layer data {name}.json"
    if raw.get("layer") != name:
        raise CalendarError(f"{where}: 'layer' is {raw.get('layer')!r}, expected {name!r}")
    off: set[date] = set()
    work: set[date] = set()
    sources: dict[int, str] = {}
    for ytext, spec in raw["years"].items():
        year = int(ytext)
        sources[year] = str(spec["source"])
        for key, target in (("days_off", off), ("working_days", work)):
            for text in spec[key]:
                d = date.fromisoformat(text)
                if d.year != year:
                    raise CalendarError(f"{where}: {text} listed under year {year}")
                target.add(d)
    if off & work:
        clash = ", ".join(sorted(d.isoformat() for d in off & work))
        raise CalendarError(f"{where}: both a day off and a working day: {clash}")
    years = tuple(sorted(sources))
    if not years or years != tuple(range(years[0], years[-1] + 1)):
        raise CalendarError(f"{where}: years must be a non-empty contiguous range, got {years}")
    return _Layer(
        name=name,
        label=str(raw.get("label", name)),
        description=str(raw.get("description", "")),
        years=years,
        sources=MappingProxyType(sources),
        days_off=frozenset(off),
        working_days=frozenset(work),
    )


def layer_coverage(name: str) -> tuple[int, ...]:
    """The years for which layer ``name`` has data, ascending.

    ``"weekdays"`` is a rule valid for every year and returns every year a date can hold
    (1..9999). Raises :class:`CalendarError` for an unknown name; the message lists the known ones.
    """
    if not isinstance(name, str) or name not in AVAILABLE_LAYERS:
        raise _unknown_layer(name)
    years = _load_layer(name).years
    return tuple(range(1, 10000)) if years is None else years
