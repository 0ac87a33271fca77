"""The evaluation report as one self-contained HTML document, for people to read, mail and print.

:func:`render_document` (``contract-rules eval --format html``, :meth:`Report.to_html`) writes a
single file: styles inline, no network (a Content-Security-Policy forbids it), readable without
JavaScript. Top to bottom: the contract, parties, term, evaluation instant and the verdict;
summary cards; the breaches; liability per period; the monthly attainment chart as inline SVG
drawn here; the ledger grouped by rule and key (a filter appears where JavaScript runs); the
event accounting, notes and assumptions. A print stylesheet lays it out on A4 with page breaks
before the major sections and the ledger's header repeated on every page.

Every label, tier and period is in the chosen language (``zh`` or ``en``); the figures are the
same in both. Everything that comes from a rule file or an events file is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .notebook import AttainmentRow, attainment_rows
from .render import _t, contract_title, duration_words, labels, party_label, verdict
from .report import STATUSES, Obligation, RemedyItem, RemedyLine, Report, iso, money

if TYPE_CHECKING:
    from .model import Ruleset, Status

#: Labels of the HTML report beyond :data:`contract_rules.render.LABELS`, per language.
HTML_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "contract_id": "contract id",
        "term": "term",
        "term_span": "{start} to {end} (clause {clause})",
        "evaluated": "evaluated as of",
        "timezone": "time zone",
        "summary": "Summary",
        "binding_duties": "Binding duties: {n} instances",
        "card_met": "met",
        "card_missed": "missed",
        "card_excused": "excused",
        "card_running": "still running",
        "card_payable_of": "of {cap} {cur} cap",
        "card_payable_part": "{part} {cur} of it under the {cap} {cur} cap, the rest uncapped",
        "card_no_cap": "no cap",
        "card_nothing": "nothing payable",
        "all_instances": "{n} instances in all, {b} of them best-effort targets (not promises)",
        "breaches_h": "Breaches",
        "no_breach": "No binding duty was missed.",
        "duty": "duty",
        "late": "how late",
        "not_done": "not done",
        "late_open": "{d} (still open)",
        "no_liability": "No remedy applies.",
        "claims": "what was claimed",
        "event": "event",
        "amount": "amount",
        "compensable_yes": "compensable",
        "compensable_no": "not compensable",
        "chart_h": "Monthly attainment of binding duties",
        "chart_desc": (
            "Binding instances by the month they arose in, by status; the figure above a bar is "
            "the share met of those decided (met and missed)."
        ),
        "chart_none": "No binding instance.",
        "share_met": "met",
        "ledger_h": "Ledger",
        "ledger_desc": "{n} instances, by rule and key.",
        "filter": "Filter",
        "filter_placeholder": "rule, key or text",
        "all_statuses": "all statuses",
        "shown": "shown",
        "instances": "instances",
        "nth": "#",
        "accounting_h": "Event accounting",
        "where": "where",
        "event_id": "id",
        "type": "type",
        "disposition": "what became of it",
        "generated": "Written by contract-rules from the rule file and the events file.",
        "service_year": "service year {k} ({start} – {end})",
        "month": "{y}-{m:02d}",
        "term_period": "term ({start} – {end})",
    },
    "zh": {
        "contract_id": "合同编号",
        "term": "服务期限",
        "term_span": "{start} 至 {end} (第 {clause} 条)",
        "evaluated": "评估时点",
        "timezone": "时区",
        "summary": "概览",
        "binding_duties": "具约束力的义务: {n} 个实例",
        "card_met": "已履行",
        "card_missed": "未履行",
        "card_excused": "已免责",
        "card_running": "进行中",
        "card_payable_of": "上限 {cap} {cur}",
        "card_payable_part": "其中 {part} {cur} 受上限 {cap} {cur} 约束，其余无上限",
        "card_no_cap": "无上限",
        "card_nothing": "无应付金额",
        "all_instances": "共 {n} 个实例，其中尽力而为的目标 {b} 个 (不构成违约)",
        "breaches_h": "违约",
        "no_breach": "具约束力的义务均未违约。",
        "duty": "义务",
        "late": "逾期",
        "not_done": "未履行",
        "late_open": "{d} (尚未履行)",
        "no_liability": "无适用的补偿。",
        "claims": "主张明细",
        "event": "事件",
        "amount": "金额",
        "compensable_yes": "可补偿",
        "compensable_no": "不可补偿",
        "chart_h": "具约束力义务的月度达成情况",
        "chart_desc": (
            "按实例产生的月份统计具约束力的义务；"
            "柱上数字为已判定实例 (已履行与未履行) 中的履行比例。"
        ),
        "chart_none": "无具约束力的义务实例。",
        "share_met": "履行",
        "ledger_h": "义务台账",
        "ledger_desc": "共 {n} 个实例，按规则和编号分组。",
        "filter": "筛选",
        "filter_placeholder": "规则、编号或文字",
        "all_statuses": "全部状态",
        "shown": "显示",
        "instances": "个实例",
        "nth": "序",
        "accounting_h": "事件统计",
        "where": "位置",
        "event_id": "事件编号",
        "type": "类型",
        "disposition": "处理",
        "generated": "由 contract-rules 根据规则文件和事件文件生成。",
        "service_year": "第 {k} 服务年度 ({start} 至 {end})",
        "month": "{y} 年 {m} 月",
        "term_period": "服务期限 ({start} 至 {end})",
        "claim_tied": "与 {rule} [{key}] 的违约相关 (期限 {due})",
        "claim_excused": "{rule} [{key}] 已免责: {reason}",
    },
}

#: Colours of the statuses (screen and print), shared by the cards, the chart and the ledger.
STATUS_COLOURS = {
    "fulfilled": "#2e7d32",
    "violated": "#c62828",
    "excused": "#78909c",
    "pending": "#1565c0",
}


#: The statuses in the order of the cards and the chart, with their words in :data:`HTML_LABELS`.
_CARD_WORDS: tuple[tuple[Status, str], ...] = (
    ("fulfilled", "card_met"),
    ("violated", "card_missed"),
    ("excused", "card_excused"),
    ("pending", "card_running"),
)


def _hl(lang: str) -> dict[str, str]:
    return HTML_LABELS["zh" if lang == "zh" else "en"]


def _e(s: object) -> str:
    """``s`` as text safe inside an element or a quoted attribute."""
    return html.escape(str(s), quote=True)


def _day(t: datetime) -> str:
    return f"{t:%Y-%m-%d}"


def _local_as_of(report: Report) -> str:
    """The evaluation instant as a wall time of the contract's zone (``2025-12-31 00:00``)."""
    try:
        zone = ZoneInfo(report.timezone)
    except (ValueError, ZoneInfoNotFoundError):  # a report built by hand may name no zone
        return iso(report.as_of) or ""
    return _t(report.as_of.astimezone(zone))


