"""``contract-rules test``: run the scenario tests kept in rule files; its output styles
(:data:`TEST_FORMATS`) are built from one list of :class:`ScenarioFileReport` records."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..findings import Finding
from .check import FileReport, collect_files
from .common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    _default_format,
    _err,
    _gh_data,
    _gh_property,
    _marks,
    _out,
    _plural,
)

if TYPE_CHECKING:
    from ..scenarios import ScenarioResult


@dataclass
class ScenarioFileReport:
    """What running the scenarios of one rule file gave: a result per scenario, or why none ran
    (the file is missing, unreadable, has rule-file errors, or its ruleset does not compile)."""

    file: str
    results: list[ScenarioResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # the errors that stopped the file
    problem: str | None = None  # set when the path could not be read at all
    missing: bool = False
    error: str | None = None  # set when the ruleset could not be compiled

    @property
    def passed(self) -> int:
        """How many scenarios passed."""
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        """How many scenarios failed (a mismatch or an error)."""
        return sum(not r.passed for r in self.results)

    @property
    def status(self) -> str:
        """``missing``, ``unreadable``, ``invalid`` (rule-file errors or a ruleset that does not
        compile), ``failed``, ``passed`` or ``empty`` (no scenario, or none selected)."""
        if self.missing:
            return "missing"
        if self.problem is not None:
            return "unreadable"
        if self.findings or self.error is not None:
            return "invalid"
        if self.failed:
            return "failed"
        return "passed" if self.results else "empty"

    @property
    def fails(self) -> bool:
        """Whether this file fails the run."""
        return self.status in ("missing", "unreadable", "invalid", "failed")


@dataclass
class ScenarioRun:
    """The reports of one ``test`` run, in the order the files were given."""

    reports: list[ScenarioFileReport]

    @property
    def exit_code(self) -> int:
        """2 when a path could not be read, else 1 when a file fails, else 0."""
        if any(r.problem is not None for r in self.reports):
            return EXIT_ERROR
        if any(r.fails for r in self.reports):
            return EXIT_FINDINGS
        return EXIT_OK

    def summary(self) -> dict[str, int]:
        """Counts of files, scenarios, passed, failed and invalid files, and the exit code."""
        return {
            "files": len(self.reports),
            "scenarios": sum(len(r.results) for r in self.reports),
            "passed": sum(r.passed for r in self.reports),
            "failed": sum(r.failed for r in self.reports),
            "invalid": sum(r.status == "invalid" for r in self.reports),
            "exit_code": self.exit_code,
        }


def run_tests(paths: Sequence[str], *, only: str | None = None) -> ScenarioRun:
    """Run the scenarios of every rule file under ``paths`` (directories expanded as by
    ``check``); ``only`` keeps the scenarios whose name contains it. One bad file never stops
    the others: its problem is recorded in its report."""
    from ..errors import ContractRulesError
    from ..rulefile import read_rule_file
    from ..scenarios import run_scenarios

    reports: list[ScenarioFileReport] = []
    for item in collect_files(paths):
        if isinstance(item, FileReport):
            reports.append(ScenarioFileReport(item.file, problem=item.problem, missing=True))
            continue
        rep = ScenarioFileReport(str(item))
        reports.append(rep)
        try:
            result = read_rule_file(item)
        except OSError as exc:
            rep.problem = exc.strerror or str(exc)
            continue
        if result.ruleset is None or not result.ok:
            rep.findings = sorted(result.errors)
            continue
        try:
            rep.results = run_scenarios(result.ruleset, only)
        except ContractRulesError as exc:
            rep.error = str(exc)
    return ScenarioRun(reports)


def format_test_text(run: ScenarioRun) -> str:
    """Per file a header, then ``✓ name`` or ``✗ name  (file:line:col)`` per scenario, each
    failure followed by ``file:line:col  what: expected X, got Y`` lines; a summary line."""
    ok, bad = _marks()
    lines: list[str] = []
    for r in run.reports:
        if r.problem is not None:
            continue  # reported on stderr
        lines.append(r.file)
        if r.findings:
            lines.append(
                f"  {bad} rule file has {_plural(len(r.findings), 'error')}; no scenario ran"
            )
            lines += [f"      {f}" for f in r.findings]
        elif r.error is not None:
            lines.append(f"  {bad} the ruleset does not compile: {r.error}")
        elif not r.results:
            lines.append("  (no scenarios)")
        for res in r.results:
            if res.passed:
                lines.append(f"  {ok} {res.name}")
                continue
            lines.append(f"  {bad} {res.name}  ({res.location})")
            if res.error is not None:
                lines.append(f"      {res.location}  error: {res.error}")
            lines += [f"      {m.location}  {m}" for m in res.mismatches]
        lines.append("")
    s = run.summary()
    checked = [r for r in run.reports if r.problem is None]
    summary = f"{s['passed']} passed, {s['failed']} failed in {_plural(len(checked), 'file')}"
    if s["invalid"]:
        summary += f"; {s['invalid']} with rule-file errors"
    if len(checked) < len(run.reports):
        summary += f"; {len(run.reports) - len(checked)} not readable"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _failures(run: ScenarioRun) -> list[tuple[str, int, int, str]]:
    """Every failure as ``(file, line, column, message)``, file by file, in scenario order."""
    out: list[tuple[str, int, int, str]] = []
    for r in run.reports:
        for res in r.results:
            where = f"scenario {res.name!r}"
            loc = res.location
            if res.error is not None:
                out.append((loc.file, loc.line, loc.column, f"{where}: {res.error}"))
            for m in res.mismatches:
                ml = m.location
                out.append((ml.file, ml.line, ml.column, f"{where}: {m}"))
    return out


def format_test_parsable(run: ScenarioRun) -> str:
    """One line per failure, nothing else: ``file:line:col: [error] scenario 'name': what:
    expected X, got Y``; a rule file's errors as ``check --format parsable`` prints them."""
    lines: list[str] = []
    for r in run.reports:
        lines += [str(f) for f in r.findings]
        if r.error is not None:
            lines.append(f"{r.file}: [error] {r.error}")
    lines += [f"{f}:{ln}:{col}: [error] {msg}" for f, ln, col, msg in _failures(run)]
    return "".join(f"{line}\n" for line in lines)


