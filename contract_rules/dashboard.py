"""A year at a glance: the SLA dashboard of a report (``report.plot_dashboard()``).

Three panels, each worked out first without matplotlib (:func:`dashboard_data`, the pure step)
and then drawn (:func:`plot_dashboard`):

- **attainment per month and norm**: for every norm with decided instances in more than one
  month, the share met (fulfilled / (fulfilled + violated)) per month of the trigger, one bar
  per norm and month with decided instances; binding norms solid, best-effort ones hatched;
  norms decided in one month only (a yearly payment) are named under the panel;
- **time to fulfil per tier**: for every obligation (and tier) whose deadline is a duration
  counted from the trigger, the time from the trigger to the fulfilment of each fulfilled
  instance, in the deadline's own unit (working hours where the deadline counts working hours,
  working days where it counts working days), against the target;
- **breaches and liability per period**: violated binding instances per month, and per remedy
  and period the amounts claimed, compensable and payable with the cap.

matplotlib is imported on use only, as in :mod:`contract_rules.timeline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .attainment import _month, _months_between
from .calendar import BusinessCalendar
from .errors import CalendarCoverageError
from .figures import STATUS_COLOURS, _calendar_for, _figure_lang, _new_figure, _plt_needed
from .model import Deadline, Ruleset
from .render import contract_title
from .report import Obligation, Report
from .view_labels import labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Bar colours of the norms in the attainment panel, in the ruleset's order (cycled).
NORM_COLOURS = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#b279a2",
    "#72b7b2",
    "#eeca3b",
    "#9d755d",
    "#ff9da6",
)

#: ``Axes.get_label()`` of the panels, so that code (and tests) can find them.
AXES_ATTAINMENT = "attainment"
AXES_TIME_PREFIX = "time-to-fulfil:"
AXES_BREACHES = "breaches"
AXES_LIABILITY = "liability"
#: ``gid`` of the target line of a time-to-fulfil panel and of its points.
GID_TARGET = "target"
GID_TIMES = "time-to-fulfil"

#: The deadline fields measured in the time panel, with their unit's label key and size.
_UNITS: tuple[tuple[str, str], ...] = (
    ("minutes", "unit_minutes"),
    ("hours", "unit_hours"),
    ("working_hours", "unit_working_hours"),
    ("days", "unit_days"),
    ("working_days", "unit_working_days"),
)


@dataclass(frozen=True)
class NormMonths:
    """The monthly attainment of one norm: per month of :attr:`Dashboard.months`, the share of
    its decided instances met (None where none was decided) and how many were decided."""

    norm: str
    binding: bool
    share: tuple[float | None, ...]
    decided: tuple[int, ...]


@dataclass(frozen=True)
class TierTimes:
    """The times to fulfil of one norm's tier (``tier`` None: a norm without tiers)."""

    norm: str
    tier: str | None
    binding: bool
    #: the deadline's unit: ``minutes``, ``hours``, ``working_hours``, ``days``, ``working_days``
    unit: str
    target: float
    #: one value per fulfilled instance, in ``unit``, in the report's order
    values: tuple[float, ...]
    #: violated instances never fulfilled (no time to show)
    unfulfilled: int
    #: fulfilled instances the calendar has no data to measure (working units only)
    unmeasured: int = 0


@dataclass(frozen=True)
class LiabilityBar:
    """One remedy in one period: the amounts, exact."""

    remedy: str
    period_label: str
    currency: str
    claimed: Decimal
    compensable: Decimal
    payable: Decimal
    cap: Decimal | None


@dataclass(frozen=True)
class Dashboard:
    """What :func:`plot_dashboard` draws, worked out without matplotlib."""

    #: every month from the first to the last trigger, ``"YYYY-MM"`` in the contract's zone
    months: tuple[str, ...]
    attainment: tuple[NormMonths, ...]
    times: tuple[TierTimes, ...]
    #: violated binding instances per month of :attr:`months` (by trigger)
    breaches: tuple[int, ...]
    liability: tuple[LiabilityBar, ...]
    lang: str
    family: list[str] | None
    title: str
    #: norms with decided instances in one month only, named under the attainment panel
    single_month: tuple[str, ...] = ()


