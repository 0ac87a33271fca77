"""The columnar mapped reader: the same events as :mod:`contract_rules.mapping`'s row reader, in
bulk.

It needs pyarrow (the ``exports`` extra); :func:`contract_rules.mapping.read_csv_mapped` and
:func:`~contract_rules.mapping.read_dataframe_mapped` use it when pyarrow can be imported and the
row reader otherwise. Its promise is to yield exactly what the row reader yields — the same
:class:`~contract_rules.events.RawEvent` s (index, ``file:line``, data) and rejected rows with
the same reasons, in the same order, and the same :class:`~contract_rules.mapping.MappingStats`
(a differential test holds it to that). How:

- **Reading, in bounded chunks.** The file is read as text (the declared encoding, undecodable
  bytes marked) in chunks of about ``CHUNK_CHARS`` (2 M) characters of whole lines. A chunk
  without a quote character, CR, NUL or undecodable byte is split into cells by pyarrow's reader
  (quoting off, so a cell is exactly the text between delimiters, as the csv module reads it);
  a line with the wrong number of cells is skipped by pyarrow, which says which one, and
  rejected like the row reader does. Any other chunk is read record by record with the row
  reader's own tokenizer, which handles quotes, broken quotes and bad bytes, and may run past
  the chunk's end for a quoted cell that spans lines. Either way the chunk becomes columns.
- **Timestamps, vectorised.** Each distinct text is parsed once: a ``strptime`` format made of
  ``%Y %y %m %d %H %M %S %f`` and literal text is matched with Python's own regular expression
  for that format (run by pyarrow on printable ASCII texts, where the two regex engines agree)
  and checked like ``datetime`` checks it; the zone's offset is looked up once per calendar day
  (per text on a day when the offset changes). Every other text — other directives, ``iso``,
  non-ASCII, no match — is parsed by the row reader's clock, so results and reasons are its own.
- **State changes and first rows, with array operations.** Rows are grouped into incident
  blocks and sorted by ``order_by`` with numpy; a change is a difference from the previous row
  of the block; a first row is the first of the block that passes ``when``. An incident seen
  before (an export not grouped by incident), or whose block holds a row that would be rejected
  (a rejected row does not advance its incident's state, so what follows depends on it), is
  mapped row by row by the row mapper, from the same state: the result is exact either way.
- **Events in bulk**: one list comprehension per event type.

Memory: one chunk of columns plus the rows of the incident block that continues into the next
chunk, plus one small record per incident, as for the row reader.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import EventError
from .events import MAX_ID_CHARS, MAX_STRING_CHARS, Event, EventValidator, RawEvent, _BadLine
from .mapping import (
    ISO_FORMAT,
    CellTest,
    CsvSource,
    ImportMapping,
    MappingStats,
    _Clock,
    _Incident,
    _Mapper,
)

if TYPE_CHECKING:
    import pandas as pd

#: characters of whole lines read into one chunk (the chunk may run past it to end a record)
CHUNK_CHARS = 2 << 20
#: rows of a DataFrame mapped as one chunk
CHUNK_ROWS = 131_072

_BIG = np.int64(2**62)
#: the column of a chunk that holds the ISO text of each row's order_by time
_ORDER_ISO = "\x00order_by_iso"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: what a chunk must not hold for pyarrow to split it (besides the quote character)
_SUPPORTED = set("YymdHMSf%")
_DIRECTIVE = re.compile(r"%(.)")


# =============================================================================== the chunks


@dataclass
class _Chunk:
    """Rows of an export as columns: line numbers, where, problems, the needed cells."""

    rownos: np.ndarray[Any, Any]
    problems: dict[int, str]
    cols: dict[str, pa.Array]


def csv_chunks(src: CsvSource, needed: Sequence[str], delimiter: str) -> Iterator[_Chunk]:
    """The records of an open export (after its header), as chunks of columns."""
    width = len(src.header)
    positions = dict(src.positions)
    lines = src.lines
    include = [f"c{positions[c]}" for c in needed]
    names = [f"c{i}" for i in range(width)]
    limit = csv.field_size_limit()
    while True:
        block = lines.read_block(CHUNK_CHARS)
        if block is None:
            # lines handed back by a broken record: read them record by record
            yield _records_chunk(src.records(stop=lines.next_no), needed)
            continue
        first, text = block
        if not text:
            return
        data = _plain_bytes(text)
        last = lines.next_no - 1
        if data is not None:
            chunk = _plain_chunk(data, first, width, delimiter, names, include, needed, limit)
            if chunk is not None:
                yield chunk
                continue
        # quotes, bad text, line breaks other than LF: the row reader's tokenizer, from the
        # block's first line (a quoted cell may run past the block's end)
        lines.give_back(_split_lines(text, first))
        yield _records_chunk(src.records(stop=last), needed)


def _plain_bytes(text: str) -> bytes | None:
    """The UTF-8 bytes of a block pyarrow may split, or None: no quote, NUL or CR, and text
    that encodes (undecodable input bytes were marked as lone surrogates, which do not)."""
    if '"' in text or "\x00" in text or "\r" in text:
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _split_lines(text: str, first: int) -> list[tuple[int, str]]:
    """The physical lines of ``text`` (LF, CRLF or CR breaks, as a text file with newline=""
    reads them), numbered from ``first``."""
    out = re.findall("[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    return list(enumerate(out, first))


def _plain_chunk(
    data: bytes,
    first: int,
    width: int,
    delimiter: str,
    names: list[str],
    include: list[str],
    needed: Sequence[str],
    limit: int,
) -> _Chunk | None:
    """A block without quotes, CR or bad text, split by pyarrow (quoting off: a cell is the text
    between delimiters, as the csv module reads such a line); a line with the wrong number of
    cells is skipped by pyarrow and becomes a rejected row; blank lines are skipped as the csv
    module skips them. None when a line is longer than the csv module's field limit, or
    pyarrow cannot say which line it skipped (the tokenizer then decides)."""
    if len(delimiter.encode("utf-8")) != 1:
        return None  # pyarrow splits on one byte
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if not len(ends) or ends[-1] != len(raw) - 1:
        ends = np.append(ends, len(raw))  # the last line, without a line break
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    if len(lengths) and int(lengths.max()) > limit:
        return None
    nonblank = lengths > 0
    rownos = np.arange(first, first + len(ends), dtype=np.int64)[nonblank]
    invalid: list[tuple[int | None, int]] = []

    def skip(row: Any) -> str:
        invalid.append((row.number, row.actual_columns))
        return "skip"

    table = pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=True,
            invalid_row_handler=skip,
        ),
        convert_options=pacsv.ConvertOptions(
            include_columns=include,
            column_types={c: pa.string() for c in include},
            strings_can_be_null=False,
        ),
    )
    # pyarrow numbers a skipped row by its place among the non-blank lines, from 1
    if any(number is None for number, _ in invalid):
        return None
    wrong = np.array([number - 1 for number, _ in invalid if number is not None], dtype=np.int64)
    problems = {
        int(k): f"{cells} cells, the header has {width}"
        for k, (_, cells) in zip(wrong.tolist(), invalid, strict=True)
    }
    cols: dict[str, pa.Array] = {}
    for name, col in zip(needed, include, strict=True):
        arr = table.column(col).combine_chunks()
        if len(wrong):
            # the skipped rows get a null cell in their place
            full = np.full(len(rownos), None, dtype=object)
            keep = np.ones(len(rownos), dtype=bool)
            keep[wrong] = False
            full[keep] = arr.to_numpy(zero_copy_only=False)
            arr = pa.array(full, type=pa.string())
        cols[name] = arr
    return _Chunk(rownos, problems, cols)


def _records_chunk(
    records: Iterator[tuple[int, str, dict[str, str] | None, str | None]], needed: Sequence[str]
) -> _Chunk:
    """Records read by the row reader's tokenizer, as columns."""
    rownos: list[int] = []
    problems: dict[int, str] = {}
    values: list[list[str | None]] = [[] for _ in needed]
    for rowno, _where, cells, problem in records:
        if cells is None:
            problems[len(rownos)] = problem or "row has no cells"
            for v in values:
                v.append(None)
        else:
            for v, c in zip(values, needed, strict=True):
                v.append(cells[c])
        rownos.append(rowno)
    cols = {c: pa.array(v, type=pa.string()) for c, v in zip(needed, values, strict=True)}
    return _Chunk(np.asarray(rownos, dtype=np.int64), problems, cols)


