"""The state history of an instance (:attr:`Obligation.history`), derived on demand from what
its obligation records: a path through the machine of ``docs/engine.md`` ("The lifecycle").

It reads an instance through :class:`Instance`, the fields it needs, so that it sits below the
obligation that uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from ..model import Status
from .records import Life, StateChange


class Instance(Protocol):
    """What the history of an instance is computed from (an :class:`Obligation` is one)."""

    @property
    def life(self) -> Life | None: ...
    @property
    def status(self) -> Status: ...
    @property
    def kind(self) -> str: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def fulfilled_at(self) -> datetime | None: ...
    @property
    def trigger_at(self) -> datetime: ...
    @property
    def trigger_event(self) -> str | None: ...
    @property
    def deciding(self) -> str | tuple[str, ...] | None: ...
    @property
    def reason(self) -> str | None: ...


#: the instant an instance entered its reported state (None: not known) and the event that
#: brought it there (None: the passing of time or a contract date)
_Final = tuple[datetime | None, str | None]


def _last_id(ids: str | tuple[str, ...] | None) -> str | None:
    """The last of the deciding events (one id or several), None when there is none."""
    if ids is None or isinstance(ids, str):
        return ids
    return ids[-1] if ids else None


def _pending(ob: Instance) -> _Final:
    """Still pending: no final state yet."""
    return None, None


def _discharged(ob: Instance) -> _Final:
    """Ended by a termination or a power: at the instant and by the event the lifecycle gives."""
    life = ob.life
    return (None, None) if life is None else (life.ended_at, life.ended_by)


def _expired(ob: Instance) -> _Final:
    """A right not used by its closing: expired at the closing, by the passing of time."""
    return (ob.life.closes if ob.life is not None else None), None


def _fulfilled(ob: Instance) -> _Final:
    """A prohibition kept to its end (its due, by the passing of time); any other duty
    performed at ``fulfilled_at`` by its last deciding event."""
    if ob.kind == "prohibition":
        return ob.due, None
    return ob.fulfilled_at, _last_id(ob.deciding)


def _violated(ob: Instance) -> _Final:
    """A prohibited act (at the instant recorded, else the trigger); a permission misused or a
    duty without a due, at the act; a duty with a due, missed at its due (a late performance
    is recorded, not a state)."""
    if ob.kind == "prohibition":
        life = ob.life
        at = life.ended_at if life is not None and life.ended_at else ob.trigger_at
        return at, _last_id(ob.deciding)
    if ob.kind == "permission" or ob.due is None:
        return ob.fulfilled_at, _last_id(ob.deciding)
    return ob.due, None


def _excused(ob: Instance) -> _Final:
    """Released at the instant it would have been missed (its due, else the act, else the
    trigger)."""
    return (ob.due if ob.due is not None else ob.fulfilled_at or ob.trigger_at), _last_id(
        ob.deciding
    )


_FINAL: dict[str, Callable[[Instance], _Final]] = {
    "pending": _pending,
    "discharged": _discharged,
    "expired": _expired,
    "fulfilled": _fulfilled,
    "violated": _violated,
    "excused": _excused,
}


def final_state(ob: Instance) -> _Final:
    """The instant ``ob`` entered its reported state and the event that brought it there: never
    before the trigger (a final state not known, or earlier, is entered at the trigger); None
    for a pending instance."""
    end, event = _FINAL.get(ob.status, _excused)(ob)
    if end is None or end < ob.trigger_at:
        end = ob.trigger_at if ob.status != "pending" else None
    return end, event


def _pending_and_suspended(
    ob: Instance, end: datetime | None
) -> tuple[list[StateChange], datetime | None, str | None]:
    """The stretches before ``end`` (None: open): ``pending`` from the trigger and ``suspended``
    while the clock stood still; with the instant and event the last stretch started from
    (None: a suspension still open, the history ends there)."""
    out: list[StateChange] = []
    start: datetime = ob.trigger_at
    start_by = ob.trigger_event
    for s_at, s_end, s_by, e_by in ob.life.suspended if ob.life is not None else ():
        if end is not None and s_at >= end:
            break
        if s_at > start:
            out.append(StateChange("pending", start, s_at, start_by))
        stop = s_end if end is None or (s_end is not None and s_end < end) else end
        out.append(StateChange("suspended", max(s_at, start), stop, s_by))
        if stop is None:
            return out, None, None
        start, start_by = stop, e_by
    return out, start, start_by


def history_of(ob: Instance) -> tuple[StateChange, ...]:
    """The state history of ``ob`` (:attr:`Obligation.history`): a path through the machine of
    ``docs/engine.md`` from ``pending`` at the trigger to the reported status.

    Three steps: the instant and event of the final state (:func:`final_state`), the
    stretches pending and suspended before it, then the last pending stretch and the final
    state."""
    end, event = final_state(ob)
    out, start, start_by = _pending_and_suspended(ob, end)
    if start is None:  # suspended still
        return tuple(out)
    if end is None:  # pending still
        out.append(StateChange("pending", start, None, start_by))
        return tuple(out)
    if end > start or not out:
        out.append(StateChange("pending", start, end, start_by))
    out.append(StateChange(ob.status, end, None, event, ob.reason))
    return tuple(out)
