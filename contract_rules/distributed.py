"""Evaluation on a Dask cluster: the report of :func:`contract_rules.evaluate`, byte for byte,
from many processes or machines.

::

    from contract_rules import distributed
    report = distributed.evaluate(ruleset, "logs/*.jsonl", as_of="2025-12-31T00:00:00+08:00")

How it works (``docs/scaling.md`` has the figures):

1. **Plan** (:func:`plan_for`, once per ruleset). Every event type is routed by the field that
   names the instances it touches — the key of the norms it triggers, answers (when the
   response matches on the key) or gives causes for, the key of a clock-pause span — or
   *broadcast* to every partition when it touches what every key needs: a keyless norm (the
   payment, the renewal inquiry), a span that excuses (force majeure), a span without a key.
   Claims read no state: they are collected and the remedies computed once, after the merge. A
   ruleset that names one event type's instances by two fields (or matches responses on a field
   that is not the key) cannot be cut by key: it is evaluated as one partition (the plan says
   why), still on the cluster.
2. **Read and validate** (one task per chunk of input: a byte range of a JSONL file, a slice of
   a DataFrame or of records, a Parquet file). Each valid event goes to the partition of its
   routing value (crc32 of its text, modulo the partitions); a broadcast event to all, owned by
   one. Ids are checked across chunks: events that share an id (or, without one, a content
   digest) are looked at together, so that the later one in time is rejected as a duplicate and
   identical events are numbered ``~…-2`` in input order, as in one process.
3. **Evaluate** (one task per partition): the partition's events in time order (ties: input
   position), through the engine's own :class:`~contract_rules.evaluator.Evaluator`. A
   partition keeps the instances of its keys (keyless instances: partition 0) and the
   accounting, claims and out-of-term notes of the events it owns.
4. **Merge** (the caller's process): obligations in the report's order (trigger instant, norm,
   key, nth), accounting by input position, notes by event order, calendar assumptions over the
   years every partition used, and the remedies (caps per period across keys) over the merged
   obligations and all claims.

Each instance is computed by one partition only; every event is accounted for once. Tasks are
pure functions of their inputs: a worker that dies is replaced and its tasks run again by Dask,
with the same result. Dask and its dependencies are imported only here, on use (the
``distributed`` extra).
"""

from __future__ import annotations

import glob
import io
import os
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import frames_in
from .collector import collector_paused
from .engine import CompiledRuleset, Evaluator, _claimed, compile_ruleset
from .errors import EventError
from .evaluator import _as_of_instant, contract_states
from .events import (
    Event,
    RawEvent,
    comparable,
    derived_id,
    jsonl_lines,
    read_events,
)
from .explanations import Explainer
from .model import Ruleset
from .remedies import remedy_lines
from .report import Accounting, EventEntry, Liability, MeasurePeriod, Obligation, Report
from .text import iso

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client, Future

__all__ = [
    "Export",
    "Plan",
    "Portfolio",
    "evaluate",
    "evaluate_portfolio",
    "local_client",
    "plan_for",
]

#: events per chunk read and validated by one task (a JSONL chunk is cut at about this many
#: bytes per event times this)
CHUNK_EVENTS = 200_000
#: the JSONL bytes one chunk holds at most, and at least (a small file is one chunk)
CHUNK_BYTES = 64 << 20
MIN_CHUNK_BYTES = 1 << 16


# =============================================================================== the plan


@dataclass(frozen=True)
class Plan:
    """How a ruleset's events are cut by key: per event type, the field whose value picks the
    partition (None: any partition) and whether every partition needs the event.

    ``reason`` is None when the ruleset can be cut; otherwise why not (it then runs as one
    partition).
    """

    routes: Mapping[str, tuple[str | None, bool]]
    reason: str | None = None

    @property
    def partitionable(self) -> bool:
        """True when events can go to partitions by key."""
        return self.reason is None


