"""The shared text formatting of reports and explanations: instants, durations, amounts.

A leaf module: it imports nothing of the package, so the engine, the report and every view
format with the same functions without importing one another. What it promises:

- :func:`fmt`: a wall time ``2025-03-03 10:00`` (seconds when present, the offset of a repeated
  hour's second occurrence, 24:00 for a day's end);
- :func:`dur`: a duration ``2h 30min``;
- :func:`iso`: ISO 8601 with offset; :func:`money`: a Decimal with two places;
- :func:`offset_note`: the offset that tells a repeated wall time's second occurrence apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
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


def offset_note(t: datetime) -> str:
    """``""``, or ``t``'s UTC offset (``"-05:00"``) when ``t`` is the second occurrence of a
    wall time that happens twice (a repeated hour: ``fold=1``, or its
    :func:`~contract_rules.events.comparable` form).

    Texts show wall times; this tells the second 01:30 from the first, which is shown bare.
    (Telling whether a first occurrence has a twin needs ``replace(fold=1)``, which costs a
    microsecond per formatted instant.)
    """
    if not t.fold and not isinstance(t.tzinfo, timezone):
        return ""
    off = t.utcoffset()
    if off is None:
        return ""
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(off) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def fmt(t: datetime, *, day_end: bool = False) -> str:
    """``2025-03-03 10:00``; with day_end, a midnight shows as 24:00 of the day before.

    Seconds are shown when present, and the UTC offset of the second occurrence of a wall time
    that happens twice (a repeated hour: ``2025-11-02 01:30-05:00``). (Built from cached digit
    pieces: ``strftime`` costs six times more and ``%``-formatting two and a half, and reasons
    are formatted for every missed duty.)
    """
    two = _TWO_DIGITS
    if day_end and t.hour == 0 and t.minute == 0 and t.second == 0 and t.microsecond == 0:
        prev = t - timedelta(days=1)
        return f"{_year_text(prev.year)}-{two[prev.month]}-{two[prev.day]} 24:00"
    text = f"{_year_text(t.year)}-{two[t.month]}-{two[t.day]} {two[t.hour]}:{two[t.minute]}"
    if t.second or t.microsecond:
        text = f"{text}:{two[t.second]}"
    if t.fold or isinstance(t.tzinfo, timezone):  # what offset_note looks at
        return text + offset_note(t)
    return text


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
