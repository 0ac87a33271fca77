"""One instance of a norm (:class:`Obligation`) and the report's deterministic order of
instances."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..model import Status, Strength
from ..text import iso
from .history import history_of
from .records import CauseLink, Life, NormInfo, StateChange


@dataclass(slots=True, unsafe_hash=True)
class Obligation:
    """One instance of a norm: when it arose, when it falls due, and what became of it.

    ``rule`` is the norm id, ``key`` the correlating value (incident, ref) or None. ``events``
    lists the ids of the events that decided the status, in time order. ``explanation`` gives the
    steps that computed ``due`` and the status (built on demand), for :meth:`Report.explain`.

    The norm's own words (``rule``, ``kind``, ``clause``, ``title_zh``, ``title_en``,
    ``strength``) are read through :attr:`norm`, shared by all its instances. ``events`` is
    ``trigger_event`` followed by ``deciding``: the id (or ids) of the events after the trigger
    that decided the status, kept without a tuple of their own where one id is enough.

    A value: equal and hashing alike when its fields are equal. It is read-only by contract; it
    is not a frozen dataclass because a report builds one per instance and a frozen dataclass of
    this size costs ten times more to build (``docs/decisions.md``).
    """

    norm: NormInfo
    party: str
    key: str | None
    nth: int
    trigger_at: datetime
    trigger_event: str | None
    tier: str | None
    due: datetime | None
    status: Status
    fulfilled_at: datetime | None
    reason: str | None = None
    reason_zh: str | None = None
    deciding: str | tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    #: builds the steps on demand from this instance and the compiled rules, in a language
    explainer: Callable[[Obligation, str], tuple[str, ...]] | None = field(
        default=None, compare=False, repr=False
    )
    #: the fields of its trigger and fulfilling events (``trigger``, ``fulfilment``), kept only
    #: where a remedy computes an amount from them (``remedies[].amount``)
    data: Mapping[str, Mapping[str, Any] | None] | None = field(
        default=None, compare=False, repr=False
    )
    #: the lifecycle facts the fields above do not give (suspensions, discharge, cause)
    life: Life | None = None

    @property
    def cause(self) -> CauseLink | None:
        """The instance whose change of state created this one (``trigger.on``), if any."""
        return self.life.cause if self.life is not None else None

    @property
    def closes(self) -> datetime | None:
        """A right's closing (``until``): it is open in [opening, closing); None: no closing."""
        return self.life.closes if self.life is not None else None

    @property
    def history(self) -> tuple[StateChange, ...]:
        """The instance's states in time order: ``pending`` from its trigger, ``suspended``
        while its clock stood still, and the final state from the instant it was entered
        (``docs/engine.md``, "The lifecycle"). Derived on demand: it costs nothing until
        asked for."""
        return history_of(self)

    @property
    def events(self) -> tuple[str, ...]:
        """The ids of the events that decided the status, in time order: the trigger first."""
        head = (self.trigger_event,) if self.trigger_event else ()
        more = self.deciding
        if more is None:
            return head
        if isinstance(more, str):
            return (*head, more)
        return (*head, *more)

    @property
    def rule(self) -> str:
        """The norm's id."""
        return self.norm.rule

    @property
    def kind(self) -> str:
        """``obligation``, ``prohibition`` or ``permission``."""
        return self.norm.kind

    @property
    def clause(self) -> str:
        """The clause of the contract the norm encodes."""
        return self.norm.clause

    @property
    def title_zh(self) -> str:
        """The norm's title in Chinese (may be empty)."""
        return self.norm.title_zh

    @property
    def title_en(self) -> str:
        """The norm's title in English (may be empty)."""
        return self.norm.title_en

    @property
    def strength(self) -> Strength:
        """``binding`` or ``best_effort``."""
        return self.norm.strength

    @property
    def explanation(self) -> tuple[str, ...]:
        """The steps that computed ``due`` and the status, in English."""
        return self.steps("en")

    def steps(self, lang: str = "en") -> tuple[str, ...]:
        """The steps that computed ``due`` and the status, in ``lang`` (``zh`` or ``en``)."""
        return self.explainer(self, lang) if self.explainer is not None else ()

    @property
    def is_breach(self) -> bool:
        """A violated binding instance."""
        return self.status == "violated" and self.strength == "binding"

    def reason_in(self, lang: str = "en") -> str | None:
        """The reason for the status in ``lang`` (``zh`` falls back to English)."""
        return (self.reason_zh or self.reason) if lang == "zh" else self.reason

    def title(self, lang: str = "en") -> str:
        """The norm's title in ``lang``."""
        if lang == "en":
            return self.title_en or self.title_zh
        return self.title_zh or self.title_en

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "clause": self.clause,
            "party": self.party,
            "key": self.key,
            "nth": self.nth,
            "tier": self.tier,
            "trigger_at": iso(self.trigger_at),
            "trigger_event": self.trigger_event,
            "due": iso(self.due),
            "status": self.status,
            "fulfilled_at": iso(self.fulfilled_at),
            "strength": self.strength,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "events": list(self.events),
            "notes": list(self.notes),
            "history": [h.to_dict() for h in self.history],
            "cause": None if self.cause is None else self.cause.to_dict(),
            # a right's closing only where it has one (reports without one keep their bytes)
            **({} if self.closes is None else {"closes": iso(self.closes)}),
        }


def order_key(o: Obligation, norm_order: dict[str, int]) -> tuple[Any, ...]:
    """The deterministic order of instances: by trigger instant, norm order, key, nth."""
    return (o.trigger_at.timestamp(), norm_order.get(o.rule, 0), o.key or "", o.nth)


def sorted_obligations(
    obs: Sequence[Obligation], norm_order: dict[str, int]
) -> tuple[Obligation, ...]:
    """``obs`` in the report's deterministic order."""
    return tuple(sorted(obs, key=lambda o: order_key(o, norm_order)))