def plan_for(compiled: CompiledRuleset) -> Plan:
    """The routing of ``compiled``'s event types (see the module's description)."""
    c = compiled
    excusing = {ex.span for cn in c.norms for ex in cn.excuses if ex.span is not None}
    # a measure counts every span of its names, whatever their keys: every partition sees them
    excusing |= {
        name for m in c.ruleset.measures for name in (*m.down, *(x.span for x in m.exclude))
    }
    routes: dict[str, tuple[str | None, bool]] = {}
    reason: str | None = None
    for etype, entries in c.dispatch.items():
        keyed: dict[str, str] = {}  # field -> the role that routes by it (for the reason)
        everywhere = False
        for what, idx in entries:
            if what in ("trigger", "response"):
                cn = c.norms[idx]
                if cn.key_field is None:
                    everywhere = True
                elif what == "trigger" or cn.key_field in cn.match:
                    keyed.setdefault(cn.key_field, f"{what} of {cn.info.rule}")
                else:
                    reason = reason or (
                        f"{cn.info.rule} matches its responses on {', '.join(cn.match)}, not on "
                        f"its key {cn.key_field}"
                    )
            elif what == "cause":
                slot = c.causes[idx]
                keyed.setdefault(slot.key, f"cause {slot.field}")
            elif what in ("span_start", "span_end"):
                cs = c.spans[idx]
                if cs.name in excusing or cs.span.key is None:
                    everywhere = True
                else:
                    keyed.setdefault(cs.span.key, f"span {cs.name}")
            if what == "response" and c.norms[idx].effect == "terminate":
                reason = reason or (
                    f"the power {c.norms[idx].info.rule} terminates the contract for every key"
                )
            if what == "response" and c.norms[idx].effect in ("suspend", "resume"):
                # a suspension stops the clocks of the instances of every key
                reason = reason or (
                    f"{c.norms[idx].info.rule} suspends or resumes instances of every key"
                )
        if len(keyed) > 1:
            reason = reason or (
                f"events of type {etype} name instances by "
                + " and by ".join(f"{f} ({role})" for f, role in keyed.items())
            )
        routes[etype] = (next(iter(keyed), None), everywhere)
    return Plan(routes, reason)


