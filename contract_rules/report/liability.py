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
    #: the party who pays: the remedy's ``party`` in the rule file. None only for a line read
    #: from a report JSON written before payers were recorded, without its rule file
    payer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; amounts as strings with two places (``notes`` only when the
        line has some; ``payer`` null only where it is not recorded)."""
        d: dict[str, Any] = {
            "remedy": self.remedy,
            "payer": self.payer,
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


#: who pays and in which currency: the key of :meth:`Liability.payable_by`
PayerCurrency = tuple[str | None, str]


@dataclass(frozen=True)
class Liability:
    """Remedy lines per period, and totals per remedy and per paying party.

    Each line is owed by its :attr:`~RemedyLine.payer`. Where both parties owe (the buyer
    interest, the seller a penalty), the amounts run in opposite directions: add them up per
    payer and currency (:meth:`payable_by`), never together (``docs/report.md``, "Liability").
    """

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
        """The sum of ``payable`` over every line, whoever pays and in whatever currency.

        Meaningful as a total owed only when one party pays in one currency; where both parties
        owe it adds amounts owed in opposite directions. For what each party owes, use
        :meth:`payable_by`."""
        return self.total()

    def payable_by(self) -> dict[PayerCurrency, Decimal]:
        """The payable total per paying party and currency, ``{(payer, currency): amount}``,
        ordered by payer then currency (a payer not recorded, None, last): what each party owes,
        never set off against what another owes. Empty when no remedy line applies; a line
        with nothing payable still names its payer with ``0.00``."""
        out: dict[PayerCurrency, Decimal] = {}
        for ln in self.lines:
            k = (ln.payer, ln.currency)
            out[k] = out.get(k, Decimal("0.00")) + ln.payable
        order = sorted(out, key=lambda k: (k[0] is None, k[0] or "", k[1]))
        return {k: out[k] for k in order}

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
