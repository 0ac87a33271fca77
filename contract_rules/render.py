"""Readable renderings of a :class:`~contract_rules.report.Report`, in Chinese or English.

Each renderer is a pure function ``(report, lang) -> str``; :data:`RENDERERS` maps the format
names of ``contract-rules eval --format`` to them. Nothing here prints.
"""

from __future__ import annotations

import csv
import html
import io
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from .report import Obligation, Report, iso, money

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "report": "Evaluation report",
        "as_of": "as of",
        "ledger": "Obligations",
        "breaches": "Breaches (violated binding duties)",
        "liability": "Liability and remedies",
        "events": "Events",
        "rule": "rule",
        "clause": "clause",
        "party": "party",
        "key": "key",
        "tier": "tier",
        "trigger": "trigger",
        "due": "due",
        "status": "status",
        "done": "fulfilled at",
        "strength": "strength",
        "reason": "reason",
        "pending": "pending",
        "fulfilled": "fulfilled",
        "violated": "violated",
        "excused": "excused",
        "binding": "binding",
        "best_effort": "best effort",
        "remedy": "remedy",
        "period": "period",
        "claimed": "claimed",
        "compensable": "compensable",
        "cap": "cap",
        "payable": "payable",
        "input": "input",
        "used": "used",
        "ignored": "ignored",
        "rejected": "rejected",
        "none": "none",
        "notes": "Notes",
        "assumptions": "Assumptions",
        "counts": "Counts",
        "title": "title",
    },
    "zh": {
        "report": "履约评估报告",
        "as_of": "评估时点",
        "ledger": "义务台账",
        "breaches": "违约 (具约束力的义务未履行)",
        "liability": "违约责任与补偿",
        "events": "事件",
        "rule": "规则",
        "clause": "条款",
        "party": "当事方",
        "key": "编号",
        "tier": "档位",
        "trigger": "触发",
        "due": "期限",
        "status": "状态",
        "done": "履行时间",
        "strength": "效力",
        "reason": "原因",
        "pending": "进行中",
        "fulfilled": "已履行",
        "violated": "未履行",
        "excused": "已免责",
        "binding": "约束性",
        "best_effort": "尽力而为",
        "remedy": "补偿",
        "period": "期间",
        "claimed": "主张",
        "compensable": "可补偿",
        "cap": "上限",
        "payable": "应付",
        "input": "输入",
        "used": "已使用",
        "ignored": "已忽略",
        "rejected": "已拒绝",
        "none": "无",
        "notes": "备注",
        "assumptions": "假设",
        "counts": "统计",
        "title": "名称",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The label table for ``lang`` (``zh`` or ``en``; anything else falls back to ``en``)."""
    return LABELS.get(lang, LABELS["en"])


def _t(t: datetime | None) -> str:
    return "-" if t is None else f"{t:%Y-%m-%d %H:%M}" + (f":{t:%S}" if t.second else "")


def _row(o: Obligation, lang: str) -> list[str]:
    lb = labels(lang)
    return [
        o.rule,
        o.clause,
        o.party,
        o.key or "-",
        o.tier or "-",
        _t(o.trigger_at),
        _t(o.due),
        lb[o.status],
        _t(o.fulfilled_at),
        lb[o.strength],
        o.reason or "",
    ]


def _headers(lang: str) -> list[str]:
    lb = labels(lang)
    keys = ("rule", "clause", "party", "key", "tier", "trigger", "due", "status", "done")
    return [lb[k] for k in (*keys, "strength", "reason")]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_last: int = 70) -> str:
    rows = [
        [*r[:-1], (r[-1][: max_last - 1] + "…") if len(r[-1]) > max_last else r[-1]] for r in rows
    ]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def render_table(report: Report, lang: str = "en") -> str:
    """A plain-text report for a terminal: ledger, breaches, liability, events, notes."""
    lb = labels(lang)
    title = report.contract_title_zh if lang == "zh" else report.contract_title_en
    counts = report.counts()
    parts = [
        f"{lb['report']}: {title or report.contract_id}",
        f"{lb['as_of']}: {iso(report.as_of)}",
        f"{lb['counts']}: "
        + ", ".join(f"{lb[s]} {n}" for s, n in counts.items())
        + f"; {lb['breaches'].split(' (')[0]} {len(report.breaches)}",
        "",
        f"== {lb['ledger']} ({len(report.obligations)})",
        _table(_headers(lang), [_row(o, lang) for o in report.obligations]),
        "",
        f"== {lb['breaches']} ({len(report.breaches)})",
    ]
    if report.breaches:
        parts.append(_table(_headers(lang), [_row(o, lang) for o in report.breaches]))
    else:
        parts.append(lb["none"])
    parts += ["", f"== {lb['liability']}", _liability_table(report, lang)]
    c = report.accounting.counts()
    parts += [
        "",
        f"== {lb['events']}: "
        + ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected")),
    ]
    for e in (*report.accounting.rejected, *report.accounting.ignored):
        parts.append(f"  {lb[e.disposition]}: {e.where} {e.id or ''} {e.type or ''} — {e.reason}")
    if report.notes:
        parts += ["", f"== {lb['notes']}", *[f"  - {n}" for n in report.notes]]
    if report.assumptions:
        parts += ["", f"== {lb['assumptions']}", *[f"  - {a}" for a in report.assumptions]]
    return "\n".join(parts) + "\n"


def _liability_rows(report: Report) -> list[list[str]]:
    return [
        [
            ln.remedy,
            ln.clause,
            ln.period_label,
            f"{money(ln.claimed)} {ln.currency}",
            money(ln.compensable),
            "-" if ln.cap is None else money(ln.cap),
            money(ln.payable),
        ]
        for ln in report.liability
    ]


def _liability_headers(lang: str) -> list[str]:
    lb = labels(lang)
    return [
        lb[k] for k in ("remedy", "clause", "period", "claimed", "compensable", "cap", "payable")
    ]


def _liability_table(report: Report, lang: str) -> str:
    rows = _liability_rows(report)
    if not rows:
        return labels(lang)["none"]
    return _table(_liability_headers(lang), rows, max_last=30)


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def render_markdown(report: Report, lang: str = "en") -> str:
    """The report as Markdown (for issues, wikis and pull requests)."""
    lb = labels(lang)
    title = report.contract_title_zh if lang == "zh" else report.contract_title_en
    counts = report.counts()
    c = report.accounting.counts()
    parts = [
        f"# {lb['report']}: {title or report.contract_id}",
        "",
        f"{lb['as_of']}: `{iso(report.as_of)}` — "
        + ", ".join(f"{lb[s]} **{n}**" for s, n in counts.items()),
        "",
        f"## {lb['breaches']}",
        "",
        _md_table(_headers(lang), [_row(o, lang) for o in report.breaches])
        if report.breaches
        else lb["none"],
        "",
        f"## {lb['liability']}",
        "",
        _md_table(_liability_headers(lang), _liability_rows(report))
        if len(report.liability)
        else lb["none"],
        "",
        f"## {lb['ledger']}",
        "",
        _md_table(_headers(lang), [_row(o, lang) for o in report.obligations]),
        "",
        f"## {lb['events']}",
        "",
        ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected")),
    ]
    for e in (*report.accounting.rejected, *report.accounting.ignored):
        parts.append(f"- {lb[e.disposition]}: `{e.where}` {e.type or ''} — {_md_escape(e.reason)}")
    if report.notes:
        parts += ["", f"## {lb['notes']}", "", *[f"- {n}" for n in report.notes]]
    if report.assumptions:
        parts += ["", f"## {lb['assumptions']}", "", *[f"- {a}" for a in report.assumptions]]
    return "\n".join(parts) + "\n"


_STATUS_COLOURS = {
    "pending": "#d9e8fb",
    "fulfilled": "#dcf2dc",
    "violated": "#f8d7d7",
    "excused": "#eeeeee",
}


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report, lang: str = "en") -> str:
    """A self-contained HTML fragment (also used by Jupyter's ``_repr_html_``)."""
    lb = labels(lang)
    title = report.contract_title_zh if lang == "zh" else report.contract_title_en
    counts = report.counts()
    rows_html = []
    for o in report.obligations:
        colour = _STATUS_COLOURS[o.status]
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in _row(o, lang))
        rows_html.append(f'<tr style="background:{colour}" data-status="{o.status}">{cells}</tr>')
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(lang))
    ledger = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows_html)}</tbody></table>"
    breaches = (
        _html_table(_headers(lang), [_row(o, lang) for o in report.breaches])
        if report.breaches
        else f"<p>{lb['none']}</p>"
    )
    liability = (
        _html_table(_liability_headers(lang), _liability_rows(report))
        if len(report.liability)
        else f"<p>{lb['none']}</p>"
    )
    c = report.accounting.counts()
    rejected = "".join(
        f"<li>{html.escape(e.where)}: {html.escape(e.reason)}</li>"
        for e in report.accounting.rejected
    )
    summary = ", ".join(f"{html.escape(lb[s])} <b>{n}</b>" for s, n in counts.items())
    return (
        '<div class="contract-rules-report">'
        f"<h3>{html.escape(lb['report'])}: {html.escape(title or report.contract_id)}</h3>"
        f"<p>{html.escape(lb['as_of'])}: {html.escape(str(iso(report.as_of)))} — {summary}</p>"
        f"<h4>{html.escape(lb['breaches'])} ({len(report.breaches)})</h4>{breaches}"
        f"<h4>{html.escape(lb['liability'])}</h4>{liability}"
        f"<h4>{html.escape(lb['events'])}</h4><p>"
        + ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected"))
        + "</p>"
        + (f"<ul>{rejected}</ul>" if rejected else "")
        + f"<details><summary>{html.escape(lb['ledger'])} ({len(report.obligations)})</summary>"
        f"{ledger}</details></div>"
    )


def render_csv(report: Report, lang: str = "en") -> str:
    """One CSV row per instance, with ISO instants (machine-friendly; headers in English)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["rule", "clause", "party", "key", "nth", "tier", "trigger_at", "due", "status"]
    w.writerow([*cols, "fulfilled_at", "strength", "reason", "events"])
    for o in report.obligations:
        w.writerow(
            [
                o.rule,
                o.clause,
                o.party,
                o.key or "",
                o.nth,
                o.tier or "",
                iso(o.trigger_at),
                iso(o.due) or "",
                o.status,
                iso(o.fulfilled_at) or "",
                o.strength,
                o.reason or "",
                " ".join(o.events),
            ]
        )
    return buf.getvalue()


def render_json(report: Report, lang: str = "en") -> str:
    """The stable JSON report (language-independent)."""
    return report.to_json()


RENDERERS: dict[str, Callable[[Report, str], str]] = {
    "table": render_table,
    "markdown": render_markdown,
    "html": render_html,
    "csv": render_csv,
    "json": render_json,
}
