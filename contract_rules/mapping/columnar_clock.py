"""The columnar reader's clock: a column of timestamp texts parsed as the row reader's clock parses
each (distinct texts once; strptime formats matched in bulk, where that is provably exact)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .model import ISO_FORMAT
from .rows import _Clock

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: what a chunk must not hold for pyarrow to split it (besides the quote character)
_SUPPORTED = set("YymdHMSf%")
_DIRECTIVE = re.compile(r"%(.)")


# =============================================================================== timestamps


@dataclass
class _Parsed:
    """Timestamps of a column: per row whether it parsed, its UTC microseconds and the index of
    its distinct text; per distinct text its ISO 8601 form (None: did not parse)."""

    ok: np.ndarray[Any, Any]
    us: np.ndarray[Any, Any]
    idx: np.ndarray[Any, Any]
    iso: list[str | None]


@dataclass
class _Format:
    regex: str
    groups: list[str]


class _VecClock:
    """The row reader's clock, applied to a column: distinct texts parsed once, vectorised where
    the result is provably the clock's own, by the clock itself everywhere else."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.formats: list[_Format] | None = None
        if clock.zone is not None and ISO_FORMAT not in clock.formats:
            # Python's own regular expression for a strptime format (datetime.strptime uses it)
            from _strptime import _TimeRE_cache  # type: ignore[import-not-found]

            time_re: Any = _TimeRE_cache
            formats: list[_Format] = []
            for fmt in clock.formats:
                if not set(_DIRECTIVE.findall(fmt)) <= _SUPPORTED:
                    formats = []
                    break
                pattern = time_re.pattern(fmt)
                groups = re.findall(r"\(\?P<(\w+)>", pattern)
                formats.append(_Format(f"(?i)^{pattern}(?P<rest_>(?s:.*))$", groups))
            self.formats = formats or None
        self._day_offsets: dict[int, timedelta | None] = {}

    def parse(self, arr: pa.Array) -> _Parsed:
        """Parse every non-null cell of ``arr``, each distinct text once."""
        enc = pc.dictionary_encode(arr)
        texts = enc.dictionary
        idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        u = len(texts)
        ok_u = np.zeros(u + 1, dtype=bool)  # slot u: null cells
        us_u = np.zeros(u + 1, dtype=np.int64)
        iso_u: list[str | None] = [None] * u
        todo = np.ones(u, dtype=bool)
        if self.formats is not None and u:
            self._vectorised(texts, todo, ok_u, us_u, iso_u)
        rest = np.flatnonzero(todo)
        if len(rest):
            words = texts.take(pa.array(rest)).to_pylist()
            for j, text in zip(rest.tolist(), words, strict=True):
                try:
                    t, shown = self.clock.parse(text)
                except ValueError:
                    continue
                ok_u[j] = True
                us_u[j] = (t - _EPOCH) // _US
                iso_u[j] = shown
        sel = np.where(idx < 0, u, idx)
        return _Parsed(ok_u[sel], us_u[sel], idx, iso_u)

    def _vectorised(
        self,
        texts: pa.Array,
        todo: np.ndarray[Any, Any],
        ok_u: np.ndarray[Any, Any],
        us_u: np.ndarray[Any, Any],
        iso_u: list[str | None],
    ) -> None:
        assert self.formats is not None
        trimmed = pc.ascii_trim_whitespace(texts)
        # On printable ASCII the two regex engines agree (\\d, \\s, case); elsewhere the clock.
        plain = pc.fill_null(pc.match_substring_regex(trimmed, "^[ -~]*$"), False)
        candidates = plain.to_numpy(zero_copy_only=False).copy()
        for fmt in self.formats:
            pos = np.flatnonzero(candidates)
            if not len(pos):
                return
            sub = trimmed if len(pos) == len(trimmed) else trimmed.take(pa.array(pos))
            try:
                found = pc.extract_regex(sub, fmt.regex)
            except pa.ArrowInvalid:
                return  # a pattern the regex engine does not take: the clock parses all
            matched = found.is_valid().to_numpy(zero_copy_only=False)
            if not matched.any():
                continue
            matched &= pc.fill_null(pc.equal(found.field("rest_"), ""), False).to_numpy(
                zero_copy_only=False
            )
            comp = {g: _ints(found.field(g)) for g in fmt.groups if g != "rest_"}
            year = comp.get("Y")
            if year is None:
                y2 = comp["y"]
                year = np.where(y2 <= 68, y2 + 2000, y2 + 1900)
            month, day = comp["m"], comp["d"]
            zero = np.zeros(len(year), dtype=np.int64)
            hour, minute, sec = comp.get("H", zero), comp.get("M", zero), comp.get("S", zero)
            frac = zero
            if "f" in comp:
                digits = pc.utf8_length(found.field("f")).to_numpy(zero_copy_only=False)
                frac = comp["f"] * 10 ** (6 - np.clip(digits, 0, 6))
            good = np.flatnonzero(
                matched
                & (year >= 1)
                & (month >= 1)
                & (month <= 12)
                & (day >= 1)
                & (day <= _days_in_month(year, month))
                & (hour <= 23)
                & (minute <= 59)
                & (sec <= 59)
            )
            if not len(good):
                continue
            sel = pos[good]
            # Python tries the formats in order: a text the first matches is not tried again
            candidates[sel] = False
            todo[sel] = False
            self._fill(
                sel,
                year[good],
                month[good],
                day[good],
                hour[good],
                minute[good],
                sec[good],
                frac[good],
                ok_u,
                us_u,
                iso_u,
            )

    def _fill(
        self,
        sel: np.ndarray[Any, Any],
        year: np.ndarray[Any, Any],
        month: np.ndarray[Any, Any],
        day: np.ndarray[Any, Any],
        hour: np.ndarray[Any, Any],
        minute: np.ndarray[Any, Any],
        sec: np.ndarray[Any, Any],
        frac: np.ndarray[Any, Any],
        ok_u: np.ndarray[Any, Any],
        us_u: np.ndarray[Any, Any],
        iso_u: list[str | None],
    ) -> None:
        """Wall clock → offset (once per day) → UTC microseconds and ISO texts of the distinct
        texts ``sel`` (the component arrays are aligned with it)."""
        y, mo, d, hh, mi, ss, ff = year, month, day, hour, minute, sec, frac
        days = _days_from_civil(y, mo, d)
        wall_s = days * 86400 + hh * 3600 + mi * 60 + ss
        uniq, inv = np.unique(days, return_inverse=True)
        day_off = [self._day_offset(int(dd)) for dd in uniq.tolist()]
        known = np.array([o is not None for o in day_off], dtype=bool)[inv]
        off_s = np.array([0 if o is None else int(o.total_seconds()) for o in day_off])[inv]
        ok_u[sel] = True
        us_u[sel] = (wall_s - off_s) * 1_000_000 + ff
        wall = (wall_s * 1_000_000 + ff).astype("datetime64[us]")
        has_frac = ff != 0
        text = np.datetime_as_string(wall.astype("datetime64[s]"), unit="s")
        if has_frac.any():
            text = np.where(has_frac, np.datetime_as_string(wall, unit="us"), text)
        offs, which = np.unique(off_s, return_inverse=True)
        off_text = np.array([_offset_text(o) for o in offs.tolist()])[which]
        for j, t in zip(sel.tolist(), np.char.add(text, off_text).tolist(), strict=True):
            iso_u[j] = t
        zone = self.clock.zone
        for i in np.flatnonzero(~known).tolist():
            j = int(sel[i])
            t = datetime(
                int(y[i]),
                int(mo[i]),
                int(d[i]),
                int(hh[i]),
                int(mi[i]),
                int(ss[i]),
                int(ff[i]),
                tzinfo=zone,
            )
            us_u[j] = (t - _EPOCH) // _US
            iso_u[j] = t.isoformat()

    def _day_offset(self, days: int) -> timedelta | None:
        """The zone's offset all through a calendar day (days since 1970-01-01), or None when it
        changes during the day."""
        if days in self._day_offsets:
            return self._day_offsets[days]
        zone = self.clock.zone
        base = datetime(1970, 1, 1) + timedelta(days=days)
        probes = [base.replace(tzinfo=zone).utcoffset()]
        probes += [
            (base + timedelta(hours=h)).replace(tzinfo=zone).utcoffset() for h in (6, 12, 18)
        ]
        probes.append((base + timedelta(seconds=86399)).replace(tzinfo=zone).utcoffset())
        off = probes[0] if all(p == probes[0] for p in probes) else None
        self._day_offsets[days] = off
        return off


def _offset_text(seconds: int) -> str:
    """An offset as ``datetime.isoformat`` writes it: ``+05:30``, ``-00:25:21``."""
    return datetime(2000, 1, 1, tzinfo=timezone(timedelta(seconds=seconds))).isoformat()[19:]


def _ints(arr: pa.Array) -> np.ndarray[Any, Any]:
    """Digit texts (a leading space allowed, as ``%d`` has it) as int64; null/empty → 0."""
    stripped = pc.ascii_ltrim(pc.fill_null(arr, "0"), " ")
    stripped = pc.if_else(pc.equal(stripped, ""), "0", stripped)
    out: np.ndarray[Any, Any] = pc.cast(stripped, pa.int64()).to_numpy(zero_copy_only=False)
    return out


def _days_in_month(year: np.ndarray[Any, Any], month: np.ndarray[Any, Any]) -> Any:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    return table[np.clip(month, 0, 12)] + ((month == 2) & leap)


def _days_from_civil(y: Any, m: Any, d: Any) -> Any:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
