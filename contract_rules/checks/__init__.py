"""Semantic checks of a ruleset: what the schema alone cannot see.

:func:`run_checks` runs every check of :data:`CHECKS` over a ruleset that already passed the
schema, and returns located findings (never raises for bad content). Each check is one small
function named after its finding code's name and registered under that code, so that the
documentation and the tests can iterate over them::

    for code, check in CHECKS.items():
        print(code, check.__doc__)

The checks live in one module per code family, each ordered by code:

- :mod:`.framework`: :class:`CheckContext`, the registry and :func:`run_checks`; which findings
  a run reports (:class:`Selection`: ``--select``/``--ignore``, and the inline
  ``# contract-rules: ignore[CR123]`` comments, :func:`apply_selection`);
- :mod:`.walk`: walks over the ruleset and value typing shared by several checks;
- :mod:`.shape`: ``CR1xx`` (the few shape codes the schema cannot judge: CR104, CR105);
- :mod:`.references`: ``CR2xx``;
- :mod:`.meaning`: ``CR3xx``;
- :mod:`.logic`: ``CR4xx`` (the expressions; the parameters' findings use the CR1xx codes).

A new check is a function in its family's module, in code order, decorated with
``@register("CRnnn")``; see CONTRIBUTING.md. The checks read only the model, the loaded document
(for positions) and, lazily, the calendar (for the shipped layers and their coverage).
"""

from __future__ import annotations

from . import logic, meaning, references, shape  # noqa: F401  (importing a family registers its checks)
from .framework import (
    CHECKS,
    Check,
    CheckContext,
    Selection,
    apply_selection,
    inline_ignores,
    run_checks,
    selection_problem,
)

__all__ = [
    "CHECKS",
    "Check",
    "CheckContext",
    "Selection",
    "apply_selection",
    "inline_ignores",
    "run_checks",
    "selection_problem",
]

# Codes in order, whatever the order the families were imported in (the same dict object).
_ordered = sorted(CHECKS.items())
CHECKS.clear()
CHECKS.update(_ordered)
del _ordered
