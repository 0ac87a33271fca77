"""Import mappings: ticket-system exports (CSV files, pandas DataFrames) in, raw events out.

Nobody types events by hand: they come from the ticketing system as CSV exports or DataFrames.
An *import mapping* is a small YAML file (``*.mapping.yaml``, format
``contract-rules-mapping/1``) that says which column is the incident id, which columns or state
transitions become which event types, how timestamps are written and in which zone naive ones
are, and how cell values translate (``1 - Critical`` → ``P1``). ``docs/import.md`` describes the
format with a worked example.

- :func:`load_mapping` reads a mapping (path or text) into a strict :class:`ImportMapping`, or
  raises :class:`~contract_rules.errors.MappingError` carrying located findings (file:line:col,
  with "did you mean" for unknown keys), exactly like rule files.
- :func:`check_mapping` cross-checks a mapping against a ruleset's event vocabulary.
- :func:`map_rows` turns rows (mappings of column → cell) into :class:`RawEvent` s and
  :class:`MappedReject` s; :func:`read_csv_mapped` and :func:`read_dataframe_mapped` stream a
  CSV file or a DataFrame through it and yield only :class:`RawEvent` s (a rejected row becomes a
  record the :class:`~contract_rules.events.EventValidator` rejects with the row's reason), so
  the engine accounts for it: ``used + ignored + rejected = events produced + rejected rows``.
- :func:`evaluate_export` is the one-call path: ruleset, export and mapping in, report out.

Two readers give the same records: the row reader (:mod:`.rows`, the csv module, one record at
a time; the reference, and what runs without pyarrow) and the columnar reader
(:mod:`.columnar`, pyarrow, the ``exports`` extra; blocks of columns mapped with array
operations), chosen with ``reader=``; ``auto`` takes the columnar one when pyarrow can be
imported.

Ordering and memory: state transitions (``emit: change``) and first occurrences
(``emit: first``) need the rows of one incident in time order. Rows are read as a stream; the
rows of the current incident block (consecutive rows with the same incident id) are buffered and
sorted by the ``order_by`` timestamp (ties keep file order) before they are mapped, so an export
grouped by incident may be in any order inside each incident. Between blocks only a small record
per incident is kept (its last watched values, which ``first`` events it has had, its last
timestamp): memory is O(incidents + rows of the largest block), never O(rows). An incident whose
rows come back later (an export not grouped by incident) continues from its record; a row that
is *earlier* than a row already mapped for its incident is rejected with a reason that says so,
never silently reordered or dropped.

The package's rooms, each importing only those below it (``pyproject.toml``'s import contract):

- :mod:`.model`: the mapping's pydantic models; :mod:`.checks`: loading and checking a mapping;
- :mod:`.rows`: the row mapper and its clock; :mod:`.csv_text`: an export's lines and records;
- :mod:`.columnar_input`, :mod:`.columnar_clock`, :mod:`.typed`: the columnar reader's chunks,
  timestamps, and typed events; :mod:`.columnar`: the columnar mapper (pyarrow, imported only
  when the columnar reader runs);
- :mod:`.readers`: the readers and :func:`evaluate_export`.

Every name below is importable from ``contract_rules.mapping``, as before the split.
"""

from __future__ import annotations

from .checks import check_columns, check_mapping, load_mapping
from .checks import read_mapping as read_mapping
from .csv_text import CsvSource as CsvSource
from .csv_text import open_export as open_export
from .model import ISO_FORMAT as ISO_FORMAT
from .model import (
    MAPPING_FORMAT,
    CellTest,
    CsvOptions,
    EventSpec,
    FieldSource,
    ImportMapping,
    ValueMap,
)
from .readers import Reader as Reader
from .readers import columnar_available as columnar_available
from .readers import (
    evaluate_export,
    read_csv_mapped,
    read_dataframe_mapped,
    read_export,
)
from .rows import MappedReject, MappingStats, as_raw_events, map_rows

__all__ = [
    "MAPPING_FORMAT",
    "CellTest",
    "CsvOptions",
    "EventSpec",
    "FieldSource",
    "ImportMapping",
    "MappedReject",
    "MappingStats",
    "ValueMap",
    "as_raw_events",
    "check_columns",
    "check_mapping",
    "evaluate_export",
    "load_mapping",
    "map_rows",
    "read_csv_mapped",
    "read_dataframe_mapped",
    "read_export",
]
