"""The readers of exports: a CSV file or a DataFrame through a mapping (the row reader or the
columnar one), and :func:`evaluate_export`, the one-call path from export to report."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ..errors import MappingError
from ..events import Event, EventValidator, RawEvent
from ..findings import Severity
from ..model import Ruleset
from .checks import check_columns, check_mapping, load_mapping
from .csv_text import open_export
from .model import ImportMapping
from .rows import MappingStats, _Mapper, as_raw_events

if TYPE_CHECKING:
    import pandas as pd

    from ..engine import CompiledRuleset
    from ..report import Report


# =============================================================================== readers


#: Which mapped reader to use: ``auto`` (the columnar one when pyarrow can be imported), or one
#: of them by name; both yield the same records and statistics.
Reader = Literal["auto", "columnar", "rows"]


def columnar_available() -> bool:
    """Whether the columnar reader can run (pyarrow and numpy import)."""
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _use_columnar(reader: Reader) -> bool:
    if reader == "rows":
        return False
    if reader == "columnar":
        if not columnar_available():
            raise ImportError(
                "the columnar reader needs pyarrow: pip install 'contract-rules[exports]'"
            )
        return True
    return columnar_available()


def read_csv_mapped(
    path: str | os.PathLike[str],
    mapping: ImportMapping | str | os.PathLike[str],
    *,
    stats: MappingStats | None = None,
    reader: Reader = "auto",
) -> Iterator[RawEvent]:
    """Stream a CSV export through ``mapping``: raw events, rejected rows as rejecting records.

    The file is read one record at a time with the csv module (memory: see the module
    docstring). Rows are numbered by the line their record starts on (the header is line 1),
    located ``"<path>:<line>"``. Every physical line that is not blank is accounted for (a
    blank line holds no record, as in the csv module, and is counted nowhere): a record with more or
    fewer cells than the header, text not in the declared encoding (only that record), or
    broken CSV (a stray or unterminated quote) is rejected with that reason; when a broken
    record ran over several lines, only its first line is rejected and reading goes on from the
    next line, so a quote that is never closed cannot swallow the rest of the file. Raises
    :class:`MappingError` (before yielding anything) when a column the mapping reads is not in
    the header or appears there twice, or the header itself cannot be read, and OSError when
    the file cannot be opened.

    ``reader`` picks the implementation: ``rows`` reads one record at a time with the csv
    module (memory: see the module docstring); ``columnar`` (pyarrow, the ``exports`` extra)
    reads chunks of about 2 MiB into columns and maps them with array operations
    (:mod:`contract_rules.mapping.columnar`); ``auto`` (default) is ``columnar`` when pyarrow
    can be imported. Both yield the same records and fill ``stats`` the same way.
    """
    return _read_csv(path, mapping, stats, reader, None)  # type: ignore[return-value]


def _read_csv(
    path: str | os.PathLike[str],
    mapping: ImportMapping | str | os.PathLike[str],
    stats: MappingStats | None,
    reader: Reader,
    validator: EventValidator | None,
) -> Iterator[RawEvent | Event]:
    """:func:`read_csv_mapped`; given the engine's validator, the columnar reader yields the
    events it accepts as typed :class:`Event` s (records only without one)."""
    mp = mapping if isinstance(mapping, ImportMapping) else load_mapping(mapping)
    name = os.fsdecode(os.fspath(path))
    columnar = _use_columnar(reader)
    with open_export(name, mp) as src:
        if columnar:
            from .columnar import ColumnarMapper
            from .columnar_input import csv_chunks

            cm = ColumnarMapper(mp, name, stats, validator)
            for batch in cm.run(csv_chunks(src, cm.needed, mp.csv.delimiter)):
                yield from batch
            return
        mapper = _Mapper(mp)
        if stats is not None:
            mapper.stats = stats
        yield from as_raw_events(mapper.run(src.records()))


def read_dataframe_mapped(
    df: pd.DataFrame,
    mapping: ImportMapping | str | os.PathLike[str],
    *,
    source: str = "<dataframe>",
    stats: MappingStats | None = None,
    reader: Reader = "auto",
) -> Iterator[RawEvent]:
    """Stream a pandas DataFrame through ``mapping``, exactly as :func:`read_csv_mapped` would
    the same table written as CSV.

    Row n (0-based position) has row number n + 2 — the line it would have in a CSV file with a
    header — and is located ``"<source>:<n + 2>"``, so ids and reasons equal the CSV reader's.
    Cells: text as is (``csv.missing`` texts are missing), NaN/None/NA missing, datetimes used as
    instants (naive ones in ``naive_zone``), other values as ``str()``. Read the frame with
    ``dtype=str, keep_default_na=False`` for a cell-for-cell match with the CSV reader. pandas is
    imported only by the caller. Raises :class:`MappingError` when a column is missing.
    ``reader`` as for :func:`read_csv_mapped`; the columnar reader takes a frame whose needed
    columns hold only text and missing values, and hands any other frame to the row reader.
    """
    return _read_frame(df, mapping, source, stats, reader, None)  # type: ignore[return-value]


def _read_frame(
    df: pd.DataFrame,
    mapping: ImportMapping | str | os.PathLike[str],
    source: str,
    stats: MappingStats | None,
    reader: Reader,
    validator: EventValidator | None,
) -> Iterator[RawEvent | Event]:
    """:func:`read_dataframe_mapped`, with the engine's validator as for :func:`_read_csv`."""
    mp = mapping if isinstance(mapping, ImportMapping) else load_mapping(mapping)
    labels = {str(c): c for c in df.columns}
    findings = check_columns(mp, [str(c) for c in df.columns], what=f"the columns of {source}")
    if findings:
        raise MappingError(findings, mp.source)
    mapper = _Mapper(mp)
    if stats is not None:
        mapper.stats = stats
    needed = list(mapper.needed)
    if _use_columnar(reader):
        from .columnar import ColumnarMapper
        from .columnar_input import frame_chunks, frame_is_text

        cols = [labels[c] for c in needed]
        if frame_is_text(df, cols):
            cm = ColumnarMapper(mp, source, stats, validator)
            for batch in cm.run(frame_chunks(df, cols, needed)):
                yield from batch
            return

    def records() -> Iterator[tuple[int, str, dict[str, Any], None]]:
        frame = df[[labels[c] for c in needed]]
        for n, values in enumerate(frame.itertuples(index=False, name=None)):
            rowno = n + 2
            yield rowno, f"{source}:{rowno}", dict(zip(needed, values, strict=True)), None

    yield from as_raw_events(mapper.run(records()))


