"""``contract-rules eval --workers N`` and ``--scheduler ADDRESS``: the evaluation on a Dask
cluster (:mod:`contract_rules.distributed`), with the same report, errors and exit codes as
the evaluation in one process. Dask is imported only here, when one of the options is given."""

from __future__ import annotations

import argparse
import glob
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ..events import RawEvent
from ..model import Ruleset
from .common import EXIT_ERROR, CliError
from .inputs import (
    EVENT_SUFFIXES,
    Evaluated,
    _load_mapping,
    _note_rejected,
    evaluation_error,
    progress_for,
)

#: what a cluster reads besides the event files of one process
CLUSTER_SUFFIXES = (*EVENT_SUFFIXES, ".parquet")


def evaluate_on_cluster(
    args: argparse.Namespace, ruleset: Ruleset, as_of: datetime | None
) -> Evaluated:
    """:func:`~contract_rules.cli.inputs.evaluate_input` on local worker processes
    (``args.workers``) or an existing scheduler (``args.scheduler``); progress on stderr when it
    is a terminal. Raises :class:`CliError` as evaluate_input does, and code 2 when Dask is not
    installed, the scheduler cannot be reached, or EVENTS is standard input."""
    try:
        from .. import distributed
    except ImportError as exc:  # pragma: no cover - the extra is installed with dev
        raise CliError(
            EXIT_ERROR,
            f"--workers/--scheduler need Dask ({exc.name} is missing): "
            "pip install 'contract-rules[distributed]'",
        ) from None
    from ..engine import compile_ruleset
    from ..events import read_events

    if args.events == "-":
        raise CliError(EXIT_ERROR, "--workers and --scheduler read files, not standard input")
    mapping_path: str | None = getattr(args, "mapping", None)
    paths = _event_paths(args.events, export=mapping_path is not None)
    source: Any
    stats = None
    if mapping_path is not None:
        from ..mapping import MappingStats, read_export

        mp = _load_mapping(mapping_path, ruleset)
        stats = MappingStats()
        source = distributed.Export(paths[0], mp, stats)

        def records() -> Iterator[RawEvent]:
            return read_export(paths[0], mp)

    else:
        source = [str(p) for p in paths]

        def records() -> Iterator[RawEvent]:
            return (r for p in paths for r in read_events(p))

    progress = progress_for(sys.stderr)
    client = None
    try:
        client = _client(distributed, args)
        compiled = compile_ruleset(ruleset)
        report = distributed.evaluate(
            compiled,
            source,
            as_of=as_of,
            client=client,
            strict=not args.collect,
            naive_tz=args.naive_tz,
            on_progress=progress,
        )
    except Exception as exc:
        error = evaluation_error(exc, args.rules, args.events, mapping_path)
        if error is exc:
            raise
        raise error from None
    finally:
        if progress is not None:
            progress.close()
        if client is not None:
            distributed._close(client)
    _note_rejected(report)
    return Evaluated(report, compiled, records, stats, mapping_path, args.events)


def _client(distributed: Any, args: argparse.Namespace) -> Any:
    """A client of local workers (``--workers``) or of the scheduler (``--scheduler``)."""
    if args.scheduler is None:
        return distributed.local_client(args.workers)
    from distributed import Client

    try:
        return Client(args.scheduler, timeout="5s")
    except (OSError, ValueError, TypeError) as exc:
        raise CliError(
            EXIT_ERROR, f"--scheduler {args.scheduler}: cannot reach the scheduler ({exc})"
        ) from None


def _event_paths(pattern: str, *, export: bool) -> list[Path]:
    """The files EVENTS names: one file, or those a glob pattern matches (sorted)."""
    if any(ch in pattern for ch in "*?[") and not export:
        found = [Path(p) for p in sorted(glob.glob(pattern))]
        if not found:
            raise CliError(EXIT_ERROR, f"{pattern}: no file matches")
    else:
        found = [Path(pattern)]
    for p in found:
        if not p.exists():
            raise CliError(EXIT_ERROR, f"{p}: no such file or directory")
        if p.is_dir():
            raise CliError(EXIT_ERROR, f"{p}: is a directory; give events files")
        if not export and p.suffix.lower() not in CLUSTER_SUFFIXES:
            raise CliError(
                EXIT_ERROR,
                f"{p}: unknown event file type {p.suffix!r} (use {', '.join(CLUSTER_SUFFIXES)})",
            )
    return found
