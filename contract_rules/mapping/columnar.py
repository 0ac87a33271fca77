"""The columnar mapped reader: the same events as :mod:`contract_rules.mapping`'s row reader, in
bulk.

It needs pyarrow (the ``exports`` extra); :func:`contract_rules.mapping.read_csv_mapped` and
:func:`~contract_rules.mapping.read_dataframe_mapped` use it when pyarrow can be imported and the
row reader otherwise. Its promise is to yield exactly what the row reader yields — the same
:class:`~contract_rules.events.RawEvent` s (index, ``file:line``, data) and rejected rows with
the same reasons, in the same order, and the same :class:`~contract_rules.mapping.MappingStats`
(a differential test holds it to that). How:

- **Reading, in bounded chunks** (:mod:`.columnar_input`). The file is read as text (the
  declared encoding, undecodable bytes marked) in chunks of about ``CHUNK_CHARS`` (2 M)
  characters of whole lines. A chunk without a quote character, CR, NUL or undecodable byte is
  split into cells by pyarrow's reader (quoting off, so a cell is exactly the text between
  delimiters, as the csv module reads it); a line with the wrong number of cells is skipped by
  pyarrow, which says which one, and rejected like the row reader does. Any other chunk is read
  record by record with the row reader's own tokenizer, which handles quotes, broken quotes and
  bad bytes, and may run past the chunk's end for a quoted cell that spans lines. Either way the
  chunk becomes columns.
- **Timestamps, vectorised** (:mod:`.columnar_clock`). Each distinct text is parsed once: a
  ``strptime`` format made of ``%Y %y %m %d %H %M %S %f`` and literal text is matched with
  Python's own regular expression for that format (run by pyarrow on printable ASCII texts,
  where the two regex engines agree) and checked like ``datetime`` checks it; the zone's offset
  is looked up once per calendar day (per text on a day when the offset changes). Every other
  text — other directives, ``iso``, non-ASCII, no match — is parsed by the row reader's clock,
  so results and reasons are its own.
- **State changes and first rows, with array operations.** Rows are grouped into incident
  blocks and sorted by ``order_by`` with numpy; a change is a difference from the previous row
  of the block; a first row is the first of the block that passes ``when``. An incident seen
  before (an export not grouped by incident), or whose block holds a row that would be rejected
  (a rejected row does not advance its incident's state, so what follows depends on it), is
  mapped row by row by the row mapper, from the same state: the result is exact either way.
- **Events in bulk**: one list comprehension per event type. Given the engine's event
  validator (``evaluate_export`` does), the events it would accept are built as its typed
  :class:`~contract_rules.events.Event` s instead of records (:mod:`.typed`: each check decided
  once per distinct value), which the engine admits without validating each record again; a row
  it would refuse stays a record, refused by the engine with the validator's own reason.

Memory: one chunk of columns plus the rows of the incident block that continues into the next
chunk, plus one small record per incident, as for the row reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import EventError
from ..events import Event, EventValidator, RawEvent, _BadLine
from .columnar_clock import _Parsed, _VecClock
from .columnar_input import _Chunk
from .model import CellTest, ImportMapping
from .rows import MappingStats, _Incident, _Mapper
from .typed import _Typed, dicts

_BIG = np.int64(2**62)
#: the column of a chunk that holds the ISO text of each row's order_by time
_ORDER_ISO = "\x00order_by_iso"


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

    def run(self, chunks: Iterator[_Chunk]) -> Iterator[list[RawEvent | Event]]:
        """Raw events and rejected rows (as records the validator rejects), a list per chunk
        (one generator step per chunk, not per event); with a validator, the events it accepts
        as its typed :class:`Event` s instead."""
        for chunk in chunks:
            yield self._emit(self._chunk(chunk, final=False))
        yield self._emit(self._chunk(None, final=True))
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
            wheres = [f"{source}:{r}" for r in nos]
            ok, events = typed.events(
                [f"{i}:{r}:{suffix}" for i, r in zip(incs, nos, strict=True)],
                p.iso,
                p.idx[at_of[sel]],
                take,
                wheres,
            )
            if ok.all():
                return wheres, events
            # the rest as records: the validator says why it refuses each
            out: list[Any] = [None] * len(sel)
            for k, e in zip(np.flatnonzero(ok).tolist(), events, strict=True):
                out[k] = e
            rest = np.flatnonzero(~ok)
            for k, d in zip(rest.tolist(), raw(sel[rest], rownos)[1], strict=True):
                out[k] = d
            return wheres, out

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
            datas = dicts(tuple(names), lists, len(sel))
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
