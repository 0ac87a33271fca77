"""Loading an import mapping (path or text, located findings as for rule files) and checking it
against a ruleset's vocabulary and an export's columns."""

from __future__ import annotations

import os
from collections.abc import Sequence

from pydantic import (
    ValidationError,
)

from ..codes import code
from ..errors import MappingError
from ..findings import DocPath, Finding, Location, Severity
from ..loader import load_yaml, load_yaml_file
from ..model import Ruleset
from ..validation import did_you_mean, pydantic_findings
from .model import EventSpec, FieldSource, ImportMapping

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
