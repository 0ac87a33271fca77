"""Benchmark of contract_rules.calendar working-time arithmetic. Prints ratios, asserts nothing.

Run from the repository root::

    python -m benchmarks.bench_calendar            # 100k instants, seed 20251117
    python -m benchmarks.bench_calendar --n 20000  # quicker

On the same random instants over 2024-01-01..2026-10-31 (cn-national, Asia/Shanghai, 09:00–18:00)
and 1–24 working hours (or working days), it times:

- floor: numpy ``searchsorted`` over an interval table built here from the public API
  (``is_working_day`` + ``windows_for``), inputs and outputs int64 epoch µs — ratio 1.0;
- ``BusinessCalendar.add_working_hours`` called in a Python loop (aware datetimes in and out);
- ``BusinessCalendar.add_working_hours_batch`` (arrays in, arrays out);
- ``BusinessCalendar.add_working_days`` in a loop, against its own numpy floor;
- ``BusinessCalendar.classify`` and ``add_clock`` in a loop (the engine calls them per request),
  for information, against the working-hours floor;
- pandas ``CustomBusinessHour`` (7-day weekmask, every non-working day a holiday, 09:00–18:00);
- a loop over ``chinese_calendar.is_workday`` (the ``chinesecalendar`` package);

and counts the results that disagree with ``add_working_hours``. Table building and input
conversion are not timed. Runs in well under a minute; ``--pandas-n`` times pandas on a subsample
and scales its cost to ``--n``. Missing optional packages are reported in the table.
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from benchmarks._timing import best_of
from contract_rules.calendar import BusinessCalendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
HOUR_US = 3_600_000_000
NAN = float("nan")
FIRST = date(2024, 1, 1)
LAST_START = date(2026, 10, 31)  # + 24 working days stays inside 2026


def interval_table(cal: BusinessCalendar, years: range) -> tuple[Any, Any, Any, Any]:
    """(starts, ends, cum, workday ordinals) as numpy arrays, from the public API only."""
    import numpy as np

    starts: list[int] = []
    ends: list[int] = []
    workdays: list[int] = []
    d = date(years.start, 1, 1)
    while d.year < years.stop:
        if cal.is_working_day(d):
            workdays.append(d.toordinal())
            for ws, we in cal.working_hours.windows_for(d):
                starts.append((datetime.combine(d, ws, tzinfo=cal.tz) - EPOCH) // US)
                ends.append((datetime.combine(d, we, tzinfo=cal.tz) - EPOCH) // US)
        d += timedelta(days=1)
    st = np.asarray(starts, dtype=np.int64)
    en = np.asarray(ends, dtype=np.int64)
    cum = np.concatenate(([0], np.cumsum(en - st))).astype(np.int64)
    return st, en, cum, np.asarray(workdays, dtype=np.int64)


def floor_hours(st: Any, en: Any, cum: Any, starts: Any, work: Any) -> Any:
    """The vectorised reference: working µs before each start, plus ``work``, mapped back."""
    import numpy as np

    i = np.searchsorted(st, starts, side="right") - 1
    ic = np.maximum(i, 0)
    before = np.where(i >= 0, cum[ic] + np.minimum(starts, en[ic]) - st[ic], 0)
    target = before + work
    k = np.searchsorted(cum, target, side="left") - 1
    return st[k] + (target - cum[k])


def floor_days(workdays: Any, starts: Any, n: Any, offset_us: int) -> Any:
    """Vectorised N-working-days-after: 00:00 (local, fixed offset) after the N-th working day."""
    import numpy as np

    epoch_ordinal = date(1970, 1, 1).toordinal()
    local_day = (starts + offset_us) // 86_400_000_000 + epoch_ordinal
    k = np.searchsorted(workdays, local_day, side="right") + n - 1
    return (workdays[k] + 1 - epoch_ordinal) * 86_400_000_000 - offset_us


def ref_classes(st: Any, en: Any, workdays: Any, starts: Any, offset_us: int) -> Any:
    """Vectorised ``classify`` (fixed offset): the class of each start, as strings."""
    import numpy as np

    epoch_ordinal = date(1970, 1, 1).toordinal()
    local_day = (starts + offset_us) // 86_400_000_000 + epoch_ordinal
    i = np.searchsorted(st, starts, side="right") - 1
    inside = (i >= 0) & (starts < en[np.maximum(i, 0)])
    return np.where(
        ~np.isin(local_day, workdays),
        "non_working_day",
        np.where(inside, "working_hours", "outside_working_hours"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=100_000, help="instants (default 100000)")
    parser.add_argument("--seed", type=int, default=20251117)
    parser.add_argument(
        "--pandas-n", type=int, default=100_000, help="pandas subsample size (default: all)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    try:
        import numpy as np
    except ImportError:
        print("numpy is not installed: the benchmark needs it (pip install numpy)")
        return 2

    n = args.n
    cal = BusinessCalendar("Asia/Shanghai", ("cn-national",))
    tz = cal.tz
    rng = np.random.default_rng(args.seed)
    lo = (datetime.combine(FIRST, time(0), tzinfo=tz) - EPOCH) // US
    hi = (datetime.combine(LAST_START, time(23, 59), tzinfo=tz) - EPOCH) // US
    # whole seconds, so that every library sees exactly the same instants
    starts = rng.integers(lo // 1_000_000, hi // 1_000_000, n, dtype=np.int64) * 1_000_000
    hours = rng.integers(1, 25, n, dtype=np.int64)
    work = hours * HOUR_US
    start_dts = [EPOCH + timedelta(microseconds=s) for s in starts.tolist()]
    deltas = [timedelta(hours=h) for h in hours.tolist()]
    counts = hours.tolist()

    st, en, cum, workdays = interval_table(cal, range(2024, 2027))
    rows: list[tuple[str, float, float | None, str, str]] = []

    # floors
    t_floor, ref = best_of(5 * args.repeat, lambda: floor_hours(st, en, cum, starts, work))
    offset = 8 * HOUR_US
    t_floor_days, ref_days = best_of(
        5 * args.repeat, lambda: floor_days(workdays, starts, hours, offset)
    )

    # scalar API
    def scalar_hours() -> list[datetime]:
        add = cal.add_working_hours
        return [add(t, d) for t, d in zip(start_dts, deltas, strict=True)]

    def scalar_days() -> list[datetime]:
        add = cal.add_working_days
        return [add(t, k) for t, k in zip(start_dts, counts, strict=True)]

    def scalar_classify() -> list[str]:
        classify = cal.classify
        return [classify(t) for t in start_dts]

    def scalar_clock() -> list[datetime]:
        add = cal.add_clock
        return [add(t, d) for t, d in zip(start_dts, deltas, strict=True)]

    t_scalar, ours_dt = best_of(args.repeat, scalar_hours)
    ours = np.asarray([(x - EPOCH) // US for x in ours_dt], dtype=np.int64)
    t_days, days_dt = best_of(args.repeat, scalar_days)
    days_us = np.asarray([(x - EPOCH) // US for x in days_dt], dtype=np.int64)
    t_batch, batch = best_of(5 * args.repeat, lambda: cal.add_working_hours_batch(starts, work))
    t_classify, classes = best_of(args.repeat, scalar_classify)
    t_clock, clock_dt = best_of(args.repeat, scalar_clock)
    clock_us = np.asarray([(x - EPOCH) // US for x in clock_dt], dtype=np.int64)

    rows.append(("numpy searchsorted floor (hours)", t_floor, 1.0, "—", "= 1.0"))
    rows.append(
        (
            "add_working_hours_batch",
            t_batch,
            t_batch / t_floor,
            str(int((batch != ref).sum())),
            "≤ 2×",
        )
    )
    rows.append(
        (
            "add_working_hours (scalar loop)",
            t_scalar,
            t_scalar / t_floor,
            str(int((ours != ref).sum())),
            "≤ 10×",
        )
    )
    rows.append(("numpy searchsorted floor (days)", t_floor_days, None, "—", "floor of next"))
    rows.append(
        (
            "add_working_days (scalar loop)",
            t_days,
            t_days / t_floor_days,
            str(int((days_us != ref_days).sum())),
            f"≤ 10× (vs the hours floor: {t_days / t_floor:.1f}×)",
        )
    )

    rows.append(
        (
            "classify (scalar loop)",
            t_classify,
            t_classify / t_floor,
            str(int((np.asarray(classes) != ref_classes(st, en, workdays, starts, offset)).sum())),
            "— (vs the hours floor)",
        )
    )
    rows.append(
        (
            "add_clock (scalar loop)",
            t_clock,
            t_clock / t_floor,
            str(int((clock_us != starts + work).sum())),
            "— (vs the hours floor)",
        )
    )

    # pandas CustomBusinessHour
    try:
        import pandas as pd

        d = FIRST
        holidays = []
        while d <= date(2026, 12, 31):
            if not cal.is_working_day(d):
                holidays.append(d)
            d += timedelta(days=1)
        offsets = {
            h: pd.offsets.CustomBusinessHour(
                n=h,
                weekmask="Mon Tue Wed Thu Fri Sat Sun",
                holidays=holidays,
                start="09:00",
                end="18:00",
            )
            for h in range(1, 25)
        }
        m = min(n, args.pandas_n)
        local = (
            pd.to_datetime(starts[:m], unit="us", utc=True)
            .tz_convert("Asia/Shanghai")
            .tz_localize(None)
        )

        def pandas_loop() -> list[Any]:
            return [ts + offsets[h] for ts, h in zip(local, counts[:m], strict=True)]

        t_pd, pd_out = best_of(1, pandas_loop)
        pd_us = (
            pd.DatetimeIndex(pd_out)
            .tz_localize("Asia/Shanghai")
            .tz_convert("UTC")
            .as_unit("us")
            .asi8
        )
        t_pd_scaled = t_pd * n / m
        label = "pandas CustomBusinessHour" + (f" ({m} timed, scaled)" if m < n else "")
        differ = np.flatnonzero(pd_us != ours[:m])
        # pandas returns the next opening where the result is exactly a closing time (18:00);
        # count those separately: the same working time, a different clock instant
        at_close = sum(
            1
            for j in differ.tolist()
            if ours_dt[j].time() == time(18)
            and (cal.next_working_instant(ours_dt[j]) - EPOCH) // US == int(pd_us[j])
        )
        rows.append(
            (
                label,
                t_pd_scaled,
                t_pd_scaled / t_floor,
                f"{len(differ)} of {m} ({at_close} at close)",
                "—",
            )
        )
    except ImportError:
        rows.append(("pandas: not installed (pip install pandas)", NAN, None, "—", "—"))

    # chinesecalendar
    try:
        from chinese_calendar import (  # type: ignore[import-untyped,unused-ignore]
            is_workday,
        )

        nine, six = time(9), time(18)
        one_day = timedelta(days=1)

        def cc_add(t: datetime, remaining: timedelta) -> datetime:
            local_t = t.astimezone(tz).replace(tzinfo=None)
            day, cur = local_t.date(), local_t
            while True:
                if is_workday(day):
                    ws, we = datetime.combine(day, nine), datetime.combine(day, six)
                    s = max(cur, ws)
                    if s < we:
                        if remaining <= we - s:
                            return (s + remaining).replace(tzinfo=tz)
                        remaining -= we - s
                day += one_day
                cur = datetime.combine(day, time(0))

        def cc_loop() -> list[datetime]:
            return [cc_add(t, d) for t, d in zip(start_dts, deltas, strict=True)]

        t_cc, cc_out = best_of(1, cc_loop)
        cc_us = np.asarray([(x - EPOCH) // US for x in cc_out], dtype=np.int64)
        rows.append(
            (
                "chinesecalendar is_workday loop",
                t_cc,
                t_cc / t_floor,
                str(int((cc_us != ours).sum())),
                "—",
            )
        )
    except ImportError:
        rows.append(
            ("chinesecalendar: not installed (pip install chinesecalendar)", NAN, None, "—", "—")
        )

    versions = f"Python {platform.python_version()}, numpy {np.__version__}"
    if "pandas" in sys.modules:
        versions += f", pandas {sys.modules['pandas'].__version__}"
    if "chinese_calendar" in sys.modules:
        versions += (
            f", chinesecalendar {getattr(sys.modules['chinese_calendar'], '__version__', '?')}"
        )
    print(f"contract_rules.calendar benchmark: n={n}, seed={args.seed}, 1–24 working hours/days")
    print(f"{cal.describe()}; {versions}; {platform.machine()}")
    print()
    print(f"| {'method':<52} | {'total ms':>9} | {'ns/op':>7} | {'ratio':>7} | disagree | target |")
    print(f"|{'-' * 54}|{'-' * 11}|{'-' * 9}|{'-' * 9}|----------|--------|")
    for name, secs, ratio, disagree, target in rows:
        r = f"{ratio:.1f}×" if ratio is not None else "—"
        total = "—" if secs != secs else f"{secs * 1e3:.1f}"
        per = "—" if secs != secs else f"{secs / n * 1e9:.0f}"
        print(f"| {name:<52} | {total:>9} | {per:>7} | {r:>7} | {disagree:>8} | {target} |")
    print()
    print(
        "disagree: results that differ from add_working_hours (for add_working_days, classify"
        " and add_clock: from their own numpy references)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
