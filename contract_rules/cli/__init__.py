"""The ``contract-rules`` command line: the only package that prints or exits.

``main(argv)`` parses the arguments, runs one subcommand and returns its exit code; it never
raises SystemExit (argparse's own exits are caught and their codes returned), so tests call it
directly. ``main_entry()`` is the console script: ``sys.exit(main())``.

One module per command (:mod:`.check`, :mod:`.test`, :mod:`.eval`, :mod:`.explain`,
:mod:`.upcoming`, :mod:`.schema`), each with its options (``_configure_*``), its run
(``_run_*``) and its output styles; :mod:`.common` holds the exit codes, :class:`Command` and
:class:`CliError`; :mod:`.inputs` the option values and the evaluation that ``eval``, ``explain``
and ``upcoming`` share; :mod:`.app` the table :data:`COMMANDS`, the parser and :func:`main`.
A new command is a module with those two functions and one row of :data:`COMMANDS`.

Subcommands are rows of :data:`COMMANDS` (a name, a help line, a function adding the options,
a function running it). Output styles of ``check`` are rows of :data:`CHECK_FORMATS`, those of
``test`` rows of :data:`TEST_FORMATS`; each style is built from one list of records
(:class:`FileReport`, :class:`ScenarioFileReport`). ``eval``, ``explain`` and ``upcoming``
render through :mod:`contract_rules.render` and import the engine only when they run, so that
``check`` stays light.

Exit codes: :data:`EXIT_OK` (0) clean, :data:`EXIT_FINDINGS` (1) findings that fail the run
(rule-file errors, an invalid event, failing scenarios, breaches with ``--fail-on-breach``, an
unknown rule or key for ``explain``, no event that could be used for ``eval``, a rejection with
``eval --strict``), :data:`EXIT_ERROR` (2) usage or I/O error (a bad option value, a path that
does not exist or cannot be read, a ticket export given without ``--mapping``). A run that
fails raises :class:`CliError` inside; :func:`main` prints its located message on stderr.
"""

from __future__ import annotations

from .app import COMMANDS, build_parser, main, main_entry
from .check import (
    CHECK_FORMATS,
    DEFAULT_LIMIT_VALUES,
    CheckRun,
    FileReport,
    check_paths,
    collect_files,
    find_config,
    format_github,
    format_json,
    format_parsable,
    format_sarif,
    format_text,
    read_config,
)
from .common import EXIT_CODES_HELP, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, PROG, CliError, Command
from .eval import EVAL_FORMATS
from .explain import deciding_events, pick_instance
from .inputs import (
    EVENT_SUFFIXES,
    Evaluated,
    Progress,
    duration,
    evaluate_file,
    evaluate_input,
    instant,
    load_rules,
    positive_int,
    progress_for,
    zone,
)
from .schema import schema_text
from .test import (
    TEST_FORMATS,
    ScenarioFileReport,
    ScenarioRun,
    format_test_github,
    format_test_json,
    format_test_parsable,
    format_test_text,
    run_tests,
)
from .upcoming import WARNING_LEVELS, due_soon, warning_level

# Every public name of the command modules, importable from contract_rules.cli as before the split.
__all__ = [
    "CHECK_FORMATS",
    "COMMANDS",
    "DEFAULT_LIMIT_VALUES",
    "EVAL_FORMATS",
    "EVENT_SUFFIXES",
    "EXIT_CODES_HELP",
    "EXIT_ERROR",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "PROG",
    "TEST_FORMATS",
    "WARNING_LEVELS",
    "CheckRun",
    "CliError",
    "Command",
    "Evaluated",
    "FileReport",
    "Progress",
    "ScenarioFileReport",
    "ScenarioRun",
    "build_parser",
    "check_paths",
    "collect_files",
    "deciding_events",
    "due_soon",
    "duration",
    "evaluate_file",
    "evaluate_input",
    "find_config",
    "format_github",
    "format_json",
    "format_parsable",
    "format_sarif",
    "format_test_github",
    "format_test_json",
    "format_test_parsable",
    "format_test_text",
    "format_text",
    "instant",
    "load_rules",
    "main",
    "main_entry",
    "pick_instance",
    "positive_int",
    "progress_for",
    "read_config",
    "run_tests",
    "schema_text",
    "warning_level",
    "zone",
]
