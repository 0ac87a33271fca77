"""The interval index behind a calendar: a table of working intervals (epoch microseconds, UTC)
with a prefix sum of working time (:class:`_Table`), and its datetime mirror for the scalar hot
paths (:class:`_Fast`)."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .units import _EPOCH, _TWO_DAYS_US, _US_PER_DAY


class _Table:
    """Immutable working-time table over the whole years ``first_year..last_year``.

    ``starts``/``ends``: disjoint sorted working intervals (epoch µs; touching ones merged);
    ``cum[i]``: working µs before interval ``i`` (``len(cum) == len(starts) + 1``);
    ``day_lo[j]``: local midnight (epoch µs) starting day ``first_ordinal + j``, with one extra
    entry for the day after the last (so ``day_lo[0] == lo_us`` and ``day_lo[-1] == hi_us``);
    ``wd_upto[j]``: working days among days ``0..j``; ``workdays[k]``: ordinal of the k-th
    working day and ``wd_end[k]``: its 24:00 (epoch µs).
    """

    __slots__ = (
        "_np",
        "cum",
        "day_lo",
        "ends",
        "first_ordinal",
        "first_year",
        "hi_us",
        "last_year",
        "lo_us",
        "starts",
        "wd_end",
        "wd_upto",
        "workdays",
    )

    def __init__(
        self,
        first_year: int,
        last_year: int,
        day_lo: list[int],
        wd_upto: list[int],
        workdays: list[int],
        wd_end: list[int],
        starts: list[int],
        ends: list[int],
        cum: list[int],
    ) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.first_ordinal = date(first_year, 1, 1).toordinal()
        self.day_lo = day_lo
        self.lo_us = day_lo[0]
        self.hi_us = day_lo[-1]
        self.wd_upto = wd_upto
        self.workdays = workdays
        self.wd_end = wd_end
        self.starts = starts
        self.ends = ends
        self.cum = cum
        self._np: tuple[Any, Any, Any] | None = None

    def arrays(self) -> tuple[Any, Any, Any]:
        """(starts, ends, cum) as int64 numpy arrays, built once."""
        if self._np is None:
            import numpy as np

            self._np = (
                np.asarray(self.starts, dtype=np.int64),
                np.asarray(self.ends, dtype=np.int64),
                np.asarray(self.cum, dtype=np.int64),
            )
        return self._np

    def work_before(self, x: int) -> int:
        """Working µs in ``[lo_us, x)``; ``x`` must lie in ``[lo_us, hi_us]``."""
        i = bisect.bisect_right(self.starts, x) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + (x if x < end else end) - self.starts[i]


class _Fast:
    """The scalar hot paths' mirror of one :class:`_Table`: the same numbers as datetimes.

    Converting between ints and aware datetimes costs several times a ``bisect``, so the scalar
    methods search and add directly in datetimes and timedeltas, which are exact integer
    arithmetic too. Two forms of datetime are used; each is ordered exactly like the instants it
    stands for, because datetimes that share one tzinfo compare and subtract field by field:

    - *UTC form*: UTC wall fields, ``tzinfo=UTC`` (an input in UTC already is one);
    - *U form*: UTC wall fields labelled with the calendar's zone. ``tz.fromutc`` turns it into the
      local result; that is the very call ``datetime.fromtimestamp(x, tz)`` makes after splitting
      ``x`` into UTC fields, so results are identical for every zone, DST zones included, and no
      zone needs to be proven free of offset changes.

    ``starts``/``ends``/``day_lo``: UTC form of the table's lists; ``cum``: its prefix sums as
    timedeltas (``n_cum`` of them). ``origin[i]`` is ``starts[i] - cum[i]`` (UTC form) and
    ``origin_u[i]`` the same in U form: inside interval ``i`` the working time before ``x`` is
    ``x - origin[i]``, and the instant at working time ``w`` is ``origin_u[i] + w``: one
    operation each. ``wd_end``: each working day's 24:00 already as the local datetime the general
    path returns (datetimes are immutable, so one object can be handed out many times).
    ``day_flag[j]``: 1 if day ``j`` is a working day, 0 if not; 3 or 2 for the same when its
    year is covered only by the fallback: that answer stands once the year's assumption is
    recorded (``BusinessCalendar._noted``); until then the general path answers, recording it.

    ``by_day[j]``: how many ``starts`` are <= 00:00 UTC of the ``j``-th UTC date from ``lo``'s
    (``first_utc_ordinal``). An instant on that UTC date is then searched only between entries
    ``j`` and ``j + 1``: a day holds a window or two, not hundreds. ``mid``, ``wd_before`` and
    ``wd_after`` do the same for the local midnights, see ``__init__``.

    ``noisy``: the calendar has a fallback and this table reaches years outside coverage, so an
    answer may have to record an assumption. Outside ``[note_lo, note_hi]`` (``note_lo`` in UTC
    form, ``note_hi_u`` in U form, ``_us``: as ints) an answer might touch such a year, and the
    caller records it as the general path does. Inside, it cannot: the bounds are two days
    inside the covered years' local midnights, and a UTC offset is always less than a day, so no
    instant there has a local date in another year.
    """

    __slots__ = (
        "by_day",
        "cob",
        "cum",
        "day_flag",
        "day_lo",
        "ends",
        "first_ordinal",
        "first_utc_ordinal",
        "fromutc",
        "hi",
        "lo",
        "lo_u",
        "mid",
        "n_cum",
        "n_utc_days",
        "n_workdays",
        "noisy",
        "note_hi_u",
        "note_hi_us",
        "note_lo",
        "origin",
        "origin_u",
        "starts",
        "tab",
        "tz",
        "utcoffset",
        "wd_after",
        "wd_before",
        "wd_end",
    )

    def __init__(
        self,
        tab: _Table,
        tz: ZoneInfo,
        cov: tuple[int, int],
        has_fallback: bool,
        from_us: Callable[[int], datetime],
    ) -> None:
        epoch_u = datetime(1970, 1, 1, tzinfo=tz)
        self.tab = tab
        self.tz = tz
        self.fromutc = tz.fromutc
        self.utcoffset = tz.utcoffset  # direct: see BusinessCalendar._utcoffset
        self.starts = [_EPOCH + timedelta(microseconds=x) for x in tab.starts]
        self.ends = [_EPOCH + timedelta(microseconds=x) for x in tab.ends]
        self.cum = [timedelta(microseconds=x) for x in tab.cum]
        self.n_cum = len(tab.cum)
        origin = [timedelta(microseconds=s - c) for s, c in zip(tab.starts, tab.cum, strict=False)]
        self.origin = [_EPOCH + x for x in origin]
        self.origin_u = [epoch_u + x for x in origin]
        self.day_lo = [_EPOCH + timedelta(microseconds=x) for x in tab.day_lo]
        self.lo, self.hi = self.day_lo[0], self.day_lo[-1]
        self.lo_u = epoch_u + timedelta(microseconds=tab.lo_us)
        self.n_workdays = len(tab.workdays)
        self.wd_end = [from_us(x) for x in tab.wd_end]
        self.cob: dict[int, datetime] = {}  # k -> close of business of working day k, on demand
        self.first_ordinal = tab.first_ordinal

        # UTC-date buckets, up to the day after hi's UTC date (an instant <= hi uses j + 1)
        self.first_utc_ordinal = self.lo.toordinal()
        epoch_day = self.first_utc_ordinal - _EPOCH.toordinal()
        midnights = [
            (epoch_day + j) * _US_PER_DAY
            for j in range(self.hi.toordinal() - self.first_utc_ordinal + 2)
        ]
        self.by_day = [bisect.bisect_right(tab.starts, m) for m in midnights]
        # add_working_days: the local day of an instant on UTC date j is found by one comparison
        # when that UTC date holds at most one local midnight (always, unless a DST change makes
        # a local day shorter than 24 h). wd_before/wd_after[j]: working days up to the local day
        # before/after mid[j]; n_workdays where no answer is possible (before lo, from hi on,
        # two midnights in one UTC date): the caller then takes the general path.
        self.n_utc_days = len(midnights) - 1
        self.mid: list[datetime] = []
        self.wd_before: list[int] = []
        self.wd_after: list[int] = []
        n_days, none = len(tab.wd_upto), len(tab.workdays)
        for j in range(self.n_utc_days):
            c0 = bisect.bisect_right(tab.day_lo, midnights[j])
            c1 = bisect.bisect_right(tab.day_lo, midnights[j + 1])
            before = tab.wd_upto[c0 - 1] if 1 <= c0 <= n_days else none
            if c1 == c0:  # no local midnight on this UTC date
                self.mid.append(_EPOCH + timedelta(microseconds=midnights[j + 1]))
                self.wd_before.append(before)
                self.wd_after.append(before)
            elif c1 == c0 + 1:
                self.mid.append(self.day_lo[c0])
                self.wd_before.append(before)
                self.wd_after.append(tab.wd_upto[c0] if c0 < n_days else none)
            else:
                self.mid.append(self.lo)
                self.wd_before.append(none)
                self.wd_after.append(none)

        cov_lo, cov_hi = cov
        flags: list[int] = []
        prev = 0
        for j, upto in enumerate(tab.wd_upto):
            year = date.fromordinal(tab.first_ordinal + j).year
            flags.append(upto - prev if cov_lo <= year <= cov_hi else 2 + upto - prev)
            prev = upto
        self.day_flag = flags

        def local_new_year(year: int) -> int:  # first_year <= year <= last_year + 1
            return tab.day_lo[date(year, 1, 1).toordinal() - tab.first_ordinal]

        lo_us, hi_us = tab.lo_us, tab.hi_us
        note_lo, note_hi = lo_us, hi_us
        if has_fallback:
            if cov_lo > tab.last_year + 1:
                note_lo = hi_us + 1  # nothing is safe
            elif cov_lo >= tab.first_year:
                note_lo = min(local_new_year(cov_lo) + _TWO_DAYS_US, hi_us + 1)
            if cov_hi + 1 < tab.first_year:
                note_hi = lo_us - 1
            elif cov_hi <= tab.last_year:
                note_hi = max(local_new_year(cov_hi + 1) - _TWO_DAYS_US, lo_us - 1)
        self.noisy = note_lo != lo_us or note_hi != hi_us
        self.note_hi_us = note_hi
        self.note_lo = _EPOCH + timedelta(microseconds=note_lo)
        self.note_hi_u = epoch_u + timedelta(microseconds=note_hi)

    def utc_form(self, t: datetime) -> datetime | None:
        """``t`` (an exact ``datetime``, not in UTC) in UTC form, or None: use the general path.

        Exact: the instant is fixed by ``t.utcoffset()`` as in ``t - epoch``. Only tzinfos whose
        ``utcoffset`` is never None are accepted (``ZoneInfo``, fixed offsets; ``astimezone``
        would read None as local system time); a naive datetime, another tzinfo, or a value next
        to ``datetime.min``/``max`` returns None.
        """
        tzi = t.tzinfo
        try:
            if tzi is self.tz:
                off = self.utcoffset(t)
                if off is not None:  # U form, then relabelled: cheaper than astimezone
                    return self.lo + ((t - off) - self.lo_u)
            elif type(tzi) is timezone or type(tzi) is ZoneInfo:
                return t.astimezone(UTC)
        except OverflowError:
            pass
        return None
