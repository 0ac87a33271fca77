"""CR1xx checks: the shape of values the schema alone cannot judge (calendar specs, float money,
the parameters)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from decimal import Decimal
from typing import Any

from ..findings import DocPath, Finding
from ..model import parse_window
from .framework import CheckContext, register
from .walk import _NATIONAL_LAYER, _as_date


@register("CR101")
def unknown_key(cx: CheckContext) -> Iterator[Finding]:
    """A parameter written with a key its kind does not know (``{mony: ...}``), with "did you
    mean". (The other CR101 findings come from the schema.)"""
    yield from cx.logic_findings("CR101")


@register("CR102")
def missing_key(cx: CheckContext) -> Iterator[Finding]:
    """A parameter missing a key its kind needs (money without its currency). (The other CR102
    findings come from the schema.)"""
    yield from cx.logic_findings("CR102")


@register("CR103")
def wrong_type(cx: CheckContext) -> Iterator[Finding]:
    """A parameter whose value has the wrong type (a list, a date written as a number). (The
    other CR103 findings come from the schema.)"""
    yield from cx.logic_findings("CR103")


@register("CR104")
def invalid_value(cx: CheckContext) -> Iterator[Finding]:
    """What a calendar may not say although each value has the right form (the engine refuses
    it): working-hour windows of one day out of order or overlapping, a date both in
    ``days_off`` and ``working_days``, ``fallback: national_only`` without the cn-national layer;
    and a parameter's value out of its bounds or a name it may not take. (The other CR104
    findings come from the schema.)"""
    yield from cx.logic_findings("CR104")
    spec = cx.ruleset.calendar
    wh = spec.working_hours
    base: DocPath = ("calendar", "working_hours")
    groups: list[tuple[DocPath, list[str]]] = [((*base, "default"), wh.default)]
    groups += [((*base, "weekdays", day), ws) for day, ws in wh.weekdays.items()]
    written = _get(cx.doc.data, (*base, "dates"))
    keys = {_as_date(k): k for k in written} if isinstance(written, dict) else {}
    groups += [((*base, "dates", keys.get(d, d.isoformat())), ws) for d, ws in wh.dates.items()]
    for path, windows in groups:
        prev: tuple[str, time] | None = None
        for j, text in enumerate(windows):
            start, end = parse_window(text)  # the schema has checked each window's form
            if prev is not None and start < prev[1]:
                yield cx.finding(
                    "CR104",
                    (*path, j),
                    f"working-hour window {text} starts before {prev[0]} ends; list the "
                    "windows of a day in order, without overlaps",
                )
            prev = (text, end) if prev is None or end > prev[1] else prev
    both = set(spec.days_off) & set(spec.working_days)
    for j, d in enumerate(spec.working_days):
        if d in both:
            yield cx.finding(
                "CR104",
                ("calendar", "working_days", j),
                f"{d} is listed both in days_off and in working_days",
            )
    if spec.fallback == "national_only" and _NATIONAL_LAYER not in spec.layers:
        yield cx.finding(
            "CR104",
            ("calendar", "fallback"),
            f"fallback national_only still needs the {_NATIONAL_LAYER} layer (it only lets "
            "regional layers lack a year); add it to layers, or use fallback: weekdays",
        )


@register("CR105")
def float_money(cx: CheckContext) -> Iterator[Finding]:
    """Money amounts in the file are quoted decimals, not floats (a float cannot hold most
    decimal amounts exactly); the money parameters too."""
    yield from cx.logic_findings("CR105")
    data = cx.doc.data
    paths: list[DocPath] = [("contract", "fees", fee, "amount") for fee in cx.ruleset.contract.fees]
    for r in range(len(cx.ruleset.remedies)):
        for base in (("remedies", r, "per_breach"), ("remedies", r, "cap", "amount")):
            paths.append((*base, "money", "amount"))
    for s, sc in enumerate(cx.ruleset.scenarios):
        for j, _ in enumerate(sc.expect_remedies):
            for name in ("payable", "compensable"):
                paths.append(("scenarios", s, "expect_remedies", j, name))
            for k, _ in enumerate(sc.expect_remedies[j].items):
                paths.append(("scenarios", s, "expect_remedies", j, "items", k, "amount"))
    for path in paths:
        value = _get(data, path)
        if isinstance(value, Decimal | float) and not isinstance(value, bool):
            # The loader reads an unquoted 53600.00 as an exact Decimal, but every other YAML
            # or JSON reader of the file (editors, the JSON Schema) sees a binary float.
            yield cx.finding(
                "CR105",
                path,
                f'money written as a YAML float ({value}); quote it: "{value}"',
            )


def _get(data: Any, path: DocPath) -> Any:
    """The value at ``path`` in the loaded data, or None where the file does not write it."""
    node = data
    for part in path:
        listed = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        if not (listed or (isinstance(node, dict) and part in node)):
            return None
        node = node[part]
    return node