def frame_chunks(
    df: pd.DataFrame, labels: Sequence[Any], needed: Sequence[str]
) -> Iterator[_Chunk]:
    """Slices of a DataFrame whose needed columns hold only text (or missing values)."""
    n = len(df)
    for a in range(0, max(n, 1), CHUNK_ROWS):
        part = df.iloc[a : a + CHUNK_ROWS]
        if len(part) == 0:
            return
        cols = {
            c: pa.array(part[label], type=pa.string(), from_pandas=True)
            for c, label in zip(needed, labels, strict=True)
        }
        yield _Chunk(np.arange(a + 2, a + 2 + len(part), dtype=np.int64), {}, cols)


def frame_is_text(df: pd.DataFrame, labels: Sequence[Any]) -> bool:
    """Whether every given column holds only text and missing values (then the columnar reader
    reads it exactly as the row reader would; other cells go through the row reader)."""
    import pandas as pd

    for label in labels:
        col = df[label]
        if isinstance(col, pd.DataFrame):
            return False
        if pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
            continue
        if not pd.api.types.is_object_dtype(col.dtype):
            return False
        if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
            return False
    return True


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


# =============================================================================== the mapper


@dataclass
class _Carry:
    """The valid rows of the incident block that may continue into the next chunk."""

    pos: np.ndarray[Any, Any]
    rownos: np.ndarray[Any, Any]
    us: np.ndarray[Any, Any]
    cols: dict[str, pa.Array]


