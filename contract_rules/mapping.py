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

Two readers give the same records: the row reader here (the csv module, one record at a time;
the reference, and what runs without pyarrow) and the columnar reader of
:mod:`contract_rules.mapping_columnar` (pyarrow, the ``exports`` extra; blocks of columns mapped
with array operations), chosen with ``reader=``; ``auto`` takes the columnar one when pyarrow
can be imported.

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
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import math
import os
import re
import time as _time
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from .codes import code
from .errors import MappingError
from .events import Event, EventValidator, RawEvent, _BadLine
from .findings import DocPath, Finding, Location, Severity
from .loader import LoadedDocument, load_yaml, load_yaml_file
from .model import RESERVED_EVENT_KEYS, Identifier, Ruleset
from .validation import did_you_mean, pydantic_findings

if TYPE_CHECKING:
    import pandas as pd

    from .engine import CompiledRuleset
    from .report import Report

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

#: The format version of import mappings.
MAPPING_FORMAT = "contract-rules-mapping/1"

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=200)]

#: The pseudo-format that reads ISO 8601 (``2016-02-29T01:16:00``, with or without offset).
ISO_FORMAT = "iso"
_DIRECTIVE = re.compile(r"%(.)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# =============================================================================== the models


class _Model(BaseModel):
    """Base of the mapping models: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_format(fmt: str) -> str:
    """A strptime format with a year, a month and a day (or ``iso``); ValueError otherwise."""
    if fmt == ISO_FORMAT:
        return fmt
    try:
        _time.strptime("", fmt)
    except ValueError as exc:
        msg = str(exc)
        if "bad directive" in msg or "stray %" in msg:
            raise ValueError(f"bad strptime format {fmt!r}: {msg}") from None
    directives = set(_DIRECTIVE.findall(fmt))
    has_year = bool(directives & {"Y", "y", "G"})
    has_day = bool(directives & {"j"}) or (
        bool(directives & {"m", "b", "B"}) and bool(directives & {"d"})
    )
    if not (has_year and has_day):
        raise ValueError(
            f"timestamp format {fmt!r} must name a year (%Y or %y), a month (%m, %b or %B) and "
            "a day (%d), or a day of the year (%j)"
        )
    return fmt


TimestampFormat = Annotated[str, AfterValidator(_check_format)]


class CsvOptions(_Model):
    """How the CSV file is written: delimiter, text encoding, cells that mean "missing"."""

    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = Field("utf-8-sig", description="a Python codec name; utf-8-sig skips a BOM")
    missing: list[str] = Field(
        default_factory=lambda: [""],
        description="cell texts that mean 'no value' (ServiceNow writes '?')",
    )

    @field_validator("encoding")
    @classmethod
    def _codec(cls, v: str) -> str:
        try:
            info = codecs.lookup(v)
        except LookupError:
            raise ValueError(
                f"unknown text encoding {v!r} (e.g. utf-8, utf-8-sig, cp1252)"
            ) from None
        # zlib_codec, base64_codec, rot13 ... are codecs but turn bytes into bytes (or text
        # into text): open() refuses them, so a clean check must refuse them too.
        if not getattr(info, "_is_text_encoding", True):
            raise ValueError(
                f"{v!r} is a codec but not a text encoding (e.g. utf-8, utf-8-sig, cp1252)"
            )
        return v


class ValueMap(_Model):
    """Translates cell texts: ``map`` from the export's value to the event's value.

    ``unmapped``: what a value missing from ``map`` does: ``reject`` (default) rejects the row
    with its row number and the value; ``keep`` passes the cell text through unchanged.
    """

    map: dict[str, str] = Field(min_length=1)
    unmapped: Literal["reject", "keep"] = "reject"


class CellTest(_Model):
    """Tests on one cell; all given tests must hold. Cells are compared as text."""

    in_: list[str] | None = Field(None, alias="in")
    not_in: list[str] | None = None
    present: bool | None = Field(None, description="true: the cell has a value; false: missing")

    @model_validator(mode="after")
    def _some(self) -> CellTest:
        if self.in_ is None and self.not_in is None and self.present is None:
            raise ValueError("give at least one test: in, not_in, present")
        return self


#: A row condition: column → test; a bare text means equality, a list means "one of".
RowCondition = dict[ColumnName, CellTest | str | list[str]]


class FieldSource(_Model):
    """Where an event field comes from: a ``column`` (optionally through a value map), or a
    constant ``value``."""

    column: ColumnName | None = None
    values: Identifier | None = Field(None, description="the name of a value map")
    value: str | None = Field(None, description="a constant")

    @model_validator(mode="after")
    def _one(self) -> FieldSource:
        if (self.column is None) == (self.value is None):
            raise ValueError("a field names exactly one of column or value")
        if self.values is not None and self.column is None:
            raise ValueError("values (a value map) applies to a column")
        return self


Emit = Literal["row", "first", "change"]


class EventSpec(_Model):
    """One event type produced from rows.

    - ``emit: row`` — every row that passes ``when`` gives one event.
    - ``emit: first`` — the first row of each incident (in time order) that passes ``when``.
    - ``emit: change`` — a row whose ``watch`` cell differs from the previous row of the same
      incident (the first row of an incident counts as a change), and that passes ``when``.
    """

    type: Identifier
    at: ColumnName = Field(description="the column holding the event's instant")
    emit: Emit = "row"
    watch: ColumnName | None = Field(None, description="emit: change — the column watched")
    when: RowCondition = Field(default_factory=dict)
    fields: dict[Identifier, FieldSource | ColumnName] = Field(default_factory=dict)
    description: str | None = None

    @field_validator("fields", mode="after")
    @classmethod
    def _not_reserved(cls, v: dict[str, FieldSource | str]) -> dict[str, FieldSource | str]:
        reserved = sorted(set(v) & set(RESERVED_EVENT_KEYS))
        if reserved:
            raise ValueError(
                f"{', '.join(reserved)} is reserved: every event has type, at and id; "
                "set the instant with the spec's 'at' column"
            )
        return v

    @model_validator(mode="after")
    def _watch(self) -> EventSpec:
        if self.emit == "change" and self.watch is None:
            raise ValueError("emit: change needs watch: <column>")
        if self.emit != "change" and self.watch is not None:
            raise ValueError("watch applies to emit: change only")
        return self


class ImportMapping(_Model):
    """A whole import mapping file (format ``contract-rules-mapping/1``)."""

    format: Literal["contract-rules-mapping/1"] = Field(description="the format version")
    description: str | None = None
    csv: CsvOptions = Field(default_factory=CsvOptions)
    incident: ColumnName = Field(description="the column holding the incident (ticket) id")
    order_by: ColumnName | None = Field(
        None,
        description="a timestamp column ordering the rows of one incident (ties: file order); "
        "without it the file order is the order",
    )
    timestamp_formats: list[TimestampFormat] = Field(
        default_factory=lambda: [ISO_FORMAT],
        min_length=1,
        description="strptime formats tried in order; 'iso' reads ISO 8601",
    )
    naive_zone: str | None = Field(
        None, description="IANA zone of timestamps without an offset; none: they are rejected"
    )
    values: dict[Identifier, ValueMap] = Field(default_factory=dict)
    events: list[EventSpec] = Field(min_length=1)

    _doc: LoadedDocument | None = PrivateAttr(default=None)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, v: Any) -> Any:
        if isinstance(v, str) and v != MAPPING_FORMAT:
            raise ValueError(f"unsupported format {v!r}; this version reads {MAPPING_FORMAT!r}")
        return v

    @field_validator("naive_zone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                # OSError: a directory of the zone database ("Asia") or an unreadable file
                raise ValueError(
                    f"unknown time zone {v!r} (use an IANA name such as UTC)"
                ) from None
        return v

    @property
    def document(self) -> LoadedDocument | None:
        """The loaded YAML document (for locations), or None when built in code."""
        return self._doc

    @property
    def source(self) -> str:
        """The file the mapping was read from (``<string>`` for text, ``<mapping>`` in code)."""
        return self._doc.source if self._doc is not None else "<mapping>"

    def columns(self) -> list[tuple[str, DocPath]]:
        """Every column the mapping reads, with the document path that names it, in order."""
        out: list[tuple[str, DocPath]] = [(self.incident, ("incident",))]
        if self.order_by is not None:
            out.append((self.order_by, ("order_by",)))
        for i, spec in enumerate(self.events):
            base: DocPath = ("events", i)
            out.append((spec.at, (*base, "at")))
            if spec.watch is not None:
                out.append((spec.watch, (*base, "watch")))
            out.extend((col, (*base, "when", col)) for col in spec.when)
            for name, src in spec.fields.items():
                if isinstance(src, str):
                    out.append((src, (*base, "fields", name)))
                elif src.column is not None:
                    out.append((src.column, (*base, "fields", name, "column")))
        return out


# =============================================================================== loading


def load_mapping(source: str | os.PathLike[str]) -> ImportMapping:
    """Load an import mapping from a path, or from YAML text (a string holding a newline or
    starting with ``format:``).

    Returns a valid :class:`ImportMapping` whose references (value map names) resolve. Raises
    :class:`MappingError` carrying every error finding, located at file:line:column (unknown
    keys with "did you mean"), and OSError when a path cannot be read. Warnings (e.g. YAML 1.1
    booleans) do not stop loading.
    """
    mapping, findings, src = read_mapping(source)
    if mapping is None or any(f.severity is Severity.ERROR for f in findings):
        raise MappingError([f for f in findings if f.severity is Severity.ERROR] or findings, src)
    return mapping


def read_mapping(
    source: str | os.PathLike[str],
) -> tuple[ImportMapping | None, list[Finding], str]:
    """Read a mapping file (or text) without raising for bad content.

    Returns the mapping (None when it has errors), every finding located at file:line:column, and
    the source name. Raises OSError only when a path cannot be read at all.
    """
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("format:")):
        doc = load_yaml(source, "<string>")
    else:
        doc = load_yaml_file(source)
    findings = list(doc.findings)
    mapping: ImportMapping | None = None
    if doc.data is not None and doc.ok:
        if not isinstance(doc.data, dict):
            findings.append(
                code("CR103").at(doc.locate(()), "a mapping file is a mapping (format:, ...)")
            )
        else:
            try:
                mapping = ImportMapping.model_validate(doc.data)
            except ValidationError as exc:
                findings.extend(pydantic_findings(exc, doc, ImportMapping))
    if mapping is not None:
        mapping._doc = doc
        findings.extend(_reference_findings(mapping))
    if any(f.severity is Severity.ERROR for f in findings):
        mapping = None
    return mapping, sorted(findings), doc.source


def _locate(mapping: ImportMapping, path: DocPath, *, key: bool = False) -> Location:
    doc = mapping.document
    if doc is None:
        return Location(mapping.source, 1, 1, path)
    return doc.locate(path, key=key)


def _reference_findings(mapping: ImportMapping) -> list[Finding]:
    """References inside the mapping: every ``values:`` names a declared value map."""
    out: list[Finding] = []
    for i, spec in enumerate(mapping.events):
        for name, src in spec.fields.items():
            if (
                isinstance(src, FieldSource)
                and src.values is not None
                and src.values not in mapping.values
            ):
                out.append(
                    code("CR104").at(
                        _locate(mapping, ("events", i, "fields", name, "values")),
                        f"unknown value map {src.values!r}"
                        + (
                            did_you_mean(src.values, mapping.values)
                            or f"; declared: {', '.join(sorted(mapping.values)) or 'none'}"
                        ),
                    )
                )
    return out


def check_mapping(mapping: ImportMapping, ruleset: Ruleset) -> list[Finding]:
    """Cross-check a mapping against a ruleset's event vocabulary; never raises.

    Errors: an event type the ruleset does not declare (CR201, with "did you mean"); a field the
    type does not declare (CR202); a required field the mapping does not fill (CR102); a value
    map output or constant outside the field's closed ``values`` (CR104). Warning: an event type
    a norm is triggered by that the mapping never produces (CR303). Findings are located in the
    mapping file and sorted.
    """
    out: list[Finding] = []
    vocab = ruleset.events
    for i, spec in enumerate(mapping.events):
        out.extend(_spec_findings(mapping, ruleset, i, spec))
    produced = {spec.type for spec in mapping.events if spec.type in vocab}
    for n in ruleset.norms:
        trig = n.trigger.event
        if trig is not None and trig not in produced and trig in vocab:
            out.append(
                code("CR303").at(
                    _locate(mapping, ("events",), key=True),
                    f"norm {n.id} is triggered by {trig!r}, which this mapping never produces",
                    Severity.WARNING,
                )
            )
    return sorted(dict.fromkeys(out))


def _spec_findings(
    mapping: ImportMapping, ruleset: Ruleset, i: int, spec: EventSpec
) -> list[Finding]:
    """The findings of events[i]: its type, each field it fills, the required fields it lacks."""
    base: DocPath = ("events", i)
    vocab = ruleset.events
    et = vocab.get(spec.type)
    if et is None:
        return [
            code("CR201").at(
                _locate(mapping, (*base, "type")),
                f"event type {spec.type!r} is not declared by ruleset {ruleset.contract.id!r}"
                + (did_you_mean(spec.type, vocab) or f"; it declares: {', '.join(sorted(vocab))}"),
            )
        ]
    out: list[Finding] = []
    for name, src in spec.fields.items():
        fspec = et.fields.get(name)
        if fspec is None:
            out.append(
                code("CR202").at(
                    _locate(mapping, (*base, "fields", name), key=True),
                    f"{spec.type} has no field {name!r}"
                    + (
                        did_you_mean(name, et.fields)
                        or f"; declared: {', '.join(sorted(et.fields)) or 'none'}"
                    ),
                )
            )
        elif fspec.values is not None and not isinstance(src, str):
            out.extend(_closed_value_findings(mapping, base, spec.type, name, src, fspec.values))
    out.extend(
        code("CR102").at(
            _locate(mapping, (*base, "fields") if spec.fields else base, key=True),
            f"{spec.type} requires field {name!r}; the mapping does not fill it",
        )
        for name, fspec in et.fields.items()
        if fspec.required and name not in spec.fields
    )
    return out


def _closed_value_findings(
    mapping: ImportMapping,
    base: DocPath,
    etype: str,
    name: str,
    src: FieldSource,
    values: Sequence[str],
) -> list[Finding]:
    """A constant or value-map output that the field's closed ``values`` do not allow."""
    out: list[Finding] = []
    allowed = set(values)
    if src.value is not None and src.value not in allowed:
        out.append(
            code("CR104").at(
                _locate(mapping, (*base, "fields", name, "value")),
                f"{src.value!r} is not one of {', '.join(values)} ({etype}.{name})",
            )
        )
    vmap = mapping.values.get(src.values) if src.values is not None else None
    if vmap is not None:
        out.extend(
            code("CR104").at(
                _locate(mapping, ("values", src.values or "", "map", raw)),
                f"{raw!r} maps to {val!r}, which is not one of {', '.join(values)} "
                f"({etype}.{name})",
            )
            for raw, val in vmap.map.items()
            if val not in allowed
        )
    return out


def check_columns(mapping: ImportMapping, columns: Sequence[str], *, what: str) -> list[Finding]:
    """Findings for every column the mapping reads that ``columns`` (a header) lacks, or holds
    twice; ``what`` names the export in the message. Located in the mapping file."""
    present: dict[str, int] = {}
    for c in columns:
        present[c] = present.get(c, 0) + 1
    out: list[Finding] = []
    for col, path in mapping.columns():
        n = present.get(col, 0)
        if n == 0:
            out.append(
                code("CR104").at(
                    _locate(mapping, path),
                    f"column {col!r} is not in {what}"
                    + (did_you_mean(col, present) or f"; columns: {', '.join(list(present)[:40])}"),
                )
            )
        elif n > 1:
            out.append(
                code("CR104").at(
                    _locate(mapping, path), f"column {col!r} appears {n} times in {what}"
                )
            )
    return sorted(dict.fromkeys(out))


# =============================================================================== mapping rows

#: A normalised cell: text, a datetime (DataFrames), or None for a missing value.
Cell = str | datetime | None
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class MappedReject:
    """A row that could not be mapped: its position, where it is, and why."""

    index: int
    row: int
    where: str
    incident: str | None
    reason: str

    def to_raw(self) -> RawEvent:
        """A raw record the event validator rejects with this reason (for the engine)."""
        return RawEvent(self.index, self.where, _BadLine(self.reason))


@dataclass
class MappingStats:
    """What a mapping run did with the rows. ``rows = rows_mapped + rows_without_event +
    rows_rejected``; the report of the events then accounts for ``events + rows_rejected``."""

    rows: int = 0
    rows_mapped: int = 0
    rows_without_event: int = 0
    rows_rejected: int = 0
    events: int = 0
    incidents: int = 0
    events_by_type: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "rows": self.rows,
            "rows_mapped": self.rows_mapped,
            "rows_without_event": self.rows_without_event,
            "rows_rejected": self.rows_rejected,
            "events": self.events,
            "incidents": self.incidents,
            "events_by_type": dict(sorted(self.events_by_type.items())),
        }


