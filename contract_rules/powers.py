"""The evaluator's lifecycle machinery, beside its per-event hot path (:mod:`.evaluator`):

- :class:`Lifecycle`, a base of :class:`~contract_rules.evaluator.Evaluator`: instance creation
  (``_create``, on the per-event path: one definition that the handlers, the term dates, the
  periods and the duties arising from others all call), the acts whose effects go beyond their
  instance (powers that terminate, suspend, resume, release and create;
  duties arising from other duties), the closing of rights, the due arithmetic, the records of
  causes, spans and claims, and streaming's settling. Methods of one object, so that an event
  costs what it did when they were one class (``docs/architecture.md``, "Size and complexity").
- :func:`contract_states`: the contract's states over time, shared by one process and the merge
  of a cluster's partitions.
"""

from __future__ import annotations

import heapq
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from .calendar import PeriodUnit
from .compiler import (
    CONTRACT_SUSPENSION,
    CompiledDeadline,
    CompiledNorm,
    CompiledRuleset,
    CompiledTier,
    _always,
    anchors,
)
from .events import Event, comparable, in_zone
from .explanations import Explainer
from .expressions import ExpressionError
from .instances import Cause, Instance, Judge, Match, SpanRec
from .logic import miss, record
from .model import CONTRACT
from .report import Obligation, StateChange
from .text import fmt, money


