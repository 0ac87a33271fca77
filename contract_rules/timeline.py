"""The timeline figure: :func:`plot_timeline` draws what :func:`timeline_data` works out
without matplotlib (rows per key, their duties as segments, request/due/fulfilment marks,
non-working days and nights shaded).

Importable from :mod:`contract_rules.notebook` as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar
from .errors import CalendarCoverageError
from .evaluator import parse_as_of
from .figures import (
    NON_WORKING_COLOUR,
    OFF_HOURS_COLOUR,
    STATUS_COLOURS,
    _calendar_for,
    _figure_lang,
    _new_figure,
    _plt_needed,
)
from .model import Ruleset
from .render import contract_title
from .report import STATUSES, Obligation, Report
from .text import date_or_datetime
from .view_labels import labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Rows of :func:`plot_timeline` when ``max_rows`` is not given (one row per key).
DEFAULT_MAX_ROWS = 50


#: The longest range, in days, whose non-working days are shaded (one span per day); a longer
#: range (a pending duty due in 100 years) is drawn unshaded and the figure says so.
MAX_SHADED_DAYS = 1100


#: The longest range, in days, whose nights (hours outside the working windows) are shaded.
MAX_NIGHT_DAYS = 31


#: ``gid`` of the artists :func:`plot_timeline` draws, so that code (and tests) can find them.
GID_REQUEST = "request"
GID_DUE = "due"


GID_FULFILMENT = "fulfilment"


GID_NON_WORKING = "non-working-day"


GID_OFF_HOURS = "outside-working-hours"


def _instant(value: datetime | date | str, tz: ZoneInfo) -> datetime:
    """An aware instant read as ``evaluate(as_of=...)`` reads one (a date is the start of that
    day in ``tz``: :func:`~contract_rules.evaluator.parse_as_of`), except that a naive time is
    a wall time in ``tz`` (a window bound only draws; it decides nothing)."""
    if isinstance(value, str):
        value = date_or_datetime(value)
    if isinstance(value, datetime) and value.utcoffset() is None:
        value = value.replace(tzinfo=tz)
    return parse_as_of(value, tz)


def _midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tz)


def _row_of(o: Obligation) -> tuple[str, ...]:
    """The row an instance is drawn in: its key's row; a keyless instance has a row of its own."""
    return ("key", o.key) if o.key is not None else ("rule", o.rule, str(o.nth))


def _row_label(o: Obligation) -> str:
    if o.key is not None:
        return o.key
    return o.rule + (f" #{o.nth}" if o.nth > 1 else "")


class TimelineOptions(TypedDict, total=False):
    """What a timeline shows, given by keyword to :func:`plot_timeline` as to
    :func:`timeline_data` (whose signature gives the defaults and whose text says what each
    means): written once here, so that the figure takes exactly what its pure step takes."""

    rules: str | Iterable[str] | None
    keys: str | Iterable[str] | None
    start: datetime | date | str | None
    end: datetime | date | str | None
    max_rows: int | None
    lang: str


