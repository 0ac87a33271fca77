"""Each figure of the worked notebook, saved as a PNG and checked for what it shows.

``examples/tacheng_2025.ipynb`` is run here cell by cell in this process (pyplot on Agg), so that
the figures are matplotlib objects: each is saved as a PNG and its content — bars, rows, labels —
is read back from its Axes and compared with numbers derived from the report itself (never
hard-coded counts of the example year).
"""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
import matplotlib.dates
import matplotlib.pyplot as plt
import nbformat
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from contract_rules import dashboard, notebook
from contract_rules.calendar import build_calendar
from contract_rules.report import Report

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tacheng_2025.ipynb"
TZ = ZoneInfo("Asia/Shanghai")


def run_cells(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[tuple[str, Figure]]]:
    """Run the notebook's code cells in order; every figure a cell shows (its value, or a pyplot
    figure it opened), with the cell's source."""
    plt.switch_backend("Agg")
    plt.close("all")
    monkeypatch.chdir(NOTEBOOK.parent)
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ns: dict[str, Any] = {}
    shown: list[tuple[str, Figure]] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        before = set(plt.get_fignums())
        exec(compile(tree, "notebook", "exec"), ns)
        value = None
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "notebook", "eval"), ns)
        for num in sorted(set(plt.get_fignums()) - before):
            shown.append((cell.source, plt.figure(num)))
        if isinstance(value, Figure):
            shown.append((cell.source, value))
    return ns, shown


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Figure]]:
    with pytest.MonkeyPatch.context() as mp:
        ns, shown = run_cells(mp)
    out = tmp_path_factory.mktemp("figures")
    by_cell: dict[str, Figure] = {}
    for k, (source, fig) in enumerate(shown):
        png = out / f"figure-{k}.png"
        fig.savefig(png, dpi=60)
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5_000
        assert source not in by_cell, f"a cell shows two figures: {source[:60]}"
        by_cell[source] = fig
    plt.close("all")
    return ns, by_cell


def figure_of(by_cell: dict[str, Figure], needle: str) -> Figure:
    (fig,) = [f for source, f in by_cell.items() if needle in source]
    return fig


def months_of(report: Report) -> list[str]:
    """Every month from the first to the last trigger, as the report's attainment lists them."""
    return [str(g) for g in report.attainment(by="month")["group"]]


