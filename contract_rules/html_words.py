"""The words of the HTML report: its labels in both languages (beyond
:data:`contract_rules.render.LABELS`), the status colours, escaping, instants, and the phrases
built from a report (a tier's or period's label, how late a duty was, why a claim counts).

Importable from :mod:`contract_rules.html_report` as before.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .report import Obligation, RemedyItem, RemedyLine, Report, iso
from .report_words import duration_words
from .report_words import instant_cell as _t

if TYPE_CHECKING:
    from .model import Ruleset, Status


#: Labels of the HTML report beyond :data:`contract_rules.report_words.LABELS`, per language.
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
        "card_discharged": "discharged",
        "card_expired": "rights expired",
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
        "card_discharged": "已解除",
        "card_expired": "权利已失效",
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
    "discharged": "#a1887f",
    "expired": "#8e7cc3",
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
