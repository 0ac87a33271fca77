"""The import mapping's data model: the strict pydantic models of a ``*.mapping.yaml`` file
(``contract-rules-mapping/1``), with no I/O."""

from __future__ import annotations

import codecs
import re
import time as _time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..findings import DocPath
from ..loader import LoadedDocument
from ..model import RESERVED_EVENT_KEYS, Identifier

#: The format version of import mappings.
MAPPING_FORMAT = "contract-rules-mapping/1"

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=200)]

#: The pseudo-format that reads ISO 8601 (``2016-02-29T01:16:00``, with or without offset).
ISO_FORMAT = "iso"
_DIRECTIVE = re.compile(r"%(.)")


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
