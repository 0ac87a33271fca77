"""Option values and inputs shared by ``eval``, ``explain`` and ``upcoming``: instants, durations,
zones, the rule file and the events file, and the evaluation they feed."""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .common import EXIT_ERROR, EXIT_FINDINGS, CliError, _err, _plural

if TYPE_CHECKING:
    from ..engine import CompiledRuleset
    from ..model import Ruleset
    from ..report import Report


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
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as Asia
        raise argparse.ArgumentTypeError(
            f"unknown time zone {text!r}; give an IANA name such as Asia/Shanghai"
        ) from None
    return text


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
    from ..rulefile import read_rule_file

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
    from ..engine import compile_ruleset, evaluate
    from ..errors import ContractRulesError, EventError

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
