"""The ``contract-rules`` command line: the only module that prints or exits.

``main(argv)`` parses the arguments, runs one subcommand and returns its exit code; it never
raises SystemExit (argparse's own exits are caught and their codes returned), so tests call it
directly. ``main_entry()`` is the console script: ``sys.exit(main())``.

Subcommands are rows of :data:`COMMANDS` (a name, a help line, a function adding the options,
a function running it). Output styles of ``check`` are rows of :data:`CHECK_FORMATS`, those of
``test`` rows of :data:`TEST_FORMATS`; each style is built from one list of records
(:class:`FileReport`, :class:`ScenarioFileReport`). ``eval``, ``explain`` and ``upcoming``
render through :mod:`contract_rules.render` and import the engine only when they run, so that
``check`` stays light.

Exit codes: :data:`EXIT_OK` (0) clean, :data:`EXIT_FINDINGS` (1) findings that fail the run
(rule-file errors, an invalid event, failing scenarios, breaches with ``--fail-on-breach``, an
unknown rule or key for ``explain``), :data:`EXIT_ERROR` (2) usage or I/O error (a bad option
value, a path that does not exist or cannot be read). A run that fails raises
:class:`CliError` inside; :func:`main` prints its located message on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__
from .findings import Finding, Severity
from .suggestions import did_you_mean

if TYPE_CHECKING:
    from .loader import LoaderLimits

if TYPE_CHECKING:
    from .engine import CompiledRuleset
    from .model import Norm, Ruleset
    from .render import DecidingEvent, DueSoon
    from .report import Obligation, Report
    from .scenarios import ScenarioResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PROG = "contract-rules"

EXIT_CODES_HELP = "exit codes: 0 ok, 1 findings or failures, 2 usage or I/O error"


# ------------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    """A subcommand: ``configure`` adds its options, ``run`` does the work and returns the code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _out() -> TextIO:
    return sys.stdout


def _err(message: str) -> None:
    """One diagnostic line on stderr, prefixed with the program name."""
    print(f"{PROG}: {message}", file=sys.stderr)


class CliError(Exception):
    """A run that cannot go on: ``message`` (located: ``file:line: …``) and ``details`` (such
    as a rule file's findings, one per line) go to stderr, and :func:`main` returns ``code``."""

    def __init__(self, code: int, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


# ------------------------------------------------------------------------------- check


@dataclass
class FileReport:
    """What checking one path gave: its findings, or why it could not be read."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # set when the path could not be read at all
    missing: bool = False

    @property
    def errors(self) -> int:
        """How many findings of severity error."""
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        """How many findings of severity warning."""
        return sum(f.severity is Severity.WARNING for f in self.findings)

    @property
    def status(self) -> str:
        """``missing``, ``unreadable``, ``errors``, ``warnings`` or ``ok``."""
        if self.missing:
            return "missing"
        if self.problem is not None:
            return "unreadable"
        if self.errors:
            return "errors"
        return "warnings" if self.warnings else "ok"

    def fails(self, strict: bool) -> bool:
        """Whether this file fails the run (warnings fail only with ``strict``)."""
        return self.problem is not None or bool(self.errors) or (strict and bool(self.warnings))


@dataclass
class CheckRun:
    """The reports of one ``check`` run, in the order the files were checked."""

    reports: list[FileReport]
    strict: bool

    @property
    def findings(self) -> list[Finding]:
        """Every finding, file by file, each file's sorted by location and code."""
        return [f for r in self.reports for f in sorted(r.findings)]

    @property
    def exit_code(self) -> int:
        """2 when a path could not be read, else 1 when a file fails, else 0."""
        if any(r.problem is not None for r in self.reports):
            return EXIT_ERROR
        if any(r.fails(self.strict) for r in self.reports):
            return EXIT_FINDINGS
        return EXIT_OK


def collect_files(paths: Sequence[str]) -> list[FileReport | Path]:
    """The files to check: directories expanded (``rulefile.rule_files``), duplicates dropped.

    A path that does not exist becomes a missing :class:`FileReport` in its place.
    """
    from .rulefile import rule_files

    out: list[FileReport | Path] = []
    seen: set[Path] = set()
    for p in paths:
        try:
            files = rule_files([p])
        except FileNotFoundError:
            out.append(FileReport(p, problem="no such file or directory", missing=True))
            continue
        for f in files:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def check_paths(
    paths: Sequence[str], *, strict: bool = False, limits: LoaderLimits | None = None
) -> CheckRun:
    """Check every rule file under ``paths``; one bad or unreadable file never stops the rest.

    ``limits`` bounds what the YAML reader accepts (size, depth, aliases, scalars, nodes).
    """
    from .loader import DEFAULT_LIMITS
    from .rulefile import read_rule_file

    limits = limits or DEFAULT_LIMITS

    reports: list[FileReport] = []
    for item in collect_files(paths):
        if isinstance(item, FileReport):
            reports.append(item)
            continue
        try:
            if item.name.endswith(".mapping.yaml"):  # an import mapping, not a rule file
                from .mapping import read_mapping

                findings = read_mapping(item)[1]
            else:
                findings = read_rule_file(item, limits=limits).findings
        except OSError as exc:
            reports.append(FileReport(str(item), problem=exc.strerror or str(exc)))
            continue
        reports.append(FileReport(str(item), sorted(findings)))
    return CheckRun(reports, strict)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + ('es' if word.endswith('ch') else 's')}"