def _when(t: datetime | None, empty: str = "-") -> str:
    """An instant as escaped HTML that may wrap between its day and its time, nowhere else."""
    if t is None:
        return _e(empty)
    day, _, rest = _t(t).partition(" ")
    return f'<span class="nw">{_e(day)}</span> <span class="nw">{_e(rest)}</span>'


# ------------------------------------------------------------------------------- words


def tier_label(ruleset: Ruleset | None, rule: str, tier: str | None, lang: str) -> str:
    """A tier in ``lang``: the title the rule file gives it, else its id; ``-`` for none."""
    if tier is None:
        return "-"
    if ruleset is not None:
        for norm in ruleset.norms:
            if norm.id == rule:
                for t in norm.tiers or ():
                    if t.name == tier and t.title is not None:
                        return t.title.get(lang)
    return tier


def period_label(ruleset: Ruleset | None, line: RemedyLine, lang: str) -> str:
    """A remedy line's period in ``lang``: a service year, a month or the term, with its days.

    Without the ruleset (a report built by hand) the engine's English label is all there is."""
    remedy = None
    if ruleset is not None:
        remedy = next((r for r in ruleset.remedies if r.id == line.remedy), None)
    if remedy is None:
        return line.period_label
    hl = _hl(lang)
    start = line.period_start
    last = line.period_end - timedelta(days=1)  # the period's end is exclusive
    if remedy.period == "month":
        return hl["month"].format(y=start.year, m=start.month)
    if remedy.period == "term":
        return hl["term_period"].format(start=_day(start), end=_day(last))
    return hl["service_year"].format(k=line.period, start=_day(start), end=_day(last))