def plot_timeline(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    ax: Axes | None = None,
    **options: Unpack[TimelineOptions],
) -> Figure:
    """The duties of a window along a time axis, one row per key, and the figure it is drawn in.

    The keyword ``options`` are :func:`timeline_data`'s (:class:`TimelineOptions`: ``rules``,
    ``keys``, ``start``, ``end``, ``max_rows`` = :data:`DEFAULT_MAX_ROWS`, ``lang`` = ``"en"``);
    an unknown keyword is a TypeError.

    Which instances: those of ``rules`` (a norm id or several; None: every norm) and of ``keys``
    (a key or several; None: every key) whose trigger instant lies in ``[start, end)``.
    ``start`` and ``end`` are instants, dates (local midnight) or ISO strings, read in the
    report's time zone when naive. Without ``start`` the range begins at midnight of the earliest
    trigger; without ``end`` it ends at the midnight after the last request, due or fulfilment
    mark of the instances shown (pending instances without a due run to ``as_of``). The x axis
    is exactly that range, in the contract's time zone. An unknown norm or key is a ValueError.

    **Rows.** One row per key (an incident), labelled with the key, in order of first trigger;
    the key's duties are segments in lanes of that row, one lane per duty in the ruleset's order
    (response above arrival above repair). An instance without a key has a row of its own,
    labelled with its norm id. At most ``max_rows`` rows are drawn (None: all); when there are
    more, the first ``max_rows`` are drawn and the figure says how many were left out. Keys,
    titles and notes are drawn as plain text, never as matplotlib mathtext (a key ``INC-$1$``
    shows its dollar signs).

    What is drawn, per instance:

    - a bar from the trigger to the fulfilment (else the due, else ``as_of``), coloured by status
      (:data:`STATUS_COLOURS`), dashed for best-effort instances;
    - one request mark (``gid="request"``, a single scatter with one point per instance shown);
    - a due mark where there is a due (``gid="due"``), a fulfilment mark where the instance was
      fulfilled or answered late (``gid="fulfilment"``).

    Every non-working day of ``calendar`` that overlaps the range is shaded, one span per day
    (``gid="non-working-day"``), clipped to the range, when the range is at most
    :data:`MAX_SHADED_DAYS` days long (a longer one is left unshaded and the figure says so).
    When it is at most :data:`MAX_NIGHT_DAYS` days long, the hours outside the working windows
    of each working day (nights, lunch breaks) are shaded lighter (``gid="outside-working-hours"``).
    ``calendar`` is a :class:`~contract_rules.calendar.BusinessCalendar` or a :class:`Ruleset`;
    None uses the ruleset the report was evaluated under (``report.ruleset``; ValueError if it
    has none). Days the calendar has no data for are left unshaded and said so on the figure.

    Labels are in ``lang`` (``"zh"`` or ``"en"``); when no installed font has Chinese glyphs, a
    ``zh`` figure falls back to English labels with a warning. With ``ax`` the figure is drawn
    into that axes and its figure is returned; otherwise a new figure is made (through pyplot in
    IPython/Jupyter, detached so it shows once as the cell's value; elsewhere an Agg figure that
    touches no global backend). matplotlib is imported here, on use.
    """
    _plt_needed()
    import matplotlib.dates as _mdates

    mdates: Any = _mdates  # date2num and the locators are untyped
    tl = timeline_data(report, calendar, **options)
    if ax is None:
        per_row = 0.24 if max((r.lanes for r in tl.rows), default=1) == 1 else 0.36
        fig = _new_figure(11.0, min(max(2.6, per_row * len(tl.row_labels) + 1.6), 60.0))
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
        if fig is None:  # pragma: no cover - an axes always belongs to a figure
            raise ValueError("ax belongs to no figure")

    def num(t: datetime) -> float:
        return float(mdates.date2num(t))

    _draw_non_working(ax, tl, num)
    _draw_instances(ax, tl, num)
    _draw_frame(ax, tl, num, mdates)
    return fig


@dataclass(frozen=True)
class TimelineRow:
    """One instance as the timeline draws it: its row, lane, bar and marks."""

    label: str
    status: str
    binding: bool
    trigger_at: datetime
    #: where the bar ends: the fulfilment, else the due, else ``as_of`` (pending) or the trigger
    bar_end: datetime
    due: datetime | None
    fulfilled_at: datetime | None
    #: the row (0 at the top) and the lane within it (0 at the top) of ``lanes``
    row: int = 0
    lane: int = 0
    lanes: int = 1
    rule: str = ""

    @property
    def y(self) -> float:
        """The vertical position: the row's centre, shifted to the lane's centre."""
        if self.lanes == 1:
            return float(self.row)
        step = 0.8 / self.lanes
        return self.row - 0.4 + step * (self.lane + 0.5)


