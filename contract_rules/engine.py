"""The evaluation engine: a compiled ruleset and an ordered event stream in, every duty's fate out.

Evaluation is a pure function of (compiled ruleset, events, as_of): events are ordered by
instant, ties by input order; the same input gives the same report, byte for byte.

- :func:`compile_ruleset` turns a :class:`~contract_rules.model.Ruleset` into an engine-neutral
  :class:`CompiledRuleset` (calendar, predicates, deadline rules, a dispatch table by event type).
- :class:`Evaluator` takes events one at a time, in time order, and answers at any instant what
  is open and when it falls due; :meth:`Evaluator.report` gives the same report as the batch call.
- :func:`evaluate` is the batch call: read, validate, order, feed, report.

This module is the public one: the compile step (:mod:`~contract_rules.compiler`) and the
:class:`Evaluator` (:mod:`~contract_rules.evaluator`) are importable from it, with
:func:`parse_as_of` and :func:`~contract_rules.text.fmt`. The other rooms of the engine:
:mod:`~contract_rules.instances` (what an instance comes to), :mod:`~contract_rules.remedies`,
:mod:`~contract_rules.explanations` (the zh/en message catalogue), :mod:`~contract_rules.text`
and :mod:`~contract_rules.collector` (``docs/architecture.md``).

The meaning of every status, deadline and excuse is fixed in ``docs/semantics.md``.
"""

from __future__ import annotations

import copyreg
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import Any

from .calendar import build_calendar as build_calendar  # importable here, as before
from .collector import collector_paused
from .compiler import CauseSlot as CauseSlot  # the compile step's names, importable here
from .compiler import CompiledDeadline as CompiledDeadline
from .compiler import CompiledExcuse as CompiledExcuse
from .compiler import CompiledNorm as CompiledNorm
from .compiler import CompiledRuleset as CompiledRuleset
from .compiler import CompiledSpan as CompiledSpan
from .compiler import CompiledTier as CompiledTier
from .compiler import Predicate as Predicate
from .compiler import compile_condition as compile_condition
from .compiler import compile_ruleset as compile_ruleset
from .errors import EventError
from .evaluator import Evaluator as Evaluator
from .evaluator import _as_of_instant
from .evaluator import parse_as_of as parse_as_of
from .events import (
    Event,
    EventValidator,
    RawEvent,
    read_records,
)
from .explanations import Explainer
from .model import (
    Ruleset,
)
from .report import (
    Obligation,
    Report,
)
from .text import fmt as fmt  # importable here, as before
from .text import iso

# =============================================================================== pickling


def _reduce_explainer(
    how: Explainer,
) -> tuple[Callable[..., Explainer], tuple[Any, ...]]:
    """An obligation's explainer pickled as its compiled ruleset (which pickles as its ruleset)
    and the places of its norm and tier in it: the compiled norm holds predicates, closures
    that do not pickle."""
    tier = None if how.tier is None else how.tier.position
    return _explainer, (how.c, how.cn.index, tier, how.base_due, how.not_before, how.paused)


def _explainer(c: CompiledRuleset, norm: int, tier: int | None, *facts: Any) -> Explainer:
    """The explainer :func:`_reduce_explainer` pickled."""
    cn = c.norms[norm]
    return Explainer(c, cn, None if tier is None else cn.tiers[tier], *facts)


# A report refers to its ruleset's compiled norms only through the explainers of its
# obligations: with this, a report and its parts pickle (to ship them between processes).
copyreg.pickle(Explainer, _reduce_explainer)

# =============================================================================== batch


EventSource = str | os.PathLike[str] | Iterable[Mapping[str, Any] | Event | RawEvent]


def evaluate(
    ruleset: Ruleset | CompiledRuleset,
    events: EventSource,
    as_of: datetime | str | None = None,
    *,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    on_progress: Callable[[int], None] | None = None,
    settle_after: timedelta | None = None,
    on_settled: Callable[[Obligation], None] | None = None,
) -> Report:
    """Evaluate ``ruleset`` against ``events`` at ``as_of`` (default: now).

    ``events`` is an iterable of mappings (or :class:`Event`), a path to a ``.jsonl``, ``.json``,
    ``.csv`` or ``.parquet`` file, or a pandas DataFrame (one row per event; a missing cell,
    NaN or NaT, is a missing field: :mod:`~contract_rules.frames_in`). In strict mode (default)
    the first invalid event raises :class:`EventError` naming it; with ``strict=False`` invalid
    events are reported as rejected. Events after ``as_of`` are ignored with that reason. Input
    out of time order is ordered stably (by instant, then input position).

    Input already in time order streams through in one pass, holding no events; input out of
    order is read again (a path or a sequence) or kept (any other iterable) and sorted first.
    ``settle_after``/``on_settled`` select the streaming mode of :class:`Evaluator`, which needs
    events in time order: an earlier event than one already applied is an EventError (strict)
    or rejected (collecting), since settled instances have already been handed on.
    """
    compiled = ruleset if isinstance(ruleset, CompiledRuleset) else compile_ruleset(ruleset)
    t = _as_of_instant(as_of, compiled.tz)
    source = source_of(events)

    def fresh() -> Evaluator:
        return Evaluator(
            compiled,
            strict=strict,
            naive_tz=naive_tz,
            settle_after=settle_after,
            on_settled=on_settled,
        )

    with collector_paused():
        return _evaluate(fresh, source, t, strict, on_progress)


