"""A whole rule file: :class:`Ruleset` (its top-level keys, and the checks across them that only
the whole document can make), the clauses with no computable duty, the format version, the
JSON Schema exported from the models, and the hook through which the package registers the
HTML view Jupyter shows."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator

from ..model_logic import Measure, Scenario, SharedCap, check_shared_caps
from .base import ClauseNo, Identifier, Model, Text, plain_to_text
from .calendar_spec import CalendarSpec
from .contract import Contract
from .events import EventType
from .norms import CONTRACT, Norm, Span
from .remedies import Remedy

FORMAT_VERSION = "contract-rules/1"


class NotComputable(Model):
    """A clause with no computable duty, and why."""

    clause: ClauseNo
    reason: Text

    _t = field_validator("reason", mode="before")(plain_to_text)


class Ruleset(Model):
    """A whole rule file."""

    format: Literal["contract-rules/1"] = Field(description="the format version")
    contract: Contract
    calendar: CalendarSpec
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="typed, named values expressions read (docs/expressions.md): money, "
        "percent, decimal, integer, duration, working days or hours, date, instant, text",
    )
    events: dict[Identifier, EventType] = Field(min_length=1)
    spans: dict[Identifier, Span] = Field(default_factory=dict)
    norms: list[Norm] = Field(min_length=1)
    remedies: list[Remedy] = Field(default_factory=list)
    caps: list[SharedCap] = Field(default_factory=list, description="caps shared by remedies")
    measures: list[Measure] = Field(
        default_factory=list, description="measures per period (availability) remedies read"
    )
    not_computable: list[NotComputable] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)

    _source: Any = PrivateAttr(default=None)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        if isinstance(v, str) and v != FORMAT_VERSION:
            raise ValueError(f"unsupported format {v!r}; this version reads {FORMAT_VERSION!r}")
        return v

    @model_validator(mode="after")
    def _follow_ups(self) -> Ruleset:
        # what the checks cannot see before the model exists: the norms a trigger or an effect
        # names, and the party field a fulfilment is performed "by"
        check_shared_caps(self.caps, {r.id: r.period for r in self.remedies})
        ids = {n.id: n for n in self.norms}
        created = {p.target for p in self.norms if p.effect == "create"}
        for n in self.norms:
            _check_links(n, ids, created)
            _check_performer(n, self.events)
        return self

    def norm(self, norm_id: str) -> Norm:
        """The norm with this id (KeyError if none)."""
        for n in self.norms:
            if n.id == norm_id:
                return n
        raise KeyError(norm_id)

    @property
    def source(self) -> Any:
        """Where this ruleset was loaded from (a loader document), or None."""
        return self._source

    def __eq__(self, other: object) -> bool:
        """Equal when the data are equal: where a ruleset was loaded from (:attr:`source`) is
        not part of it, so a ruleset equals its own JSON round trip."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        """Over the data, as :meth:`__eq__` (a TypeError, as before: a ruleset holds dicts)."""
        return hash(tuple(self.__dict__.values()))

    def _repr_html_(self) -> str:
        """Jupyter's rich view: the registered HTML view (the notebook's ``ruleset_html``, which
        the package registers on import) in the contract's language."""
        if _HTML_VIEW is None:  # pragma: no cover - the package registers one on import
            return f"<pre>{html.escape(repr(self))}</pre>"
        return _HTML_VIEW(self, self.contract.language)


def _check_links(norm: Norm, ids: dict[str, Norm], created: set[str | None]) -> None:
    """ValueError unless every norm that ``norm``'s trigger names exists with a key to share,
    its effect's target exists (or is the whole contract, where no norm is named contract), and
    a trigger that names nothing belongs to a norm that a power's create effect (``created``:
    their targets) creates."""
    named = (
        ("trigger follows", norm.trigger.follows),
        ("trigger on a change of", norm.trigger.norm),
    )
    for what, other_id in named:
        if other_id is None:
            continue
        other = ids.get(other_id)
        if other is None:
            raise ValueError(f"norm {norm.id!r}: {what} unknown norm {other_id!r}")
        if other.key is None:
            raise ValueError(f"norm {norm.id!r}: {what} {other_id!r}, which has no key to share")
    if norm.target is not None and norm.target not in ids and norm.target != CONTRACT:
        raise ValueError(f"norm {norm.id!r}: effect {norm.effect} on unknown norm {norm.target!r}")
    if norm.target == CONTRACT and CONTRACT in ids:
        raise ValueError(
            f"norm {norm.id!r}: target contract is ambiguous where a norm is named contract"
        )
    if norm.trigger.empty and norm.id not in created:
        raise ValueError(
            f"norm {norm.id!r}: its trigger names nothing; only the target of a power's "
            "create effect arises from nothing but that power"
        )


def _check_performer(norm: Norm, events: dict[str, EventType]) -> None:
    """ValueError unless ``fulfilled_by.by``, where given, names a party field of the
    fulfilling event type (an unknown event type is the checks' finding, not this one)."""
    fb = norm.fulfilled_by
    if fb is None or fb.by is None:
        return
    et = events.get(fb.event)
    spec = et.fields.get(fb.by) if et is not None else None
    if et is not None and (spec is None or spec.type != "party"):
        raise ValueError(
            f"norm {norm.id!r}: fulfilled_by.by must name a party field of "
            f"{fb.event!r}, not {fb.by!r}"
        )


#: ``view(ruleset, lang) -> html``: how a ruleset shows itself in Jupyter. The model knows no view;
#: ``contract_rules/__init__.py`` registers the notebook's, so no arrow points from the data model
#: up to a view.
RulesetHtmlView = Callable[[Ruleset, str], str]
_HTML_VIEW: RulesetHtmlView | None = None


def register_html_view(view: RulesetHtmlView) -> None:
    """Make ``view`` the HTML Jupyter shows for every :class:`Ruleset` (the last one registered
    wins)."""
    global _HTML_VIEW
    _HTML_VIEW = view


def json_schema() -> dict[str, Any]:
    """The JSON Schema of rule files, as committed in ``schema/ruleset.schema.json``."""
    schema = Ruleset.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://contract-rules.dev/schema/ruleset-1.json"
    schema["title"] = "contract_rules rule file (contract-rules/1)"
    return schema
