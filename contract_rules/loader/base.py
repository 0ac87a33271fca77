"""What every part of a load shares: findings (and the cap on them), decoding the text, and the
YAML 1.2 core schema for scalars (with the YAML 1.1 readings that differ reported).

:class:`LoaderBase` holds the state and methods the event loop of :mod:`.reader` builds on.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from ..codes import code
from ..findings import DocPath, Finding, Location, Severity
from .document import LoadedDocument, LoaderLimits

_CR = {key: code(key) for key in (f"CR{n:03d}" for n in range(1, 14))}

_YAML_TAG = "tag:yaml.org,2002:"
_STR = _YAML_TAG + "str"
_INT = _YAML_TAG + "int"
_FLOAT = _YAML_TAG + "float"
_BOOL = _YAML_TAG + "bool"
_NULL = _YAML_TAG + "null"
_MAP = _YAML_TAG + "map"
_SEQ = _YAML_TAG + "seq"

_PLAIN_STYLES: Final = (None, "")  # pure-Python parser says None, libyaml says ''

_MISSING: Final = object()
# YAML 1.2 core schema: the exact spellings of null and booleans.
_CORE_WORDS: Final[dict[str, Any]] = {
    "null": None, "Null": None, "NULL": None, "~": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
}  # fmt: skip
_NULL_WORDS: Final = frozenset(("", "~", "null", "Null", "NULL"))
_YAML11_BOOLS: Final = frozenset(("yes", "no", "on", "off", "y", "n"))
#: First characters of the plain scalars that may resolve to something other than a string.
_SPECIAL_START: Final = frozenset("0123456789+-.~nNtTfFyYoO")
_NUMBER_START: Final = frozenset("0123456789+-.")

_INT_DEC = re.compile(r"[-+]?[0-9]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# YAML 1.1 base-60 integers and floats, as PyYAML's resolver spells them.
_SEXAGESIMAL = re.compile(
    r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
)
# Characters YAML does not allow in a stream: everything outside #x9 #xA #xD #x20-#x7E #x85
# #xA0-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF (PyYAML's and libyaml's readers agree), written as
# the complement so that it compiles fast. Also U+FEFF past the start of the file: libyaml skips
# it at the start of any line and the pure-Python parser reads it as text, so it is refused.
_NON_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)
# Line breaks as the YAML 1.1 parsers count them (so our positions agree with theirs).
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")

#: Path component of the value of a ``<<`` merge key while it is being read. Real paths hold
#: only strings and indexes >= 0, so -1 never clashes; entries under it are dropped at the end.
_MERGE: Final = -1

#: Past this many findings the file is not a rule file worth reading on: the load stops (CR008).
#: Bounds the memory a file of 200,000 ``- yes`` lines could otherwise cost in warnings.
_MAX_FINDINGS: Final = 1_000


class _Fatal(Exception):
    """Stops a load: the finding it carries is final and ``data`` becomes ``None``."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` of ``text``, counting breaks as YAML does."""
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, index):
        line += 1
        start = m.end()
    return line, index - start + 1


def _short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/object`` as ``!!python/object``; other tags unchanged."""
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


def _clean_problem(text: str) -> str:
    """PyYAML's problem text, tidied: one line, no trailing period, first letter lower case."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:]


