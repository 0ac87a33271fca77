"""CR4xx checks: the expressions of the rule file, type-checked against the vocabulary of their
place (:mod:`contract_rules.logic`). Each finding points at the exact line and column inside the
expression's YAML scalar."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from .framework import CheckContext, register


@register("CR401")
def expression_syntax(cx: CheckContext) -> Iterator[Finding]:
    """An expression that is not well-formed: an unclosed bracket, an operator with nothing
    after it, a power operator (there is none)."""
    yield from cx.logic_findings("CR401")


@register("CR402")
def unknown_name(cx: CheckContext) -> Iterator[Finding]:
    """An expression that reads a field, parameter, fact or function its place does not have,
    with "did you mean"."""
    yield from cx.logic_findings("CR402")


@register("CR403")
def expression_type(cx: CheckContext) -> Iterator[Finding]:
    """An expression whose values do not combine (money + date), or that gives another type
    than its place needs (a condition that is not true or false, a due that is not an
    instant)."""
    yield from cx.logic_findings("CR403")


@register("CR404")
def expression_limit(cx: CheckContext) -> Iterator[Finding]:
    """An expression over a limit: longer than 2,000 characters, nested deeper than 32 levels,
    a number too large to write."""
    yield from cx.logic_findings("CR404")


@register("CR405")
def tier_order(cx: CheckContext) -> Iterator[Finding]:
    """A tier table whose constant thresholds do not fall (``at least``) or rise (``at most``)
    from row to row: a row that can never apply."""
    yield from cx.logic_findings("CR405")
