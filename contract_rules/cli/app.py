"""The command table, the parser and :func:`main`: one subparser per row of :data:`COMMANDS`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from .check import _configure_check, _run_check
from .common import EXIT_CODES_HELP, EXIT_ERROR, EXIT_OK, PROG, CliError, Command, _err
from .eval import _configure_eval, _run_eval
from .explain import _configure_explain, _run_explain
from .schema import _configure_schema, _run_schema
from .test import _configure_test, _run_test
from .upcoming import _configure_upcoming, _run_upcoming

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
