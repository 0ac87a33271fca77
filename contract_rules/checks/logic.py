"""CR4xx checks: the expressions of the rule file, type-checked against the vocabulary of their
place (:mod:`contract_rules.logic`). Each finding points at the exact line and column inside the
expression's YAML scalar. CR5xx checks: the measures (``measures``), the spans they count and
the remedies that read them."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import DocPath, Finding
from ..suggestions import did_you_mean
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


@register("CR501")
def measure_unknown_span(cx: CheckContext) -> Iterator[Finding]:
    """Every span a measure counts down (``down``) or takes out (``exclude[].span``) is
    declared under ``spans``."""
    spans = list(cx.ruleset.spans)
    for i, m in enumerate(cx.ruleset.measures):
        named: list[tuple[DocPath, str]] = [
            (("measures", i, "down", j), s) for j, s in enumerate(m.down)
        ]
        named += [(("measures", i, "exclude", j, "span"), x.span) for j, x in enumerate(m.exclude)]
        for path, name in named:
            if name not in cx.ruleset.spans:
                yield cx.finding(
                    "CR501",
                    path,
                    f"measure {m.id!r} counts unknown span {name!r}{did_you_mean(name, spans)}",
                )


@register("CR502")
def measure_remedy(cx: CheckContext) -> Iterator[Finding]:
    """A remedy that lists a measure is a credit computed from it: it lists only measures
    (a breach of a norm and a period's measure are not counted alike) and writes ``amount``
    (``per_breach`` pays per breach; a measure has none)."""
    ids = {m.id for m in cx.ruleset.measures}
    for r, rem in enumerate(cx.ruleset.remedies):
        listed = [n for n in rem.norms if n in ids]
        if not listed:
            continue
        others = [n for n in rem.norms if n not in ids]
        if others:
            j = rem.norms.index(others[0])
            yield cx.finding(
                "CR502",
                ("remedies", r, "norms", j),
                f"remedy {rem.id!r} lists measure {listed[0]!r} and norm {others[0]!r}: a "
                "remedy reads measures or breaches of norms, not both; write two remedies",
            )
        if rem.kind != "credit" or rem.amount is None:
            key = "kind" if rem.kind != "credit" else "per_breach"
            yield cx.finding(
                "CR502",
                ("remedies", r, key),
                f"remedy {rem.id!r} lists measure {listed[0]!r}: it is a credit whose amount is "
                "computed from the measure (amount: tier(measure.<id>, ...) * monthly_charge)",
            )


@register("CR503")
def measure_period(cx: CheckContext) -> Iterator[Finding]:
    """A remedy that reads a measure groups by the period the measure is measured over
    (``period: month`` for ``per: month``), so that each line pays for one period's value."""
    per = {m.id: m.per for m in cx.ruleset.measures}
    for r, rem in enumerate(cx.ruleset.remedies):
        for j, n in enumerate(rem.norms):
            if n in per and per[n] != rem.period:
                yield cx.finding(
                    "CR503",
                    ("remedies", r, "norms", j),
                    f"remedy {rem.id!r} groups by {rem.period} but measure {n!r} is measured "
                    f"per {per[n]}; write period: {per[n]}",
                )


@register("CR504")
def measure_id(cx: CheckContext) -> Iterator[Finding]:
    """A measure's id is its own: not a norm's or a remedy's (a remedy's ``norms`` names
    either), nor another measure's."""
    taken = {n.id: "norm" for n in cx.ruleset.norms} | {r.id: "remedy" for r in cx.ruleset.remedies}
    for i, m in enumerate(cx.ruleset.measures):
        if m.id in taken:
            yield cx.finding(
                "CR504",
                ("measures", i, "id"),
                f"measure id {m.id!r} is already the id of a {taken[m.id]}",
            )
        taken.setdefault(m.id, "measure")
