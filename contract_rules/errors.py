"""The exceptions of contract_rules. Every one derives from :class:`ContractRulesError`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .findings import Finding


class ContractRulesError(Exception):
    """Base class of every error this package raises on purpose."""


class RuleFileError(ContractRulesError):
    """A rule file could not be loaded; ``findings`` lists every problem found, located."""

    def __init__(self, findings: Sequence[Finding], source: str = "<string>") -> None:
        self.findings: tuple[Finding, ...] = tuple(sorted(findings))
        self.source = source
        errors = [f for f in self.findings if f.severity.value == "error"]
        head = "\n".join(str(f) for f in errors[:10])
        more = f"\n... and {len(errors) - 10} more" if len(errors) > 10 else ""
        super().__init__(f"{source}: {len(errors)} error(s) in rule file\n{head}{more}")


class EventError(ContractRulesError):
    """An event is invalid. ``where`` names it: ``event #3`` or ``events.jsonl:14``."""

    def __init__(self, where: str, message: str, *, event_id: str | None = None) -> None:
        self.where = where
        self.reason = message
        self.event_id = event_id
        super().__init__(f"{where}: {message}")


class CalendarError(ContractRulesError):
    """A calendar was built or used wrongly (bad layer name, bad working-hour window, ...)."""


class CalendarCoverageError(CalendarError):
    """A question was asked about a date outside the data of a calendar layer."""

    def __init__(self, day: date, layer: str, covered: str) -> None:
        self.day = day
        self.year = day.year
        self.layer = layer
        super().__init__(
            f"{day.isoformat()} is outside the data of calendar layer {layer!r} "
            f"(year {day.year} not covered; covered: {covered}). "
            "Add the announced schedule, or opt into a named fallback."
        )


class MappingError(ContractRulesError):
    """An import mapping (CSV/DataFrame column mapping) is invalid; carries findings."""

    def __init__(self, findings: Sequence[Finding], source: str = "<string>") -> None:
        self.findings = tuple(sorted(findings))
        self.source = source
        super().__init__(
            f"{source}: {len(self.findings)} problem(s) in mapping\n"
            + "\n".join(str(f) for f in self.findings[:10])
        )