def how_late(o: Obligation, as_of: datetime, lang: str) -> str:
    """How late a violated instance is: done after its deadline by …, or not done at all and
    late by … at the evaluation instant; ``-`` where there is no deadline to be late against."""
    if o.due is None:
        return "-"
    if o.fulfilled_at is not None and o.fulfilled_at > o.due:
        return duration_words(o.fulfilled_at - o.due, lang)
    if o.fulfilled_at is None and as_of > o.due:
        return _hl(lang)["late_open"].format(d=duration_words(as_of - o.due, lang))
    return "-"


def claim_reason(report: Report, item: RemedyItem, lang: str) -> str:
    """Why a claimed amount is or is not compensable, in ``lang``: tied to a breach (with its
    deadline), or released because the incident's duty was excused (with the excuse's reason).
    Other reasons (another currency, no breach of the liable party) are the engine's words."""
    if lang != "zh" or item.key is None:
        return item.reason
    hl = _hl(lang)
    if item.compensable and item.rule is not None:
        for o in report.select(rule=item.rule, key=item.key):
            if o.is_breach:
                due = _t(o.due or o.trigger_at)
                return hl["claim_tied"].format(rule=o.rule, key=item.key, due=due)
    if not item.compensable:
        for o in report.select(key=item.key, status="excused"):
            if item.reason.startswith(f"not compensable: {o.rule} [{item.key}] excused"):
                return hl["claim_excused"].format(
                    rule=o.rule, key=item.key, reason=o.reason_in(lang) or ""
                )
    return item.reason


# ------------------------------------------------------------------------------- pieces

#: Column widths (per cent) of the breaches and the ledger: the same on screen and on A4, so
#: that an instant keeps to one line and the reason takes what is left.
_BREACH_WIDTHS = (16, 6, 8, 9, 11, 11, 11, 10, 18)
_LEDGER_WIDTHS = (9, 3, 13, 15, 15, 9, 15, 21)


