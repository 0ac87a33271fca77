"""Scenario tests kept in rule files: events in, expected instances and remedies out.

:func:`run_scenarios` evaluates each scenario of a ruleset with the engine and compares every
expectation with the report. A failure says what was expected and what was found, and where the
scenario (or the expectation) stands in the rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from .engine import CompiledRuleset, compile_ruleset, evaluate
from .errors import ContractRulesError
from .findings import Location
from .loader import LoadedDocument
from .model import Ruleset
from .model_logic import (
    Expectation,
    ExpectedEvent,
    ExpectedMeasure,
    ExpectedRemedy,
    Scenario,
    Status,
)
from .report import Report, iso, money, seconds


@dataclass(frozen=True)
class Mismatch:
    """One expectation that did not hold."""

    location: Location
    what: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.what}: expected {self.expected}, got {self.actual}"


@dataclass
class ScenarioResult:
    """The outcome of one scenario."""

    name: str
    location: Location
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None
    report: Report | None = None

    @property
    def passed(self) -> bool:
        """True when every expectation held and the scenario ran."""
        return not self.mismatches and self.error is None


def _loc(doc: LoadedDocument | None, path: tuple[str | int, ...], source: str) -> Location:
    if doc is None:
        return Location(source, 0, 0, path)
    return doc.locate(path)


def _same_instant(expected: datetime | str | None, actual: datetime | None) -> bool:
    if expected == "none":
        return actual is None
    if isinstance(expected, datetime):
        # in UTC: across zones, == is False for an instant in a repeated hour (PEP 495)
        return actual is not None and expected.astimezone(UTC) == actual.astimezone(UTC)
    return True  # not asserted


def run_scenario(
    compiled: CompiledRuleset, sc: Scenario, index: int, doc: LoadedDocument | None, source: str
) -> ScenarioResult:
    """Evaluate one scenario and compare its expectations with the report."""
    base: tuple[str | int, ...] = ("scenarios", index)
    result = ScenarioResult(sc.name, _loc(doc, base, source))
    # a scenario that expects an event to be rejected evaluates the way a report does (an
    # invalid event is recorded, not raised); any other stops at its first invalid event
    strict = not any(e.disposition == "rejected" for e in sc.expect_events)
    try:
        rep = evaluate(compiled, sc.events, sc.as_of, strict=strict)
    except ContractRulesError as exc:
        result.error = str(exc)
        return result
    result.report = rep
    for j, exp in enumerate(sc.expect):
        loc = _loc(doc, (*base, "expect", j), source)
        result.mismatches += _instance_mismatches(rep, exp, loc)
    for j, er in enumerate(sc.expect_remedies):
        loc = _loc(doc, (*base, "expect_remedies", j), source)
        result.mismatches += _remedy_mismatches(rep, er, loc)
    if sc.expect_counts is not None:
        result.mismatches += _count_mismatches(rep, sc.expect_counts, result.location)
    for j, ee in enumerate(sc.expect_events):
        loc = _loc(doc, (*base, "expect_events", j), source)
        result.mismatches += _event_mismatches(rep, sc, ee, loc)
    for j, em in enumerate(sc.expect_measures):
        loc = _loc(doc, (*base, "expect_measures", j), source)
        result.mismatches += _measure_mismatches(rep, em, loc)
    return result


def _measure_mismatches(rep: Report, em: ExpectedMeasure, loc: Location) -> list[Mismatch]:
    """What differs between one expected measure of a period and the report's: its value as a
    percentage to the digits the scenario writes (cut, never rounded up: 99.797 for
    99.7972...), and its hours (exact)."""
    what = f"{em.measure} period {em.period}"
    mp = next((m for m in rep.measures if m.measure == em.measure and m.period == em.period), None)
    if mp is None:
        found = ", ".join(f"{m.measure} {m.period}" for m in rep.measures) or "none"
        return [Mismatch(loc, what, "a measure", f"none (measures: {found})")]
    out = []
    if em.value is not None:
        exp = em.value.as_tuple().exponent
        places = Decimal(1).scaleb(exp if isinstance(exp, int) else 0)
        got = None if mp.value is None else (mp.value * 100).quantize(places, "ROUND_FLOOR")
        if got != em.value:
            out.append(
                Mismatch(loc, f"{what} value", f"{em.value} %", f"{got} % ({mp.arithmetic()})")
            )
    for name, want, have in (
        ("down_hours", em.down_hours, mp.down),
        ("excluded_hours", em.excluded_hours, mp.excluded),
        ("scheduled_hours", em.scheduled_hours, mp.scheduled),
    ):
        if want is not None and Decimal(seconds(have)) != want * 3600:
            got_h = Decimal(seconds(have)) / 3600
            out.append(Mismatch(loc, f"{what} {name}", f"{want}", f"{got_h:f}"))
    return out


def _instance_mismatches(rep: Report, exp: Expectation, loc: Location) -> list[Mismatch]:
    """What differs between one expected instance and the report's (its status, due and
    fulfilment), or that the report has no such instance."""
    label = f"{exp.rule}[{exp.key if exp.key is not None else '-'}]" + (
        f"#{exp.nth}" if exp.nth > 1 else ""
    )
    try:
        ob = rep.find(exp.rule, exp.key, exp.nth)
    except KeyError:
        found = sorted({f"{o.rule}[{o.key}]" for o in rep.obligations})
        return [Mismatch(loc, label, "an instance", "none (instances: " + ", ".join(found) + ")")]
    out = []
    if ob.status != exp.status:
        why = f" ({ob.reason})" if ob.reason else ""
        out.append(Mismatch(loc, f"{label} status", exp.status, ob.status + why))
    if exp.due is not None and not _same_instant(exp.due, ob.due):
        want = exp.due if isinstance(exp.due, str) else iso(exp.due)
        out.append(Mismatch(loc, f"{label} due", str(want), str(iso(ob.due))))
    if exp.fulfilled_at is not None and not _same_instant(exp.fulfilled_at, ob.fulfilled_at):
        want = exp.fulfilled_at if isinstance(exp.fulfilled_at, str) else iso(exp.fulfilled_at)
        out.append(Mismatch(loc, f"{label} fulfilled_at", str(want), str(iso(ob.fulfilled_at))))
    return out


def _remedy_mismatches(rep: Report, er: ExpectedRemedy, loc: Location) -> list[Mismatch]:
    """What differs between one expected remedy line (payable, compensable) and the report's;
    a line the report does not have counts as zero."""
    line = next(
        (ln for ln in rep.liability if ln.remedy == er.remedy and ln.period == er.period), None
    )
    out = []
    payable = line.payable if line else Decimal("0.00")
    if payable != er.payable:
        what = f"{er.remedy} period {er.period} payable"
        out.append(Mismatch(loc, what, money(er.payable), money(payable)))
    if er.compensable is not None:
        comp = line.compensable if line else Decimal("0.00")
        if comp != er.compensable:
            what = f"{er.remedy} period {er.period} compensable"
            out.append(Mismatch(loc, what, money(er.compensable), money(comp)))
    for item in er.items:
        what = f"{er.remedy} period {er.period} item {item.key or '-'}"
        found = [
            i
            for i in (line.items if line else ())
            if i.key == item.key and (item.rule is None or i.rule == item.rule)
        ]
        if not found:
            out.append(Mismatch(loc, what, f"{item.amount:f}", "no such item"))
            continue
        # exact: an amount is compared as computed, before any display rounding
        if found[0].amount != item.amount:
            out.append(Mismatch(loc, f"{what} amount", f"{item.amount:f}", f"{found[0].amount:f}"))
        if item.compensable is not None and found[0].compensable != item.compensable:
            out.append(
                Mismatch(
                    loc,
                    f"{what} compensable",
                    str(item.compensable).lower(),
                    f"{str(found[0].compensable).lower()} ({found[0].reason})",
                )
            )
    return out


def _event_mismatches(
    rep: Report, sc: Scenario, ee: ExpectedEvent, loc: Location
) -> list[Mismatch]:
    """What differs between what became of one event (used, ignored, rejected, and why) and what
    the scenario expects of it."""
    entries = [*rep.accounting.ignored, *rep.accounting.rejected]
    entry = next((e for e in entries if e.id == ee.id), None)
    if entry is None:
        known = any(str(e.get("id")) == ee.id for e in sc.events)
        found = "used" if known else "no event with this id"
        disposition, reason = found, ""
    else:
        disposition, reason = entry.disposition, entry.reason
    out = []
    if disposition != ee.disposition:
        why = f" ({reason})" if reason else ""
        out.append(Mismatch(loc, f"event {ee.id}", ee.disposition, disposition + why))
    elif ee.reason is not None and ee.reason not in reason:
        out.append(Mismatch(loc, f"event {ee.id} reason", f"…{ee.reason}…", reason))
    return out


def _count_mismatches(rep: Report, expected: Mapping[Status, int], loc: Location) -> list[Mismatch]:
    """The statuses whose count of instances differs from the expected one."""
    counts = rep.counts()
    return [
        Mismatch(loc, f"count of {status}", str(n), str(counts.get(status, 0)))
        for status, n in expected.items()
        if counts.get(status, 0) != n
    ]


def run_scenarios(ruleset: Ruleset, only: str | None = None) -> list[ScenarioResult]:
    """Run every scenario of ``ruleset`` (or those whose name contains ``only``)."""
    compiled = compile_ruleset(ruleset)
    doc = ruleset.source if isinstance(ruleset.source, LoadedDocument) else None
    source = doc.source if doc is not None else "<ruleset>"
    return [
        run_scenario(compiled, sc, i, doc, source)
        for i, sc in enumerate(ruleset.scenarios)
        if only is None or only in sc.name
    ]
