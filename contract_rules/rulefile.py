"""Rule files: YAML text → located findings and, when clean of errors, a :class:`Ruleset`.

This is the one place where the loader, the models and the semantic checks meet:

- :func:`read_rule_file` / :func:`read_rule_text` never raise for bad content; they return a
  :class:`RuleFileResult` with every finding of the file (syntax, shape, references, meaning).
- :func:`load_ruleset` is the library entry point: a path or YAML text in, a :class:`Ruleset`
  out, or :class:`~contract_rules.errors.RuleFileError` carrying every error finding.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .codes import code
from .errors import RuleFileError
from .findings import DocPath, Finding, Severity
from .loader import DEFAULT_LIMITS, LoadedDocument, LoaderLimits, load_yaml, load_yaml_file
from .model import Ruleset


@dataclass
class RuleFileResult:
    """What reading one rule file gave: the document, the ruleset (if valid), every finding."""

    source: str
    document: LoadedDocument | None
    ruleset: Ruleset | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """True when the file has no error (warnings allowed)."""
        return not self.errors


def read_rule_text(
    text: str | bytes, source: str = "<string>", *, limits: LoaderLimits = DEFAULT_LIMITS
) -> RuleFileResult:
    """Read a rule file's text. Never raises for bad content: problems become findings."""
    return _validate(load_yaml(text, source, limits=limits))


def read_rule_file(
    path: str | os.PathLike[str], *, limits: LoaderLimits = DEFAULT_LIMITS
) -> RuleFileResult:
    """Read a rule file from disk. Raises OSError only when the file cannot be read at all."""
    return _validate(load_yaml_file(path, limits=limits))


def load_ruleset(
    source: str | os.PathLike[str], *, limits: LoaderLimits = DEFAULT_LIMITS
) -> Ruleset:
    """Load a ruleset from a path, or from YAML text (a string holding a newline or ``format:``).

    Raises :class:`RuleFileError` (with ``.findings``) when the file has any error; warnings do
    not stop loading. Raises OSError when a path cannot be read.
    """
    if isinstance(source, str) and ("\n" in source or source.lstrip().startswith("format:")):
        result = read_rule_text(source, limits=limits)
    else:
        result = read_rule_file(source, limits=limits)
    if result.ruleset is None or not result.ok:
        raise RuleFileError(result.findings, result.source)
    return result.ruleset


def _validate(doc: LoadedDocument) -> RuleFileResult:
    findings = list(doc.findings)
    result = RuleFileResult(doc.source, doc, None, findings)
    if not doc.ok:  # a fatal problem (data is None) or another error of the loader
        result.findings.sort()
        return result
    if not isinstance(doc.data, dict):
        # also an explicit null document (``~``, ``null``): the loader keeps it as data None
        # without a finding, so the file must not pass as "no error, no ruleset"
        findings.append(
            code("CR103").at(
                doc.locate(()),
                f"a rule file is a mapping (format:, contract:, ...), not {_kind(doc.data)}",
            )
        )
        result.findings.sort()
        return result
    try:
        ruleset = Ruleset.model_validate(doc.data)
    except ValidationError as exc:
        findings.extend(_pydantic_findings(exc, doc))
        result.findings.sort()
        return result
    ruleset._source = doc
    from .checks import run_checks  # the checks need the model only; imported on use

    findings.extend(run_checks(ruleset, doc))
    result.findings.sort()
    if not any(f.severity is Severity.ERROR for f in findings):
        result.ruleset = ruleset
    else:
        result.ruleset = None
    return result