def test_every_figure_cell_shows_exactly_one_figure(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    _, by_cell = figures
    assert len(by_cell) == 6


def test_monthly_attainment_has_one_bar_per_month(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    ns, by_cell = figures
    (ax,) = figure_of(by_cell, 'attainment(by="month")').axes
    months = months_of(ns["report"])
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(months)
    assert [t.get_text() for t in ax.get_xticklabels()] == months
    shares = ns["monthly"]["share_met"].fillna(0).tolist()
    assert [round(b.get_height(), 9) for b in bars] == [round(s, 9) for s in shares]


def rows_in_window(report: Report, lo: date, hi: date, rule: str | None = None) -> list[str]:
    """The row labels the timeline should show: one per key, in order of first trigger."""
    a, b = (
        datetime.combine(lo, datetime.min.time(), TZ),
        datetime.combine(hi, datetime.min.time(), TZ),
    )
    labels: list[str] = []
    for o in report.obligations:
        if a <= o.trigger_at < b and (rule is None or o.rule == rule):
            label = o.key if o.key is not None else o.rule
            if label not in labels:
                labels.append(label)
    return labels


def test_response_timeline_rows_and_marks(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    ns, by_cell = figures
    report: Report = ns["report"]
    (ax,) = figure_of(by_cell, 'report.plot_timeline(rules="onsite.response"').axes
    rows = rows_in_window(report, date(2025, 1, 1), date(2025, 3, 1), "onsite.response")
    assert rows and [t.get_text() for t in ax.get_yticklabels()] == rows
    requests = [c for c in ax.collections if c.get_gid() == notebook.GID_REQUEST]
    assert len(requests) == 1 and isinstance(requests[0], PathCollection)
    assert len(requests[0].get_offsets()) == len(rows)  # one duty per key for one norm
    # the window is two months: days shaded, nights not
    assert not [p for p in ax.patches if p.get_gid() == notebook.GID_OFF_HOURS]
    assert [p for p in ax.patches if p.get_gid() == notebook.GID_NON_WORKING]


def test_incident_window_one_row_per_key_with_its_duties(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    ns, by_cell = figures
    report: Report = ns["report"]
    lo, hi = date(2025, 1, 26), date(2025, 2, 10)
    (ax,) = figure_of(by_cell, 'report.plot_timeline(start="2025-01-26"').axes
    rows = rows_in_window(report, lo, hi)
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    a = datetime.combine(lo, datetime.min.time(), TZ)
    b = datetime.combine(hi, datetime.min.time(), TZ)
    shown = [o for o in report.obligations if a <= o.trigger_at < b]
    assert len(rows) < len(shown)  # several duties share a row
    segments = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
    assert segments == len(shown)
    cal = build_calendar(ns["ruleset"])
    days = [lo + timedelta(days=i) for i in range((hi - lo).days)]
    off_days = [d for d in days if not cal.is_working_day(d)]
    assert len([p for p in ax.patches if p.get_gid() == notebook.GID_NON_WORKING]) == len(off_days)
    # a short window: the nights of the working days are shaded too (two spans a day at most)
    nights = [p for p in ax.patches if p.get_gid() == notebook.GID_OFF_HOURS]
    assert len(days) - len(off_days) <= len(nights) <= 2 * (len(days) - len(off_days)) + 1


def axes_by_label(fig: Figure) -> dict[str, Axes]:
    return {ax.get_label(): ax for ax in fig.axes}


def test_dashboard_panels(figures: tuple[dict[str, Any], dict[str, Figure]]) -> None:
    ns, by_cell = figures
    report: Report = ns["report"]
    fig = figure_of(by_cell, "report.plot_dashboard()")
    panels = axes_by_label(fig)
    months = months_of(report)

    # attainment: one bar per norm and month with decided instances (norms of several months)
    decided: dict[str, set[str]] = {}
    for o in report.obligations:
        if o.status in ("fulfilled", "violated"):
            local = o.trigger_at.astimezone(TZ)
            decided.setdefault(o.rule, set()).add(f"{local.year:04d}-{local.month:02d}")
    att = panels[dashboard.AXES_ATTAINMENT]
    expected_bars = sum(len(m) for m in decided.values() if len(m) > 1)
    assert len([p for p in att.patches if isinstance(p, Rectangle)]) == expected_bars
    assert [t.get_text() for t in att.get_xticklabels()] == months
    legend = att.get_legend()
    assert legend is not None
    drawn = [t.get_text().split(" (")[0] for t in legend.get_texts()]
    assert drawn == [n.id for n in ns["ruleset"].norms if len(decided.get(n.id, ())) > 1]

    # time to fulfil: one panel per norm and tier with fulfilled instances, a point each
    fulfilled: dict[str, int] = {}
    for o in report.obligations:
        if o.fulfilled_at is not None and o.rule in {"onsite.response", "onsite.arrival"}:
            name = o.rule if o.tier is None else f"{o.rule}:{o.tier}"
            fulfilled[name] = fulfilled.get(name, 0) + 1
    for name, n in fulfilled.items():
        ax = panels[dashboard.AXES_TIME_PREFIX + name]
        (points,) = [c for c in ax.collections if c.get_gid() == dashboard.GID_TIMES]
        assert len(points.get_offsets()) == n
        (target,) = [ln for ln in ax.lines if ln.get_gid() == dashboard.GID_TARGET]
        assert target.get_ydata()[0] > 0  # type: ignore[index]

    # breaches per month: one bar per month, heights the violated binding duties
    br = panels[dashboard.AXES_BREACHES]
    heights = [p.get_height() for p in br.patches if isinstance(p, Rectangle)]
    assert len(heights) == len(months)
    assert sum(heights) == len(report.breaches)

    # liability: claimed, compensable, payable per remedy and period
    li = panels[dashboard.AXES_LIABILITY]
    bars = [p for p in li.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3 * len(report.liability.lines)
    payable = sorted(float(line.payable) for line in report.liability.lines)
    assert sorted(b.get_height() for b in bars[2 * len(report.liability.lines) :]) == payable


def test_liability_figure_bars_per_period(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    ns, by_cell = figures
    report: Report = ns["report"]
    (ax,) = figure_of(by_cell, "money_as_float(liability)").axes
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3 * len(report.liability.lines)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        line.period_label for line in report.liability.lines
    ]


def test_what_if_timeline_marks_its_own_breaches(
    figures: tuple[dict[str, Any], dict[str, Figure]],
) -> None:
    ns, by_cell = figures
    what_if: Report = ns["what_if"]
    (ax,) = figure_of(by_cell, "what_if.plot_timeline").axes
    rows = rows_in_window(what_if, date(2025, 1, 1), date(2025, 3, 1), "onsite.response")
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    violated = [c for c in ax.collections if c.get_label() == "violated"]
    lo = datetime(2025, 1, 1, tzinfo=TZ)
    hi = datetime(2025, 3, 1, tzinfo=TZ)
    n_violated = sum(
        o.status == "violated" and lo <= o.trigger_at < hi
        for o in what_if.select(rule="onsite.response")
    )
    assert sum(len(c.get_segments()) for c in violated) == n_violated  # type: ignore[attr-defined]
    assert matplotlib.dates.num2date(ax.get_xlim()[0], tz=TZ) == lo
