"""Events from tables: a pandas DataFrame, or a Parquet file (through pyarrow), as the records
that :func:`contract_rules.evaluate` reads.

One row is one event; its columns are ``type``, ``at``, optionally ``id``, and the event's
fields. A missing cell — ``None``, ``NaN``, ``NaT`` or ``pd.NA`` — is a missing field, never a
value: an optional field is left out, a required one is reported missing (a NaN is never an
incident called ``"nan"``). NumPy and pandas scalars become the Python values the validator
reads (``int``, ``bool``, ``str``, aware or naive ``datetime``); a timestamp column without a
zone is read as naive times, which follow ``naive_tz`` like naive text does (an error without
it). A float stays a float, so that a money field given as float is refused, as it is anywhere
else (use strings, ``Decimal`` objects or an integer dtype; ``Int64`` keeps integers with gaps).

A row is named by its position: ``event #n`` (1-based) for a DataFrame, as for a list of
mappings, and ``file.parquet:n`` for a Parquet file. pandas and pyarrow are imported only when
a table is read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard

__all__ = ["frame_records", "is_frame", "is_parquet", "parquet_records"]

#: rows converted at a time (a Parquet file is read one batch at a time, in bounded memory)
BATCH_ROWS = 65_536


def is_frame(obj: Any) -> bool:
    """True for a pandas DataFrame (without importing pandas: one is only made where it is
    already imported)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def is_parquet(source: Any) -> TypeGuard[str | os.PathLike[str]]:
    """True for a path that names a Parquet file (``.parquet`` or ``.pq``)."""
    return isinstance(source, str | os.PathLike) and Path(source).suffix.lower() in {
        ".parquet",
        ".pq",
    }


def frame_records(
    frame: Any, *, start: int = 0, where: str | None = None
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The rows of the DataFrame ``frame`` as ``(index, where, record)``, in row order.

    ``index`` counts from ``start``; ``where`` is ``event #n`` (n = index + 1), or
    ``{where}:n`` when a file name is given. Missing cells are left out of the record.
    """
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"the events' DataFrame names the column(s) {', '.join(twice)} twice")
    columns = [_column(frame.iloc[:, k]) for k in range(len(names))]
    prefix = "event #" if where is None else f"{where}:"
    for row in range(len(frame)):
        index = start + row
        record = {}
        for name, (values, missing) in zip(names, columns, strict=True):
            if missing is None or not missing[row]:
                record[name] = values[row]
        yield index, f"{prefix}{index + 1}", record


def _column(col: Any) -> tuple[list[Any], Any]:
    """A column's values as Python objects, and its mask of missing cells (None: none missing)."""
    missing = col.isna().to_numpy()
    values: list[Any] = col.tolist()
    if len(values) and (
        str(col.dtype).startswith("datetime64") or any(_is_timestamp(v) for v in values[:1])
    ):
        values = [_plain_instant(v) for v in values]
    elif col.dtype == object:
        values = [_plain_instant(v) if _is_timestamp(v) else v for v in values]
    return values, (missing if missing.any() else None)


def _is_timestamp(value: Any) -> bool:
    return isinstance(value, datetime) and type(value) is not datetime


def _plain_instant(value: Any) -> Any:
    """A pandas Timestamp as a datetime (aware or naive as it was); anything else as is."""
    if not _is_timestamp(value):
        return value
    try:
        return value.to_pydatetime(warn=False)
    except (AttributeError, TypeError, ValueError):
        return value


def parquet_records(path: str | os.PathLike[str]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """The rows of the Parquet file ``path`` as :func:`frame_records` gives them (``file:n``),
    read a batch at a time. Raises OSError when it cannot be opened, ImportError without
    pyarrow (the ``exports`` or ``distributed`` extra)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "reading Parquet needs pyarrow: pip install 'contract-rules[distributed]'"
        ) from None
    try:
        file = pq.ParquetFile(os.fspath(path))
    except (OSError, ValueError) as exc:
        raise OSError(f"{path}: cannot read as Parquet ({exc})") from None
    start = 0
    for batch in file.iter_batches(batch_size=BATCH_ROWS):
        frame = batch.to_pandas()
        yield from frame_records(frame, start=start, where=str(path))
        start += len(frame)
