"""Reading events from files and iterables: JSONL (streamed a line at a time, or a byte range of
a file), JSON, CSV and iterables of mappings, as :class:`RawEvent` records for validation.

A line or record that cannot be read becomes a record whose data says why (:class:`_BadLine`),
so that validation reports it with its place instead of stopping the read: nothing is dropped.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class RawEvent:
    """One input record before validation: its index, where it came from, and its content."""

    index: int
    where: str
    data: Any


# ------------------------------------------------------------------------------- readers


def read_events(source: Any) -> Iterator[RawEvent]:
    """Yield raw records from a path (``.jsonl``, ``.json``, ``.csv``) or an iterable.

    Paths are read lazily, one line at a time for JSONL and CSV, so large files stream. A line
    that is not valid JSON becomes a record whose data is an :class:`EventError` message, so that
    validation reports it with its line number instead of stopping the read.
    Raises OSError when a path cannot be opened and ValueError for an unknown file suffix.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        suffix = path.suffix.lower()
        if suffix in {".jsonl", ".ndjson"}:
            yield from _read_jsonl(path)
        elif suffix == ".json":
            yield from _read_json(path)
        elif suffix == ".csv":
            yield from _read_csv(path)
        else:
            raise ValueError(
                f"{path}: unknown event file type {suffix!r} (use .jsonl, .json or .csv)"
            )
        return
    if isinstance(source, Mapping):
        raise TypeError("events must be an iterable of mappings or a path, not one mapping")
    for i, item in enumerate(source):
        yield RawEvent(i, f"event #{i + 1}", item)


class _BadLine:
    """Placeholder data for a line that could not be parsed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_records(source: str | os.PathLike[str]) -> Iterator[tuple[int, str, Any]]:
    """:func:`read_events` of a path as plain ``(index, where, data)`` tuples: what the engine
    reads a file with (a JSONL line then costs no record object of its own)."""
    path = Path(source)
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return _jsonl_records(path)
    return ((r.index, r.where, r.data) for r in read_events(path))


def _read_jsonl(path: Path) -> Iterator[RawEvent]:
    for index, where, data in _jsonl_records(path):
        yield RawEvent(index, where, data)


def _jsonl_records(path: Path) -> Iterator[tuple[int, str, Any]]:
    with path.open("rb") as fh:
        yield from jsonl_lines(fh, str(path))


def jsonl_lines(
    lines: Iterable[bytes], path: str, first: int = 1
) -> Iterator[tuple[int, str, Any]]:
    """The records of ``lines`` (a JSONL file's lines as bytes, the first of them line
    ``first`` of ``path``): ``(index, "path:line", value or _BadLine)``, as
    :func:`read_records` gives them; a part of a file read apart gives what the whole file's
    reading gives there, so long as ``first`` is its first line's number."""
    # Lines are decoded one by one: a byte order mark at the start (Windows tools write one) is
    # skipped, and bytes that are not UTF-8 spoil only their own line: it is reported, and
    # reading goes on with the next one. Lines end at LF (CRLF is JSON whitespace). A line is
    # first scanned as one JSON value followed by its line end (what a JSONL writer makes);
    # anything else (leading space, trailing text, an error) is decoded again by the full
    # decoder, which accepts and refuses exactly what json.loads does, with its messages.
    index = 0
    decode = _JSON.decode
    scan: Callable[[str, int], tuple[Any, int]] = _JSON.scan_once  # type: ignore[attr-defined]
    prefix = f"{path}:"
    for lineno, raw in enumerate(lines, first):
        if lineno == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        where = prefix + str(lineno)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield index, where, _BadLine("not UTF-8 text")
            index += 1
            continue
        data: Any
        try:
            data, end = scan(line, 0)
            if end != len(line) and line[end:] != "\n" and line[end:].strip(_JSON_SPACE):
                raise ValueError  # extra data: the full decoder names it
        except (StopIteration, ValueError, RecursionError, ArithmeticError):
            data = _UNSCANNED
        if data is _UNSCANNED:
            try:
                data = decode(line)
            except (ValueError, RecursionError, ArithmeticError) as exc:
                if not line.strip(_JSON_SPACE):
                    continue  # a blank line (JSON whitespace only) holds no record
                problem: Exception = exc
                if isinstance(exc, ArithmeticError):  # Decimal refuses the number
                    problem = ValueError("a number too large to read")
                if line.startswith("\ufeff"):  # say what json.loads says of a stray BOM
                    problem = json.JSONDecodeError(
                        "Unexpected UTF-8 BOM (decode using utf-8-sig)", line, 0
                    )
                data = _BadLine(f"not valid JSON ({problem})")
        yield index, where, data
        index += 1


