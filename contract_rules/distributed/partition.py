"""Step 3, on the workers: one partition's events through the engine's evaluator, and what it
gives the merge."""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from ..collector import collector_paused
from ..engine import CompiledRuleset, Evaluator, _claimed
from ..errors import EventError
from ..events import Event
from ..explanations import Explainer
from ..report import Accounting, EventEntry, Liability, Obligation, Report
from ..text import iso
from .plan import _partition_of
from .prepare import _Fixes, _Row


class _PartitionEvaluator(Evaluator):
    """The engine's evaluator, noting which event each out-of-term note came from."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heads: list[tuple[datetime, int, str]] = []

    def apply(self, ev: Event) -> str | None:
        n = len(self._out_of_term)
        outcome = super().apply(ev)
        if len(self._out_of_term) != n:
            self.heads.append((ev.at, ev.index, next(reversed(self._out_of_term))))
        return outcome


#: an obligation as a partition ships it: the norm's number, then the fields of
#: :class:`Obligation` after ``norm`` up to ``notes``, then its explainer's facts (the norm's
#: number, the tier's place or -1, the due before pauses, the window's opening, the pauses)
_ObRow = tuple[Any, ...]


@dataclass
class _Partial:
    """What one partition gives the merge: its instances and the accounting, claims and notes
    of the events it owns, the years it used; or the first error (strict mode).

    ``base``: partition 0's own report without its instances, accounting and remedies (None
    elsewhere). Every part of a report that the merge does not put together (the contract's
    names, and any part computed from broadcast events only, which every partition sees whole)
    is taken from it as it is."""

    #: its instances in the report's order (rows ship as fast as columns, and smaller)
    obligations: list[_ObRow]
    used: array[int]
    ignored: list[EventEntry]
    rejected: list[EventEntry]
    claims: list[tuple[int, _Row]]
    notes: list[tuple[datetime, int, str]]
    years: set[int]
    error: tuple[str, str, str | None] | None = None
    #: the termination by a power the partition saw (instant, event, power), if any
    ended: tuple[datetime, str, str] | None = None
    #: the suspensions of the whole contract the partition saw (Evaluator.contract_suspensions)
    suspended: tuple[tuple[datetime, datetime | None, str, str | None], ...] = ()
    base: Report | None = None


def _evaluate_partition(*args: Any) -> _Partial:
    """:func:`_partition_result` with the cyclic collector paused as in one process (the engine
    makes no cycles; millions of live objects would be scanned again and again). Results travel
    as plain tuples, which Dask ships several times faster than objects."""
    with collector_paused():
        return _partition_result(*args)


def _partition_result(
    c: CompiledRuleset,
    p: int,
    partitions: int,
    t: datetime,
    strict: bool,
    naive_tz: str | tzinfo | None,
    offsets: list[int],
    fixes: _Fixes,
    *parts: Any,
) -> _Partial:
    """Evaluate partition ``p`` (``parts``: its piece of every chunk, then every chunk's
    broadcast events): its events in time order through the engine's evaluator."""
    events, foreign = _events_of(p, offsets, fixes, parts)
    ev = _PartitionEvaluator(c, strict=strict, naive_tz=naive_tz)
    try:
        _feed(ev, events, t, strict)
    except EventError as exc:
        return _Partial(
            [], array("q"), [], [], [], [], set(), (exc.where, exc.reason, exc.event_id)
        )
    del events
    return _partial_of(ev, ev._final_report(t), p, partitions, foreign)


def _events_of(
    p: int, offsets: list[int], fixes: _Fixes, parts: Sequence[Any]
) -> tuple[list[Event], set[int]]:
    """Partition ``p``'s events in time order (ties: input position), with their global
    positions and the ids the check across chunks gave them; and the positions of the broadcast
    events another partition owns (``foreign``: used here, accounted for there)."""
    n = len(offsets)
    events: list[Event] = []
    foreign: set[int] = set()
    moved = fixes.moved
    ids = fixes.ids
    for off, piece in zip(offsets, parts[:n], strict=True):
        for local, eid, etype, at, fields, where in piece.rows:
            g = local + off
            if g not in moved:
                events.append(Event(g, ids.get(g, eid), etype, at, fields, where))
    for off, every in zip(offsets, parts[n:], strict=True):
        for (local, eid, etype, at, fields, where), owner in every.rows:
            g = local + off
            if g not in moved:
                events.append(Event(g, ids.get(g, eid), etype, at, fields, where))
                if owner != p:
                    foreign.add(g)
    for (_, eid, etype, at, fields, where), g, owned in fixes.extra.get(p, ()):
        events.append(Event(g, eid, etype, at, fields, where))
        if not owned:
            foreign.add(g)
    events.sort(key=_time_order)
    return events, foreign


def _feed(ev: Evaluator, events: list[Event], t: datetime, strict: bool) -> None:
    """Each event through ``ev`` as one process feeds it (raises EventError in strict mode)."""
    for e in events:
        if not _claimed(ev, e, strict):
            continue
        if e.at > t:
            ev.ignore(e, f"after the evaluation time {iso(t)}")
        else:
            ev.apply(e)


def _partial_of(
    ev: _PartitionEvaluator, rep: Report, p: int, partitions: int, foreign: set[int]
) -> _Partial:
    """What partition ``p`` gives the merge from its report: the instances of its keys (keyless
    ones: partition 0) as rows (:data:`_ObRow`), and the rest for the events it owns; partition
    0 also its report without instances, accounting and remedies (``_Partial.base``)."""
    order = ev.c.norm_order
    rows = [
        _ob_row(ob, order)
        for ob in rep.obligations
        if (p == 0 if ob.key is None else _partition_of(ob.key, partitions) == p)
    ]
    acc = rep.accounting
    used = acc.used_indexes if acc.used_indexes is not None else array("q")
    if foreign:
        used = array("q", (i for i in used if i not in foreign))
    base = None
    if p == 0:
        empty = Accounting(used_count=0, ignored=(), rejected=())
        base = replace(rep, obligations=(), liability=Liability(()), accounting=empty, ruleset=None)
    return _Partial(
        rows,
        used,
        [x for x in acc.ignored if x.index not in foreign],
        [x for x in acc.rejected if x.index not in foreign],
        [(k, _row_of(e)) for k, e in ev._claims if e.index not in foreign],
        [
            (at, index, f"{head}: no duty arises ({', '.join(ev._out_of_term[head])})")
            for at, index, head in ev.heads
            if index not in foreign
        ],
        set(ev._years),
        ended=ev._ended,
        suspended=tuple(ev.contract_suspensions()),
        base=base,
    )


def _time_order(e: Event) -> tuple[datetime, int]:
    return e.at, e.index


def _row_of(e: Event) -> _Row:
    return (e.index, e.id, e.type, e.at, e.fields, e.where)


def _ob_row(ob: Obligation, order: Mapping[str, int]) -> _ObRow:
    """``ob`` as a partition ships it (:data:`_ObRow`)."""
    how = ob.explainer
    facts: tuple[Any, ...] | None = None
    if isinstance(how, Explainer):
        tier = -1 if how.tier is None else how.tier.position
        facts = (how.cn.index, tier, how.base_due, how.not_before, how.paused)
    return (
        order[ob.rule], ob.party, ob.key, ob.nth, ob.trigger_at, ob.trigger_event, ob.tier,
        ob.due, ob.status, ob.fulfilled_at, ob.reason, ob.reason_zh, ob.deciding, ob.notes,
        facts, ob.life,
    )  # fmt: skip
