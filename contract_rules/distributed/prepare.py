"""Step 2, on the workers: a chunk read, validated and cut by partition; the check of ids
across chunks."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..collector import collector_paused
from ..engine import CompiledRuleset, Evaluator
from ..errors import EventError
from ..events import (
    RawEvent,
    derived_id,
)
from ..report import EventEntry
from .chunks import _Chunk, _read_chunk
from .plan import Plan, _id_hash, _partition_of

if TYPE_CHECKING:
    pass


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
