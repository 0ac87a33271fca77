"""Readable renderings of a :class:`~contract_rules.report.Report`, in Chinese or English.

Each renderer is a pure function ``(report, lang) -> str``; :data:`RENDERERS` maps the format
names of ``contract-rules eval --format`` to them. :func:`verdict` is the one-line answer;
:func:`render_explain` / :func:`explain_dict` show why one instance has its status, and
:func:`render_upcoming` / :func:`upcoming_json` what falls due soon (``contract-rules explain``
and ``upcoming``). Nothing here prints.

Text from rule files and events (keys, ids, titles, event types, reasons, places) is escaped in
every text output (:func:`~contract_rules.safe_text.visible`: no control or bidi-override
character reaches a terminal), for Markdown (HTML and Markdown syntax too), and neutralised in
CSV for people (:func:`~contract_rules.safe_text.spreadsheet_cell`); ``render_csv(raw=True)`` and
the JSON report keep the values as they are.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .report import STATUSES, Obligation, Report
from .safe_text import spreadsheet_cell, visible
from .skipped_days import skipped_line
from .text import fmt, iso, money

if TYPE_CHECKING:
    from .model import Norm, Ruleset

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
        "suspended": "suspended",
        "fulfilled": "fulfilled",
        "violated": "violated",
        "excused": "excused",
        "discharged": "discharged",
        "expired": "expired",
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
        "verdict": "Verdict",
        "verdict_breach": "1 breach of a binding duty",
        "verdict_breaches": "{n} breaches of binding duties",
        "verdict_none": "no breach of a binding duty",
        "verdict_pending": "{n} pending",
        "verdict_payable": "payable",
        "by_rule": "Duties",
        "clause_word": "clause {c}",
        "clause_text": "Clause text",
        "steps": "How the status was decided",
        "deciding": "Deciding events",
        "history": "History",
        "arose_when": "arose when {rule} [{key}] was {change} at {at}",
        "still": "now",
        "instance_of": "instance {nth} of {total} with this key",
        "not_in_file": "not found in the events file",
        "due_soon": "Due within {within} of {now}",
        "due_soon_count": "{n} of {open} open duties",
        "nothing_due": "nothing falls due",
        "right_closes": "{closes} (right closes)",
        "rights_closing": ", and {n} open rights closing",
        "time_left": "time left",
        "share_used": "used",
        "warning": "warning",
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
        "suspended": "已中止",
        "fulfilled": "已履行",
        "violated": "未履行",
        "excused": "已免责",
        "discharged": "已解除",
        "expired": "已失效",
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
        "verdict": "结论",
        "verdict_breach": "具约束力的义务违约 1 项",
        "verdict_breaches": "具约束力的义务违约 {n} 项",
        "verdict_none": "无具约束力的义务违约",
        "verdict_pending": "进行中 {n} 项",
        "verdict_payable": "应付",
        "by_rule": "各项义务",
        "clause_word": "第 {c} 条",
        "clause_text": "条款原文",
        "steps": "判定过程",
        "deciding": "决定性事件",
        "history": "状态历史",
        "arose_when": "因 {rule} [{key}] 于 {at} {change}而产生",
        "still": "至今",
        "instance_of": "该编号的第 {nth} 个实例 (共 {total} 个)",
        "not_in_file": "事件文件中未找到",
        "due_soon": "{now} 起 {within} 内到期",
        "due_soon_count": "{n} 项 (未完成共 {open} 项)",
        "nothing_due": "无到期事项",
        "right_closes": "{closes}（权利届满）",
        "rights_closing": "，另有 {n} 项权利即将届满",
        "time_left": "剩余时间",
        "share_used": "已用时限",
        "warning": "预警",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The label table for ``lang`` (``zh`` or ``en``; anything else falls back to ``en``)."""
    return LABELS.get(lang, LABELS["en"])


def _t(t: datetime | None) -> str:
    """An instant as the tables show it (:func:`~contract_rules.text.fmt`: the offset where a
    wall time alone could mislead); ``-`` for none."""
    return "-" if t is None else fmt(t)


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
        o.reason_in(lang) or "",
    ]


