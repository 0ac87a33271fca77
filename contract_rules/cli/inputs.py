"""Option values and inputs shared by ``eval``, ``explain`` and ``upcoming``: instants, durations,
zones, the rule file and the events file, and the evaluation they feed."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .common import EXIT_ERROR, EXIT_FINDINGS, CliError, _err, _plural

if TYPE_CHECKING:
    from ..engine import CompiledRuleset
    from ..events import RawEvent
    from ..mapping import ImportMapping, MappingStats
    from ..model import Ruleset
    from ..report import Report


def instant(text: str) -> datetime | date:
    """An instant from ISO 8601 (``2025-12-31T00:00:00+08:00``, ``...Z``), or a bare date
    (``2025-12-31``: the start of that day in the contract's zone, resolved by
    :func:`resolve_instant` once the rule file is read).

    A time without an offset is returned as it is, naive, for :func:`resolve_instant` to refuse
    with the contract's own offset in its hint. Raises ``argparse.ArgumentTypeError`` for what
    is no instant at all, so that argparse names the option and exits 2.
    """
    from ..text import date_or_datetime

    try:
        t = date_or_datetime(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad instant {text!r}; use ISO 8601 with an offset, e.g. 2025-12-31T00:00:00+08:00, "
            "or a date (2025-12-31: the start of that day in the contract's zone)"
        ) from None
    if not isinstance(t, datetime) or t.utcoffset() is None:
        year = t.year
    else:
        try:
            year = t.astimezone(UTC).year
        except OverflowError:
            year = 0 if t.year == 1 else 10000
    if not INSTANT_YEARS[0] <= year <= INSTANT_YEARS[1]:
        # the calendar's arithmetic reaches a year either side (docs: years 2-9998)
        raise argparse.ArgumentTypeError(
            f"instant {text!r} is outside the years {INSTANT_YEARS[0]}–{INSTANT_YEARS[1]} "
            "that evaluation supports"
        )
    return t


def resolve_instant(
    value: datetime | date | None, option: str, ruleset: Ruleset
) -> datetime | None:
    """The instant an option (``--as-of``, ``--now``) gave, in the contract's zone: a bare date
    is the start of that day there (as ``evaluate(as_of=...)`` and ``plot_timeline`` read one);
    None stays None.

    Raises :class:`CliError` (code 2) for a time without an offset, naming the option and the
    offset the contract's zone has then (``--as-of 2025-07-01T10:00:00 has no offset; give one,
    e.g. 2025-07-01T10:00:00+02:00 (Europe/Berlin), ...``).
    """
    from ..errors import ContractRulesError
    from ..evaluator import parse_as_of
    from ..text import with_zone_offset

    if value is None:
        return None
    tz = ZoneInfo(ruleset.contract.timezone)
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise CliError(
            EXIT_ERROR,
            f"{option} {value.isoformat()} has no offset; give one, e.g. "
            f"{with_zone_offset(value, tz)} ({ruleset.contract.timezone}), or a date alone "
            "for the start of that day",
        )
    try:
        return parse_as_of(value, tz)
    except ContractRulesError as exc:
        raise CliError(EXIT_ERROR, f"{option}: {exc}") from None


#: The years (in UTC) an instant given on the command line may fall in.
INSTANT_YEARS = (2, 9998)


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
    try:
        days, hours, minutes = (int(g) if g else 0 for g in m.groups())
        td = timedelta(days=days, hours=hours, minutes=minutes)
    except (ValueError, OverflowError):  # more digits than int() reads, or beyond timedelta
        raise argparse.ArgumentTypeError(
            f"duration {text!r} is too long; the longest is {timedelta.max.days}d"
        ) from None
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


def _add_input_options(
    p: argparse.ArgumentParser, *, at: str, at_aliases: tuple[str, ...] = ()
) -> None:
    """RULES, EVENTS and the options every evaluating command shares; ``at`` is the option
    that sets the evaluation instant (``--as-of`` or ``--now``), also spelt ``at_aliases``."""
    p.add_argument("rules", metavar="RULES", help="the rule file")
    p.add_argument(
        "events",
        metavar="EVENTS",
        help="the events: a .jsonl, .json or .csv file, a ticket export with --mapping, "
        "or - for standard input",
    )
    p.add_argument(
        "--mapping",
        metavar="M.mapping.yaml",
        default=None,
        help="read EVENTS as a ticket export (CSV) through this import mapping (docs/import.md)",
    )
    at_group = p.add_mutually_exclusive_group() if at_aliases else p
    at_group.add_argument(
        at,
        type=instant,
        default=None,
        metavar="T",
        help="evaluate at this instant, ISO 8601 with an offset, or a date for the start of "
        "that day in the contract's zone (default: now)",
    )
    for alias in at_aliases:
        # another spelling with its own name in error messages, e.g. upcoming's --as-of
        at_group.add_argument(
            alias,
            dest=at.lstrip("-").replace("-", "_"),
            type=instant,
            metavar="T",
            help=f"the same as {at}",
        )
    p.set_defaults(at_option=at)
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


def _check_events_path(path: str, *, export: bool = False) -> None:
    p = Path(path)
    if not p.exists():
        raise CliError(EXIT_ERROR, f"{path}: no such file or directory")
    if p.is_dir():
        raise CliError(EXIT_ERROR, f"{path}: is a directory; give one events file")
    if export:
        return  # an export is CSV whatever its name; the mapping says how to read it
    if p.suffix.lower() not in EVENT_SUFFIXES:
        raise CliError(
            EXIT_ERROR,
            f"{path}: unknown event file type {p.suffix!r} (use {', '.join(EVENT_SUFFIXES)})",
        )
    if p.suffix.lower() == ".csv":
        _hint_export(path, p)


def _hint_export(shown: str, path: Path) -> None:
    """Raise a usage error naming ``--mapping`` when a CSV file's header has no ``type`` or no
    ``at`` column: an events CSV has both; a ticket export has neither."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            header = next(csv.reader([fh.readline()]), [])
    except (OSError, csv.Error):
        return  # the reader reports it, located
    missing = [c for c in ("type", "at") if c not in header]
    if missing and header:
        raise CliError(
            EXIT_ERROR,
            f"{shown}: its header has no {' and no '.join(repr(c) for c in missing)} column: "
            "it looks like a ticket export, not an events file; read it through its import "
            "mapping with --mapping M.mapping.yaml (docs/import.md)",
        )


