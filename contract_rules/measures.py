"""Measures over periods (``docs/rule-format.md``, "Measures"): availability per calendar month
from the spans during which a service was down, less excluded spans (announced maintenance),
against the scheduled time of a schedule (around the clock, or the calendar's working hours).

Computed once per report from the spans the evaluation kept, never per event: so a measure is
the same whichever way the events were fed (batch, incremental, streaming). The arithmetic of a
period, for spans ``D`` (down) and ``E`` (excluded), both merged where they overlap::

    scheduled = schedule ∩ [period start, min(period end, as_of))
    excluded  = scheduled ∩ E
    down      = scheduled ∩ (D − E)
    value     = (scheduled − excluded − down) / (scheduled − excluded)

A span still open at ``as_of`` counts until ``as_of``; a span crossing a period's boundary is
counted in each period for its part there. The periods' numbering and bounds
(:func:`period_index`, :func:`period_bounds`) are the remedies' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal
from typing import Any, Protocol

from .compiler import CompiledRuleset
from .expressions import ExpressionError
from .logic import money_fields, record
from .model import Measure, Ruleset
from .report import MeasurePeriod
from .text import fmt

#: a stretch of time ``[start, end)``
Interval = tuple[datetime, datetime]


class SpanLike(Protocol):
    """What a measure reads of a span the evaluator kept (``instances.SpanRec``)."""

    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...
    @property
    def start_id(self) -> str: ...
    @property
    def key(self) -> str | None: ...


# --------------------------------------------------------------------------- periods


def period_index(c: CompiledRuleset, per: str, t: datetime) -> int:
    """The number (from 1) of the period of kind ``per`` that holds ``t``'s local date."""
    start = c.ruleset.contract.term.start
    local = t.astimezone(c.tz).date()
    if per == "term":
        return 1
    if per == "month":
        return (local.year - start.year) * 12 + (local.month - start.month) + 1
    k = max(1, local.year - start.year + 1)
    while k > 1 and local < add_years(start, k - 1):
        k -= 1
    while local >= add_years(start, k):
        k += 1
    return k


