"""The evaluator's instance machinery: what an instance of a norm is while an evaluation runs,
and what it comes to at an instant.

- :class:`Instance` (with :class:`More`), :class:`Cause` and :class:`SpanRec`: the running
  state the engine's per-event handlers create and update (kept small: a large evaluation holds
  hundreds of thousands of instances);
- :class:`Judge`: an instance at ``as_of`` as the report's
  :class:`~contract_rules.report.Obligation`: its due with clock pauses applied, its status by
  the norm's kind (``docs/semantics.md``), the first excuse that applies, the reasons in both
  languages (from the explanations' catalogue) and its explainer. It reads the causes and spans
  the evaluator records (the same containers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from .compiler import CompiledDeadline, CompiledExcuse, CompiledNorm, CompiledRuleset, CompiledTier
from .events import comparable, elapsed
from .explanations import Explainer, Paused, Words, both
from .model import Status
from .report import CauseLink, Life, Obligation
from .text import dur, fmt, money


@dataclass(slots=True)
class SpanRec:
    name: str
    key: str | None
    party: str | None
    start: datetime
    start_id: str
    end: datetime | None = None
    end_id: str | None = None


#: The correlation value of an instance: the one matching field's text, or a tuple of several.
Match = str | tuple[str, ...]


@dataclass(slots=True)
class More:
    """The facts few instances have: a window opening, money paid in parts, notes, and the
    fields of the trigger and fulfilling events where a remedy computes from them."""

    not_before: datetime | None = None
    paid: Decimal | None = None
    parts: int = 0
    notes: list[str] = field(default_factory=list)
    fields: Mapping[str, Any] | None = None
    answer_fields: Mapping[str, Any] | None = None
    #: the instance whose change of state created this one, the change and its instant
    cause: tuple[Instance, str, datetime] | None = None
    #: a right's closing (``until``): open in [opening, closing)
    closes: datetime | None = None
    #: released by a power: the instant, the exercising event, the power
    released: tuple[datetime, str, str] | None = None


@dataclass(slots=True, eq=False)
class Instance:
    """One open or closed instance of a norm while an evaluation runs (identity-hashed).

    Kept small: a large evaluation holds hundreds of thousands of them.
    """

    cn: CompiledNorm
    key: str | None
    match: Match
    nth: int
    trigger_at: datetime
    trigger_id: str | None
    party: str
    tier: CompiledTier | None
    base_due: datetime | None
    #: the explainer shared by its norm and tier (given positionally, as every
    #: field is: keyword arguments cost a quarter of a µs more per instance)
    how: Explainer
    responded_at: datetime | None = None
    #: the id of the event that fulfilled it, or the ids of those that add up to it; kept
    #: bare (no tuple with the trigger's id) until the report, to keep running state small
    answered_by: str | tuple[str, ...] | None = None
    more: More | None = None

    @property
    def deadline(self) -> CompiledDeadline | None:
        """The deadline in force: the tier's, or the norm's."""
        return self.tier.deadline if self.tier is not None else self.cn.deadline

    @property
    def not_before(self) -> datetime | None:
        """When fulfilment starts to count, if the norm says so."""
        return self.more.not_before if self.more is not None else None

    def extra(self) -> More:
        """The rarely needed facts, created on first use."""
        if self.more is None:
            self.more = More()
        return self.more


@dataclass(frozen=True, slots=True)
class Cause:
    value: str
    event_id: str
    at: datetime


#: the first excuse that applies: its reason in English and Chinese, and the events it cites
Excuse = tuple[str, str, tuple[str, ...]]
#: a status's reasons (en, zh), or none
Reasons = tuple[str | None, str | None]
_NO_REASON: Reasons = (None, None)
BEST_EFFORT_NOTE = "best effort: a missed target is reported, not a breach"
_BEST_EFFORT_NOTES = (BEST_EFFORT_NOTE,)


class Judgement(NamedTuple):
    """What the general rules decide of an instance at an instant (:meth:`Judge.judge`)."""

    #: the due, clock pauses applied
    due: datetime | None
    #: the time of fulfilment as reported (None for a prohibition)
    at: datetime | None
    status: Status
    reason: str | None
    reason_zh: str | None
    #: the deciding events after the trigger
    deciding: str | tuple[str, ...] | None
    #: notes
    said: tuple[str, ...]
    how: Explainer


class Judge:
    """Turns instances into obligations at an instant, reading the causes and spans recorded
    so far (the evaluator's own containers, shared, never copied) and adding the years of the
    dues it moves to ``years``."""

    __slots__ = ("c", "causes", "ended", "spans", "spans_by_key", "years")

    def __init__(
        self,
        c: CompiledRuleset,
        causes: Mapping[tuple[int, str], list[Cause]],
        spans: Mapping[str, list[SpanRec]],
        spans_by_key: Mapping[tuple[str, str | None], list[SpanRec]],
        years: set[int],
    ) -> None:
        self.c = c
        self.causes = causes
        self.spans = spans
        self.spans_by_key = spans_by_key
        self.years = years
        #: the contract's termination by a power (instant, event id, power), once exercised
        self.ended: tuple[datetime, str, str] | None = None

    def finish(self, inst: Instance, as_of: datetime) -> Obligation:
        """The obligation that ``inst`` is at ``as_of``: after the contract's termination, an
        instance that does not survive it is what it was at the termination, and ``discharged``
        if it was still open then."""
        ended = self.ended
        more = inst.more
        if more is not None and more.released is not None:
            rel = more.released
            if as_of >= rel[0] and (ended is None or inst.cn.survives_term or rel[0] < ended[0]):
                return self._finish(inst, rel[0], rel, released=True)
        if ended is None or inst.cn.survives_term or as_of < ended[0]:
            return self._finish(inst, as_of, None)
        return self._finish(inst, ended[0], ended)

    def _finish(
        self,
        inst: Instance,
        as_of: datetime,
        ended: tuple[datetime, str, str] | None,
        *,
        released: bool = False,
    ) -> Obligation:
        cn = inst.cn
        at = inst.responded_at
        due = inst.base_due
        how = inst.how
        if cn.plain_finish and at is not None and (due is None or at <= due) and inst.more is None:
            # the common case, decided without the general rules: an obligation without clock
            # pauses, met on time
            status: Status = "fulfilled"
            reason = reason_zh = None
            deciding = inst.answered_by
            said: tuple[str, ...] = ()
        else:
            due, at, status, reason, reason_zh, deciding, said, how = self.judge(inst, as_of)
        # reported in the zone itself (the engine keeps a repeated hour's second occurrence
        # in its fixed offset, see events.comparable)
        tz = self.c.tz
        trigger_at = inst.trigger_at
        if trigger_at.tzinfo is not tz:
            trigger_at = trigger_at.astimezone(tz)
        if due is not None and due.tzinfo is not tz:
            due = due.astimezone(tz)
        if at is not None and at.tzinfo is not tz:
            at = at.astimezone(tz)
        data = None
        if cn.keeps and inst.more is not None:
            data = {"trigger": inst.more.fields, "fulfilment": inst.more.answer_fields}
        life = None
        if status == "pending" and ended is not None:
            t, by, power = ended
            status = "discharged"
            if released:
                reason = f"released by {power} ({by}) at {fmt(t)}"
                reason_zh = f"已于 {fmt(t)} 因 {power}（{by}）解除"
            else:
                reason = (
                    f"discharged at {fmt(t)}: the contract was terminated by {by} "
                    f"(power {power}); {cn.info.rule} does not survive termination"
                )
                reason_zh = f"合同已于 {fmt(t)} 因 {by}（{power}）终止，本义务随之解除"
            life = Life(ended_at=t if t.tzinfo is tz else t.astimezone(tz), ended_by=by)
        if (
            cn.pause
            or inst.more is not None
            or life is not None
            or (cn.norm.violated_by is not None and inst.responded_at is not None)
        ):
            life = self._life(inst, as_of, life)
        return Obligation(
            cn.info,
            inst.party,
            inst.key,
            inst.nth,
            trigger_at,
            inst.trigger_id,
            inst.tier.name if inst.tier else None,
            due,
            status,
            at,
            reason,
            reason_zh,
            deciding,
            said,
            how,
            data,
            life,
        )

    def _life(self, inst: Instance, as_of: datetime, life: Life | None) -> Life | None:
        """The lifecycle facts of ``inst`` its obligation does not give: the clock pauses that
        stopped it, a prohibited act's instant, its cause."""
        tz = self.c.tz

        def z(t: datetime) -> datetime:
            return t if t.tzinfo is tz else t.astimezone(tz)

        suspended: list[tuple[datetime, datetime | None, str | None, str | None]] = []
        if inst.cn.pause:
            for name in inst.cn.pause:
                key = None if name in inst.cn.suspensions else inst.key
                for rec in self.spans_by_key.get((name, key), ()):
                    if rec.start > as_of or (rec.end is not None and rec.end <= inst.trigger_at):
                        continue
                    open_ = rec.end is None or rec.end > as_of
                    suspended.append(
                        (
                            z(max(rec.start, inst.trigger_at)),
                            None if open_ or rec.end is None else z(rec.end),
                            rec.start_id,
                            None if open_ else rec.end_id,
                        )
                    )
            suspended = _joined(suspended)
        ended_at = life.ended_at if life is not None else None
        ended_by = life.ended_by if life is not None else None
        if ended_at is None and inst.cn.norm.violated_by is not None and inst.responded_at:
            ended_at = z(inst.responded_at)
        cause = None
        more = inst.more
        closes = None
        if more is not None:
            if more.cause is not None:
                src, change, at = more.cause
                cause = CauseLink(src.cn.info.rule, src.key, src.nth, change, z(at))
            if more.closes is not None:
                closes = z(more.closes)
        if not suspended and ended_at is None and cause is None and closes is None:
            return None
        return Life(tuple(suspended), ended_at, ended_by, cause, closes)

    def judge(self, inst: Instance, as_of: datetime) -> Judgement:
        """The general rules of :meth:`finish`, by the norm's kind."""
        cn = inst.cn
        due, paused = self.current_due(inst, as_of) if cn.pause else (inst.base_due, None)
        more = inst.more
        notes: list[str] | None = list(more.notes) if more is not None and more.notes else None
        kind = cn.info.kind
        if kind == "obligation":
            status, at, reasons, deciding = self._obligation(inst, due, as_of)
            if more is not None and more.parts:
                notes = _payment_notes(inst, more, notes or [])
        elif kind == "prohibition":
            status, at, reasons, deciding = self._prohibition(inst, due, as_of)
        else:
            status, at, reasons = _permission(inst, due, as_of)
            deciding = inst.answered_by
        if status == "violated" and cn.best_effort:
            # one shared tuple for the common case: a missed best-effort target, nothing else
            said = (*notes, BEST_EFFORT_NOTE) if notes else _BEST_EFFORT_NOTES
        else:
            said = tuple(notes) if notes else ()
        how = self.explainer(inst, paused)
        return Judgement(due, at, status, reasons[0], reasons[1], deciding, said, how)

    def _obligation(
        self, inst: Instance, due: datetime | None, as_of: datetime
    ) -> tuple[Status, datetime | None, Reasons, str | tuple[str, ...] | None]:
        """An obligation: fulfilled on time, else excused, late, missed or still pending."""
        at = inst.responded_at
        deciding = inst.answered_by
        if at is not None and (due is None or at <= due):
            return "fulfilled", at, _NO_REASON, deciding
        excuse = self.excuse(inst, due) if inst.cn.excuses else None
        if excuse is not None:
            return "excused", at, (excuse[0], excuse[1]), joined(deciding, excuse[2])
        if at is not None:
            if due is None:
                return "violated", at, _NO_REASON, deciding
            return "violated", at, both("late", when=fmt(at), late=dur(elapsed(due, at))), deciding
        if due is not None and as_of > due:
            return "violated", at, both("missed", when=fmt(due, day_end=True)), deciding
        return "pending", at, _NO_REASON, deciding

    def _prohibition(
        self, inst: Instance, due: datetime | None, as_of: datetime
    ) -> tuple[Status, datetime | None, Reasons, str | tuple[str, ...] | None]:
        """A prohibition: violated (or excused) by its act in the window, else kept once the
        window closed; no time of fulfilment is reported."""
        at = inst.responded_at
        deciding = inst.answered_by
        if inst.cn.norm.violated_by is None or (at is not None and (due is None or at <= due)):
            excuse = self.excuse(inst, due) if inst.cn.excuses else None
            if excuse is not None:
                return "excused", None, (excuse[0], excuse[1]), joined(deciding, excuse[2])
            reasons = both("prohibited", when=fmt(at or inst.trigger_at))
            return "violated", None, reasons, deciding
        if due is not None and as_of > due:
            return "fulfilled", None, _NO_REASON, deciding
        return "pending", None, _NO_REASON, deciding

    def excuse(self, inst: Instance, due: datetime | None) -> Excuse | None:
        """The first excuse of ``inst``'s norm that applies (rule file order), or None."""
        if not self.causes and not self.spans:
            return None  # nothing recorded can excuse anything
        for ex in inst.cn.excuses:
            if ex.span is None:
                found = self._by_cause(ex, inst.key)
            elif due is not None:
                found = self._in_span(ex, inst.party, due, inst.key)
            else:
                continue
            if found is not None:
                return found
        return None

    def _by_cause(self, ex: CompiledExcuse, key: str | None) -> Excuse | None:
        """A cause excuse: a cause recorded for ``key`` with one of the excuse's values."""
        if key is None or ex.slot < 0:
            return None
        for rec in self.causes.get((ex.slot, key), ()):
            if rec.value in ex.values:
                en, zh = both(
                    "excused_by_cause",
                    value=rec.value,
                    when=fmt(rec.at),
                    event=rec.event_id,
                    clause=ex.clause,
                    reason=Words(ex.reason_en, ex.reason_zh),
                )
                return en, zh, (rec.event_id,)
        return None

    def _in_span(
        self, ex: CompiledExcuse, party: str, due: datetime, key: str | None
    ) -> Excuse | None:
        """A span excuse: the due inside a span of the excuse's kind (of the bearer, when the
        span names a party; of another key than ``key``, when the excuse says ``own_key:
        false``)."""
        assert ex.span is not None
        for span in self.spans.get(ex.span, ()):
            if span.party is not None and span.party != party:
                continue
            if not ex.own_key and span.key == key:
                continue  # the span that created the duty does not excuse it
            if span.start <= due and (span.end is None or due <= span.end):
                until = Words(fmt(span.end), fmt(span.end)) if span.end else _ONGOING
                en, zh = both(
                    "excused_in_span",
                    due=fmt(due),
                    span=ex.span,
                    key=span.key or "",
                    party=span.party,
                    start=fmt(span.start),
                    until=until,
                    clause=ex.clause,
                    reason=Words(ex.reason_en, ex.reason_zh),
                )
                ids = (span.start_id,) + ((span.end_id,) if span.end_id else ())
                return en, zh, ids
        return None

    def explainer(self, inst: Instance, paused: Paused | None) -> Explainer:
        """The explainer of ``inst``: the one shared by its norm and tier, unless the instance
        has facts of its own (a clock pause, a window opening)."""
        if paused is not None or (inst.more is not None and inst.more.not_before is not None):
            return Explainer(self.c, inst.cn, inst.tier, inst.base_due, inst.not_before, paused)
        return inst.how

    def pauses(self, inst: Instance, as_of: datetime) -> list[tuple[datetime, datetime, str]]:
        """The clock pauses of ``inst`` by ``as_of`` (start, end, the starting event), in order:
        its norm's spans with its key, cut to its trigger and ``as_of``."""
        pauses: list[tuple[datetime, datetime, str]] = []
        for name in inst.cn.pause:
            if name in inst.cn.suspensions:
                continue  # a power's suspension moves the due by its own rule (suspended_due)
            for rec in self.spans_by_key.get((name, inst.key), ()):
                if rec.start > as_of:
                    continue
                end = rec.end if rec.end is not None and rec.end <= as_of else as_of
                if end > inst.trigger_at:
                    pauses.append((max(rec.start, inst.trigger_at), end, rec.start_id))
        pauses.sort()
        return pauses

    def current_due(self, inst: Instance, as_of: datetime) -> tuple[datetime | None, Paused | None]:
        """The due instant with clock pauses applied: an open pause counts until as_of, or
        until the instance was fulfilled (a fulfilled duty's clock no longer runs, so waiting
        that goes on after it moves nothing, in every mode of evaluation)."""
        if not inst.cn.suspensions:
            return self._paused_due(inst, as_of)
        due, paused = self._paused_due(inst, as_of)
        return self.suspended_due(inst, as_of, due), paused

    def _paused_due(self, inst: Instance, as_of: datetime) -> tuple[datetime | None, Paused | None]:
        d = inst.deadline
        if inst.base_due is None or not inst.cn.pause or d is None:
            return inst.base_due, None
        done = inst.responded_at
        pauses = self.pauses(inst, done if done is not None and done < as_of else as_of)
        if not pauses:
            return inst.base_due, None
        cal = self.c.calendar
        working = d.unit == "working_hours"
        remaining = d.delta
        cursor = inst.trigger_at
        paused = timedelta(0)
        used: list[str] = []
        for start, end, sid in pauses:
            if end <= cursor:
                continue
            if start > cursor:
                # the due is inclusive: a pause that starts at or before the instant the clock
                # runs out stops it (docs/semantics.md, 4b); one that starts later changes nothing
                if working:
                    if start > cal.add_working_hours(cursor, remaining):
                        break
                    gap = cal.working_time_between(cursor, start)
                else:
                    gap = elapsed(cursor, start)
                    if gap > remaining:
                        break
                remaining -= gap
                cursor = start
            paused += cal.working_time_between(cursor, end) if working else elapsed(cursor, end)
            used.append(sid)
            cursor = end
        if not used:
            return inst.base_due, None
        due = (
            cal.add_working_hours(cursor, remaining)
            if working
            else cal.add_clock(cursor, remaining)
        )
        self.years.add(due.year)
        due = comparable(due)
        return due, (paused, tuple(used), due)

    def suspended_due(
        self, inst: Instance, as_of: datetime, due: datetime | None
    ) -> datetime | None:
        """The due of an instance of a norm a power can suspend: later by the time suspended
        before it (clock time; a suspension still open counts until ``as_of``), or, where the
        norm keeps its due, the resumption when the due falls inside a suspension. A
        suspension that starts after the due, or after the instance was performed, changes
        nothing (docs/semantics.md 6). ``due`` is the due with clock pauses applied."""
        names = inst.cn.suspensions
        if due is None or not names:
            return due
        done = inst.responded_at
        keep = inst.cn.norm.keep_due
        for start, end in _union(self.spans_by_key, names, as_of):
            if start > as_of or start > due or (done is not None and start >= done):
                break
            if end <= inst.trigger_at:
                continue
            if keep:
                due = max(due, end)
            else:
                due = self.c.calendar.add_clock(due, elapsed(max(start, inst.trigger_at), end))
        self.years.add(due.year)
        return comparable(due)


def _union(
    spans_by_key: Mapping[tuple[str, str | None], list[SpanRec]],
    names: tuple[str, ...],
    as_of: datetime,
) -> list[tuple[datetime, datetime]]:
    """The stretches covered by the suspensions ``names`` (a norm's own, the contract's), in
    time order, overlapping ones joined; a suspension still open at ``as_of`` ends there."""
    found = sorted(
        (rec.start, rec.end if rec.end is not None and rec.end <= as_of else as_of)
        for name in names
        for rec in spans_by_key.get((name, None), ())
    )
    out: list[tuple[datetime, datetime]] = []
    for start, end in found:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


Stretch = tuple[datetime, datetime | None, str | None, str | None]


def _joined(stretches: list[Stretch]) -> list[Stretch]:
    """``stretches`` (start, end or None: still running, the starting and ending events) in
    time order, overlapping ones joined: a clock stopped by two things at once is one stop."""
    stretches.sort(key=lambda x: x[0])
    out: list[Stretch] = []
    for s in stretches:
        if out:
            a, b, a_id, b_id = out[-1]
            if b is None or s[0] <= b:
                later = b is None or (s[1] is not None and s[1] <= b)
                out[-1] = (a, b, a_id, b_id) if later else (a, s[1], a_id, s[3])
                continue
        out.append(s)
    return out


_ONGOING = Words("ongoing", "持续中")


def _permission(
    inst: Instance, due: datetime | None, as_of: datetime
) -> tuple[Status, datetime | None, Reasons]:
    """A permission: exercised (fulfilled), exercised before its due (premature: violated), not
    exercised by its closing (expired), or not yet exercised (pending)."""
    at = inst.responded_at
    if at is None:
        more = inst.more
        closes = more.closes if more is not None else None
        if closes is not None and as_of >= closes:
            return "expired", at, both("expired", when=fmt(closes))
        return "pending", at, _NO_REASON
    if due is not None and at < due:
        return "violated", at, both("premature", when=fmt(at), before=fmt(due, day_end=True))
    return "fulfilled", at, _NO_REASON


def _payment_notes(inst: Instance, more: More, notes: list[str]) -> list[str]:
    """``notes`` with what an obligation paid in parts adds: how many parts, and the sum paid so
    far while it is not met."""
    if more.parts > 1:
        notes.append(f"paid in {more.parts} parts; the clause asks for one payment")
    if inst.responded_at is None and more.paid is not None:
        notes.append(f"paid {money(more.paid)} so far")
    return notes


def joined(
    ids: str | tuple[str, ...] | None, more: tuple[str, ...]
) -> str | tuple[str, ...] | None:
    """Event ids ``ids`` (one, several or none) followed by ``more``."""
    if not more:
        return ids
    if ids is None:
        return more
    return (ids, *more) if isinstance(ids, str) else (*ids, *more)