def _kind(value: Any) -> str:
    """What a YAML value is, in words (for a document that is not a mapping)."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "a number"


# --------------------------------------------------------------------- pydantic → findings


def _pydantic_findings(exc: ValidationError, doc: LoadedDocument) -> list[Finding]:
    """One located finding per pydantic error, deduplicated, with did-you-mean for unknown keys.

    Where a value may take several forms (a condition entry is a mapping of operators or a bare
    value), pydantic reports one error per form. When the value is a mapping and the mapping
    form has errors inside it, only those are kept; otherwise the forms are merged into one
    finding that lists what would have been accepted.
    """
    out: dict[tuple[DocPath, str, str], Finding] = {}
    errors = [(err, _doc_path(err["loc"], doc.data)) for err in exc.errors(include_url=False)]
    deeper = {path[:k] for _, path in errors for k in range(len(path))}
    branches: dict[DocPath, list[Any]] = {}
    for err, path in errors:
        if err["type"] != "extra_forbidden" and _is_branch(err["loc"], doc.data):
            if path in deeper and isinstance(err.get("input"), dict | list):
                continue  # the mapping form's own errors, further down, say what is wrong
            branches.setdefault(path, []).append(err)
            continue
        finding = _finding_for(err, path, doc)
        out.setdefault((path, finding.code, finding.message), finding)
    for path, errs in branches.items():
        if len(errs) == 1:
            finding = _finding_for(errs[0], path, doc)
        else:
            all_types = all(_is_type_error(e["type"]) for e in errs)
            forms = list(dict.fromkeys(_form_words(e) for e in errs))
            finding = code("CR103" if all_types else "CR104").at(
                doc.locate(path),
                _clean(
                    "the value fits none of the accepted forms: " + "; ".join(forms),
                    errs[0].get("input"),
                ),
            )
        out.setdefault((path, finding.code, finding.message), finding)
    return list(out.values())


_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "a boolean (true/false)",
    "int_type": "an integer",
    "decimal_type": "a number",
    "float_type": "a number",
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
}


def _is_type_error(kind: str) -> bool:
    return kind.endswith("_type")


def _form_words(err: Any) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Input should be ")
    return _TYPE_WORDS.get(err["type"]) or msg


def _finding_for(err: Any, path: DocPath, doc: LoadedDocument) -> Finding:
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        allowed = _allowed_keys(path[:-1], doc.data)
        hint = _did_you_mean(key, allowed)
        return code("CR101").at(
            doc.locate(path, key=True),
            f"unknown key {key!r}{hint}"
            + (f"; allowed here: {', '.join(sorted(allowed))}" if allowed and not hint else ""),
        )
    if kind == "missing":
        return code("CR102").at(
            doc.locate(path[:-1], key=True), f"missing required key {path[-1]!r}"
        )
    if _is_type_error(kind):
        return code("CR103").at(doc.locate(path), _clean(msg, err.get("input")))
    return code("CR104").at(doc.locate(path), _clean(msg, err.get("input")))


def _clean(msg: str, value: Any) -> str:
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, str | int | bool) and len(str(value)) < 60:
        return f"{msg} (got {value!r})"
    return msg


def _doc_path(loc: Sequence[int | str], data: Any) -> DocPath:
    """Map a pydantic error location onto document keys (dropping union and validator tags)."""
    return _walk(loc, data)[0]


def _is_branch(loc: Sequence[int | str], data: Any) -> bool:
    """Whether a pydantic error location passes through a union member's or validator's tag."""
    return _walk(loc, data)[1]


def _walk(loc: Sequence[int | str], data: Any) -> tuple[DocPath, bool]:
    """The document path of ``loc``, and whether a tag (not a key of the data) was skipped."""
    out: list[str | int] = []
    tagged = False
    node = data
    for part in loc:
        if isinstance(node, dict):
            key = "in" if part == "in_" and "in" in node else "from" if part == "from_" else part
            if key in node:
                out.append(str(key))
                node = node[key]
                continue
            if isinstance(key, str) and not _is_tag(key):
                out.append(key)  # a missing or extra key: the path ends here
                node = None
            else:
                tagged = True
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and _is_tag(part):
            tagged = True
    return tuple(out), tagged


#: The names pydantic gives union members and validators in error locations.
_SCALAR_TAGS = frozenset(
    {"str", "int", "bool", "float", "decimal", "list", "dict", "set", "tuple", "date",
     "datetime", "time", "none", "bytes", "any"}
)  # fmt: skip


def _is_tag(part: str) -> bool:
    """Whether a location part is a pydantic tag (a union member, a validator), not a key.

    Keys of rule files are identifiers starting with a lower-case letter, or names present in
    the document (``_doc_path`` checks those first); pydantic tags are scalar type names,
    bracketed schema names and model class names.
    """
    return (
        "[" in part
        or part in _SCALAR_TAGS
        or part[:1].isupper()
        or part.startswith(("function-", "union", "tagged-union", "json-or-python", "lax-or-"))
    )


def _allowed_keys(path: DocPath, data: Any) -> set[str]:
    """The keys the model allows at ``path`` (the mapping that holds an unknown key)."""
    tp: Any = Ruleset
    for part in path:
        tp = _strip_optional(tp)
        if isinstance(part, int):
            tp = _item_type(tp)
            continue
        model = tp if _is_model(tp) else None
        if model is None and typing.get_origin(tp) is not dict:
            model = _unwrap_model(tp)  # a union such as FieldTest | scalar: the mapping form
        if model is None:
            tp = _value_type(tp)
            continue
        fields = model.model_fields
        name = next((n for n, f in fields.items() if (f.alias or n) == part), None)
        if name is None:
            return set()
        tp = fields[name].annotation
    model = _unwrap_model(_strip_optional(tp))
    if model is None:
        return set()
    return {f.alias or n for n, f in model.model_fields.items()}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _unwrap_model(tp: Any) -> Any:
    if _is_model(tp):
        return tp
    for arg in typing.get_args(tp):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    return None


def _item_type(tp: Any) -> Any:
    tp = _strip_optional(tp)
    args = typing.get_args(tp)
    return args[0] if args else None


def _value_type(tp: Any) -> Any:
    tp = _strip_optional(tp)
    args = typing.get_args(tp)
    return args[-1] if args else None


def _strip_optional(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return tp


def _did_you_mean(key: str, allowed: set[str]) -> str:
    match = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


#: Files with this ending are import mappings (a different format), not rule files.
MAPPING_SUFFIX = ".mapping.yaml"


def rule_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Expand files and directories into a file list, in the order given.

    A directory contributes its ``*.yaml``/``*.yml`` files, recursively and sorted, except
    import mappings (``*.mapping.yaml``); a file named explicitly is always kept.
    Raises FileNotFoundError for a path that does not exist.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.rglob("*")
                    if q.suffix in {".yaml", ".yml"}
                    and q.is_file()
                    and not q.name.endswith(MAPPING_SUFFIX)
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    return out
