"""The non-working days a working-time deadline skipped, by name: what ``contract-rules explain``
shows under the steps of a deadline in working hours or working days ("Good Friday 2025-04-18,
weekend 2025-04-19 – 2025-04-20, Easter Monday 2025-04-21").

Computed in the view from the ruleset's calendar; the names come from where the days come from:

- a ``holidays:<country>[-<subdivision>]`` layer: the ``holidays`` package's name of the day, in
  the report's language where the package has it (``en_US``, ``zh_CN``), else its default;
- ``cn-national``: the package's names of China's holidays (春节, 清明节, …); a day of a
  State Council run that the package leaves unnamed (a weekend inside the Spring Festival run)
  takes the name of the run's named day;
- ``cn-xinjiang``: its two festivals, 肉孜节/古尔邦节 (the layer's data does not say which run
  is which); any other layer: its label ("… holiday");
- the contract's own ``days_off`` and ``ics`` closures: "company closure";
- a Saturday or Sunday: "weekend"; anything else: "non-working day".

Nothing here changes a result: a day the calendar cannot vouch for ends the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from .calendar import BusinessCalendar, build_calendar
from .calendar.layers import HOLIDAYS_PREFIX, _load_layer
from .errors import CalendarError, ContractRulesError

if TYPE_CHECKING:
    from .model import Deadline, Ruleset
    from .report import Obligation

#: the deadline units counted in working time, whose skipped days are named
WORKING_UNITS = ("working_hours", "working_days")
#: at most this many days are looked at (a working-time deadline spans days, not years)
MAX_DAYS = 400
#: at most this many runs are named; the rest are counted
MAX_RUNS = 12

_WORDS = {
    "en": {
        "weekend": "weekend",
        "closure": "company closure",
        "other": "non-working day",
        "layer": "{label} holiday",
        "line": "non-working days skipped: {runs}",
        "more": "and {n} more",
    },
    "zh": {
        "weekend": "周末",
        "closure": "约定休息日",
        "other": "非工作日",
        "layer": "{label}假日",
        "line": "跳过的非工作日: {runs}",
        "more": "另有 {n} 段",
    },
}
#: the names of a shipped layer's days off, where the layer has one kind of day
_LAYER_NAMES = {
    "cn-xinjiang": {"zh": "肉孜节/古尔邦节", "en": "Eid al-Fitr / Eid al-Adha (Xinjiang)"},
}
#: the holidays package's languages tried for ``zh`` and ``en``, in order
_PACKAGE_LANGUAGES = {"zh": ("zh_CN", "en_US"), "en": ("en_US",)}


@cache
def _package_names(country: str, subdiv: str | None, year: int, lang: str) -> Mapping[date, str]:
    """The holidays package's holiday names of one country (and subdivision) and year."""
    import holidays

    try:
        probe = holidays.country_holidays(country, subdiv=subdiv)
        supported = getattr(probe, "supported_languages", ())
        language = next((code for code in _PACKAGE_LANGUAGES[lang] if code in supported), None)
        names = holidays.country_holidays(country, subdiv=subdiv, years=[year], language=language)
    except (KeyError, NotImplementedError, ValueError, OverflowError):  # nothing to name by
        return {}
    return dict(names.items())


def _layer_name(layer: str, day: date, lang: str) -> str | None:
    """The name layer ``layer`` gives ``day`` when ``day`` is one of its days off, else None."""
    if layer.startswith(HOLIDAYS_PREFIX):
        country, _, subdiv = layer[len(HOLIDAYS_PREFIX) :].partition("-")
        return _package_names(country, subdiv or None, day.year, lang).get(day)
    data = _load_layer(layer)
    if day not in data.days_off:
        return None
    if layer == "cn-national":
        return _national_name(day, data.days_off, lang)
    if layer in _LAYER_NAMES:
        return _LAYER_NAMES[layer][lang]
    return _WORDS[lang]["layer"].format(label=data.label)


def _national_name(day: date, days_off: frozenset[date], lang: str) -> str:
    """The package's name of ``day``, else that of the nearest named day of its run of days off
    (the State Council's runs include weekends the package does not name)."""
    names = _package_names("CN", None, day.year, lang)
    for step in range(0, 10):
        for near in (day - timedelta(days=step), day + timedelta(days=step)):
            if near in names and _same_run(day, near, days_off):
                return names[near]
    return _WORDS[lang]["other"]


