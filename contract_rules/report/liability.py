"""The money of a report: the claims and breaches a remedy counts (:class:`RemedyItem`), a
remedy in one period (:class:`RemedyLine`) and the lines together (:class:`Liability`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..text import iso, money


@dataclass(frozen=True)
class RemedyItem:
    """One claim or breach that a remedy line counts, with whether and why it is compensable."""

    rule: str | None
    key: str | None
    event: str | None
    amount: Decimal
    compensable: bool
    reason: str
    #: the claim's currency when it is not the line's (such a claim is refused, and its amount
    #: is not added to the line's figures); None: the line's currency
    currency: str | None = None
    #: an amount computed by an expression: the arithmetic, line by line (the values read, each
    #: step, the whole computation)
    explanation: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (``currency`` only for a claim in another currency; an amount
        computed by an expression also as ``exact``, unrounded, with its ``explanation``)."""
        d: dict[str, Any] = {
            "rule": self.rule,
            "key": self.key,
            "event": self.event,
            "amount": money(self.amount),
            "compensable": self.compensable,
            "reason": self.reason,
        }
        if self.currency is not None:
            d["currency"] = self.currency
        if self.explanation:
            d["exact"] = f"{self.amount:f}"
            d["explanation"] = list(self.explanation)
        return d


@dataclass(frozen=True)
class RemedyLine:
    """A remedy in one period (service year, month or the term): claimed, compensable, capped."""

    remedy: str
    kind: str
    clause: str
    period: int
    period_label: str
    period_start: datetime
    period_end: datetime
    currency: str
    claimed: Decimal
    compensable: Decimal
    cap: Decimal | None
    payable: Decimal
    items: tuple[RemedyItem, ...] = ()
    #: how a computed cap came about, or why it could not be computed
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; amounts as strings with two places (``notes`` only when the
        line has some)."""
        d = {
            "remedy": self.remedy,
            "kind": self.kind,
            "clause": self.clause,
            "period": self.period,
            "period_label": self.period_label,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "currency": self.currency,
            "claimed": money(self.claimed),
            "compensable": money(self.compensable),
            "cap": None if self.cap is None else money(self.cap),
            "payable": money(self.payable),
            "items": [i.to_dict() for i in self.items],
        }
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class Liability:
    """Remedy lines per period, and totals per remedy."""

    lines: tuple[RemedyLine, ...] = ()

    def __iter__(self) -> Iterator[RemedyLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def total(self, remedy: str | None = None, what: str = "payable") -> Decimal:
        """The sum of ``what`` (claimed, compensable or payable) over periods of ``remedy``."""
        return sum(
            (getattr(ln, what) for ln in self.lines if remedy is None or ln.remedy == remedy),
            Decimal("0.00"),
        )

    @property
    def payable(self) -> Decimal:
        """Total payable over every remedy and period."""
        return self.total()

    def to_dict(self) -> dict[str, Any]:
        """Lines and totals per remedy."""
        remedies = sorted({ln.remedy for ln in self.lines})
        return {
            "lines": [ln.to_dict() for ln in self.lines],
            "totals": {
                r: {w: money(self.total(r, w)) for w in ("claimed", "compensable", "payable")}
                for r in remedies
            },
        }
