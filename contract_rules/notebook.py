"""Notebook views of rulesets and reports: attainment, a timeline figure, a ruleset summary.

pandas and matplotlib are optional extras (``pip install 'contract-rules[notebook]'``): this module
imports neither at import time, only inside the function that needs it, so ``import
contract_rules`` and :func:`contract_rules.evaluate` never load them.

- :func:`attainment` — per month, tier or rule: how many binding instances were met, violated,
  excused or pending, and the share met (a pandas DataFrame). :func:`attainment_rows` gives the
  same numbers without pandas.
- :func:`plot_timeline` — instances along a time axis, one row each, with request, due and
  fulfilment marks, coloured by status, the calendar's non-working days shaded (a matplotlib
  Figure).
- :func:`ruleset_html` — a readable HTML summary of a ruleset (parties, term, calendar, norms
  with clause numbers, remedies), used by ``Ruleset._repr_html_``.

Every view has Chinese and English labels (``lang="zh"`` or ``"en"``).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from .calendar import BusinessCalendar, build_calendar
from .errors import CalendarCoverageError
from .model import Ruleset
from .report import STATUSES, Obligation, Report
from .ruleset_view import ruleset_html as ruleset_html  # public here, as before
from .view_labels import LABELS as LABELS  # public here, as before
from .view_labels import labels

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


AttainmentBy = Literal["month", "tier", "rule"]

#: The columns of :func:`attainment`, in order.
ATTAINMENT_COLUMNS = ("group", "binding", "met", "violated", "excused", "pending", "share_met")

#: The group of instances that have no tier (a plain deadline, or none), in ``by="tier"``.
NO_TIER = "(none)"

#: Colours of the statuses in figures (bars and request marks).
STATUS_COLOURS: dict[str, str] = {
    "pending": "#4c78a8",
    "fulfilled": "#54a24b",
    "violated": "#e45756",
    "excused": "#9d9d9d",
}
NON_WORKING_COLOUR = "#e6e6e6"

#: ``gid`` of the artists :func:`plot_timeline` draws, so that code (and tests) can find them.
GID_REQUEST = "request"
GID_DUE = "due"
GID_FULFILMENT = "fulfilment"
GID_NON_WORKING = "non-working-day"

# =============================================================================== attainment


@dataclass(frozen=True)
class AttainmentRow:
    """The binding instances of one group, by status.

    ``binding`` counts every binding instance of the group: ``met + violated + excused +
    pending``. Met means fulfilled. Excused instances were released by the contract (an
    exclusion, force majeure) and pending ones are not decided yet: both are counted but left out
    of :attr:`share_met`, which judges only decided duties.
    """

    group: str
    binding: int
    met: int
    violated: int
    excused: int
    pending: int

    @property
    def share_met(self) -> float | None:
        """``met / (met + violated)``; None when no binding instance of the group is decided."""
        decided = self.met + self.violated
        return self.met / decided if decided else None


def _month(t: datetime, tz: ZoneInfo) -> str:
    local = t.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def attainment_rows(report: Report, by: AttainmentBy = "rule") -> list[AttainmentRow]:
    """The attainment of binding duties per group, without pandas (see :func:`attainment`).

    Only binding instances count (best-effort targets are reported but are not promises). Groups:

    - ``"month"``: the calendar month, in the contract's time zone, in which the instance arose
      (its trigger instant), as ``"YYYY-MM"``; every month from the first to the last is listed,
      months with no binding instance with zeros;
    - ``"tier"``: the service-level tier chosen for the instance; instances of norms without
      tiers form the group :data:`NO_TIER` (listed last);
    - ``"rule"``: the norm id, in the ruleset's order when the report carries its ruleset, else in
      order of first appearance.

    Instances a streaming evaluation already handed off (``report.settled``) are not listed in the
    report and so are not counted.
    """
    if by not in ("month", "tier", "rule"):
        raise ValueError(f"attainment by {by!r}: use 'month', 'tier' or 'rule'")
    tz = ZoneInfo(report.timezone)
    binding = [o for o in report.obligations if o.strength == "binding"]

    def group_of(o: Obligation) -> str:
        if by == "month":
            return _month(o.trigger_at, tz)
        if by == "tier":
            return o.tier if o.tier is not None else NO_TIER
        return o.rule

    counts: dict[str, dict[str, int]] = {}
    for o in binding:
        c = counts.setdefault(group_of(o), dict.fromkeys(STATUSES, 0))
        c[o.status] += 1

    order: list[str]
    if by == "month":
        order = _months_between(min(counts), max(counts)) if counts else []
    elif by == "tier":
        order = [g for g in counts if g != NO_TIER] + ([NO_TIER] if NO_TIER in counts else [])
    else:
        norm_ids = [n.id for n in report.ruleset.norms] if report.ruleset is not None else []
        order = [n for n in norm_ids if n in counts] + [g for g in counts if g not in norm_ids]

    rows = []
    for g in order:
        c = counts.get(g, dict.fromkeys(STATUSES, 0))
        rows.append(
            AttainmentRow(
                group=g,
                binding=sum(c.values()),
                met=c["fulfilled"],
                violated=c["violated"],
                excused=c["excused"],
                pending=c["pending"],
            )
        )
    return rows


def attainment(report: Report, by: AttainmentBy = "rule") -> pd.DataFrame:
    """The share of binding instances met, per month, tier or rule, as a pandas DataFrame.

    Columns (:data:`ATTAINMENT_COLUMNS`): ``group`` (string; the month ``"YYYY-MM"``, the tier or
    the rule id — grouping as in :func:`attainment_rows`), ``binding`` (all binding instances of
    the group), ``met`` (fulfilled), ``violated``, ``excused``, ``pending`` (int64) and
    ``share_met`` = met / (met + violated) (float64; NaN where nothing is decided yet).

    Excused and pending instances are counted in ``binding`` but neither met nor missed: an
    excused duty was released by the contract, a pending one is not decided yet, so both are left
    out of the share. ``df.attrs["by"]`` records the grouping.
    """
    from .frames import _pd

    pd_ = _pd()
    rows = attainment_rows(report, by)
    frame = pd_.DataFrame(
        {
            "group": pd_.Series([r.group for r in rows], dtype="string"),
            "binding": pd_.Series([r.binding for r in rows], dtype="int64"),
            "met": pd_.Series([r.met for r in rows], dtype="int64"),
            "violated": pd_.Series([r.violated for r in rows], dtype="int64"),
            "excused": pd_.Series([r.excused for r in rows], dtype="int64"),
            "pending": pd_.Series([r.pending for r in rows], dtype="int64"),
            "share_met": pd_.Series(
                [math.nan if r.share_met is None else r.share_met for r in rows], dtype="float64"
            ),
        }
    )
    frame.attrs["by"] = by
    return frame


# =============================================================================== timeline


def _plt_needed() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "matplotlib is needed for figures: pip install 'contract-rules[notebook]'"
        ) from exc


def _in_ipython() -> bool:
    """True inside an IPython shell or Jupyter kernel (pyplot's inline backend is then used)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get is not None and get() is not None


def _new_figure(width: float, height: float) -> Figure:
    """A new figure: through pyplot inside IPython (detached so that it is shown once, as the
    returned value); elsewhere a plain Agg figure, without pyplot or any global backend change."""
    if _in_ipython():
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(width, height), layout="constrained")
        plt.close(fig)
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Arial Unicode MS",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def _cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _CJK_FONTS if n in names), None)


