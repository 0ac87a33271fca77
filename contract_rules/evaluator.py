"""The evaluator: events applied one at a time, in time order, to the instances they create,
answer and excuse; a report at any instant.

:class:`Evaluator` is the per-event hot path (``feed``/``apply``, the handlers of triggers and
responses) and the report's assembly; its base :class:`~contract_rules.powers.Lifecycle` holds
instance creation (shared by triggers, term dates, periods and duties that arise), the powers
and the lifecycle, due arithmetic, the records of causes and spans, and streaming's settling.
One object, so that an event costs a lookup in the dispatch table and one call per handler
(``docs/architecture.md``, "Size and complexity"). The batch call
:func:`~contract_rules.engine.evaluate` reads, orders and feeds; what an instance comes to is
:mod:`~contract_rules.instances`'s.
"""

from __future__ import annotations

import copy
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any

from .calendar import build_calendar as build_calendar  # importable here, as before
from .calendar.units import plain_datetime
from .collector import collector_paused
from .compiler import CauseSlot as CauseSlot  # the compile step's names, importable here
from .compiler import CompiledDeadline as CompiledDeadline
from .compiler import CompiledExcuse as CompiledExcuse
from .compiler import CompiledNorm as CompiledNorm
from .compiler import CompiledRuleset as CompiledRuleset
from .compiler import CompiledSpan as CompiledSpan
from .compiler import CompiledTier as CompiledTier
from .compiler import Predicate as Predicate
from .compiler import _always
from .compiler import compile_condition as compile_condition
from .compiler import compile_ruleset as compile_ruleset
from .errors import ContractRulesError, EventError
from .events import (
    MAX_ID_CHARS,
    Event,
    EventValidator,
    RawEvent,
    comparable,
    in_zone,
    zone,
)
from .explanations import Explainer
from .instances import Cause, Instance, Judge, Match, SpanRec
from .logic import miss
from .measures import compute_measures, spans_with_conditions
from .model import (
    Ruleset,
)
from .powers import Lifecycle, _closed, _match_of
from .powers import contract_states as contract_states  # importable here, as before
from .remedies import remedy_lines
from .report import (
    Accounting,
    EventEntry,
    Liability,
    Obligation,
    Report,
    StateChange,
)
from .safe_text import visible
from .text import date_or_datetime, iso, with_zone_offset
from .text import fmt as fmt  # importable here, as before

#: An event handler: (evaluator, index in its table, event) -> None (not for it), or (used,
#: reason). The trigger handler takes a tuple of norm indexes: the norms one event triggers.
_Handler = Callable[["Evaluator", Any, "Event"], "tuple[bool, str] | None"]
# =============================================================================== state


#: what a handler returns when a rule used the event (the reason is for the ignored only)
_USED = (True, "")


