"""The rule-file format as strict pydantic models: data only, no I/O, no engine.

A :class:`Ruleset` is one contract: its parties, term, fees and calendar; the vocabulary of events
it is evaluated against; its norms (obligations, prohibitions, permissions), spans (force
majeure, clock pauses), remedies (liability with caps, service credits); the clauses that carry
no computable duty; and the scenario tests kept beside the rules.

Every model forbids unknown keys and is frozen. Money is :class:`decimal.Decimal`, never float.
``docs/rule-format.md`` describes the format for people; ``schema/ruleset.schema.json`` is the
JSON Schema exported from these models (``contract-rules schema``).

The package's rooms, each importing only those below it (pyproject.toml's ``model`` contract):

- :mod:`.ruleset`: the whole file (:class:`Ruleset`, its top-level keys and the checks across
  them), ``not_computable``, the format version, :func:`json_schema`, the HTML-view hook;
- :mod:`.norms`: norms, triggers, fulfilment, excuses and spans (a new norm kind or norm key);
- :mod:`.remedies`: remedies, amounts, caps and claims (a new remedy kind or key);
- :mod:`.deadlines`: deadlines, their units and bounds, counting, service-level tiers;
- :mod:`.events`: event types and their fields, field tests, conditions, matchers;
- :mod:`.contract`: parties, money, fees, the term, the ``contract`` key;
  :mod:`.calendar_spec`: the ``calendar`` key (layers, working-hour windows, days off);
- :mod:`.base`: :class:`Model`, :class:`Text` and the constrained strings every room shares.

The contract-logic models (expressions, field constraints, measures, shared caps, scenarios) are
in :mod:`contract_rules.model_logic`, below this package. Every name is importable from here as
``contract_rules.model.X``, whatever its room.
"""

from __future__ import annotations

from ..model_logic import (
    Change,
    ExpectedEvent,
    ExpectedItem,
    ExpectedRemedy,
    Expr,
    Measure,
    Scenario,
    SharedCap,
    State,
    Status,
)
from .base import ClauseNo, CurrencyCode, Identifier, LText, Model, Scalar, Text, plain_to_text
from .calendar_spec import (
    WORKING_TIME_CLASSES,
    CalendarSpec,
    Weekday,
    WindowText,
    WorkingHoursSpec,
    WorkingTimeClass,
    parse_window,
)
from .contract import Contract, Fee, Money, Party, Term
from .deadlines import (
    CLOCK_UNITS,
    DEADLINE_LIMITS,
    DEADLINE_UNITS,
    Anchor,
    Counting,
    DayEnd,
    Deadline,
    Tier,
)
from .events import (
    RESERVED_EVENT_KEYS,
    Condition,
    Correlated,
    EventType,
    FieldSpec,
    FieldTest,
    FieldType,
    Matcher,
)
from .norms import (
    CONTRACT,
    Accumulate,
    CauseExcuse,
    Excuse,
    Fulfilment,
    Norm,
    NormKind,
    PartyRef,
    Period,
    Span,
    Strength,
    Trigger,
)
from .remedies import Amount, Cap, Claims, Remedy
from .ruleset import (
    FORMAT_VERSION,
    NotComputable,
    Ruleset,
    RulesetHtmlView,
    json_schema,
    register_html_view,
)

__all__ = [
    "CLOCK_UNITS",
    "CONTRACT",
    "DEADLINE_LIMITS",
    "DEADLINE_UNITS",
    "FORMAT_VERSION",
    "RESERVED_EVENT_KEYS",
    "WORKING_TIME_CLASSES",
    "Accumulate",
    "Amount",
    "Anchor",
    "CalendarSpec",
    "Cap",
    "CauseExcuse",
    "Change",
    "Claims",
    "ClauseNo",
    "Condition",
    "Contract",
    "Correlated",
    "Counting",
    "CurrencyCode",
    "DayEnd",
    "Deadline",
    "EventType",
    "Excuse",
    "ExpectedEvent",
    "ExpectedItem",
    "ExpectedRemedy",
    "Expr",
    "Fee",
    "FieldSpec",
    "FieldTest",
    "FieldType",
    "Fulfilment",
    "Identifier",
    "LText",
    "Matcher",
    "Measure",
    "Model",
    "Money",
    "Norm",
    "NormKind",
    "NotComputable",
    "Party",
    "PartyRef",
    "Period",
    "Remedy",
    "Ruleset",
    "RulesetHtmlView",
    "Scalar",
    "Scenario",
    "SharedCap",
    "Span",
    "State",
    "Status",
    "Strength",
    "Term",
    "Text",
    "Tier",
    "Trigger",
    "Weekday",
    "WindowText",
    "WorkingHoursSpec",
    "WorkingTimeClass",
    "json_schema",
    "parse_window",
    "plain_to_text",
    "register_html_view",
]