@dataclass
class _Out:
    """Items of a chunk with their sort keys (flush position, kind, sorted position, sub)."""

    k1: list[np.ndarray[Any, Any]] = field(default_factory=list)
    k2: list[np.ndarray[Any, Any]] = field(default_factory=list)
    k3: list[np.ndarray[Any, Any]] = field(default_factory=list)
    k4: list[np.ndarray[Any, Any]] = field(default_factory=list)
    #: where each item is, and its data (a rejected row's is a _BadLine); two lists, not a
    #: tuple per item, since every object kept alive here is one more for the collector
    wheres: list[str] = field(default_factory=list)
    datas: list[Any] = field(default_factory=list)
    #: whether some data is a typed Event
    typed: bool = False

    def add(self, k1: Any, k2: int, k3: Any, k4: Any, items: tuple[list[str], list[Any]]) -> None:
        n = len(items[0])
        if not n:
            return
        self.k1.append(np.broadcast_to(np.asarray(k1, dtype=np.int64), (n,)))
        self.k2.append(np.full(n, k2, dtype=np.int64))
        self.k3.append(np.broadcast_to(np.asarray(k3, dtype=np.int64), (n,)))
        self.k4.append(np.broadcast_to(np.asarray(k4, dtype=np.int64), (n,)))
        self.wheres.extend(items[0])
        self.datas.extend(items[1])


