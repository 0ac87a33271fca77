"""Calendar layers: the shipped announced schedules (``calendars/*.json``), the public holidays of
the world computed by the ``holidays`` package (``holidays:<country>[-<subdivision>]``), how they
are loaded and which years each covers (vouches for)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

from ..errors import CalendarError
from ..suggestions import did_you_mean

#: The layers shipped with the package; ``holidays:<country>[-<subdivision>]`` names any other.
AVAILABLE_LAYERS: tuple[str, ...] = ("cn-national", "cn-xinjiang", "weekdays")
_NATIONAL = "cn-national"  # the layer a "national_only" fallback still requires
#: The prefix of the layers computed by the ``holidays`` package.
HOLIDAYS_PREFIX = "holidays:"


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
    problem = layer_problem(name)
    return CalendarError(problem or f"unknown calendar layer {name!r}")


def layer_problem(name: object) -> str | None:
    """None when ``name`` is a layer this package can build; else why not, with a "did you
    mean" for a misspelt shipped layer, country or subdivision of ``holidays:<country>[-<sub>]``.
    """
    if not isinstance(name, str):
        return f"a calendar layer is a name, not {name!r}"
    if name in AVAILABLE_LAYERS:
        return None
    if not name.startswith(HOLIDAYS_PREFIX):
        hint = did_you_mean(name, AVAILABLE_LAYERS)
        return (
            f"unknown calendar layer {name!r}{hint}; known layers: {', '.join(AVAILABLE_LAYERS)}"
            f", or {HOLIDAYS_PREFIX}<country>[-<subdivision>] (e.g. holidays:DE-BY)"
        )
    country, _, subdiv = name[len(HOLIDAYS_PREFIX) :].partition("-")
    known = _holiday_countries()
    # whole layer names are compared: two-letter codes alone are too short for difflib's cutoff
    upper = name[: len(HOLIDAYS_PREFIX)] + name[len(HOLIDAYS_PREFIX) :].upper()
    if country not in known:
        candidates = [HOLIDAYS_PREFIX + c for c in known]
        if upper != name and is_known_layer(upper):
            candidates = [upper]  # the same name in capitals: nothing else is as close
        hint = did_you_mean(name, candidates, loose=str.upper)
        return (
            f"unknown calendar layer {name!r}: the holidays package knows no country "
            f"{country!r}{hint} (use an ISO 3166 code such as DE, GB, US)"
        )
    subdivisions = known[country]
    if subdiv and subdiv not in subdivisions:
        prefix = f"{HOLIDAYS_PREFIX}{country}-"
        candidates = [prefix + sub for sub in subdivisions]
        if upper != name and is_known_layer(upper):
            candidates = [upper]
        hint = did_you_mean(name, candidates, loose=str.upper)
        listed = ", ".join(subdivisions[:30]) if subdivisions else "none"
        if len(subdivisions) > 30:
            listed += f", ... ({len(subdivisions)} in all)"
        return (
            f"unknown calendar layer {name!r}: country {country} has no subdivision "
            f"{subdiv!r}{hint} (its subdivisions: {listed})"
        )
    if not subdiv and name.endswith("-"):
        return f"unknown calendar layer {name!r}: give a subdivision after '-' or drop the '-'"
    return None


def is_known_layer(name: object) -> bool:
    """Whether ``name`` is a shipped layer or a ``holidays:`` layer the package knows."""
    return layer_problem(name) is None


@cache
def _holiday_countries() -> dict[str, tuple[str, ...]]:
    """The ``holidays`` package's countries (ISO 3166 alpha-2 and alpha-3) and subdivisions."""
    import holidays  # imported on first use: a ruleset of shipped layers never needs it

    return {c: tuple(subs) for c, subs in holidays.list_supported_countries().items()}


def _holidays_layer(name: str) -> _Layer:
    """A layer of the public holidays the ``holidays`` package computes for a country or one of
    its subdivisions.

    The layer vouches for the years the package declares for that country (its ``start_year``
    to ``end_year``): inside them the package applies the law as it stands; outside them, as for
    a shipped layer without a year, an answer raises a coverage error or, with a fallback,
    records an assumption in the report. The Monday–Friday week stays the base, as for every
    layer: the package's holidays (its substitute "observed" days included) are days off.
    """
    import holidays

    country, _, subdiv = name[len(HOLIDAYS_PREFIX) :].partition("-")
    try:
        probe = holidays.country_holidays(country, subdiv=subdiv or None)
        first, last = int(probe.start_year), int(probe.end_year)
        days = holidays.country_holidays(
            country, subdiv=subdiv or None, years=range(first, last + 1)
        )
    except (NotImplementedError, KeyError, ValueError) as exc:  # pragma: no cover - checked above
        raise CalendarError(f"calendar layer {name!r}: {exc}") from None
    years = tuple(range(first, last + 1))
    version = _holidays_version()
    source = f"holidays {version}: {country}" + (f"-{subdiv}" if subdiv else "")
    return _Layer(
        name=name,
        label=name,
        description=f"public holidays of {country}"
        + (f", subdivision {subdiv}" if subdiv else "")
        + f", computed by the holidays package {version}",
        years=years,
        sources=MappingProxyType(dict.fromkeys(years, source)),
        days_off=frozenset(d for d in days if first <= d.year <= last),
        working_days=frozenset(),
    )


def _holidays_version() -> str:
    from importlib.metadata import version

    return version("holidays")


@cache
def _load_layer(name: str) -> _Layer:
    """Read and validate one layer (shipped JSON, or computed by ``holidays``); cached for the
    process."""
    if name == "weekdays":
        return _WEEKDAYS_LAYER
    if name not in AVAILABLE_LAYERS:
        if not is_known_layer(name):
            raise _unknown_layer(name)
        return _holidays_layer(name)
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
    (1..9999); a ``holidays:`` layer the years the package declares for its country. Raises
    :class:`CalendarError` for an unknown name; the message lists the known ones.
    """
    if not is_known_layer(name):
        raise _unknown_layer(name)
    years = _load_layer(name).years
    return tuple(range(1, 10000)) if years is None else years