@dataclass(frozen=True)
class Timeline:
    """What :func:`plot_timeline` draws, worked out without matplotlib (the pure step)."""

    lo: datetime
    hi: datetime
    tz: ZoneInfo
    #: one per instance drawn, in the report's order
    rows: list[TimelineRow]
    #: the non-working days overlapping ``[lo, hi)``, each clipped to it
    non_working: list[tuple[datetime, datetime]]
    #: how many days of the range the calendar has no data for (left unshaded)
    uncovered: int
    lang: str
    #: the font families to ask for (a CJK font first), or None for matplotlib's default
    family: list[str] | None
    title: str
    notes: list[str]
    #: the label of each row, top first (a key, or a norm id for a keyless instance)
    row_labels: list[str] = field(default_factory=list)
    #: the hours outside the working windows of working days (short ranges only)
    off_hours: list[tuple[datetime, datetime]] = field(default_factory=list)
    #: rows left out by ``max_rows``
    hidden_rows: int = 0


def timeline_data(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    rules: str | Iterable[str] | None = None,
    keys: str | Iterable[str] | None = None,
    start: datetime | date | str | None = None,
    end: datetime | date | str | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    lang: str = "en",
) -> Timeline:
    """The rows, range, shaded days, title and notes of :func:`plot_timeline` (same arguments,
    same errors); imports no matplotlib."""
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1
    ):
        raise ValueError(f"max_rows must be a positive integer or None, not {max_rows!r}")
    tz = ZoneInfo(report.timezone)
    cal = _calendar_for(report, calendar)
    wanted = _wanted_rules(report, rules)
    wanted_keys = _wanted_keys(report, keys)
    lang, font = _figure_lang(lang, "timeline")
    obs = [
        o
        for o in report.obligations
        if (wanted is None or o.rule in wanted) and (wanted_keys is None or o.key in wanted_keys)
    ]
    obs, lo, hi = _timeline_range(report, obs, start, end, tz)
    rows, row_labels, hidden = _rows_and_lanes(report, obs, max_rows)
    days = (hi - lo) / timedelta(days=1)
    lb = labels(lang)
    notes = []
    non_working: list[tuple[datetime, datetime]] = []
    off_hours: list[tuple[datetime, datetime]] = []
    uncovered = 0
    if days <= MAX_SHADED_DAYS:
        non_working, uncovered = _non_working_days(cal, lo, hi, tz)
        if days <= MAX_NIGHT_DAYS:
            off_hours = _off_hours(cal, lo, hi, tz)
    else:
        notes.append(lb["not_shaded"].format(n=math.ceil(days), limit=MAX_SHADED_DAYS))
    title = contract_title(report, lang)
    shown = ", ".join(sorted({o.rule for o in obs})) if wanted is not None else ""
    head = f"{lb['timeline']}: {title}"
    sub = f"{lo:%Y-%m-%d} – {hi:%Y-%m-%d} ({report.timezone})" + (f" — {shown}" if shown else "")
    notes += _timeline_notes(report, rows, len(row_labels), hidden, bool(off_hours), uncovered, lb)
    family = [font, "DejaVu Sans"] if font else None
    return Timeline(
        lo,
        hi,
        tz,
        rows,
        non_working,
        uncovered,
        lang,
        family,
        f"{head}\n{sub}",
        notes,
        row_labels,
        off_hours,
        hidden,
    )


