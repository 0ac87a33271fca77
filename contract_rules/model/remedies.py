"""What a breach costs: :class:`Remedy` (liability for claimed losses, service credits), its
amounts (:class:`Amount`), caps per period (:class:`Cap`) and loss claims (:class:`Claims`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..model_logic import Expr
from .base import ClauseNo, Identifier, Model, Text, plain_to_text
from .contract import Money
from .events import Matcher


class Amount(Model):
    """An amount: fixed money, a fee, or a percentage of a fee."""

    money: Money | None = None
    fee: Identifier | None = None
    percent: Decimal | None = Field(None, gt=0, le=1000, description="with fee: percent of it")

    @model_validator(mode="after")
    def _one(self) -> Amount:
        if (self.money is None) == (self.fee is None):
            raise ValueError("an amount is either money or a fee (optionally with percent)")
        if self.percent is not None and self.fee is None:
            raise ValueError("percent applies to a fee")
        return self


class Cap(Model):
    """An upper bound on what is payable in each period."""

    per: Literal["service_year", "month", "term"] = "service_year"
    amount: Amount


class Claims(Matcher):
    """Loss claims: events carrying an amount, tied to an instance by the key field."""

    key: Identifier = Field(description="field matching the key of the breached instance")
    amount_field: Identifier = "amount"
    currency_field: Identifier = "currency"


class Remedy(Model):
    """What a breach costs.

    - ``liability``: claimed losses are compensable when tied to a violated binding instance
      of one of ``norms`` borne by ``party``; payable per period is capped.
    - ``credit``: every violated instance of ``norms`` earns ``per_breach``, or the ``amount``
      computed from its data (an expression, for the breaches where ``when`` holds); capped per
      period by ``cap`` (an amount, or an expression).
    """

    id: Identifier
    kind: Literal["liability", "credit"]
    title: Text
    clause: ClauseNo
    text: Text
    party: Identifier = Field(description="the party who pays")
    norms: list[Identifier] = Field(min_length=1)
    claims: Claims | None = None
    per_breach: Amount | None = None
    amount: Expr | None = Field(None, description="a credit's amount per breach, computed")
    when: Expr | None = Field(None, description="the breaches a credit counts (a condition)")
    cap: Cap | Expr | None = None
    period: Literal["service_year", "month", "term"] = Field(
        "service_year", description="how breaches and claims are grouped"
    )

    _t = field_validator("title", "text", mode="before")(plain_to_text)

    @model_validator(mode="after")
    def _shape(self) -> Remedy:
        if self.kind == "liability" and self.claims is None:
            raise ValueError("a liability remedy needs claims")
        if self.kind == "credit" and (self.per_breach is None) == (self.amount is None):
            raise ValueError("a credit remedy needs per_breach or amount (one of them)")
        if self.kind == "liability" and (self.amount or self.when):
            raise ValueError("amount and when are a credit's; a liability pays what is claimed")
        if isinstance(self.cap, Cap) and self.cap.per != self.period:
            raise ValueError("the cap's period must equal the remedy's period")
        return self
