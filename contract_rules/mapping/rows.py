"""The row mapper: rows (column → cell) to raw events and rejected rows, one row at a time — the
reference the columnar reader is held to, and what runs without pyarrow."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import MappingError
from ..events import RawEvent, _BadLine
from .checks import _reference_findings
from .model import ISO_FORMAT, CellTest, Emit, ImportMapping, ValueMap

# =============================================================================== mapping rows

#: A normalised cell: text, a datetime (DataFrames), or None for a missing value.
Cell = str | datetime | None
_UNSET: Any = object()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MappedReject:
    """A row that could not be mapped: its position, where it is, and why."""

    index: int
    row: int
    where: str
    incident: str | None
    reason: str

    def to_raw(self) -> RawEvent:
        """A raw record the event validator rejects with this reason (for the engine)."""
        return RawEvent(self.index, self.where, _BadLine(self.reason))


@dataclass
class MappingStats:
    """What a mapping run did with the rows. ``rows = rows_mapped + rows_without_event +
    rows_rejected``; the report of the events then accounts for ``events + rows_rejected``."""

    rows: int = 0
    rows_mapped: int = 0
    rows_without_event: int = 0
    rows_rejected: int = 0
    events: int = 0
    incidents: int = 0
    events_by_type: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "rows": self.rows,
            "rows_mapped": self.rows_mapped,
            "rows_without_event": self.rows_without_event,
            "rows_rejected": self.rows_rejected,
            "events": self.events,
            "incidents": self.incidents,
            "events_by_type": dict(sorted(self.events_by_type.items())),
        }


class _Clock:
    """Parses cells into ISO 8601 instants with offsets, with a bounded cache (exports repeat
    the same timestamps many times: ``opened_at`` on every row of an incident)."""

    MAX_CACHE = 65_536

    def __init__(self, formats: Sequence[str], zone: str | None) -> None:
        self.formats = tuple(formats)
        self.zone: tzinfo | None = ZoneInfo(zone) if zone is not None else None
        self.zone_name = zone
        self._cache: dict[str, tuple[datetime, str]] = {}

    def parse(self, cell: str | datetime) -> tuple[datetime, str]:
        """(aware instant, its ISO text). ValueError with a readable reason when the cell fits
        no format, or is naive and the mapping has no ``naive_zone``."""
        if isinstance(cell, datetime):
            return self._aware(cell, cell.isoformat(sep=" "))
        hit = self._cache.get(cell)
        if hit is not None:
            return hit
        text = cell.strip()
        parsed: datetime | None = None
        for fmt in self.formats:
            try:
                if fmt == ISO_FORMAT:
                    parsed = datetime.fromisoformat(text) if len(text) <= 64 else None
                else:
                    parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if parsed is not None:
                break
        if parsed is None:
            shown = ", ".join(repr(f) for f in self.formats)
            raise ValueError(f"{cell[:64]!r} matches none of the timestamp formats ({shown})")
        result = self._aware(parsed, cell)
        if len(self._cache) >= self.MAX_CACHE:
            self._cache.clear()
        self._cache[cell] = result
        return result

    def _aware(self, t: datetime, shown: str) -> tuple[datetime, str]:
        if t.tzinfo is None or t.utcoffset() is None:
            if self.zone is None:
                raise ValueError(
                    f"naive timestamp {shown[:64]!r} has no offset and the mapping declares no "
                    "naive_zone"
                )
            t = t.replace(tzinfo=self.zone)
        return t, t.isoformat()


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    column: str | None
    const: str | None
    vmap_name: str | None
    vmap: ValueMap | None


@dataclass(frozen=True, slots=True)
class _Spec:
    k: int
    type: str
    at: str
    emit: Emit
    watch: int  # index into the watched columns, or -1
    when: tuple[tuple[str, Callable[[Cell], bool]], ...]
    fields: tuple[_Field, ...]
    suffix: str


class _Incident:
    """What is remembered of one incident between its rows: O(1) per incident."""

    __slots__ = ("firsts", "last", "last_ts", "last_where")

    def __init__(self, n_watched: int) -> None:
        self.firsts = 0  # bit k set: the emit: first spec k has produced its event
        self.last: list[Cell] = [_UNSET] * n_watched
        self.last_ts: datetime | None = None
        self.last_where = ""


def _cell_test(test: CellTest | str | list[str]) -> Callable[[Cell], bool]:
    if isinstance(test, str):
        return lambda v: v == test
    if isinstance(test, list):
        allowed = frozenset(test)
        return lambda v: v in allowed
    checks: list[Callable[[Cell], bool]] = []
    if test.present is not None:
        want = test.present
        checks.append(lambda v: (v is not None) is want)
    if test.in_ is not None:
        inside = frozenset(test.in_)
        checks.append(lambda v: v in inside)
    if test.not_in is not None:
        outside = frozenset(test.not_in)
        checks.append(lambda v: v not in outside)
    return lambda v: all(c(v) for c in checks)


class _Mapper:
    """The compiled form of a mapping: turns (row number, where, row) records into items."""

    def __init__(self, mapping: ImportMapping) -> None:
        broken = _reference_findings(mapping)  # a mapping built in code skips load_mapping
        if broken:
            raise MappingError(broken, mapping.source)
        self.m = mapping
        self.clock = _Clock(mapping.timestamp_formats, mapping.naive_zone)
        self.missing = frozenset(mapping.csv.missing)
        watched: list[str] = []
        for spec in mapping.events:
            if spec.watch is not None and spec.watch not in watched:
                watched.append(spec.watch)
        self.watched = tuple(watched)
        #: every column the mapping reads, once, in order
        self.needed: tuple[str, ...] = tuple(dict.fromkeys(c for c, _ in mapping.columns()))
        types = [s.type for s in mapping.events]
        specs: list[_Spec] = []
        for k, spec in enumerate(mapping.events):
            fields = tuple(
                _Field(name, src, None, None, None)
                if isinstance(src, str)
                else _Field(
                    name,
                    src.column,
                    src.value,
                    src.values,
                    mapping.values[src.values] if src.values is not None else None,
                )
                for name, src in spec.fields.items()
            )
            specs.append(
                _Spec(
                    k=k,
                    type=spec.type,
                    at=spec.at,
                    emit=spec.emit,
                    watch=watched.index(spec.watch) if spec.watch is not None else -1,
                    when=tuple((col, _cell_test(t)) for col, t in spec.when.items()),
                    fields=fields,
                    suffix=spec.type if types.count(spec.type) == 1 else f"{spec.type}.{k + 1}",
                )
            )
        self.specs = tuple(specs)
        self.incidents: dict[str, _Incident] = {}
        self.index = 0
        self.stats = MappingStats()

    # ------------------------------------------------------------------ the stream

    def run(
        self, records: Iterable[tuple[int, str, AbcMapping[str, Any] | None, str | None]]
    ) -> Iterator[RawEvent | MappedReject]:
        """Map records ``(row number, where, row, problem)``; a record with a ``problem`` (a row
        the reader could not split into cells) is rejected with it."""
        m = self.m
        block: list[tuple[datetime | None, int, str, dict[str, Cell]]] = []
        current: str | None = None
        for rowno, where, row, problem in records:
            self.stats.rows += 1
            if problem is not None or row is None:
                yield self._reject(rowno, where, None, problem or "row has no cells")
                continue
            cells = self._normalise(row)
            inc = cells.get(m.incident)
            if inc is None or not isinstance(inc, str):
                yield self._reject(
                    rowno, where, None, f"the incident id column {m.incident!r} is empty"
                )
                continue
            ts: datetime | None = None
            if m.order_by is not None:
                cell = cells.get(m.order_by)
                if cell is None:
                    yield self._reject(
                        rowno, where, inc, f"the order_by column {m.order_by!r} is empty"
                    )
                    continue
                try:
                    ts = self.clock.parse(cell)[0]
                except ValueError as exc:
                    yield self._reject(rowno, where, inc, f"column {m.order_by!r}: {exc}")
                    continue
            if inc != current:
                yield from self._flush(block)
                block = []
                current = inc
            block.append((ts, rowno, where, cells))
        yield from self._flush(block)
        self.stats.incidents = len(self.incidents)

    def _normalise(self, row: AbcMapping[str, Any]) -> dict[str, Cell]:
        out: dict[str, Cell] = {}
        missing = self.missing
        for col in self.needed:
            v = row.get(col)
            if v is None:
                out[col] = None
            elif isinstance(v, str):
                out[col] = None if v in missing else v
            elif isinstance(v, datetime):
                out[col] = None if v != v else v  # NaT is a datetime unequal to itself
            else:
                out[col] = _text_of(v, missing)
        return out

    def _flush(
        self, block: list[tuple[datetime | None, int, str, dict[str, Cell]]]
    ) -> Iterator[RawEvent | MappedReject]:
        if not block:
            return
        if self.m.order_by is not None and len(block) > 1:
            # as instants: aware datetimes of one zone compare by wall time, which orders the
            # hour a clock change repeats or skips wrongly
            block.sort(key=lambda r: (_instant(r[0]), r[1]))  # type: ignore[arg-type]
        for ts, rowno, where, cells in block:
            yield from self._map_row(ts, rowno, where, cells)

    def _map_row(
        self, ts: datetime | None, rowno: int, where: str, cells: dict[str, Cell]
    ) -> Iterator[RawEvent | MappedReject]:
        inc = str(cells[self.m.incident])
        st = self.incidents.get(inc)
        if st is None:
            st = self.incidents[inc] = _Incident(len(self.watched))
        if ts is not None and st.last_ts is not None and _instant(ts) < _instant(st.last_ts):
            yield self._reject(
                rowno,
                where,
                inc,
                f"out of order: {self.m.order_by} {ts.isoformat()} is earlier than "
                f"{st.last_ts.isoformat()} of {st.last_where}, already mapped for incident "
                f"{inc}; sort the export by incident and {self.m.order_by}",
            )
            return
        watched_now = [cells[c] for c in self.watched]
        reasons: list[str] = []
        events: list[dict[str, Any]] = []
        firsts = 0
        for spec in self.specs:
            if spec.emit == "first" and st.firsts >> spec.k & 1:
                continue
            if spec.emit == "change" and watched_now[spec.watch] == st.last[spec.watch]:
                continue
            if not all(test(cells[col]) for col, test in spec.when):
                continue
            data = self._event(spec, inc, rowno, cells, reasons)
            if data is not None:
                events.append(data)
                if spec.emit == "first":
                    firsts |= 1 << spec.k
        if reasons:
            yield self._reject(rowno, where, inc, "; ".join(dict.fromkeys(reasons)))
            return
        st.last = watched_now
        st.firsts |= firsts
        if ts is not None:
            st.last_ts = ts
            st.last_where = where
        stats = self.stats
        if events:
            stats.rows_mapped += 1
        else:
            stats.rows_without_event += 1
        for data in events:
            stats.events += 1
            stats.events_by_type[data["type"]] = stats.events_by_type.get(data["type"], 0) + 1
            yield RawEvent(self.index, where, data)
            self.index += 1

    def _event(
        self, spec: _Spec, inc: str, rowno: int, cells: dict[str, Cell], reasons: list[str]
    ) -> dict[str, Any] | None:
        at_cell = cells[spec.at]
        at: str | None = None
        if at_cell is None:
            reasons.append(f"{spec.type}: its time column {spec.at!r} is empty")
        else:
            try:
                at = self.clock.parse(at_cell)[1]
            except ValueError as exc:
                reasons.append(f"column {spec.at!r}: {exc}")
        data: dict[str, Any] = {"id": f"{inc}:{rowno}:{spec.suffix}", "type": spec.type, "at": at}
        for f in spec.fields:
            if f.const is not None:
                data[f.name] = f.const
                continue
            cell = cells[f.column] if f.column is not None else None
            if cell is None:
                continue  # absent: the event validator decides whether the field is required
            if isinstance(cell, datetime):
                try:
                    cell = self.clock.parse(cell)[1]
                except ValueError as exc:
                    reasons.append(f"column {f.column!r}: {exc}")
                    continue
            if f.vmap is not None:
                mapped = f.vmap.map.get(cell)
                if mapped is None:
                    if f.vmap.unmapped == "reject":
                        known = ", ".join(repr(k) for k in list(f.vmap.map)[:12])
                        reasons.append(
                            f"column {f.column!r}: {cell[:80]!r} is not in value map "
                            f"{f.vmap_name!r} (known: {known})"
                        )
                        continue
                    mapped = cell
                cell = mapped
            data[f.name] = cell
        return data if at is not None else None

    def _reject(self, rowno: int, where: str, inc: str | None, reason: str) -> MappedReject:
        self.stats.rows_rejected += 1
        item = MappedReject(self.index, rowno, where, inc, f"row not mapped: {reason}")
        self.index += 1
        return item


def _text_of(v: Any, missing: frozenset[str]) -> Cell:
    """A DataFrame cell as text: NaN/None/NA are missing, booleans true/false, dates ISO."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, date):
        return v.isoformat()
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    text = str(v)
    return None if text in missing else text


