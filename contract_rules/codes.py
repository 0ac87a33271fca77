"""The stable finding codes of contract_rules.

Each code has a readable name and a one-line summary. Codes never change meaning; retired codes
are not reused. ``docs/findings.md`` documents each with a failing and a passing example, and a
test keeps that page and this table in step.

- ``CR0xx``: reading the file (YAML syntax, encoding, limits, YAML 1.1 surprises).
- ``CR1xx``: the shape of the document (unknown or missing keys, wrong types and values).
- ``CR2xx``: references between parts of the document (event types, fields, parties, ...).
- ``CR3xx``: meaning (tiers, deadlines, coverage of the term and of the agreement, scenarios).
- ``CR4xx``: expressions (syntax, names, types, limits, tier tables).
- ``CR5xx``: measures (the spans they count, the remedies that read them, their periods).
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import Finding, Location, Severity


@dataclass(frozen=True)
class Code:
    """A finding code: ``CR101`` with name ``unknown-key`` and its default severity."""

    code: str
    name: str
    summary: str
    severity: Severity = Severity.ERROR

    def at(self, location: Location, message: str, severity: Severity | None = None) -> Finding:
        """A finding of this code at ``location``."""
        return Finding(location, self.code, self.name, message, severity or self.severity)


_W = Severity.WARNING

CODES: dict[str, Code] = {
    c.code: c
    for c in (
        # reading
        Code("CR001", "yaml-syntax", "The file is not well-formed YAML."),
        Code("CR002", "duplicate-key", "A mapping names the same key twice."),
        Code(
            "CR003",
            "ambiguous-boolean",
            "yes/no/on/off/y/n: a boolean in YAML 1.1, a string in 1.2.",
            _W,
        ),
        Code("CR004", "sexagesimal-number", "1:30 is a base-60 number in YAML 1.1; quote it.", _W),
        Code("CR005", "unknown-tag", "A tag such as !!python/object; rule files are data only."),
        Code("CR006", "alias-limit", "Anchors/aliases expand beyond the configured limit."),
        Code("CR007", "too-deep", "Nesting deeper than the configured limit."),
        Code("CR008", "too-large", "The file or a scalar is larger than the configured limit."),
        Code(
            "CR009", "encoding", "The file is not valid UTF-8 text (or contains NUL/control bytes)."
        ),
        Code("CR010", "empty-file", "The file holds no document."),
        Code("CR011", "non-string-key", "A mapping key is not a string."),
        Code("CR012", "bad-number", "A number that cannot be represented exactly (.inf, .nan)."),
        Code("CR013", "multiple-documents", "A rule file holds exactly one YAML document."),
        # shape
        Code("CR101", "unknown-key", "A key the format does not know (did you mean ...?)."),
        Code("CR102", "missing-key", "A required key is missing."),
        Code("CR103", "wrong-type", "A value has the wrong type."),
        Code("CR104", "invalid-value", "A value is of the right type but not allowed."),
        Code("CR105", "float-money", "Money written as a float; write it as a quoted decimal."),
        # references
        Code("CR201", "unknown-event-type", "An event type that the vocabulary does not declare."),
        Code("CR202", "unknown-field", "A field that the event type does not declare."),
        Code("CR203", "unknown-party", "A party id that the contract does not declare."),
        Code("CR204", "unknown-calendar-layer", "A calendar layer the package does not ship."),
        Code("CR205", "unknown-norm", "A norm id that the ruleset does not declare."),
        Code("CR206", "unknown-fee", "A fee name that the contract does not declare."),
        Code("CR207", "duplicate-id", "Two norms, remedies or spans share an id."),
        Code("CR208", "unknown-span", "A span name that the ruleset does not declare."),
        Code(
            "CR209",
            "field-type-mismatch",
            "A condition compares a field with a value of another type.",
        ),
        Code("CR210", "unknown-clause", "A cited clause is not listed in contract.clauses.", _W),
        # meaning
        Code("CR301", "tier-overlap", "Two tiers of a norm claim the same class of instants."),
        Code("CR302", "tier-gap", "Some instants fall in no tier of a norm."),
        Code("CR303", "never-triggers", "A norm's trigger can never match."),
        Code(
            "CR304",
            "ambiguous-deadline-unit",
            "The deadline unit disagrees with the clause text.",
            _W,
        ),
        Code(
            "CR305",
            "currency-mismatch",
            "Amounts added up or compared are in different currencies (fees always have one).",
        ),
        Code("CR306", "calendar-coverage", "The calendar's data does not cover the term."),
        Code(
            "CR307", "scenario-unknown-norm", "A scenario expects an instance of an unknown norm."
        ),
        Code(
            "CR308", "clause-not-accounted", "A declared clause is neither encoded nor listed.", _W
        ),
        Code("CR309", "pause-unit", "A clock pause on a deadline counted in days or months."),
        Code("CR310", "scenario-invalid-event", "A scenario event does not fit the vocabulary."),
        Code("CR311", "term-order", "The term ends before it starts."),
        Code("CR312", "clause-twice", "A clause is both encoded and listed as not computable.", _W),
        Code(
            "CR313",
            "naive-instant",
            "A scenario instant (as_of, due, fulfilled_at) has no UTC offset.",
        ),
        Code(
            "CR314",
            "unclaimable-norm",
            "A remedy lists a norm whose breaches can never be tied to it.",
        ),
        Code(
            "CR315",
            "arising-cycle",
            "Duties that arise from other duties' changes (trigger.on) form a cycle.",
        ),
        # expressions
        Code("CR401", "expression-syntax", "An expression is not well-formed."),
        Code(
            "CR402",
            "unknown-name",
            "An expression names a field, parameter, fact or function that does not exist.",
        ),
        Code(
            "CR403",
            "expression-type",
            "An expression combines values whose types do not fit (money + date, a condition "
            "that is not true or false).",
        ),
        Code(
            "CR404",
            "expression-limit",
            "An expression exceeds a limit (length, nesting, size of a number).",
        ),
        Code("CR405", "tier-order", "A tier table's rows are out of order: a row never applies."),
        # measures
        Code("CR501", "measure-unknown-span", "A measure counts a span that is not declared."),
        Code(
            "CR502",
            "measure-remedy",
            "A remedy that lists a measure cannot compute from it (norms beside it, a fixed "
            "per-breach amount, a liability).",
        ),
        Code(
            "CR503",
            "measure-period",
            "A remedy groups by another period than the measure it reads is measured over.",
        ),
        Code("CR504", "measure-id", "A measure's id is already a norm's, remedy's or measure's."),
    )
}

#: The codes of contract expressions (a part of :data:`CODES`).
EXPRESSION_CODES: dict[str, Code] = {k: c for k, c in CODES.items() if k.startswith("CR4")}


def code(key: str) -> Code:
    """The :class:`Code` for ``CR101`` (raises KeyError for an unknown code)."""
    return CODES[key]