class ColumnarMapper:
    """Maps chunks of columns to the row mapper's items, in the row mapper's order."""

    def __init__(
        self,
        mapping: ImportMapping,
        source: str,
        stats: MappingStats | None,
        validator: EventValidator | None = None,
    ) -> None:
        self.rows = _Mapper(mapping)
        #: with a validator, the events it would accept are built as its Events (see _Typed)
        self.validator = validator
        if stats is not None:
            self.rows.stats = stats
        self.stats = self.rows.stats
        self.m = mapping
        self.source = source
        self.needed = self.rows.needed
        self.vclock = _VecClock(self.rows.clock)
        self.missing = pa.array(sorted(self.rows.missing), type=pa.string())
        #: incidents mapped in bulk → their place in the flat lists below, which hold what the
        #: row mapper's record would (last watched cells, firsts bits, last order_by text and
        #: where). Flat lists of texts and numbers, not a tuple per incident: objects the
        #: collector tracks cost a scan at every collection for as long as they live.
        self.fast: dict[str, int] = {}
        self.fast_watched: list[list[Any]] = [[] for _ in self.rows.watched]
        self.fast_firsts: list[int] = []
        self.fast_order: list[str | None] = []
        self.fast_where: list[str] = []
        self.carry: _Carry | None = None
        self.pos0 = 0
        self.index = 0

    def run(self, chunks: Iterator[_Chunk]) -> Iterator[RawEvent | Event]:
        """Raw events and rejected rows (as records the validator rejects), chunk by chunk;
        with a validator, the events it accepts as its typed :class:`Event` s instead."""
        for chunk in chunks:
            yield from self._emit(self._chunk(chunk, final=False))
        yield from self._emit(self._chunk(None, final=True))
        self.stats.incidents = len(self.rows.incidents) + len(self.fast)

    def _emit(self, out: _Out) -> list[RawEvent | Event]:
        """The items of a chunk in the row mapper's order, numbered."""
        if not out.wheres:
            return []
        order = np.lexsort(
            (
                np.concatenate(out.k4),
                np.concatenate(out.k3),
                np.concatenate(out.k2),
                np.concatenate(out.k1),
            )
        ).tolist()
        wheres, datas = out.wheres, out.datas
        index = self.index
        self.index += len(order)
        if out.typed:
            # typed events take their number; the rest become records
            got: list[RawEvent | Event] = []
            for i, k in enumerate(order, index):
                d = datas[k]
                if type(d) is Event:
                    d.index = i
                    got.append(d)
                else:
                    got.append(RawEvent(i, wheres[k], d))
            return got
        pick = itemgetter(*order)
        if len(order) == 1:
            return [RawEvent(index, wheres[order[0]], datas[order[0]])]
        return list(map(RawEvent, range(index, index + len(order)), pick(wheres), pick(datas)))

    # ------------------------------------------------------------------ one chunk

    def _normalised(self, arr: pa.Array) -> pa.Array:
        if len(self.missing):
            hit = pc.fill_null(pc.is_in(arr, value_set=self.missing), False)
            arr = pc.if_else(hit, pa.scalar(None, pa.string()), arr)
        return arr

    def _chunk(self, chunk: _Chunk | None, final: bool) -> _Out:
        m = self.m
        out = _Out()
        if chunk is not None:
            n = len(chunk.rownos)
            self.stats.rows += n
            pos = self.pos0 + np.arange(n, dtype=np.int64)
            self.pos0 += n
            cols = {c: self._normalised(chunk.cols[c]) for c in self.needed}
            early, us_all = self._early(chunk, cols)
            if early:
                ks = np.fromiter(early, dtype=np.int64, count=len(early))
                out.add(
                    pos[ks],
                    0,
                    0,
                    0,
                    (
                        [f"{self.source}:{chunk.rownos[k]}" for k in ks.tolist()],
                        [_rejected(early[k]) for k in ks.tolist()],
                    ),
                )
                self.stats.rows_rejected += len(early)
            valid = np.ones(n, dtype=bool)
            if early:
                valid[ks] = False
            vi = np.flatnonzero(valid)
            if len(vi) == n:
                vcols = cols
            else:
                take = pa.array(vi)
                vcols = {c: a.take(take) for c, a in cols.items()}
            piece = _Carry(pos[vi], chunk.rownos[vi], us_all[vi], vcols)
            rows = piece if self.carry is None else _concat(self.carry, piece)
        else:
            if self.carry is None:
                return out
            rows = self.carry
        self.carry = None
        if not len(rows.pos):
            return out
        inc = rows.cols[m.incident]
        starts = np.ones(len(rows.pos), dtype=bool)
        if len(rows.pos) > 1:
            starts[1:] = ~pc.equal(inc.slice(1), inc.slice(0, len(inc) - 1)).to_numpy(
                zero_copy_only=False
            )
        first_rows = np.flatnonzero(starts)
        if not final:
            last = int(first_rows[-1])
            self.carry = _Carry(
                rows.pos[last:],
                rows.rownos[last:],
                rows.us[last:],
                {c: a.slice(last) for c, a in rows.cols.items()},
            )
            if last == 0:
                return out
            flush_last = int(rows.pos[last])
            rows = _Carry(
                rows.pos[:last],
                rows.rownos[:last],
                rows.us[:last],
                {c: a.slice(0, last) for c, a in rows.cols.items()},
            )
            first_rows = first_rows[:-1]
        else:
            flush_last = int(_BIG)
        self._blocks(rows, first_rows, flush_last, out)
        return out

    def _early(
        self, chunk: _Chunk, cols: dict[str, pa.Array]
    ) -> tuple[dict[int, str], np.ndarray[Any, Any]]:
        """Rows rejected as soon as they are read (unreadable, no incident, no order_by time),
        and every row's order_by instant in UTC microseconds (0 without order_by)."""
        m = self.m
        early = dict(chunk.problems)
        us = np.zeros(len(chunk.rownos), dtype=np.int64)
        for k in np.flatnonzero(cols[m.incident].is_null().to_numpy(zero_copy_only=False)):
            early.setdefault(int(k), f"the incident id column {m.incident!r} is empty")
        if m.order_by is not None:
            col = cols[m.order_by]
            for k in np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False)):
                early.setdefault(int(k), f"the order_by column {m.order_by!r} is empty")
            parsed = self.vclock.parse(col)
            us = parsed.us
            # the ISO text of each row's order_by time, kept with the row: an event timed by
            # the order_by column needs no second parse
            texts = pa.array([*parsed.iso, None], type=pa.string())
            cols[_ORDER_ISO] = texts.take(
                pa.array(np.where(parsed.idx < 0, len(parsed.iso), parsed.idx))
            )
            for j in np.flatnonzero(~parsed.ok).tolist():
                if j in early:
                    continue
                text = col[j].as_py()
                try:
                    self.rows.clock.parse(text)
                except ValueError as exc:
                    early[j] = f"column {m.order_by!r}: {exc}"
        return early, us

    def _blocks(
        self, rows: _Carry, first_rows: np.ndarray[Any, Any], flush_last: int, out: _Out
    ) -> None:
        """Map complete incident blocks: in bulk where that is exact, row by row elsewhere."""
        m = self.m
        n = len(rows.pos)
        nb = len(first_rows)
        block = np.zeros(n, dtype=np.int64)
        block[first_rows[1:]] = 1
        block = np.cumsum(block)
        flush = np.empty(nb, dtype=np.int64)
        flush[:-1] = rows.pos[first_rows[1:]]
        flush[-1] = flush_last
        order = (
            np.lexsort((rows.rownos, rows.us, block))
            if m.order_by is not None
            else np.arange(n, dtype=np.int64)
        )
        take = pa.array(order)
        cols = {c: a.take(take) for c, a in rows.cols.items()}
        rownos = rows.rownos[order]
        block_s = block[order]
        inc_first = rows.cols[m.incident].take(pa.array(first_rows)).to_pylist()
        # an incident met before, or twice in this chunk, continues from its state: row by row
        seen: set[str] = set()
        slow = np.zeros(nb, dtype=bool)
        for b, name in enumerate(inc_first):
            if name in seen or name in self.fast or name in self.rows.incidents:
                slow[b] = True
            seen.add(name)
        if slow.any():
            dup = {inc_first[b] for b in np.flatnonzero(slow).tolist()}
            slow |= np.fromiter((x in dup for x in inc_first), dtype=bool, count=nb)
        first_in_block = np.ones(n, dtype=bool)
        first_in_block[1:] = block_s[1:] != block_s[:-1]
        emits, fails, built = self._bulk(cols, first_in_block, block_s, nb)
        failing = np.zeros(nb, dtype=bool)
        for e, f in zip(emits, fails, strict=True):
            bad = e & f
            if bad.any():
                failing[np.unique(block_s[bad])] = True
        slow |= failing
        fast_row = ~slow[block_s]
        sorted_pos = np.arange(n, dtype=np.int64)
        # bulk events
        any_event = np.zeros(n, dtype=bool)
        for k, (e, spec) in enumerate(zip(emits, self.rows.specs, strict=True)):
            sel = np.flatnonzero(e & fast_row)
            if not len(sel):
                continue
            any_event[sel] = True
            items = built[k](sel, rownos)
            out.add(flush[block_s[sel]], 1, sorted_pos[sel], k, items)
            out.typed = out.typed or self.validator is not None
            self.stats.events += len(sel)
            self.stats.events_by_type[spec.type] = self.stats.events_by_type.get(
                spec.type, 0
            ) + len(sel)
        nf = int(fast_row.sum())
        mapped = int((any_event & fast_row).sum())
        self.stats.rows_mapped += mapped
        self.stats.rows_without_event += nf - mapped
        self._remember(cols, rownos, block_s, first_in_block, emits, slow, nb)
        if slow.any():
            self._row_by_row(cols, rownos, block_s, slow, flush, out)

    def _bulk(
        self,
        cols: dict[str, pa.Array],
        first_in_block: np.ndarray[Any, Any],
        block_s: np.ndarray[Any, Any],
        nb: int,
    ) -> tuple[list[np.ndarray[Any, Any]], list[np.ndarray[Any, Any]], list[Any]]:
        """Per event spec: which rows emit, which of those would be rejected, and a builder of
        the events of given rows."""
        n = len(block_s)
        emits: list[np.ndarray[Any, Any]] = []
        fails: list[np.ndarray[Any, Any]] = []
        builders: list[Any] = []
        watched: dict[str, np.ndarray[Any, Any]] = {}
        mapped: dict[tuple[str, str], tuple[pa.Array, np.ndarray[Any, Any]]] = {}
        for spec, raw in zip(self.rows.specs, self.m.events, strict=True):
            when = np.ones(n, dtype=bool)
            for col, test in raw.when.items():
                when &= _test(cols[col], test)
            if spec.emit == "change":
                wcol = raw.watch
                assert wcol is not None
                differs = watched.get(wcol)
                if differs is None:
                    differs = first_in_block.copy()
                    if n > 1:
                        a = cols[wcol]
                        cur, prev = a.slice(1), a.slice(0, n - 1)
                        same = pc.fill_null(pc.equal(cur, prev), False).to_numpy(
                            zero_copy_only=False
                        ) | (
                            cur.is_null().to_numpy(zero_copy_only=False)
                            & prev.is_null().to_numpy(zero_copy_only=False)
                        )
                        differs[1:] |= ~same
                    watched[wcol] = differs
                emit = differs & when
            elif spec.emit == "first":
                cs = np.cumsum(when)
                starts = np.flatnonzero(first_in_block)
                before = np.concatenate([[0], cs])[starts]  # count before each block
                emit = when & ((cs - before[block_s]) == 1)
            else:
                emit = when
            # the instant of the rows that emit: only they need one
            if spec.at == self.m.order_by:
                # each distinct text once: the events share its string (and its instant)
                enc = pc.dictionary_encode(cols[_ORDER_ISO].filter(pa.array(emit)))
                k = len(enc)
                p = _Parsed(
                    np.ones(k, dtype=bool),
                    np.zeros(k, dtype=np.int64),
                    enc.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                    enc.dictionary.to_pylist(),
                )
            else:
                p = self.vclock.parse(cols[spec.at].filter(pa.array(emit)))
            fail = np.zeros(n, dtype=bool)
            fail[emit] = ~p.ok
            at_of = np.cumsum(emit) - 1  # a row's position among the emitting rows
            fvals: list[tuple[str, Any]] = []
            for f in spec.fields:
                if f.const is not None:
                    fvals.append((f.name, f.const))
                    continue
                assert f.column is not None
                if f.vmap is None:
                    fvals.append((f.name, cols[f.column]))
                    continue
                key = (f.column, f.vmap_name or "")
                got = mapped.get(key)
                if got is None:
                    got = mapped[key] = _value_map(cols[f.column], f.vmap.map, f.vmap.unmapped)
                fail = fail | got[1]
                fvals.append((f.name, got[0]))
            emits.append(emit)
            fails.append(fail)
            builders.append(self._builder(spec.type, spec.suffix, cols, p, at_of, fvals))
        return emits, fails, builders

    def _builder(
        self,
        etype: str,
        suffix: str,
        cols: dict[str, pa.Array],
        p: _Parsed,
        at_of: np.ndarray[Any, Any],
        fvals: list[tuple[str, Any]],
    ) -> Any:
        source = self.source
        inc_col = cols[self.m.incident]
        typed = _Typed.of(self.validator, etype, fvals) if self.validator is not None else None

        def build(
            sel: np.ndarray[Any, Any], rownos: np.ndarray[Any, Any]
        ) -> tuple[list[str], list[Any]]:
            if typed is None:
                return raw(sel, rownos)
            take = pa.array(sel)
            incs = inc_col.take(take).to_pylist()
            nos = rownos[sel].tolist()
            ok, events = typed.events(
                [f"{i}:{r}:{suffix}" for i, r in zip(incs, nos, strict=True)],
                p.iso,
                p.idx[at_of[sel]],
                take,
                [f"{source}:{r}" for r in nos],
            )
            if ok.all():
                return [e.where for e in events], events
            # the rest as records: the validator says why it refuses each
            out: list[Any] = [None] * len(sel)
            for k, e in zip(np.flatnonzero(ok).tolist(), events, strict=True):
                out[k] = e
            rest = np.flatnonzero(~ok)
            for k, d in zip(rest.tolist(), raw(sel[rest], rownos)[1], strict=True):
                out[k] = d
            return [f"{source}:{r}" for r in nos], out

        def raw(
            sel: np.ndarray[Any, Any], rownos: np.ndarray[Any, Any]
        ) -> tuple[list[str], list[Any]]:
            take = pa.array(sel)
            incs = inc_col.take(take).to_pylist()
            nos = rownos[sel].tolist()
            iso = p.iso
            ats = [iso[i] for i in p.idx[at_of[sel]].tolist()]
            names = ["id", "type", "at"]
            lists: list[list[Any]] = [
                [f"{i}:{r}:{suffix}" for i, r in zip(incs, nos, strict=True)],
                [etype] * len(sel),
                ats,
            ]
            absent: list[tuple[str, list[Any]]] = []
            for name, v in fvals:
                names.append(name)
                if isinstance(v, str):
                    lists.append([v] * len(sel))
                else:
                    col = v.take(take)
                    values = col.to_pylist()
                    lists.append(values)
                    if col.null_count:
                        absent.append((name, values))
            datas = list(map(dict, map(zip, repeat(names), zip(*lists, strict=True))))
            for name, values in absent:
                # a missing cell leaves the field out
                for d, x in zip(datas, values, strict=True):
                    if x is None:
                        del d[name]
            return [f"{source}:{r}" for r in nos], datas

        return build

    def _remember(
        self,
        cols: dict[str, pa.Array],
        rownos: np.ndarray[Any, Any],
        block_s: np.ndarray[Any, Any],
        first_in_block: np.ndarray[Any, Any],
        emits: list[np.ndarray[Any, Any]],
        slow: np.ndarray[Any, Any],
        nb: int,
    ) -> None:
        """The state each incident mapped in bulk ends in, for when it comes back."""
        n = len(block_s)
        last_rows = np.empty(nb, dtype=np.int64)
        last_rows[:-1] = np.flatnonzero(first_in_block)[1:] - 1
        last_rows[-1] = n - 1
        fast_blocks = np.flatnonzero(~slow)
        if not len(fast_blocks):
            return
        lr = last_rows[fast_blocks]
        take = pa.array(lr)
        names = cols[self.m.incident].take(take).to_pylist()
        watched = [cols[c].take(take).to_pylist() for c in self.rows.watched]
        order = (
            cols[self.m.order_by].take(take).to_pylist()
            if self.m.order_by is not None
            else [None] * len(lr)
        )
        firsts = np.zeros(nb, dtype=np.int64)
        for spec, e in zip(self.rows.specs, emits, strict=True):
            if spec.emit == "first":
                hit = np.zeros(nb, dtype=bool)
                hit[block_s[e]] = True
                firsts |= hit.astype(np.int64) << spec.k
        fb = firsts[fast_blocks].tolist()
        source = self.source
        wheres = [f"{source}:{no}" for no in rownos[lr].tolist()]
        base = len(self.fast_firsts)
        self.fast.update(zip(names, range(base, base + len(names)), strict=True))
        for into, got in zip(self.fast_watched, watched, strict=True):
            into.extend(got)
        self.fast_firsts.extend(fb)
        self.fast_order.extend(order)
        self.fast_where.extend(wheres)

    def _incident(self, name: str) -> None:
        """Move an incident mapped in bulk into the row mapper's records."""
        k = self.fast.pop(name, None)
        if k is None:
            return
        st = _Incident(len(self.rows.watched))
        st.last = [w[k] for w in self.fast_watched]
        st.firsts = self.fast_firsts[k]
        order = self.fast_order[k]
        if order is not None:
            st.last_ts = self.rows.clock.parse(order)[0]
            st.last_where = self.fast_where[k]
        self.rows.incidents[name] = st

    def _row_by_row(
        self,
        cols: dict[str, pa.Array],
        rownos: np.ndarray[Any, Any],
        block_s: np.ndarray[Any, Any],
        slow: np.ndarray[Any, Any],
        flush: np.ndarray[Any, Any],
        out: _Out,
    ) -> None:
        """The blocks that the row mapper maps, one row at a time, from the same state."""
        m = self.m
        sel = np.flatnonzero(slow[block_s])
        take = pa.array(sel)
        values = {c: cols[c].take(take).to_pylist() for c in self.needed}
        nos = rownos[sel].tolist()
        source = self.source
        mapper = self.rows
        for i, s in enumerate(sel.tolist()):
            cells = {c: values[c][i] for c in self.needed}
            name = str(cells[m.incident])
            if name in self.fast:
                self._incident(name)
            ts = mapper.clock.parse(cells[m.order_by])[0] if m.order_by is not None else None
            where = f"{source}:{nos[i]}"
            items: tuple[list[str], list[Any]] = ([], [])
            for item in mapper._map_row(ts, nos[i], where, cells):
                items[0].append(item.where)
                items[1].append(
                    self._typed(item.where, item.data)
                    if isinstance(item, RawEvent)
                    else _BadLine(item.reason)
                )
            b = int(block_s[s])
            out.add(flush[b], 1, s, np.arange(len(items[0])), items)
        out.typed = out.typed or self.validator is not None

    def _typed(self, where: str, data: dict[str, Any]) -> Any:
        """A record mapped row by row as the validator's Event, when it accepts it (the record
        otherwise, for the engine to refuse with the reason)."""
        if self.validator is None:
            return data
        try:
            return self.validator.validate_record(0, where, data)
        except EventError:
            return data