def _cols(widths: Sequence[int]) -> str:
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    cls: str = "",
    columns: Sequence[str] = (),
) -> str:
    """A table of escaped cells; ``columns`` gives each column's class (``num`` right-aligns
    figures, ``nw`` keeps short words on one line, ``k`` is a key, ``id`` a rule id), ``""`` for
    none."""

    def attr(i: int) -> str:
        c = columns[i] if i < len(columns) else ""
        return f' class="{c}"' if c else ""

    head = "".join(f'<th{attr(i)} scope="col">{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{attr(i)}>{_e(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _header(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    title = contract_title(report, lang)
    facts = [(hl["contract_id"], report.contract_id)]
    if rs is not None:
        for ref, party in rs.contract.parties.items():
            facts.append((party_label(ref, lang), party.name.get(lang)))
        term = rs.contract.term
        facts.append(
            (hl["term"], hl["term_span"].format(start=term.start, end=term.end, clause=term.clause))
        )
    facts.append((hl["evaluated"], f"{_local_as_of(report)} ({hl['timezone']} {report.timezone})"))
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    state = "breach" if report.breaches else "clean"
    return (
        '<header id="cr-header">'
        f'<p class="cr-kicker">{_e(lb["report"])}</p>'
        f"<h1>{_e(title)}</h1>"
        f'<dl class="cr-facts">{dl}</dl>'
        f'<p id="cr-verdict" class="cr-verdict cr-{state}">{_e(verdict(report, lang))}</p>'
        "</header>"
    )


def _cards(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    binding = dict.fromkeys(STATUSES, 0)
    best_effort = 0
    for o in report.obligations:
        if o.strength == "binding":
            binding[o.status] += 1
        else:
            best_effort += 1
    cards = []
    for status, word in _CARD_WORDS:
        cards.append(
            f'<div class="cr-card cr-{status}" data-card="{status}">'
            f'<span class="cr-card-n">{binding[status]}</span>'
            f'<span class="cr-card-l">{_e(hl[word])}</span></div>'
        )
    # money: payable per currency, set against the caps of the periods it was counted in
    # (a remedy without a cap, such as an uncapped actual-loss remedy beside a capped one, is
    # counted in the total but not set against a cap it is not under)
    payable: dict[str, Decimal] = {}
    capped: dict[str, Decimal] = {}
    caps: dict[str, Decimal] = {}
    for ln in report.liability:
        payable[ln.currency] = payable.get(ln.currency, Decimal("0.00")) + ln.payable
        if ln.cap is not None:
            caps[ln.currency] = caps.get(ln.currency, Decimal("0.00")) + ln.cap
            capped[ln.currency] = capped.get(ln.currency, Decimal("0.00")) + ln.payable
    if not payable:
        cards.append(
            '<div class="cr-card cr-money" data-card="payable">'
            f'<span class="cr-card-n">0.00</span>'
            f'<span class="cr-card-l">{_e(hl["card_nothing"])}</span></div>'
        )
    for cur, amount in sorted(payable.items()):
        cap = caps.get(cur)
        if cap:
            part = capped.get(cur, Decimal("0.00"))
            share = min(Decimal(1), part / cap)
            if part == amount:
                sub = hl["card_payable_of"].format(cap=money(cap), cur=cur)
            else:
                sub = hl["card_payable_part"].format(part=money(part), cap=money(cap), cur=cur)
            bar = (
                f'<span class="cr-bar"><span style="width:{float(share) * 100:.1f}%"></span></span>'
            )
        else:
            sub, bar = hl["card_no_cap"], ""
        cards.append(
            f'<div class="cr-card cr-money" data-card="payable" data-currency="{_e(cur)}">'
            f'<span class="cr-card-n">{money(amount)} <small>{_e(cur)}</small></span>'
            f'<span class="cr-card-l">{_e(lb["payable"])} ({_e(sub)})</span>{bar}</div>'
        )
    total = len(report.obligations)
    return (
        f'<section id="cr-summary"><h2>{_e(hl["summary"])}</h2>'
        f'<p class="cr-cards-h">{_e(hl["binding_duties"].format(n=sum(binding.values())))}</p>'
        f'<div class="cr-cards">{"".join(cards)}</div>'
        f'<p class="cr-muted">{_e(hl["all_instances"].format(n=total, b=best_effort))}</p>'
        "</section>"
    )


def _breaches(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    breaches = report.breaches
    head = f'<h2>{_e(hl["breaches_h"])} <span class="cr-count">{len(breaches)}</span></h2>'
    if not breaches:
        return f'<section id="cr-breaches">{head}<p>{_e(hl["no_breach"])}</p></section>'
    rows = []
    for o in breaches:
        cells = [
            f'<td class="duty"><strong>{_e(o.title(lang))}</strong><br>'
            f"<code>{_e(o.rule)}</code></td>",
            f"<td>{_e(o.clause)}</td>",
            f"<td>{_e(party_label(o.party, lang))}</td>",
            f'<td class="k"><code>{_e(o.key or "-")}</code></td>',
            f"<td>{_e(tier_label(rs, o.rule, o.tier, lang))}</td>",
            f"<td>{_when(o.due)}</td>",
            f"<td>{_when(o.fulfilled_at, hl['not_done'])}</td>",
            f'<td class="cr-late">{_e(how_late(o, report.as_of, lang))}</td>',
            f"<td>{_e(o.reason_in(lang) or '')}</td>",
        ]
        rows.append(
            f'<tr data-rule="{_e(o.rule)}" data-key="{_e(o.key or "")}">{"".join(cells)}</tr>'
        )
    headers = [
        hl["duty"], lb["clause"], lb["party"], lb["key"], lb["tier"], lb["due"], lb["done"],
        hl["late"], lb["reason"],
    ]  # fmt: skip
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    return (
        f'<section id="cr-breaches">{head}'
        f'<table class="cr-breaches">{_cols(_BREACH_WIDTHS)}<thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _liability(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    head = f"<h2>{_e(lb['liability'])}</h2>"
    if not len(report.liability):
        return f'<section id="cr-liability">{head}<p>{_e(hl["no_liability"])}</p></section>'
    titles = {r.id: r.title.get(lang) for r in rs.remedies} if rs is not None else {}
    parts = [head]
    for ln in report.liability:
        name = titles.get(ln.remedy, ln.remedy)
        parts.append(
            f'<div class="cr-remedy" data-remedy="{_e(ln.remedy)}" data-period="{ln.period}">'
            f"<h3>{_e(name)} <code>{_e(ln.remedy)}</code> · "
            f"{_e(lb['clause_word'].format(c=ln.clause))} · {_e(period_label(rs, ln, lang))}</h3>"
        )
        parts.append(
            _table(
                [lb["claimed"], lb["compensable"], lb["cap"], lb["payable"]],
                [
                    [
                        f"{money(ln.claimed)} {ln.currency}",
                        f"{money(ln.compensable)} {ln.currency}",
                        "-" if ln.cap is None else f"{money(ln.cap)} {ln.currency}",
                        f"{money(ln.payable)} {ln.currency}",
                    ]
                ],
                cls="cr-money-table",
                columns=("num", "num", "num", "num"),
            )
        )
        if ln.items:
            rows = [
                [
                    i.key or "-",
                    i.event or "-",
                    i.rule or "-",
                    f"{money(i.amount)} {ln.currency}",
                    hl["compensable_yes"] if i.compensable else hl["compensable_no"],
                    claim_reason(report, i, lang),
                ]
                for i in ln.items
            ]
            parts.append(
                f"<h4>{_e(hl['claims'])} ({len(ln.items)})</h4>"
                + _table(
                    [lb["key"], hl["event"], lb["rule"], hl["amount"], lb["status"], lb["reason"]],
                    rows,
                    cls="cr-items",
                    columns=("k", "nw", "id", "num", "nw", ""),
                )
            )
        parts.append("</div>")
    return f'<section id="cr-liability">{"".join(parts)}</section>'


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


def _ledger(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    by_rule: dict[str, list[Obligation]] = {}
    for o in report.obligations:
        by_rule.setdefault(o.rule, []).append(o)
    order = [n.id for n in rs.norms if n.id in by_rule] if rs is not None else []
    order += [r for r in by_rule if r not in order]
    options = "".join(f'<option value="{s}">{_e(lb[s])}</option>' for s in STATUSES)
    # hidden without JavaScript: the filter only means something where the script runs
    controls = (
        '<div id="cr-filter" class="cr-filter" hidden>'
        f'<label>{_e(hl["filter"])} <input id="cr-filter-text" type="search" '
        f'placeholder="{_e(hl["filter_placeholder"])}"></label> '
        f'<select id="cr-filter-status"><option value="">{_e(hl["all_statuses"])}</option>'
        f"{options}</select> "
        f'<span class="cr-muted">{_e(hl["shown"])} <span id="cr-filter-count">'
        f"{len(report.obligations)}</span> {_e(hl['instances'])}</span></div>"
    )
    headers = [
        lb["key"], hl["nth"], lb["tier"], lb["trigger"], lb["due"], lb["status"], lb["done"],
        lb["reason"],
    ]  # fmt: skip
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    groups = []
    for rule in order:
        obs = by_rule[rule]
        first = obs[0]
        counts = dict.fromkeys(STATUSES, 0)
        for o in obs:
            counts[o.status] += 1
        summary = " · ".join(f"{lb[s]} {n}" for s, n in counts.items() if n)
        keys: dict[str, list[Obligation]] = {}
        for o in obs:
            keys.setdefault(o.key or "", []).append(o)
        bodies = []
        for key in sorted(keys):
            rows = []
            for o in sorted(keys[key], key=lambda o: o.nth):
                rows.append(
                    f'<tr class="cr-{o.status}" data-status="{o.status}">'
                    f'<td class="k"><code>{_e(o.key or "-")}</code></td>'
                    f'<td class="num">{o.nth}</td>'
                    f"<td>{_e(tier_label(rs, o.rule, o.tier, lang))}</td>"
                    f"<td>{_when(o.trigger_at)}</td>"
                    f"<td>{_when(o.due)}</td>"
                    f'<td><span class="cr-status">{_e(lb[o.status])}</span></td>'
                    f"<td>{_when(o.fulfilled_at)}</td>"
                    f"<td>{_e(o.reason_in(lang) or '')}</td></tr>"
                )
            bodies.append(f'<tbody data-key="{_e(key)}">{"".join(rows)}</tbody>')
        groups.append(
            f'<div class="cr-rule" data-rule="{_e(rule)}">'
            f"<h3>{_e(first.title(lang))} <code>{_e(rule)}</code> · "
            f"{_e(lb['clause_word'].format(c=first.clause))} · {_e(lb[first.strength])}"
            f' <span class="cr-muted">({len(obs)}: {_e(summary)})</span></h3>'
            f'<table class="cr-ledger">{_cols(_LEDGER_WIDTHS)}<thead><tr>{th}</tr></thead>'
            f"{''.join(bodies)}</table>"
            "</div>"
        )
    return (
        f'<section id="cr-ledger"><h2>{_e(hl["ledger_h"])} '
        f'<span class="cr-count">{len(report.obligations)}</span></h2>'
        f'<p class="cr-muted">{_e(hl["ledger_desc"].format(n=len(report.obligations)))}</p>'
        f"{controls}{''.join(groups)}</section>"
    )


def _accounting(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    c = report.accounting.counts()
    figures = "".join(
        f'<div class="cr-fig" data-events="{k}"><span class="cr-card-n">{c[k]}</span>'
        f'<span class="cr-card-l">{_e(lb[k])}</span></div>'
        for k in ("input", "used", "ignored", "rejected")
    )
    parts = [
        f'<section id="cr-accounting"><h2>{_e(hl["accounting_h"])}</h2>',
        f'<div class="cr-figs">{figures}</div>',
    ]
    entries = (*report.accounting.rejected, *report.accounting.ignored)
    if entries:
        parts.append(
            _table(
                [hl["where"], hl["event_id"], hl["type"], hl["disposition"], lb["reason"]],
                [
                    [e.where, e.id or "-", e.type or "-", lb[e.disposition], e.reason]
                    for e in entries
                ],
                cls="cr-events",
                columns=("", "k", "", "nw", ""),
            )
        )
    for key, items in (("notes", report.notes), ("assumptions", report.assumptions)):
        if items:
            lis = "".join(f"<li>{_e(x)}</li>" for x in items)
            parts.append(f'<h3 id="cr-{key}">{_e(lb[key])}</h3><ul>{lis}</ul>')
    parts.append(f'<p class="cr-muted cr-foot">{_e(hl["generated"])}</p></section>')
    return "".join(parts)


# ------------------------------------------------------------------------------- the page

_CSS = """
:root{--ink:#1d2330;--muted:#5b6473;--line:#d7dce3;--soft:#f4f6f9;--ok:#2e7d32;--bad:#c62828;
--ex:#78909c;--run:#1565c0;font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",
"WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif;color:var(--ink)}
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;font-size:14px;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:26px;margin:4px 0 12px;line-height:1.25}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em;color:#37474f}
.cr-kicker{margin:0;color:var(--muted);letter-spacing:.08em;text-transform:uppercase;font-size:12px}
.cr-facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 16px;margin:0 0 14px}
.cr-facts dt{color:var(--muted)}.cr-facts dd{margin:0}
.cr-verdict{margin:0;padding:10px 14px;border-radius:6px;font-weight:600;border-left:6px solid}
.cr-verdict.cr-breach{background:#fdecea;border-color:var(--bad);color:#8e1c1c}
.cr-verdict.cr-clean{background:#e8f5e9;border-color:var(--ok);color:#1b5e20}
.cr-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.cr-card,.cr-fig{border:1px solid var(--line);border-top:5px solid var(--muted);border-radius:6px;
padding:10px 12px;background:var(--soft);min-width:0}
.cr-card.cr-fulfilled{border-top-color:var(--ok)}.cr-card.cr-violated{border-top-color:var(--bad)}
.cr-card.cr-excused{border-top-color:var(--ex)}.cr-card.cr-pending{border-top-color:var(--run)}
.cr-card.cr-money{border-top-color:#6a1b9a}
.cr-card-n{display:block;font-size:26px;font-weight:700;line-height:1.2;overflow-wrap:anywhere}
.cr-card-n small{font-size:13px;font-weight:600;color:var(--muted)}
.cr-card-l{display:block;color:var(--muted);font-size:12.5px}
.cr-cards-h{margin:0 0 6px;font-weight:600}
.cr-card.cr-violated .cr-card-n{color:var(--bad)}
.cr-bar{display:block;height:6px;background:#ddd;border-radius:3px;margin-top:6px;overflow:hidden}
.cr-bar span{display:block;height:100%;background:#6a1b9a}
.cr-figs{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px;margin-bottom:12px}
.cr-muted{color:var(--muted)}
.cr-count{display:inline-block;min-width:1.6em;padding:0 .4em;border-radius:9px;
background:var(--ink);color:#fff;font-size:13px;text-align:center;vertical-align:middle}
#cr-breaches .cr-count{background:var(--bad)}
table{width:100%;border-collapse:collapse;table-layout:auto;margin:4px 0 10px}
table.cr-breaches,table.cr-ledger{table-layout:fixed}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#e9edf2;font-weight:600;font-size:12.5px;overflow-wrap:normal}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nw,td.nw{white-space:nowrap}
td.k{min-width:5.5em}td.id{min-width:9em}
.cr-breaches td{background:#fff6f5}
.cr-breaches td.cr-late{color:var(--bad);font-weight:600}
.cr-breaches td.duty{min-width:10em}
.cr-ledger tbody+tbody{border-top:2px solid var(--line)}
.cr-status{display:inline-block;padding:0 .45em;border-radius:8px;font-size:.88em;color:#fff;
white-space:nowrap}
tr.cr-fulfilled .cr-status{background:var(--ok)}tr.cr-violated .cr-status{background:var(--bad)}
tr.cr-excused .cr-status{background:var(--ex)}tr.cr-pending .cr-status{background:var(--run)}
tr.cr-violated td{background:#fff6f5}
.cr-figure{margin:0}.cr-figure svg{width:100%;height:auto;display:block}
svg .grid{stroke:#e3e7ec;stroke-width:1}svg .tick{font-size:12px;fill:#5b6473}
svg .year{font-weight:600}svg .share{font-size:11px;fill:#1d2330;font-weight:600}
svg .legend{font-size:12.5px;fill:#1d2330}
svg text{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}
.cr-filter{position:sticky;top:0;z-index:1;background:#fff;padding:8px 0;display:flex;gap:10px;
flex-wrap:wrap;align-items:center;border-bottom:1px solid var(--line)}
.cr-filter[hidden]{display:none}
.cr-filter input{width:220px;max-width:100%}
.cr-remedy h3 code,.cr-rule h3 code{font-weight:400}
.cr-foot{margin-top:24px;font-size:12px}
"""

_PRINT_CSS = """
@page{size:A4;margin:12mm 10mm 14mm}
:root{font-size:9pt}
body{background:#fff;font-size:9pt}
main{max-width:none;padding:0;margin:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:17pt}h2{font-size:13pt;margin-top:14pt}h3{font-size:10.5pt}
h2,h3,h4{break-after:avoid}
#cr-liability,#cr-ledger,#cr-accounting{break-before:page}
.cr-remedy,#cr-chart{break-inside:avoid}
.cr-cards{grid-template-columns:repeat(4,minmax(0,1fr)) minmax(0,1.7fr);gap:6pt}
.cr-card-n{font-size:13pt}.cr-card-n small{font-size:8pt}.cr-card-l{font-size:8pt}
.cr-filter{display:none!important}
thead{display:table-header-group}
tr{break-inside:avoid}
th,td{padding:2pt 4pt;font-size:8pt}
.cr-rule{break-inside:auto}
.cr-figure svg{max-height:95mm}
"""

# Shows the filter and applies it: rows whose text contains the words and whose status matches.
_JS = """
(function () {
  var box = document.getElementById("cr-filter");
  if (!box) return;
  box.hidden = false;
  var text = document.getElementById("cr-filter-text");
  var status = document.getElementById("cr-filter-status");
  var count = document.getElementById("cr-filter-count");
  function apply() {
    var q = text.value.trim().toLowerCase(), s = status.value, shown = 0;
    document.querySelectorAll(".cr-rule").forEach(function (group) {
      var rule = (group.dataset.rule || "").toLowerCase(), anyInGroup = false;
      group.querySelectorAll("tbody").forEach(function (body) {
        var anyInBody = false;
        body.querySelectorAll("tr").forEach(function (row) {
          var ok = (!s || row.dataset.status === s) &&
            (!q || rule.indexOf(q) >= 0 || row.textContent.toLowerCase().indexOf(q) >= 0);
          row.hidden = !ok;
          if (ok) { anyInBody = true; shown++; }
        });
        body.hidden = !anyInBody;
        anyInGroup = anyInGroup || anyInBody;
      });
      group.hidden = !anyInGroup;
    });
    count.textContent = String(shown);
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
})();
"""


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def render_document(report: Report, lang: str = "en") -> str:
    """The report as one self-contained HTML5 document in ``lang`` (``zh`` or ``en``).

    No resource is fetched: styles and the one script are inline and the document's
    Content-Security-Policy allows nothing else (no network, no other script). The script only
    shows and applies the ledger filter; without it the page reads the same. Sections carry
    stable ids: ``cr-header``, ``cr-summary``, ``cr-breaches``, ``cr-liability``, ``cr-chart``,
    ``cr-ledger``, ``cr-accounting``."""
    lang = "zh" if lang == "zh" else "en"
    lb = labels(lang)
    title = contract_title(report, lang)
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src '{_csp_hash(_JS)}'; base-uri 'none'; form-action 'none'"
    )
    body = "".join(
        (
            _header(report, lang),
            _cards(report, lang),
            _breaches(report, lang),
            _liability(report, lang),
            _chart(report, lang),
            _ledger(report, lang),
            _accounting(report, lang),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="contract-rules">\n'
        f"<title>{_e(lb['report'])}: {_e(title)} ({_e(_local_as_of(report))})</title>\n"
        f"<style>{_CSS}</style>\n"
        f'<style media="print">{_PRINT_CSS}</style>\n'
        f'</head>\n<body>\n<main class="cr-report" data-lang="{lang}">{body}</main>\n'
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )
