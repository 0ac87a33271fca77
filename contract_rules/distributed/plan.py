"""The plan: how a ruleset's events are cut by key, and the partition of a routing value."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine import CompiledRuleset

if TYPE_CHECKING:
    pass


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
    """The routing of ``compiled``'s event types (see the module's description)."""
    c = compiled
    excusing = {ex.span for cn in c.norms for ex in cn.excuses if ex.span is not None}
    # a measure counts every span of its names, whatever their keys: every partition sees them
    excusing |= {
        name for m in c.ruleset.measures for name in (*m.down, *(x.span for x in m.exclude))
    }
    routes: dict[str, tuple[str | None, bool]] = {}
    reason: str | None = None
    for etype, entries in c.dispatch.items():
        keyed: dict[str, str] = {}  # field -> the role that routes by it (for the reason)
        everywhere = False
        for what, idx in entries:
            if what in ("trigger", "response"):
                cn = c.norms[idx]
                if cn.key_field is None:
                    everywhere = True
                elif what == "trigger" or cn.key_field in cn.match:
                    keyed.setdefault(cn.key_field, f"{what} of {cn.info.rule}")
                else:
                    reason = reason or (
                        f"{cn.info.rule} matches its responses on {', '.join(cn.match)}, not on "
                        f"its key {cn.key_field}"
                    )
            elif what == "cause":
                slot = c.causes[idx]
                keyed.setdefault(slot.key, f"cause {slot.field}")
            elif what in ("span_start", "span_end"):
                cs = c.spans[idx]
                if cs.name in excusing or cs.span.key is None:
                    everywhere = True
                else:
                    keyed.setdefault(cs.span.key, f"span {cs.name}")
            if what == "response" and c.norms[idx].effect == "terminate":
                reason = reason or (
                    f"the power {c.norms[idx].info.rule} terminates the contract for every key"
                )
            if what == "response" and c.norms[idx].effect in ("suspend", "resume"):
                # a suspension stops the clocks of the instances of every key
                reason = reason or (
                    f"{c.norms[idx].info.rule} suspends or resumes instances of every key"
                )
        if len(keyed) > 1:
            reason = reason or (
                f"events of type {etype} name instances by "
                + " and by ".join(f"{f} ({role})" for f, role in keyed.items())
            )
        routes[etype] = (next(iter(keyed), None), everywhere)
    return Plan(routes, reason)


def _partition_of(text: str, partitions: int) -> int:
    """The partition of a routing value (the same in every process: not Python's hash)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % partitions


def _id_hash(text: str) -> int:
    """A 63-bit hash of an event id, to find the ids that occur more than once."""
    b = text.encode("utf-8", "surrogatepass")
    return ((zlib.crc32(b) << 31) ^ zlib.adler32(b)) & ((1 << 63) - 1)