class Evaluator(Lifecycle):
    """Incremental evaluation: feed events in time order, ask for a report or what is open.

    ``strict=True`` (the default) raises :class:`EventError` for an invalid event, naming it;
    ``strict=False`` records it as rejected. An event earlier than one already fed is out of
    order: an error in strict mode, rejected otherwise (the batch :func:`evaluate` orders its
    input first). The results equal those of :func:`evaluate` on the same events.

    Streaming mode (``settle_after`` given): memory is bounded by the open instances, not by the
    events seen. An instance is *settled* once it is fulfilled, or its due has passed, and
    ``settle_after`` more has gone by on the event clock; it is then handed to ``on_settled`` and
    forgotten (the report counts it in ``settled``). A cause or span that arrives after an
    instance settled can no longer excuse it; choose ``settle_after`` longer than causes take to
    be determined. Used events are counted, not listed.
    """

    def __init__(
        self,
        compiled: CompiledRuleset | Ruleset,
        *,
        strict: bool = True,
        naive_tz: str | tzinfo | None = None,
        settle_after: timedelta | None = None,
        on_settled: Callable[[Obligation], None] | None = None,
    ) -> None:
        self.c = compiled if isinstance(compiled, CompiledRuleset) else compile_ruleset(compiled)
        self.strict = strict
        if settle_after is not None and settle_after < timedelta(0):
            raise ValueError(f"settle_after must not be negative, got {settle_after}")
        ntz = zone(naive_tz) if isinstance(naive_tz, str) else naive_tz
        self.validator = EventValidator(
            self.c.ruleset, self.c.tz, naive_tz=ntz, money_fields=self.c.money_fields
        )
        #: every instance, in creation order (batch and incremental use) ...
        self._instances: list[Instance] = []
        #: ... or, in streaming mode, the instances not yet settled, each with its number in
        #: creation order, which orders instances that settle at one instant (a dict, for
        #: removal; a list costs a sixth of the memory where nothing is removed)
        self._live: dict[Instance, int] = {}
        self._seq = 0
        #: per norm: correlation value -> the instances waiting for a response
        self._open: list[dict[Match, list[Instance]]] = [{} for _ in self.c.norms]
        #: per norm: instances so far per key (the ``nth`` of the next one)
        #: key -> a bit per norm that has an instance with that key; and the rare repeats:
        #: (norm, key) -> instances so far. Together they number instances (``nth``) at a
        #: dict entry per key, not one per norm and key.
        self._seen_keys: dict[str | None, int] = {}
        self._repeats: dict[tuple[int, str | None], int] = {}
        self._causes: dict[tuple[int, str], list[Cause]] = {}
        self._spans: dict[str, list[SpanRec]] = {}
        self._spans_by_key: dict[tuple[str, str | None], list[SpanRec]] = {}
        self._open_spans: dict[tuple[str, str | None, str | None], SpanRec] = {}
        #: the fields of the span start events a measure's exclusion reads, by event id
        self._measured = spans_with_conditions(self.c.ruleset)
        self._span_fields: dict[str, Mapping[str, Any]] = {}
        self._claims: list[tuple[int, Event]] = []
        self._ignored: list[EventEntry] = []
        self._rejected: list[EventEntry] = []
        self._used = array("q")
        self._used_sorted = True  # in input order so far (always, for input in time order)
        self._used_count = 0
        self._out_of_term: dict[str, list[str]] = {}
        self._last: datetime | None = None
        self._next_index = 0
        self._years: set[int] = set()
        #: decides what an instance is at an instant, reading the causes and spans above
        self._judge = Judge(self.c, self._causes, self._spans, self._spans_by_key, self._years)
        #: the instant of the last event that created instances, and the instants at which two
        #: events (or an event and a term date) created instances: only there does the report
        #: order need more than the trigger instant (instances arise in order otherwise)
        self._created_at: datetime | None = None
        self._ties: set[datetime] = set()
        #: per norm, the explainer shared by its plain instances, one per tier (or one)
        self._how: list[tuple[Explainer, ...]] = [
            tuple(Explainer(self.c, cn, t, None, None, None) for t in cn.tiers)
            or (Explainer(self.c, cn, None, None, None, None),)
            for cn in self.c.norms
        ]
        #: event type -> the handlers and their indexes, in the order of the dispatch table
        #: (plain functions, not bound methods: an evaluator makes no reference cycle)
        self._handlers: dict[str, tuple[tuple[_Handler, Any], ...]] = {
            etype: _handler_table(entries) for etype, entries in self.c.dispatch.items()
        }
        self.settle_after = settle_after
        self.on_settled = on_settled
        #: (when it may settle, creation number, instance): instances that settle at one instant
        #: do so in creation order, and are never compared themselves
        self._heap: list[tuple[datetime, int, Instance]] = []
        #: the heap's first instant in the zone's compared form (events are compared with it
        #: once each; the heap itself holds UTC instants, exact for any settle_after)
        self._top: datetime | None = None
        self._settled: dict[str, int] = {}
        self._settled_for_remedies: list[Obligation] = []
        #: (due in UTC, creation number, instance): the open instances whose violation or
        #: excuse creates duties (``trigger.on``), looked at once the event clock passes their
        #: due; empty for a ruleset without such norms, which then pays one test per event
        self._watch: list[tuple[datetime, int, Instance]] = []
        self._watch_seq = 0
        #: the contract's termination by a power: (instant, event id, the power's norm id)
        self._ended: tuple[datetime, str, str] | None = None
        self._remedy_norms = {n for r in self.c.ruleset.remedies for n in r.norms}
        self._create_scheduled()

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Mapping[str, Any] | RawEvent | Event) -> EventEntry:
        """Validate and apply one event; return what became of it (used, ignored, rejected)."""
        if isinstance(event, Event):
            ev: Event | None = event
            raw = RawEvent(event.index, event.where, None)
        else:
            raw = (
                event
                if isinstance(event, RawEvent)
                else RawEvent(self._next_index, f"event #{self._next_index + 1}", event)
            )
            ev = None
        self._next_index = max(self._next_index, raw.index + 1)
        try:
            fresh = ev is None
            ev = self.validator.validate(raw) if ev is None else self.validator.admit(ev)
            if self._last is not None and ev.at < self._last:
                raise EventError(
                    ev.where,
                    f"out of time order: {iso(ev.at)} is before {iso(self._last)}, already seen",
                    event_id=ev.id,
                )
            if fresh:
                self.validator.claim(ev)  # in time order: the earlier of two with one id counts
        except EventError as exc:
            if self.strict:
                raise
            return self.reject(raw, exc)
        reason = self.apply(ev)
        if reason is None:
            return EventEntry(ev.index, ev.where, ev.id, ev.type, self._zoned(ev.at), "used", "")
        return self._ignored[-1]

    def reject(self, raw: RawEvent, exc: EventError) -> EventEntry:
        """Record an invalid event as rejected, with the error's reason."""
        data = raw.data if isinstance(raw.data, Mapping) else {}
        rid = data.get("id")
        rtype = data.get("type")
        if isinstance(rid, bool) or not isinstance(rid, str | int):
            rid = exc.event_id
        elif isinstance(rid, int):
            rid = str(rid) if abs(rid) < 10**MAX_ID_CHARS else exc.event_id
        elif len(rid) > MAX_ID_CHARS:
            rid = rid[:MAX_ID_CHARS] + "…"
        # a refused record's id and type may hold what no output can write (a lone surrogate)
        # or show (controls): they are kept as escapes
        entry = EventEntry(
            raw.index,
            raw.where,
            None if rid is None else visible(rid),
            visible(rtype) if isinstance(rtype, str) else None,
            None,
            "rejected",
            exc.reason,
        )
        self._rejected.append(entry)
        return entry

    def ignore(self, ev: Event, reason: str) -> EventEntry:
        """Record a valid event that is not evaluated (e.g. after as_of), with the reason."""
        entry = EventEntry(
            ev.index, ev.where, ev.id, ev.type, self._zoned(ev.at), "ignored", reason
        )
        self._ignored.append(entry)
        return entry

    def apply(self, ev: Event) -> str | None:
        """Apply a validated event not earlier than the last one applied.

        Returns None when a rule used the event, else the reason it was ignored (recorded).
        """
        self._last = ev.at
        if self._watch:
            self._advance(ev.at)
        top = self._top
        if top is not None and top < ev.at:
            self._settle(ev.at)
        used = False
        ignored: list[str] | None = None
        for handler, idx in self._handlers.get(ev.type, ()):
            outcome = handler(self, idx, ev)
            if outcome is None:
                continue
            if outcome[0]:
                used = True
            elif ignored is None:
                ignored = [outcome[1]]
            else:
                ignored.append(outcome[1])
        if used:
            self._used_count += 1
            if self.settle_after is None:
                if self._used and ev.index < self._used[-1]:
                    self._used_sorted = False
                self._used.append(ev.index)
            return None
        reason = (
            "; ".join(dict.fromkeys(ignored or ())) or f"no rule uses events of type {ev.type!r}"
        )
        self.ignore(ev, reason)
        return reason

    # ------------------------------------------------------------------ handlers

    def _on_triggers(self, norms: tuple[int, ...], ev: Event) -> tuple[bool, str] | None:
        """Create the instances of ``norms`` (in order) that ``ev`` triggers.

        What the norms of one event share is worked out once: its time class (only when a
        norm has tiers), its place in the term, its year; each norm then checks its own condition
        and term. Returns used when any norm took the event, else the reasons, one per norm.
        """
        c = self.c
        at = ev.at
        fields = ev.fields
        cls: str | None = None
        classified = False
        before_term = at < c.term_start
        after_term = at >= c.term_end
        ended = self._ended
        if ended is not None and at >= ended[0]:
            after_term = True  # nothing new arises after termination but surviving norms
        used = False
        why: list[str] = []
        for i in norms:
            cn = c.norms[i]
            if cn.trigger_pred is not _always and not cn.trigger_pred(fields):
                head = f"does not meet the trigger condition of {cn.info.rule}"
                why.append(miss(cn.trigger_pred, head, fields))
                continue
            if cn.within_term and (before_term or (after_term and not cn.survives_term)):
                if ended is not None and at >= ended[0] and at < c.term_end:
                    why.append(
                        f"after the contract was terminated at {fmt(ended[0])} by {ended[1]} "
                        f"({ended[2]}): {cn.info.rule} does not survive termination"
                    )
                    continue
                term = c.ruleset.contract.term
                head = (
                    f"{ev.type} {ev.id} at {fmt(at)} is outside the term "
                    f"({term.start} – {term.end}, clause {term.clause or '1'})"
                )
                self._out_of_term.setdefault(head, []).append(cn.info.rule)
                why.append(f"out of term for {cn.info.rule} (clause {term.clause or '1'})")
                continue
            key = None if cn.key_field is None else str(fields.get(cn.key_field))
            if cn.follows >= 0 and not (self._seen_keys.get(key, 0) >> cn.follows) & 1:
                # a follow-up duty arises only where the duty it follows arose (semantics 5)
                first = c.norms[cn.follows].info.rule
                why.append(f"no {first} instance for {key}: {cn.info.rule} follows one")
                continue
            if cn.tiers and not classified:
                cls = c.calendar.classify(at)
                classified = True
            if self._create(cn, at, ev.id, fields, key, cls) is None:
                why.append(f"no tier of {cn.info.rule} applies")
                continue
            used = True
        if used:
            self._years.add(at.year)
            if at == self._created_at or at == c.term_start or at == c.term_end:
                self._ties.add(at)  # instances of two events (or of a term date) share it
            self._created_at = at
            return _USED
        return False, "; ".join(why)

    def _on_response(self, i: int, ev: Event) -> tuple[bool, str] | None:
        cn = self.c.norms[i]
        n = cn.norm
        if cn.response_pred is not _always and not cn.response_pred(ev.fields):
            return False, miss(
                cn.response_pred, f"does not meet the condition of {n.id}", ev.fields
            )
        ended = self._ended
        if ended is not None and not cn.survives_term and ev.at >= ended[0]:
            return False, (
                f"the contract was terminated at {fmt(ended[0])} by {ended[1]} ({ended[2]}): "
                f"{n.id} does not survive termination"
            )
        if cn.acts:
            return self._on_act(cn, ev)
        one = cn.single_match
        match = str(ev.fields.get(one)) if one is not None else _match_of(cn.match, ev.fields)
        open_ = self._open[i]
        open_list = open_.get(match)
        if not open_list:
            said = match if isinstance(match, str) else "/".join(match)
            return False, f"no open {n.id} instance for {said or 'the contract'}"
        if cn.plain_response and len(open_list) == 1:
            # the common case: one instance waits for this event, which simply fulfils it
            inst = open_list[0]
            at = ev.at
            if at < inst.trigger_at:
                return False, f"does not count toward {n.id}"
            inst.responded_at = at
            inst.answered_by = ev.id
            del open_[match]
            if self.settle_after is not None:
                self._push(at.astimezone(UTC) + self.settle_after, self._live[inst], inst)
            return cn.used_response
        acc = n.fulfilled_by.accumulate if n.fulfilled_by is not None else None
        by = cn.by_field
        took = False
        early = False
        late = False
        closed: datetime | None = None
        other: str | None = None
        done: list[Instance] = []
        for inst in open_list:
            if ev.at < inst.trigger_at:
                continue
            if by is not None and str(ev.fields.get(by)) != inst.party:
                other = inst.party  # an act of another party than the bearer does not count
                continue
            if inst.not_before is not None and ev.at < inst.not_before:
                early = True
                continue
            more = inst.more
            if more is not None and more.closes is not None and ev.at >= more.closes:
                closed = more.closes  # a right not used in its window: expired
                continue
            due = inst.base_due
            if n.kind == "prohibition" and due is not None and not inst.cn.pause and ev.at > due:
                late = True
                continue
            if acc is not None:
                took |= self._accumulate(inst, ev, acc.field, acc.currency_field, acc.target)
            else:
                inst.responded_at = ev.at
                inst.answered_by = ev.id
                took = True
                if cn.keeps:
                    inst.extra().answer_fields = ev.fields
            if inst.responded_at is not None:
                done.append(inst)
                if self.settle_after is not None:
                    at = inst.responded_at
                    self._push(at.astimezone(UTC) + self.settle_after, self._live[inst], inst)
        for inst in done:
            open_list.remove(inst)
        if not open_list:
            del open_[match]
        if took:
            return cn.used_response
        if early:
            nb = min(x.not_before for x in open_list if x.not_before is not None)
            return False, f"before the window of {n.id} opens ({fmt(nb)})"
        if late:
            return False, f"after the window of {n.id} closed"
        if closed is not None:
            return False, _closed(n.id, closed)
        if other is not None:
            return False, f"by party {ev.fields.get(by or '')}, not {other}, who bears {n.id}"
        return False, f"does not count toward {n.id}"

    # ------------------------------------------------------------------ answers

    def report(self, as_of: datetime | str | None = None) -> Report:
        """The report at ``as_of`` (default: the current time). ``as_of`` must not be earlier
        than the last event fed (ValueError otherwise)."""
        t = _as_of_instant(as_of, self.c.tz)
        if self._last is not None and t < self._last:
            raise ValueError(f"as_of {iso(t)} is before the last event fed ({iso(self._last)})")
        with collector_paused():
            if self._watch and self._watch[0][0] < t:
                # the changes between the last event and as_of are decided on a copy: a later
                # event may still come before as_of and change them
                preview = copy.deepcopy(self, _shared_memo(self))
                preview._advance(t)
                return preview._report(t)
            return self._report(t)

    def _final_report(self, t: datetime) -> Report:
        """The report of a batch evaluation, freeing each instance as it is reported.

        The evaluator is spent afterwards; this keeps the peak memory of a large evaluation to
        one copy of every instance instead of two.
        """
        with collector_paused():
            if self._watch:
                self._advance(t)
            return self._report(t, consume=True)

    def _report(self, t: datetime, *, consume: bool = False) -> Report:
        order = self._order_of()
        finish = self._judge.finish
        if consume:
            # The evaluator is spent: what only later events needed goes first (the ids seen,
            # the counts per key), then each instance is freed as it is reported, so that an
            # obligation takes the memory of the instance it reports.
            self._instances = []
            self._live = {}
            self._open = []
            self._seen_keys = {}
            self._repeats = {}
            self.validator.seen_ids = set()
            order.reverse()
            obs = tuple(finish(inst, t) for inst in _popping(order) if inst.trigger_at <= t)
        else:
            obs = tuple(finish(inst, t) for inst in order if inst.trigger_at <= t)
        rs = self.c.ruleset
        for_remedies: Sequence[Obligation] = obs
        if self._settled_for_remedies:
            for_remedies = [*self._settled_for_remedies, *obs]
        measures = compute_measures(self.c, self._spans, self._span_fields, t)
        return Report(
            contract_id=rs.contract.id,
            contract_title_zh=rs.contract.title.zh or "",
            contract_title_en=rs.contract.title.en or "",
            language=rs.contract.language,
            timezone=rs.contract.timezone,
            as_of=self._zoned(t),
            obligations=obs,
            liability=Liability(
                tuple(remedy_lines(self.c, self._claims, for_remedies, t, measures))
            ),
            accounting=Accounting(
                used_count=self._used_count,
                ignored=tuple(sorted(self._ignored, key=lambda e: e.index)),
                rejected=tuple(sorted(self._rejected, key=lambda e: e.index)),
                used_indexes=None
                if self.settle_after is not None
                else self._used
                if self._used_sorted and consume
                else array("q", sorted(self._used)),
            ),
            assumptions=tuple(self.c.calendar.assumptions_for(self._years)),
            notes=tuple(
                f"{head}: no duty arises ({', '.join(ids)})"
                for head, ids in self._out_of_term.items()
            ),
            settled=dict(self._settled),
            contract_states=self._contract_states(t, obs),
            measures=measures,
            ruleset=rs,
        )

    def _contract_states(self, t: datetime, obs: Sequence[Obligation]) -> tuple[StateChange, ...]:
        """The contract's states until ``t`` (:func:`contract_states`)."""
        violated = bool(self._settled.get("violated"))
        suspended = self.contract_suspensions()
        return contract_states(self.c, t, self._ended, violated, obs, self._zoned, suspended)

    def _order_of(self) -> list[Instance]:
        """The instances in the report's order: trigger instant, norm order, key, nth.

        Sorted by trigger instant (instants in :func:`events.comparable` form compare exactly),
        then the runs that tie on it by norm, key and nth: instances arise in time order, so the
        sort is nearly linear, and the instants where instances of two events (or of an event and
        a term date) tie were noted as they arose; only their runs are looked at.
        """
        # in batch use sorted in place: a report of a million instances makes no second list
        found = list(self._live) if self.settle_after is not None else self._instances
        found.sort(key=_TRIGGER_AT)  # stable: the instances of one event stay in norm order
        for k in self._ties:  # the runs are disjoint: their order does not matter
            i = bisect_left(found, k, key=_TRIGGER_AT)
            j = bisect_right(found, k, key=_TRIGGER_AT)
            if j - i > 1 and not all(
                found[m - 1].cn.index < found[m].cn.index for m in range(i + 1, j)
            ):  # the instances of one event come in norm order already: only others are sorted
                found[i:j] = sorted(found[i:j], key=lambda x: (x.cn.index, x.key or "", x.nth))
        return found

    def open_at(self, now: datetime | str) -> list[Obligation]:
        """The instances still pending at ``now``, soonest due first (no due last)."""
        rep = self.report(now)
        pending = [o for o in rep.obligations if o.status == "pending"]
        return sorted(
            pending,
            key=lambda o: (
                o.due is None,
                comparable(o.due or o.trigger_at),
                comparable(o.trigger_at),
            ),
        )

    def _zoned(self, t: datetime) -> datetime:
        """``t`` as reported: in the ruleset's zone itself (see :func:`events.comparable`)."""
        return t if t.tzinfo is self.c.tz else t.astimezone(self.c.tz)