class _Clock:
    """Parses cells into ISO 8601 instants with offsets, with a bounded cache (exports repeat
    the same timestamps many times: ``opened_at`` on every row of an incident)."""

    MAX_CACHE = 65_536

    def __init__(self, formats: Sequence[str], zone: str | None) -> None:
        self.formats = tuple(formats)
        self.zone: tzinfo | None = ZoneInfo(zone) if zone is not None else None
        self.zone_name = zone
        self._cache: dict[str, tuple[datetime, str]] = {}

    def parse(self, cell: str | datetime) -> tuple[datetime, str]:
        """(aware instant, its ISO text). ValueError with a readable reason when the cell fits
        no format, or is naive and the mapping has no ``naive_zone``."""
        if isinstance(cell, datetime):
            return self._aware(cell, cell.isoformat(sep=" "))
        hit = self._cache.get(cell)
        if hit is not None:
            return hit
        text = cell.strip()
        parsed: datetime | None = None
        for fmt in self.formats:
            try:
                if fmt == ISO_FORMAT:
                    parsed = datetime.fromisoformat(text) if len(text) <= 64 else None
                else:
                    parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if parsed is not None:
                break
        if parsed is None:
            shown = ", ".join(repr(f) for f in self.formats)
            raise ValueError(f"{cell[:64]!r} matches none of the timestamp formats ({shown})")
        result = self._aware(parsed, cell)
        if len(self._cache) >= self.MAX_CACHE:
            self._cache.clear()
        self._cache[cell] = result
        return result

    def _aware(self, t: datetime, shown: str) -> tuple[datetime, str]:
        if t.tzinfo is None or t.utcoffset() is None:
            if self.zone is None:
                raise ValueError(
                    f"naive timestamp {shown[:64]!r} has no offset and the mapping declares no "
                    "naive_zone"
                )
            t = t.replace(tzinfo=self.zone)
        return t, t.isoformat()


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    column: str | None
    const: str | None
    vmap_name: str | None
    vmap: ValueMap | None


