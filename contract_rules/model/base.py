"""The base of every rule-file model and the small types the rooms share.

:class:`Model` (unknown keys are errors, instances are frozen), :class:`Text` (zh/en), the
reading of a plain string as Chinese text, and the constrained strings (identifiers, clause
numbers, currency codes) and scalars that every other room uses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=80)]
ClauseNo = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.()\-]*$", max_length=40)
]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Scalar = str | bool | int | Decimal | None


class Model(BaseModel):
    """Base of every rule-file model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=False
    )


class Text(Model):
    """Text in Chinese and English. At least one is given; ``zh`` is the contract's own words."""

    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_language(self) -> Text:
        if not self.zh and not self.en:
            raise ValueError("give the text in zh, en, or both")
        return self

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en"), falling back to the other language."""
        first, second = (self.en, self.zh) if lang == "en" else (self.zh, self.en)
        return first or second or ""


def plain_to_text(value: Any) -> Any:
    """Accept a plain string as Chinese text (the contract's language): a ``mode="before"``
    validator of every :class:`Text` field that takes one."""
    return {"zh": value} if isinstance(value, str) else value


LText = Annotated[Text, Field(description="zh/en text; a plain string is read as zh")]
