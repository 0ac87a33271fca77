"""The columnar reader's input: an export (a CSV file's records or a DataFrame's slices) as bounded
chunks of columns (pyarrow splits plain text; the row reader's tokenizer the rest)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .csv_text import CsvSource

if TYPE_CHECKING:
    import pandas as pd


#: characters of whole lines read into one chunk (the chunk may run past it to end a record)
CHUNK_CHARS = 2 << 20
#: rows of a DataFrame mapped as one chunk
CHUNK_ROWS = 131_072


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
