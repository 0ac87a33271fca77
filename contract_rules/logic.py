"""Contract logic wired into the rule format: the parameters of a ruleset and every expression
it writes, each compiled once against the vocabulary of its place.

:func:`compile_logic` is the one walk over a ruleset's expressions. The checks call it with the
loaded document, so that a finding lands on the exact line and column inside the YAML scalar;
the compile step calls it without, and refuses a ruleset whose logic has an error. What an
expression may read at each place (``docs/rule-format.md``, "Expressions"):

========================================  ==========  ============================================
place                                     expects     reads, besides parameters and ``term.*``
========================================  ==========  ============================================
``norms[].trigger.when``                  boolean     ``trigger.<field>``
``norms[].<fulfilled_by|violated_by|       boolean     ``fulfilment``, ``violation``, ``exercise``
exercised_by>.when``
``spans.<s>.<start|end>.when``            boolean     ``event.<field>``
``remedies[].claims.when``                boolean     ``claim.<field>``
``...deadline.due``, ``not_before.due``   instant     ``trigger.<field>``, ``trigger.at``
``remedies[].amount``, ``.when``          money, bool the instance's facts (``due``, ``lateness``,
                                                      ...), ``trigger.*``, ``fulfilment.*``,
                                                      ``tier``, ``period.start``/``.end``
``remedies[].cap``, ``caps[].amount``     money       ``period.start``, ``period.end``
``measures[].exclude[].when``             boolean     ``start.<field>``, ``start.at``, ``start.id``
``remedies[].amount`` for measures        money       ``measure.<id>`` (percent), ``measure.<id>.
                                                      down|excluded|scheduled``, ``period.*``
========================================  ==========  ============================================

A condition reads the fields of the one event it tests; the instants and ids of events are
readable where an instance exists (deadlines and remedies).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from .expressions import (
    BOOLEAN,
    DATE,
    DURATION,
    INSTANCE_FACTS,
    INSTANT,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    Expression,
    ExpressionError,
    ExprType,
    Money,
    ScalarPlace,
    compile_expression,
    events_of,
    money_of,
    record_of,
)
from .findings import DocPath, Finding, Severity
from .model import Deadline, EventType, FieldSpec, Norm, Ruleset
from .parameters import Parameters, read_parameters

#: the name of the event a condition tests, by the key that holds the condition
ROLE: Final = {
    "trigger": "trigger",
    "fulfilled_by": "fulfilment",
    "violated_by": "violation",
    "exercised_by": "exercise",
    "start": "event",
    "end": "event",
    "claims": "claim",
}
#: names a parameter may not take: the vocabulary's own
RESERVED: Final = frozenset(
    {*ROLE.values(), "term", "period", "tier", "measure", "start", "cause", "claims"}
    | set(INSTANCE_FACTS)
)
_FIELD_TYPES: Final[Mapping[str, ExprType]] = {
    "string": TEXT,
    "party": TEXT,
    "int": INTEGER,
    "decimal": NUMBER,
    "bool": BOOLEAN,
    "date": DATE,
    "instant": INSTANT,
}


def field_type(spec: FieldSpec) -> ExprType:
    """The expression type of an event field of the vocabulary."""
    if spec.type == "money":
        return money_of(spec.currency)
    return _FIELD_TYPES[spec.type]


def record_type(et: EventType | None, *, with_instant: bool) -> ExprType:
    """The record type of an event of type ``et``: its fields, and with ``with_instant`` its
    ``at`` and ``id`` (known where an instance exists)."""
    fields = {name: field_type(spec) for name, spec in et.fields.items()} if et else {}
    if with_instant:
        fields.setdefault("at", INSTANT)
        fields.setdefault("id", TEXT)
    return record_of(fields)


def money_fields(et: EventType | None) -> dict[str, str]:
    """The money fields of ``et`` with their currencies."""
    if et is None:
        return {}
    return {n: s.currency for n, s in et.fields.items() if s.type == "money" and s.currency}


def record(
    fields: Mapping[str, Any],
    money: Mapping[str, str],
    at: datetime | None = None,
    ev_id: str | None = None,
) -> dict[str, Any]:
    """An event's fields as an expression reads them: money fields as :class:`Money` in their
    field's currency, and ``at``/``id`` when given."""
    out = dict(fields)
    for name, currency in money.items():
        value = out.get(name)
        if value is not None and not isinstance(value, Money):
            out[name] = Money(value, currency)
    if at is not None:
        out.setdefault("at", at)
    if ev_id is not None:
        out.setdefault("id", ev_id)
    return out