@dataclass(frozen=True, slots=True)
class _Spec:
    k: int
    type: str
    at: str
    emit: Emit
    watch: int  # index into the watched columns, or -1
    when: tuple[tuple[str, Callable[[Cell], bool]], ...]
    fields: tuple[_Field, ...]
    suffix: str


class _Incident:
    """What is remembered of one incident between its rows: O(1) per incident."""

    __slots__ = ("firsts", "last", "last_ts", "last_where")

    def __init__(self, n_watched: int) -> None:
        self.firsts = 0  # bit k set: the emit: first spec k has produced its event
        self.last: list[Cell] = [_UNSET] * n_watched
        self.last_ts: datetime | None = None
        self.last_where = ""


def _cell_test(test: CellTest | str | list[str]) -> Callable[[Cell], bool]:
    if isinstance(test, str):
        return lambda v: v == test
    if isinstance(test, list):
        allowed = frozenset(test)
        return lambda v: v in allowed
    checks: list[Callable[[Cell], bool]] = []
    if test.present is not None:
        want = test.present
        checks.append(lambda v: (v is not None) is want)
    if test.in_ is not None:
        inside = frozenset(test.in_)
        checks.append(lambda v: v in inside)
    if test.not_in is not None:
        outside = frozenset(test.not_in)
        checks.append(lambda v: v not in outside)
    return lambda v: all(c(v) for c in checks)