class Lifecycle:
    """What :class:`~contract_rules.evaluator.Evaluator` does beyond answering events: creating
    instances and their lifecycle (see the module's text). It holds no state of its own: the
    attributes below are the evaluator's, set by its ``__init__`` (mypy checks each assignment
    there against the type declared here)."""

    c: CompiledRuleset
    settle_after: Any
    on_settled: Callable[[Obligation], None] | None
    _judge: Judge
    _open: list[dict[Match, list[Instance]]]
    _live: dict[Instance, int]
    _ended: tuple[datetime, str, str] | None
    _watch: list[tuple[datetime, int, Instance]]
    _heap: list[tuple[datetime, int, Instance]]
    _top: datetime | None
    _ties: set[datetime]
    _years: set[int]
    _causes: dict[tuple[int, str], list[Cause]]
    _spans: dict[str, list[SpanRec]]
    _spans_by_key: dict[tuple[str, str | None], list[SpanRec]]
    _open_spans: dict[tuple[str, str | None, str | None], SpanRec]
    _measured: frozenset[str]
    _span_fields: dict[str, Mapping[str, Any]]
    _claims: list[tuple[int, Event]]
    _settled: dict[str, int]
    _settled_for_remedies: list[Obligation]
    _remedy_norms: set[str]
    _instances: list[Instance]
    _seq: int
    _seen_keys: dict[str | None, int]
    _repeats: dict[tuple[int, str | None], int]
    _how: list[tuple[Explainer, ...]]
    _watch_seq: int

    # ------------------------------------------------------------------ instances

    def _create(
        self,
        cn: CompiledNorm,
        at: datetime,
        ev_id: str | None,
        fields: Mapping[str, Any],
        key: str | None,
        cls: str | None,
        period: tuple[datetime, datetime] | None = None,
    ) -> Instance | None:
        """A new instance of ``cn`` triggered at ``at`` (of time class ``cls`` when ``cn`` has
        tiers; in ``period`` for a recurring duty); None when no tier of it applies. The caller
        records the year of ``at``."""
        tier: CompiledTier | None = None
        deadline = cn.deadline
        if cn.tiers:
            by_class = cn.tier_of_class
            if by_class is not None:
                tier = by_class.get(cls or "")
            else:
                for t in cn.tiers:
                    if (t.classes is None or cls in t.classes) and (
                        t.pred is _always or t.pred(fields)
                    ):
                        tier = t
                        break
            if tier is None:
                return None
            deadline = tier.deadline
        party = cn.static_party or self._party(cn.norm.party, fields)
        if cn.match_is_key:
            match: Match = key if key is not None else "None"
        else:
            match = _match_of(cn.match, fields) if cn.match else ()
        # nth: the first instance of a norm per key is told by one bit (see __init__)
        seen = self._seen_keys.get(key, 0)
        bit = 1 << cn.index
        if seen & bit:
            nth = self._repeats.get((cn.index, key), 1) + 1
            self._repeats[(cn.index, key)] = nth
        else:
            self._seen_keys[key] = seen | bit
            nth = 1
        problem: str | None = None
        if deadline is None:
            base_due = None
        else:
            if deadline.clock_from_trigger:
                base_due = self.c.calendar.add_clock(at, deadline.delta)
            elif deadline.expr is not None:
                base_due, problem = self._computed_due(deadline, at, ev_id, fields, period)
            else:
                base_due = self._due(deadline, at)
            if base_due is not None and base_due.fold:
                base_due = comparable(base_due)
        inst = Instance(
            cn,
            key,
            match,
            nth,
            at,
            ev_id,
            party,
            tier,
            base_due,
            self._how[cn.index][0 if tier is None else tier.position],
        )
        if cn.not_before is not None:
            if cn.not_before.expr is not None:
                opens, why = self._computed_due(cn.not_before, at, ev_id, fields, period)
                inst.extra().not_before = None if opens is None else comparable(opens)
                if why is not None:
                    inst.extra().notes.append(f"window: {why}")
            else:
                inst.extra().not_before = comparable(self._due(cn.not_before, at))
        if cn.until is not None:
            self._closing(inst, cn.until, ev_id, fields, period)
        if cn.keeps:
            inst.extra().fields = fields  # a remedy computes from them when the report is built
        if problem is not None:
            inst.extra().notes.append(problem)
        settle = self.settle_after
        streaming = settle is not None
        if streaming:
            self._seq += 1
            self._live[inst] = self._seq
        else:
            self._instances.append(inst)
        if cn.waits:
            open_ = self._open[cn.index]
            waiting = open_.get(match)
            if waiting is None:
                open_[match] = [inst]
            else:
                waiting.append(inst)
        if cn.arising and base_due is not None:
            self._watch_seq += 1
            heapq.heappush(self._watch, (base_due.astimezone(UTC), self._watch_seq, inst))
        if base_due is not None:
            self._years.add(base_due.year)
            if settle is not None:
                self._push(base_due.astimezone(UTC) + settle, self._seq, inst)
        elif settle is not None and cn.until is not None:
            # a right open from its arising: looked at once its closing has passed
            self._push(at.astimezone(UTC) + settle, self._seq, inst)
        elif settle is not None and cn.final_on_trigger:
            # a prohibited act is violated the moment it happens: settled like a closed instance
            self._push(at.astimezone(UTC) + settle, self._seq, inst)
        return inst

    def _party(self, ref: str, fields: Mapping[str, Any]) -> str:
        if ref.startswith("$trigger."):
            return str(fields.get(ref.removeprefix("$trigger."), "any"))
        if ref.startswith("$other."):
            named = fields.get(ref.removeprefix("$other."))
            return self.c.other_party(str(named)) if named is not None else "any"
        return ref

    def _create_scheduled(self) -> None:
        """Create the instances that arise at a time, not from an event: those of the norms
        triggered at the term's start or end (``trigger.at``), and one per period of a recurring
        duty (from the period's start, in the term; keyed by the period's label)."""
        for cn in self.c.norms:
            if cn.norm.trigger.at is not None:
                at = self.c.term_start if cn.norm.trigger.at == "term.start" else self.c.term_end
                cls = self.c.calendar.classify(at) if cn.tiers else None
                if self._create(cn, at, None, {}, None, cls) is not None:
                    self._years.add(at.year)
            for label, start, end in cn.periods:
                # a recurring duty: one instance per period, from its start (in the term), keyed
                # by the period's label; the fulfilling event names it in the key field
                at = max(start, self.c.term_start)
                cls = self.c.calendar.classify(at) if cn.tiers else None
                fields = {cn.key_field or "": label}
                if self._create(cn, at, None, fields, label, cls, (start, end)) is not None:
                    self._years.add(at.year)

    # ------------------------------------------------------------------ dues and closings

    def _closing(
        self,
        inst: Instance,
        until: CompiledDeadline,
        ev_id: str | None,
        fields: Mapping[str, Any],
        period: tuple[datetime, datetime] | None,
    ) -> None:
        """Record the closing of the right ``inst`` (``until``): counted from its opening (its
        due, or its arising where it has none), or the instant an expression or a contract
        date gives; an expression the data cannot evaluate leaves it open, with a note."""
        opens = inst.base_due if inst.base_due is not None else inst.trigger_at
        more = inst.extra()
        if until.clock_from_trigger:
            closes: datetime | None = self.c.calendar.add_clock(opens, until.delta)
        elif until.expr is not None:
            closes, why = self._computed_due(until, inst.trigger_at, ev_id, fields, period)
            if why is not None:
                more.notes.append(f"closing: {why}")
        else:
            closes = self._due(until, opens)
        if closes is not None:
            more.closes = comparable(closes)
            self._years.add(closes.year)

    def _computed_due(
        self,
        d: CompiledDeadline,
        at: datetime,
        ev_id: str | None,
        fields: Mapping[str, Any],
        period: tuple[datetime, datetime] | None = None,
    ) -> tuple[datetime | None, str | None]:
        """The due an expression computes from the trigger, or a recurring duty's ``period``
        (and the parameters); None and the reason when the data does not give one (the instance
        then has no due, and says why)."""
        assert d.expr is not None
        c = self.c
        own: dict[str, Any] = {"trigger": record(fields, d.money or {}, at, ev_id)}
        if period is not None:
            own = {"period.start": period[0], "period.end": period[1]}
        try:
            due = d.expr.evaluate(ChainMap(own, dict(c.base or {})), c.calendar)
        except ExpressionError as e:
            return None, f"due {d.expr.text!r} cannot be evaluated: {e.reason}"
        return in_zone(due, c.tz), None

    def _due(self, d: CompiledDeadline, trigger_at: datetime) -> datetime:
        """The due instant of ``d`` counted from ``trigger_at`` (or a contract date)."""
        c = self.c
        cal = c.calendar
        unit = d.unit
        if unit == "hours" or unit == "minutes":
            if d.spec.from_ == "trigger":
                return cal.add_clock(trigger_at, d.delta)
            return cal.add_clock(anchors(self.c, d, trigger_at)[0], d.delta)
        if unit == "at":
            return c.term_start if d.spec.at == "term.start" else c.term_end
        clock_anchor, day_anchor, _ = anchors(self.c, d, trigger_at)
        if unit == "working_hours":
            return cal.add_working_hours(clock_anchor, d.delta)
        ct = d.spec.counting
        if unit == "working_days":
            return cal.add_working_days(day_anchor, int(d.amount), day_end=ct.day_end)
        return cal.add_period(
            day_anchor,
            int(d.amount),
            cast(PeriodUnit, unit),
            count_start_day=ct.count_start_day,
            extend_over_rest_days=ct.extend_over_rest_days,
            day_end=ct.day_end,
        )

    # ------------------------------------------------------------------ records

    def _accumulate(
        self, inst: Instance, ev: Event, fld: str, cur_fld: str | None, target_name: str
    ) -> bool:
        fee = self.c.ruleset.contract.fees[target_name]
        more = inst.extra()
        if cur_fld is not None and ev.fields.get(cur_fld, fee.currency) != fee.currency:
            more.notes.append(f"{ev.id}: currency {ev.fields.get(cur_fld)} is not {fee.currency}")
            return False
        amount = ev.fields.get(fld)
        if not isinstance(amount, Decimal):
            return False
        more.paid = (more.paid or Decimal("0")) + amount
        more.parts += 1
        before = inst.answered_by
        if before is None:
            inst.answered_by = (ev.id,)
        elif isinstance(before, str):
            inst.answered_by = (before, ev.id)
        else:
            inst.answered_by = (*before, ev.id)
        if more.paid >= fee.amount and inst.responded_at is None:
            inst.responded_at = ev.at
            if more.paid > fee.amount:
                more.notes.append(f"paid {money(more.paid)}, more than {money(fee.amount)}")
        return True

    def _on_cause(self, j: int, ev: Event) -> tuple[bool, str] | None:
        slot = self.c.causes[j]
        if slot.field not in ev.fields or slot.key not in ev.fields:
            return None
        lst = self._causes.setdefault((j, str(ev.fields[slot.key])), [])
        lst.append(Cause(str(ev.fields[slot.field]), ev.id, ev.at))
        return True, "records a cause"

    def _on_span_start(self, j: int, ev: Event) -> tuple[bool, str] | None:
        cs = self.c.spans[j]
        if not cs.start_pred(ev.fields):
            return None
        key = str(ev.fields.get(cs.span.key)) if cs.span.key else None
        party = str(ev.fields.get(cs.span.party)) if cs.span.party else None
        slot = (cs.name, key, party)
        if slot in self._open_spans:
            return False, f"{cs.name} {key or ''} is already open"
        rec = SpanRec(cs.name, key, party, ev.at, ev.id)
        self._open_spans[slot] = rec
        if cs.name in self._measured:
            self._span_fields[ev.id] = ev.fields
        self._spans.setdefault(cs.name, []).append(rec)
        self._spans_by_key.setdefault((cs.name, key), []).append(rec)
        return True, f"opens {cs.name}"

    def _on_span_end(self, j: int, ev: Event) -> tuple[bool, str] | None:
        cs = self.c.spans[j]
        if not cs.end_pred(ev.fields):
            return None
        key = str(ev.fields.get(cs.span.key)) if cs.span.key else None
        party = str(ev.fields.get(cs.span.party)) if cs.span.party else None
        rec = self._open_spans.pop((cs.name, key, party), None)
        if rec is None:
            return False, f"no open {cs.name} {key or ''} to close"
        rec.end = ev.at
        rec.end_id = ev.id
        return True, f"closes {cs.name}"

    def _on_claim(self, k: int, ev: Event) -> tuple[bool, str] | None:
        remedy = self.c.ruleset.remedies[k]
        pred = self.c.claim_preds[k]
        if pred is not _always and not pred(ev.fields):
            head = f"does not meet the condition of the claims under {remedy.id}"
            return False, miss(pred, head, ev.fields)
        self._claims.append((k, ev))
        return True, f"claims under {remedy.id}"

    # ------------------------------------------------------------------ lifecycle

    def _on_act(self, cn: CompiledNorm, ev: Event) -> tuple[bool, str]:
        """A response to a norm whose act has effects beyond its instance: a power (exercised
        only while open, else ignored with the reason and nothing changes), an obligation whose
        fulfilment creates duties, a prohibition whose violation does."""
        n = cn.norm
        one = cn.single_match
        match = str(ev.fields.get(one)) if one is not None else _match_of(cn.match, ev.fields)
        open_ = self._open[cn.index]
        waiting = [x for x in open_.get(match, ()) if x.trigger_at <= ev.at]
        by = cn.by_field
        if by is not None:
            waiting = [x for x in waiting if str(ev.fields.get(by)) == x.party]
        if not waiting:
            said = match if isinstance(match, str) else "/".join(match)
            return False, f"no open {n.id} instance for {said or 'the contract'}"
        inst = waiting[0]
        shut = _not_open(cn, inst, ev.at)
        if shut is not None:
            return False, shut
        inst.responded_at = ev.at
        inst.answered_by = ev.id
        if cn.keeps:
            inst.extra().answer_fields = ev.fields
        lst = open_[match]
        lst.remove(inst)
        if not lst:
            del open_[match]
        if self.settle_after is not None:
            self._push(ev.at.astimezone(UTC) + self.settle_after, self._live[inst], inst)
        if n.kind == "prohibition":
            self._arise(inst, "violated", ev.at)
        else:
            due, _ = self._judge.current_due(inst, ev.at)
            # a right is performed (fulfilled) when exercised at or after its opening
            if due is None or (ev.at >= due if n.kind == "permission" else ev.at <= due):
                self._arise(inst, "fulfilled", ev.at)
        if cn.effect is not None:
            self._effect(cn, cn.effect, inst, ev)
        return cn.used_response

    def _effect(self, cn: CompiledNorm, effect: str, inst: Instance, ev: Event) -> None:
        """Apply the effect of ``cn`` exercised (or performed) by ``ev`` through ``inst``, after
        the event's other effects (docs/semantics.md 6)."""
        n = cn.norm
        if effect == "terminate":
            if self._ended is None:
                self._ended = (ev.at, ev.id, n.id)
                self._judge.ended = self._ended
        elif effect == "release":
            self._release(inst, self.c.norms[cn.target_index], ev)
        elif effect == "create":
            self._arise(inst, "exercised", ev.at, ev.fields, ev.id)
        elif n.target == CONTRACT:
            self._suspend(effect, CONTRACT_SUSPENSION, ev)
        elif n.target is not None:
            self._suspend(effect, f"suspension of {n.target}", ev)

    def _release(self, power: Instance, target: CompiledNorm, ev: Event) -> None:
        """Discharge the instances of ``target`` with the power's key that are still open at
        ``ev`` (not performed, not yet missed, arisen by then): each is ``discharged``, released
        by the power and its event. One already missed or performed stays as it is."""
        open_ = self._open[target.index]
        at = ev.at
        right = target.norm.kind == "permission"
        for match in list(open_):
            lst = open_[match]
            keep: list[Instance] = []
            for x in lst:
                if x.key != power.key or x.trigger_at > at or x.responded_at is not None:
                    keep.append(x)
                    continue
                if right:
                    more = x.more
                    missed = more is not None and more.closes is not None and at >= more.closes
                else:
                    due, _ = self._judge.current_due(x, at)
                    missed = due is not None and due < at
                if missed:
                    keep.append(x)
                    continue
                x.extra().released = (at, ev.id, power.cn.norm.id)
                if self.settle_after is not None:
                    self._push(at.astimezone(UTC) + self.settle_after, self._live[x], x)
            if keep:
                open_[match] = keep
            else:
                del open_[match]

    def _suspend(self, effect: str, name: str | None, ev: Event) -> None:
        """Suspend (open the suspension ``name``) or resume (close it): the instances whose
        clocks it stops (one norm's, or the contract's); suspending what is suspended, or
        resuming what is not, changes nothing."""
        if name is None:
            return  # no power suspends it: resuming it changes nothing
        slot = (name, None, None)
        if effect == "suspend" and slot not in self._open_spans:
            rec = SpanRec(name, None, None, ev.at, ev.id)
            self._open_spans[slot] = rec
            self._spans_by_key.setdefault((name, None), []).append(rec)
        elif effect == "resume":
            open_rec = self._open_spans.pop(slot, None)
            if open_rec is not None:
                open_rec.end = ev.at
                open_rec.end_id = ev.id

    def _advance(self, now: datetime) -> None:
        """Decide the watched instances whose due has passed before ``now``: a violation or an
        excuse at the due creates the duties that arise from it (``trigger.on``), in time
        order, so that chains of any depth follow."""
        watch = self._watch
        while watch and watch[0][0] < now:
            _, seq, inst = heapq.heappop(watch)
            cn = inst.cn
            if inst.responded_at is not None and cn.norm.kind != "prohibition":
                continue  # met (on time: its fulfilment created what it creates)
            due, _ = self._judge.current_due(inst, now) if cn.pause else (inst.base_due, None)
            if due is None:
                continue
            if due >= now:
                heapq.heappush(watch, (due.astimezone(UTC), seq, inst))  # a pause moved it
                continue
            ended = self._ended
            if ended is not None and not cn.survives_term and ended[0] <= due:
                continue  # discharged at termination, before it could be missed
            more = inst.more
            if more is not None and more.released is not None and more.released[0] <= due:
                continue  # released by a power before it could be missed
            if cn.norm.kind == "prohibition":
                if inst.responded_at is None:
                    self._arise(inst, "fulfilled", due)
                continue
            if cn.norm.kind == "permission":
                continue
            excused = cn.excuses and self._judge.excuse(inst, due) is not None
            self._arise(inst, "excused" if excused else "violated", due)

    def _arise(
        self,
        cause: Instance,
        change: str,
        at: datetime,
        given: Mapping[str, Any] | None = None,
        ev_id: str | None = None,
    ) -> None:
        """Create the instances that ``cause``'s ``change`` at ``at`` creates, each keyed by
        the cause's key and linked to it; a norm that does not survive termination arises
        from nothing after it. A power's exercise (``exercised``) gives its event's fields
        (``given``) and id (``ev_id``), which the created instances report as their trigger."""
        norms = cause.cn.arising.get(change)
        if not norms:
            return
        c = self.c
        ended = self._ended
        for j in norms:
            cn = c.norms[j]
            late = (ended is not None and at >= ended[0]) or at >= c.term_end
            if cn.within_term and late and not cn.survives_term:
                continue
            if given is not None:
                fields: dict[str, Any] = dict(given)  # the exercising event's, for a power
            else:
                fields = dict(cause.more.fields or {}) if cause.more else {}
            if cn.key_field is not None:
                fields[cn.key_field] = cause.key
            cls = c.calendar.classify(at) if cn.tiers else None
            inst = self._create(cn, at, ev_id, fields, cause.key, cls)
            if inst is None:
                continue
            inst.extra().cause = (cause, change, at)
            self._years.add(at.year)
            self._ties.add(at)  # an instance arising from a change may tie with others

    # ------------------------------------------------------------------ settling (streaming)

    def _push(self, when: datetime, seq: int, inst: Instance) -> None:
        """Schedule ``inst`` to be looked at once the event clock passes ``when`` (UTC)."""
        heap = self._heap
        heapq.heappush(heap, (when, seq, inst))
        if heap[0][2] is inst:
            self._top = in_zone(when, self.c.tz)

    def _settle(self, now: datetime) -> None:
        """Hand every instance settled before ``now`` to ``on_settled`` and forget it."""
        try:
            self._settle_before(now)
        finally:
            heap = self._heap
            self._top = in_zone(heap[0][0], self.c.tz) if heap else None

    def _settling(self, inst: Instance, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The instant after which ``inst`` is looked at (its due; a right's closing) and the
        instant it ended by an act or a release (None while open)."""
        due, _ = self._judge.current_due(inst, now)
        closed_at = inst.responded_at
        more = inst.more
        if closed_at is None and more is not None:
            if more.released is not None:
                closed_at = more.released[0]
            elif more.closes is not None and inst.cn.norm.kind == "permission":
                due = more.closes  # a right is looked at once its closing has passed
        return due, closed_at

    def _settle_before(self, now: datetime) -> None:
        assert self.settle_after is not None
        while self._heap and self._heap[0][0] < now:
            _, seq, inst = heapq.heappop(self._heap)
            if inst not in self._live:
                continue
            due, closed_at = self._settling(inst, now)
            more = inst.more
            if closed_at is None and due is not None:
                when = due.astimezone(UTC) + self.settle_after
                if when >= now:
                    self._push(when, seq, inst)  # a pause moved it
                    continue
            kind = inst.cn.norm.kind
            final = kind == "prohibition" and inst.cn.norm.violated_by is None
            if closed_at is None and due is None and not final:
                continue  # no deadline and not fulfilled: open until it is
            if closed_at is None and kind == "permission" and (more is None or more.closes is None):
                continue  # a right not yet exercised stays open; exercising it settles it
            ob = self._judge.finish(inst, now)
            del self._live[inst]
            open_ = self._open[inst.cn.index]
            lst = open_.get(inst.match)
            if lst is not None and inst in lst:
                lst.remove(inst)
                if not lst:
                    del open_[inst.match]
            self._settled[ob.status] = self._settled.get(ob.status, 0) + 1
            if ob.rule in self._remedy_norms and (ob.is_breach or ob.status == "excused"):
                # remedies need a breach to tie a claim to, or the excuse that releases it
                self._settled_for_remedies.append(ob)
            if self.on_settled is not None:
                self.on_settled(ob)

    def contract_suspensions(self) -> list[tuple[datetime, datetime | None, str, str | None]]:
        """The suspensions of the whole contract by a power so far (``target: contract``): start,
        end (None: still running), the suspending and the resuming event, in time order."""
        spans = self._spans_by_key.get((CONTRACT_SUSPENSION, None), ())
        return [(r.start, r.end, r.start_id, r.end_id) for r in spans]


def _not_open(cn: CompiledNorm, inst: Instance, at: datetime) -> str | None:
    """Why an act at ``at`` on ``inst`` counts for nothing (a right after its closing, a power
    before its opening, a prohibited act after its window), or None when it counts."""
    n = cn.norm
    if n.kind == "permission":
        more = inst.more
        if more is not None and more.closes is not None and at >= more.closes:
            return _closed(n.id, more.closes)
        opens = inst.base_due
        if cn.effect is not None and opens is not None and at < opens:
            until = fmt(opens, day_end=True)
            return f"{n.id} is not open until {until}: exercising it changes nothing"
    elif n.kind == "prohibition":
        due = inst.base_due
        if due is not None and at > due:
            return f"after the window of {n.id} closed"
    return None


def _closed(rule: str, closes: datetime) -> str:
    """Why an act after a right's closing is ignored."""
    return f"{rule} closed at {fmt(closes)} (expired): exercising it changes nothing"


def _match_of(names: tuple[str, ...], fields: Mapping[str, Any]) -> Match:
    """The correlation value of ``fields``: one field's text as is, several as a tuple."""
    if len(names) == 1:
        return str(fields.get(names[0]))
    return tuple([str(fields.get(f)) for f in names])


def contract_states(
    c: CompiledRuleset,
    t: datetime,
    ended: tuple[datetime, str, str] | None,
    settled_violated: bool,
    obs: Sequence[Obligation],
    zoned: Callable[[datetime], datetime],
    suspended: Sequence[tuple[datetime, datetime | None, str, str | None]] = (),
) -> tuple[StateChange, ...]:
    """The contract's states until ``t``: in effect from the term's start, ``suspended`` while a
    power's suspension of the whole contract runs (``suspended``: start, end or None, the
    suspending and resuming events); terminated by a power (``ended``: its instant, the
    exercising event and the power; unsuccessfully, since it ends the contract for a failure)
    or at the term's end (successfully when no binding duty of ``obs``, nor one settled before,
    was violated). Shared by one process and the merge of partitions, so that both say the
    same."""
    start = zoned(c.term_start)
    if t < c.term_start:
        return ()
    if ended is not None and ended[0] <= t:
        at = zoned(ended[0])
        reason = f"terminated by {ended[1]}, exercising the power {ended[2]}"
        return (
            *_in_effect(start, at, suspended, t, zoned),
            StateChange("terminated", at, None, ended[1], reason, False),
        )
    if t < c.term_end:
        return _in_effect(start, None, suspended, t, zoned)
    end = zoned(c.term_end)
    ok = not settled_violated and not any(o.is_breach for o in obs)
    why = "the term ended" + ("" if ok else ", with a binding duty violated")
    return (
        *_in_effect(start, end, suspended, t, zoned),
        StateChange("terminated", end, None, None, why, ok),
    )


def _in_effect(
    start: datetime,
    end: datetime | None,
    suspended: Sequence[tuple[datetime, datetime | None, str, str | None]],
    t: datetime,
    zoned: Callable[[datetime], datetime],
) -> tuple[StateChange, ...]:
    """The contract in effect from ``start`` until ``end`` (None: still at ``t``), cut by the
    suspensions of the whole contract that started before ``end`` and by ``t``."""
    out: list[StateChange] = []
    cursor, by = start, None
    for s_start, s_end, s_id, e_id in suspended:
        if s_start > t:
            break
        a = zoned(s_start)
        if end is not None and a >= end:
            break
        b = None if s_end is None or s_end > t else zoned(s_end)
        if end is not None and (b is None or b > end):
            b = end
        if a > cursor:
            out.append(StateChange("in_effect", cursor, a, by))
        out.append(StateChange("suspended", max(a, cursor), b, s_id, "suspended by a power"))
        if b is None:
            return tuple(out)
        cursor, by = b, e_id
        if end is not None and cursor >= end:
            return tuple(out)
    out.append(StateChange("in_effect", cursor, end, by))
    return tuple(out)