def map_rows(
    mapping: ImportMapping,
    rows: Iterable[AbcMapping[str, Any]],
    *,
    source: str = "<rows>",
    start: int = 1,
    stats: MappingStats | None = None,
) -> Iterator[RawEvent | MappedReject]:
    """Map rows (column → cell text) to raw events and rejects, lazily.

    The n-th row (0-based) is row number ``start + n``, located ``f"{source}:{start + n}"``.
    Every row gives zero or more :class:`RawEvent` s whose data the event validator accepts
    (``id``, ``type``, ``at`` as ISO 8601 with an offset, and the mapped fields), or exactly one
    :class:`MappedReject` with the reason; a row never disappears without being counted in
    ``stats``. Event ids are ``<incident>:<row number>:<event type>``, unique per run. Items are
    numbered (``index``) in the order they are yielded: incident block by incident block, except
    that a row without an incident id or ``order_by`` time is rejected as soon as it is read.
    See the module docstring for ordering and memory.
    """
    mapper = _Mapper(mapping)
    if stats is not None:
        mapper.stats = stats
    records = ((start + n, f"{source}:{start + n}", row, None) for n, row in enumerate(rows))
    return mapper.run(records)


def as_raw_events(items: Iterable[RawEvent | MappedReject]) -> Iterator[RawEvent]:
    """Raw records for the engine: rejects become records the validator rejects with their
    reason (so they are accounted as rejected, located at their row)."""
    for item in items:
        yield item.to_raw() if isinstance(item, MappedReject) else item


def _instant(ts: datetime) -> timedelta:
    """``ts`` as the time since the epoch, to compare as an instant.

    Two aware datetimes that share a tzinfo object compare (and subtract) by their wall times,
    fold ignored; against the epoch in UTC, another tzinfo, Python subtracts the instants they
    name. Unlike ``astimezone(UTC)`` this cannot overflow at the ends of the datetime range
    (the first hours of year 1 in a zone east of UTC)."""
    return ts - _EPOCH
