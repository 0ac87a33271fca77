"""Findings: problems in a rule file as sortable values, never as exceptions.

A :class:`Finding` carries a stable code (``CR101``), a readable name (``unknown-key``), a
severity, a message and a :class:`Location` (file, line, column and the path of keys inside the
document). Every layer that reads a rule file reports through these records, and every output
format of ``contract-rules check`` is built from one list of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: A path inside a YAML document: mapping keys and sequence indexes, outermost first.
DocPath = tuple[str | int, ...]


class Severity(StrEnum):
    """How serious a finding is. ``error`` always fails a check; ``warning`` fails with --strict."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding points: 1-based line and column in ``file``, and the document path."""

    file: str = "<string>"
    line: int = 0
    column: int = 0
    path: DocPath = field(default=(), compare=False)

    def dotted_path(self) -> str:
        """The document path as ``norms[3].deadline.hours`` (empty at the document root)."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += f".{part}" if out else str(part)
        return out

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in a rule file. Ordered by location, then code."""

    location: Location
    code: str
    name: str = field(compare=False)
    message: str = field(compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.location.dotted_path(),
            "severity": self.severity.value,
            "code": self.code,
            "name": self.name,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.location}: [{self.severity}] {self.code} {self.message} ({self.name})"
