"""The contract's own data: its parties, money and fees, its term, and :class:`Contract` (who,
what, when and under which law)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from .base import ClauseNo, CurrencyCode, Identifier, Model, Text, plain_to_text


class Party(Model):
    """A party to the contract."""

    name: Text
    role: str = Field(description="customer, vendor, ... (free text)")

    _t = field_validator("name", mode="before")(plain_to_text)


class Money(Model):
    """An exact amount of money. Write the amount as a quoted decimal: ``"53600.00"``."""

    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: CurrencyCode


class Fee(Money):
    """A fee of the contract, e.g. the annual maintenance fee."""

    clause: ClauseNo | None = None
    per: Literal["service_year", "month", "term", "once"] = "service_year"
    title: Text | None = None

    _t = field_validator("title", mode="before")(plain_to_text)


class Term(Model):
    """The term: from ``start`` 00:00 to the end (24:00) of ``end``, in the contract's zone."""

    start: date
    end: date
    clause: ClauseNo | None = None


class Contract(Model):
    """Who, what, when and under which law."""

    id: Identifier
    title: Text
    language: Literal["zh", "en"] = "zh"
    parties: dict[Identifier, Party] = Field(min_length=1)
    governing_law: str
    timezone: str = Field(description="IANA zone, e.g. Asia/Shanghai")
    term: Term
    fees: dict[Identifier, Fee] = Field(default_factory=dict)
    clauses: list[ClauseNo] = Field(
        default_factory=list,
        description="every clause number of the agreement, to count coverage",
    )
    source: str | None = Field(None, description="where the signed text is kept")

    _t = field_validator("title", mode="before")(plain_to_text)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(
                f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)"
            ) from exc
        return v