_TRIGGER_AT = attrgetter("trigger_at")


def _shared_memo(ev: Evaluator) -> dict[int, Any]:
    """What a copy of ``ev`` shares with it rather than copies: the compiled rules and the
    explainers (immutable), and the callback."""
    shared: list[Any] = [ev.c, ev.on_settled, ev.validator]
    for cn in ev.c.norms:
        shared.append(cn)
        shared.extend(cn.tiers)
    for hows in ev._how:
        shared.extend(hows)
    return {id(x): x for x in shared}


#: What an event can do (the dispatch table's words) -> the Evaluator method that does it.
_HANDLERS: dict[str, _Handler] = {
    "trigger": Evaluator._on_triggers,
    "response": Evaluator._on_response,
    "cause": Evaluator._on_cause,
    "span_start": Evaluator._on_span_start,
    "span_end": Evaluator._on_span_end,
    "claim": Evaluator._on_claim,
}


def _handler_table(entries: tuple[tuple[str, int], ...]) -> tuple[tuple[_Handler, Any], ...]:
    """The handlers of one event type, in the dispatch table's order; a run of triggers
    becomes one handler of their norms, which shares the work they have in common."""
    table: list[tuple[_Handler, Any]] = []
    for what, idx in entries:
        if what == "trigger" and table and table[-1][0] is _HANDLERS["trigger"]:
            table[-1] = (table[-1][0], (*table[-1][1], idx))
        else:
            table.append((_HANDLERS[what], (idx,) if what == "trigger" else idx))
    return tuple(table)


