"""``contract-rules check``: lint rule files (and import mappings); its output styles
(:data:`CHECK_FORMATS`) are built from one list of :class:`FileReport` records."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.framework import Selection, apply_selection, selection_problem
from ..findings import Finding, Severity
from .common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    CliError,
    _default_format,
    _err,
    _gh_data,
    _gh_property,
    _out,
    _plural,
)

if TYPE_CHECKING:
    from ..loader import LoaderLimits

    pass


@dataclass
class FileReport:
    """What checking one path gave: its findings, or why it could not be read."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # set when the path could not be read at all
    missing: bool = False
    #: findings left out by --select/--ignore, the configuration or inline ignore comments
    suppressed: int = 0

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
    from ..rulefile import rule_files

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
    paths: Sequence[str],
    *,
    strict: bool = False,
    limits: LoaderLimits | None = None,
    selection: Selection | None = None,
) -> CheckRun:
    """Check every rule file under ``paths`` (``-``: a rule file on standard input); one bad or
    unreadable file never stops the rest.

    ``limits`` bounds what the YAML reader accepts (size, depth, aliases, scalars, nodes).
    ``selection`` chooses the codes reported; inline ``# contract-rules: ignore[CR123]``
    comments silence findings on their line. Import mappings (``*.mapping.yaml``) are checked
    against the ruleset when exactly one rule file without errors is checked with them.
    """
    from ..checks import Selection
    from ..loader import DEFAULT_LIMITS
    from ..mapping import ImportMapping, check_mapping, read_mapping
    from ..model import Ruleset
    from ..rulefile import read_rule_file, read_rule_text

    limits = limits or DEFAULT_LIMITS
    selection = selection or Selection()

    reports: list[FileReport] = []
    texts: dict[int, str | None] = {}
    mappings: list[tuple[FileReport, ImportMapping]] = []
    rulesets: list[Ruleset] = []
    items: list[FileReport | Path | None] = []
    seen: set[Path] = set()
    for p in paths:
        for found in [None] if p == "-" else collect_files([p]):
            if isinstance(found, Path):
                if found.resolve() in seen:
                    continue  # the same file named twice is checked once
                seen.add(found.resolve())
            items.append(found)
    for item in items:
        if isinstance(item, FileReport):
            reports.append(item)
            continue
        if item is None:  # standard input
            data = _stdin_bytes()
            result = read_rule_text(data, STDIN_NAME, limits=limits)
            report = FileReport(STDIN_NAME, sorted(result.findings))
            texts[id(report)] = data.decode("utf-8", errors="replace")
            if result.ruleset is not None:
                rulesets.append(result.ruleset)
            reports.append(report)
            continue
        try:
            if item.name.endswith(".mapping.yaml"):  # an import mapping, not a rule file
                mapping, findings, _ = read_mapping(item)
                report = FileReport(str(item), sorted(findings))
                if mapping is not None:
                    mappings.append((report, mapping))
            else:
                result = read_rule_file(item, limits=limits)
                report = FileReport(str(item), sorted(result.findings))
                if result.ruleset is not None:
                    rulesets.append(result.ruleset)
        except OSError as exc:
            reports.append(FileReport(str(item), problem=exc.strerror or str(exc)))
            continue
        texts[id(report)] = None
        reports.append(report)
    if len(rulesets) == 1:
        for report, mapping in mappings:
            report.findings = sorted({*report.findings, *check_mapping(mapping, rulesets[0])})
    for report in reports:
        if report.problem is None and report.findings:
            text = texts.get(id(report))
            if text is None:
                text = _text_of(report.file)
            report.findings, report.suppressed = apply_selection(report.findings, selection, text)
    return CheckRun(reports, strict)


def _text_of(path: str) -> str | None:
    """A file's text for its inline ignore comments (None when it cannot be read again)."""
    try:
        return Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


STDIN_NAME = "<stdin>"


def _stdin_bytes() -> bytes:
    import sys

    return sys.stdin.buffer.read()


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
    suppressed = sum(r.suppressed for r in run.reports)
    if suppressed:
        summary += f" ({suppressed} left out by --select/--ignore or ignore comments)"
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


#: The SARIF version written by :func:`format_sarif`, and its schema.
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    """A file as a SARIF artifact URI: relative paths stay relative, with ``/`` separators."""
    from urllib.parse import quote

    return quote(Path(path).as_posix() if path != STDIN_NAME else "stdin", safe="/:")


