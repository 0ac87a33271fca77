"""The measures in words: the text and Markdown report's section of measures per period
(:func:`measures_text`, :func:`measures_markdown`) and why a measure has its value
(:func:`explain_measure`, ``contract-rules explain --rule <measure>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .report_words import labels
from .safe_text import visible
from .tables import markdown_table, text_table
from .text import money

if TYPE_CHECKING:
    from .report import Report


#: the columns of the measures' section (keys of :data:`~contract_rules.report_words.LABELS`)
MEASURE_COLUMNS = ("measure", "period", "value", "target", "arithmetic")
_COLUMNS = MEASURE_COLUMNS


def measure_rows(report: Report) -> list[list[str]]:
    """A row per measure and period: its value, target and arithmetic."""
    return [
        [
            mp.measure,
            mp.period_label,
            mp.percent,
            "-" if mp.target is None else f"{mp.target} %",
            mp.arithmetic(),
        ]
        for mp in report.measures
    ]


def measures_text(report: Report, lang: str = "en") -> list[str]:
    """The text report's section of measures (none for a ruleset without them): a table, then
    the spans each period counted."""
    if not report.measures:
        return []
    lb = labels(lang)
    headers = [lb[k] for k in _COLUMNS]
    out = ["", f"== {lb['measures']}", text_table(headers, measure_rows(report), max_last=90)]
    for mp in report.measures:
        out += [f"  {mp.measure} {mp.period_label}: {span}" for span in mp.spans]
    return out


def measures_markdown(report: Report, lang: str = "en") -> list[str]:
    """The Markdown report's section of measures (none for a ruleset without them)."""
    if not report.measures:
        return []
    lb = labels(lang)
    headers = [lb[k] for k in _COLUMNS]
    return ["", f"## {lb['measures']}", "", markdown_table(headers, measure_rows(report))]


def explain_measure(report: Report, measure: str, period: str | None = None) -> str:
    """Why a measure has its value in each period (or in the period labelled ``period``): the
    arithmetic, the spans counted and what each remedy reading it computed from it."""
    lines: list[str] = []
    for mp in report.measures:
        if mp.measure != measure or (period is not None and mp.period_label != period):
            continue
        title = f"{mp.measure} {mp.period_label}" + (f" (clause {mp.clause})" if mp.clause else "")
        lines += [title, f"  {mp.arithmetic()}", *[f"  {span}" for span in mp.spans]]
        for ln in report.liability:
            for item in ln.items:
                if item.key == mp.period_label and measure in (item.rule or "").split(","):
                    lines.append(
                        f"  {ln.remedy}: {money(item.amount)} {ln.currency}"
                        + ("" if item.compensable else " (not counted)")
                    )
                    lines += [f"    {step}" for step in item.explanation] or [f"    {item.reason}"]
                    if ln.payable < ln.compensable:
                        lines.append(f"    payable {money(ln.payable)} ({'; '.join(ln.notes)})")
    return visible("\n".join(lines), keep="\n") + "\n"