class _Mapper:
    """The compiled form of a mapping: turns (row number, where, row) records into items."""

    def __init__(self, mapping: ImportMapping) -> None:
        broken = _reference_findings(mapping)  # a mapping built in code skips load_mapping
        if broken:
            raise MappingError(broken, mapping.source)
        self.m = mapping
        self.clock = _Clock(mapping.timestamp_formats, mapping.naive_zone)
        self.missing = frozenset(mapping.csv.missing)
        watched: list[str] = []
        for spec in mapping.events:
            if spec.watch is not None and spec.watch not in watched:
                watched.append(spec.watch)
        self.watched = tuple(watched)
        #: every column the mapping reads, once, in order
        self.needed: tuple[str, ...] = tuple(dict.fromkeys(c for c, _ in mapping.columns()))
        types = [s.type for s in mapping.events]
        specs: list[_Spec] = []
        for k, spec in enumerate(mapping.events):
            fields = tuple(
                _Field(name, src, None, None, None)
                if isinstance(src, str)
                else _Field(
                    name,
                    src.column,
                    src.value,
                    src.values,
                    mapping.values[src.values] if src.values is not None else None,
                )
                for name, src in spec.fields.items()
            )
            specs.append(
                _Spec(
                    k=k,
                    type=spec.type,
                    at=spec.at,
                    emit=spec.emit,
                    watch=watched.index(spec.watch) if spec.watch is not None else -1,
                    when=tuple((col, _cell_test(t)) for col, t in spec.when.items()),
                    fields=fields,
                    suffix=spec.type if types.count(spec.type) == 1 else f"{spec.type}.{k + 1}",
                )
            )
        self.specs = tuple(specs)
        self.incidents: dict[str, _Incident] = {}
        self.index = 0
        self.stats = MappingStats()

    # ------------------------------------------------------------------ the stream

    def run(
        self, records: Iterable[tuple[int, str, AbcMapping[str, Any] | None, str | None]]
    ) -> Iterator[RawEvent | MappedReject]:
        """Map records ``(row number, where, row, problem)``; a record with a ``problem`` (a row
        the reader could not split into cells) is rejected with it."""
        m = self.m
        block: list[tuple[datetime | None, int, str, dict[str, Cell]]] = []
        current: str | None = None
        for rowno, where, row, problem in records:
            self.stats.rows += 1
            if problem is not None or row is None:
                yield self._reject(rowno, where, None, problem or "row has no cells")
                continue
            cells = self._normalise(row)
            inc = cells.get(m.incident)
            if inc is None or not isinstance(inc, str):
                yield self._reject(
                    rowno, where, None, f"the incident id column {m.incident!r} is empty"
                )
                continue
            ts: datetime | None = None
            if m.order_by is not None:
                cell = cells.get(m.order_by)
                if cell is None:
                    yield self._reject(
                        rowno, where, inc, f"the order_by column {m.order_by!r} is empty"
                    )
                    continue
                try:
                    ts = self.clock.parse(cell)[0]
                except ValueError as exc:
                    yield self._reject(rowno, where, inc, f"column {m.order_by!r}: {exc}")
                    continue
            if inc != current:
                yield from self._flush(block)
                block = []
                current = inc
            block.append((ts, rowno, where, cells))
        yield from self._flush(block)
        self.stats.incidents = len(self.incidents)

    def _normalise(self, row: AbcMapping[str, Any]) -> dict[str, Cell]:
        out: dict[str, Cell] = {}
        missing = self.missing
        for col in self.needed:
            v = row.get(col)
            if v is None:
                out[col] = None
            elif isinstance(v, str):
                out[col] = None if v in missing else v
            elif isinstance(v, datetime):
                out[col] = None if v != v else v  # NaT is a datetime unequal to itself
            else:
                out[col] = _text_of(v, missing)
        return out

    def _flush(
        self, block: list[tuple[datetime | None, int, str, dict[str, Cell]]]
    ) -> Iterator[RawEvent | MappedReject]:
        if not block:
            return
        if self.m.order_by is not None and len(block) > 1:
            # as instants: aware datetimes of one zone compare by wall time, which orders the
            # hour a clock change repeats or skips wrongly
            block.sort(key=lambda r: (_instant(r[0]), r[1]))  # type: ignore[arg-type]
        for ts, rowno, where, cells in block:
            yield from self._map_row(ts, rowno, where, cells)

    def _map_row(
        self, ts: datetime | None, rowno: int, where: str, cells: dict[str, Cell]
    ) -> Iterator[RawEvent | MappedReject]:
        inc = str(cells[self.m.incident])
        st = self.incidents.get(inc)
        if st is None:
            st = self.incidents[inc] = _Incident(len(self.watched))
        if ts is not None and st.last_ts is not None and _instant(ts) < _instant(st.last_ts):
            yield self._reject(
                rowno,
                where,
                inc,
                f"out of order: {self.m.order_by} {ts.isoformat()} is earlier than "
                f"{st.last_ts.isoformat()} of {st.last_where}, already mapped for incident "
                f"{inc}; sort the export by incident and {self.m.order_by}",
            )
            return
        watched_now = [cells[c] for c in self.watched]
        reasons: list[str] = []
        events: list[dict[str, Any]] = []
        firsts = 0
        for spec in self.specs:
            if spec.emit == "first" and st.firsts >> spec.k & 1:
                continue
            if spec.emit == "change" and watched_now[spec.watch] == st.last[spec.watch]:
                continue
            if not all(test(cells[col]) for col, test in spec.when):
                continue
            data = self._event(spec, inc, rowno, cells, reasons)
            if data is not None:
                events.append(data)
                if spec.emit == "first":
                    firsts |= 1 << spec.k
        if reasons:
            yield self._reject(rowno, where, inc, "; ".join(dict.fromkeys(reasons)))
            return
        st.last = watched_now
        st.firsts |= firsts
        if ts is not None:
            st.last_ts = ts
            st.last_where = where
        stats = self.stats
        if events:
            stats.rows_mapped += 1
        else:
            stats.rows_without_event += 1
        for data in events:
            stats.events += 1
            stats.events_by_type[data["type"]] = stats.events_by_type.get(data["type"], 0) + 1
            yield RawEvent(self.index, where, data)
            self.index += 1

    def _event(
        self, spec: _Spec, inc: str, rowno: int, cells: dict[str, Cell], reasons: list[str]
    ) -> dict[str, Any] | None:
        at_cell = cells[spec.at]
        at: str | None = None
        if at_cell is None:
            reasons.append(f"{spec.type}: its time column {spec.at!r} is empty")
        else:
            try:
                at = self.clock.parse(at_cell)[1]
            except ValueError as exc:
                reasons.append(f"column {spec.at!r}: {exc}")
        data: dict[str, Any] = {"id": f"{inc}:{rowno}:{spec.suffix}", "type": spec.type, "at": at}
        for f in spec.fields:
            if f.const is not None:
                data[f.name] = f.const
                continue
            cell = cells[f.column] if f.column is not None else None
            if cell is None:
                continue  # absent: the event validator decides whether the field is required
            if isinstance(cell, datetime):
                try:
                    cell = self.clock.parse(cell)[1]
                except ValueError as exc:
                    reasons.append(f"column {f.column!r}: {exc}")
                    continue
            if f.vmap is not None:
                mapped = f.vmap.map.get(cell)
                if mapped is None:
                    if f.vmap.unmapped == "reject":
                        known = ", ".join(repr(k) for k in list(f.vmap.map)[:12])
                        reasons.append(
                            f"column {f.column!r}: {cell[:80]!r} is not in value map "
                            f"{f.vmap_name!r} (known: {known})"
                        )
                        continue
                    mapped = cell
                cell = mapped
            data[f.name] = cell
        return data if at is not None else None

    def _reject(self, rowno: int, where: str, inc: str | None, reason: str) -> MappedReject:
        self.stats.rows_rejected += 1
        item = MappedReject(self.index, rowno, where, inc, f"row not mapped: {reason}")
        self.index += 1
        return item


