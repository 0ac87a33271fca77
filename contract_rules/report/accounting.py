"""What became of every input event: used, ignored or rejected, and why (:class:`Accounting`)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..text import iso

Disposition = Literal["used", "ignored", "rejected"]


@dataclass(frozen=True, slots=True)
class EventEntry:
    """What became of one input event: used, ignored or rejected, and why."""

    index: int
    where: str
    id: str | None
    type: str | None
    at: datetime | None
    disposition: Disposition
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "index": self.index,
            "where": self.where,
            "id": self.id,
            "type": self.type,
            "at": iso(self.at),
            "disposition": self.disposition,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Accounting:
    """Every input event, once: used + ignored + rejected = input.

    Ignored and rejected events are kept with their reasons. Used events are kept as their
    input positions only (``used_indexes``), so that a million events cost megabytes, not
    hundreds; a streaming evaluation keeps just their number (``used_indexes`` is None).
    """

    used_count: int = 0
    ignored: tuple[EventEntry, ...] = ()
    rejected: tuple[EventEntry, ...] = ()
    used_indexes: array[int] | None = field(default=None, compare=False)

    @property
    def total(self) -> int:
        """The number of input events."""
        return self.used_count + len(self.ignored) + len(self.rejected)

    def counts(self) -> dict[str, int]:
        """``{"input": n, "used": u, "ignored": i, "rejected": r}``."""
        return {
            "input": self.total,
            "used": self.used_count,
            "ignored": len(self.ignored),
            "rejected": len(self.rejected),
        }

    def disposition(self, index: int) -> str:
        """What became of the input event at position ``index`` (0-based)."""
        for e in (*self.ignored, *self.rejected):
            if e.index == index:
                return e.disposition
        if self.used_indexes is not None and index in self.used_indexes:
            return "used"
        if self.used_indexes is None and 0 <= index < self.total:
            return "used"
        raise IndexError(f"no input event at position {index}")