def format_text(run: CheckRun) -> str:
    """Per file with findings a header, then ``  line:col  severity  CODE  message  (name)``;
    a summary line at the end."""
    lines: list[str] = []
    for r in run.reports:
        if not r.findings:
            continue
        lines.append(r.file)
        for f in sorted(r.findings):
            where = f"{f.location.line}:{f.location.column}"
            lines.append(f"  {where:<8}  {f.severity.value:<7}  {f.code}  {f.message}  ({f.name})")
        lines.append("")
    errors = sum(r.errors for r in run.reports)
    warnings = sum(r.warnings for r in run.reports)
    checked = [r for r in run.reports if r.problem is None]
    unreadable = len(run.reports) - len(checked)
    with_findings = sum(1 for r in checked if r.findings)
    if errors or warnings:
        summary = (
            f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
            f"in {with_findings} of {_plural(len(checked), 'file')}"
        )
    else:
        summary = f"{_plural(len(checked), 'file')} checked: no problems"
    if unreadable:
        summary += f"; {unreadable} not readable"
    if warnings and not run.strict and not errors:
        summary += " (warnings fail only with --strict)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def format_parsable(run: CheckRun) -> str:
    """One line per finding: ``file:line:col: [severity] CODE message (name)``; nothing else."""
    return "".join(f"{f}\n" for f in run.findings)


def format_json(run: CheckRun) -> str:
    """A JSON object: ``files`` (status and counts per file), ``findings`` (``Finding.to_dict``,
    file by file in location order) and ``summary``; keys sorted, stable across runs."""
    doc: dict[str, Any] = {
        "files": [
            {
                "file": r.file,
                "status": r.status,
                "errors": r.errors,
                "warnings": r.warnings,
                "passed": not r.fails(run.strict),
                **({"problem": r.problem} if r.problem is not None else {}),
            }
            for r in run.reports
        ],
        "findings": [f.to_dict() for f in run.findings],
        "summary": {
            "files": len(run.reports),
            "errors": sum(r.errors for r in run.reports),
            "warnings": sum(r.warnings for r in run.reports),
            "strict": run.strict,
            "exit_code": run.exit_code,
        },
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(run: CheckRun) -> str:
    """GitHub Actions workflow commands:
    ``::error file=F,line=L,col=C,title=CR101 unknown-key::message``."""
    out = []
    for f in run.findings:
        level = "error" if f.severity is Severity.ERROR else "warning"
        props = ",".join(
            (
                f"file={_gh_property(f.location.file)}",
                f"line={f.location.line}",
                f"col={f.location.column}",
                f"title={_gh_property(f'{f.code} {f.name}')}",
            )
        )
        out.append(f"::{level} {props}::{_gh_data(f.message)}\n")
    for r in run.reports:
        if r.problem is not None:
            out.append(f"::error file={_gh_property(r.file)}::{_gh_data(r.problem)}\n")
    return "".join(out)


#: ``--format`` name → formatter; also the choices of the option.
CHECK_FORMATS: dict[str, Callable[[CheckRun], str]] = {
    "text": format_text,
    "parsable": format_parsable,
    "json": format_json,
    "github": format_github,
}


def _default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _configure_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="FILE|DIR", help="rule files or directories")
    p.add_argument(
        "--format",
        choices=sorted(CHECK_FORMATS),
        default=None,
        help="output style (default: text; github inside GitHub Actions)",
    )
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    limits = p.add_argument_group("reader limits (docs/loader-limits.md)")
    for name, default, what in (
        ("max-bytes", DEFAULT_LIMIT_VALUES["max_bytes"], "file size in bytes"),
        ("max-depth", DEFAULT_LIMIT_VALUES["max_depth"], "nesting depth"),
        ("max-aliases", DEFAULT_LIMIT_VALUES["max_alias_expansions"], "alias nodes; 0: none"),
        ("max-scalar", DEFAULT_LIMIT_VALUES["max_scalar_chars"], "characters in one scalar"),
        ("max-nodes", DEFAULT_LIMIT_VALUES["max_nodes"], "nodes in the document"),
    ):
        limits.add_argument(
            f"--{name}",
            type=_count if name == "max-aliases" else _positive_int,
            default=default,
            metavar="N",
            help=f"{what} ({default})",
        )


