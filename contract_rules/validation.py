"""Pydantic validation errors → located findings, for any root model.

Rule files (:class:`~contract_rules.model.Ruleset`) and import mappings
(:class:`~contract_rules.mapping.ImportMapping`) are both YAML documents validated by a strict
pydantic model. :func:`pydantic_findings` turns the model's :class:`~pydantic.ValidationError`
into findings located in the document (file:line:column), with one policy for both:

- CR101 an unknown key, with "did you mean" or the keys allowed there;
- CR102 a missing required key, located at the mapping that lacks it;
- CR103 a value of the wrong type; CR104 a value of the right type that is not valid;
- a value that may take several forms (a union) gives one finding listing the accepted forms,
  or only the errors inside its mapping form when it is a mapping.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .codes import code
from .findings import DocPath, Finding
from .loader import LoadedDocument
from .suggestions import did_you_mean

__all__ = ["allowed_keys", "did_you_mean", "pydantic_findings"]


def pydantic_findings(
    exc: ValidationError, doc: LoadedDocument, root: type[BaseModel]
) -> list[Finding]:
    """One located finding per error of ``exc`` (raised validating ``doc.data`` as ``root``).

    Findings are deduplicated (same path, code and message) and in the order of the errors.
    Where a value may take several forms (a condition entry is a mapping of operators or a bare
    value), pydantic reports one error per form: when the value is a mapping or a list with
    errors further down, only those are kept; otherwise the forms merge into one finding that
    lists what would have been accepted (CR103 when every form failed on type, else CR104).
    Unknown keys (CR101) get "did you mean" from the keys ``root`` allows at their place.
    """
    out: dict[tuple[DocPath, str, str], Finding] = {}
    walked = [
        (err, *_walk(err["loc"], doc.data, err["type"])) for err in exc.errors(include_url=False)
    ]
    deeper = {path[:k] for _, path, _ in walked for k in range(len(path))}
    branches: dict[DocPath, list[ErrorDetails]] = {}
    for err, path, tagged in walked:
        if tagged and err["type"] != "extra_forbidden":
            if path in deeper and isinstance(err["input"], dict | list):
                continue  # the mapping form's own errors, further down, say what is wrong
            branches.setdefault(path, []).append(err)
            continue
        finding = _finding_for(err, path, doc, root)
        out.setdefault((path, finding.code, finding.message), finding)
    for path, errs in branches.items():
        if len(errs) == 1:
            finding = _finding_for(errs[0], path, doc, root)
        else:
            all_types = all(_is_type_error(e["type"]) for e in errs)
            forms = list(dict.fromkeys(_form_words(e) for e in errs))
            finding = code("CR103" if all_types else "CR104").at(
                doc.locate(path),
                _with_input(
                    "the value fits none of the accepted forms: " + "; ".join(forms),
                    errs[0]["input"],
                ),
            )
        out.setdefault((path, finding.code, finding.message), finding)
    return list(out.values())


#: How a type error's expected type reads in a list of accepted forms.
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
    """Whether a pydantic error type says the value has the wrong type (``*_type``)."""
    return kind.endswith("_type")


def _form_words(err: ErrorDetails) -> str:
    """What the form that raised ``err`` would have accepted, in words (``a string``)."""
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    return _TYPE_WORDS.get(err["type"]) or msg


def _with_input(msg: str, value: Any) -> str:
    """``msg`` without pydantic's ``Value error,`` prefix, and ``(got <value>)`` for a short
    scalar value."""
    msg = msg.removeprefix("Value error, ")
    if isinstance(value, str | int | bool) and len(str(value)) < 60:
        return f"{msg} (got {value!r})"
    return msg


def _finding_for(
    err: ErrorDetails, path: DocPath, doc: LoadedDocument, root: type[BaseModel]
) -> Finding:
    """The finding for one pydantic error at document ``path``: CR101 unknown key (at the key),
    CR102 missing key (at the mapping's key), CR103 wrong type, CR104 invalid value."""
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else ""
        allowed = allowed_keys(root, path[:-1])
        hint = did_you_mean(key, allowed)
        return code("CR101").at(
            doc.locate(path, key=True),
            f"unknown key {key!r}{hint}"
            + (f"; allowed here: {', '.join(sorted(allowed))}" if allowed and not hint else ""),
        )
    if kind == "missing":
        return code("CR102").at(
            doc.locate(path[:-1], key=True), f"missing required key {path[-1]!r}"
        )
    return code("CR103" if _is_type_error(kind) else "CR104").at(
        doc.locate(path), _with_input(err["msg"], err["input"])
    )


# ------------------------------------------------------------- error locations → document paths

#: Error types whose location ends with a key of a mapping (present or not) of the document.
_KEY_ERRORS = frozenset({"missing", "extra_forbidden"})

#: The names pydantic gives scalar union members and validators in error locations.
_SCALAR_TAGS = frozenset(
    {"str", "int", "bool", "float", "decimal", "list", "dict", "set", "frozenset", "tuple",
     "date", "datetime", "time", "timedelta", "none", "bytes", "any", "uuid", "url"}
)  # fmt: skip


def _is_tag(part: str) -> bool:
    """Whether a location part is a pydantic tag (a union member, a validator), not a key.

    Document keys are identifiers starting with a lower-case letter, or names present in the
    document (:func:`_walk` checks those first); pydantic tags are scalar type names
    (``constrained-str`` for a constrained one), bracketed schema names and model class names.
    """
    return (
        "[" in part
        or part in _SCALAR_TAGS
        or part[:1].isupper()
        or part.startswith(
            ("constrained-", "function-", "union", "tagged-union", "json-or-python", "lax-or-")
        )
    )


def _walk(loc: Sequence[int | str], data: Any, kind: str) -> tuple[DocPath, bool]:
    """The document path of a pydantic error location, and whether a tag was skipped.

    Keys and indexes present in ``data`` are followed (pydantic names a field by its alias or
    its name, whichever the document used, so ``in``/``in_`` need no translation). A part that
    is not in the data is the path's last key when it is the last part of a missing or unknown
    key error, or when it is not a pydantic tag (a key a validator added); any other part is a
    tag of a union member or validator, which is skipped and makes the error one form of
    several (``tagged``).
    """
    out: list[str | int] = []
    tagged = False
    node = data
    last = len(loc) - 1
    for i, part in enumerate(loc):
        if isinstance(node, dict):
            if part in node:
                out.append(str(part))
                node = node[part]
                continue
            if isinstance(part, str) and ((i == last and kind in _KEY_ERRORS) or not _is_tag(part)):
                out.append(part)  # a missing key: the path ends here
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


# ------------------------------------------------------------------- allowed keys of the model


def allowed_keys(root: type[BaseModel], path: DocPath) -> set[str]:
    """The keys (aliases where given) that ``root`` allows in the mapping at document ``path``.

    The path is followed through model fields, list items and mapping values, looking inside
    optional fields, unions and ``Annotated`` types (the first model of a union is used). The
    set is empty when the path does not lead to a model.
    """
    tp: Any = root
    for part in path:
        members = _members(tp)
        if isinstance(part, int):
            lists = [m for m in members if typing.get_origin(m) is list]
            if not lists:
                return set()
            tp = typing.get_args(lists[0])[0]
            continue
        models = _models(members)
        if models:
            fields = models[0].model_fields
            name = next((n for n, f in fields.items() if (f.alias or n) == part), None)
            if name is not None:
                tp = fields[name].annotation
                continue
        dicts = [m for m in members if typing.get_origin(m) is dict]
        if not dicts:
            return set()
        tp = typing.get_args(dicts[0])[1]
    models = _models(_members(tp))
    if not models:
        return set()
    return {f.alias or n for n, f in models[0].model_fields.items()}


def _members(tp: Any) -> list[Any]:
    """``tp`` itself, or for a union or ``Annotated`` type its members, recursively."""
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return [m for a in typing.get_args(tp) for m in _members(a)]
    if origin is Annotated:
        return _members(typing.get_args(tp)[0])
    return [tp]


def _models(members: Iterable[Any]) -> list[type[BaseModel]]:
    """The pydantic model classes among ``members``, in order."""
    return [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