class LoaderBase:
    """The state of one load that findings and scalars need, and the methods that use it."""

    def __init__(self, doc: LoadedDocument, limits: LoaderLimits) -> None:
        self.doc = doc
        self.limits = limits
        self.source = doc.source
        self.findings = doc.findings
        self.text = ""

    # ---------------------------------------------------------------- findings

    def _finding(
        self,
        key: str,
        line: int,
        column: int,
        path: DocPath,
        message: str,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of code ``key`` at 1-based ``line``/``column`` (clamped to >= 1)."""
        if _MERGE in path:  # the value of a ``<<`` key: show it as such
            path = tuple("<<" if part == _MERGE else part for part in path)
        loc = Location(self.source, max(line, 1), max(column, 1), path)
        return _CR[key].at(loc, message, severity)

    def _report(self, key: str, mark: Any, path: DocPath, message: str) -> None:
        """Add a finding at a PyYAML mark (0-based line and column)."""
        self._add(self._finding(key, mark.line + 1, mark.column + 1, path, message))

    def _add(self, finding: Finding) -> None:
        """Record a non-fatal finding; past ``_MAX_FINDINGS`` of them the load stops (CR008)."""
        if len(self.findings) >= _MAX_FINDINGS:
            loc = finding.location
            raise _Fatal(
                self._finding(
                    "CR008",
                    loc.line,
                    loc.column,
                    loc.path,
                    f"more than {_MAX_FINDINGS} problems in this file; reading stopped here "
                    "(fix the problems above first)",
                )
            )
        self.findings.append(finding)

    def _fatal(self, key: str, mark: Any, path: DocPath, message: str) -> _Fatal:
        """A fatal finding at a PyYAML mark, to be raised."""
        return _Fatal(self._finding(key, mark.line + 1, mark.column + 1, path, message))

    def _decode(self, raw: str | bytes, size: int | None) -> str | None:
        """The text of ``raw`` with a leading BOM removed, or None after a size/encoding finding."""
        limit = self.limits.max_bytes
        if isinstance(raw, str):
            nbytes = len(raw)
            if nbytes <= limit:
                nbytes = len(raw.encode("utf-8", "surrogatepass"))
            if nbytes > limit:
                self.findings.append(
                    self._finding("CR008", 1, 1, (), _size_message(nbytes, limit, exact=True))
                )
                return None
            text = raw[1:] if raw.startswith("\ufeff") else raw
        else:
            data = bytes(raw)
            if len(data) > limit:
                total = len(data) if size is None else size
                message = _size_message(total, limit, exact=total > limit)
                self.findings.append(self._finding("CR008", 1, 1, (), message))
                return None
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                prefix = data[: err.start].decode("utf-8")
                line, col = _line_col(prefix, len(prefix))
                bad = data[err.start]
                hint = ""
                if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    hint = " (this looks like UTF-16; save the file as UTF-8)"
                message = (
                    f"invalid UTF-8: byte 0x{bad:02x} cannot appear here{hint}; "
                    "rule files are UTF-8 text"
                )
                self.findings.append(self._finding("CR009", line, col, (), message))
                return None
        bad_char = _NON_PRINTABLE.search(text)
        if bad_char is not None:
            ch = bad_char.group()
            line, col = _line_col(text, bad_char.start())
            what = "a NUL byte" if ch == "\0" else f"the control character U+{ord(ch):04X}"
            if 0xD800 <= ord(ch) <= 0xDFFF:
                what = f"a lone surrogate U+{ord(ch):04X}"
            message = f"{what} cannot appear in YAML text; is this a binary file?"
            if ch == "\ufeff":
                message = (
                    "a byte order mark (U+FEFF) inside the file; only one at the very start is "
                    "allowed (were two files joined?)"
                )
            self.findings.append(self._finding("CR009", line, col, (), message))
            return None
        return text

    def _check_scalar_size(self, ev: Any, path: DocPath) -> None:
        """Fatal CR008 when the scalar of ``ev`` is longer than ``max_scalar_chars``."""
        if len(ev.value) > self.limits.max_scalar_chars:
            raise self._fatal(
                "CR008",
                ev.start_mark,
                path,
                f"a scalar of {len(ev.value)} characters; the limit is "
                f"{self.limits.max_scalar_chars} (LoaderLimits.max_scalar_chars)",
            )

    def _resolve_plain(self, text: str, mark: Any, path: DocPath) -> Any:
        """A plain scalar by the YAML 1.2 core schema, with YAML 1.1 surprises reported."""
        if text == "":
            return None
        word = _CORE_WORDS.get(text, _MISSING)
        if word is not _MISSING:
            return word
        if len(text) <= 5:
            low = text.lower()
            if low in _YAML11_BOOLS:
                meaning = "true" if low in ("yes", "on", "y") else "false"
                self._warn(
                    "CR003",
                    mark,
                    path,
                    f"{text!r} is read as the string {text!r} (YAML 1.2), but YAML 1.1 tools "
                    f"read it as the boolean {meaning}; write {meaning} for a boolean, "
                    f'or quote it ("{text}") for a string',
                )
                return text
            if low in ("true", "false"):
                self._warn(
                    "CR003",
                    mark,
                    path,
                    f"{text!r} is read as a string: only {low}, {low.capitalize()} and "
                    f"{low.upper()} are booleans; fix the case, or quote it for a string",
                )
                return text
        if text[0] not in _NUMBER_START:
            return text
        if _INT_DEC.fullmatch(text):
            return self._int(text, 10, mark, path)
        if text[0] == "0" and len(text) > 2:
            if _INT_OCT.fullmatch(text):
                return self._int(text[2:], 8, mark, path)
            if _INT_HEX.fullmatch(text):
                return self._int(text[2:], 16, mark, path)
        if _FLOAT_RE.fullmatch(text):
            return self._decimal(text, mark, path)
        if _INF_NAN.fullmatch(text):
            self._bad_number(text, mark, path)
            return text
        if _SEXAGESIMAL.fullmatch(text):
            self._warn(
                "CR004",
                mark,
                path,
                f"{text!r} is read as the string {text!r}, but YAML 1.1 tools read it as a "
                f'base-60 number; quote it ("{text}") to say it is a string',
            )
        return text

    def _warn(self, key: str, mark: Any, path: DocPath, message: str) -> None:
        """A finding of ``key`` at ``mark`` with severity warning (the YAML 1.1 surprises)."""
        self._add(
            self._finding(key, mark.line + 1, mark.column + 1, path, message, Severity.WARNING)
        )

    def _int(self, digits: str, base: int, mark: Any, path: DocPath) -> Any:
        """``int(digits, base)``, or CR012 (and the text) when Python refuses it (too long)."""
        try:
            return int(digits, base)
        except ValueError:
            self._bad_number(digits, mark, path, "has too many digits to convert")
            return digits

    def _decimal(self, text: str, mark: Any, path: DocPath) -> Any:
        """The exact :class:`Decimal` of ``text``, or CR012 (and the text) if it has none."""
        try:
            return Decimal(text)
        except ArithmeticError:  # decimal.InvalidOperation: an exponent out of range
            self._bad_number(text, mark, path, "is out of the range of exact decimals")
            return text

    def _bad_number(
        self, text: str, mark: Any, path: DocPath, why: str = "is not a finite number"
    ) -> None:
        """CR012 for a number that cannot be represented exactly."""
        shown = text if len(text) <= 40 else text[:37] + "..."
        self._report(
            "CR012",
            mark,
            path,
            f"{shown!r} {why}; rule files hold exact numbers only (it is kept as a string)",
        )

    def _tagged_scalar(self, ev: Any, tag: str, path: DocPath) -> Any:
        """A scalar with an explicit tag: the core tags are honoured, others are CR005."""
        text: str = ev.value
        mark = ev.start_mark
        if tag == _STR or tag == "!":
            return text
        if tag == _INT:
            if _INT_DEC.fullmatch(text):
                return self._int(text, 10, mark, path)
            if _INT_OCT.fullmatch(text):
                return self._int(text[2:], 8, mark, path)
            if _INT_HEX.fullmatch(text):
                return self._int(text[2:], 16, mark, path)
            self._bad_number(text, mark, path, "is not an integer (it is tagged !!int)")
            return text
        if tag == _FLOAT:
            if _FLOAT_RE.fullmatch(text):
                return self._decimal(text, mark, path)
            self._bad_number(text, mark, path, "is not a finite number (it is tagged !!float)")
            return text
        if tag == _BOOL and text in ("true", "True", "TRUE", "false", "False", "FALSE"):
            return text in ("true", "True", "TRUE")
        if tag == _NULL and text in _NULL_WORDS:
            return None
        self._refuse_tag(
            tag,
            mark,
            path,
            f"the scalar {text[:40]!r}",
            "the value is read as the string it contains",
        )
        return text

    def _refuse_tag(self, tag: str, mark: Any, path: DocPath, node: str, read_as: str) -> None:
        """CR005 for a tag on ``node`` (its words: ``a mapping``, ``the scalar 'x'``): a core tag
        that does not fit it, or a tag that is not a core one; ``read_as`` says what is kept."""
        if tag in (_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ):
            problem = f"the tag {_short_tag(tag)} does not fit {node}"
        else:
            problem = f"unknown tag {_short_tag(tag)}"
        self._report(
            "CR005",
            mark,
            path,
            f"{problem}; rule files are plain data and take no tags ({read_as})",
        )


def _type_words(value: Any) -> str:
    """How a finding names the type of a non-string key: ``an integer``, ``null``, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, Decimal):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a sequence"
    return "not a string"  # pragma: no cover - every value type is named above


def _size_message(size: int, limit: int, exact: bool) -> str:
    """The CR008 text for a file over ``limit`` bytes."""
    amount = f"{size:,} bytes" if exact else f"more than {limit:,} bytes"
    return (
        f"the file is {amount}; the limit is {limit:,} bytes (LoaderLimits.max_bytes), "
        "so it was not parsed"
    )
