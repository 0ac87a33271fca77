"""The plan: how a ruleset's events are cut by key, and the partition of a routing value."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from ..engine import CompiledNorm, CompiledRuleset

# =============================================================================== the plan


@dataclass(frozen=True)
class Plan:
    """How a ruleset's events are cut by key: per event type, the field whose value picks the
    partition (None: any partition) and whether every partition needs the event.

    ``reason`` is None when the ruleset can be cut; otherwise why not (it then runs as one
    partition).
    """

    routes: Mapping[str, tuple[str | None, bool]]
    reason: str | None = None

    @property
    def partitionable(self) -> bool:
        """True when events can go to partitions by key."""
        return self.reason is None


def plan_for(compiled: CompiledRuleset) -> Plan:
    """The routing of ``compiled``'s event types (see the module's description). Each event
    type's entries in the dispatch table say by which field they name instances (or that every
    partition needs the event); the first reason found why the ruleset cannot be cut, if any,
    makes it one partition."""
    shared = _spans_every_partition_sees(compiled)
    routes: dict[str, tuple[str | None, bool]] = {}
    reasons: list[str] = []
    for etype, entries in compiled.dispatch.items():
        keyed: dict[str, str] = {}  # field -> the role that routes by it (for the reason)
        everywhere = False
        for what, idx in entries:
            everywhere |= _route_entry(compiled, what, idx, shared, keyed, reasons)
        if len(keyed) > 1:
            reasons.append(
                f"events of type {etype} name instances by "
                + " and by ".join(f"{f} ({role})" for f, role in keyed.items())
            )
        routes[etype] = (next(iter(keyed), None), everywhere)
    return Plan(routes, reasons[0] if reasons else None)


def _spans_every_partition_sees(c: CompiledRuleset) -> set[str]:
    """The spans whatever their keys: those that excuse (an excuse may name any key) and those
    a measure counts (every span of its names)."""
    excusing = {ex.span for cn in c.norms for ex in cn.excuses if ex.span is not None}
    return excusing | {
        name for m in c.ruleset.measures for name in (*m.down, *(x.span for x in m.exclude))
    }


def _route_entry(
    c: CompiledRuleset,
    what: str,
    idx: int,
    shared: set[str],
    keyed: dict[str, str],
    reasons: list[str],
) -> bool:
    """Record in ``keyed`` the field by which the dispatch entry ``(what, idx)`` names
    instances, and in ``reasons`` why it keeps the ruleset from being cut; True when every
    partition needs its events."""
    if what in ("trigger", "response"):
        return _route_norm(c.norms[idx], what, keyed, reasons)
    if what == "cause":
        slot = c.causes[idx]
        keyed.setdefault(slot.key, f"cause {slot.field}")
    elif what in ("span_start", "span_end"):
        cs = c.spans[idx]
        if cs.name in shared or cs.span.key is None:
            return True
        keyed.setdefault(cs.span.key, f"span {cs.name}")
    return False


def _route_norm(cn: CompiledNorm, what: str, keyed: dict[str, str], reasons: list[str]) -> bool:
    """:func:`_route_entry` for a norm's trigger or response."""
    everywhere = cn.key_field is None
    if cn.key_field is not None:
        if what == "trigger" or cn.key_field in cn.match:
            keyed.setdefault(cn.key_field, f"{what} of {cn.info.rule}")
        else:
            reasons.append(
                f"{cn.info.rule} matches its responses on {', '.join(cn.match)}, not on "
                f"its key {cn.key_field}"
            )
    if what == "response" and cn.effect == "terminate":
        reasons.append(f"the power {cn.info.rule} terminates the contract for every key")
    elif what == "response" and cn.effect in ("suspend", "resume"):
        # a suspension stops the clocks of the instances of every key
        reasons.append(f"{cn.info.rule} suspends or resumes instances of every key")
    return everywhere


def _partition_of(text: str, partitions: int) -> int:
    """The partition of a routing value (the same in every process: not Python's hash)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % partitions


def _id_hash(text: str) -> int:
    """A 63-bit hash of an event id, to find the ids that occur more than once."""
    b = text.encode("utf-8", "surrogatepass")
    return ((zlib.crc32(b) << 31) ^ zlib.adler32(b)) & ((1 << 63) - 1)
