"""The input cut into chunks that tasks read: byte ranges of JSONL files, slices of frames and
records, Parquet files."""

from __future__ import annotations

import glob
import io
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import frames_in
from ..events import (
    jsonl_lines,
    read_events,
)

if TYPE_CHECKING:
    pass


#: events per chunk read and validated by one task (a JSONL chunk is cut at about this many
#: bytes per event times this)
CHUNK_EVENTS = 200_000
#: the JSONL bytes one chunk holds at most, and at least (a small file is one chunk)
CHUNK_BYTES = 64 << 20
MIN_CHUNK_BYTES = 1 << 16


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
        from ..mapping import read_export

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