#: What ``-`` reads from: standard input's bytes (tests replace it).
def _stdin_bytes() -> bytes:
    return sys.stdin.buffer.read()


STDIN_NAME = "<stdin>"


class _Spool:
    """Standard input written once to a private temporary file, so that every reader (and
    ``explain``'s second look at the deciding events) reads it as a file; removed at exit."""

    def __init__(self) -> None:
        self.paths: dict[str, Path] = {}

    def path(self, suffix: str) -> Path:
        if suffix not in self.paths:
            import atexit
            import shutil
            import tempfile

            folder = Path(tempfile.mkdtemp(prefix="contract-rules-stdin-"))
            atexit.register(shutil.rmtree, folder, True)
            data = _stdin_bytes()
            if not suffix:
                suffix = _sniff(data)
            target = folder / f"stdin{suffix}"
            target.write_bytes(data)
            self.paths[suffix] = target
            self.paths[""] = target
        return self.paths[suffix]


def _sniff(data: bytes) -> str:
    """The events format of standard input: ``[`` a JSON list, ``{`` JSONL, else CSV."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"[": ".json", b"{": ".jsonl"}.get(head, ".csv")


def _relabel(raws: Iterable[RawEvent], path: Path) -> Iterator[RawEvent]:
    """The records of the spooled file, located ``<stdin>:N`` instead of its temporary name."""
    from ..events import RawEvent

    name = str(path)
    for r in raws:
        yield RawEvent(r.index, STDIN_NAME + r.where[len(name) :], r.data)


@dataclass
class Evaluated:
    """What an evaluating command read and computed: the report, the compiled ruleset, the
    import statistics (with ``--mapping``) and a way to read the same records again."""

    report: Report
    compiled: CompiledRuleset
    records: Callable[[], Iterator[RawEvent]]
    stats: MappingStats | None = None
    mapping: str | None = None
    events: str = ""

    def import_dict(self) -> dict[str, Any] | None:
        """The import statistics as JSON-ready data (None without ``--mapping``): the rows, the
        events made of them and the top reasons of rejection."""
        if self.stats is None:
            return None
        return {
            "mapping": self.mapping,
            "export": self.events,
            **self.stats.to_dict(),
            "top_reasons": [
                {"reason": reason, "count": n} for reason, n in top_reasons(self.report)
            ],
        }

    def import_lines(self) -> list[str]:
        """The import statistics for a person: one line, then the top reasons of rejection."""
        st = self.stats
        if st is None:
            return []
        rows = f"{st.rows:,} row{'' if st.rows == 1 else 's'}"
        events = f"{st.events:,} event{'' if st.events == 1 else 's'}"
        lines = [
            f"Import: {self.events} through {self.mapping}: {rows} → {events} "
            f"({st.rows_without_event:,} without an event, {st.rows_rejected:,} rejected)"
        ]
        reasons = top_reasons(self.report)
        if reasons:
            lines.append("  top reasons of rejection:")
            lines += [f"    {n:>7,} × {reason}" for reason, n in reasons]
        return lines


def top_reasons(report: Report, n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` most frequent reasons of rejection, most frequent first (ties by text)."""
    from collections import Counter

    counts = Counter(e.reason for e in report.accounting.rejected)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def evaluate_input(
    args: argparse.Namespace, ruleset: Ruleset, as_of: datetime | date | None
) -> Evaluated:
    """Evaluate ``ruleset`` against ``args.events`` (a file, ``-`` for standard input, or with
    ``args.mapping`` a ticket export read through that mapping) at ``as_of`` (None: now; a date:
    the start of that day, :func:`resolve_instant`), with ``args.collect`` and
    ``args.naive_tz``; progress on stderr when it is a terminal.

    Raises :class:`CliError`: code 2 when the events file is missing, of an unknown type,
    unreadable, or a ticket export given without ``--mapping``; code 1 for an invalid event
    (``file:line: reason``), a mapping with errors, or another evaluation error.
    """
    from ..engine import compile_ruleset, evaluate
    from ..events import read_events

    as_of = resolve_instant(as_of, getattr(args, "at_option", "--as-of"), ruleset)
    mapping_path: str | None = getattr(args, "mapping", None)
    stdin = args.events == "-"
    if stdin:
        path = _Spool().path(".csv" if mapping_path else "")
        if not mapping_path and path.suffix == ".csv":
            _hint_export(STDIN_NAME, path)
    else:
        _check_events_path(args.events, export=mapping_path is not None)
        path = Path(args.events)
    shown = STDIN_NAME if stdin else args.events
    stats = None
    if mapping_path is not None:
        from ..mapping import MappingStats, read_export

        mp = _load_mapping(mapping_path, ruleset)

        def records() -> Iterator[RawEvent]:
            raws = read_export(path, mp)
            return _relabel(raws, path) if stdin else raws

        stats = MappingStats()
        source: Any = (
            _relabel(read_export(path, mp, stats=stats), path)
            if stdin
            else (read_export(path, mp, stats=stats))
        )
    else:

        def records() -> Iterator[RawEvent]:
            raws = read_events(path)
            return _relabel(raws, path) if stdin else raws

        source = records() if stdin else args.events
    progress = progress_for(sys.stderr)
    try:
        compiled = compile_ruleset(ruleset)
        report = evaluate(
            compiled,
            source,
            as_of,
            strict=not args.collect,
            naive_tz=args.naive_tz,
            on_progress=progress,
        )
    except Exception as exc:
        error = evaluation_error(exc, args.rules, shown, mapping_path)
        if error is exc:
            raise
        raise error from None
    finally:
        if progress is not None:
            progress.close()
    _note_rejected(report)
    return Evaluated(report, compiled, records, stats, mapping_path, shown)


