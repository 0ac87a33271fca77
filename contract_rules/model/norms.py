"""The duties of the contract: :class:`Norm` (obligations, prohibitions, permissions and the
powers among them), what creates an instance (:class:`Trigger`), what fulfils it
(:class:`Fulfilment`), what excuses it (:class:`Excuse`), and the spans of time (force majeure,
clock pauses) that excuses and pauses name (:class:`Span`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ..model_logic import Change, Expr
from .base import ClauseNo, Identifier, Model, Text, plain_to_text
from .deadlines import Deadline, Tier
from .events import Condition, Correlated, Matcher

Strength = Literal["binding", "best_effort"]
#: the periods a recurring duty arises in (``trigger.every``)
Period = Literal["month", "quarter", "year"]

PartyRef = Annotated[
    str,
    Field(
        description="a party id; 'any'; '$trigger.<field>' (the party named in the trigger's "
        "field); '$other.<field>' (the other party of a two-party contract)"
    ),
]


class CauseExcuse(Model):
    """Excuse instances whose key has a recorded cause among ``values`` (retroactively)."""

    event: Identifier
    field: Identifier
    values: list[str] = Field(min_length=1)
    key: Identifier | None = Field(
        None, description="field matching the norm's key; default: same name"
    )


class Excuse(Model):
    """A reason that releases an instance not met by its due: a cause, or a span over its due."""

    clause: ClauseNo
    reason: Text
    cause: CauseExcuse | None = None
    span: Identifier | None = Field(
        None, description="a span of the bearer party that contains the due instant"
    )
    own_key: bool = Field(
        True,
        description="with span: a span with the instance's own key excuses it too; false for a "
        "duty that the span itself creates (a force majeure's notice is excused by another "
        "force majeure of its party, never by its own)",
    )

    _t = field_validator("reason", mode="before")(plain_to_text)

    @model_validator(mode="after")
    def _one(self) -> Excuse:
        if (self.cause is None) == (self.span is None):
            raise ValueError("an excuse names exactly one of cause or span")
        if not self.own_key and self.span is None:
            raise ValueError("own_key is a setting of a span excuse")
        return self


class Span(Model):
    """A stretch of time opened and closed by events: force majeure, waiting on the customer."""

    title: Text | None = None
    clause: ClauseNo | None = None
    start: Matcher
    end: Matcher
    key: Identifier | None = Field(None, description="field correlating start and end events")
    party: Identifier | None = Field(None, description="field naming the affected party")

    _t = field_validator("title", mode="before")(plain_to_text)


class Trigger(Model):
    """What creates an instance: an event (with a condition), a contract date, or every period
    of the term (a recurring duty: one instance per period, from its start, keyed by its label)."""

    event: Identifier | None = None
    when: Condition | Expr = Field(default_factory=dict)
    at: Literal["term.start", "term.end"] | None = None
    every: Period | None = Field(None, description="month (2025-03), quarter (2025-Q1), year")
    follows: Identifier | None = Field(
        None,
        description="a norm with the same key: the duty arises only where an instance of it "
        "already arose (a follow-up duty, such as the confirmation of a service requested "
        "inside the term)",
    )

    violated: Identifier | None = Field(
        None,
        description="a norm whose instance's violation creates this duty, at the violation's "
        "instant, with the cause's key (a reparation: a penalty for a late delivery)",
    )
    fulfilled: Identifier | None = Field(
        None, description="a norm whose instance's fulfilment on time creates this duty"
    )
    excused: Identifier | None = Field(
        None, description="a norm whose instance's excuse creates this duty"
    )

    @property
    def empty(self) -> bool:
        """Whether the trigger names nothing: only a power's create effect creates the norm."""
        return (
            self.event is None
            and self.at is None
            and self.every is None
            and self.violated is None
            and self.fulfilled is None
            and self.excused is None
        )

    @property
    def on(self) -> Change | None:
        """The change of another norm's instance that creates this duty, if any."""
        if self.violated is not None:
            return "violated"
        if self.fulfilled is not None:
            return "fulfilled"
        return "excused" if self.excused is not None else None

    @property
    def norm(self) -> str | None:
        """The norm whose change (:attr:`on`) creates this duty, if any."""
        return self.violated or self.fulfilled or self.excused

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        given = [self.event, self.at, self.every, self.violated, self.fulfilled, self.excused]
        if len(given) - given.count(None) > 1:
            raise ValueError(
                "a trigger names exactly one of event, at, every, or the change of another "
                "norm that creates the duty (violated, fulfilled, excused); an empty trigger "
                "({}) is the target of a power's create effect"
            )
        if self.event is None and (self.when or self.follows is not None):
            raise ValueError(
                "a date trigger ('at', 'every') or a change of another norm takes no condition "
                "and follows no norm"
            )
        return self


class Accumulate(Model):
    """Fulfilment by amounts adding up to a fee: every matching event adds ``field``."""

    field: Identifier = "amount"
    currency_field: Identifier | None = "currency"
    target: Identifier = Field(description="a fee of the contract")


class Fulfilment(Correlated):
    """What fulfils an obligation (or exercises a permission)."""

    accumulate: Accumulate | None = None
    not_before: Deadline | None = Field(
        None, description="events before this instant do not count (a window's start)"
    )
    by: Identifier | None = Field(
        None,
        description="a party field of the event: only an act of the instance's own party "
        "(its bearer) counts, e.g. the receiving party's return of confidential information",
    )