def _timeline_notes(
    report: Report,
    rows: list[TimelineRow],
    shown: int,
    hidden: int,
    nights: bool,
    uncovered: int,
    lb: Mapping[str, str],
) -> list[str]:
    """The notes under a timeline: lanes, best-effort bars, shaded nights, days no calendar
    covers, rows left out."""
    notes = []
    if any(r.lanes > 1 for r in rows):
        order = _norm_order(report)
        in_rows = sorted({r.rule for r in rows if r.lanes > 1}, key=lambda n: order.get(n, 0))
        notes.append(lb["lanes_note"].format(norms=", ".join(in_rows)))
    if any(not r.binding for r in rows):
        notes.append(lb["best_effort_note"])
    if nights:
        notes.append(lb["off_hours_note"])
    if uncovered:
        notes.append(lb["no_calendar"].format(n=uncovered))
    if hidden:
        notes.append(lb["rows_hidden"].format(shown=shown, n=shown + hidden))
    return notes


def _norm_order(report: Report) -> dict[str, int]:
    norms = [n.id for n in report.ruleset.norms] if report.ruleset is not None else []
    return {n: i for i, n in enumerate(norms)}


def _rows_and_lanes(
    report: Report, obs: list[Obligation], max_rows: int | None
) -> tuple[list[TimelineRow], list[str], int]:
    """One row per key (in order of first trigger), the key's duties in lanes in the ruleset's
    order; the first ``max_rows`` rows, their labels and how many rows were left out."""
    order = _norm_order(report)
    groups: dict[tuple[str, ...], list[Obligation]] = {}
    for o in obs:
        groups.setdefault(_row_of(o), []).append(o)
    kept = list(groups.values())
    hidden = 0
    if max_rows is not None and len(kept) > max_rows:
        hidden = len(kept) - max_rows
        kept = kept[:max_rows]
    lane_of: dict[int, tuple[int, int, int]] = {}  # id(instance) -> (row, lane, lanes)
    for row, members in enumerate(kept):
        ranked = sorted(members, key=lambda o: (order.get(o.rule, len(order)), o.rule, o.nth))
        for lane, o in enumerate(ranked):
            lane_of[id(o)] = (row, lane, len(ranked))
    rows = []
    for o in obs:  # the report's order, so marks follow the instances
        place = lane_of.get(id(o))
        if place is None:
            continue
        rows.append(
            TimelineRow(
                _row_label(o),
                o.status,
                o.strength == "binding",
                o.trigger_at,
                _bar_end(o, report.as_of),
                o.due,
                o.fulfilled_at,
                *place,
                rule=o.rule,
            )
        )
    return rows, [_row_label(members[0]) for members in kept], hidden


def _wanted_rules(report: Report, rules: str | Iterable[str] | None) -> set[str] | None:
    """The norm ids to show (None: all); ValueError naming those the ruleset does not know."""
    if rules is None:
        return None
    wanted = {rules} if isinstance(rules, str) else set(rules)
    if report.ruleset is not None:
        known = {n.id for n in report.ruleset.norms}
        unknown = sorted(wanted - known)
        if unknown:
            raise ValueError(f"unknown norm(s) {', '.join(unknown)}; known: {sorted(known)}")
    return wanted