def _popping(stack: list[Instance]) -> Iterator[Instance]:
    """Take the items off the end of ``stack`` one by one, so that each is freed once used."""
    while stack:
        yield stack.pop()


def parse_as_of(value: datetime | date | str, tz: tzinfo) -> datetime:
    """The evaluation instant, in ``tz`` (:func:`comparable` form), from an aware datetime, an
    ISO 8601 string with an offset, or a bare date (a ``date``, or ``"2025-12-31"``): the start
    of that day in ``tz`` (its first instant, 00:00 unless the clocks skip midnight), as
    ``plot_timeline`` reads a date.

    A time without an offset is an error (:class:`ContractRulesError`) whose hint gives the
    offset ``tz`` has at that time (``2025-07-01T10:00:00+02:00`` in Europe/Berlin). A
    ``pendulum.DateTime`` is taken as the plain datetime it is.
    """
    if isinstance(value, str):
        text = value
        try:
            value = date_or_datetime(text)
        except ValueError:
            example = with_zone_offset(datetime(2025, 12, 31), tz)
            raise ContractRulesError(
                f"bad as_of {text!r}; use ISO 8601 with an offset, e.g. {example}, "
                "or a date (2025-12-31: the start of that day in the contract's zone)"
            ) from None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise ContractRulesError(
                f"as_of must be a datetime, a date or an ISO 8601 string, not {value!r}"
            )
        # 00:00 in tz; in_zone moves a midnight the clocks skip to the day's first instant
        value = datetime(value.year, value.month, value.day, tzinfo=tz)
    value = plain_datetime(value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ContractRulesError(
            f"as_of {value.isoformat()} has no offset; give one, e.g. "
            f"{with_zone_offset(value, tz)}, or a bare date for the start of a day"
        )
    try:
        return in_zone(value, tz)
    except OverflowError:
        raise ContractRulesError(
            f"as_of {value.isoformat()} is outside the supported dates"
        ) from None


def _as_of_instant(as_of: datetime | date | str | None, tz: tzinfo) -> datetime:
    """:func:`parse_as_of` of ``as_of``, or the current instant when it is None."""
    return comparable(datetime.now(tz)) if as_of is None else parse_as_of(as_of, tz)