#: The reader's default limits, spelled out so that ``--help`` shows them without importing it.
DEFAULT_LIMIT_VALUES = {
    "max_bytes": 2_000_000,
    "max_depth": 64,
    "max_alias_expansions": 1_000,
    "max_scalar_chars": 100_000,
    "max_nodes": 200_000,
}


def _count(text: str) -> int:
    """A whole number, 0 or more (argparse type)."""
    return _positive_int(text, least=0)


def _positive_int(text: str, least: int = 1) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {n}")
    return n


def _run_check(args: argparse.Namespace) -> int:
    from .loader import LoaderLimits

    limits = LoaderLimits(
        max_bytes=args.max_bytes,
        max_depth=args.max_depth,
        max_alias_expansions=args.max_aliases,
        max_scalar_chars=args.max_scalar,
        max_nodes=args.max_nodes,
    )
    run = check_paths(args.paths, strict=args.strict, limits=limits)
    fmt = args.format or _default_format()
    _out().write(CHECK_FORMATS[fmt](run))
    for r in run.reports:
        if r.problem is not None:
            _err(f"{r.file}: {r.problem}")
    return run.exit_code


# ------------------------------------------------------------------------------- test


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
    from .errors import ContractRulesError
    from .rulefile import read_rule_file
    from .scenarios import run_scenarios

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


def _marks() -> tuple[str, str]:
    """✓ and ✗, or ``ok`` and ``FAIL`` when stdout cannot encode them."""
    try:
        "✓✗".encode(getattr(_out(), "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "ok", "FAIL"
    return "✓", "✗"


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


# ------------------------------------------------------------------------------- option values


def instant(text: str) -> datetime:
    """An aware instant from ISO 8601 with an offset (``2025-12-31T00:00:00+08:00``, ``...Z``).

    Raises ``argparse.ArgumentTypeError`` otherwise, so that argparse names the option and
    exits 2.
    """
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad instant {text!r}; use ISO 8601 with an offset, e.g. 2025-12-31T00:00:00+08:00"
        ) from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"instant {text!r} has no offset; add one, e.g. {t.isoformat()}+08:00"
        )
    return t


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?")


def duration(text: str) -> timedelta:
    """A positive duration in days, hours and minutes: ``48h``, ``90m``, ``2d``, ``1d12h``.

    Raises ``argparse.ArgumentTypeError`` otherwise (argparse exits 2 naming the option).
    """
    m = _DURATION.fullmatch(text.strip().lower().replace(" ", ""))
    if m is None or not any(m.groups()):
        raise argparse.ArgumentTypeError(
            f"bad duration {text!r}; write e.g. 48h, 90m, 2d or 1d12h (d, h, m = minutes)"
        )
    days, hours, minutes = (int(g) if g else 0 for g in m.groups())
    td = timedelta(days=days, hours=hours, minutes=minutes)
    if td <= timedelta(0):
        raise argparse.ArgumentTypeError(f"duration {text!r} must be longer than zero")
    return td


def positive_int(text: str) -> int:
    """An integer of at least 1 (``argparse.ArgumentTypeError`` otherwise)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return n


def zone(text: str) -> str:
    """An IANA time zone name such as ``Asia/Shanghai`` (``argparse.ArgumentTypeError``
    otherwise)."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r}; give an IANA name such as Asia/Shanghai"
        ) from None
    return text


# ------------------------------------------------------------------------------- evaluation