def _wanted_keys(report: Report, keys: str | Iterable[str] | None) -> set[str] | None:
    """The keys to show (None: all); ValueError naming those no instance of the report has."""
    if keys is None:
        return None
    wanted = {keys} if isinstance(keys, str) else set(keys)
    known = {o.key for o in report.obligations if o.key is not None}
    unknown = sorted(wanted - known)
    if unknown:
        listed = ", ".join(repr(k) for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        # no "did you mean" here: comparing against every key costs time on a large report
        raise ValueError(
            f"unknown key(s) {listed}: no instance of the report has them "
            f"({len(known)} keys in the report)"
        )
    return wanted


def _bar_end(o: Obligation, as_of: datetime) -> datetime:
    if o.fulfilled_at is not None:
        return o.fulfilled_at
    if o.due is not None:
        return o.due
    return as_of if o.status == "pending" else o.trigger_at


def _timeline_range(
    report: Report,
    obs: list[Obligation],
    start: datetime | date | str | None,
    end: datetime | date | str | None,
    tz: ZoneInfo,
) -> tuple[list[Obligation], datetime, datetime]:
    """The instances triggered in ``[lo, hi)`` and that range: given, or from midnight of the
    first trigger to the midnight after the last mark."""
    lo = _instant(start, tz) if start is not None else None
    hi = _instant(end, tz) if end is not None else None
    if lo is not None:
        obs = [o for o in obs if o.trigger_at >= lo]
    if hi is not None:
        obs = [o for o in obs if o.trigger_at < hi]

    def last_mark(o: Obligation) -> datetime:
        marks = (o.trigger_at, o.due, o.fulfilled_at, _bar_end(o, report.as_of))
        return max(t for t in marks if t is not None)

    if lo is None:
        first = min((o.trigger_at for o in obs), default=report.as_of)
        lo = _midnight(first.astimezone(tz).date(), tz)
    if hi is None:
        last = max((last_mark(o) for o in obs), default=lo)
        hi = _midnight(last.astimezone(tz).date() + timedelta(days=1), tz)
    if hi <= lo:
        raise ValueError(f"the range is empty: end {hi.isoformat()} <= start {lo.isoformat()}")
    return [o for o in obs if lo <= o.trigger_at < hi], lo, hi


def _non_working_days(
    cal: BusinessCalendar, lo: datetime, hi: datetime, tz: ZoneInfo
) -> tuple[list[tuple[datetime, datetime]], int]:
    """The non-working local days overlapping ``[lo, hi)``, clipped to it, and how many days
    the calendar has no data for (counted as working: they are not shaded)."""
    spans: list[tuple[datetime, datetime]] = []
    uncovered = 0
    day = lo.date()
    while _midnight(day, tz) < hi:
        day_start, day_end = _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
        try:
            working = cal.is_working_day(day)
        except CalendarCoverageError:
            uncovered += 1
            working = True
        if not working:
            spans.append((max(day_start, lo), min(day_end, hi)))
        day += timedelta(days=1)
    return spans, uncovered


def _off_hours(
    cal: BusinessCalendar, lo: datetime, hi: datetime, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The hours outside the working windows of each working day overlapping ``[lo, hi)``,
    clipped to it (non-working days are shaded whole and are not repeated here)."""
    spans: list[tuple[datetime, datetime]] = []
    day = lo.date()
    while _midnight(day, tz) < hi:
        try:
            working = cal.is_working_day(day)
        except CalendarCoverageError:
            working = False  # unknown days are not shaded at all
        if working:
            gap_start = _midnight(day, tz)
            for w_start, w_end in cal.working_hours.windows_for(day):
                a = datetime.combine(day, w_start, tz)
                b = (
                    _midnight(day + timedelta(days=1), tz)
                    if w_end == time(0)
                    else datetime.combine(day, w_end, tz)
                )
                if a > gap_start:
                    spans.append((gap_start, a))
                gap_start = b
            day_end = _midnight(day + timedelta(days=1), tz)
            if gap_start < day_end:
                spans.append((gap_start, day_end))
        day += timedelta(days=1)
    return [(max(a, lo), min(b, hi)) for a, b in spans if a < hi and b > lo]


def _draw_non_working(ax: Axes, tl: Timeline, num: Callable[[datetime], float]) -> None:
    """One shaded span per non-working day, a lighter one per stretch outside working hours;
    only the first of each carries the legend's label."""
    lb = labels(tl.lang)
    for k, (a, b) in enumerate(tl.non_working):
        ax.axvspan(
            num(a),
            num(b),
            facecolor=NON_WORKING_COLOUR,
            edgecolor="none",
            zorder=0,
            gid=GID_NON_WORKING,
            label=lb["non_working_day"] if k == 0 else "_nolegend_",
        )
    for k, (a, b) in enumerate(tl.off_hours):
        ax.axvspan(
            num(a),
            num(b),
            facecolor=OFF_HOURS_COLOUR,
            edgecolor="none",
            zorder=0,
            gid=GID_OFF_HOURS,
            label=lb["off_hours"] if k == 0 else "_nolegend_",
        )


def _draw_instances(ax: Axes, tl: Timeline, num: Callable[[datetime], float]) -> None:
    """The bars by status, then the request, due and fulfilment marks (or "no instances")."""
    lb = labels(tl.lang)
    _draw_bars(ax, tl.rows, num, lb)
    if not tl.rows:
        ax.text(
            0.5,
            0.5,
            lb["no_instances"],
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontfamily=tl.family,
            parse_math=False,
        )
        return
    _draw_marks(ax, tl.rows, num, lb)


def _draw_bars(
    ax: Axes, rows: list[TimelineRow], num: Callable[[datetime], float], lb: Mapping[str, str]
) -> None:
    """One bar per instance from its trigger, coloured by status; dashed for best effort."""
    for status in STATUSES:
        mine = [r for r in rows if r.status == status]
        if not mine:
            continue
        bars = ax.hlines(
            [r.y for r in mine],
            [num(r.trigger_at) for r in mine],
            [num(r.bar_end) for r in mine],
            colors=STATUS_COLOURS[status],
            linewidth=[3.0 if r.lanes == 1 else 2.0 for r in mine],
            zorder=2,
            label=lb[status],
        )
        bars.set_linestyle(["solid" if r.binding else "dashed" for r in mine])


def _draw_marks(
    ax: Axes, rows: list[TimelineRow], num: Callable[[datetime], float], lb: Mapping[str, str]
) -> None:
    """The request (coloured by status), due and fulfilment marks of the instances."""
    small = any(r.lanes > 1 for r in rows)
    ax.scatter(
        [num(r.trigger_at) for r in rows],
        [r.y for r in rows],
        c=[STATUS_COLOURS[r.status] for r in rows],
        edgecolors="black",
        linewidths=0.6,
        s=16 if small else 28,
        marker="o",
        zorder=4,
        gid=GID_REQUEST,
        label=lb["request"],
    )
    due_style = {"color": "black", "marker": "|", "s": 50 if small else 110, "linewidths": 1.4}
    done_style = {
        "facecolors": "white",
        "edgecolors": "black",
        "marker": "D",
        "s": 12 if small else 18,
        "linewidths": 0.8,
    }
    marks: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
        ("due", "due", GID_DUE, due_style),
        ("fulfilled_at", "fulfilment", GID_FULFILMENT, done_style),
    )
    for attr, word, gid, style in marks:
        at = [(num(t), r.y) for r in rows if (t := getattr(r, attr)) is not None]
        if at:
            ax.scatter(
                [x for x, _ in at], [y for _, y in at], zorder=5, gid=gid, label=lb[word], **style
            )


def _draw_frame(ax: Axes, tl: Timeline, num: Callable[[datetime], float], mdates: Any) -> None:
    """The row labels, the axes' range and dates, the title, the notes and the legend. Text
    from the data (keys, titles) is drawn as plain text, never parsed as mathtext."""
    n = len(tl.row_labels)
    ax.set_yticks(list(range(n)), tl.row_labels, fontsize=7 if n > 30 else 8, parse_math=False)
    ax.set_ylim(n - 0.5 if n else 0.5, -0.5)
    ax.set_xlim(num(tl.lo), num(tl.hi))
    locator = mdates.AutoDateLocator(tz=tl.tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tl.tz))
    ax.grid(axis="x", color="#cccccc", linewidth=0.5, zorder=1)
    ax.set_title(tl.title, fontsize=10, loc="left", fontfamily=tl.family, parse_math=False)
    if tl.notes:
        ax.set_xlabel("\n".join(tl.notes), fontsize=8, fontfamily=tl.family, parse_math=False)
    if ax.get_legend_handles_labels()[0]:
        from matplotlib.font_manager import FontProperties

        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            prop=FontProperties(family=tl.family, size=8),
        )