def _same_run(a: date, b: date, days_off: frozenset[date]) -> bool:
    lo, hi = min(a, b), max(a, b)
    return all(lo + timedelta(days=i) in days_off for i in range((hi - lo).days + 1))


def day_name(ruleset: Ruleset, day: date, lang: str) -> str:
    """What makes ``day`` a non-working day under ``ruleset``'s calendar, in ``lang``: the later
    layer first (as the calendar applies them), the contract's own days off over every layer."""
    words = _WORDS.get(lang, _WORDS["en"])
    lang = "zh" if lang == "zh" else "en"
    spec = ruleset.calendar
    if day in spec.days_off or day in (spec.closures or ()):
        return words["closure"]
    for layer in reversed(spec.layers):
        name = _layer_name(layer, day, lang)
        if name is not None:
            return name
    return words["weekend"] if day.weekday() >= 5 else words["other"]


def _deadline(ruleset: Ruleset, ob: Obligation) -> Deadline | None:
    norm = next((n for n in ruleset.norms if n.id == ob.rule), None)
    if norm is None:
        return None
    deadline = norm.deadline
    if ob.tier is not None and norm.tiers is not None:
        deadline = next((t.deadline for t in norm.tiers if t.name == ob.tier), deadline)
    return deadline


def skipped_runs(ruleset: Ruleset, ob: Obligation, lang: str) -> list[tuple[date, date, str]]:
    """The non-working days inside ``ob``'s period, as runs of consecutive days with one name
    (``(first, last, name)``), when its deadline counts working hours or working days; else, or
    without a due instant, ``[]``.

    Working hours: from the trigger's day to the day the due instant ends (a deadline counted
    from another anchor than the trigger names nothing). Working days: back from the last day
    over its ``n`` working days and the non-working days before the first of them (whatever the
    anchor: the day before those is the start day, which is never counted).
    """
    deadline = _deadline(ruleset, ob)
    if deadline is None or deadline.unit not in WORKING_UNITS or ob.due is None:
        return []
    try:
        cal: BusinessCalendar = build_calendar(ruleset)
        last = _local_day(ob.due - timedelta(microseconds=1), cal)
        if deadline.unit == "working_hours":
            if deadline.from_ != "trigger":
                return []
            first = _local_day(ob.trigger_at, cal)
        else:
            first = _first_day(cal, last, int(deadline.amount))
    except ContractRulesError:  # outside the calendar's data: nothing to name
        return []
    runs: list[tuple[date, date, str]] = []
    day = first
    while day <= last and (day - first).days < MAX_DAYS:
        try:
            working = cal.is_working_day(day)
        except CalendarError:
            break
        if not working:
            name = day_name(ruleset, day, lang)
            if runs and runs[-1][2] == name and runs[-1][1] == day - timedelta(days=1):
                runs[-1] = (runs[-1][0], day, name)
            else:
                runs.append((day, day, name))
        day += timedelta(days=1)
    return runs


def _first_day(cal: BusinessCalendar, last: date, n: int) -> date:
    """The first day of a period of ``n`` working days ending on ``last``: back over ``n``
    working days, then over the non-working days before them."""
    day, counted = last, 0
    while (last - day).days < MAX_DAYS:
        working = cal.is_working_day(day)
        if working and counted == n:
            return day + timedelta(days=1)
        counted += working
        day -= timedelta(days=1)
    return day


def _local_day(t: datetime, cal: BusinessCalendar) -> date:
    return t.astimezone(cal.tz).date()


def skipped_line(ruleset: Ruleset, ob: Obligation, lang: str) -> str | None:
    """``non-working days skipped: Good Friday 2025-04-18, weekend 2025-04-19 – 2025-04-20, …``
    (:func:`skipped_runs`), or None when there are none."""
    runs = skipped_runs(ruleset, ob, lang)
    if not runs:
        return None
    words = _WORDS["zh" if lang == "zh" else "en"]
    shown = [
        f"{name} {a.isoformat()}" + (f" – {b.isoformat()}" if b != a else "")
        for a, b, name in runs[:MAX_RUNS]
    ]
    if len(runs) > MAX_RUNS:
        shown.append(words["more"].format(n=len(runs) - MAX_RUNS))
    return words["line"].format(runs=", ".join(shown))
