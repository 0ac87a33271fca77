"""Why one instance has its status (``contract-rules explain``): the norm and its clause text,
the steps that computed the due instant and decided the status, the lifecycle, and the deciding
events as found again in the input; in words (:func:`render_explain`) or as a JSON-ready mapping
(:func:`explain_dict`). A measure's explanation is
:func:`~contract_rules.measures_view.explain_measure`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .report import Obligation
from .report_words import instant_cell, labels, party_name
from .safe_text import visible
from .skipped_days import skipped_line
from .tables import wrap
from .text import iso

if TYPE_CHECKING:
    from .model import Norm, Ruleset


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
            rule=cause.rule, key=cause.key or "-", change=cause.change, at=instant_cell(cause.at)
        )
        lines.append(f"  {said}")
    for h in ob.history:
        until = lb["still"] if h.end is None else instant_cell(h.end)
        by = f" ({h.event})" if h.event else ""
        lines.append(f"  {lb.get(h.state, h.state)}: {instant_cell(h.start)} → {until}{by}")
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
        lines += ["", f"{lb['clause_text']}:", *wrap(norm.text.get(lang))]
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