def format_sarif(run: CheckRun) -> str:
    """SARIF 2.1.0 for code-scanning dashboards: one run of ``contract-rules``, a rule per
    finding code used (id, name, summary, default level), a result per finding located at its
    file, line and column; files that could not be read are tool execution notifications."""
    from .. import __version__
    from ..codes import CODES

    findings = run.findings
    used = sorted({f.code for f in findings})
    index = {c: i for i, c in enumerate(used)}

    def level(severity: Severity) -> str:
        return "error" if severity is Severity.ERROR else "warning"

    rules = [
        {
            "id": c,
            "name": CODES[c].name if c in CODES else c,
            "shortDescription": {"text": CODES[c].summary if c in CODES else c},
            "defaultConfiguration": {
                "level": level(CODES[c].severity if c in CODES else Severity.ERROR)
            },
        }
        for c in used
    ]
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": level(f.severity),
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.location.file)},
                        "region": {
                            "startLine": max(f.location.line, 1),
                            "startColumn": max(f.location.column, 1),
                        },
                    }
                }
            ],
        }
        for f in findings
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.file}: {r.problem}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.file)}}}],
        }
        for r in run.reports
        if r.problem is not None
    ]
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "contract-rules",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": run.exit_code != EXIT_ERROR,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: ``--format`` name → formatter; also the choices of the option.
CHECK_FORMATS: dict[str, Callable[[CheckRun], str]] = {
    "text": format_text,
    "parsable": format_parsable,
    "json": format_json,
    "github": format_github,
    "sarif": format_sarif,
}


def _configure_check(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="+",
        metavar="FILE|DIR",
        help="rule files, import mappings (*.mapping.yaml) or directories; - for standard input",
    )
    p.add_argument(
        "--format",
        choices=sorted(CHECK_FORMATS),
        default=None,
        help="output style (default: text; github inside GitHub Actions)",
    )
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    p.add_argument(
        "--select",
        action="append",
        metavar="CODE[,CODE...]",
        help="report only these codes or code prefixes (CR3, CR204); replaces the "
        "configuration's select ([tool.contract-rules] in pyproject.toml)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="CODE[,CODE...]",
        help="leave out these codes or code prefixes; added to the configuration's ignore",
    )
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


#: The largest value a reader limit takes: the reader reads at most ``max_bytes + 1`` bytes at
#: once, and a larger request than memory can hold is an error, not a limit.
LIMIT_MOST = 2**30


def _positive_int(text: str, least: int = 1) -> int:
    try:
        n = int(text)
    except ValueError:  # also more digits than int() reads
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if n < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}, got {n}")
    if n > LIMIT_MOST:
        raise argparse.ArgumentTypeError(f"must be at most {LIMIT_MOST:,}, got {text[:40]}")
    return n


def _run_check(args: argparse.Namespace) -> int:
    from ..loader import LoaderLimits

    limits = LoaderLimits(
        max_bytes=args.max_bytes,
        max_depth=args.max_depth,
        max_alias_expansions=args.max_aliases,
        max_scalar_chars=args.max_scalar,
        max_nodes=args.max_nodes,
    )
    run = check_paths(args.paths, strict=args.strict, limits=limits, selection=_selection(args))
    fmt = args.format or _default_format()
    _out().write(CHECK_FORMATS[fmt](run))
    for r in run.reports:
        if r.problem is not None:
            _err(f"{r.file}: {r.problem}")
    return run.exit_code


#: The keys of ``[tool.contract-rules]`` in pyproject.toml.
CONFIG_KEYS = ("select", "ignore")


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` holding a ``[tool.contract-rules]`` table, from ``start``
    (default: the working directory) upward; None when there is none."""
    import tomllib

    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue  # not ours to judge unless it holds our table; see read_config
            if "contract-rules" in data.get("tool", {}):
                return candidate
    return None


def read_config(path: Path) -> dict[str, tuple[str, ...]]:
    """``select`` and ``ignore`` of ``[tool.contract-rules]`` in ``path``, as upper-case codes.

    Raises :class:`CliError` (code 2) naming the file and key for anything else."""
    import tomllib

    from ..suggestions import did_you_mean

    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["contract-rules"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise CliError(EXIT_ERROR, f"{path}: cannot read [tool.contract-rules] ({exc})") from None
    if not isinstance(table, dict):
        raise CliError(EXIT_ERROR, f"{path}: [tool.contract-rules] is a table")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in CONFIG_KEYS:
            raise CliError(
                EXIT_ERROR,
                f"{path}: [tool.contract-rules] has no key {key!r}"
                f"{did_you_mean(key, CONFIG_KEYS)} (keys: {', '.join(CONFIG_KEYS)})",
            )
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CliError(
                EXIT_ERROR,
                f'{path}: [tool.contract-rules] {key} is a list of codes, e.g. ["CR210"]',
            )
        codes = tuple(v.strip().upper() for v in value)
        problem = selection_problem(codes)
        if problem is not None:
            raise CliError(EXIT_ERROR, f"{path}: [tool.contract-rules] {key}: {problem}")
        out[key] = codes
    return out


def _codes(values: Sequence[str] | None, option: str) -> tuple[str, ...] | None:
    if not values:
        return None
    codes = tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())
    problem = selection_problem(codes)
    if problem is not None:
        raise CliError(EXIT_ERROR, f"{option}: {problem}")
    return codes


def _selection(args: argparse.Namespace) -> Selection:
    """The codes to report: ``--select`` (else the configuration's), minus the configuration's
    ``ignore`` and ``--ignore``."""
    config_path = find_config()
    config = read_config(config_path) if config_path is not None else {}
    select = _codes(args.select, "--select")
    ignore = _codes(args.ignore, "--ignore") or ()
    return Selection(
        select=select if select is not None else config.get("select", ()),
        ignore=(*config.get("ignore", ()), *ignore),
    )