def _deadline_unit(d: Deadline) -> tuple[str, float] | None:
    """The unit and size of a deadline counted from the trigger, or None (a date, months,
    years, or an anchor other than the trigger: no single target to compare with)."""
    if d.from_ != "trigger":
        return None
    for name, _ in _UNITS:
        value = getattr(d, name)
        if value is not None:
            return name, float(value)
    return None


def _elapsed(o: Obligation, unit: str, cal: BusinessCalendar, tz: ZoneInfo) -> float:
    """The time from the trigger to the fulfilment of ``o``, in ``unit`` (CalendarCoverageError
    where a working unit needs a year the calendar has no data for)."""
    assert o.fulfilled_at is not None
    a, b = o.trigger_at, o.fulfilled_at
    if unit == "working_hours":
        return cal.working_time_between(a, b) / timedelta(hours=1)
    if unit == "working_days":
        return float(cal.working_days_between(a.astimezone(tz).date(), b.astimezone(tz).date()))
    seconds = (b - a).total_seconds()
    return seconds / {"minutes": 60, "hours": 3600, "days": 86400}[unit]


def _tier_groups(ruleset: Ruleset) -> list[tuple[str, str | None, bool, str, float]]:
    """(norm, tier, binding, unit, target) for every obligation and tier with a duration deadline,
    in the ruleset's order (a permission's or prohibition's deadline is no target to meet)."""
    out: list[tuple[str, str | None, bool, str, float]] = []
    for n in ruleset.norms:
        if n.kind != "obligation":
            continue
        binding = n.strength == "binding"
        pairs: list[tuple[str | None, Deadline]] = [(t.name, t.deadline) for t in n.tiers or ()]
        if n.deadline is not None:
            pairs.append((None, n.deadline))
        for tier, deadline in pairs:
            unit = _deadline_unit(deadline)
            if unit is not None:
                out.append((n.id, tier, binding, unit[0], unit[1]))
    return out


def _times(report: Report, ruleset: Ruleset, cal: BusinessCalendar) -> tuple[TierTimes, ...]:
    tz = ZoneInfo(report.timezone)
    out = []
    for norm, tier, binding, unit, target in _tier_groups(ruleset):
        obs = [o for o in report.obligations if o.rule == norm and o.tier == tier]
        values: list[float] = []
        unmeasured = 0
        for o in obs:
            if o.fulfilled_at is None:
                continue
            try:
                values.append(_elapsed(o, unit, cal, tz))
            except CalendarCoverageError:
                unmeasured += 1
        unfulfilled = sum(o.status == "violated" and o.fulfilled_at is None for o in obs)
        if values or unfulfilled or unmeasured:
            out.append(
                TierTimes(norm, tier, binding, unit, target, tuple(values), unfulfilled, unmeasured)
            )
    return tuple(out)


def dashboard_data(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    lang: str = "en",
) -> Dashboard:
    """The numbers of :func:`plot_dashboard` (same arguments, same errors); imports no
    matplotlib. Every instance of the report is counted in the panel it belongs to: decided
    ones (fulfilled or violated) in the attainment, fulfilled ones of a duration deadline in the
    times, violated binding ones in the breaches."""
    if report.ruleset is None and not isinstance(calendar, Ruleset):
        raise ValueError(
            "this report carries no ruleset: pass calendar= the Ruleset it was evaluated under"
        )
    ruleset = report.ruleset if report.ruleset is not None else calendar
    assert isinstance(ruleset, Ruleset)
    cal = _calendar_for(report, calendar)
    lang, font = _figure_lang(lang, "dashboard")
    tz = ZoneInfo(report.timezone)
    months_of = [_month(o.trigger_at, tz) for o in report.obligations]
    months = tuple(_months_between(min(months_of), max(months_of))) if months_of else ()
    col = {m: i for i, m in enumerate(months)}

    attainment = []
    once: list[str] = []  # decided in one month only: no monthly series to draw
    for n in ruleset.norms:
        met = [0] * len(months)
        decided = [0] * len(months)
        for o, m in zip(report.obligations, months_of, strict=True):
            if o.rule == n.id and o.status in ("fulfilled", "violated"):
                decided[col[m]] += 1
                met[col[m]] += o.status == "fulfilled"
        if sum(d > 0 for d in decided) > 1:
            share = tuple(k / d if d else None for k, d in zip(met, decided, strict=True))
            attainment.append(NormMonths(n.id, n.strength == "binding", share, tuple(decided)))
        elif any(decided):
            once.append(n.id)

    breaches = [0] * len(months)
    for o, m in zip(report.obligations, months_of, strict=True):
        if o.strength == "binding" and o.status == "violated":
            breaches[col[m]] += 1

    liability = tuple(
        LiabilityBar(
            line.remedy,
            line.period_label,
            line.currency,
            line.claimed,
            line.compensable,
            line.payable,
            line.cap,
        )
        for line in report.liability.lines
    )
    lb = labels(lang)
    title = contract_title(report, lang)
    return Dashboard(
        months,
        tuple(attainment),
        _times(report, ruleset, cal),
        tuple(breaches),
        liability,
        lang,
        [font, "DejaVu Sans"] if font else None,
        f"{lb['dashboard']}: {title}",
        tuple(once),
    )