_BOM = b"\xef\xbb\xbf"
#: JSON's whitespace (json.loads skips exactly these around a value)
_JSON_SPACE = " \t\n\r"
#: no value scanned yet
_UNSCANNED: Any = object()
#: What ``errors="surrogateescape"`` makes of bytes that are not UTF-8 (CSV is read that way).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class _DuplicateKeys(dict[str, Any]):
    """A JSON object that named one key twice: the validator rejects it, naming the key (the
    last value would otherwise win silently)."""

    def __init__(self, pairs: list[tuple[str, Any]], twice: list[str]) -> None:
        super().__init__(pairs)
        self.twice = twice


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, or a :class:`_DuplicateKeys` when a key is named twice."""
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
    return _DuplicateKeys(pairs, sorted(set(twice)))


#: One decoder for every line (``json.loads`` with options builds a new one per call): floats
#: become Decimal, NaN and Infinity are refused, an object naming a key twice is marked.
_JSON = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_object
)


def _read_json(path: Path) -> Iterator[RawEvent]:
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            data = _JSON.decode(fh.read())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        yield RawEvent(0, f"{path}", _BadLine(f"not valid JSON ({exc})"))
        return
    except ArithmeticError:  # Decimal refuses a number
        yield RawEvent(0, f"{path}", _BadLine("not valid JSON (a number too large to read)"))
        return
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        data = data["events"]
    if not isinstance(data, list):
        yield RawEvent(0, f"{path}", _BadLine("a .json event file holds a list of events"))
        return
    for i, item in enumerate(data):
        yield RawEvent(i, f"{path} event #{i + 1}", item)


class _Lines:
    """The lines of a text file for ``csv.reader``, noting when the file ran out.

    The reader asks for another line only while a record is unfinished; a record it returns
    after the file ran out therefore ended inside a quoted cell that was never closed.
    """

    def __init__(self, fh: Iterable[str]) -> None:
        self._it = iter(fh)
        self.ran_out = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._it)
        except StopIteration:
            self.ran_out = True
            raise


def _read_csv(path: Path) -> Iterator[RawEvent]:
    # As for JSONL: bytes that are not UTF-8, and rows the csv module refuses (a cell over its
    # size limit), spoil only their own row, which is reported; reading goes on. A quote that is
    # never closed would make the rest of the file one cell: each physical line from the one
    # where it opened is rejected instead, so no line goes uncounted. A header naming a column
    # twice would let the last cell win: every row is rejected, naming the column.
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _Lines(fh)
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            header, problem = [], f"not valid CSV: the header cannot be read ({exc})"
        else:
            problem = _header_problem(header, lines.ran_out, reader.line_num)
        i = 0
        if problem:
            # the lines the header swallowed, then every record: rejected with the reason
            for lineno in range(2, reader.line_num + 1):
                yield RawEvent(i, f"{path}:{lineno}", _BadLine(problem))
                i += 1
            for cells in _rest(reader):
                if cells != []:
                    yield RawEvent(i, f"{path}:{reader.line_num}", _BadLine(problem))
                    i += 1
            return
        width = len(header)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RawEvent(i, f"{path}:{reader.line_num}", _BadLine(f"not valid CSV ({exc})"))
                i += 1
                continue
            where = f"{path}:{reader.line_num}"
            if lines.ran_out:
                why = f"not valid CSV (the quote opened on line {start} is never closed)"
                for lineno in range(start, reader.line_num + 1):
                    yield RawEvent(i, f"{path}:{lineno}", _BadLine(why))
                    i += 1
                return
            if not cells:
                continue  # a blank line: csv.DictReader skips it too
            if len(cells) > width:
                yield RawEvent(i, where, _BadLine("more cells than header columns"))
            elif any(_NOT_UTF8.search(x) for x in cells):
                yield RawEvent(i, where, _BadLine("not UTF-8 text"))
            else:
                # Empty cells are absent fields; CSV values are text, typed during validation.
                yield RawEvent(i, where, {k: v for k, v in zip(header, cells, strict=False) if v})
            i += 1


def _header_problem(header: list[str], ran_out: bool, line_num: int) -> str:
    """Why the header row ``header`` cannot name the columns, or ``""``."""
    if ran_out and line_num > 1:
        return "not valid CSV (the quote opened in the header is never closed)"
    if any(_NOT_UTF8.search(x) for x in header):
        return "not valid CSV: the header is not UTF-8 text"
    seen: set[str] = set()
    twice = sorted({c for c in header if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if twice:
        return f"the header names column(s) {', '.join(map(repr, twice))} more than once"
    return ""


def _rest(reader: Iterator[list[str]]) -> Iterator[list[str] | None]:
    """The remaining records of ``reader``; None for each it refuses."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield None