# =============================================================================== evaluation


def evaluate_export(
    ruleset: Ruleset | CompiledRuleset,
    export: str | os.PathLike[str] | pd.DataFrame,
    mapping: ImportMapping | str | os.PathLike[str],
    as_of: datetime | str | None = None,
    *,
    strict: bool = False,
    stats: MappingStats | None = None,
    on_progress: Callable[[int], None] | None = None,
    reader: Reader = "auto",
) -> Report:
    """Evaluate ``ruleset`` against an export (a CSV path or a DataFrame) read through
    ``mapping``, at ``as_of`` (default: now).

    The same semantics as :func:`contract_rules.evaluate`: events are ordered by instant (ties by
    input order), events after ``as_of`` are ignored with that reason, invalid events and
    rejected rows are reported as rejected with their ``file:line`` (``strict=True`` raises
    :class:`~contract_rules.errors.EventError` at the first one instead). The report's
    accounting covers every produced event and every rejected row; ``stats`` (if given) is
    filled with the row counts. Raises :class:`MappingError` when the mapping does not fit the
    ruleset's vocabulary (:func:`check_mapping` errors) or the export's columns. ``reader``
    picks the mapped reader (:func:`read_csv_mapped`); both give the same report.
    """
    from ..engine import CompiledRuleset, Evaluator, compile_ruleset, evaluate

    mp = mapping if isinstance(mapping, ImportMapping) else load_mapping(mapping)
    compiled = ruleset if isinstance(ruleset, CompiledRuleset) else compile_ruleset(ruleset)
    errors = [f for f in check_mapping(mp, compiled.ruleset) if f.severity is Severity.ERROR]
    if errors:
        raise MappingError(errors, mp.source)
    # The engine's own validator (the one evaluate builds for this ruleset): the columnar reader
    # builds the events it accepts as typed events, which the engine admits without validating
    # each record again; every other row stays a record the engine validates.
    validator = Evaluator(compiled).validator
    raws: Iterator[RawEvent | Event]
    if isinstance(export, str | os.PathLike):
        raws = _read_csv(export, mp, stats, reader, validator)
    else:
        raws = _read_frame(export, mp, "<dataframe>", stats, reader, validator)
    return evaluate(compiled, raws, as_of, strict=strict, on_progress=on_progress)


def read_export(
    export: str | os.PathLike[str] | pd.DataFrame,
    mapping: ImportMapping | str | os.PathLike[str],
    *,
    stats: MappingStats | None = None,
    reader: Reader = "auto",
) -> Iterator[RawEvent]:
    """The raw records of an export: a CSV path (``read_csv_mapped``) or a DataFrame
    (``read_dataframe_mapped``), read by ``reader``."""
    mp = mapping if isinstance(mapping, ImportMapping) else load_mapping(mapping)
    if isinstance(export, str | os.PathLike):
        return read_csv_mapped(export, mp, stats=stats, reader=reader)
    return read_dataframe_mapped(export, mp, stats=stats, reader=reader)
