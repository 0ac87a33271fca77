"""Explanations: the words of an instance's status and the steps that computed its due.

One catalogue (:data:`MESSAGES`) holds every sentence the engine says, in English and Chinese;
the engine asks for a message by name and gives the facts, and never branches on a language:

- :func:`both` gives a message in both languages at once (the reasons a report keeps for a
  missed, late, premature or excused duty: ``reason`` and ``reason_zh``);
- :func:`say` gives it in one (an explanation's steps, built when asked for);
- a fact whose words depend on the language is given as :class:`Words` (en, zh).

:class:`Explainer` is what an obligation keeps to explain itself on demand
(``Obligation.steps(lang)``): the compiled norm and tier, and the facts of its instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from .compiler import CompiledDeadline, CompiledNorm, CompiledRuleset, CompiledTier, anchors
from .expressions import ExpressionError
from .logic import record
from .report import Obligation
from .text import dur, fmt

#: A clock pause applied to an instance: how long, which span starts, and the moved due.
Paused = tuple[timedelta, tuple[str, ...], datetime]


class Words(NamedTuple):
    """A fact said differently in each language."""

    en: str
    zh: str


#: message name -> (English, Chinese) templates (``str.format`` fields: the facts)
MESSAGES: dict[str, tuple[str, str]] = {
    # the reasons of a status (``Obligation.reason`` and ``reason_zh``)
    "late": ("fulfilled late at {when} ({late} after due)", "迟延履行于 {when} (超过期限 {late})"),
    "missed": ("not fulfilled by {when}", "至 {when} 未履行"),
    "prohibited": ("prohibited act at {when}", "于 {when} 发生禁止行为"),
    "premature": (
        "exercised prematurely at {when}, before {before}",
        "于 {when} 提前行使，早于 {before}",
    ),
    "expired": (
        "expired at {when}: not exercised while it was open",
        "未在行使期限内行使，已于 {when} 失效",
    ),
    "excused_by_cause": (
        "cause {value} determined {when} ({event}); clause {clause}: {reason}",
        "原因 {value} 于 {when} 认定 ({event}); 第 {clause} 条: {reason}",
    ),
    "excused_in_span": (
        "due {due} inside {span} {key} of party {party} ({start} – {until}); "
        "clause {clause}: {reason}",
        "期限 {due} 处于当事方 {party} 的 {span} {key} 期间 ({start} – {until}); "
        "第 {clause} 条: {reason}",
    ),
    # the steps of an explanation (``Obligation.steps(lang)``)
    "trigger": ("trigger: {what} at {at}", "触发: {what} 于 {at}"),
    "tier": ("{at} is {cls} → tier {tier}: {length}", "{at} 属于{cls} → 档位 {tier}: {length}"),
    "no_deadline": ("no deadline: pending until fulfilled", "未约定期限: 履行前一直进行中"),
    "due_at": ("due at {anchor}: {due}", "期限: {anchor} {due}"),
    "due_expr": ("due {text} → {due}", "期限: {text} → {due}"),
    "due_clock": ("due {text} after {label} → {due}", "期限: {label}后 {amount} → {due}"),
    "due_days": (
        "{text} {rel} {label} ({rule}) → {due}",
        "期限: {label}{rel} {amount} ({rule}) → {due}",
    ),
    "window": ("fulfilment counts from {start} ({spec})", "自 {start} 起的履行方计入"),
    "paused": (
        "clock paused {paused} ({ids}) → due {due}",
        "计时暂停 {paused} ({ids}) → 期限 {due}",
    ),
    "acted": ("{verb} at {at}{due}", "{verb}于 {at}{due}"),
}

#: a trigger's time class, as the tier step says it
CLASS_WORDS = {
    "working_hours": Words("inside working hours of a working day", "工作日的工作时间"),
    "outside_working_hours": Words("outside working hours of a working day", "工作日的非工作时间"),
    "non_working_day": Words("on a non-working day", "非工作日"),
}
#: a deadline's unit in Chinese (the English says the deadline as the rule file does)
UNITS_ZH = {
    "minutes": "分钟",
    "hours": "小时",
    "working_hours": "工作小时",
    "days": "日",
    "working_days": "个工作日",
    "months": "个月",
    "years": "年",
}
#: what the deciding event did, per norm kind
ACTED = {
    "obligation": Words("fulfilled", "履行"),
    "prohibition": Words("violated", "违反"),
    "permission": Words("exercised", "行使"),
}
_CLOCK_UNITS = ("minutes", "hours", "working_hours")
_CIVIL_CODE = Words("Civil Code Art. 201–203", "民法典第二百零一至二百零三条")
_BY_WORKING_DAYS = Words("working days", "按工作日计")
_BEFORE = Words("before", "前")
_AFTER = Words("after", "后")
_NOTHING = Words("", "")


def say(name: str, lang: str, **facts: Any) -> str:
    """Message ``name`` in ``lang`` (``zh``, else English) with ``facts`` filled in."""
    zh = lang == "zh"
    picked = {k: (v[1] if zh else v[0]) if type(v) is Words else v for k, v in facts.items()}
    return MESSAGES[name][1 if zh else 0].format(**picked)


def both(name: str, **facts: Any) -> tuple[str, str]:
    """Message ``name`` in English and in Chinese, with ``facts`` filled in."""
    en, zh = MESSAGES[name]
    if Words in map(type, facts.values()):  # (no generator: reasons are made per missed duty)
        return say(name, "en", **facts), say(name, "zh", **facts)
    return en.format(**facts), zh.format(**facts)


@dataclass(frozen=True, slots=True)
class Explainer:
    """What an instance's explanation needs beyond the obligation itself; called with the
    obligation and a language, it gives the steps (:func:`explain`)."""

    c: CompiledRuleset
    cn: CompiledNorm
    tier: CompiledTier | None
    #: the due before pauses, when a pause moved it (else it is the obligation's due)
    base_due: datetime | None
    not_before: datetime | None
    paused: Paused | None

    def __call__(self, ob: Obligation, lang: str = "en") -> tuple[str, ...]:
        return explain(
            self.c,
            self.cn,
            ob.trigger_at,
            ob.trigger_event,
            self.tier,
            # the time class of the trigger, which chose the tier (worked out again here: an
            # explanation is built on demand, an instance is not)
            self.c.calendar.classify(ob.trigger_at) if self.tier is not None else None,
            ob.due if self.paused is None else self.base_due,
            self.not_before,
            self.paused,
            ob.due,
            ob.fulfilled_at,
            ob.status,
            lang,
            ob,
        )


def due_text(
    c: CompiledRuleset,
    d: CompiledDeadline,
    trigger_at: datetime,
    due: datetime,
    lang: str = "en",
    ob: Obligation | None = None,
) -> str:
    """How the due instant was computed, in words (``zh`` or ``en``); a computed due with its
    arithmetic, read from the trigger ``ob`` kept."""
    if d.expr is not None:
        return say("due_expr", lang, text=_computed(c, d, ob), due=fmt(due, day_end=True))
    if d.unit == "at":
        anchor = Words(str(d.spec.at), "期限届满时" if d.spec.at == "term.end" else "期限开始时")
        return say("due_at", lang, anchor=anchor, due=fmt(due, day_end=True))
    _, _, label_en = anchors(c, d, trigger_at)
    label_zh = {"the trigger": "触发"}.get(
        label_en,
        label_en.replace("term end", "服务期限届满").replace("term start", "服务期限开始"),
    )
    facts: dict[str, Any] = {
        "text": d.text,
        "label": Words(label_en, label_zh),
        "amount": f"{abs(d.amount).normalize():f} {UNITS_ZH[d.unit]}",
    }
    if d.unit in _CLOCK_UNITS:
        return say("due_clock", lang, due=fmt(due), **facts)
    rule = _CIVIL_CODE if d.unit in ("days", "months", "years") else _BY_WORKING_DAYS
    rel = _BEFORE if d.amount < 0 else _AFTER
    return say("due_days", lang, rule=rule, rel=rel, due=fmt(due, day_end=True), **facts)


def _computed(c: CompiledRuleset, d: CompiledDeadline, ob: Obligation | None) -> str:
    """A computed due's expression with the values it read, or as written when its data is not
    at hand."""
    assert d.expr is not None
    fields = (ob.data or {}).get("trigger") if ob is not None else None
    if ob is None or fields is None:
        return d.expr.text
    trigger = record(fields, d.money or {}, ob.trigger_at, ob.trigger_event)
    try:
        return d.expr.explain({**(c.base or {}), "trigger": trigger}, c.calendar).text
    except ExpressionError:
        return d.expr.text


def explain(
    c: CompiledRuleset,
    cn: CompiledNorm,
    trigger_at: datetime,
    trigger_id: str | None,
    tier: CompiledTier | None,
    cls: str | None,
    base_due: datetime | None,
    not_before: datetime | None,
    paused: Paused | None,
    due: datetime | None,
    at: datetime | None,
    status: str,
    lang: str = "en",
    ob: Obligation | None = None,
) -> tuple[str, ...]:
    """The steps behind an instance in ``lang`` (zh or en), built only when asked for (``ob``:
    the obligation, whose kept event fields explain a computed due)."""
    n = cn.norm
    what = f"{n.trigger.event} {trigger_id}" if trigger_id else f"{n.trigger.at}"
    if n.trigger.every is not None:
        what = f"every {n.trigger.every}"
    elif n.trigger.on is not None:
        what = f"{n.trigger.norm} {n.trigger.on}"
    elif n.trigger.empty:
        power = ob.cause.rule if ob is not None and ob.cause is not None else "a power"
        what = (
            f"the exercise of {power} ({trigger_id})"
            if lang == "en"
            else f"{power} 的行使（{trigger_id}）"
        )
    steps = [say("trigger", lang, what=what, at=fmt(trigger_at))]
    deadline = tier.deadline if tier is not None else cn.deadline
    if tier is not None and cls is not None:
        length = Words(
            tier.deadline.spec.describe(),
            f"{tier.deadline.amount.normalize():f} {UNITS_ZH[tier.deadline.unit]}",
        )
        tier_step = say(
            "tier",
            lang,
            at=fmt(trigger_at),
            cls=CLASS_WORDS[cls],
            tier=tier.tier.name,
            length=length,
        )
        steps.append(tier_step)
    if deadline is not None and base_due is not None:
        steps.append(due_text(c, deadline, trigger_at, base_due, lang, ob))
    else:
        steps.append(say("no_deadline", lang))
    if not_before is not None and cn.not_before is not None:
        steps.append(say("window", lang, start=fmt(not_before), spec=cn.not_before.spec.describe()))
    if paused is not None:
        paused_for, ids, moved = paused
        steps.append(
            say("paused", lang, paused=dur(paused_for), ids=", ".join(ids), due=fmt(moved))
        )
    closes = ob.life.closes if ob is not None and ob.life is not None else None
    if closes is not None:
        steps.append(
            f"open until {fmt(closes)} (exclusive; until {n.until.describe() if n.until else ''})"
            if lang == "en"
            else f"行使期限至 {fmt(closes)}（不含）"
        )
    if at is not None:
        due_words = Words(f", due {fmt(due)}", f"，期限 {fmt(due)}") if due else _NOTHING
        steps.append(say("acted", lang, verb=ACTED[n.kind], at=fmt(at), due=due_words))
    return tuple(steps)