#: a cell the validator refuses
_REFUSED: Any = object()


@dataclass
class _Typed:
    """How the event validator would take one event spec's records, decided once per distinct
    value: the engine then admits the :class:`Event` s built here instead of validating a
    record per row. A row is built as an Event only when every check of
    :meth:`EventValidator.validate_record` provably passes for it (its id, its instant, each
    field, in the validator's own field order with its converted values); any other row stays a
    record, so the validator refuses it with its own reason, at its own place."""

    validator: EventValidator
    etype: str
    #: per field of the event type, in the validator's order: (name, required, its source:
    #: None, a constant or a column, and the validator's own check of a value)
    fields: list[tuple[str, bool, Any, Any]]

    @staticmethod
    def of(validator: EventValidator, etype: str, fvals: list[tuple[str, Any]]) -> _Typed | None:
        """None when no record of the spec can pass (an unknown type or field, a required field
        the mapping does not give): the validator then says why, row by row."""
        plan = validator._plans.get(etype)
        if plan is None:
            return None
        specs, allowed = plan
        given = dict(fvals)
        if not allowed.issuperset(given):
            return None
        fields: list[tuple[str, bool, Any, Any]] = []
        for name, required, plain, key, check in specs:
            if name not in given:
                if required:
                    return None
                continue

            def convert(
                value: Any, plain: bool = plain, key: bool = key, check: Any = check
            ) -> Any:
                # validate_record's test of a field value, for one value
                if (
                    plain
                    and type(value) is str
                    and len(value) <= MAX_STRING_CHARS
                    and value.isprintable()
                    and (not key or (value and not value.isspace()))
                ):
                    return value
                try:
                    return validator._convert(check, value, "", etype, None)
                except EventError:
                    return _REFUSED

            fields.append((name, required, given[name], convert))
        return _Typed(validator, etype, fields)

    def events(
        self,
        ids: list[str],
        isos: list[str | None],
        at_idx: np.ndarray[Any, Any],
        take: pa.Array,
        wheres: list[str],
    ) -> tuple[np.ndarray[Any, Any], list[Event]]:
        """Which rows become Events (a mask), and those Events (numbered later)."""
        n = len(ids)
        need = np.unique(at_idx)
        instants: list[Any] = [None] * len(isos)
        good_at = np.zeros(len(isos) + 1, dtype=bool)
        parse = self.validator.parse_instant
        for j in need.tolist():
            try:
                instants[j] = parse(isos[j], "")
            except EventError:
                continue
            good_at[j] = True
        ok = good_at[at_idx]
        ok &= np.fromiter(
            (len(i) <= MAX_ID_CHARS and i.isprintable() for i in ids), dtype=bool, count=n
        )
        names: list[str] = []
        columns: list[list[Any]] = []
        absent: list[int] = []
        for name, required, source, convert in self.fields:
            if isinstance(source, str):
                value = convert(source)
                if value is _REFUSED:
                    ok[:] = False
                    value = None
                names.append(name)
                columns.append([value] * n)
                continue
            enc = pc.dictionary_encode(source.take(take))
            values = [convert(v) for v in enc.dictionary.to_pylist()]
            values.append(None)  # a missing cell: the field is absent
            idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
            idx[idx < 0] = len(values) - 1
            refused = np.array([v is _REFUSED for v in values], dtype=bool)
            if required:
                refused[-1] = True
            ok &= ~refused[idx]
            if enc.null_count:
                absent.append(len(names))
            names.append(name)
            columns.append([values[i] for i in idx.tolist()])
        keep = np.flatnonzero(ok).tolist()
        etype, at = self.etype, instants
        ati = at_idx.tolist()
        rows = zip(*columns, strict=True) if columns else iter([()] * n)
        if len(keep) != n:
            chosen = set(keep)
            rows = (r for k, r in enumerate(rows) if k in chosen)
        fields = list(map(dict, map(zip, repeat(names), rows)))
        for f in absent:
            name = names[f]
            for d in fields:
                if d[name] is None:
                    del d[name]
        events = [
            Event(0, ids[k], etype, at[ati[k]], d, wheres[k])
            for k, d in zip(keep, fields, strict=True)
        ]
        return ok, events