@dataclass(frozen=True)
class Place:
    """An expression of the rule file: where, its text, what it must give, what it reads."""

    path: DocPath
    text: str
    expect: ExprType
    names: Mapping[str, ExprType]


@dataclass(frozen=True)
class Logic:
    """A ruleset's parameters and compiled expressions (by document path), and the findings
    that stopped any of them."""

    parameters: Parameters
    expressions: Mapping[DocPath, Expression] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    @property
    def values(self) -> dict[str, Any]:
        """The parameters' values, by name (the data every expression starts from)."""
        return self.parameters.values()

    @property
    def ok(self) -> bool:
        """No error among the findings."""
        return all(f.severity is not Severity.ERROR for f in self.findings)


def compile_logic(rs: Ruleset, doc: Any = None) -> Logic:
    """Read ``rs``'s parameters and compile each of its expressions against its place's
    vocabulary. Never raises for any content: every problem is a finding, located inside the
    scalar when ``doc`` (the loaded document, with its text) is given."""
    params, findings = read_parameters(
        rs.parameters or None,
        doc,
        reserved=RESERVED,
        source=getattr(doc, "source", "<ruleset>"),
    )
    out: dict[DocPath, Expression] = {}
    for place in places(rs, params):
        where: ScalarPlace | None = None
        if doc is not None:
            loc = doc.locate(place.path)
            where = ScalarPlace(doc.source, loc.line, loc.column, getattr(doc, "text", "") or None)
        compiled = compile_expression(place.text, place.names, place=where, expect=place.expect)
        if compiled.expression is None:
            findings += [_at(f, place.path) for f in compiled.findings]
        else:
            out[place.path] = compiled.expression
    return Logic(params, out, tuple(findings))


def _at(f: Finding, path: DocPath) -> Finding:
    """``f`` with the document path of its expression."""
    loc = f.location
    if loc.path == path:
        return f
    return Finding(
        type(loc)(loc.file, loc.line, loc.column, path), f.code, f.name, f.message, f.severity
    )


def places(rs: Ruleset, params: Parameters) -> Iterator[Place]:
    """Every expression of ``rs`` with the vocabulary of its place, in the rule file's order."""
    base: dict[str, ExprType] = {**params.types(), "term.start": INSTANT, "term.end": INSTANT}
    events = rs.events
    for i, n in enumerate(rs.norms):
        at = ("norms", i)
        trig = events.get(n.trigger.event or "")
        if isinstance(n.trigger.when, str):
            names = {**base, "trigger": record_type(trig, with_instant=False)}
            yield Place((*at, "trigger", "when"), n.trigger.when, BOOLEAN, names)
        for key in ("fulfilled_by", "violated_by", "exercised_by"):
            m = getattr(n, key)
            if m is not None and isinstance(m.when, str):
                names = {**base, ROLE[key]: record_type(events.get(m.event), with_instant=False)}
                yield Place((*at, key, "when"), m.when, BOOLEAN, names)
        timed = {**base}
        if n.trigger.event is not None:
            timed["trigger"] = record_type(trig, with_instant=True)
        if n.trigger.every is not None:
            timed |= {"period.start": INSTANT, "period.end": INSTANT}
        deadlines: list[tuple[DocPath, Deadline | None]] = [((*at, "deadline"), n.deadline)]
        deadlines += [
            ((*at, "tiers", k, "deadline"), t.deadline) for k, t in enumerate(n.tiers or ())
        ]
        if n.fulfilled_by is not None:
            deadlines.append(((*at, "fulfilled_by", "not_before"), n.fulfilled_by.not_before))
        deadlines.append(((*at, "until"), n.until))
        for path, d in deadlines:
            if d is not None and d.due is not None:
                yield Place((*path, "due"), d.due, INSTANT, timed)
    for name, span in rs.spans.items():
        for end in ("start", "end"):
            m = getattr(span, end)
            if isinstance(m.when, str):
                names = {**base, "event": record_type(events.get(m.event), with_instant=False)}
                yield Place(("spans", name, end, "when"), m.when, BOOLEAN, names)
    yield from _remedy_places(rs, base)
    yield from _cap_places(rs, base)
    yield from _measure_places(rs, base)