def _evaluate(
    fresh: Callable[[], Evaluator],
    source: Callable[[], Iterable[_Item]],
    t: datetime,
    strict: bool,
    on_progress: Callable[[int], None] | None,
) -> Report:
    ev = fresh()
    if _stream_in_order(ev, source(), t, strict, on_progress):
        return ev._final_report(t)
    # Out of order: validate everything, order stably, then apply.
    ev = fresh()
    valid: list[tuple[Event, bool]] = []
    for n, raw in enumerate(source(), 1):
        if on_progress is not None and n % 10_000 == 0:
            on_progress(n)
        try:
            valid.append((_validated(ev.validator, raw), not isinstance(raw, Event)))
        except EventError as exc:
            if strict:
                raise
            ev.reject(_raw_of(raw), exc)
    valid.sort(key=lambda x: (x[0].at, x[0].index))
    for e, raw_record in valid:
        # ids are claimed in time order: of two events with one id, the later is the duplicate
        if raw_record and not _claimed(ev, e, strict):
            continue
        if e.at > t:
            ev.ignore(e, f"after the evaluation time {iso(t)}")
        else:
            ev.apply(e)
    return ev._final_report(t)


def _claimed(ev: Evaluator, e: Event, strict: bool) -> bool:
    """Take ``e``'s id for it; False (``e`` rejected) when an earlier event has it."""
    try:
        ev.validator.claim(e)
    except EventError as exc:
        if strict:
            raise
        ev.reject(RawEvent(e.index, e.where, {"id": e.id, "type": e.type}), exc)
        return False
    return True


def _stream_in_order(
    ev: Evaluator,
    raws: Iterable[_Item],
    t: datetime,
    strict: bool,
    on_progress: Callable[[int], None] | None,
) -> bool:
    """Apply events as they come; False (and a spoilt evaluator) at the first one out of order.

    Ids are claimed as events come, which is time order; the events after ``t`` are in time
    order among themselves too, and an event that finds its id taken by one of them (a later
    one) is out of order as well (in streaming mode: a duplicate).
    """
    last: datetime | None = None
    late_last: datetime | None = None
    late_ids: set[str] = set()
    streaming = ev.settle_after is not None
    validator = ev.validator
    validate = validator.validate_record
    seen = validator.seen_ids
    for n, raw in enumerate(raws, 1):
        if on_progress is not None and n % 10_000 == 0:
            on_progress(n)
        try:
            if type(raw) is tuple:
                e = validate(*raw)
                claimed = False
            else:
                e = _validated(validator, raw)
                claimed = isinstance(raw, Event)  # a pre-validated event's id is its caller's
        except EventError as exc:
            if strict:
                raise
            ev.reject(_raw_of(raw), exc)
            continue
        if e.at > t:
            if not streaming:
                if late_last is not None and e.at < late_last:
                    return False
                late_last = e.at
            if not claimed:
                if not _claimed(ev, e, strict):
                    continue
                late_ids.add(e.id)
            ev.ignore(e, f"after the evaluation time {iso(t)}")
            continue
        if not claimed and late_ids and not streaming and e.id in late_ids:
            return False  # its id was taken by a later event, seen first
        if last is not None and e.at < last:
            if ev.settle_after is None:
                return False
            # Streaming mode has handed instances to on_settled already: it cannot start again,
            # so an event out of order is refused, as Evaluator.feed refuses it.
            late = EventError(
                e.where,
                f"out of time order: {iso(e.at)} is before {iso(last)}, already seen "
                "(streaming evaluation needs events in time order)",
                event_id=e.id,
            )
            if strict:
                raise late
            ev.reject(RawEvent(e.index, e.where, {"id": e.id, "type": e.type}), late)
            continue
        if not claimed:
            # validator.claim, inline (once per event): the id is taken, unless it was
            known = len(seen)
            seen.add(e.id)
            if len(seen) == known and not _claimed(ev, e, strict):
                continue  # rejected as a duplicate (_claimed says why)
        last = e.at
        ev.apply(e)
    return True


def source_of(events: EventSource | Any) -> Callable[[], Iterable[_Item]]:
    """What :func:`evaluate` reads ``events`` with: a function that reads them (again) from the
    start, one item per input event in input order.

    A DataFrame or Parquet file is read by :mod:`~contract_rules.frames_in`, another path by
    :func:`~contract_rules.events.read_records`; another iterable is numbered by position (kept
    as a list when it is not a sequence, so that it can be read twice).
    """
    from . import frames_in

    if frames_in.is_frame(events):
        return partial(frames_in.frame_records, events)
    if frames_in.is_parquet(events):
        return partial(frames_in.parquet_records, events)
    if isinstance(events, str | os.PathLike):
        return partial(read_records, events)
    if isinstance(events, Mapping):
        raise TypeError("events must be an iterable of mappings or a path, not one mapping")
    seq: Sequence[Mapping[str, Any] | Event | RawEvent] = (
        events if isinstance(events, Sequence) else list(events)  # type: ignore[assignment]
    )
    return partial(_index, seq)


#: what an evaluation reads: a file's (index, where, data) records, or the caller's raw records
#: and pre-validated events
_Item = tuple[int, str, Any] | RawEvent | Event


def _validated(validator: EventValidator, item: _Item) -> Event:
    """The typed event of ``item`` (EventError when it is invalid)."""
    if isinstance(item, Event):
        return validator.admit(item)
    if isinstance(item, RawEvent):
        return validator.validate(item)
    return validator.validate_record(*item)


def _raw_of(item: _Item) -> RawEvent:
    """``item`` as the raw record a rejection keeps."""
    if isinstance(item, RawEvent):
        return item
    if isinstance(item, Event):
        return RawEvent(item.index, item.where, None)
    return RawEvent(*item)


def _index(events: Iterable[Mapping[str, Any] | Event | RawEvent]) -> Iterable[RawEvent | Event]:
    """Number plain mappings by input position; events and raw records keep their own."""
    for i, item in enumerate(events):
        if isinstance(item, Event | RawEvent):
            yield item
        else:
            yield RawEvent(i, f"event #{i + 1}", item)