def _instant(value: datetime | date | str, tz: ZoneInfo) -> datetime:
    """An aware instant: a date is its local midnight, a naive time is read in ``tz``."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(tz)


def _midnight(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0), tz)


def _calendar_for(report: Report, calendar: BusinessCalendar | Ruleset | None) -> BusinessCalendar:
    if calendar is None:
        if report.ruleset is None:
            raise ValueError(
                "this report carries no ruleset: pass calendar= (a BusinessCalendar or the Ruleset)"
            )
        return build_calendar(report.ruleset)
    if isinstance(calendar, Ruleset):
        return build_calendar(calendar)
    return calendar


def _row_label(o: Obligation, one_rule: bool) -> str:
    key = o.key if o.key is not None else "-"
    text = (
        key if one_rule and o.key is not None else (o.rule if o.key is None else f"{o.rule} {key}")
    )
    return text + (f" #{o.nth}" if o.nth > 1 else "")


def plot_timeline(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    rules: str | Iterable[str] | None = None,
    start: datetime | date | str | None = None,
    end: datetime | date | str | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Figure:
    """Instances along a time axis: one row per instance, and the figure it is drawn in.

    Which instances: those of ``rules`` (a norm id or several; None: every norm) whose trigger
    instant lies in ``[start, end)``. ``start`` and ``end`` are instants, dates (local midnight)
    or ISO strings, read in the report's time zone when naive. Without ``start`` the range begins
    at midnight of the earliest trigger; without ``end`` it ends at the midnight after the last
    request, due or fulfilment mark of the instances shown (pending instances without a due run
    to ``as_of``). The x axis is exactly that range, in the contract's time zone.

    What is drawn, per instance (top row first, in the report's order):

    - a bar from the trigger to the fulfilment (else the due, else ``as_of``), coloured by status
      (:data:`STATUS_COLOURS`), dashed for best-effort instances;
    - one request mark (``gid="request"``, a single scatter with one point per instance shown);
    - a due mark where there is a due (``gid="due"``), a fulfilment mark where the instance was
      fulfilled or answered late (``gid="fulfilment"``).

    Every non-working day of ``calendar`` that overlaps the range is shaded, one span per day
    (``gid="non-working-day"``), clipped to the range. ``calendar`` is a
    :class:`~contract_rules.calendar.BusinessCalendar` or a :class:`Ruleset`; None uses the ruleset
    the report was evaluated under (``report.ruleset``; ValueError if it has none). Days the
    calendar has no data for are left unshaded and said so on the figure.

    Labels are in ``lang`` (``"zh"`` or ``"en"``); when no installed font has Chinese glyphs, a
    ``zh`` figure falls back to English labels with a warning. With ``ax`` the figure is drawn
    into that axes and its figure is returned; otherwise a new figure is made (through pyplot in
    IPython/Jupyter, detached so it shows once as the cell's value; elsewhere an Agg figure that
    touches no global backend). matplotlib is imported here, on use.
    """
    _plt_needed()
    import matplotlib.dates as _mdates

    mdates: Any = _mdates  # date2num and the locators are untyped
    tl = timeline_data(report, calendar, rules=rules, start=start, end=end, lang=lang)
    if ax is None:
        fig = _new_figure(11.0, min(max(2.6, 0.24 * len(tl.rows) + 1.6), 60.0))
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
    """One instance as the timeline draws it: its row label, bar and marks."""

    label: str
    status: str
    binding: bool
    trigger_at: datetime
    #: where the bar ends: the fulfilment, else the due, else ``as_of`` (pending) or the trigger
    bar_end: datetime
    due: datetime | None
    fulfilled_at: datetime | None


@dataclass(frozen=True)
class Timeline:
    """What :func:`plot_timeline` draws, worked out without matplotlib (the pure step)."""

    lo: datetime
    hi: datetime
    tz: ZoneInfo
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


def timeline_data(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    rules: str | Iterable[str] | None = None,
    start: datetime | date | str | None = None,
    end: datetime | date | str | None = None,
    lang: str = "en",
) -> Timeline:
    """The rows, range, shaded days, title and notes of :func:`plot_timeline` (same arguments,
    same errors); imports no matplotlib."""
    tz = ZoneInfo(report.timezone)
    cal = _calendar_for(report, calendar)
    wanted = _wanted_rules(report, rules)
    lang, font = _timeline_lang(lang)
    obs = [o for o in report.obligations if wanted is None or o.rule in wanted]
    obs, lo, hi = _timeline_range(report, obs, start, end, tz)
    non_working, uncovered = _non_working_days(cal, lo, hi, tz)
    lb = labels(lang)
    one_rule = len({o.rule for o in obs}) == 1
    rows = [
        TimelineRow(
            _row_label(o, one_rule),
            o.status,
            o.strength == "binding",
            o.trigger_at,
            _bar_end(o, report.as_of),
            o.due,
            o.fulfilled_at,
        )
        for o in obs
    ]
    title = report.contract_title_zh if lang == "zh" else report.contract_title_en
    shown = ", ".join(sorted({o.rule for o in obs})) if wanted is not None else ""
    head = f"{lb['timeline']}: {title or report.contract_id}"
    sub = f"{lo:%Y-%m-%d} – {hi:%Y-%m-%d} ({report.timezone})" + (f" — {shown}" if shown else "")
    notes = []
    if any(o.strength != "binding" for o in obs):
        notes.append(lb["best_effort_note"])
    if uncovered:
        notes.append(lb["no_calendar"].format(n=uncovered))
    family = [font, "DejaVu Sans"] if font else None
    return Timeline(lo, hi, tz, rows, non_working, uncovered, lang, family, f"{head}\n{sub}", notes)


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


def _timeline_lang(lang: str) -> tuple[str, str | None]:
    """The labels' language and the CJK font for ``zh``; English, with a warning, when no
    installed font has Chinese glyphs."""
    if lang != "zh":
        return lang, None
    font = _cjk_font()
    if font is None:
        warnings.warn(
            "no installed font has Chinese glyphs: the timeline uses English labels "
            "(install e.g. Noto Sans CJK SC for Chinese ones)",
            stacklevel=4,  # the caller of plot_timeline (through timeline_data)
        )
        return "en", None
    return lang, font


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


def _draw_non_working(ax: Axes, tl: Timeline, num: Callable[[datetime], float]) -> None:
    """One shaded span per non-working day; only the first carries the legend's label."""
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


def _draw_instances(ax: Axes, tl: Timeline, num: Callable[[datetime], float]) -> None:
    """The bars by status, then the request, due and fulfilment marks (or "no instances")."""
    lb = labels(tl.lang)
    rows = tl.rows
    ys = list(range(len(rows)))
    for status in STATUSES:
        idx = [i for i, r in enumerate(rows) if r.status == status]
        if not idx:
            continue
        bars = ax.hlines(
            [ys[i] for i in idx],
            [num(rows[i].trigger_at) for i in idx],
            [num(rows[i].bar_end) for i in idx],
            colors=STATUS_COLOURS[status],
            linewidth=3,
            zorder=2,
            label=lb[status],
        )
        bars.set_linestyle(["solid" if rows[i].binding else "dashed" for i in idx])
    if not rows:
        ax.text(
            0.5,
            0.5,
            lb["no_instances"],
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontfamily=tl.family,
        )
        return
    ax.scatter(
        [num(r.trigger_at) for r in rows],
        ys,
        c=[STATUS_COLOURS[r.status] for r in rows],
        edgecolors="black",
        linewidths=0.6,
        s=28,
        marker="o",
        zorder=4,
        gid=GID_REQUEST,
        label=lb["request"],
    )
    due = [(num(r.due), y) for r, y in zip(rows, ys, strict=True) if r.due is not None]
    if due:
        ax.scatter(
            [x for x, _ in due],
            [y for _, y in due],
            color="black",
            marker="|",
            s=110,
            linewidths=1.4,
            zorder=5,
            gid=GID_DUE,
            label=lb["due"],
        )
    done = [
        (num(r.fulfilled_at), y)
        for r, y in zip(rows, ys, strict=True)
        if r.fulfilled_at is not None
    ]
    if done:
        ax.scatter(
            [x for x, _ in done],
            [y for _, y in done],
            facecolors="white",
            edgecolors="black",
            marker="D",
            s=18,
            linewidths=0.8,
            zorder=5,
            gid=GID_FULFILMENT,
            label=lb["fulfilment"],
        )


def _draw_frame(ax: Axes, tl: Timeline, num: Callable[[datetime], float], mdates: Any) -> None:
    """The row labels, the axes' range and dates, the title, the notes and the legend."""
    n = len(tl.rows)
    ax.set_yticks(list(range(n)), [r.label for r in tl.rows], fontsize=7 if n > 30 else 8)
    ax.set_ylim(n - 0.5 if n else 0.5, -0.5)
    ax.set_xlim(num(tl.lo), num(tl.hi))
    locator = mdates.AutoDateLocator(tz=tl.tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tl.tz))
    ax.grid(axis="x", color="#cccccc", linewidth=0.5, zorder=1)
    ax.set_title(tl.title, fontsize=10, loc="left", fontfamily=tl.family)
    if tl.notes:
        ax.set_xlabel("; ".join(tl.notes), fontsize=8, fontfamily=tl.family)
    if ax.get_legend_handles_labels()[0]:
        from matplotlib.font_manager import FontProperties

        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            prop=FontProperties(family=tl.family, size=8),
        )