def _measure_places(rs: Ruleset, base: dict[str, ExprType]) -> Iterator[Place]:
    """The conditions of the measures' exclusions: they read the span's start event as
    ``start`` (its fields, ``at`` and ``id``)."""
    for i, m in enumerate(rs.measures):
        for j, ex in enumerate(m.exclude):
            if ex.when is None:
                continue
            span = rs.spans.get(ex.span)
            et = rs.events.get(span.start.event) if span is not None else None
            names = {**base, "start": record_type(et, with_instant=True)}
            yield Place(("measures", i, "exclude", j, "when"), ex.when, BOOLEAN, names)


def collected_type(et: EventType | None) -> ExprType:
    """The list of events a credit's ``claims`` collect for a breach: each with its fields,
    ``at`` and ``id``."""
    fields = {name: field_type(spec) for name, spec in et.fields.items()} if et else {}
    fields.setdefault("at", INSTANT)
    fields.setdefault("id", TEXT)
    return events_of(fields)


def measure_names(rs: Ruleset, norms: list[str]) -> dict[str, ExprType]:
    """What a remedy for measures reads of each measure it lists: ``measure.<id>`` (the value,
    a percent) and ``measure.<id>.down``, ``.excluded``, ``.scheduled`` (durations); empty when
    it lists no measure."""
    names: dict[str, ExprType] = {}
    for m in rs.measures:
        if m.id in norms:
            names[f"measure.{m.id}"] = PERCENT
            for part in ("down", "excluded", "scheduled"):
                names[f"measure.{m.id}.{part}"] = DURATION
    return names


def _remedy_places(rs: Ruleset, base: dict[str, ExprType]) -> Iterator[Place]:
    """The expressions of the remedies: the claims' conditions, computed caps, a credit's
    ``amount`` and ``when`` with what they read of a breach (or of the measures listed)."""
    events = rs.events
    for r, rem in enumerate(rs.remedies):
        at = ("remedies", r)
        if rem.claims is not None and isinstance(rem.claims.when, str):
            names = {**base, "claim": record_type(events.get(rem.claims.event), with_instant=False)}
            yield Place((*at, "claims", "when"), rem.claims.when, BOOLEAN, names)
        period = {**base, "period.start": INSTANT, "period.end": INSTANT}
        if isinstance(rem.cap, str):
            yield Place((*at, "cap"), rem.cap, money_of(None), period)
        if rem.amount is None and rem.when is None:
            continue
        measured = measure_names(rs, rem.norms)
        names = {**period, **(measured if measured else remedy_names(rs, rem.norms))}
        if rem.claims is not None and rem.kind == "credit":
            names["claims"] = collected_type(events.get(rem.claims.event))
        if rem.when is not None:
            yield Place((*at, "when"), rem.when, BOOLEAN, names)
        if rem.amount is not None:
            yield Place((*at, "amount"), rem.amount, money_of(None), names)


