"""CR2xx checks: references between parts of the document (event types, fields, parties, calendar
layers, norms, fees, ids, spans, condition values, clauses). Ordered by code."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import DocPath, Finding
from ..model import Norm
from ..suggestions import suggest as _suggest
from .framework import CheckContext, register
from .walk import (
    _amounts,
    _cited_clauses,
    _conditions,
    _enum_problem,
    _event_refs,
    _field_refs,
    _tests,
    _type_problem,
    _unsatisfiable_trigger_field,
)


@register("CR201")
def unknown_event_type(cx: CheckContext) -> Iterator[Finding]:
    """Every event type named by a trigger, matcher, span, excuse cause or claims is declared."""
    declared = cx.ruleset.events
    for ref in _event_refs(cx.ruleset):
        if ref.name not in declared:
            yield cx.finding(
                "CR201",
                ref.path,
                f"unknown event type {ref.name!r} in {ref.what}{_suggest(ref.name, declared)}",
            )


@register("CR202")
def unknown_field(cx: CheckContext) -> Iterator[Finding]:
    """Every field named by a condition, key, match, accumulate, cause, span or claims is declared
    by the event type it is read from (when that type is known; CR201 reports unknown types)."""
    rs = cx.ruleset
    for cond in _conditions(rs):
        specs = cx.fields(cond.event)
        if specs is None:
            continue
        for name in cond.when:
            if name not in specs:
                yield cx.finding(
                    "CR202",
                    (*cond.path, name),
                    f"event type {cond.event!r} has no field {name!r}{_suggest(name, specs)}",
                    key=True,
                )
    for i, n in enumerate(rs.norms):
        # a recurring duty's key names the field that carries the period's label (2025-03)
        if n.key is not None and n.trigger.at is not None:
            yield cx.finding(
                "CR202",
                ("norms", i, "key"),
                f"key {n.key!r} names a field, but the trigger is a contract date "
                f"({n.trigger.at}) and has no fields",
            )
    for event, ref in _field_refs(rs):
        specs = cx.fields(event)
        if specs is None or ref.name in specs:
            continue
        yield cx.finding(
            "CR202",
            ref.path,
            f"{ref.what} is {ref.name!r}, but event type {event!r} has no such field"
            f"{_suggest(ref.name, specs)}",
        )


def _party_field_ref(cx: CheckContext, norm: Norm, ref: str) -> str | None:
    """Why a ``$trigger.<field>``/``$other.<field>`` party reference is wrong, if it is."""
    prefix, _, name = ref.partition(".")
    if not name:
        return f"{ref!r} names no field; write {prefix}.<field>"
    if norm.trigger.event is None:
        return f"{ref!r} reads the trigger event, but the trigger is a contract date"
    specs = cx.fields(norm.trigger.event)
    if specs is None:
        return None  # CR201 reports the trigger's type
    spec = specs.get(name)
    if spec is None:
        return (
            f"{ref!r}: trigger event {norm.trigger.event!r} has no field {name!r}"
            f"{_suggest(name, [f for f, s in specs.items() if s.type == 'party'])}"
        )
    if spec.type != "party":
        return f"{ref!r}: field {name!r} of {norm.trigger.event!r} is {spec.type}, not party"
    if prefix == "$other" and len(cx.parties) != 2:
        return f"{ref!r} means the other party, which needs a two-party contract"
    return None


@register("CR203")
def unknown_party(cx: CheckContext) -> Iterator[Finding]:
    """Norm and remedy parties are declared parties ('any', '$trigger.<f>', '$other.<f>' allowed
    for norms, where <f> is a party field of the trigger event); so are party values compared in
    conditions."""
    rs = cx.ruleset
    for i, n in enumerate(rs.norms):
        path = ("norms", i, "party")
        if n.party == "any":
            continue
        if n.party.startswith(("$trigger", "$other")):
            why = _party_field_ref(cx, n, n.party)
            if why is not None:
                yield cx.finding("CR203", path, why)
        elif n.party.startswith("$"):
            yield cx.finding(
                "CR203",
                path,
                f"unknown party reference {n.party!r}; use $trigger.<field> or $other.<field>",
            )
        elif n.party not in cx.parties:
            yield cx.finding(
                "CR203",
                path,
                f"unknown party {n.party!r}{_suggest(n.party, [*cx.parties, 'any'])}",
            )
    for r, rem in enumerate(rs.remedies):
        if rem.party not in cx.parties:
            yield cx.finding(
                "CR203",
                ("remedies", r, "party"),
                f"unknown party {rem.party!r}{_suggest(rem.party, cx.parties)}",
            )
    for cond in _conditions(rs):
        specs = cx.fields(cond.event) or {}
        for name, value in cond.when.items():
            spec = specs.get(name)
            if spec is None or spec.type != "party":
                continue
            for _op, v, sub in _tests(value):
                if isinstance(v, str) and v not in cx.parties:
                    yield cx.finding(
                        "CR203",
                        (*cond.path, name, *sub),
                        f"{name!r} names a party; {v!r} is not a party of the contract"
                        f"{_suggest(v, cx.parties)}",
                    )


@register("CR204")
def unknown_calendar_layer(cx: CheckContext) -> Iterator[Finding]:
    """Every calendar layer is one the package ships or a ``holidays:<country>[-<subdivision>]``
    the holidays package knows (with "did you mean" for a country or subdivision), and none is
    listed twice."""
    from ..calendar import layer_problem  # lazily: the calendar is only needed here

    seen: set[str] = set()
    for j, layer in enumerate(cx.ruleset.calendar.layers):
        path = ("calendar", "layers", j)
        problem = layer_problem(layer)
        if problem is not None:
            yield cx.finding("CR204", path, problem)
        elif layer in seen:
            yield cx.finding("CR204", path, f"calendar layer {layer!r} is listed twice")
        seen.add(layer)


@register("CR205")
def unknown_norm(cx: CheckContext) -> Iterator[Finding]:
    """Every norm a remedy applies to is declared (or is a measure, ``measures``)."""
    measures = {m.id for m in cx.ruleset.measures}
    for r, rem in enumerate(cx.ruleset.remedies):
        for j, nid in enumerate(rem.norms):
            if nid not in cx.norm_ids and nid not in measures:
                yield cx.finding(
                    "CR205",
                    ("remedies", r, "norms", j),
                    f"remedy {rem.id!r} names unknown norm {nid!r}{_suggest(nid, cx.norm_ids)}",
                )


@register("CR206")
def unknown_fee(cx: CheckContext) -> Iterator[Finding]:
    """Every fee named by an accumulate target or a remedy amount is declared."""
    fees = cx.ruleset.contract.fees
    for i, n in enumerate(cx.ruleset.norms):
        fb = n.fulfilled_by
        if fb is not None and fb.accumulate is not None and fb.accumulate.target not in fees:
            t = fb.accumulate.target
            yield cx.finding(
                "CR206",
                ("norms", i, "fulfilled_by", "accumulate", "target"),
                f"unknown fee {t!r}{_suggest(t, fees)}",
            )
    for path, amount in _amounts(cx):
        if amount.fee is not None and amount.fee not in fees:
            yield cx.finding(
                "CR206", (*path, "fee"), f"unknown fee {amount.fee!r}{_suggest(amount.fee, fees)}"
            )


@register("CR207")
def duplicate_id(cx: CheckContext) -> Iterator[Finding]:
    """Norm and remedy ids are unique together; tier names are unique within a norm."""
    first: dict[str, DocPath] = {}
    items: list[tuple[str, DocPath]] = [
        (n.id, ("norms", i, "id")) for i, n in enumerate(cx.ruleset.norms)
    ]
    items += [(r.id, ("remedies", j, "id")) for j, r in enumerate(cx.ruleset.remedies)]
    for ident, path in items:
        if ident in first:
            where = cx.doc.locate(first[ident])
            yield cx.finding(
                "CR207",
                path,
                f"id {ident!r} is already used at line {where.line} "
                "(norms and remedies share one namespace)",
            )
        else:
            first[ident] = path
    for i, n in enumerate(cx.ruleset.norms):
        names: set[str] = set()
        for k, tier in enumerate(n.tiers or ()):
            if tier.name in names:
                yield cx.finding(
                    "CR207",
                    ("norms", i, "tiers", k, "name"),
                    f"norm {n.id!r} has two tiers named {tier.name!r}",
                )
            names.add(tier.name)


@register("CR208")
def unknown_span(cx: CheckContext) -> Iterator[Finding]:
    """Every span named by an excuse or a pause is declared."""
    spans = cx.ruleset.spans
    for i, n in enumerate(cx.ruleset.norms):
        for j, ex in enumerate(n.excuses):
            if ex.span is not None and ex.span not in spans:
                yield cx.finding(
                    "CR208",
                    ("norms", i, "excuses", j, "span"),
                    f"unknown span {ex.span!r}{_suggest(ex.span, spans)}",
                )
        for j, name in enumerate(n.pause):
            if name not in spans:
                yield cx.finding(
                    "CR208",
                    ("norms", i, "pause", j),
                    f"unknown span {name!r}{_suggest(name, spans)}",
                )


@register("CR209")
def field_type_mismatch(cx: CheckContext) -> Iterator[Finding]:
    """Every value compared with a field fits the field's type, and a string field with a closed
    set of ``values`` is compared only with those (cause excuses included). Out-of-set values that
    make a norm's trigger impossible are reported once, as CR303."""
    for cond in _conditions(cx.ruleset):
        specs = cx.fields(cond.event) or {}
        for name, value in cond.when.items():
            spec = specs.get(name)
            if spec is None:
                continue
            skip_enum = _unsatisfiable_trigger_field(cx, cond, name)
            for op, v, sub in _tests(value):
                why = _type_problem(spec, op, v)
                if why is None and not skip_enum:
                    why = _enum_problem(spec, v)
                if why is not None:
                    yield cx.finding("CR209", (*cond.path, name, *sub), f"{name!r}: {why}")
    for i, n in enumerate(cx.ruleset.norms):
        for j, ex in enumerate(n.excuses):
            if ex.cause is None:
                continue
            spec = (cx.fields(ex.cause.event) or {}).get(ex.cause.field)
            if spec is None:
                continue
            for k, v in enumerate(ex.cause.values):
                path = ("norms", i, "excuses", j, "cause", "values", k)
                if spec.type not in ("string", "party"):
                    yield cx.finding(
                        "CR209",
                        path,
                        f"cause field {ex.cause.field!r} is {spec.type}; causes are text values",
                    )
                    break
                why = _enum_problem(spec, v)
                if why is not None:
                    yield cx.finding("CR209", path, f"{ex.cause.field!r}: {why}")


@register("CR210")
def unknown_clause(cx: CheckContext) -> Iterator[Finding]:
    """When ``contract.clauses`` lists the agreement's clauses, every cited clause is among them."""
    rs = cx.ruleset
    if not rs.contract.clauses:
        return
    declared = set(rs.contract.clauses)
    cited = [*_cited_clauses(rs)] + [
        (nc.clause, ("not_computable", j, "clause")) for j, nc in enumerate(rs.not_computable)
    ]
    for clause, path in cited:
        if clause not in declared:
            yield cx.finding(
                "CR210",
                path,
                f"clause {clause} is not in contract.clauses{_suggest(clause, declared)}",
            )