def period_bounds(c: CompiledRuleset, per: str, k: int) -> tuple[datetime, datetime, str]:
    """Period ``k`` of kind ``per``: its first instant, the instant after it, and its label."""
    term = c.ruleset.contract.term
    tz = c.tz
    if per == "term":
        return c.term_start, c.term_end, f"term {term.start} – {term.end}"
    if per == "month":
        m0 = term.start.year * 12 + term.start.month - 1 + (k - 1)
        first = date(m0 // 12, m0 % 12 + 1, 1)
        nxt = date((m0 + 1) // 12, (m0 + 1) % 12 + 1, 1)
        return (
            datetime.combine(first, time(0), tz),
            datetime.combine(nxt, time(0), tz),
            f"{first:%Y-%m}",
        )
    a = add_years(term.start, k - 1)
    b = add_years(term.start, k)
    return (
        datetime.combine(a, time(0), tz),
        datetime.combine(b, time(0), tz),
        f"service year {k} ({a} – {b - timedelta(days=1)})",
    )


def add_years(d: date, n: int) -> date:
    """``d`` moved by ``n`` years; 29 February becomes the 28th in a common year."""
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


# --------------------------------------------------------------------------- which spans


def spans_with_conditions(rs: Ruleset) -> frozenset[str]:
    """The spans whose start events' fields a measure reads (an exclusion's ``when``): the
    evaluator keeps those fields, and no others."""
    return frozenset(ex.span for m in rs.measures for ex in m.exclude if ex.when is not None)


def measure_ids(rs: Ruleset) -> frozenset[str]:
    """The ids of the ruleset's measures."""
    return frozenset(m.id for m in rs.measures)


# --------------------------------------------------------------------------- intervals


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """``intervals`` sorted, overlapping and touching ones joined, empty ones left out."""
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def minus(xs: Sequence[Interval], ys: Sequence[Interval]) -> list[Interval]:
    """The parts of merged ``xs`` outside merged ``ys``."""
    out: list[Interval] = []
    for a, b in xs:
        cur = a
        for c, d in ys:
            if d <= cur or c >= b:
                continue
            if c > cur:
                out.append((cur, c))
            cur = max(cur, d)
            if cur >= b:
                break
        if cur < b:
            out.append((cur, b))
    return out


def clipped(xs: Sequence[Interval], a: datetime, b: datetime) -> list[Interval]:
    """The parts of ``xs`` inside ``[a, b)``."""
    return [(max(x, a), min(y, b)) for x, y in xs if y > a and x < b]


# --------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class _Spans:
    """A measure's spans over the whole evaluation: down (less the excluded), excluded, and
    the lines that say which spans were counted how."""

    down: list[Interval]
    excluded: list[Interval]
    lines: list[tuple[datetime, datetime, str]]


def compute_measures(
    c: CompiledRuleset,
    spans: Mapping[str, Sequence[SpanLike]],
    start_fields: Mapping[str, Mapping[str, Any]],
    as_of: datetime,
) -> tuple[MeasurePeriod, ...]:
    """Every measure of the ruleset in every period begun by ``as_of`` (and by the term's
    end), in the rule file's order then the periods'. ``spans`` are the evaluator's spans by
    name; ``start_fields`` the fields of the start events an exclusion's condition reads, by
    event id. Pure: the same spans give the same measures."""
    out: list[MeasurePeriod] = []
    for i, m in enumerate(c.ruleset.measures):
        kept = _spans_of(c, i, m, spans, start_fields, as_of)
        out.extend(_periods(c, m, kept, as_of))
    return tuple(out)


def _spans_of(
    c: CompiledRuleset,
    i: int,
    m: Measure,
    spans: Mapping[str, Sequence[SpanLike]],
    start_fields: Mapping[str, Mapping[str, Any]],
    as_of: datetime,
) -> _Spans:
    """Measure ``i``'s down and excluded time, each span ending at ``as_of`` when still open."""
    lines: list[tuple[datetime, datetime, str]] = []
    excluded: list[Interval] = []
    taken: set[tuple[str, str]] = set()
    for j, ex in enumerate(m.exclude):
        when = c.expression(("measures", i, "exclude", j, "when")) if ex.when else None
        et = c.ruleset.spans.get(ex.span)
        cash = money_fields(c.ruleset.events.get(et.start.event)) if et is not None else {}
        for rec in spans.get(ex.span, ()):
            end = _end(rec, as_of)
            said = _said(ex.span, rec, end, as_of)
            if when is not None:
                fields = start_fields.get(rec.start_id, {})
                data = {**(c.base or {}), "start": record(fields, cash, rec.start, rec.start_id)}
                try:
                    ok = when.evaluate(data, c.calendar) is True
                except ExpressionError as e:
                    lines.append((rec.start, end, f"{said}: not excluded, {e.reason}"))
                    continue
                if not ok:
                    lines.append((rec.start, end, f"{said}: not excluded, {ex.when} is false"))
                    continue
            excluded.append((rec.start, end))
            taken.add((ex.span, rec.start_id))
            lines.append((rec.start, end, f"{said}: excluded"))
    ex_merged = merged(excluded)
    down: list[Interval] = []
    for name in m.down:
        for rec in spans.get(name, ()):
            end = _end(rec, as_of)
            down.append((rec.start, end))
            if (name, rec.start_id) not in taken:
                lines.append((rec.start, end, f"{_said(name, rec, end, as_of)}: down"))
    lines.sort(key=lambda x: (x[0], x[1]))
    return _Spans(minus(merged(down), ex_merged), ex_merged, lines)


def _end(rec: SpanLike, as_of: datetime) -> datetime:
    """Where a span ends for a measure: its end, or ``as_of`` while it is open."""
    return as_of if rec.end is None or rec.end > as_of else rec.end


def _said(name: str, rec: SpanLike, end: datetime, as_of: datetime) -> str:
    """A span as the explanation names it: ``outage [web] (O1) 2025-03-10 10:00 – 11:30``."""
    key = f" [{rec.key}]" if rec.key is not None else ""
    tail = " (open at as_of)" if rec.end is None or rec.end > as_of else ""
    return f"{name}{key} ({rec.start_id}) {fmt(rec.start)} – {fmt(end)}{tail}"


def _periods(c: CompiledRuleset, m: Measure, kept: _Spans, as_of: datetime) -> list[MeasurePeriod]:
    """The measure in each period from the term's start to ``as_of`` (or the term's end)."""
    last = min(as_of, c.term_end)
    if last <= c.term_start:
        return []
    span_of = _schedule(c, m)
    target = m.target
    out: list[MeasurePeriod] = []
    k = 1
    while True:
        start, end, label = period_bounds(c, m.per, k)
        start, end = max(start, c.term_start), min(end, c.term_end)
        if start >= last:
            break
        until = min(end, as_of)
        scheduled = span_of(start, until)
        excluded = sum((span_of(a, b) for a, b in clipped(kept.excluded, start, until)), _ZERO)
        down = sum((span_of(a, b) for a, b in clipped(kept.down, start, until)), _ZERO)
        base = scheduled - excluded
        value = None if base <= _ZERO else _CTX.divide(_us(base - down), _us(base))
        lines = tuple(text for a, b, text in kept.lines if _meets(a, b, start, until))
        out.append(
            MeasurePeriod(
                measure=m.id,
                clause=m.clause,
                period=k,
                period_label=label,
                period_start=start,
                period_end=end,
                until=until,
                complete=end <= as_of,
                scheduled=scheduled,
                excluded=excluded,
                down=down,
                value=value,
                target=target,
                spans=lines,
            )
        )
        if end >= last:  # the last period begun (the term is one period, whatever k)
            break
        k += 1
    return out


_ZERO = timedelta(0)
#: the division of a measure: exact to 40 digits (a month holds 2.7e12 microseconds)
_CTX = Context(prec=40)


def _meets(a: datetime, b: datetime, start: datetime, until: datetime) -> bool:
    """Whether the span ``[a, b)`` lies partly in ``[start, until)`` (an empty span: when its
    instant does)."""
    if a == b:
        return start <= a < until
    return b > start and a < until


def _us(d: timedelta) -> Decimal:
    """A duration in whole microseconds, exactly."""
    return Decimal(d // timedelta(microseconds=1))


def _schedule(c: CompiledRuleset, m: Measure) -> Any:
    """The scheduled time in ``[a, b)``: clock time, or the calendar's working time."""
    if m.schedule == "working_hours":
        return c.calendar.working_time_between

    def clock(a: datetime, b: datetime) -> timedelta:
        return max(b - a, _ZERO)

    return clock


# --------------------------------------------------------------------------- for remedies


def measure_data(ms: Sequence[MeasurePeriod]) -> dict[str, Any]:
    """What a remedy's expressions read of the measures of one period: ``measure.<id>`` (the
    value, a percent) and ``measure.<id>.down``, ``.excluded``, ``.scheduled`` (durations)."""
    out: dict[str, Any] = {}
    for mp in ms:
        if mp.value is not None:
            out[f"measure.{mp.measure}"] = mp.value
        out[f"measure.{mp.measure}.down"] = mp.down
        out[f"measure.{mp.measure}.excluded"] = mp.excluded
        out[f"measure.{mp.measure}.scheduled"] = mp.scheduled
    return out
