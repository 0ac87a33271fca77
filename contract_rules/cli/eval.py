"""``contract-rules eval``: evaluate events and print the report in one of :data:`EVAL_FORMATS`."""

from __future__ import annotations

import argparse

from .common import EXIT_FINDINGS, EXIT_OK, _err, _out, _plural
from .inputs import _add_input_options, _lang, evaluate_file, load_rules

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
    from ..render import RENDERERS

    ruleset = load_rules(args.rules)
    report, _ = evaluate_file(args, ruleset, args.as_of)
    _out().write(RENDERERS[args.format](report, _lang(args, ruleset)))
    if args.fail_on_breach and report.breaches:
        _err(f"{_plural(len(report.breaches), 'breach')} of binding duties (--fail-on-breach)")
        return EXIT_FINDINGS
    return EXIT_OK