def format_test_json(run: ScenarioRun) -> str:
    """A JSON object: ``files`` (status, counts, each scenario with its location and
    mismatches, the findings of an invalid file) and ``summary``; keys sorted, stable."""

    def scenario(res: ScenarioResult) -> dict[str, Any]:
        return {
            "name": res.name,
            "file": res.location.file,
            "line": res.location.line,
            "column": res.location.column,
            "passed": res.passed,
            "error": res.error,
            "mismatches": [
                {
                    "file": m.location.file,
                    "line": m.location.line,
                    "column": m.location.column,
                    "what": m.what,
                    "expected": m.expected,
                    "actual": m.actual,
                }
                for m in res.mismatches
            ],
        }

    doc = {
        "files": [
            {
                "file": r.file,
                "status": r.status,
                "passed": r.passed,
                "failed": r.failed,
                "scenarios": [scenario(res) for res in r.results],
                "findings": [f.to_dict() for f in r.findings],
                **({"problem": r.problem} if r.problem is not None else {}),
                **({"error": r.error} if r.error is not None else {}),
            }
            for r in run.reports
        ],
        "summary": run.summary(),
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_test_github(run: ScenarioRun) -> str:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=scenario failed::
    scenario 'name': what: expected X, got Y``; a rule file's errors as ``check`` gives them."""
    out: list[str] = []
    for r in run.reports:
        for f in r.findings:
            props = (
                f"file={_gh_property(f.location.file)},line={f.location.line},"
                f"col={f.location.column},title={_gh_property(f'{f.code} {f.name}')}"
            )
            out.append(f"::error {props}::{_gh_data(f.message)}\n")
        if r.error is not None:
            out.append(f"::error file={_gh_property(r.file)}::{_gh_data(r.error)}\n")
        if r.problem is not None:
            out.append(f"::error file={_gh_property(r.file)}::{_gh_data(r.problem)}\n")
    for file, line, col, msg in _failures(run):
        props = f"file={_gh_property(file)},line={line},col={col},title=scenario failed"
        out.append(f"::error {props}::{_gh_data(msg)}\n")
    return "".join(out)


#: ``test --format`` name → formatter; also the choices of the option.
TEST_FORMATS: dict[str, Callable[[ScenarioRun], str]] = {
    "text": format_test_text,
    "parsable": format_test_parsable,
    "json": format_test_json,
    "github": format_test_github,
}


def _configure_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="FILE|DIR", help="rule files or directories")
    p.add_argument(
        "--format",
        choices=sorted(TEST_FORMATS),
        default=None,
        help="output style (default: text; github inside GitHub Actions)",
    )
    p.add_argument(
        "-k", "--only", metavar="TEXT", help="run only the scenarios whose name contains TEXT"
    )


def _run_test(args: argparse.Namespace) -> int:
    run = run_tests(args.paths, only=args.only)
    fmt = args.format or _default_format()
    _out().write(TEST_FORMATS[fmt](run))
    for r in run.reports:
        if r.problem is not None:
            _err(f"{r.file}: {r.problem}")
    return run.exit_code
