"""contract_rules: service contracts as declarative YAML rulesets, linted and evaluated.

The small, typed public API::

    import contract_rules as cr
    ruleset = cr.load_ruleset("rules/tacheng_2024.yaml")
    report = cr.evaluate(ruleset, "examples/tacheng_events_2025.jsonl",
                         as_of="2025-12-31T00:00:00+08:00")
    for ob in report.breaches:
        print(ob.rule, ob.key, ob.due, ob.status)

Everything not listed in ``__all__`` is private and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    CalendarCoverageError,
    CalendarError,
    ContractRulesError,
    EventError,
    MappingError,
    RuleFileError,
)
from .findings import Finding, Location, Severity
from .model import Ruleset, register_html_view
from .rulefile import load_ruleset, read_rule_file, read_rule_text

#: The one place the version is written: pyproject.toml reads it from here (setuptools dynamic).
__version__ = "0.1.0"


def _ruleset_html(ruleset: Ruleset, lang: str) -> str:
    """The notebook's view of a ruleset, imported only when Jupyter first shows one."""
    from .ruleset_view import ruleset_html

    return ruleset_html(ruleset, lang)


# The package wires the model to its view here, at the top, so that the model imports no view.
register_html_view(_ruleset_html)

if TYPE_CHECKING:
    from .engine import CompiledRuleset, Evaluator, compile_ruleset, evaluate
    from .report import Obligation, Report

_LAZY = {
    "evaluate": "engine",
    "compile_ruleset": "engine",
    "CompiledRuleset": "engine",
    "Evaluator": "engine",
    "Report": "report",
    "Obligation": "report",
}


def __getattr__(name: str) -> Any:
    """Import the engine and report lazily, so ``contract-rules check`` starts fast."""
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'contract_rules' has no attribute {name!r}")


__all__ = [
    "CalendarCoverageError",
    "CalendarError",
    "CompiledRuleset",
    "ContractRulesError",
    "Evaluator",
    "EventError",
    "Finding",
    "Location",
    "MappingError",
    "Obligation",
    "Report",
    "RuleFileError",
    "Ruleset",
    "Severity",
    "__version__",
    "compile_ruleset",
    "evaluate",
    "load_ruleset",
    "read_rule_file",
    "read_rule_text",
]