def _cap_places(rs: Ruleset, base: dict[str, ExprType]) -> Iterator[Place]:
    """The amounts of the caps shared by remedies: money, over a period or window."""
    names = {**base, "period.start": INSTANT, "period.end": INSTANT}
    for j, cap in enumerate(rs.caps):
        yield Place(("caps", j, "amount"), cap.amount, money_of(None), names)


def remedy_names(rs: Ruleset, norms: list[str]) -> dict[str, ExprType]:
    """What a remedy's amount and condition read of the breached instance: its facts, its tier,
    and the trigger and fulfilling events when every norm the remedy lists shares their types."""
    names: dict[str, ExprType] = {**INSTANCE_FACTS, "tier": TEXT}
    listed = [n for n in rs.norms if n.id in norms]
    for role in ("trigger", "fulfilment"):
        kinds = {_event_of(n, role) for n in listed}
        if len(kinds) == 1 and None not in kinds:
            names[role] = record_type(rs.events.get(kinds.pop() or ""), with_instant=True)
    causes = {n.trigger.norm for n in listed}
    if len(causes) == 1 and None not in causes:
        names["cause"] = cause_type(rs, causes.pop() or "")
    return names


#: what ``cause.*`` reads of the instance whose change created the breached one, besides its
#: trigger: the instant of the change, and the cause's own facts (``docs/expressions.md``)
CAUSE_FACTS: Final = ("due", "fulfilled_at", "lateness", "late_calendar_days", "late_working_days")


def cause_type(rs: Ruleset, cause: str) -> ExprType:
    """The record ``cause`` of a duty that arises from a change of norm ``cause``: ``at`` (the
    change's instant), the cause's facts (``due``, ``fulfilled_at``, ``lateness``, ...) and
    its trigger event's fields as ``cause.trigger.<field>`` (with ``at`` and ``id``)."""
    other = next((n for n in rs.norms if n.id == cause), None)
    fields: dict[str, ExprType] = {"at": INSTANT, "rule": TEXT}
    fields |= {k: INSTANCE_FACTS[k] for k in CAUSE_FACTS}
    if other is not None and other.trigger.event is not None:
        fields["trigger"] = record_type(rs.events.get(other.trigger.event), with_instant=True)
    return record_of(fields)


def _event_of(n: Norm, role: str) -> str | None:
    """The event type of a norm's trigger or fulfilment."""
    if role == "trigger":
        return n.trigger.event
    return n.fulfilled_by.event if n.fulfilled_by is not None else None


class ExprPredicate:
    """A condition written as an expression, as the engine's predicates are called: with the
    tested event's fields. An expression that cannot be evaluated on them does not hold;
    :meth:`why` says why (for the reason an event is ignored)."""

    __slots__ = ("base", "calendar", "expression", "money", "role")

    def __init__(
        self,
        expression: Expression,
        role: str,
        money: Mapping[str, str],
        base: Mapping[str, Any],
        calendar: Any,
    ) -> None:
        self.expression = expression
        self.role = role
        self.money = money
        self.base = base
        self.calendar = calendar

    def _data(self, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**self.base, self.role: record(fields, self.money)}

    def __call__(self, fields: Mapping[str, Any]) -> bool:
        try:
            return self.expression.evaluate(self._data(fields), self.calendar) is True
        except ExpressionError:
            return False

    def why(self, fields: Mapping[str, Any]) -> str:
        """Why the condition does not hold for ``fields``: false, or the evaluation's error."""
        try:
            self.expression.evaluate(self._data(fields), self.calendar)
        except ExpressionError as e:
            return f"{self.expression.text!r} cannot be evaluated: {e.reason}"
        return f"{self.expression.text!r} is false"


def miss(pred: Any, head: str, fields: Mapping[str, Any]) -> str:
    """``head``, the reason an event does not meet a condition, with the expression's own
    reason when the condition is one."""
    if isinstance(pred, ExprPredicate):
        return f"{head}: {pred.why(fields)}"
    return head
