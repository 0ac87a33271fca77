"""The public calendar: :class:`BusinessCalendar` (see the package's docstring)."""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import CalendarCoverageError, CalendarError
from .hours import WorkingHours, _tod_us
from .index import _Fast, _Table
from .layers import _NATIONAL, AVAILABLE_LAYERS, _Layer, _load_layer, _unknown_layer, is_known_layer
from .units import (
    _EPOCH,
    _FAST_MAX_YEARS,
    _FLOAT_SAFE_US,
    _MAX_YEAR,
    _MIDNIGHT,
    _MIN_YEAR,
    _ONE_DAY,
    _REF_UTC,
    _US,
    _US_PER_DAY,
    _ZERO,
    DayEnd,
    Fallback,
    PeriodUnit,
    WorkingTimeClass,
    _add_months,
    _aware_error,
    _check_aware,
    _local_us,
    _shift_days,
    _timedelta_error,
    _to_us,
    plain_date,
    plain_datetime,
    plain_timedelta,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class BusinessCalendar:
    """A business calendar: layers of announced days off / working days, a zone, working hours.

    ``layers`` are applied in order on top of the Monday–Friday rule (a later layer wins on a
    date both list); ``extra_days_off`` / ``extra_working_days`` are applied last. Coverage is the
    intersection of the layers' years. Outside it every question that depends on the calendar
    raises :class:`CalendarCoverageError` (naming day, year and layer) unless
    a fallback is accepted:

    - ``fallback="weekdays"``: a layer without data for a year contributes nothing that year (the
      Monday–Friday rule is assumed for it); recorded as
      ``"2027: layer cn-national has no data; weekday rule assumed"``;
    - ``fallback="national_only"``: only regional layers may lack a year (they then add nothing
      and the national schedule alone applies; ``cn-national`` must be a layer and is still
      required); recorded as ``"2024: layer cn-xinjiang has no data; national schedule only"``.

    Each assumption is appended to :attr:`assumptions` once per year and layer, when an answer
    actually used that year.

    All instants must be timezone-aware (any offset); results are aware datetimes in :attr:`tz`.
    Instances are safe to share between threads (tables are built under a lock, then immutable;
    two threads may both build a table's datetime mirror, and either copy is exact) and can be
    pickled. Arithmetic is supported for the years 2–9998.
    """

    tz: ZoneInfo
    layers: tuple[str, ...]
    coverage: tuple[date, date]
    assumptions: list[str]
    working_hours: WorkingHours
    fallback: Fallback | None

    def __init__(
        self,
        tz: str = "Asia/Shanghai",
        layers: Sequence[str] = ("cn-national",),
        *,
        working_hours: WorkingHours | None = None,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        fallback: Fallback | None = None,
    ) -> None:
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise CalendarError(f"unknown time zone {tz!r} (expected an IANA name)") from None
        names = (layers,) if isinstance(layers, str) else tuple(layers)
        if not names:
            raise CalendarError(
                f"a calendar needs at least one layer; known layers: {', '.join(AVAILABLE_LAYERS)}"
            )
        for n in names:
            if not is_known_layer(n):
                raise _unknown_layer(n)
        if len(set(names)) != len(names):
            raise CalendarError(f"calendar layers listed twice: {names}")
        if fallback not in (None, "weekdays", "national_only"):
            raise CalendarError(
                f"unknown fallback {fallback!r}; known fallbacks: 'weekdays', 'national_only'"
            )
        if fallback == "national_only" and _NATIONAL not in names:
            raise CalendarError(
                f"fallback 'national_only' needs the {_NATIONAL} layer; layers are {names}"
            )
        if working_hours is not None and not isinstance(working_hours, WorkingHours):
            raise CalendarError(f"working_hours must be a WorkingHours, got {working_hours!r}")
        self.layers = names
        self.fallback = fallback
        self.working_hours = working_hours if working_hours is not None else WorkingHours()
        self._layers = tuple(_load_layer(n) for n in names)

        overrides: dict[date, bool] = {}
        for layer in self._layers:
            overrides.update(dict.fromkeys(layer.days_off, False))
            overrides.update(dict.fromkeys(layer.working_days, True))
        off = {self._as_extra_day(d, "extra_days_off") for d in extra_days_off}
        work = {self._as_extra_day(d, "extra_working_days") for d in extra_working_days}
        if off & work:
            clash = ", ".join(sorted(d.isoformat() for d in off & work))
            raise CalendarError(f"days both in extra_days_off and extra_working_days: {clash}")
        overrides.update(dict.fromkeys(off, False))
        overrides.update(dict.fromkeys(work, True))
        self._overrides = overrides
        self._n_extra = (len(off), len(work))

        lo, hi = 1, 9999
        for layer in self._layers:
            if layer.years is not None:
                lo, hi = max(lo, layer.years[0]), min(hi, layer.years[-1])
        if lo > hi:
            raise CalendarError(f"calendar layers {names} have no year in common")
        self._cov_lo, self._cov_hi = lo, hi
        self.coverage = (date(lo, 1, 1), date(hi, 12, 31))

        self.assumptions = []
        self._assumed: set[str] = set()
        #: the years whose fallback assumptions are all recorded (in ``assumptions``)
        self._noted: set[int] = set()
        self._lock = threading.Lock()
        self._table: _Table | None = None
        self._init_fast()

    def _init_fast(self) -> None:
        # _fast mirrors _table for the scalar hot paths; it is built after a call has taken the
        # general path (see _refresh_fast), so a table that is only used once costs nothing more.
        self._fast: _Fast | None = None
        self._fromutc = self.tz.fromutc
        #: the zone's own utcoffset, called directly: ``t.utcoffset()`` reaches it through a
        #: method lookup by name on every call, seven times slower (ZoneInfo's answer needs none
        #: of the checks datetime adds)
        self._utcoffset = self.tz.utcoffset
        self._ref_u = datetime(2000, 1, 1, tzinfo=self.tz)  # _REF_UTC's fields, in U form

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for private in ("_lock", "_table", "_layers", "_fast", "_fromutc", "_utcoffset", "_ref_u"):
            del state[private]  # rebuilt on unpickling
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._layers = tuple(_load_layer(n) for n in self.layers)
        self._lock = threading.Lock()
        self._table = None
        self._init_fast()

    def _refresh_fast(self) -> None:
        """Build the hot paths' mirror of the current table if it has none yet.

        Called after a general-path call, which may have built or grown the table. Another thread
        may replace the table meanwhile; a mirror of an older table is still exact for its span.
        """
        tab = self._table
        if tab is None or (self._fast is not None and self._fast.tab is tab):
            return
        if tab.last_year - tab.first_year >= _FAST_MAX_YEARS:
            self._fast = None  # general path only: see _FAST_MAX_YEARS
        else:
            self._fast = _Fast(
                tab, self.tz, (self._cov_lo, self._cov_hi), self.fallback is not None, self._from_us
            )

    def __repr__(self) -> str:
        fb = f", fallback={self.fallback!r}" if self.fallback else ""
        return f"BusinessCalendar({self.tz.key!r}, {self.layers!r}{fb})"

    @staticmethod
    def _as_extra_day(d: object, what: str) -> date:
        d = plain_date(d) if isinstance(d, date) else d
        if type(d) is not date:
            raise CalendarError(f"{what}: {d!r} is not a datetime.date")
        return d

    # ---- coverage ---------------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        """True when every layer has data for ``day`` (the fallback is not considered)."""
        return self._cov_lo <= self._as_day(day).year <= self._cov_hi

    def _missing_layers(self, year: int) -> list[_Layer]:
        return [
            layer
            for layer in self._layers
            if layer.years is not None and not layer.years[0] <= year <= layer.years[-1]
        ]

    def _require_year(self, year: int, day: date) -> None:
        """Raise unless ``year`` may be used: covered by every layer, or fallback accepted."""
        if self._cov_lo <= year <= self._cov_hi:
            return
        missing = self._missing_layers(year)
        if self.fallback == "national_only":
            missing = [layer for layer in missing if layer.name == _NATIONAL]
        elif self.fallback == "weekdays":
            missing = []
        if missing:
            raise CalendarCoverageError(day, missing[0].name, missing[0].covered_text())

    def _note_years(self, y0: int, y1: int) -> None:
        """Record the fallback for every uncovered year in ``y0..y1`` (no-op without fallback).

        Only called once :meth:`_require_year` accepted these years.
        """
        if self.fallback is None or (self._cov_lo <= y0 and y1 <= self._cov_hi):
            return
        what = "weekday rule assumed" if self.fallback == "weekdays" else "national schedule only"
        with self._lock:
            for year in range(y0, y1 + 1):
                if self._cov_lo <= year <= self._cov_hi:
                    continue
                for layer in self._missing_layers(year):
                    msg = f"{year}: layer {layer.name} has no data; {what}"
                    if msg not in self._assumed:
                        self._assumed.add(msg)
                        self.assumptions.append(msg)
                self._noted.add(year)

    def assumptions_for(self, years: Iterable[int]) -> list[str]:
        """The fallback assumptions that answers about ``years`` rest on, in year order.

        Pure: unlike :attr:`assumptions` (everything this shared calendar has assumed so far),
        the result depends only on ``years``, so one evaluation's report never carries another's.
        """
        if self.fallback is None:
            return []
        what = "weekday rule assumed" if self.fallback == "weekdays" else "national schedule only"
        return [
            f"{year}: layer {layer.name} has no data; {what}"
            for year in sorted(set(years))
            if not self._cov_lo <= year <= self._cov_hi
            for layer in self._missing_layers(year)
        ]

    def _note_span(self, x0: int, x1: int) -> None:
        if self.fallback is not None:
            self._note_years(self._from_us(x0).year, self._from_us(max(x0, x1 - 1)).year)

    # ---- conversions ------------------------------------------------------------------------

    def _from_us(self, x: int) -> datetime:
        """The instant ``x`` (epoch µs) as a normalised aware datetime in ``tz``."""
        if 0 <= x < _FLOAT_SAFE_US:
            return datetime.fromtimestamp(x / 1e6, self.tz)
        try:
            return (_EPOCH + timedelta(microseconds=x)).astimezone(self.tz)
        except OverflowError:
            raise CalendarError("result is outside the supported dates") from None

    def _as_day(self, day: date) -> date:
        """A date as is; an aware datetime as its local date in ``tz``; else CalendarError."""
        if isinstance(day, datetime):
            return self._from_us(_to_us(day)).date()
        if not isinstance(day, date):
            raise CalendarError(f"expected a datetime.date, got {type(day).__name__} {day!r}")
        return plain_date(day)

    def _local_date(self, t: datetime) -> date:
        return self._from_us(_to_us(t)).date()

    def _day_start(self, day: date) -> datetime:
        """00:00 of ``day`` in ``tz`` (a nonexistent midnight becomes the DST transition)."""
        try:
            return self._from_us(_local_us(day, _MIDNIGHT, self.tz))
        except OverflowError:
            raise CalendarError(f"{day.isoformat()} is outside the supported dates") from None

    def _day_end(self, day: date, day_end: DayEnd) -> datetime:
        """24:00 of ``day`` (= next day 00:00), or the end of its last working-hour window."""
        if day_end == "close_of_business":
            windows = self.working_hours.windows_for(day)
            if windows and _tod_us(windows[-1][1], end=True) < _US_PER_DAY:
                return self._from_us(_local_us(day, windows[-1][1], self.tz))
        return self._day_start(_shift_days(day, 1))

    # ---- the table --------------------------------------------------------------------------

    def _segment(self, year: int) -> tuple[list[int], list[bool], list[int], list[int]]:
        """Local midnights, working flags and working intervals of one year (loops over days)."""
        tz, hours, over = self.tz, self.working_hours, self._overrides
        day_lo: list[int] = []
        working: list[bool] = []
        starts: list[int] = []
        ends: list[int] = []
        d = date(year, 1, 1)
        stop = date(year + 1, 1, 1)
        while d < stop:
            day_lo.append(_local_us(d, _MIDNIGHT, tz))
            is_working = over.get(d, d.weekday() < 5)
            working.append(is_working)
            if is_working:
                for ws, we in hours.windows_for(d):
                    s = _local_us(d, ws, tz)
                    if _tod_us(we, end=True) == _US_PER_DAY:
                        e = _local_us(d + _ONE_DAY, _MIDNIGHT, tz)
                    else:
                        e = _local_us(d, we, tz)
                    if e > s:
                        starts.append(s)
                        ends.append(e)
            d += _ONE_DAY
        return day_lo, working, starts, ends

    def _assemble(self, base: _Table | None, first_year: int, last_year: int) -> _Table:
        """A new table: ``base`` (if any) followed by the years up to ``last_year``."""
        if base is None:
            day_lo: list[int] = []
            wd_upto: list[int] = []
            workdays: list[int] = []
            wd_day: list[int] = []  # day index of each working day
            starts: list[int] = []
            ends: list[int] = []
            cum = [0]
            years = range(first_year, last_year + 1)
        else:
            day_lo = base.day_lo[:-1]
            wd_upto, workdays = list(base.wd_upto), list(base.workdays)
            wd_day = [o - base.first_ordinal for o in workdays]
            starts, ends, cum = list(base.starts), list(base.ends), list(base.cum)
            years = range(base.last_year + 1, last_year + 1)
        first_ordinal = date(first_year, 1, 1).toordinal()
        count = wd_upto[-1] if wd_upto else 0
        for year in years:
            lows, working, ss, es = self._segment(year)
            for is_working in working:
                if is_working:
                    wd_day.append(len(wd_upto))
                    workdays.append(first_ordinal + len(wd_upto))
                    count += 1
                wd_upto.append(count)
            day_lo.extend(lows)
            for s, e in zip(ss, es, strict=True):
                if ends and s <= ends[-1]:  # touching windows (or a DST overlap): merge
                    if e > ends[-1]:
                        cum[-1] += e - ends[-1]
                        ends[-1] = e
                else:
                    starts.append(s)
                    ends.append(e)
                    cum.append(cum[-1] + e - s)
        day_lo.append(_local_us(date(last_year + 1, 1, 1), _MIDNIGHT, self.tz))
        wd_end = [day_lo[j + 1] for j in wd_day]
        return _Table(first_year, last_year, day_lo, wd_upto, workdays, wd_end, starts, ends, cum)

    def _ensure_years(self, y0: int, y1: int, day: date) -> _Table:
        """The table, grown to cover years ``y0..y1``; ``day`` is named by a coverage error."""
        tab = self._table
        if tab is not None and tab.first_year <= y0 and y1 <= tab.last_year:
            return tab
        with self._lock:
            tab = self._table
            if tab is None:
                if self._cov_hi - self._cov_lo < 200:  # finite data: build all of it at once
                    lo, hi = min(y0, self._cov_lo), max(y1, self._cov_hi)
                else:
                    lo, hi = y0, y1
            else:
                lo, hi = min(y0, tab.first_year), max(y1, tab.last_year)
            for year in (y0, y1):
                self._require_year(year, day if day.year == year else date(year, 1, 1))
            for year in range(lo, hi + 1):
                self._require_year(year, date(year, 1, 1))
            if lo < _MIN_YEAR or hi > _MAX_YEAR:
                raise CalendarError(
                    f"{day.isoformat()}: calendar arithmetic is supported for the years "
                    f"{_MIN_YEAR}–{_MAX_YEAR} only"
                )
            if tab is not None and lo == tab.first_year:
                tab = self._assemble(tab, lo, hi)
            else:
                tab = self._assemble(None, lo, hi)
            self._table = tab
            return tab

    def _grow(self, tab: _Table, years: int) -> _Table:
        """Append ``years`` (>= 1) years after ``tab`` (coverage error without fallback)."""
        first = tab.last_year + 1
        last = max(first, min(tab.last_year + years, _MAX_YEAR))
        return self._ensure_years(first, last, date(first, 1, 1))

    def _table_for(self, x0: int, x1: int) -> _Table:
        """A table whose span ``[lo_us, hi_us]`` contains the instants ``x0 <= x1``."""
        tab = self._table
        if tab is not None and tab.lo_us <= x0 and x1 <= tab.hi_us:
            return tab
        d0 = self._from_us(x0).date()
        d1 = self._from_us(x1).date()
        return self._ensure_years(d0.year, d1.year, d0 if not self.covers(d0) else d1)

    def _table_for_days(self, d0: date, d1: date) -> _Table:
        tab = self._table
        if tab is not None and tab.first_year <= d0.year and d1.year <= tab.last_year:
            return tab
        return self._ensure_years(d0.year, d1.year, d0 if not self.covers(d0) else d1)

    # ---- days -------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True for a working day: Mon–Fri unless a layer lists it off, or an adjusted working day.

        ``day`` may also be an aware datetime (its local date in ``tz`` is used). Raises
        :class:`CalendarCoverageError` when a layer has no data for the year (unless fallback).
        """
        day = self._as_day(day)
        year = day.year
        if not self._cov_lo <= year <= self._cov_hi:
            self._require_year(year, day)
            self._note_years(year, year)
        return self._overrides.get(day, day.weekday() < 5)

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days in ``(a, b]``: after ``a``, up to and including ``b``.

        0 when ``b <= a``. Aware datetimes are taken as their local dates.
        """
        a, b = self._as_day(a), self._as_day(b)
        if b <= a:
            return 0
        first = _shift_days(a, 1)
        tab = self._table_for_days(first, b)
        wd = tab.workdays
        self._note_years(first.year, b.year)
        return bisect.bisect_right(wd, b.toordinal()) - bisect.bisect_right(wd, a.toordinal())

    def _next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        tab = self._table_for_days(day, day)
        i = bisect.bisect_left(tab.workdays, day.toordinal())
        while i >= len(tab.workdays):
            nyears = tab.last_year - tab.first_year + 1
            tab = self._grow(tab, 1 if tab.workdays else nyears)
        result = date.fromordinal(tab.workdays[i])
        self._note_years(day.year, result.year)
        return result

    # ---- instants ---------------------------------------------------------------------------

    def classify(self, t: datetime) -> WorkingTimeClass:
        """Which class of time the instant ``t`` (any offset) is in, judged in ``tz``.

        ``"non_working_day"`` if its local date is not a working day, else ``"working_hours"``
        inside a window (``[start, end)``) and ``"outside_working_hours"`` otherwise.
        """
        f = self._fast
        if f is not None and type(t) is datetime:
            tu = t if t.tzinfo is UTC else f.utc_form(t)
            if tu is not None and f.lo <= tu <= f.hi:
                # the local date exactly as _from_us gives it: fromutc of the U form
                local = f.fromutc(f.lo_u + (tu - f.lo))
                day = local.toordinal() - f.first_ordinal
                if 0 <= day < len(f.day_flag):
                    flag = f.day_flag[day]
                    if flag >= 2 and local.year in self._noted:
                        flag -= 2  # a fallback year whose assumption is recorded already
                    if flag == 0:
                        return "non_working_day"
                    if flag == 1:
                        j = tu.toordinal() - f.first_utc_ordinal
                        i = bisect.bisect_right(f.starts, tu, f.by_day[j], f.by_day[j + 1]) - 1
                        if i >= 0 and tu < f.ends[i]:
                            return "working_hours"
                        return "outside_working_hours"
        result = self._classify(t)
        self._refresh_fast()
        return result

    def _classify(self, t: datetime) -> WorkingTimeClass:
        """:meth:`classify` by the general path (any input; builds or grows the table)."""
        x = _to_us(t)
        if not self.is_working_day(self._from_us(x).date()):
            return "non_working_day"
        tab = self._table_for(x, x)
        i = bisect.bisect_right(tab.starts, x) - 1
        return "working_hours" if i >= 0 and x < tab.ends[i] else "outside_working_hours"

    def next_working_instant(self, t: datetime) -> datetime:
        """``t`` itself (in ``tz``) if it is inside working hours, else the next window start."""
        x = _to_us(t)
        tab = self._table_for(x, x)
        while True:
            i = bisect.bisect_right(tab.starts, x) - 1
            if i >= 0 and x < tab.ends[i]:
                self._note_span(x, x + 1)
                return self._from_us(x)
            if i + 1 < len(tab.starts):
                break
            # growing may merge the last interval with the next year's first one: re-check x
            tab = self._grow(tab, self._years_for_work(tab, 1))
        result = tab.starts[i + 1]
        self._note_span(x, result + 1)
        return self._from_us(result)

    def add_clock(self, t: datetime, d: timedelta) -> datetime:
        """``t + d`` in absolute (UTC) time, returned in ``tz``: clock-hour periods.

        Not extended over holidays and independent of the calendar data, so it never raises a
        coverage error. (Adding a timedelta to a local datetime directly would do wall-clock
        arithmetic, wrong across DST changes.)
        """
        if type(t) is datetime and type(d) is timedelta:
            # U form of t + d, then the zone's fromutc: the same steps as the general path's
            # astimezone calls, without building intermediate datetimes in UTC. Overflow happens
            # at the same steps too (t + d out of range, or its local time out of range).
            tzi = t.tzinfo
            try:
                if tzi is UTC:
                    return self._fromutc(self._ref_u + ((t - _REF_UTC) + d))
                if tzi is self.tz:
                    off = self._utcoffset(t)
                    if off is not None:
                        return self._fromutc((t - off) + d)
                elif (type(tzi) is timezone or type(tzi) is ZoneInfo) and 1 < t.year < 9999:
                    # t - _REF_UTC applies t.utcoffset(), never None for these tzinfos; only in
                    # years 1 and 9999 can t itself be out of range in UTC (the general path
                    # raises there even if t + d is not)
                    return self._fromutc(self._ref_u + ((t - _REF_UTC) + d))
            except OverflowError:
                raise CalendarError("result is outside the supported dates") from None
        t = plain_datetime(_check_aware(t))
        if not isinstance(d, timedelta):
            raise CalendarError(f"expected a timedelta, got {type(d).__name__} {d!r}")
        d = plain_timedelta(d)
        try:
            return (t.astimezone(UTC) + d).astimezone(self.tz)
        except OverflowError:
            raise CalendarError("result is outside the supported dates") from None

    def add_working_hours(self, t: datetime, d: timedelta) -> datetime:
        """The instant at which ``d`` of working time has elapsed since ``t``.

        Only time inside windows on working days counts; from outside a window, counting starts
        at the next working instant. The earliest such instant is returned, so a result that
        falls exactly at a window end is that end (17:00 + 1 h -> 18:00 the same day).
        ``d == 0`` returns ``t`` (in ``tz``) unchanged. ``d < 0`` raises :class:`CalendarError`.
        Raises :class:`CalendarCoverageError` if ``t`` or the result lies outside the coverage.
        """
        f = self._fast
        if f is not None and type(t) is datetime and type(d) is timedelta and d > _ZERO:
            # The hot path: the general path's arithmetic, done in datetimes and timedeltas
            # (see _Fast), so nothing is converted to or from int microseconds.
            tu = t if t.tzinfo is UTC else f.utc_form(t)
            if tu is not None and f.lo <= tu <= f.hi:
                j = tu.toordinal() - f.first_utc_ordinal
                by_day, cum = f.by_day, f.cum
                i = bisect.bisect_right(f.starts, tu, by_day[j], by_day[j + 1]) - 1
                # working time before tu, plus d; outside a window that is cum[i + 1] (cum[0] = 0)
                try:
                    target = (tu - f.origin[i]) + d if i >= 0 and tu < f.ends[i] else cum[i + 1] + d
                except OverflowError:  # d near timedelta.max: the general path says why
                    target = cum[-1] + _US  # past the table
                # cum[i] < target: the result is in interval i or later, mostly one of the next
                # three; search those first
                hi = i + 4
                if hi < f.n_cum:
                    k = bisect.bisect_left(cum, target, i + 1, hi)
                    if k == hi:
                        k = bisect.bisect_left(cum, target, hi)
                else:
                    k = bisect.bisect_left(cum, target, i + 1)
                if k < f.n_cum:  # else the table must grow: general path
                    ru = f.origin_u[k - 1] + target
                    if f.noisy and not (f.note_lo <= tu and ru <= f.note_hi_u):
                        self._note_span((tu - _EPOCH) // _US, (ru - f.lo_u) // _US + f.tab.lo_us)
                    return f.fromutc(ru)
        result = self._add_working_hours(t, d)
        self._refresh_fast()
        return result

    def _add_working_hours(self, t: datetime, d: timedelta) -> datetime:
        """:meth:`add_working_hours` by the general path (any input; builds or grows the table)."""
        if not isinstance(t, datetime) or not isinstance(d, timedelta):
            raise _aware_error(t) if not isinstance(t, datetime) else _timedelta_error(d)
        t, d = plain_datetime(t), plain_timedelta(d)
        try:
            x = (t - _EPOCH) // _US
        except TypeError:
            raise _aware_error(t) from None
        du = d // _US
        if du <= 0:
            if du == 0:
                return self._from_us(x)
            raise CalendarError(f"working hours to add must not be negative, got {d}")
        tab = self._table
        if tab is None or not tab.lo_us <= x <= tab.hi_us:
            tab = self._table_for(x, x)
        starts, cum = tab.starts, tab.cum
        i = bisect.bisect_right(starts, x) - 1
        if i >= 0:
            end = tab.ends[i]
            target = cum[i] + (x if x < end else end) - starts[i] + du
        else:
            target = du
        k = bisect.bisect_left(cum, target, 1)
        while k >= len(cum):
            tab = self._grow(tab, self._years_for_work(tab, target - cum[-1]))
            starts, cum = tab.starts, tab.cum
            # the old last interval may have merged with the new first one: search from it
            k = bisect.bisect_left(cum, target, max(1, k - 1))
        result = starts[k - 1] + target - cum[k - 1]
        if self.fallback is not None:
            self._note_span(x, result)
        if 0 <= result < _FLOAT_SAFE_US:
            return datetime.fromtimestamp(result / 1e6, self.tz)
        return self._from_us(result)

    @staticmethod
    def _years_for_work(tab: _Table, missing_us: int) -> int:
        nyears = tab.last_year - tab.first_year + 1
        if tab.cum[-1] <= 0:
            return nyears  # no working time so far: double the span
        return max(1, math.ceil(missing_us * nyears / tab.cum[-1]))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; ``timedelta(0)`` if ``b <= a``.

        Inverse of :meth:`add_working_hours`: ``working_time_between(t, add_working_hours(t, d))
        == d``.
        """
        xa, xb = _to_us(a), _to_us(b)
        if xb <= xa:
            return timedelta(0)
        tab = self._table
        if tab is None or not (tab.lo_us <= xa and xb <= tab.hi_us):
            tab = self._table_for(xa, xb - 1)
        if self.fallback is not None:
            self._note_span(xa, xb)
        return timedelta(microseconds=tab.work_before(xb) - tab.work_before(xa))

    # ---- periods ----------------------------------------------------------------------------

    def add_period(
        self,
        t: datetime,
        n: int,
        unit: PeriodUnit,
        *,
        count_start_day: bool = False,
        extend_over_rest_days: bool = True,
        day_end: DayEnd = "midnight",
    ) -> datetime:
        """The end of a Civil Code period of ``n`` days, months or years starting on ``t``'s day.

        ``n > 0`` (Art. 201–203): the start day (``t``'s local date) is not counted, so the last
        day is start + n days, or the corresponding day n months/years later (Art. 202, clamped to
        the month end: 2024-01-31 + 1 month -> 2024-02-29). With ``count_start_day`` the start day
        is day 1 and the last day is one day earlier (2024-11-18 + 1 year -> 2025-11-17). If the
        last day is not a working day it moves to the next working day (Art. 203; switch off with
        ``extend_over_rest_days=False``). The period ends at 24:00 of the last day, returned as
        00:00 of the following day in ``tz`` (a deadline is inclusive); with
        ``day_end="close_of_business"`` at the end of the last working-hour window of that day
        (24:00 if it has none).

        ``n < 0`` ("three months before expiry"): the day ``|n|`` units before ``t``'s day (same
        Art. 202 clamping; with ``count_start_day`` one day later), returned as its START (00:00);
        no rest-day extension, ``day_end`` ignored. 2025-11-17, -3 months -> 2025-08-17T00:00.

        Raises :class:`CalendarError` for ``n == 0`` or a bad unit, and
        :class:`CalendarCoverageError` when the rest-day extension needs uncovered data.
        """
        if type(n) is not int or n == 0:
            raise CalendarError(f"period length must be a non-zero int, got {n!r}")
        if unit not in ("days", "months", "years"):
            raise CalendarError(f"period unit must be days, months or years, got {unit!r}")
        if day_end not in ("midnight", "close_of_business"):
            raise CalendarError(f"day_end must be 'midnight' or 'close_of_business': {day_end!r}")
        start = self._local_date(t)
        if unit == "days":
            day = _shift_days(start, n)
        else:
            day = _add_months(start, n if unit == "months" else 12 * n)
        if n < 0:
            return self._day_start(_shift_days(day, 1) if count_start_day else day)
        if count_start_day:
            day = _shift_days(day, -1)
        if extend_over_rest_days:
            day = self._next_working_day(day)
        return self._day_end(day, day_end)

    def add_working_days(self, t: datetime, n: int, *, day_end: DayEnd = "midnight") -> datetime:
        """The end of the ``n``-th working day after ``t``'s local date (never counting that day).

        Ends at 24:00 of that working day, returned as 00:00 of the next day in ``tz``; with
        ``day_end="close_of_business"`` at the end of its last working-hour window. ``n >= 1``.
        Example: 5 working days after 2025-11-17 -> 2025-11-25T00:00+08:00 (11-24 24:00).
        """
        f = self._fast
        if (
            f is not None
            and type(t) is datetime
            and type(n) is int
            and n >= 1
            and (day_end == "midnight" or day_end == "close_of_business")
        ):
            tu = t if t.tzinfo is UTC else f.utc_form(t)
            if tu is not None:
                # the local day of t among the local midnights, as the general path finds it
                j = tu.toordinal() - f.first_utc_ordinal
                if 0 <= j < f.n_utc_days:
                    k = (f.wd_after[j] if tu >= f.mid[j] else f.wd_before[j]) + n - 1
                else:
                    k = f.n_workdays
                if k < f.n_workdays:
                    if f.noisy and not (f.note_lo <= tu and f.tab.wd_end[k] <= f.note_hi_us):
                        self._note_span((tu - _EPOCH) // _US, f.tab.wd_end[k])
                    if day_end == "midnight":
                        return f.wd_end[k]
                    result = f.cob.get(k)
                    if result is None:
                        result = self._day_end(date.fromordinal(f.tab.workdays[k]), day_end)
                        f.cob[k] = result
                    return result
        result = self._add_working_days(t, n, day_end=day_end)
        self._refresh_fast()
        return result

    def _add_working_days(self, t: datetime, n: int, *, day_end: DayEnd) -> datetime:
        """:meth:`add_working_days` by the general path (any input; builds or grows the table)."""
        if type(n) is not int or n < 1:
            raise CalendarError(f"number of working days must be an int >= 1, got {n!r}")
        if day_end != "midnight" and day_end != "close_of_business":
            raise CalendarError(f"day_end must be 'midnight' or 'close_of_business': {day_end!r}")
        if not isinstance(t, datetime):
            raise _aware_error(t)
        t = plain_datetime(t)
        try:
            x = (t - _EPOCH) // _US
        except TypeError:
            raise _aware_error(t) from None
        tab = self._table
        if tab is not None and tab.lo_us <= x < tab.hi_us:
            # hot path: the local day of t by bisecting the local midnights
            k = tab.wd_upto[bisect.bisect_right(tab.day_lo, x) - 1] + n - 1
            if k < len(tab.workdays):
                result = tab.wd_end[k]
                if self.fallback is not None:
                    self._note_span(x, result)
                if day_end != "midnight":
                    return self._day_end(date.fromordinal(tab.workdays[k]), day_end)
                if 0 <= result < _FLOAT_SAFE_US:
                    return datetime.fromtimestamp(result / 1e6, self.tz)
                return self._from_us(result)
        start = self._local_date(t)
        first = _shift_days(start, 1)
        tab = self._table_for_days(first, first)
        wd = tab.workdays
        k = bisect.bisect_right(wd, start.toordinal()) + n - 1
        while k >= len(wd):
            nyears = tab.last_year - tab.first_year + 1
            per_year = len(wd) // nyears
            need = -(-(k - len(wd) + 1) // per_year) if per_year else nyears
            tab = self._grow(tab, need)
            wd = tab.workdays
        last = date.fromordinal(wd[k])
        self._note_years(first.year, last.year)
        return self._day_end(last, day_end)

    # ---- batch ------------------------------------------------------------------------------

    def add_working_hours_batch(
        self, starts: npt.ArrayLike, hours: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """Vectorised :meth:`add_working_hours`: arrays in, arrays out.

        ``starts``: int64 epoch microseconds (UTC). ``hours``: floats are hours (rounded to the
        microsecond), integers are microseconds, ``timedelta64`` is converted. Broadcast
        together; the result is int64 epoch microseconds with the same semantics as the scalar
        method (0 hours -> the start unchanged). Imports numpy (only here).
        """
        import numpy as np

        s = np.asarray(starts)
        h = np.asarray(hours)
        if s.dtype.kind not in "iu":
            raise CalendarError(f"starts must be integer epoch microseconds, got dtype {s.dtype}")
        s = s.astype(np.int64, copy=False)
        if h.dtype.kind == "f":
            if not np.isfinite(h).all():
                raise CalendarError("hours must be finite")
            hu = np.rint(h * 3_600_000_000.0).astype(np.int64)
        elif h.dtype.kind in "iu":
            hu = h.astype(np.int64, copy=False)
        elif h.dtype.kind == "m":
            hu = h.astype("timedelta64[us]").astype(np.int64)
        else:
            raise CalendarError(f"hours must be float hours or int microseconds, got {h.dtype}")
        s, hu = np.broadcast_arrays(s, hu)
        if s.size == 0:
            return np.empty(s.shape, dtype=np.int64)
        if (hu < 0).any():
            raise CalendarError("working hours to add must not be negative")
        x0, x1 = int(s.min()), int(s.max())
        tab = self._table_for(x0, x1)
        st, en, cum = tab.arrays()
        i = np.searchsorted(st, s, side="right") - 1
        ic = np.maximum(i, 0)
        work = np.where(i >= 0, cum[ic] + np.minimum(s, en[ic]) - st[ic], 0)
        target = work + hu
        top = int(target.max())
        while top > tab.cum[-1]:
            tab = self._grow(tab, self._years_for_work(tab, top - tab.cum[-1]))
            st, en, cum = tab.arrays()
        k = np.maximum(np.searchsorted(cum, target, side="left") - 1, 0)
        result = st[k] + (target - cum[k])
        result = np.where(hu == 0, s, result)
        if self.fallback is not None:
            self._note_span(x0, int(result.max()))
        return cast("npt.NDArray[np.int64]", result)

    # ---- description ------------------------------------------------------------------------

    def describe(self) -> str:
        """One line, e.g. ``"national + Xinjiang (cn-national, cn-xinjiang), Asia/Shanghai,
        09:00–18:00"``; extra days and the fallback are appended when present."""
        labels = " + ".join(layer.label for layer in self._layers)
        text = (
            f"{labels} ({', '.join(self.layers)}), {self.tz.key}, {self.working_hours.describe()}"
        )
        n_off, n_work = self._n_extra
        if n_off:
            text += f"; {n_off} extra day{'s' if n_off > 1 else ''} off"
        if n_work:
            text += f"; {n_work} extra working day{'s' if n_work > 1 else ''}"
        if self.fallback == "weekdays":
            text += "; fallback: weekday rule where a layer has no data"
        elif self.fallback == "national_only":
            text += "; fallback: national schedule only where a regional layer has no data"
        return text