NormKind = Literal["obligation", "prohibition", "permission"]
#: the effects only a power (a permission) takes, and those that name a target
_POWERS_ONLY = ("terminate", "suspend", "release", "create")
_TARGETED = ("suspend", "resume", "release", "create")
#: the target of a suspension or resumption of the whole contract
CONTRACT = "contract"


class Norm(Model):
    """A duty of the contract, instantiated per trigger.

    - ``obligation``: met by a ``fulfilled_by`` event at or before ``due``.
    - ``prohibition``: with ``violated_by``, no such event before ``due`` (fulfilled once due
      passes); without it, every trigger event is itself a violation.
    - ``permission``: a right that opens at ``due``; ``exercised_by`` earlier is premature
      (violated), at or after ``due`` fulfilled; not yet exercised stays pending.
    """

    id: Identifier
    kind: NormKind = "obligation"
    title: Text
    clause: ClauseNo
    text: Text = Field(description="the clause's own words (zh), optionally en")
    party: PartyRef
    strength: Strength = "binding"
    trigger: Trigger
    key: Identifier | None = Field(None, description="trigger field identifying an instance")
    deadline: Deadline | None = None
    tiers: list[Tier] | None = None
    fulfilled_by: Fulfilment | None = None
    violated_by: Correlated | None = None
    exercised_by: Correlated | None = None
    excuses: list[Excuse] = Field(default_factory=list)
    pause: list[Identifier] = Field(
        default_factory=list, description="spans (same key) during which the clock stops"
    )
    within_term: bool = Field(True, description="only triggers inside the term count")
    survives_term: bool = Field(
        False,
        description="triggers after the term still count, and the contract's termination "
        "does not discharge its instances",
    )
    effect: Literal["terminate", "suspend", "resume", "release", "create"] | None = Field(
        None,
        description="a power: exercising it (a permission, while it is open) terminates the "
        "contract, suspends the instances of the norm named by target (or, with target "
        "contract, of every norm that does not survive termination), releases the open "
        "instances of target with the power's key (discharged), or creates an instance of "
        "target; performing an obligation with effect resume resumes what was suspended. A "
        "permission exercised while it is not open changes nothing (ignored, with the reason)",
    )
    target: Identifier | None = Field(
        None,
        description="the norm a suspend, resume, release or create effect acts on; "
        "'contract' for suspend and resume: the whole contract",
    )
    until: Deadline | None = Field(
        None,
        description="a right's closing: it is open in [opening, closing); counted from its "
        "opening (from: trigger), or an instant (at: term.end, due: an expression). Not "
        "exercised by then, it is expired; exercised later, ignored with the reason",
    )
    keep_due: bool = Field(
        False,
        description="while suspended, the due is kept (a due that falls inside a suspension "
        "moves to the resumption) instead of moving later by the suspended time",
    )
    notes: Text | None = None

    _t = field_validator("title", "text", "notes", mode="before")(plain_to_text)

    @model_validator(mode="after")
    def _shape(self) -> Norm:
        if self.deadline is not None and self.tiers is not None:
            raise ValueError("give either deadline or tiers, not both")
        if self.tiers is not None and not self.tiers:
            raise ValueError("tiers must list at least one tier")
        wanted = {
            "obligation": ("fulfilled_by",),
            "prohibition": (),
            "permission": ("exercised_by",),
        }[self.kind]
        for name in wanted:
            if getattr(self, name) is None:
                raise ValueError(f"a {self.kind} needs {name}")
        allowed = {
            "obligation": {"fulfilled_by"},
            "prohibition": {"violated_by"},
            "permission": {"exercised_by"},
        }[self.kind]
        for name in ("fulfilled_by", "violated_by", "exercised_by"):
            if name not in allowed and getattr(self, name) is not None:
                raise ValueError(f"a {self.kind} takes no {name}")
        if (
            self.kind == "permission"
            and self.deadline is None
            and self.tiers is None
            and self.effect is None
        ):
            # a power without one is open from the instant it arises
            raise ValueError("a permission needs the deadline at which it opens")
        if (
            self.kind == "prohibition"
            and self.violated_by is not None
            and (self.deadline is None and self.tiers is None)
        ):
            raise ValueError("a prohibition with violated_by needs a deadline (its window)")
        if (
            self.trigger.follows or self.trigger.every or self.trigger.on
        ) is not None and self.key is None:
            raise ValueError(
                "a norm whose trigger follows another, recurs, or arises from a change of "
                "another norm's instance needs a key"
            )
        return self

    @model_validator(mode="after")
    def _powers(self) -> Norm:
        """A power's effect, target and closing fit its kind."""
        if self.effect in _POWERS_ONLY and self.kind != "permission":
            raise ValueError(f"only a permission (a power) takes the effect {self.effect}")
        if self.effect == "resume" and self.kind == "prohibition":
            raise ValueError("a prohibition takes no effect")
        if (self.effect in _TARGETED) != (self.target is not None):
            raise ValueError(
                "the effects suspend, resume, release and create, and only they, name a target"
            )
        if self.target == CONTRACT and self.effect not in ("suspend", "resume"):
            raise ValueError("only suspend and resume act on the whole contract (target contract)")
        if self.until is not None and self.kind != "permission":
            raise ValueError("only a permission (a right) has a closing (until)")
        return self

    @property
    def has_deadline(self) -> bool:
        """Whether instances of this norm have a due instant."""
        return self.deadline is not None or self.tiers is not None
