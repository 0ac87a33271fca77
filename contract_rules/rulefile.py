"""Rule files: YAML text → located findings and, when clean of errors, a :class:`Ruleset`.

This is the one place where the loader, the models and the semantic checks meet:

- :func:`read_rule_file` / :func:`read_rule_text` never raise for bad content; they return a
  :class:`RuleFileResult` with every finding of the file (syntax, shape, references, meaning).
- :func:`load_ruleset` is the library entry point: a path or YAML text in, a :class:`Ruleset`
  out, or :class:`~contract_rules.errors.RuleFileError` carrying every error finding.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .codes import code
from .errors import RuleFileError
from .findings import Finding, Severity
from .loader import DEFAULT_LIMITS, LoadedDocument, LoaderLimits, load_yaml, load_yaml_file
from .model import Ruleset
from .validation import pydantic_findings


@dataclass
class RuleFileResult:
    """What reading one rule file gave: the document, the ruleset (if valid), every finding."""

    source: str
    document: LoadedDocument | None
    ruleset: Ruleset | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """True when the file has no error (warnings allowed)."""
        return not self.errors


def read_rule_text(
    text: str | bytes, source: str = "<string>", *, limits: LoaderLimits = DEFAULT_LIMITS
) -> RuleFileResult:
    """Read a rule file's text. Never raises for bad content: problems become findings."""
    return _validate(load_yaml(text, source, limits=limits))


def read_rule_file(
    path: str | os.PathLike[str], *, limits: LoaderLimits = DEFAULT_LIMITS
) -> RuleFileResult:
    """Read a rule file from disk. Raises OSError only when the file cannot be read at all."""
    return _validate(load_yaml_file(path, limits=limits))


def load_ruleset(
    source: str | os.PathLike[str], *, limits: LoaderLimits = DEFAULT_LIMITS
) -> Ruleset:
    """Load a ruleset from a path, or from YAML text (a string holding a newline or ``format:``).

    Raises :class:`RuleFileError` (with ``.findings``) when the file has any error; warnings do
    not stop loading. Raises OSError when a path cannot be read.
    """
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("format:")):
        result = read_rule_text(source, limits=limits)
    else:
        result = read_rule_file(source, limits=limits)
    if result.ruleset is None or not result.ok:
        raise RuleFileError(result.findings, result.source)
    return result.ruleset


def _validate(doc: LoadedDocument) -> RuleFileResult:
    findings = list(doc.findings)
    result = RuleFileResult(doc.source, doc, None, findings)
    if not doc.ok:  # a fatal problem (data is None) or another error of the loader
        result.findings.sort()
        return result
    if not isinstance(doc.data, dict):
        # also an explicit null document (``~``, ``null``): the loader keeps it as data None
        # without a finding, so the file must not pass as "no error, no ruleset"
        findings.append(
            code("CR103").at(
                doc.locate(()),
                f"a rule file is a mapping (format:, contract:, ...), not {_kind(doc.data)}",
            )
        )
        result.findings.sort()
        return result
    try:
        ruleset = Ruleset.model_validate(doc.data)
    except ValidationError as exc:
        findings.extend(pydantic_findings(exc, doc, Ruleset))
        result.findings.sort()
        return result
    ruleset._source = doc
    findings.extend(_read_closures(ruleset, doc))
    from .checks import run_checks  # the checks need the model only; imported on use

    findings.extend(run_checks(ruleset, doc))
    result.findings.sort()
    if not any(f.severity is Severity.ERROR for f in findings):
        result.ruleset = ruleset
    else:
        result.ruleset = None
    return result


def _read_closures(ruleset: Ruleset, doc: LoadedDocument) -> list[Finding]:
    """Read the ``calendar.ics`` closure files (relative to the rule file, or to the working
    directory for text) into the ruleset; each file that cannot be read or parsed is a CR204
    finding at its entry."""
    spec = ruleset.calendar
    if not spec.ics:
        return []
    from .calendar.closures import parse_closures
    from .errors import CalendarError

    base = Path(doc.source).parent if not doc.source.startswith("<") else Path.cwd()
    listed = isinstance(doc.data, dict) and isinstance(doc.data["calendar"].get("ics"), list)
    findings: list[Finding] = []
    days: set[Any] = set()
    for j, name in enumerate(spec.ics):
        where = doc.locate(("calendar", "ics", j) if listed else ("calendar", "ics"))
        try:
            found = parse_closures((base / name).read_bytes(), name)
        except OSError as exc:
            why = exc.strerror or str(exc)
            findings.append(code("CR204").at(where, f"calendar.ics: cannot read {name}: {why}"))
            continue
        except CalendarError as exc:
            findings.append(code("CR204").at(where, f"calendar.ics: {exc}"))
            continue
        clash = sorted(set(found) & set(spec.working_days))
        if clash:
            findings.append(
                code("CR204").at(
                    where,
                    f"calendar.ics: {name} closes {', '.join(map(str, clash[:5]))}, which "
                    "calendar.working_days declares working days",
                )
            )
        days.update(found)
    if not findings:
        spec._closures = tuple(sorted(days))
    return findings


def _kind(value: Any) -> str:
    """What a YAML value is, in words (for a document that is not a mapping)."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "a number"


#: Files with this ending are import mappings (a different format), not rule files.
MAPPING_SUFFIX = ".mapping.yaml"


def rule_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and directories into a file list, in the order given.

    A directory contributes its ``*.yaml``/``*.yml`` files, recursively and sorted, except
    import mappings (``*.mapping.yaml``); a file named explicitly is always kept.
    Raises FileNotFoundError for a path that does not exist.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.rglob("*")
                    if q.suffix in {".yaml", ".yml"}
                    and q.is_file()
                    and not q.name.endswith(MAPPING_SUFFIX)
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out
