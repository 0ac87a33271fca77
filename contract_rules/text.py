"""The shared text formatting of reports and explanations: instants, durations, amounts.

A leaf module: it imports nothing of the package, so the engine, the report and every view
format with the same functions without importing one another. What it promises:

- :func:`fmt`: a wall time ``2025-03-03 10:00`` (seconds when present, the UTC offset where a
  wall time alone could mislead, 24:00 for a day's end);
- :func:`dur`: a duration ``2h 30min``;
- :func:`iso`: ISO 8601 with offset; :func:`money`: a Decimal with two places;
- :func:`offset_note`: that offset, or nothing; :func:`with_zone_offset`: a wall time with the
  offset a zone has then (error hints);
- :func:`date_or_datetime`: how an instant's text is read (a date alone, or a datetime).

Where a wall time shows its offset (one rule for every text output): a wall time in standard
time is shown bare; one in daylight saving time (``2025-07-01 10:00+02:00`` in Berlin), one on a
day when the zone's offset changes (``2025-03-30 01:45+01:00`` before the clocks go forward,
``03:15+02:00`` after) and the second occurrence of a repeated wall time carry their offset. A
zone without daylight saving time (Asia/Shanghai) never shows one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

#: "00" to "99", and the years seen as four digits: dates are formatted from these pieces
#: (integer formatting costs about 150 ns a number here, a tuple or dict lookup a tenth of it)
_TWO_DIGITS = tuple(f"{i:02d}" for i in range(100))
_YEAR_TEXT: dict[int, str] = {}
#: hours, minutes and seconds below 100, as text
_NUMBERS = tuple(str(i) for i in range(100))


def _year_text(year: int) -> str:
    text = _YEAR_TEXT.get(year)
    if text is None:
        text = _YEAR_TEXT[year] = f"{year:04d}"
    return text


#: UTC offset -> its text (``+02:00``): a zone has a handful
_OFFSET_TEXT: dict[timedelta, str] = {}


def _offset_text(off: timedelta) -> str:
    text = _OFFSET_TEXT.get(off)
    if text is None:
        sign = "-" if off < timedelta(0) else "+"
        minutes = abs(off) // timedelta(minutes=1)
        text = f"{sign}{_TWO_DIGITS[minutes // 60]}:{_TWO_DIGITS[minutes % 60]}"
        if len(_OFFSET_TEXT) < 10_000:
            _OFFSET_TEXT[off] = text
    return text


#: (zone, year, month, day) -> whether that local day's wall times show their offset
_SHOWN_DAYS: dict[tuple[tzinfo, int, int, int], bool] = {}
#: the memo stops growing here (a day of a zone is about 200 bytes)
_SHOWN_DAYS_MAX = 200_000
_LAST_DAY = datetime.max.toordinal()


def offset_changes_on(tz: tzinfo, year: int, month: int, day: int) -> bool:
    """Whether ``tz``'s UTC offset at the start of that local day differs from its offset at the
    start of the next (the clocks are changed that day)."""
    start = datetime(year, month, day)
    nxt = start + timedelta(days=1) if start.toordinal() < _LAST_DAY else start
    return tz.utcoffset(start) != tz.utcoffset(nxt)


def _shows_offsets(tz: tzinfo, year: int, month: int, day: int) -> bool:
    """Whether the wall times of that local day show their offset: the clocks change that day,
    or the whole day is in daylight saving time (memoised: ``dst()`` alone costs more than the
    lookup)."""
    key = (tz, year, month, day)
    hit = _SHOWN_DAYS.get(key)
    if hit is None:
        hit = bool(tz.dst(datetime(year, month, day))) or offset_changes_on(tz, year, month, day)
        if len(_SHOWN_DAYS) < _SHOWN_DAYS_MAX:
            _SHOWN_DAYS[key] = hit
    return hit


def _note(t: datetime, shown: datetime) -> str:
    """:func:`offset_note` of instant ``t`` shown as the wall time ``shown`` (its day-end form
    shows the day before)."""
    tz = t.tzinfo
    if tz is None:
        return ""
    if not t.fold and type(tz) is not timezone:  # (timezone cannot be subclassed)
        # the memo read here, not through a call: fmt runs for every reason and table cell
        shown_here = _SHOWN_DAYS.get((tz, shown.year, shown.month, shown.day))
        if shown_here is None:
            shown_here = _shows_offsets(tz, shown.year, shown.month, shown.day)
        if not shown_here:
            return ""
    off = t.utcoffset()
    return "" if off is None else _offset_text(off)


def offset_note(t: datetime) -> str:
    """``""``, or ``t``'s UTC offset (``"+02:00"``) where the wall time alone could mislead.

    Shown when ``t`` is in daylight saving time (its zone's ``dst()`` is not zero), falls on a
    day when its zone's offset changes, is the second occurrence of a repeated wall time
    (``fold=1``) or carries a fixed offset (the :func:`~contract_rules.events.comparable` form
    of such a second occurrence). A standard time on an ordinary day is shown bare, so a zone
    without daylight saving time never shows an offset. (Whether a day changes offset is
    computed once per zone and day.)
    """
    return _note(t, t)


def fmt(t: datetime, *, day_end: bool = False) -> str:
    """``2025-03-03 10:00``; with day_end, a midnight shows as 24:00 of the day before.

    Seconds are shown when present, and the UTC offset where :func:`offset_note` says the wall
    time alone could mislead (``2025-03-30 03:15+02:00``; for ``24:00`` the day shown is the day
    before). (Built from cached digit pieces: ``strftime`` costs six times more and
    ``%``-formatting two and a half, and reasons are formatted for every missed duty.)
    """
    two = _TWO_DIGITS
    if day_end and t.hour == 0 and t.minute == 0 and t.second == 0 and t.microsecond == 0:
        prev = t - timedelta(days=1)
        return f"{_year_text(prev.year)}-{two[prev.month]}-{two[prev.day]} 24:00" + _note(t, prev)
    year, month, day = t.year, t.month, t.day
    text = f"{_year_text(year)}-{two[month]}-{two[day]} {two[t.hour]}:{two[t.minute]}"
    if t.second or t.microsecond:
        text = f"{text}:{two[t.second]}"
    tz = t.tzinfo
    if not t.fold and type(tz) is not timezone:  # _note, inlined for the common case
        shown = _SHOWN_DAYS.get((tz, year, month, day))  # type: ignore[arg-type]
        if shown is None:
            shown = tz is not None and _shows_offsets(tz, year, month, day)
        if not shown:
            return text
    off = t.utcoffset()
    return text if off is None else text + _offset_text(off)


def dur(td: timedelta) -> str:
    """``2h 30min``, truncated to whole minutes (whole seconds below a minute); below a second,
    the exact fraction (``0.000001s``) rather than ``0s``."""
    secs = td.days * 86400 + td.seconds
    if secs < 0:
        if td.microseconds:
            secs += 1  # truncate toward zero, as int(total_seconds()) does
        if secs < 0:
            return "-" + dur(timedelta(seconds=-secs))
    if secs == 0:
        return f"{td.total_seconds():.6f}".rstrip("0") + "s" if td.microseconds else "0s"
    days, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    num = _NUMBERS
    if not days and not h:
        return num[m] + "min" if m else num[secs] + "s"
    text = (f"{days}d {num[h]}h" if h else f"{days}d") if days else num[h] + "h"
    return f"{text} {num[m]}min" if m else text


def iso(t: datetime | None) -> str | None:
    """ISO 8601 with offset, microseconds only when present; None stays None."""
    if t is None:
        return None
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds")


def money(d: Decimal) -> str:
    """A Decimal amount as a string with two places (``53600.00``)."""
    return f"{d.quantize(Decimal('0.01')):f}"


def with_zone_offset(wall: datetime, tz: tzinfo) -> str:
    """The wall time ``wall`` (its own tzinfo ignored) in ISO 8601 with the offset ``tz`` has
    then: ``2025-07-01T10:00:00+02:00`` for Europe/Berlin, ``...+08:00`` for Asia/Shanghai.

    Error hints show this, so that the offset they suggest is the contract's own for that date.
    """
    return wall.replace(tzinfo=tz).isoformat()


def date_or_datetime(text: str) -> date:
    """ISO 8601 text as a ``date`` when it is a date alone (``2025-12-31``), else as a
    ``datetime`` (aware or naive, as written); ValueError when it is neither.

    The one reading of an instant's text shared by ``evaluate(as_of=...)``, the command line's
    ``--as-of``/``--now`` and ``plot_timeline``: each takes a date alone as the start of that
    day in the contract's zone.
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.fromisoformat(text)
