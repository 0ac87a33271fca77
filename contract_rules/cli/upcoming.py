"""``contract-rules upcoming``: the open duties falling due soon and the open rights about to
expire, with warning levels."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, CliError, _err, _out, _plural
from .inputs import (
    _add_input_options,
    _lang,
    duration,
    evaluate_input,
    load_rules,
    resolve_instant,
)

if TYPE_CHECKING:
    from ..calendar import BusinessCalendar
    from ..engine import CompiledRuleset
    from ..render import DueSoon
    from ..report import Report


#: The warning thresholds of ``upcoming``, in per cent of the allowed time used.
WARNING_LEVELS = (90, 75, 50)


def warning_level(share: float) -> int | None:
    """The highest of :data:`WARNING_LEVELS` that ``share`` (a fraction) reaches, or None."""
    return next((level for level in WARNING_LEVELS if share * 100 >= level), None)


def _share(used: float, allowed: float) -> float:
    """``used / allowed`` within [0, 1]; 1 when nothing was allowed."""
    return 1.0 if allowed <= 0 else min(max(used / allowed, 0.0), 1.0)


#: durations are compared in whole microseconds (exact, as timedelta / timedelta divides)
_US = timedelta(microseconds=1)


def working_days_elapsed(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    """How many working days of a period that starts at ``a`` have gone by at ``b``.

    The day of ``a`` is not counted (Art. 201: a period in days starts the next day); every
    working day after it that ended by ``b`` counts 1, and ``b``'s own day, when it is a working
    day after ``a``'s, the share of it (midnight to midnight in the calendar's zone, 23 or 25
    hours on the days the clocks change) gone by ``b``. For a due instant at 24:00 of the
    ``n``-th working day this is ``n``.
    """
    tz = cal.tz
    day_a, day_b = a.astimezone(tz).date(), b.astimezone(tz).date()
    if day_b <= day_a:
        return 0.0
    whole = cal.working_days_between(day_a, day_b - timedelta(days=1))
    if not cal.is_working_day(day_b):
        return float(whole)
    start = datetime.combine(day_b, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day_b + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return whole + (b.astimezone(UTC) - start) / (end - start)


def due_soon(
    report: Report, compiled: CompiledRuleset, now: datetime, within: timedelta
) -> tuple[list[DueSoon], int]:
    """The open duties (pending obligations) due within ``within`` of ``now`` and the open rights
    (pending permissions and powers, opened by ``now``) whose closing comes within it, soonest
    first, and how many duties are open in all (those without a due instant included; the
    rights are not counted there: the items say which of them are rights).

    ``share_used`` = (now - trigger) / (due - trigger), counted as the instance's deadline
    counts: in working time for working hours, in working days for working days
    (:func:`working_days_elapsed`), else in clock time; 1 when no time was allowed.
    """
    from ..errors import CalendarError
    from ..render import DueSoon

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
        measure, share = "clock", _share(used // _US, allowed // _US)
        unit = deadline.unit if deadline is not None else None
        cal = compiled.calendar
        with contextlib.suppress(CalendarError):  # outside the calendar's data: clock time
            if unit == "working_hours":
                used, allowed = (
                    cal.working_time_between(o.trigger_at, now_utc),
                    cal.working_time_between(o.trigger_at, o.due),
                )
                measure, share = unit, _share(used // _US, allowed // _US)
            elif unit == "working_days":
                measure, share = (
                    unit,
                    _share(
                        working_days_elapsed(cal, o.trigger_at, now_utc),
                        working_days_elapsed(cal, o.trigger_at, o.due),
                    ),
                )
        items.append(DueSoon(o, now, o.due - now_utc, share, measure, warning_level(share)))
    rights = _closing_rights(report, now)
    items.extend(r for r in rights if r.obligation.closes is not None and r.time_left <= within)
    items.sort(key=lambda d: (d.time_left, d.obligation.trigger_at, d.obligation.rule))
    return items, len(open_)


def _closing_rights(report: Report, now: datetime) -> list[DueSoon]:
    """The rights open at ``now`` that have a closing, each as a :class:`DueSoon` of its
    window: time left until the closing, the share of [opening, closing) gone by (clock)."""
    from ..render import DueSoon

    now_utc = now.astimezone(UTC)
    out: list[DueSoon] = []
    for o, since in report.rights_open():
        closes = o.closes
        if closes is None or since.astimezone(UTC) > now_utc:
            continue
        opening = since.astimezone(UTC)
        allowed, used = closes.astimezone(UTC) - opening, now_utc - opening
        share = _share(used // _US, allowed // _US)
        left = closes.astimezone(UTC) - now_utc
        out.append(DueSoon(o, now, left, share, "clock", warning_level(share), right=True))
    return out


def _configure_upcoming(p: argparse.ArgumentParser) -> None:
    _add_input_options(p, at="--now", at_aliases=("--as-of",))
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
    from ..render import render_upcoming

    ruleset = load_rules(args.rules)
    now = resolve_instant(args.now, "--now", ruleset) or datetime.now(
        ZoneInfo(ruleset.contract.timezone)
    )
    now = now.astimezone(ZoneInfo(ruleset.contract.timezone))
    try:
        (now.astimezone(UTC) + args.within).astimezone(ZoneInfo(ruleset.contract.timezone))
    except OverflowError:
        raise CliError(
            EXIT_ERROR,
            f"--within {args.within.days}d from {now.isoformat()} reaches past the year 9999",
        ) from None
    done = evaluate_input(args, ruleset, now)
    items, open_count = due_soon(done.report, done.compiled, now, args.within)
    if args.format == "json":
        # keys sorted, as in every other JSON output; the list stays soonest first
        doc: Any = [d.to_dict() for d in items]
        imported = done.import_dict()
        if imported is not None:
            doc = {"upcoming": doc, "import": imported}
        _out().write(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        for line in done.import_lines():
            print(line, file=sys.stderr)
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
