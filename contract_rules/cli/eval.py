"""``contract-rules eval``: evaluate events and print the report in one of :data:`EVAL_FORMATS`.

No verdict without evidence: when no input event was used, the run says so and exits 1; with
``--strict`` any rejected event or export row fails the run too (exit 1, after the report)."""

from __future__ import annotations

import argparse
import json
import sys

from .common import EXIT_FINDINGS, EXIT_OK, _err, _out, _plural
from .inputs import Evaluated, _add_input_options, _lang, evaluate_input, load_rules

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
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any event or export row was rejected (with --collect)",
    )
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument(
        "--workers",
        type=_count,
        default=None,
        metavar="N",
        help="evaluate on N local worker processes (Dask; the same report; EVENTS may be a glob "
        "or a .parquet file; needs the distributed extra)",
    )
    cluster.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="evaluate on the Dask cluster of this scheduler (tcp://host:8786)",
    )


def _count(text: str) -> int:
    """A number of workers: a whole number, 1 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"at least 1 worker, got {n}")
    return n


def _render(done: Evaluated, fmt: str, lang: str) -> str:
    """The report in ``fmt``; with ``--mapping`` the import statistics too: an ``import`` object
    in JSON, lines before the report in table and markdown, on stderr for html and csv (whose
    documents must stay whole)."""
    from ..render import RENDERERS

    report = done.report
    imported = done.import_dict()
    if fmt == "json":
        doc = report.to_dict()
        if imported is not None:
            doc["import"] = imported
        return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    text = RENDERERS[fmt](report, lang)
    lines = done.import_lines()
    if not lines:
        return text
    if fmt in ("table", "markdown"):
        block = "\n".join(lines) if fmt == "table" else "\n".join(f"    {ln}" for ln in lines)
        return block + "\n\n" + text
    for ln in lines:
        print(ln, file=sys.stderr)
    return text


def _run_eval(args: argparse.Namespace) -> int:
    ruleset = load_rules(args.rules)
    if args.workers is not None or args.scheduler is not None:
        from .cluster import evaluate_on_cluster

        done = evaluate_on_cluster(args, ruleset, args.as_of)
    else:
        done = evaluate_input(args, ruleset, args.as_of)
    report = done.report
    _out().write(_render(done, args.format, _lang(args, ruleset)))
    verdict = report.verdict()
    if verdict["status"] == "no_evidence":
        c = report.accounting.counts()
        _err(
            f"no verdict: no event could be used ({c['input']} read, {c['rejected']} rejected, "
            f"{c['ignored']} ignored)"
        )
        return EXIT_FINDINGS
    if args.strict and verdict["events_rejected"]:
        n = verdict["events_rejected"]
        _err(f"{_plural(n, 'event')} rejected: the verdict rests on part of the input (--strict)")
        return EXIT_FINDINGS
    if args.fail_on_breach and report.breaches:
        _err(f"{_plural(len(report.breaches), 'breach')} of binding duties (--fail-on-breach)")
        return EXIT_FINDINGS
    return EXIT_OK
