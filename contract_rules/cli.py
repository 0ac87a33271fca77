"""The ``contract-rules`` command line: the only module that prints or exits.

``main(argv)`` parses the arguments, runs one subcommand and returns its exit code; it never
raises SystemExit (argparse's own exits are caught and their codes returned), so tests call it
directly. ``main_entry()`` is the console script: ``sys.exit(main())``.

Subcommands are rows of :data:`COMMANDS` (a name, a help line, a function adding the options,
a function running it). Output styles of ``check`` are rows of :data:`CHECK_FORMATS`; every
style is built from the same list of :class:`FileReport` records.

Exit codes: :data:`EXIT_OK` (0) clean, :data:`EXIT_FINDINGS` (1) findings that fail the run,
:data:`EXIT_ERROR` (2) usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .findings import Finding, Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PROG = "contract-rules"


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


def check_paths(paths: Sequence[str], *, strict: bool = False) -> CheckRun:
    """Check every rule file under ``paths``; one bad or unreadable file never stops the rest."""
    from .rulefile import read_rule_file

    reports: list[FileReport] = []
    for item in collect_files(paths):
        if isinstance(item, FileReport):
            reports.append(item)
            continue
        try:
            result = read_rule_file(item)
        except OSError as exc:
            reports.append(FileReport(str(item), problem=exc.strerror or str(exc)))
            continue
        reports.append(FileReport(str(item), sorted(result.findings)))
    return CheckRun(reports, strict)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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


def _run_check(args: argparse.Namespace) -> int:
    run = check_paths(args.paths, strict=args.strict)
    fmt = args.format or _default_format()
    _out().write(CHECK_FORMATS[fmt](run))
    for r in run.reports:
        if r.problem is not None:
            _err(f"{r.file}: {r.problem}")
    return run.exit_code


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
        Command("schema", "print the JSON Schema of rule files", _configure_schema, _run_schema),
    )
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subparser per row of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Service contracts as declarative YAML rulesets: lint and evaluate them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
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
    return run(args)


def main_entry() -> None:
    """The console script ``contract-rules``."""
    sys.exit(main())
