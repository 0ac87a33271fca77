"""The report's small records: the statuses an instance can have, a stretch of a state history
(:class:`StateChange`), the instance whose change created another (:class:`CauseLink`), the
lifecycle facts few instances have (:class:`Life`) and what every instance of a norm shares
(:class:`NormInfo`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..model import Status, Strength
from ..text import iso

STATUSES: tuple[Status, ...] = ("pending", "fulfilled", "violated", "excused")
#: every status an instance can report: ``discharged`` only where the contract was terminated
#: or a power released a duty, ``expired`` only where a right has a closing (each counted, and
#: shown, only where it occurs, so that reports of contracts without powers keep their layout)
LIFECYCLE_STATUSES: tuple[Status, ...] = ("discharged", "expired")
ALL_STATUSES: tuple[Status, ...] = (*STATUSES, *LIFECYCLE_STATUSES)


@dataclass(frozen=True, slots=True)
class StateChange:
    """One stretch of a state history: ``state`` from ``start`` until ``end`` (None: still so
    at ``as_of``), entered by the event ``event`` (None: by the passing of time or a contract
    date), with the reason where one is given."""

    state: str
    start: datetime
    end: datetime | None
    event: str | None = None
    reason: str | None = None
    #: a terminated contract: whether it ended successfully (None for every other state)
    successful: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        out: dict[str, Any] = {
            "state": self.state,
            "from": iso(self.start),
            "to": iso(self.end),
            "event": self.event,
            "reason": self.reason,
        }
        if self.successful is not None:
            out["successful"] = self.successful
        return out


@dataclass(frozen=True, slots=True)
class CauseLink:
    """The instance whose change of state created another (``trigger.on``): its norm, key and
    number, the change (violated, fulfilled, excused) and its instant."""

    rule: str
    key: str | None
    nth: int
    change: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        return {
            "rule": self.rule,
            "key": self.key,
            "nth": self.nth,
            "change": self.change,
            "at": iso(self.at),
        }


@dataclass(frozen=True, slots=True)
class Life:
    """The lifecycle facts few instances have, beside what their obligation says: the clock's
    suspensions (start, end or None, the starting and ending events), the instant a state
    was entered that the obligation does not give (a prohibited act, a discharge) with its
    event, and the cause that created the instance."""

    suspended: tuple[tuple[datetime, datetime | None, str | None, str | None], ...] = ()
    ended_at: datetime | None = None
    ended_by: str | None = None
    cause: CauseLink | None = None
    #: a right's closing (``until``): it is open in [opening, closing), expired after
    closes: datetime | None = None


@dataclass(frozen=True, slots=True)
class NormInfo:
    """What every instance of one norm shares: its id, kind, clause, titles and strength."""

    rule: str
    kind: str
    clause: str
    title_zh: str
    title_en: str
    strength: Strength
