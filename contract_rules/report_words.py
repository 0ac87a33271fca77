"""The words of the report's text views, in Chinese or English: the label table
(:data:`LABELS`, :func:`labels`), how parties and the contract are called
(:func:`party_label`, :func:`party_name`, :func:`contract_title`), and instants and durations
as the tables show them (:func:`instant_cell`, :func:`duration_words`).

The notebook's views (:mod:`contract_rules.view_labels`) and the HTML report
(:mod:`contract_rules.html_words`) add their own labels over these.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .text import fmt

if TYPE_CHECKING:
    from .model import Ruleset
    from .report import Report

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
        "payer": "payer",
        "payer_unknown": "payer not recorded",
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
        "measures": "Measures per period",
        "measure": "measure",
        "value": "value",
        "target": "target",
        "arithmetic": "arithmetic",
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
        "payer": "付款方",
        "payer_unknown": "付款方未记录",
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
        "measures": "各期计量",
        "measure": "计量",
        "value": "数值",
        "target": "目标",
        "arithmetic": "计算",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The label table for ``lang`` (``zh`` or ``en``; anything else falls back to ``en``)."""
    return LABELS.get(lang, LABELS["en"])


def instant_cell(t: datetime | None) -> str:
    """An instant as the tables show it (:func:`~contract_rules.text.fmt`: the offset where a
    wall time alone could mislead); ``-`` for none."""
    return "-" if t is None else fmt(t)


_ZH_PARTIES = {"A": "甲方", "B": "乙方", "C": "丙方", "D": "丁方"}


def party_label(ref: str, lang: str) -> str:
    """How a party is called in ``lang``: 甲方/乙方 (A/B) in Chinese, ``party B`` in English;
    other party ids (``provider``) as they are."""
    if lang == "zh":
        return _ZH_PARTIES.get(ref, ref)
    return f"party {ref}" if len(ref) == 1 and ref.isupper() else ref


def payer_label(payer: str | None, lang: str) -> str:
    """Who pays a remedy line, as :func:`party_label` says it; None (a report's JSON of an
    earlier version, read without its rule file) is "payer not recorded".

    >>> payer_label("B", "zh"), payer_label(None, "en")
    ('乙方', 'payer not recorded')
    """
    return labels(lang)["payer_unknown"] if payer is None else party_label(payer, lang)


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


def duration_words(td: timedelta, lang: str = "en") -> str:
    """A duration in days, hours and minutes, seconds dropped: ``1d 2h 30min`` / ``1天2小时30分``.

    Less than a minute is ``<1min`` / ``不足1分钟``; a negative duration gets a leading ``-``.

    >>> duration_words(timedelta(days=1, hours=2, minutes=30, seconds=9))
    '1d 2h 30min'
    >>> duration_words(timedelta(seconds=-30), "zh")
    '-不足1分钟'
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