def _rejected(reason: str) -> _BadLine:
    return _BadLine(f"row not mapped: {reason}")


def _concat(a: _Carry, b: _Carry) -> _Carry:
    return _Carry(
        np.concatenate([a.pos, b.pos]),
        np.concatenate([a.rownos, b.rownos]),
        np.concatenate([a.us, b.us]),
        {c: pa.concat_arrays([a.cols[c], b.cols[c]]) for c in a.cols},
    )


def _test(col: pa.Array, test: CellTest | str | list[str]) -> np.ndarray[Any, Any]:
    """A ``when`` test on a column, as the row mapper's ``_cell_test`` (a missing cell equals no
    text)."""
    if isinstance(test, str):
        r = pc.fill_null(pc.equal(col, test), False)
    elif isinstance(test, list):
        r = pc.fill_null(pc.is_in(col, value_set=pa.array(test, type=pa.string())), False)
    else:
        r = pa.array(np.ones(len(col), dtype=bool))
        if test.present is not None:
            r = pc.and_(r, col.is_valid() if test.present else col.is_null())
        if test.in_ is not None:
            inside = pc.is_in(col, value_set=pa.array(test.in_, type=pa.string()))
            r = pc.and_(r, pc.fill_null(inside, False))
        if test.not_in is not None:
            outside = pc.is_in(col, value_set=pa.array(test.not_in, type=pa.string()))
            r = pc.and_(r, pc.invert(pc.fill_null(outside, False)))
    out: np.ndarray[Any, Any] = r.to_numpy(zero_copy_only=False)
    return out


def _value_map(
    col: pa.Array, table: dict[str, str], unmapped: str
) -> tuple[pa.Array, np.ndarray[Any, Any]]:
    """The column through a value map, and where a present cell is not in it (when unmapped
    values reject)."""
    keys = pa.array(list(table), type=pa.string())
    vals = pa.array(list(table.values()), type=pa.string())
    at = pc.index_in(col, value_set=keys)
    got = vals.take(at)
    missing = pc.and_(col.is_valid(), at.is_null()).to_numpy(zero_copy_only=False)
    if unmapped == "keep":
        return pc.coalesce(got, col), np.zeros(len(col), dtype=bool)
    return got, missing
