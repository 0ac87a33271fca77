"""The contract's vocabulary of events and the conditions on them: event types and their fields
(:class:`EventType`, :class:`FieldSpec`), field tests and conditions, and the matchers that pick
events of one type (:class:`Matcher`, :class:`Correlated`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..model_logic import Expr, check_field_spec
from .base import ClauseNo, CurrencyCode, Identifier, Model, Scalar, Text, plain_to_text

FieldType = Literal["string", "int", "decimal", "money", "bool", "party", "date", "instant"]


class FieldSpec(Model):
    """A field of an event type. ``values`` restricts a string field to a closed set, ``ge`` and
    ``le`` a number's range, ``pattern`` a string's form; an event that breaks one is rejected.
    A ``money`` field is an amount in ``currency``."""

    type: FieldType = "string"
    required: bool = True
    values: list[str] | None = None
    description: str | None = None
    currency: CurrencyCode | None = Field(None, description="the currency of a money field")
    ge: Decimal | None = Field(None, description="a number's least value")
    le: Decimal | None = Field(None, description="a number's greatest value")
    pattern: str | None = Field(
        None, max_length=200, description="a regular expression the whole text must match"
    )

    _fits_type = model_validator(mode="after")(check_field_spec)


class EventType(Model):
    """An event type of the contract's vocabulary. Every event also has type, at and id."""

    description: Text | None = None
    clause: ClauseNo | None = None
    fields: dict[Identifier, FieldSpec] = Field(default_factory=dict)

    _t = field_validator("description", mode="before")(plain_to_text)

    @field_validator("fields", mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        """``incident: string`` is short for ``incident: {type: string}``."""
        if isinstance(v, dict):
            return {k: ({"type": t} if isinstance(t, str) else t) for k, t in v.items()}
        return v


RESERVED_EVENT_KEYS = ("type", "at", "id")


class FieldTest(Model):
    """Operators on one field; all given operators must hold."""

    eq: Scalar = None
    ne: Scalar = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    lt: Decimal | None = None
    le: Decimal | None = None
    gt: Decimal | None = None
    ge: Decimal | None = None

    @model_validator(mode="after")
    def _some(self) -> FieldTest:
        if not self.model_fields_set:
            raise ValueError("give at least one operator: eq, ne, in, not_in, lt, le, gt, ge")
        return self


#: A condition: every listed field must match. A bare value means equality.
Condition = dict[Identifier, FieldTest | Scalar]


class Matcher(Model):
    """Events of one type whose fields meet a condition."""

    event: Identifier
    when: Condition | Expr = Field(default_factory=dict)


class Correlated(Matcher):
    """A matcher whose events must share the listed fields' values with the trigger."""

    match: list[Identifier] | None = Field(
        None, description="fields equal to the trigger's; default: the norm's key"
    )