def plot_dashboard(
    report: Report,
    calendar: BusinessCalendar | Ruleset | None = None,
    *,
    lang: str = "en",
) -> Figure:
    """The report's SLA dashboard as one matplotlib Figure (see the module's docstring).

    Panels are axes labelled (``Axes.get_label()``) ``"attainment"``, ``"time-to-fulfil:<norm>"``
    or ``"time-to-fulfil:<norm>:<tier>"`` (one per tier), ``"breaches"`` and ``"liability"``.
    ``calendar`` (a BusinessCalendar or the Ruleset) defaults to the report's ruleset; it
    measures working hours and working days. Labels are in ``lang`` (``"zh"`` falls back to
    English with a warning when no installed font has Chinese glyphs). In IPython the figure is
    shown once as the cell's value; elsewhere it is an Agg figure (``fig.savefig(...)``).
    """
    _plt_needed()
    import matplotlib

    data = dashboard_data(report, calendar, lang=lang)
    n_times = max(1, len(data.times))
    cols = min(n_times, 4)
    rows = -(-n_times // cols)
    rc: dict[str, Any] = {"font.family": data.family} if data.family else {}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = _new_figure(12.0, 4.0 + 2.6 * rows + 3.2)
        grid = fig.add_gridspec(3, 1, height_ratios=[4.0, 2.6 * rows, 3.2])
        fig.suptitle(data.title, x=0.01, ha="left", fontsize=12)
        _draw_attainment(fig.add_subplot(grid[0]), data)
        sub = grid[1].subgridspec(rows, cols)
        if data.times:
            for k, tt in enumerate(data.times):
                _draw_times(fig.add_subplot(sub[k // cols, k % cols]), tt, data)
        else:
            ax = fig.add_subplot(sub[0, 0])
            ax.set_label(AXES_TIME_PREFIX)
            _nothing(ax, data)
        bottom = grid[2].subgridspec(1, 2)
        _draw_breaches(fig.add_subplot(bottom[0, 0]), data)
        _draw_liability(fig.add_subplot(bottom[0, 1]), data)
    return fig


def _nothing(ax: Axes, data: Dashboard) -> None:
    ax.text(0.5, 0.5, labels(data.lang)["no_data"], transform=ax.transAxes, ha="center")
    ax.set_xticks([])
    ax.set_yticks([])


def _month_ticks(ax: Axes, months: Sequence[str]) -> None:
    ax.set_xticks(range(len(months)), list(months), rotation=45, ha="right", fontsize=8)


def _draw_attainment(ax: Axes, data: Dashboard) -> None:
    """Grouped bars: per month, one bar per norm that has decided instances that month."""
    lb = labels(data.lang)
    ax.set_label(AXES_ATTAINMENT)
    ax.set_title(lb["attainment_by_month"], fontsize=10, loc="left")
    if not data.attainment:
        _nothing(ax, data)
        return
    width = 0.8 / len(data.attainment)
    for k, nm in enumerate(data.attainment):
        xs = [i - 0.4 + width * (k + 0.5) for i, s in enumerate(nm.share) if s is not None]
        hs = [s for s in nm.share if s is not None]
        kind = lb["binding"] if nm.binding else lb["best_effort"]
        ax.bar(
            xs,
            hs,
            width=width,
            color=NORM_COLOURS[k % len(NORM_COLOURS)],
            hatch=None if nm.binding else "///",
            edgecolor="white" if nm.binding else "black",
            linewidth=0.4,
            label=f"{nm.norm} ({kind})",
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(lb["share_met"])
    ax.set_xlim(-0.5, len(data.months) - 0.5)
    _month_ticks(ax, data.months)
    if data.single_month:
        ax.set_xlabel(lb["single_month"].format(norms=", ".join(data.single_month)), fontsize=8)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)


def _draw_times(ax: Axes, tt: TierTimes, data: Dashboard) -> None:
    """A box of the times to fulfil, every time a point (green within the target, red over it)
    and the target as a dashed line."""
    lb = labels(data.lang)
    name = tt.norm if tt.tier is None else f"{tt.norm}:{tt.tier}"
    ax.set_label(AXES_TIME_PREFIX + name)
    kind = "" if tt.binding else f" ({lb['best_effort']})"
    title = f"{tt.norm}{kind}\n{tt.tier or ''} (n={len(tt.values)})"
    ax.set_title(title, fontsize=8, loc="left", parse_math=False)
    if tt.values:
        ax.boxplot([list(tt.values)], widths=0.5, showfliers=False)
        # a fixed spread, not random: the figure is the same on every run
        xs = [1 + ((i % 9) - 4) * 0.04 for i in range(len(tt.values))]
        colours = [
            STATUS_COLOURS["fulfilled"] if v <= tt.target else STATUS_COLOURS["violated"]
            for v in tt.values
        ]
        ax.scatter(xs, list(tt.values), c=colours, s=12, zorder=3, gid=GID_TIMES)
    ax.axhline(
        tt.target,
        color="black",
        linestyle="dashed",
        linewidth=1,
        gid=GID_TARGET,
        label=lb["target"],
    )
    top = max((*tt.values, tt.target)) * 1.1
    ax.set_ylim(0, top)
    ax.set_xticks([])
    ax.set_ylabel(lb["unit_" + tt.unit], fontsize=8)
    notes = [f"{lb['target']} {tt.target:g}"]
    if tt.unfulfilled:
        notes.append(lb["not_fulfilled"].format(n=tt.unfulfilled))
    if tt.unmeasured:
        notes.append(lb["no_calendar"].format(n=tt.unmeasured))
    ax.set_xlabel("\n".join(notes), fontsize=7)
    ax.tick_params(labelsize=7)


def _draw_breaches(ax: Axes, data: Dashboard) -> None:
    lb = labels(data.lang)
    ax.set_label(AXES_BREACHES)
    ax.set_title(lb["breaches_by_month"], fontsize=10, loc="left")
    ax.bar(range(len(data.months)), data.breaches, color=STATUS_COLOURS["violated"])
    _month_ticks(ax, data.months)
    ax.set_ylabel(lb["n_breaches"])
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)


def _draw_liability(ax: Axes, data: Dashboard) -> None:
    """Per remedy and period: claimed, compensable and payable side by side, the cap dashed."""
    lb = labels(data.lang)
    ax.set_label(AXES_LIABILITY)
    ax.set_title(lb["liability_by_period"], fontsize=10, loc="left")
    if not data.liability:
        _nothing(ax, data)
        return
    series: list[tuple[str, str, Any]] = [
        ("claimed", "#bab0ac", lambda b: b.claimed),
        ("compensable", "#f58518", lambda b: b.compensable),
        ("payable", "#e45756", lambda b: b.payable),
    ]
    n = len(data.liability)
    for k, (key, colour, get) in enumerate(series):
        ax.bar(
            [i - 0.3 + 0.2 * (k + 0.5) for i in range(n)],
            [float(get(b)) for b in data.liability],  # drawing only: the data stay Decimal
            width=0.2,
            color=colour,
            label=lb[key],
        )
    for i, b in enumerate(data.liability):
        if b.cap is not None:
            ax.hlines(
                float(b.cap),
                i - 0.4,
                i + 0.4,
                colors="black",
                linestyles="dashed",
                label=lb["cap"] if i == 0 else "_nolegend_",
            )
    ticks = [f"{b.remedy}\n{b.period_label}" for b in data.liability]
    ax.set_xticks(range(n), ticks, fontsize=7, parse_math=False)
    currencies = sorted({b.currency for b in data.liability})
    ax.set_ylabel(", ".join(currencies))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
