"""Typed events: an event spec's records taken as the engine's event validator would take them,
its checks decided once per distinct value (see :class:`_Typed`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import EventError
from ..events import MAX_ID_CHARS, MAX_STRING_CHARS, Event, EventValidator

#: a cell the validator refuses
_REFUSED: Any = object()


@dataclass
class _Typed:
    """How the event validator would take one event spec's records, decided once per distinct
    value: the engine then admits the :class:`Event` s built here instead of validating a
    record per row. A row is built as an Event only when every check of
    :meth:`EventValidator.validate_record` provably passes for it (its id, its instant, each
    field, in the validator's own field order with its converted values); any other row stays a
    record, so the validator refuses it with its own reason, at its own place."""

    validator: EventValidator
    etype: str
    #: per field of the event type that the mapping gives, in the validator's order: (name,
    #: required, its source: a constant text or a column, and the validator's check of a value)
    fields: list[tuple[str, bool, Any, Any]]

    @staticmethod
    def of(validator: EventValidator, etype: str, fvals: list[tuple[str, Any]]) -> _Typed | None:
        """None when no record of the spec can pass (an unknown type or field, a required field
        the mapping does not give): the validator then says why, row by row."""
        plan = validator._plans.get(etype)
        if plan is None:
            return None
        specs, allowed = plan
        given = dict(fvals)
        if not allowed.issuperset(given):
            return None
        fields: list[tuple[str, bool, Any, Any]] = []
        for name, required, plain, key, check in specs:
            if name not in given:
                if required:
                    return None
                continue

            def convert(
                value: Any, plain: bool = plain, key: bool = key, check: Any = check
            ) -> Any:
                # validate_record's test of a field value, for one value
                if (
                    plain
                    and type(value) is str
                    and len(value) <= MAX_STRING_CHARS
                    and value.isprintable()
                    and (not key or (value and not value.isspace()))
                ):
                    return value
                try:
                    return validator._convert(check, value, "", etype, None)
                except EventError:
                    return _REFUSED

            fields.append((name, required, given[name], convert))
        return _Typed(validator, etype, fields)

    def events(
        self,
        ids: list[str],
        isos: list[str | None],
        at_idx: np.ndarray[Any, Any],
        take: pa.Array,
        wheres: list[str],
    ) -> tuple[np.ndarray[Any, Any], list[Event]]:
        """Which rows become Events (a mask), and those Events (numbered later). ``ids`` and
        ``wheres`` are per row, ``isos`` the distinct ISO instants and ``at_idx`` each row's
        place among them, ``take`` the rows of the chunk's columns."""
        n = len(ids)
        instants, ok = self._instants(isos, at_idx)
        ok &= np.fromiter(
            (len(i) <= MAX_ID_CHARS and i.isprintable() for i in ids), dtype=bool, count=n
        )
        names, columns, absent = self._columns(take, n, ok)
        keep = np.flatnonzero(ok).tolist()
        if len(keep) != n:
            columns = [[c[k] for k in keep] for c in columns]
        fields = dicts(tuple(names), columns, len(keep))
        for name in absent:
            for d in fields:
                if d[name] is None:
                    del d[name]  # a missing cell leaves the field out
        etype, ati = self.etype, at_idx.tolist()
        events = [
            Event(0, ids[k], etype, instants[ati[k]], d, wheres[k])
            for k, d in zip(keep, fields, strict=True)
        ]
        return ok, events

    def _instants(
        self, isos: list[str | None], at_idx: np.ndarray[Any, Any]
    ) -> tuple[list[Any], np.ndarray[Any, Any]]:
        """The validator's instant of each distinct ISO text the rows use (None where it refuses
        it), and per row whether it has one."""
        instants: list[Any] = [None] * len(isos)
        good = np.zeros(len(isos) + 1, dtype=bool)
        parse = self.validator.parse_instant
        for j in np.unique(at_idx).tolist():
            try:
                instants[j] = parse(isos[j], "")
            except EventError:
                continue
            good[j] = True
        return instants, good[at_idx]

    def _columns(
        self, take: pa.Array, n: int, ok: np.ndarray[Any, Any]
    ) -> tuple[list[str], list[list[Any]], list[str]]:
        """The fields' names, their converted values per row (None: absent) and the names that
        have absent values; ``ok`` loses the rows with a value the validator refuses."""
        names: list[str] = []
        columns: list[list[Any]] = []
        absent: list[str] = []
        for name, required, source, convert in self.fields:
            names.append(name)
            if isinstance(source, str):
                value = convert(source)
                if value is _REFUSED:
                    ok[:] = False
                columns.append([value] * n)
                continue
            enc = pc.dictionary_encode(source.take(take))
            values = [convert(v) for v in enc.dictionary.to_pylist()]
            values.append(None)  # a missing cell: the field is absent
            idx = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
            idx[idx < 0] = len(values) - 1
            refused = np.array([v is _REFUSED for v in values], dtype=bool)
            refused[-1] = required
            ok &= ~refused[idx]
            if enc.null_count:
                absent.append(name)
            columns.append([values[i] for i in idx.tolist()])
        return names, columns, absent


def dicts(names: tuple[str, ...], columns: list[list[Any]], n: int) -> list[dict[str, Any]]:
    """One dict per row, ``names[i]`` holding ``columns[i][row]`` (``n`` rows)."""
    # Filled column by column: within a fifth of a generated dict display and about half the
    # time of dict(zip(...)) per row, with no code generated from the mapping's text.
    out = [dict.fromkeys(names) for _ in range(n)]
    for name, column in zip(names, columns, strict=True):
        for row, value in zip(out, column, strict=True):
            row[name] = value
    return out