def _text_of(v: Any, missing: frozenset[str]) -> Cell:
    """A DataFrame cell as text: NaN/None/NA are missing, booleans true/false, dates ISO."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, date):
        return v.isoformat()
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (ImportError, TypeError, ValueError):
        pass
    text = str(v)
    return None if text in missing else text


def map_rows(
    mapping: ImportMapping,
    rows: Iterable[AbcMapping[str, Any]],
    *,
    source: str = "<rows>",
    start: int = 1,
    stats: MappingStats | None = None,
) -> Iterator[RawEvent | MappedReject]:
    """Map rows (column → cell text) to raw events and rejects, lazily.

    The n-th row (0-based) is row number ``start + n``, located ``f"{source}:{start + n}"``.
    Every row gives zero or more :class:`RawEvent` s whose data the event validator accepts
    (``id``, ``type``, ``at`` as ISO 8601 with an offset, and the mapped fields), or exactly one
    :class:`MappedReject` with the reason; a row never disappears without being counted in
    ``stats``. Event ids are ``<incident>:<row number>:<event type>``, unique per run. Items are
    numbered (``index``) in the order they are yielded: incident block by incident block, except
    that a row without an incident id or ``order_by`` time is rejected as soon as it is read.
    See the module docstring for ordering and memory.
    """
    mapper = _Mapper(mapping)
    if stats is not None:
        mapper.stats = stats
    records = ((start + n, f"{source}:{start + n}", row, None) for n, row in enumerate(rows))
    return mapper.run(records)


def as_raw_events(items: Iterable[RawEvent | MappedReject]) -> Iterator[RawEvent]:
    """Raw records for the engine: rejects become records the validator rejects with their
    reason (so they are accounted as rejected, located at their row)."""
    for item in items:
        yield item.to_raw() if isinstance(item, MappedReject) else item


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
    (:mod:`contract_rules.mapping_columnar`); ``auto`` (default) is ``columnar`` when pyarrow
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
            from .mapping_columnar import ColumnarMapper, csv_chunks

            cm = ColumnarMapper(mp, name, stats, validator)
            yield from cm.run(csv_chunks(src, cm.needed, mp.csv.delimiter))
            return
        mapper = _Mapper(mp)
        if stats is not None:
            mapper.stats = stats
        yield from as_raw_events(mapper.run(src.records()))


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
        from .mapping_columnar import ColumnarMapper, frame_chunks, frame_is_text

        cols = [labels[c] for c in needed]
        if frame_is_text(df, cols):
            cm = ColumnarMapper(mp, source, stats, validator)
            yield from cm.run(frame_chunks(df, cols, needed))
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
    from .engine import CompiledRuleset, Evaluator, compile_ruleset, evaluate

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


def _instant(ts: datetime) -> timedelta:
    """``ts`` as the time since the epoch, to compare as an instant.

    Two aware datetimes that share a tzinfo object compare (and subtract) by their wall times,
    fold ignored; against the epoch in UTC, another tzinfo, Python subtracts the instants they
    name. Unlike ``astimezone(UTC)`` this cannot overflow at the ends of the datetime range
    (the first hours of year 1 in a zone east of UTC)."""
    return ts - _EPOCH
