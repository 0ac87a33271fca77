"""The HTML report's monthly attainment chart, drawn here as inline SVG (no plotting
library, no script): one stacked bar per month.

Importable from :mod:`contract_rules.html_report` as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from .attainment import AttainmentRow, attainment_rows
from .html_words import _CARD_WORDS, STATUS_COLOURS, _e, _hl
from .render import labels
from .report import Report

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def attainment_svg(rows: Sequence[AttainmentRow], lang: str) -> str:
    """The monthly attainment as an inline SVG bar chart: one stacked bar per month (met, missed,
    excused, running) and the share met of the decided instances above it. It scales to the
    width it is given (``viewBox``); every text is escaped and in ``lang``."""
    lb, hl = labels(lang), _hl(lang)
    width, height = 960, 300
    left, right, top, bottom = 44, 12, 40, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((r.binding for r in rows), default=0)
    # a round step for the axis (1, 2 or 5 times a power of ten), at most six steps to the top
    n = 0
    step = 1
    while -(-peak // step) > 6:
        n += 1
        step = (1, 2, 5)[n % 3] * 10 ** (n // 3)
    top_value = max(-(-peak // step), 1) * step
    slot = plot_w / max(len(rows), 1)
    bar_w = min(48.0, slot * 0.62)
    out = [
        f'<svg id="cr-chart-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="cr-chart-title" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMid meet">',
        f'<title id="cr-chart-title">{_e(hl["chart_h"])}</title>',
    ]
    for i in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * i / top_value
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{i}</text>'
        )
    order = _CARD_WORDS
    for n, r in enumerate(rows):
        x = left + slot * n + (slot - bar_w) / 2
        y = top + plot_h
        values = {"fulfilled": r.met, "violated": r.violated, "excused": r.excused}
        values["pending"] = r.pending
        for status, _ in order:
            v = values[status]
            if not v:
                continue
            h = plot_h * v / top_value
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{STATUS_COLOURS[status]}" data-month="{_e(r.group)}" '
                f'data-status="{status}" data-n="{v}"><title>{_e(r.group)} · '
                f"{_e(lb[status])}: {v}</title></rect>"
            )
        cx = x + bar_w / 2
        if r.share_met is not None:
            out.append(
                f'<text x="{cx:.1f}" y="{y - 6:.1f}" class="share" text-anchor="middle">'
                f"{r.share_met * 100:.0f}%</text>"
            )
        year, month = r.group[:4], int(r.group[5:])
        label = f"{month}月" if lang == "zh" else _MONTHS_EN[month - 1]
        out.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" class="tick month" text-anchor="middle">'
            f"{_e(label)}</text>"
        )
        if n == 0 or month == 1:
            out.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 32}" class="tick year" '
                f'text-anchor="middle">{_e(year)}</text>'
            )
    # the legend, in a row above the plot
    lx = left
    for status, word in order:
        out.append(
            f'<rect x="{lx}" y="10" width="12" height="12" fill="{STATUS_COLOURS[status]}"/>'
            f'<text x="{lx + 17}" y="20.5" class="legend">{_e(hl[word])}</text>'
        )
        lx += 110
    out.append(
        f'<text x="{lx}" y="20.5" class="legend">{_e("%")} = {_e(hl["share_met"])} / '
        f"({_e(hl['card_met'])} + {_e(hl['card_missed'])})</text>"
    )
    out.append("</svg>")
    return "".join(out)


def _chart(report: Report, lang: str) -> str:
    hl = _hl(lang)
    rows = attainment_rows(report, "month")
    body = attainment_svg(rows, lang) if rows else f"<p>{_e(hl['chart_none'])}</p>"
    return (
        f'<section id="cr-chart"><h2>{_e(hl["chart_h"])}</h2>'
        f'<p class="cr-muted">{_e(hl["chart_desc"])}</p>'
        f'<figure class="cr-figure">{body}</figure></section>'
    )