#: The event file types ``evaluate`` reads.
EVENT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")


class Progress:
    """``on_progress`` for :func:`~contract_rules.engine.evaluate`: ``… N events read (R/s)``
    rewritten in place on ``stream``; :meth:`close` clears the line if anything was shown."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, n: int) -> None:
        rate = n / max(time.monotonic() - self.start, 1e-6)
        self.stream.write(f"\r… {n:,} events read ({rate:,.0f}/s)")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Clear the progress line (nothing when nothing was shown)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def progress_for(stream: TextIO) -> Progress | None:
    """A :class:`Progress` on ``stream`` when it is a terminal; None (no output) otherwise."""
    isatty = getattr(stream, "isatty", None)
    return Progress(stream) if callable(isatty) and isatty() else None


def _add_input_options(p: argparse.ArgumentParser, *, at: str) -> None:
    """RULES, EVENTS and the options every evaluating command shares; ``at`` is the option
    that sets the evaluation instant (``--as-of`` or ``--now``)."""
    p.add_argument("rules", metavar="RULES", help="the rule file")
    p.add_argument("events", metavar="EVENTS", help="the events: a .jsonl, .json or .csv file")
    p.add_argument(
        at,
        type=instant,
        default=None,
        metavar="T",
        help="evaluate at this instant, ISO 8601 with an offset (default: now)",
    )
    p.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=None,
        help="language of labels, titles and clause text (default: the ruleset's language)",
    )
    p.add_argument(
        "--collect",
        action="store_true",
        help="report invalid events as rejected and go on (default: stop at the first, exit 1)",
    )
    p.add_argument(
        "--naive-tz",
        type=zone,
        default=None,
        metavar="ZONE",
        help="read timestamps without an offset in ZONE (default: they are errors)",
    )


def load_rules(path: str) -> Ruleset:
    """The ruleset of the rule file at ``path``.

    Raises :class:`CliError`: code 2 when the path is missing, a directory or unreadable;
    code 1 with the file's error findings (``file:line:col: [error] …``) when it is invalid.
    """
    from .rulefile import read_rule_file

    p = Path(path)
    if not p.exists():
        raise CliError(EXIT_ERROR, f"{path}: no such file or directory")
    if p.is_dir():
        raise CliError(EXIT_ERROR, f"{path}: is a directory; give one rule file")
    try:
        result = read_rule_file(p)
    except OSError as exc:
        raise CliError(EXIT_ERROR, f"{path}: {exc.strerror or exc}") from None
    if result.ruleset is None or not result.ok:
        errors = sorted(result.errors)
        raise CliError(
            EXIT_FINDINGS,
            f"{path}: {_plural(len(errors), 'error')} in the rule file; nothing was evaluated",
            [str(f) for f in errors],
        )
    return result.ruleset


def _check_events_path(path: str) -> None:
    p = Path(path)
    if not p.exists():
        raise CliError(EXIT_ERROR, f"{path}: no such file or directory")
    if p.is_dir():
        raise CliError(EXIT_ERROR, f"{path}: is a directory; give one events file")
    if p.suffix.lower() not in EVENT_SUFFIXES:
        raise CliError(
            EXIT_ERROR,
            f"{path}: unknown event file type {p.suffix!r} (use {', '.join(EVENT_SUFFIXES)})",
        )


def evaluate_file(
    args: argparse.Namespace, ruleset: Ruleset, as_of: datetime | None
) -> tuple[Report, CompiledRuleset]:
    """Evaluate ``ruleset`` against the events file ``args.events`` at ``as_of`` (None: now),
    with ``args.collect`` and ``args.naive_tz``; progress on stderr when it is a terminal.

    Raises :class:`CliError`: code 2 when the events file is missing, of an unknown type or
    unreadable; code 1 for an invalid event (``file:line: reason``) or another evaluation
    error (``RULES: reason``, e.g. a date outside the calendar's data).
    """
    from .engine import compile_ruleset, evaluate
    from .errors import ContractRulesError, EventError

    _check_events_path(args.events)
    progress = progress_for(sys.stderr)
    try:
        compiled = compile_ruleset(ruleset)
        report = evaluate(
            compiled,
            args.events,
            as_of,
            strict=not args.collect,
            naive_tz=args.naive_tz,
            on_progress=progress,
        )
    except EventError as exc:
        raise CliError(
            EXIT_FINDINGS,
            f"{exc.where}: {exc.reason}",
            ["use --collect to report invalid events as rejected and go on"],
        ) from None
    except ContractRulesError as exc:
        raise CliError(EXIT_FINDINGS, f"{args.rules}: {exc}") from None
    except OSError as exc:
        raise CliError(EXIT_ERROR, f"{args.events}: {exc.strerror or exc}") from None
    finally:
        if progress is not None:
            progress.close()
    _note_rejected(report)
    return report, compiled


def _note_rejected(report: Report) -> None:
    """With ``--collect``: the rejected events on stderr (located, the first 10)."""
    rejected = report.accounting.rejected
    if not rejected:
        return
    _err(f"{_plural(len(rejected), 'event')} rejected (--collect); the report lists them")
    for e in rejected[:10]:
        print(f"  {e.where}: {e.reason}", file=sys.stderr)
    if len(rejected) > 10:
        print(f"  ... and {len(rejected) - 10} more", file=sys.stderr)


def _lang(args: argparse.Namespace, ruleset: Ruleset) -> str:
    lang: str = args.lang or ruleset.contract.language
    return lang


# ------------------------------------------------------------------------------- eval

#: ``eval --format`` choices (the renderers of ``contract_rules.render.RENDERERS``).
EVAL_FORMATS = ("table", "json", "markdown", "html", "csv")


def _configure_eval(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, at="--as-of")
    p.add_argument("--format", choices=EVAL_FORMATS, default="table", help="output style")
    p.add_argument(
        "--fail-on-breach",
        action="store_true",
        help="exit 1 when a binding duty was violated",
    )


def _run_eval(args: argparse.Namespace) -> int:
    from .render import RENDERERS

    ruleset = load_rules(args.rules)
    report, _ = evaluate_file(args, ruleset, args.as_of)
    _out().write(RENDERERS[args.format](report, _lang(args, ruleset)))
    if args.fail_on_breach and report.breaches:
        _err(f"{_plural(len(report.breaches), 'breach')} of binding duties (--fail-on-breach)")
        return EXIT_FINDINGS
    return EXIT_OK


# ------------------------------------------------------------------------------- explain


def _configure_explain(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, at="--as-of")
    p.add_argument("--rule", required=True, metavar="ID", help="the norm, e.g. onsite.response")
    p.add_argument(
        "--key", metavar="KEY", help="the instance's key, e.g. INC-7 (rules without a key: none)"
    )
    p.add_argument(
        "--nth",
        type=positive_int,
        default=1,
        metavar="N",
        help="the Nth instance with that key (default: 1)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output style")


def _first(items: Sequence[str], n: int = 20) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" (first {n} of {len(items)})" if len(items) > n else "")


def _loose(key: str) -> str:
    """A key compared loosely: case folded, numbers without leading zeros (INC-7 = inc-007)."""
    return re.sub(r"\d+", lambda m: str(int(m.group())), key).casefold()


def _did_you_mean(key: str, keys: Sequence[str]) -> str:
    """``; did you mean 'INC-007'?`` for the closest of ``keys`` (loosely equal first), or empty."""
    return did_you_mean(key, keys, loose=_loose)


def pick_instance(report: Report, norm: Norm, key: str | None, nth: int) -> tuple[Obligation, int]:
    """The instance of ``norm`` that ``--key``/``--nth`` name, and how many share its key.

    Without ``key``, a keyed norm must have a single key. Raises :class:`CliError` (code 1)
    naming the keys that exist (the first 20, with a did-you-mean) when there is no such
    instance.
    """
    instances = report.select(rule=norm.id)
    if not instances:
        raise CliError(EXIT_FINDINGS, f"{norm.id} has no instance as of {report.as_of.isoformat()}")
    keys = list(dict.fromkeys(o.key for o in instances if o.key is not None))
    if norm.key is None:
        if key is not None:
            raise CliError(
                EXIT_FINDINGS,
                f"{norm.id} has no key (its instances are told apart by --nth); leave out --key",
            )
    elif key is None:
        if len(keys) != 1:
            raise CliError(
                EXIT_FINDINGS,
                f"{norm.id} has an instance per {norm.key}; give --key: {_first(keys)}",
            )
        key = keys[0]
    same = [o for o in instances if o.key == key]
    if not same:
        hint = _did_you_mean(key or "", keys)
        raise CliError(
            EXIT_FINDINGS,
            f"no instance of {norm.id} with key {key!r}{hint} — keys of {norm.id}: {_first(keys)}",
        )
    chosen = [o for o in same if o.nth == nth]
    if not chosen:
        what = f"{norm.id} [{key}]" if key is not None else norm.id
        raise CliError(
            EXIT_FINDINGS,
            f"{what} has {_plural(len(same), 'instance')}; --nth {nth} is beyond them",
        )
    return chosen[0], len(same)


def deciding_events(path: str, ids: Sequence[str]) -> list[DecidingEvent]:
    """The events ``ids`` as read from the events file at ``path``, in the order of ``ids``.

    An id ``#N`` (given to an event without one) is the Nth record. An event that cannot be
    found again keeps only its id.
    """
    from .events import read_events
    from .render import DecidingEvent

    wanted = list(dict.fromkeys(ids))
    by_position = {int(i[1:]) - 1: i for i in wanted if i[:1] == "#" and i[1:].isdigit()}
    found: dict[str, DecidingEvent] = {}
    raws = read_events(path)
    try:
        for raw in raws:
            data = raw.data
            if not isinstance(data, Mapping):
                continue
            rid = data.get("id")
            ident = str(rid) if rid is not None else by_position.get(raw.index)
            if ident is not None and ident in wanted and ident not in found:
                found[ident] = DecidingEvent(ident, raw.where, dict(data))
                if len(found) == len(wanted):
                    break
    except (OSError, ValueError):
        pass  # the file was read once already; failing now loses only the records' detail
    finally:
        close = getattr(raws, "close", None)
        if callable(close):
            close()  # the reader is a generator holding the file open
    return [found.get(i, DecidingEvent(i)) for i in wanted]


def _run_explain(args: argparse.Namespace) -> int:
    from .render import explain_dict, render_explain

    ruleset = load_rules(args.rules)
    ids = [n.id for n in ruleset.norms]
    if args.rule not in ids:
        hint = _did_you_mean(args.rule, ids)
        raise CliError(
            EXIT_FINDINGS, f"{args.rules}: no rule {args.rule!r}{hint} — rules: {', '.join(ids)}"
        )
    norm = ruleset.norm(args.rule)
    report, _ = evaluate_file(args, ruleset, args.as_of)
    ob, total = pick_instance(report, norm, args.key, args.nth)
    events = deciding_events(args.events, ob.events)
    if args.format == "json":
        doc = explain_dict(ob, norm=norm, events=events, instances_with_key=total)
        _out().write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        _out().write(
            render_explain(
                ob,
                _lang(args, ruleset),
                norm=norm,
                ruleset=ruleset,
                events=events,
                instances_with_key=total,
            )
        )
    return EXIT_OK


# ------------------------------------------------------------------------------- upcoming

#: The warning thresholds of ``upcoming``, in per cent of the allowed time used.
WARNING_LEVELS = (90, 75, 50)


def warning_level(share: float) -> int | None:
    """The highest of :data:`WARNING_LEVELS` that ``share`` (a fraction) reaches, or None."""
    return next((level for level in WARNING_LEVELS if share * 100 >= level), None)


def due_soon(
    report: Report, compiled: CompiledRuleset, now: datetime, within: timedelta
) -> tuple[list[DueSoon], int]:
    """The open duties (pending obligations) due within ``within`` of ``now``, soonest first,
    and how many duties are open in all (those without a due instant included).

    ``share_used`` = (now - trigger) / (due - trigger), in working time when the instance's
    deadline counts working hours, else in clock time; 1 when no time was allowed.
    """
    from .errors import CalendarError
    from .render import DueSoon

    now_utc = now.astimezone(UTC)
    horizon = now_utc + within
    norms = {cn.norm.id: cn for cn in compiled.norms}
    open_ = [o for o in report.obligations if o.status == "pending" and o.kind == "obligation"]
    items: list[DueSoon] = []
    for o in open_:
        if o.due is None or o.due.astimezone(UTC) > horizon:
            continue
        cn = norms.get(o.rule)
        deadline = cn.deadline if cn is not None else None
        if cn is not None and o.tier is not None:
            deadline = next((t.deadline for t in cn.tiers if t.tier.name == o.tier), deadline)
        # in UTC: aware datetimes of one zone subtract as wall-clock times (wrong across DST)
        trigger_utc = o.trigger_at.astimezone(UTC)
        allowed, used = o.due.astimezone(UTC) - trigger_utc, now_utc - trigger_utc
        measure = "clock"
        if deadline is not None and deadline.unit == "working_hours":
            cal = compiled.calendar
            with contextlib.suppress(CalendarError):  # outside the calendar's data: clock time
                allowed, used = (
                    cal.working_time_between(o.trigger_at, o.due),
                    cal.working_time_between(o.trigger_at, now_utc),
                )
                measure = "working_hours"
        share = 1.0 if allowed <= timedelta(0) else min(max(used / allowed, 0.0), 1.0)
        items.append(DueSoon(o, now, o.due - now_utc, share, measure, warning_level(share)))
    items.sort(key=lambda d: (d.time_left, d.obligation.trigger_at, d.obligation.rule))
    return items, len(open_)


def _configure_upcoming(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, at="--now")
    p.add_argument(
        "--within",
        type=duration,
        default=timedelta(hours=48),
        metavar="DURATION",
        help="how far ahead to look: 48h, 90m, 2d, 1d12h (default: 48h)",
    )
    p.add_argument("--format", choices=("table", "json"), default="table", help="output style")
    p.add_argument(
        "--fail-at",
        type=int,
        choices=WARNING_LEVELS[::-1],
        default=None,
        metavar="{50,75,90}",
        help="exit 1 when a duty has used at least this per cent of its allowed time",
    )


def _run_upcoming(args: argparse.Namespace) -> int:
    from .render import render_upcoming, upcoming_json

    ruleset = load_rules(args.rules)
    now: datetime = args.now or datetime.now(ZoneInfo(ruleset.contract.timezone))
    now = now.astimezone(ZoneInfo(ruleset.contract.timezone))
    report, compiled = evaluate_file(args, ruleset, now)
    items, open_count = due_soon(report, compiled, now, args.within)
    if args.format == "json":
        _out().write(upcoming_json(items))
    else:
        _out().write(
            render_upcoming(
                items,
                now=now,
                within=args.within,
                open_count=open_count,
                lang=_lang(args, ruleset),
            )
        )
    if args.fail_at is not None:
        hot = [d for d in items if d.warning is not None and d.warning >= args.fail_at]
        if hot:
            _err(f"{_plural(len(hot), 'duty', 'duties')} at or above {args.fail_at}% (--fail-at)")
            return EXIT_FINDINGS
    return EXIT_OK


# ------------------------------------------------------------------------------- schema


def schema_text() -> str:
    """The JSON Schema of rule files as committed: indent 2, sorted keys, trailing newline."""
    from .model import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _configure_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")


def _run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output is None:
        _out().write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"{args.output}: {exc.strerror or exc}")
        return EXIT_ERROR
    return EXIT_OK


# ------------------------------------------------------------------------------- main

#: The subcommands, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("check", "lint rule files", _configure_check, _run_check),
        Command("test", "run the scenario tests kept in rule files", _configure_test, _run_test),
        Command(
            "eval",
            "evaluate events: the ledger, breaches, liability and event accounting",
            _configure_eval,
            _run_eval,
        ),
        Command(
            "explain",
            "why one instance has its status, with the deciding events",
            _configure_explain,
            _run_explain,
        ),
        Command(
            "upcoming",
            "the open duties falling due soon, with warnings at 50, 75 and 90 per cent",
            _configure_upcoming,
            _run_upcoming,
        ),
        Command("schema", "print the JSON Schema of rule files", _configure_schema, _run_schema),
    )
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subparser per row of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Service contracts as declarative YAML rulesets: lint and evaluate them.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help, epilog=EXIT_CODES_HELP)
        cmd.configure(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Never raises SystemExit: ``--help`` and ``--version`` return 0, usage errors 2.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else 2)
    if getattr(args, "_run", None) is None:
        parser.print_usage(sys.stderr)
        _err("give a command: " + ", ".join(COMMANDS))
        return EXIT_ERROR
    run: Callable[[argparse.Namespace], int] = args._run
    try:
        return run(args)
    except CliError as exc:
        _err(exc.message)
        for line in exc.details:
            print(f"  {line}", file=sys.stderr)
        return exc.code


def main_entry() -> None:
    """The console script ``contract-rules``: exits with :func:`main`'s code; a closed pipe on
    stdout (``contract-rules eval … | head``) ends quietly with code 2 (an I/O error)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        code = EXIT_ERROR
    sys.exit(code)