def _partition_of(text: str, partitions: int) -> int:
    """The partition of a routing value (the same in every process: not Python's hash)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % partitions


def _id_hash(text: str) -> int:
    """A 63-bit hash of an event id, to find the ids that occur more than once."""
    b = text.encode("utf-8", "surrogatepass")
    return ((zlib.crc32(b) << 31) ^ zlib.adler32(b)) & ((1 << 63) - 1)


# =============================================================================== sources


@dataclass(frozen=True)
class Export:
    """A ticket export (a CSV path or a DataFrame) read through an import mapping (a
    :class:`~contract_rules.mapping.ImportMapping` or its path), as a source of events. The
    export is read in the caller's process (the mapping follows each incident through its
    rows), the events validated and evaluated on the cluster; ``stats``, when given, is filled
    with the row counts (:class:`~contract_rules.mapping.MappingStats`)."""

    export: Any
    mapping: Any
    stats: Any = None


@dataclass(frozen=True)
class _Chunk:
    """A piece of input one task reads: ``kind`` says how, ``start`` is the global number of its
    first record where records are named by number (``event #n``)."""

    kind: str  # jsonl | records | frame | parquet
    payload: Any
    start: int = 0


def _chunks(sources: Any, target: int) -> list[_Chunk]:
    """The input cut into chunks, in input order (``target``: a number of chunks to aim at)."""
    if frames_in.is_frame(sources):
        return _frame_chunks(sources, target)
    if isinstance(sources, Export):
        from .mapping import read_export

        raws = list(read_export(sources.export, sources.mapping, stats=sources.stats))
        return _record_chunks([(r.where, r.data) for r in raws], target)
    if _is_dask_frame(sources):
        lengths = [int(n) for n in sources.map_partitions(len).compute()]
        starts = [sum(lengths[:k]) for k in range(len(lengths))]
        return [
            _Chunk("frame", part, start)
            for part, start in zip(sources.to_delayed(), starts, strict=True)
        ]
    if isinstance(sources, str | os.PathLike):
        return _path_chunks(_paths(sources), target)
    if (
        isinstance(sources, Sequence)
        and sources
        and all(isinstance(s, str | os.PathLike) for s in sources)
    ):
        return _path_chunks([p for s in sources for p in _paths(s)], target)
    if isinstance(sources, Mapping):
        raise TypeError("sources must be paths, a DataFrame or an iterable of mappings, not one")
    records = [(f"event #{i + 1}", data) for i, data in enumerate(sources)]
    return _record_chunks(records, target)


def _is_dask_frame(obj: Any) -> bool:
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(obj, dd.DataFrame)


def _paths(source: str | os.PathLike[str]) -> list[Path]:
    """A path, or the files a glob pattern names (sorted); FileNotFoundError when none."""
    text = os.fspath(source)
    if any(ch in text for ch in "*?["):
        found = sorted(glob.glob(text))
        if not found:
            raise FileNotFoundError(f"{text}: no file matches")
        return [Path(f) for f in found]
    path = Path(text)
    if not path.is_file():
        raise FileNotFoundError(f"{text}: no such events file")
    return [path]


def _path_chunks(paths: list[Path], target: int) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in {".jsonl", ".ndjson"}:
            chunks.extend(_jsonl_chunks(path, target))
        elif frames_in.is_parquet(path):
            chunks.append(_Chunk("parquet", str(path)))
        else:  # .json, .csv: read here, in input order (a CSV record may span lines)
            chunks.extend(_record_chunks([(r.where, r.data) for r in read_events(path)], target))
    return chunks


def _jsonl_chunks(path: Path, target: int) -> list[_Chunk]:
    """Byte ranges of ``path`` cut at line starts, each with the number of its first line."""
    size = path.stat().st_size
    n = max(1, min(max(target, -(-size // CHUNK_BYTES)), size // MIN_CHUNK_BYTES))
    cuts = [0]
    with path.open("rb") as fh:
        for k in range(1, n):
            fh.seek(max(cuts[-1], size * k // n))
            fh.readline()  # to the start of the next line
            pos = fh.tell()
            if cuts[-1] < pos < size:
                cuts.append(pos)
        cuts.append(size)
        # the number of each range's first line: the line ends before it, counted in blocks
        firsts = [1]
        fh.seek(0)
        lines = 1
        at = 0
        for cut in cuts[1:-1]:
            while at < cut:
                block = fh.read(min(1 << 24, cut - at))
                lines += block.count(b"\n")
                at += len(block)
            firsts.append(lines)
    return [
        _Chunk("jsonl", (str(path), a, b, first))
        for a, b, first in zip(cuts, cuts[1:], firsts, strict=False)
    ]


def _record_chunks(records: list[tuple[str, Any]], target: int) -> list[_Chunk]:
    size = max(1, min(CHUNK_EVENTS, -(-len(records) // max(1, target))))
    return [_Chunk("records", records[k : k + size], k) for k in range(0, len(records), size)] or [
        _Chunk("records", [], 0)
    ]


def _frame_chunks(frame: Any, target: int) -> list[_Chunk]:
    size = max(1, min(CHUNK_EVENTS, -(-len(frame) // max(1, target))))
    return [_Chunk("frame", frame.iloc[k : k + size], k) for k in range(0, len(frame), size)] or [
        _Chunk("frame", frame, 0)
    ]


def _read_chunk(chunk: _Chunk) -> Iterator[tuple[int, str, Any]]:
    """The chunk's records as ``(local index, where, data)``, local indexes from 0."""
    if chunk.kind == "jsonl":
        yield from _jsonl_range(*chunk.payload)
    elif chunk.kind == "records":
        for k, (where, data) in enumerate(chunk.payload):
            yield k, where, data
    elif chunk.kind == "frame":
        frame = chunk.payload
        if hasattr(frame, "compute"):  # a dask DataFrame's partition
            frame = frame.compute()
        for k, where, data in frames_in.frame_records(frame, start=chunk.start):
            yield k - chunk.start, where, data
    else:
        yield from frames_in.parquet_records(chunk.payload)


def _jsonl_range(path: str, start: int, end: int, first: int) -> Iterator[tuple[int, str, Any]]:
    """The records of bytes ``[start, end)`` of a JSONL file whose first line is line
    ``first``: what :func:`contract_rules.events.read_records` reads there, line for line."""
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    yield from jsonl_lines(io.BytesIO(data), path, first)


# =============================================================================== stage 1: read


#: a valid event as stage 1 keeps and ships it (a plain tuple ships several times faster than
#: an Event): local index, id, type, instant, fields, where
_Row = tuple[int, str, str, datetime, Mapping[str, Any], str]


@dataclass
class _Prepared:
    """A chunk read, validated and cut: per partition its events, the broadcast events with
    their owners, the rejected records, and the hashes of the ids to check (by local index)."""

    count: int
    pieces: list[list[_Row]]
    everywhere: list[tuple[_Row, int]]
    rejected: list[EventEntry]
    first_error: tuple[int, str, str, str | None] | None
    id_hashes: array[int]


@dataclass(frozen=True)
class _Summary:
    """What the caller needs of a prepared chunk: its size, rejections and id hashes."""

    count: int
    rejected: list[EventEntry]
    first_error: tuple[int, str, str, str | None] | None
    id_hashes: bytes


def _prepare(
    c: CompiledRuleset, plan: Plan, chunk: _Chunk, partitions: int, naive_tz: str | tzinfo | None
) -> _Prepared:
    """Stage 1: read and validate ``chunk`` and cut its events by partition."""
    with collector_paused():
        return _prepare_chunk(c, plan, chunk, partitions, naive_tz)


def _prepare_chunk(
    c: CompiledRuleset, plan: Plan, chunk: _Chunk, partitions: int, naive_tz: str | tzinfo | None
) -> _Prepared:
    ev = Evaluator(c, strict=False, naive_tz=naive_tz)  # its validator, and reject's entries
    validate = ev.validator.validate_record
    pieces: list[list[_Row]] = [[] for _ in range(partitions)]
    every: list[tuple[_Row, int]] = []
    routes = plan.routes
    hashes = array("q")
    first_error: tuple[int, str, str, str | None] | None = None
    count = 0
    for local, where, data in _read_chunk(chunk):
        count += 1
        try:
            e = validate(local, where, data)
        except EventError as exc:
            ev.reject(RawEvent(local, where, data), exc)
            hashes.append(-1)
            if first_error is None:
                first_error = (local, exc.where, exc.reason, exc.event_id)
            continue
        eid = e.id
        if len(eid) > 11 and isinstance(data, Mapping) and data.get("id") is None:
            eid = eid[:11]  # a digest numbered in this chunk: numbered across chunks later
        hashes.append(_id_hash(eid))
        row = (local, eid, e.type, e.at, e.fields, where)
        route = routes.get(e.type)
        key, everywhere = route if route is not None else (None, False)
        owner = (
            _partition_of(str(e.fields.get(key)), partitions)
            if key is not None
            else local % partitions
        )
        if everywhere:
            every.append((row, owner))
        else:
            pieces[owner].append(row)
    return _Prepared(count, pieces, every, ev._rejected, first_error, hashes)


def _summary(prep: _Prepared) -> _Summary:
    return _Summary(prep.count, prep.rejected, prep.first_error, prep.id_hashes.tobytes())


@dataclass
class _Batch:
    """Rows shipped between processes in one piece: Dask serializes a bare list element by
    element (looking for arrays), many times slower than one object that holds it."""

    rows: list[Any]


def _piece(prep: _Prepared, p: int) -> _Batch:
    return _Batch(prep.pieces[p])


def _everywhere(prep: _Prepared) -> _Batch:
    return _Batch(prep.everywhere)


def _details(prep: _Prepared, wanted: frozenset[int]) -> list[_Twin]:
    """The events of ``prep`` whose id hash is in ``wanted``, with where they were sent."""
    found: list[_Twin] = []
    hashes = prep.id_hashes
    for k, piece in enumerate(prep.pieces):
        found.extend(_Twin(row, k, False) for row in piece if hashes[row[0]] in wanted)
    found.extend(
        _Twin(row, owner, True) for row, owner in prep.everywhere if hashes[row[0]] in wanted
    )
    return found


@dataclass
class _Twin:
    """An event whose id another event may share, and where it was sent (owner partition,
    and whether to all)."""

    row: _Row
    owner: int
    everywhere: bool
    chunk: int = -1


@dataclass(frozen=True)
class _Fixes:
    """The corrections the id check makes: new ids (digests numbered across chunks), and the
    duplicates moved to the partitions of the events whose id they repeat."""

    ids: Mapping[int, str] = field(default_factory=dict)
    moved: frozenset[int] = frozenset()
    #: per partition: (event as shipped, its global index, owned there)
    extra: Mapping[int, tuple[tuple[_Row, int, bool], ...]] = field(default_factory=dict)


def _resolve(twins: list[_Twin], offsets: list[int], partitions: int) -> _Fixes:
    """The fixes of the events that share an id hash. Digests are numbered in input order, as
    one validator numbers them; then of the events that share an id the earliest in time (ties:
    input order) keeps it and the others go where it went, whose evaluation rejects them as
    duplicates."""
    by_index = {offsets[t.chunk] + t.row[0]: t for t in twins}
    ids: dict[int, str] = {}
    digests: dict[str, list[int]] = {}
    for g in sorted(by_index):
        _, eid, etype, at, fields, _ = by_index[g].row
        if eid == derived_id(etype, at, fields):  # named by its content
            digests.setdefault(eid, []).append(g)
    for base, members in digests.items():
        for n, g in enumerate(members[1:], 2):
            ids[g] = f"{base}-{n}"
    holders: dict[str, list[int]] = {}
    for g, t in by_index.items():
        holders.setdefault(ids.get(g, t.row[1]), []).append(g)
    moved: set[int] = set()
    extra: dict[int, list[tuple[_Row, int, bool]]] = {}
    for members in holders.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda g: (by_index[g].row[3], g))
        first = by_index[members[0]]
        for g in members[1:]:
            moved.add(g)
            local, eid, etype, at, fields, where = by_index[g].row
            row = (local, ids.get(g, eid), etype, at, fields, where)
            targets = range(partitions) if first.everywhere else (first.owner,)
            for p in targets:
                extra.setdefault(p, []).append((row, g, p == first.owner))
    return _Fixes(ids, frozenset(moved), {p: tuple(v) for p, v in extra.items()})


# =============================================================================== stage 2: evaluate


class _PartitionEvaluator(Evaluator):
    """The engine's evaluator, noting which event each out-of-term note came from."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heads: list[tuple[datetime, int, str]] = []

    def apply(self, ev: Event) -> str | None:
        n = len(self._out_of_term)
        outcome = super().apply(ev)
        if len(self._out_of_term) != n:
            self.heads.append((ev.at, ev.index, next(reversed(self._out_of_term))))
        return outcome


#: an obligation as a partition ships it: the norm's number, then the fields of
#: :class:`Obligation` after ``norm`` up to ``notes``, then its explainer's facts (the norm's
#: number, the tier's place or -1, the due before pauses, the window's opening, the pauses)
_ObRow = tuple[Any, ...]


@dataclass
class _Partial:
    """What one partition gives the merge: its instances and the accounting, claims and notes
    of the events it owns, the years it used; or the first error (strict mode)."""

    obligations: list[_ObRow]
    used: array[int]
    ignored: list[EventEntry]
    rejected: list[EventEntry]
    claims: list[tuple[int, _Row]]
    notes: list[tuple[datetime, int, str]]
    years: set[int]
    error: tuple[str, str, str | None] | None = None
    #: the termination by a power the partition saw (instant, event, power), if any
    ended: tuple[datetime, str, str] | None = None
    #: the suspensions of the whole contract the partition saw (Evaluator.contract_suspensions)
    suspended: tuple[tuple[datetime, datetime | None, str, str | None], ...] = ()
    #: the measures (partition 0's: every partition sees every span a measure counts)
    measures: tuple[MeasurePeriod, ...] = ()


def _evaluate_partition(*args: Any) -> _Partial:
    """:func:`_partition_result` with the cyclic collector paused as in one process (the engine
    makes no cycles; millions of live objects would be scanned again and again). Results travel
    as plain tuples, which Dask ships several times faster than objects."""
    with collector_paused():
        return _partition_result(*args)


def _partition_result(
    c: CompiledRuleset,
    p: int,
    partitions: int,
    t: datetime,
    strict: bool,
    naive_tz: str | tzinfo | None,
    offsets: list[int],
    fixes: _Fixes,
    *parts: Any,
) -> _Partial:
    """Stage 2: evaluate partition ``p`` (``parts``: its piece of every chunk, then every
    chunk's broadcast events)."""
    n = len(offsets)
    events: list[Event] = []
    foreign: set[int] = set()
    moved = fixes.moved
    ids = fixes.ids
    for off, piece in zip(offsets, parts[:n], strict=True):
        for local, eid, etype, at, fields, where in piece.rows:
            g = local + off
            if g not in moved:
                events.append(Event(g, ids.get(g, eid), etype, at, fields, where))
    for off, every in zip(offsets, parts[n:], strict=True):
        for (local, eid, etype, at, fields, where), owner in every.rows:
            g = local + off
            if g not in moved:
                events.append(Event(g, ids.get(g, eid), etype, at, fields, where))
                if owner != p:
                    foreign.add(g)
    for (_, eid, etype, at, fields, where), g, owned in fixes.extra.get(p, ()):
        events.append(Event(g, eid, etype, at, fields, where))
        if not owned:
            foreign.add(g)
    events.sort(key=_time_order)
    ev = _PartitionEvaluator(c, strict=strict, naive_tz=naive_tz)
    try:
        for e in events:
            if not _claimed(ev, e, strict):
                continue
            if e.at > t:
                ev.ignore(e, f"after the evaluation time {iso(t)}")
            else:
                ev.apply(e)
    except EventError as exc:
        return _Partial(
            [], array("q"), [], [], [], [], set(), (exc.where, exc.reason, exc.event_id)
        )
    del events
    rep = ev._final_report(t)
    order = c.norm_order
    rows = [
        _ob_row(ob, order)
        for ob in rep.obligations
        if (p == 0 if ob.key is None else _partition_of(ob.key, partitions) == p)
    ]
    acc = rep.accounting
    used = acc.used_indexes if acc.used_indexes is not None else array("q")
    if foreign:
        used = array("q", (i for i in used if i not in foreign))
    return _Partial(
        rows,
        used,
        [x for x in acc.ignored if x.index not in foreign],
        [x for x in acc.rejected if x.index not in foreign],
        [(k, _row_of(e)) for k, e in ev._claims if e.index not in foreign],
        [
            (at, index, f"{head}: no duty arises ({', '.join(ev._out_of_term[head])})")
            for at, index, head in ev.heads
            if index not in foreign
        ],
        set(ev._years),
        ended=ev._ended,
        suspended=tuple(ev.contract_suspensions()),
        measures=rep.measures if p == 0 else (),
    )


def _time_order(e: Event) -> tuple[datetime, int]:
    return e.at, e.index


def _row_of(e: Event) -> _Row:
    return (e.index, e.id, e.type, e.at, e.fields, e.where)


def _ob_row(ob: Obligation, order: Mapping[str, int]) -> _ObRow:
    """``ob`` as a partition ships it (:data:`_ObRow`)."""
    how = ob.explainer
    facts: tuple[Any, ...] | None = None
    if isinstance(how, Explainer):
        tier = -1 if how.tier is None else how.tier.position
        facts = (how.cn.index, tier, how.base_due, how.not_before, how.paused)
    return (
        order[ob.rule], ob.party, ob.key, ob.nth, ob.trigger_at, ob.trigger_event, ob.tier,
        ob.due, ob.status, ob.fulfilled_at, ob.reason, ob.reason_zh, ob.deciding, ob.notes,
        facts, ob.life,
    )  # fmt: skip


# =============================================================================== merge


def _merge(
    c: CompiledRuleset, t: datetime, partials: list[_Partial], rejected: list[EventEntry]
) -> Report:
    """The report of the whole input from the partitions' parts (see the module's text)."""
    rows = sorted(
        (row for part in partials for row in part.obligations),
        key=lambda r: (comparable(r[4]), r[0], r[2] or "", r[3]),
    )
    obligations = _obligations(c, rows)
    del rows
    claims = [
        (k, Event(*row))
        for k, row in sorted(
            (cl for part in partials for cl in part.claims), key=lambda cl: (cl[1][3], cl[1][0])
        )
    ]
    heads = sorted((h for part in partials for h in part.notes), key=lambda h: (h[0], h[1]))
    years: set[int] = set().union(*(part.years for part in partials))
    used = _sorted_indexes([part.used for part in partials])
    ignored = sorted((x for part in partials for x in part.ignored), key=_index_of)
    rejected = sorted([*rejected, *(x for part in partials for x in part.rejected)], key=_index_of)
    measures = next((part.measures for part in partials if part.measures), ())
    rs = c.ruleset
    zoned = t if t.tzinfo is c.tz else t.astimezone(c.tz)
    ends = [part.ended for part in partials if part.ended is not None]
    ended = min(ends, key=lambda e: comparable(e[0])) if ends else None
    suspended = sorted(s for part in partials for s in part.suspended)
    states = contract_states(
        c,
        t,
        ended,
        False,
        obligations,
        lambda u: u if u.tzinfo is c.tz else u.astimezone(c.tz),
        suspended,
    )
    return Report(
        contract_id=rs.contract.id,
        contract_title_zh=rs.contract.title.zh or "",
        contract_title_en=rs.contract.title.en or "",
        language=rs.contract.language,
        timezone=rs.contract.timezone,
        as_of=zoned,
        obligations=obligations,
        liability=Liability(tuple(remedy_lines(c, claims, obligations, t, measures))),
        accounting=Accounting(
            used_count=len(used),
            ignored=tuple(ignored),
            rejected=tuple(rejected),
            used_indexes=used,
        ),
        assumptions=tuple(c.calendar.assumptions_for(years)),
        notes=tuple(head for _, _, head in heads),
        settled={},
        contract_states=states,
        measures=measures,
        ruleset=rs,
    )


def _obligations(c: CompiledRuleset, rows: Iterable[_ObRow]) -> tuple[Obligation, ...]:
    """The obligations of ``rows`` (:func:`_ob_row`), in their order; explainers that were
    shared stay shared, with the caller's compiled ruleset."""
    explainers: dict[Any, Explainer] = {}

    def explainer(facts: tuple[Any, ...] | None) -> Explainer | None:
        if facts is None:
            return None
        found = explainers.get(facts)
        if found is None:
            cn = c.norms[facts[0]]
            tier = None if facts[1] < 0 else cn.tiers[facts[1]]
            found = explainers[facts] = Explainer(c, cn, tier, *facts[2:])
        return found

    norms = c.norms
    return tuple(
        Obligation(
            norms[r[0]].info,
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            explainer(r[14]),
            life=r[15],
        )
        for r in rows
    )


def _index_of(x: EventEntry) -> int:
    return x.index


def _sorted_indexes(parts: list[array[int]]) -> array[int]:
    """The used positions of every partition, in order (with NumPy when it is there)."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with the extra
        return array("q", sorted(i for part in parts for i in part))
    out = array("q")
    if not any(parts):
        return out
    joined = np.sort(np.concatenate([np.frombuffer(p, dtype=np.int64) for p in parts if len(p)]))
    out.frombytes(joined.astype(np.int64).tobytes())
    return out


# =============================================================================== the driver


def local_client(workers: int | None = None) -> Client:
    """A client of a new local cluster of ``workers`` processes (default: one per core), one
    thread each; close it (and its cluster) with ``client.close()``."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    client = Client(cluster)
    client._contract_rules_cluster = cluster
    return client


def _close(client: Client) -> None:
    cluster = getattr(client, "_contract_rules_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def evaluate(
    ruleset: Ruleset | CompiledRuleset,
    sources: Any,
    *,
    as_of: datetime | str | None,
    client: Client | None = None,
    partitions: int | None = None,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    on_progress: Callable[[int], None] | None = None,
    retries: int = 2,
) -> Report:
    """The report of :func:`contract_rules.evaluate` on ``sources``, computed on a Dask cluster.

    ``sources``: a path or glob (``.jsonl``, ``.json``, ``.csv``, ``.parquet``), a list of them
    (read one after another, positions counting on), a pandas or dask DataFrame, an
    :class:`Export` (a ticket export through its mapping), or an iterable of mappings.
    ``client``: a ``distributed.Client`` of any cluster; None starts a local cluster of
    processes for the call (:func:`local_client`). ``partitions``: how many ways events are cut
    by key (default: the cluster's threads). ``strict``, ``naive_tz`` as in
    :func:`contract_rules.evaluate`; ``on_progress(n)`` is called as chunks of input are read
    (n: events read so far). ``retries``: how often a task that failed is run again.

    ``to_json()`` of the result is byte-identical to that of ``contract_rules.evaluate`` on the
    same input (``used_indexes`` and every other part are equal too). In strict mode the
    EventError raised names the invalid record of lowest position (before any duplicate id).
    Streaming mode (``settle_after``, ``on_settled``) is not offered: settled instances would be
    handed on from many processes in no order.
    """
    compiled = ruleset if isinstance(ruleset, CompiledRuleset) else compile_ruleset(ruleset)
    t = _as_of_instant(as_of, compiled.tz)
    if partitions is not None and partitions < 1:
        raise ValueError(f"partitions must be 1 or more, got {partitions}")
    own = client is None
    active = local_client() if client is None else client
    try:
        return _run(
            active, compiled, sources, t, partitions, strict, naive_tz, on_progress, retries
        )
    finally:
        if own:
            _close(active)


def _run(
    client: Client,
    c: CompiledRuleset,
    sources: Any,
    t: datetime,
    partitions: int | None,
    strict: bool,
    naive_tz: str | tzinfo | None,
    on_progress: Callable[[int], None] | None,
    retries: int,
) -> Report:
    from distributed import as_completed

    plan = plan_for(c)
    threads = max(1, sum(client.nthreads().values()))
    parts_n = (partitions or threads) if plan.partitionable else 1
    chunks = _chunks(sources, 2 * max(parts_n, threads))
    # a key of its own (not the data's hash): another call's copy may be released meanwhile
    shared = client.scatter(c, broadcast=True, hash=False)
    preps = [
        client.submit(_prepare, shared, plan, ch, parts_n, naive_tz, retries=retries, pure=False)
        for ch in chunks
    ]
    summaries: list[_Summary | None] = [None] * len(preps)
    futures = [client.submit(_summary, f, pure=False) for f in preps]
    where = {f.key: k for k, f in enumerate(futures)}
    read = 0
    for fut in as_completed(futures):
        s: _Summary = fut.result()
        summaries[where[fut.key]] = s
        read += s.count
        if on_progress is not None:
            on_progress(read)
    done = [s for s in summaries if s is not None]
    offsets = [0]
    for s in done[:-1]:
        offsets.append(offsets[-1] + s.count)
    rejected = [
        replace(x, index=x.index + off)
        for off, s in zip(offsets, done, strict=True)
        for x in s.rejected
    ]
    if strict:
        errors = [
            (s.first_error[0] + off, s.first_error)
            for off, s in zip(offsets, done, strict=True)
            if s.first_error is not None
        ]
        if errors:
            _, (_, at, reason, event_id) = min(errors, key=lambda x: x[0])
            raise EventError(at, reason, event_id=event_id)
    fixes = _id_fixes(client, preps, done, offsets, parts_n)
    pieces = [[client.submit(_piece, f, p, pure=False) for p in range(parts_n)] for f in preps]
    every = [client.submit(_everywhere, f, pure=False) for f in preps]
    jobs = [
        client.submit(
            _evaluate_partition,
            shared,
            p,
            parts_n,
            t,
            strict,
            naive_tz,
            offsets,
            fixes,
            *[piece[p] for piece in pieces],
            *every,
            retries=retries,
            pure=False,
        )
        for p in range(parts_n)
    ]
    with collector_paused():  # the results are unpickled as they arrive: millions of objects
        partials: list[_Partial] = client.gather(jobs)
        client.cancel([*preps, *futures, *jobs, *every, *(f for piece in pieces for f in piece)])
        for part in partials:
            if part.error is not None:
                at, reason, event_id = part.error
                raise EventError(at, reason, event_id=event_id)
        return _merge(c, t, partials, rejected)


def _id_fixes(
    client: Client,
    preps: list[Future[_Prepared]],
    done: list[_Summary],
    offsets: list[int],
    parts_n: int,
) -> _Fixes:
    """The ids that occur more than once in the whole input, looked at together (``_resolve``)."""
    import numpy as np

    arrays = [np.frombuffer(s.id_hashes, dtype=np.int64) for s in done if s.id_hashes]
    if not arrays:
        return _Fixes()
    hashes = np.concatenate(arrays)
    values, counts = np.unique(hashes, return_counts=True)
    wanted = frozenset(int(v) for v in values[counts > 1])
    if not wanted:
        return _Fixes()
    found = client.gather([client.submit(_details, f, wanted, pure=False) for f in preps])
    twins: list[_Twin] = []
    for k, lst in enumerate(found):
        for twin in lst:
            twin.chunk = k
            twins.append(twin)
    return _resolve(twins, offsets, parts_n)


# =============================================================================== portfolio


@dataclass(frozen=True)
class Portfolio:
    """The reports of many contracts, and a summary frame with one row per contract:
    ``contract``, the input events (``events``, ``used``, ``ignored``, ``rejected``), the
    instances per status, ``breaches`` and ``liability`` (the payable total, a Decimal)."""

    reports: dict[str, Report]
    summary: pd.DataFrame


def _evaluate_many(
    items: list[tuple[str, int, Any]],
    rulesets: list[CompiledRuleset],
    t: str,
    strict: bool,
    naive_tz: str | tzinfo | None,
) -> _Batch:
    """Evaluate each (name, ruleset number, events) of ``items``: per contract its name, the
    ruleset's number, its obligations as rows (:func:`_ob_row`) and the rest of its report (an
    obligation ships several times slower as an object than as a row)."""
    from .engine import evaluate as evaluate_one

    with collector_paused():
        out = []
        for name, k, events in items:
            c = rulesets[k]
            rep = evaluate_one(c, events, t, strict=strict, naive_tz=naive_tz)
            rows = [_ob_row(ob, c.norm_order) for ob in rep.obligations]
            out.append((name, k, rows, replace(rep, obligations=(), ruleset=None)))
        return _Batch(out)


def evaluate_portfolio(
    contracts: Mapping[str, tuple[Ruleset | CompiledRuleset, Any]],
    *,
    as_of: datetime | str,
    client: Client | None = None,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    batch: int | None = None,
    retries: int = 2,
) -> Portfolio:
    """Evaluate many contracts in parallel: ``contracts`` maps a name to its (ruleset, events);
    each is evaluated by :func:`contract_rules.evaluate` on a worker (``batch`` contracts per
    task, by default enough for about four tasks per worker thread). ``as_of`` is one instant for
    all (read in each contract's zone). Returns every report, in ``contracts``' order, and the
    summary frame. ``client`` as in :func:`evaluate`."""
    import pandas as pd

    stamp = as_of if isinstance(as_of, str) else as_of.isoformat()
    compiled: dict[int, CompiledRuleset] = {}  # one compile and one shipment per ruleset object
    items: list[tuple[str, int, Any]] = []
    for name, (rs, events) in contracts.items():
        if id(rs) not in compiled:
            compiled[id(rs)] = rs if isinstance(rs, CompiledRuleset) else compile_ruleset(rs)
        items.append((name, list(compiled).index(id(rs)), events))
    known = list(compiled.values())
    own = client is None
    active = local_client() if client is None else client
    try:
        shared = [active.scatter(c, broadcast=True, hash=False) for c in known]
        threads = max(1, sum(active.nthreads().values()))
        size = batch or max(1, -(-len(items) // (4 * threads)))
        jobs = [
            active.submit(
                _evaluate_many,
                items[k : k + size],
                shared,
                stamp,
                strict,
                naive_tz,
                retries=retries,
                pure=False,
            )
            for k in range(0, len(items), size)
        ]
        reports: dict[str, Report] = {}
        with collector_paused():
            for done in active.gather(jobs):
                for name, k, rows, rest in done.rows:
                    c = known[k]
                    obligations = _obligations(c, rows)
                    reports[name] = replace(rest, obligations=obligations, ruleset=c.ruleset)
    finally:
        if own:
            _close(active)
    rows = []
    for name, rep in reports.items():
        counts = rep.accounting.counts()
        rows.append(
            {
                "contract": name,
                "events": counts["input"],
                "used": counts["used"],
                "ignored": counts["ignored"],
                "rejected": counts["rejected"],
                **rep.counts(),
                "breaches": len(rep.breaches),
                "liability": rep.liability.payable,
            }
        )
    columns = ["contract", "events", "used", "ignored", "rejected", "pending", "fulfilled",
               "violated", "excused", "breaches", "liability"]  # fmt: skip
    return Portfolio(reports, pd.DataFrame(rows, columns=columns))