def _headers(lang: str) -> list[str]:
    lb = labels(lang)
    keys = ("rule", "clause", "party", "key", "tier", "trigger", "due", "status", "done")
    return [lb[k] for k in (*keys, "strength", "reason")]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _clip(s: str, width: int) -> str:
    """``s`` cut to at most ``width`` display columns, with ``…`` when cut."""
    if _width(s) <= width:
        return s
    out, used = "", 0
    for ch in s:
        w = _width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_last: int = 70) -> str:
    # escaped first, so that a line break or control character in a cell cannot split a row
    # and the widths count what is shown
    headers = [visible(h) for h in headers]
    rows = [[*map(visible, r[:-1]), _clip(visible(r[-1]), max_last)] for r in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


_ZH_PARTIES = {"A": "甲方", "B": "乙方", "C": "丙方", "D": "丁方"}


def party_label(ref: str, lang: str) -> str:
    """How a party is called in ``lang``: 甲方/乙方 (A/B) in Chinese, ``party B`` in English;
    other party ids (``provider``) as they are."""
    if lang == "zh":
        return _ZH_PARTIES.get(ref, ref)
    return f"party {ref}" if len(ref) == 1 and ref.isupper() else ref


def party_name(ref: str, lang: str, ruleset: Ruleset | None) -> str:
    """:func:`party_label` followed by the party's name from the ruleset, when it has one."""
    label = party_label(ref, lang)
    if ruleset is not None and ref in ruleset.contract.parties:
        return f"{label} ({ruleset.contract.parties[ref].name.get(lang)})"
    return label


def contract_title(report: Report, lang: str) -> str:
    """The contract's title in ``lang``, else in the other language (an English-only contract
    read with ``--lang zh`` keeps its English title), else its id."""
    zh, en = report.contract_title_zh, report.contract_title_en
    return (zh or en if lang == "zh" else en or zh) or report.contract_id


def _ruleset(report: Report) -> Ruleset | None:
    # the report carries the ruleset it was evaluated with (None when built by hand)
    rs: Ruleset | None = getattr(report, "ruleset", None)
    return rs


def verdict(report: Report, lang: str = "en") -> str:
    """The one-line answer to "was the contract met?": the breaches of binding duties per party,
    the money payable per paying party and currency (when a remedy applies;
    :meth:`Liability.payable_by`) and how many instances still run.

    ``Verdict: 7 breaches of binding duties (party B: 7); payable: party B 12000.00 CNY;
    4 pending``; ``payable: buyer 120.00 CNY, seller 600.00 CNY`` where both parties owe;
    ``; 3 events rejected`` when some input was rejected, and ``Verdict: none: no event could
    be used (49 read, 49 rejected)`` when events were read but none was used.
    """
    lb = labels(lang)
    ev = report.accounting.counts()
    zh = lang == "zh"
    if ev["input"] and not ev["used"]:  # no verdict without evidence
        return f"{lb['verdict']}: " + (
            f"无结论: 没有可用的事件 (读入 {ev['input']} 个, 拒收 {ev['rejected']} 个)"
            if zh
            else f"none: no event could be used ({ev['input']} read, {ev['rejected']} rejected)"
        )
    breaches = report.breaches
    if breaches:
        per_party: dict[str, int] = {}
        for o in breaches:
            per_party[o.party] = per_party.get(o.party, 0) + 1
        who = ", ".join(f"{party_label(p, lang)}: {n}" for p, n in sorted(per_party.items()))
        text = (lb["verdict_breach"] if len(breaches) == 1 else lb["verdict_breaches"]).format(
            n=len(breaches)
        ) + f" ({who})"
    else:
        text = lb["verdict_none"]
    # what each party owes, per currency: amounts owed in opposite directions are never added
    owed = report.liability.payable_by()
    unknown = "付款方未记录" if zh else "payer not recorded"  # a JSON of old, read without rules
    if owed:
        text += f"; {lb['verdict_payable']}: " + ", ".join(
            f"{unknown if p is None else party_label(p, lang)} {money(v)} {c}"
            for (p, c), v in owed.items()
        )
    pending = report.counts()["pending"]
    if pending:
        text += "; " + lb["verdict_pending"].format(n=pending)
    if ev["rejected"]:  # the verdict rests on part of the input only
        r = ev["rejected"]
        text += f"; 拒收事件 {r} 个" if zh else f"; {r} event{'s' if r != 1 else ''} rejected"
    return f"{lb['verdict']}: {text}"


def _by_rule(report: Report, lang: str) -> tuple[list[str], list[list[str]]]:
    """One row per norm: clause, party, strength, instances per status and the title.

    Every norm of the ruleset is listed (with zeros when it has no instance yet), in the order
    of the rule file; without the ruleset, the norms that have instances."""
    lb = labels(lang)
    counts: dict[str, dict[str, int]] = {}
    parties: dict[str, set[str]] = {}
    first: dict[str, Obligation] = {}
    for o in report.obligations:
        per_rule = counts.setdefault(o.rule, dict.fromkeys(STATUSES, 0))
        if o.status in per_rule:  # a discharged or expired instance has no column here
            per_rule[o.status] += 1
        parties.setdefault(o.rule, set()).add(o.party)
        first.setdefault(o.rule, o)

    def row(rule: str, clause: str, party: str, strength: str, title: str) -> list[str]:
        c = counts.get(rule, dict.fromkeys(STATUSES, 0))
        # the parties of the instances; a norm's reference ($trigger.party) only when it has none
        who = ", ".join(sorted(parties.get(rule, ()))) or ("-" if "$" in party else party)
        return [rule, clause, who, lb[strength], *map(str, c.values()), title]

    rs = _ruleset(report)
    if rs is not None:
        rows = [row(n.id, n.clause, n.party, n.strength, n.title.get(lang)) for n in rs.norms]
    else:
        rows = [
            row(rule, o.clause, o.party, o.strength, o.title(lang)) for rule, o in first.items()
        ]
    headers = [lb[k] for k in ("rule", "clause", "party", "strength", *STATUSES, "title")]
    return headers, rows


def render_table(report: Report, lang: str = "en") -> str:
    """A plain-text report for a terminal, top to bottom: the verdict and counts; the duties
    norm by norm with their titles; the ledger; the breaches; liability; the event accounting;
    notes and assumptions; and the verdict again as the last line (what stays on screen)."""
    lb = labels(lang)
    title = contract_title(report, lang)
    counts = report.counts()
    line = verdict(report, lang)
    headers, rule_rows = _by_rule(report, lang)
    parts = [
        f"{lb['report']}: {title}",
        f"{lb['as_of']}: {iso(report.as_of)}",
        line,
        f"{lb['counts']}: "
        + ", ".join(f"{lb[s]} {n}" for s, n in counts.items())
        + f"; {lb['breaches'].split(' (')[0]} {len(report.breaches)}",
        "",
        f"== {lb['by_rule']} ({len(rule_rows)})",
        _table(headers, rule_rows, max_last=50),
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
    parts += measures_text(report, lang)
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
    parts += ["", line]
    return visible("\n".join(parts), keep="\n") + "\n"


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


#: the measures' section: its title and columns, per language
_MEASURE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("Measures per period", "measure", "period", "value", "target", "arithmetic"),
    "zh": ("各期计量", "计量", "期间", "数值", "目标", "计算"),
}


def _measure_rows(report: Report) -> list[list[str]]:
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
    words = _MEASURE_WORDS.get(lang, _MEASURE_WORDS["en"])
    out = ["", f"== {words[0]}", _table(words[1:], _measure_rows(report), max_last=90)]
    for mp in report.measures:
        out += [f"  {mp.measure} {mp.period_label}: {span}" for span in mp.spans]
    return out


def measures_markdown(report: Report, lang: str = "en") -> list[str]:
    """The Markdown report's section of measures (none for a ruleset without them)."""
    if not report.measures:
        return []
    words = _MEASURE_WORDS.get(lang, _MEASURE_WORDS["en"])
    return ["", f"## {words[0]}", "", _md_table(words[1:], _measure_rows(report))]


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


#: Markdown's syntax characters, each written with a backslash so that it shows as itself
_MD_SYNTAX = str.maketrans({c: "\\" + c for c in "\\`*_[]|#~!"})


def _md_escape(s: str) -> str:
    """``s`` as Markdown text that shows exactly ``s``: invisible characters escaped (a CR or LF
    cannot split a table row), HTML's ``<``, ``>``, ``&`` as entities, Markdown's syntax
    characters after a backslash."""
    return html.escape(visible(s).translate(_MD_SYNTAX), quote=False)


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["| " + " | ".join(map(_md_escape, headers)) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def render_markdown(report: Report, lang: str = "en") -> str:
    """The report as Markdown (for issues, wikis and pull requests)."""
    lb = labels(lang)
    title = contract_title(report, lang)
    counts = report.counts()
    c = report.accounting.counts()
    parts = [
        f"# {lb['report']}: {_md_escape(title)}",
        "",
        f"{lb['as_of']}: `{iso(report.as_of)}` — "
        + ", ".join(f"{lb[s]} **{n}**" for s, n in counts.items()),
        "",
        f"**{_md_escape(verdict(report, lang))}**",
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
        *measures_markdown(report, lang),
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
        parts.append(
            f"- {lb[e.disposition]}: {_md_escape(e.where)} {_md_escape(e.type or '')} — "
            + _md_escape(e.reason)
        )
    if report.notes:
        parts += ["", f"## {lb['notes']}", "", *[f"- {_md_escape(n)}" for n in report.notes]]
    if report.assumptions:
        parts += [
            "",
            f"## {lb['assumptions']}",
            "",
            *[f"- {_md_escape(a)}" for a in report.assumptions],
        ]
    return "\n".join(parts) + "\n"


_STATUS_COLOURS = {
    "pending": "#d9e8fb",
    "fulfilled": "#dcf2dc",
    "violated": "#f8d7d7",
    "excused": "#eeeeee",
    "discharged": "#f1ece1",
    "expired": "#ece7f4",
}


def _html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    escaped: bool = False,
    align: str | None = None,
) -> str:
    """The one HTML table of the package (the report here, the ruleset in the notebook): cells
    are escaped here unless ``escaped`` says they already are HTML; ``align`` sets every
    cell's ``text-align``."""
    esc: Callable[[str], str] = (lambda x: x) if escaped else html.escape
    style = f" style='text-align:{align}'" if align else ""
    head = "".join(f"<th{style}>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td{style}>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report, lang: str = "en") -> str:
    """A self-contained HTML fragment (also used by Jupyter's ``_repr_html_``)."""
    lb = labels(lang)
    title = contract_title(report, lang)
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
        f"<h3>{html.escape(lb['report'])}: {html.escape(title)}</h3>"
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


def render_html_document(report: Report, lang: str = "en") -> str:
    """The report as one self-contained, styled HTML document for people to read, mail and print
    (``contract-rules eval --format html``; :func:`contract_rules.html_report.render_document`).

    :func:`render_html` stays the light fragment that Jupyter shows."""
    # imported here: the document builds on this module's labels and on the notebook's monthly
    # attainment, which itself reads this module's labels
    from .html_report import render_document

    return render_document(report, lang)


def render_csv(report: Report, lang: str = "en", *, raw: bool = False) -> str:
    """One CSV row per instance, with ISO instants (headers in English).

    Written for people (``contract-rules eval --format csv``): every cell passes through
    :func:`~contract_rules.safe_text.spreadsheet_cell`, so a cell that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a CR gets a leading apostrophe (a spreadsheet shows it, runs
    nothing) and control characters are escaped (``\\x1b``). ``raw=True``: the values as they
    are, quoted so that each instance is one record whatever its text (a CR included).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # the csv module quotes a cell holding LF but not one holding a lone CR, which a reader
    # would take for a line end: rows with a CR are written with every cell quoted
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    cols = ["rule", "clause", "party", "key", "nth", "tier", "trigger_at", "due", "status"]
    w.writerow([*cols, "fulfilled_at", "strength", "reason", "events"])
    for o in report.obligations:
        cells = [
            "" if c is None else str(c)
            for c in [
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
        ]
        if not raw:
            w.writerow([spreadsheet_cell(c) for c in cells])
        elif any("\r" in c for c in cells):
            quoted.writerow(cells)
        else:
            w.writerow(cells)
    return buf.getvalue()


def render_json(report: Report, lang: str = "en") -> str:
    """The stable JSON report (language-independent)."""
    return report.to_json()


# ------------------------------------------------------------------------------- durations


def duration_words(td: timedelta, lang: str = "en") -> str:
    """A duration in days, hours and minutes, seconds dropped: ``1d 2h 30min`` / ``1天2小时30分``.

    Less than a minute is ``<1min`` / ``不足1分钟``; a negative duration gets a leading ``-``.
    """
    secs = int(td.total_seconds())
    sign = "-" if secs < 0 else ""
    days, rem = divmod(abs(secs), 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    units = ("天", "小时", "分") if lang == "zh" else ("d", "h", "min")
    parts = [f"{n}{u}" for n, u in zip((days, hours, minutes), units, strict=True) if n]
    if not parts:
        return sign + ("不足1分钟" if lang == "zh" else "<1min")
    return sign + ("" if lang == "zh" else " ").join(parts)


def _wrap(text: str, width: int = 92, indent: str = "  ") -> list[str]:
    """``text`` in lines of at most ``width`` display columns: at spaces for Latin text, between
    any two characters for Chinese (which has no spaces)."""
    out: list[str] = []
    for para in text.splitlines() or [""]:
        words = para.split(" ") if _width(para) == len(para) else list(para)
        sep = " " if _width(para) == len(para) else ""
        line = ""
        for w in words:
            candidate = f"{line}{sep}{w}" if line else w
            if line and _width(candidate) > width:
                out.append((indent + line).rstrip())
                line = w
            else:
                line = candidate
        out.append((indent + line).rstrip())
    return out


# ------------------------------------------------------------------------------- explain


@dataclass(frozen=True)
class DecidingEvent:
    """An event that decided an instance, as found again in the input: its id, where it stands
    (``events.jsonl:14``) and its record as read; ``where`` and ``data`` are None when the
    event could not be found again (events given as objects, not a file)."""

    id: str
    where: str | None = None
    data: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: ``id``, ``where``, ``record``."""
        return {"id": self.id, "where": self.where, "record": self.data}

    def words(self, lang: str) -> str:
        """``E0002  response  2024-11-20T11:00:00+08:00  incident=INC-001  (file.jsonl:2)``."""
        if self.data is None:
            return f"{self.id}  ({labels(lang)['not_in_file']})"
        d = self.data
        fields = "  ".join(f"{k}={d[k]}" for k in d if k not in ("id", "type", "at"))
        cells = [self.id, str(d.get("type", "?")), str(d.get("at", "?")), fields]
        return "  ".join(c for c in cells if c) + f"  ({self.where})"


def _tier_title(norm: Norm | None, tier: str | None) -> dict[str, str | None] | None:
    if norm is None or tier is None or norm.tiers is None:
        return None
    for t in norm.tiers:
        if t.name == tier and t.title is not None:
            return {"zh": t.title.zh, "en": t.title.en}
    return None


def explain_dict(
    ob: Obligation,
    *,
    norm: Norm | None = None,
    events: Sequence[DecidingEvent] = (),
    instances_with_key: int = 1,
) -> dict[str, Any]:
    """Why ``ob`` has its status, as a JSON-ready mapping (both languages where the rule file
    has them): the norm (title, clause and its text), the instance (tier, trigger, due,
    fulfilment), the steps that decided it, and the deciding events with their records."""
    return {
        "rule": ob.rule,
        "kind": ob.kind,
        "key": ob.key,
        "nth": ob.nth,
        "instances_with_key": instances_with_key,
        "clause": ob.clause,
        "title": {"zh": ob.title_zh or None, "en": ob.title_en or None},
        "clause_text": None if norm is None else {"zh": norm.text.zh, "en": norm.text.en},
        "party": ob.party,
        "strength": ob.strength,
        "tier": ob.tier,
        "tier_title": _tier_title(norm, ob.tier),
        "trigger_at": iso(ob.trigger_at),
        "trigger_event": ob.trigger_event,
        "due": iso(ob.due),
        "fulfilled_at": iso(ob.fulfilled_at),
        "status": ob.status,
        "reason": {"en": ob.reason, "zh": ob.reason_zh or ob.reason},
        "steps": {"en": list(ob.steps("en")), "zh": list(ob.steps("zh"))},
        "events": [e.to_dict() for e in events],
        "notes": list(ob.notes),
        # the lifecycle, where the instance has more of it than pending and its status
        **(
            {}
            if ob.life is None
            else {
                "history": [h.to_dict() for h in ob.history],
                "cause": None if ob.cause is None else ob.cause.to_dict(),
                "closes": iso(ob.closes),
            }
        ),
    }


def _history_lines(ob: Obligation, lang: str) -> list[str]:
    """The lifecycle of ``ob`` in words, where it has more than pending and its status: the
    cause it arose from, then each state from when to when, with the event that entered it."""
    lb = labels(lang)
    if ob.life is None:
        return []
    lines = ["", f"{lb['history']}:"]
    cause = ob.cause
    if cause is not None:
        said = lb["arose_when"].format(
            rule=cause.rule, key=cause.key or "-", change=cause.change, at=_t(cause.at)
        )
        lines.append(f"  {said}")
    for h in ob.history:
        until = lb["still"] if h.end is None else _t(h.end)
        by = f" ({h.event})" if h.event else ""
        lines.append(f"  {lb.get(h.state, h.state)}: {_t(h.start)} → {until}{by}")
    return lines


def render_explain(
    ob: Obligation,
    lang: str = "en",
    *,
    norm: Norm | None = None,
    ruleset: Ruleset | None = None,
    events: Sequence[DecidingEvent] = (),
    instances_with_key: int = 1,
) -> str:
    """Why ``ob`` has its status, in words, with labels, titles and clause text in ``lang``:
    the norm and its clause, the steps that computed the due instant and the status (with the
    ruleset, the non-working days a working-time deadline skipped, by name:
    :mod:`~contract_rules.skipped_days`), the status itself, and each deciding event with its
    record and where it stands in the input. (The steps and the reason are in ``lang`` too.)"""
    lb = labels(lang)
    head = f"{ob.rule} [{ob.key if ob.key is not None else '-'}] — {ob.title(lang)}"
    facts = [
        lb["clause_word"].format(c=ob.clause),
        lb[ob.strength],
        party_name(ob.party, lang, ruleset),
    ]
    lines = [head, "  " + " · ".join(facts)]
    if ob.tier is not None:
        tt = _tier_title(norm, ob.tier)
        title = "" if tt is None else f" — {tt.get(lang) or tt.get('zh') or tt.get('en')}"
        lines.append(f"  {lb['tier']}: {ob.tier}{title}")
    if instances_with_key > 1:
        lines.append("  " + lb["instance_of"].format(nth=ob.nth, total=instances_with_key))
    if norm is not None:
        lines += ["", f"{lb['clause_text']}:", *_wrap(norm.text.get(lang))]
    steps = list(ob.steps(lang))
    skipped = None if ruleset is None else skipped_line(ruleset, ob, lang)
    if skipped is not None:  # named from the calendar: the steps say how many, this says which
        steps.append(skipped)
    lines += ["", f"{lb['steps']}:", *[f"  {step}" for step in steps]]
    status = f"{lb['status'].capitalize()}: {lb[ob.status]}" + (
        f" — {ob.reason_in(lang)}" if ob.reason else ""
    )
    lines += ["", status, *_history_lines(ob, lang)]
    lines += ["", f"{lb['deciding']}:"]
    lines += [f"  {e.words(lang)}" for e in events] or [f"  {lb['none']}"]
    if ob.notes:
        lines += ["", f"{lb['notes']}:", *[f"  - {n}" for n in ob.notes]]
    return visible("\n".join(lines), keep="\n") + "\n"


# ------------------------------------------------------------------------------- upcoming


@dataclass(frozen=True)
class DueSoon:
    """An open instance that falls due soon, or an open right that closes soon, seen at
    ``now``.

    ``time_left`` is ``due - now`` (clock time; for a right, ``closes - now``). ``share_used`` is
    the share of the allowed time already gone: ``(now - trigger_at) / (due - trigger_at)``,
    counted as the deadline counts (``measure``: ``clock``, ``working_hours`` in working time,
    ``working_days`` in working days); for a right, of its window in clock time, ``(now -
    opening) / (closes - opening)``. ``warning`` is the highest threshold reached (50, 75 or 90
    per cent) or None.
    """

    obligation: Obligation
    now: datetime
    time_left: timedelta
    share_used: float
    measure: str
    warning: int | None
    #: a right about to expire (its ``closes`` is what comes), not a duty falling due
    right: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys (``share_used`` a fraction, 4 places)."""
        o = self.obligation
        return {
            "rule": o.rule,
            "key": o.key,
            "nth": o.nth,
            "clause": o.clause,
            "title": {"zh": o.title_zh or None, "en": o.title_en or None},
            "party": o.party,
            "strength": o.strength,
            "tier": o.tier,
            "trigger_at": iso(o.trigger_at),
            "due": iso(o.due),
            "time_left_seconds": int(self.time_left.total_seconds()),
            "share_used": round(self.share_used, 4),
            "measure": self.measure,
            "warning": self.warning,
            # a right: when it closes (a duty's item keeps the keys it always had)
            **({"closes": iso(o.closes)} if self.right else {}),
        }


def render_upcoming(
    items: Sequence[DueSoon],
    *,
    now: datetime,
    within: timedelta,
    open_count: int,
    lang: str = "en",
) -> str:
    """What falls due within ``within`` of ``now``, soonest first: a header line (how many of
    the ``open_count`` open duties, and how many rights close), then one row per instance with
    the time left,
    the share of the allowed time used and the warning reached (``⚠ 90%``); a right about to
    expire shows its closing in the due column."""
    lb = labels(lang)
    at = now.isoformat(timespec="seconds" if now.second else "minutes")
    head = lb["due_soon"].format(within=duration_words(within, lang), now=at)
    rights = sum(d.right for d in items)
    head += ": " + lb["due_soon_count"].format(n=len(items) - rights, open=open_count)
    if rights:
        head += lb["rights_closing"].format(n=rights)
    if not items:
        return f"{head}\n{lb['nothing_due']}\n"  # no text from the input
    headers = [
        lb[k]
        for k in ("rule", "key", "clause", "party", "due", "time_left", "share_used", "warning")
    ]
    rows = [
        [
            d.obligation.rule,
            d.obligation.key or "-",
            d.obligation.clause,
            d.obligation.party,
            lb["right_closes"].format(closes=_t(d.obligation.closes))
            if d.right
            else _t(d.obligation.due),
            duration_words(d.time_left, lang),
            f"{math.floor(d.share_used * 100)}%",  # floored, like the warning thresholds
            "" if d.warning is None else f"⚠ {d.warning}%",
            d.obligation.title(lang),
        ]
        for d in items
    ]
    return f"{head}\n" + _table([*headers, lb["title"]], rows, max_last=40) + "\n"


def upcoming_json(items: Sequence[DueSoon]) -> str:
    """The instances as a JSON list of :meth:`DueSoon.to_dict` objects, soonest first."""
    return json.dumps([d.to_dict() for d in items], indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Report, str], str]] = {
    "table": render_table,
    "markdown": render_markdown,
    "html": render_html_document,
    "csv": render_csv,
    "json": render_json,
}