def evaluation_error(exc: Exception, rules: str, shown: str, mapping_path: str | None) -> Exception:
    """The usage-level error an evaluation's exception stands for (events read from ``shown``,
    rules from ``rules``): an invalid event (``file:line: reason``, with the hint of
    ``--collect``), an export that does not fit its mapping, another evaluation error, or a file
    that cannot be read; any other exception is returned unchanged (a defect, not input)."""
    from ..errors import ContractRulesError, EventError, MappingError

    if isinstance(exc, EventError):
        return CliError(
            EXIT_FINDINGS,
            f"{exc.where}: {exc.reason}",
            ["use --collect to report invalid events as rejected and go on"],
        )
    if isinstance(exc, MappingError):
        return CliError(
            EXIT_FINDINGS,
            f"{shown}: the export does not fit the mapping {mapping_path}",
            [str(f) for f in exc.findings],
        )
    if isinstance(exc, ContractRulesError):
        return CliError(EXIT_FINDINGS, f"{rules}: {exc}")
    if isinstance(exc, OSError):
        return CliError(EXIT_ERROR, f"{shown}: {exc.strerror or exc}")
    return exc


def _load_mapping(path: str, ruleset: Ruleset) -> ImportMapping:
    """The import mapping at ``path``, checked against ``ruleset``'s vocabulary.

    Raises :class:`CliError`: code 2 when it cannot be read, 1 with its located errors."""
    from ..findings import Severity
    from ..mapping import check_mapping, read_mapping

    p = Path(path)
    if not p.is_file():
        what = "is a directory" if p.is_dir() else "no such file or directory"
        raise CliError(EXIT_ERROR, f"{path}: {what} (--mapping)")
    try:
        mp, findings, _ = read_mapping(p)
    except OSError as exc:
        raise CliError(EXIT_ERROR, f"{path}: {exc.strerror or exc}") from None
    if mp is not None:
        findings = [*findings, *check_mapping(mp, ruleset)]
    errors = sorted(f for f in findings if f.severity is Severity.ERROR)
    if mp is None or errors:
        raise CliError(
            EXIT_FINDINGS,
            f"{path}: {_plural(len(errors), 'error')} in the import mapping; nothing was evaluated",
            [str(f) for f in errors],
        )
    return mp


def evaluate_file(
    args: argparse.Namespace, ruleset: Ruleset, as_of: datetime | date | None
) -> tuple[Report, CompiledRuleset]:
    """:func:`evaluate_input`'s report and compiled ruleset (the shape of earlier releases)."""
    done = evaluate_input(args, ruleset, as_of)
    return done.report, done.compiled


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
    """``--lang``, else the rule file's ``contract.language``; a rule file that sets none and
    titles its contract in English only is read in English (the model's default, Chinese, would
    put Chinese labels around English text)."""
    if args.lang:
        lang: str = args.lang
        return lang
    contract = ruleset.contract
    if "language" not in contract.model_fields_set and not contract.title.zh:
        return "en"
    return contract.language
