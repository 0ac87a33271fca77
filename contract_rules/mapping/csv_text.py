"""Reading a CSV export as text: physical lines numbered from 1, undecodable bytes marked, records
split by the csv module, a broken record rejected by its first line only, the header checked."""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..codes import code
from ..errors import MappingError
from ..findings import Location
from .checks import check_columns
from .model import ImportMapping

#: The codec error handler that keeps undecodable bytes visible: byte b becomes U+DC00 + b, a
#: lone surrogate no valid decoding produces, so the record holding it can be found and rejected.
_MARK_BAD_BYTES = "contract_rules.mapping.mark"
_BAD_TEXT = re.compile("[\udc00-\udcff]")


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error(_MARK_BAD_BYTES, _mark_bad_bytes)


def _bad_text_reason(text: str, encoding: str) -> str | None:
    """Why ``text`` (decoded with the marking handler) is not valid text, or None."""
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    byte = ord(found.group()) - 0xDC00
    col = found.start() + 1
    return (
        f"not valid text in the declared encoding {encoding!r} (byte 0x{byte:02x} at "
        f"character {col} of the record)"
    )


class _Lines:
    """The physical lines of a text file, numbered from 1; lines can be handed back to be read
    again (after a broken record, from the line after its first)."""

    def __init__(self, fh: Iterator[str]) -> None:
        self._fh = fh
        self._back: list[tuple[int, str]] = []
        self._next_no = 1
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._back:
            no, line = self._back.pop()
        else:
            line = next(self._fh)
            no = self._next_no
            self._next_no += 1
        self.taken.append((no, line))
        return line

    def read_block(self, size: int) -> tuple[int, str] | None:
        """(number of its first line, text) of whole lines totalling about ``size`` characters
        or more, when that can be read in one piece: no line handed back is pending and the
        file is read as text that has ``read``/``readline``. None otherwise (read line by
        line), and ("", ...) at the end of the file."""
        if self._back or not hasattr(self._fh, "read"):
            return None
        fh: Any = self._fh
        text = fh.read(size)
        if text and not text.endswith("\n"):
            # end the last line: its rest, or the LF of a CRLF that read() cut after the CR, or
            # (after a lone CR) the whole next line
            text += fh.readline()
        first = self._next_no
        self._next_no += text.count("\n")
        if "\r" in text:
            self._next_no += text.count("\r") - text.count("\r\n")
        if text and not text.endswith(("\n", "\r")):
            self._next_no += 1  # the last line of the file, without a line break
        return first, text

    @property
    def next_no(self) -> int:
        """The number of the line the next read returns."""
        return self._back[-1][0] if self._back else self._next_no

    def give_back(self, lines: Sequence[tuple[int, str]]) -> None:
        """Read ``lines`` again, in order, before the rest of the file."""
        self._back.extend(reversed(lines))


#: one record of an export: (row number, where, cells of the needed columns or None, problem)
Record = tuple[int, str, dict[str, str] | None, str | None]


def _split_records(
    reader: Any, lines: _Lines, width: int, encoding: str, stop: int | None = None
) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(start line, cells or None, problem) for every record after the header.

    A record whose cells are all fine is yielded with its cells. A bad one — not valid text,
    not valid CSV, or the wrong number of cells — is yielded with its problem; when it ran over
    several lines and is broken as CSV (or has the wrong number of cells), the lines after its
    first are read again, so every physical line ends up in some record. With ``stop``, records
    are read until the next one would start after line ``stop`` (a record that starts at or
    before it may run past it).
    """
    while stop is None or lines.next_no <= stop:
        lines.taken.clear()
        problem: str | None = None
        try:
            cells: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            cells = None
            problem = f"not valid CSV ({exc})"
        taken = list(lines.taken)
        if not taken:
            return
        start = taken[0][0]
        if cells is not None and not cells:
            continue  # a blank line is not a row
        broken = cells is None or len(cells) != width
        if cells is not None and len(cells) != width:
            problem = f"{len(cells)} cells, the header has {width}"
        if not broken or len(taken) == 1:
            # one well-formed record (or one line): bad text rejects it as a whole
            problem = _bad_text_reason("".join(t for _, t in taken), encoding) or problem
        elif len(taken) > 1:
            problem = (
                f"{problem}; a quoted cell opened on this line runs to line {taken[-1][0]}: "
                f"this line is rejected and reading goes on from line {start + 1}"
            )
            lines.give_back(taken[1:])
        yield start, (None if problem is not None else cells), problem


@dataclass
class CsvSource:
    """An open CSV export: its header, its physical lines and the csv reader over them."""

    name: str
    encoding: str
    header: list[str]
    lines: _Lines
    reader: Any
    #: the needed columns and their positions in the header
    positions: list[tuple[str, int]]

    def records(self, stop: int | None = None) -> Iterator[Record]:
        """The records after the header (row number, where, the needed cells or None, problem),
        read lazily; with ``stop``, until the next record would start after line ``stop``."""
        name, idx = self.name, self.positions
        for start, cells, problem in _split_records(
            self.reader, self.lines, len(self.header), self.encoding, stop
        ):
            where = f"{name}:{start}"
            if cells is None:
                yield start, where, None, problem
            else:
                yield start, where, {c: cells[i] for c, i in idx}, None


@contextlib.contextmanager
def open_export(name: str, mp: ImportMapping) -> Iterator[CsvSource]:
    """Open a CSV export for ``mp`` and read its header.

    Raises :class:`MappingError` when the header cannot be read (bad text, bad CSV) or lacks a
    column the mapping reads (or holds it twice), OSError when the file cannot be opened.
    """
    with open(name, encoding=mp.csv.encoding, errors=_MARK_BAD_BYTES, newline="") as fh:
        lines = _Lines(fh)
        reader = csv.reader(lines, delimiter=mp.csv.delimiter, strict=True)
        header: list[str] = []
        try:
            header = next(reader, [])
            problem = _bad_text_reason("".join(line for _, line in lines.taken), mp.csv.encoding)
        except csv.Error as exc:
            problem = f"not valid CSV ({exc})"
        if problem is not None:
            where = Location(name, 1, 1, ())
            raise MappingError([code("CR104").at(where, f"the header: {problem}")], mp.source)
        findings = check_columns(mp, header, what=f"the header of {name}")
        if findings:
            raise MappingError(findings, mp.source)
        needed = tuple(dict.fromkeys(c for c, _ in mp.columns()))
        yield CsvSource(
            name, mp.csv.encoding, header, lines, reader, [(c, header.index(c)) for c in needed]
        )
