"""The checks' framework: what every check sees, the registry, and the run over all checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..codes import code as _code
from ..findings import DocPath, Finding, Severity
from ..loader import LoadedDocument
from ..logic import Logic, compile_logic
from ..model import FieldSpec, Ruleset


@dataclass
class CheckContext:
    """What every check sees: the ruleset, its document, and lookups built once."""

    ruleset: Ruleset
    doc: LoadedDocument
    parties: frozenset[str] = field(init=False)
    norm_ids: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.parties = frozenset(self.ruleset.contract.parties)
        self.norm_ids = frozenset(n.id for n in self.ruleset.norms)

    def finding(
        self,
        code: str,
        path: DocPath,
        message: str,
        *,
        key: bool = False,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of ``code`` at ``path``: its line and column, or those of its nearest
        ancestor written in the file (a defaulted value has no position of its own).

        ``key=True`` points at the mapping key rather than its value (for unknown names used as
        keys, such as condition fields).
        """
        return _code(code).at(self.doc.locate(path, key=key), message, severity)

    @cached_property
    def logic(self) -> Logic:
        """The ruleset's parameters and expressions, compiled once for every check that reports
        their findings (each its own code)."""
        return compile_logic(self.ruleset, self.doc)

    def logic_findings(self, code: str) -> list[Finding]:
        """The findings of code ``code`` that reading the parameters and compiling the
        expressions gave."""
        return [f for f in self.logic.findings if f.code == code]

    def fields(self, event: str | None) -> dict[str, FieldSpec] | None:
        """The declared fields of event type ``event``; None when the type is unknown."""
        if event is None:
            return None
        et = self.ruleset.events.get(event)
        return None if et is None else dict(et.fields)


#: A check: a context in, findings out. Registered in :data:`CHECKS` under its code.
Check = Callable[[CheckContext], Iterable[Finding]]


CHECKS: dict[str, Check] = {}


def register(code: str) -> Callable[[Check], Check]:
    """Register the decorated function as the check of ``code`` (one check per code); its
    docstring documents the check."""

    def deco(fn: Check) -> Check:
        if code in CHECKS:  # pragma: no cover - programming error
            raise ValueError(f"two checks for {code}")
        CHECKS[code] = fn
        return fn

    return deco


def run_checks(ruleset: Ruleset, doc: LoadedDocument) -> list[Finding]:
    """Every finding of every registered check, sorted by location and code, without repeats.

    ``ruleset`` must be the validated model of ``doc.data``. Never raises for bad content.
    """
    cx = CheckContext(ruleset, doc)
    seen: dict[tuple[Any, ...], Finding] = {}
    for check in CHECKS.values():
        for f in check(cx):
            seen.setdefault((f.location, f.code, f.message), f)
    return sorted(seen.values())


# ------------------------------------------------------------------------------ selection


@dataclass(frozen=True)
class Selection:
    """Which findings a run reports, as linters choose: ``select`` (codes or code prefixes such
    as ``CR3``; empty: every code) minus ``ignore`` (codes or prefixes)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        """Whether findings of ``code`` are reported."""
        chosen = not self.select or code.startswith(self.select)
        return chosen and not (self.ignore and code.startswith(self.ignore))


def selection_problem(items: Iterable[str]) -> str | None:
    """None when every item names a finding code or a prefix of some (``CR1``, ``CR30``); else
    what is wrong with the first that does not, with a "did you mean"."""
    from ..codes import CODES
    from ..suggestions import did_you_mean

    for item in items:
        if not item.startswith("CR") or not any(c.startswith(item) for c in CODES):
            return f"unknown finding code {item!r}{did_you_mean(item, CODES)}"
    return None


_INLINE = re.compile(r"(?:^|\s)#\s*contract-rules:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


def inline_ignores(text: str) -> dict[int, frozenset[str] | None]:
    """The lines (1-based) that a ``# contract-rules: ignore[CR123, CR204]`` comment silences,
    each with its codes (None: every code, for a bare ``# contract-rules: ignore``).

    A comment after content silences its own line; a comment alone on its line silences the
    next line, as linters do.
    """
    out: dict[int, frozenset[str] | None] = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = _INLINE.search(line)
        if m is None:
            continue
        codes = (
            None
            if m.group(1) is None
            else frozenset(c.strip().upper() for c in m.group(1).split(",") if c.strip())
        )
        target = n + 1 if not line[: m.start()].strip() else n
        prior = out.get(target, frozenset())
        out[target] = None if codes is None or prior is None else prior | codes
    return out


def apply_selection(
    findings: Iterable[Finding], selection: Selection, text: str | None = None
) -> tuple[list[Finding], int]:
    """The findings ``selection`` wants and no inline comment of ``text`` (the file's text, if
    known) silences, and how many were left out."""
    silenced = inline_ignores(text) if text else {}
    kept: list[Finding] = []
    dropped = 0
    for f in findings:
        codes = silenced.get(f.location.line, frozenset())
        if not selection.wants(f.code) or codes is None or f.code in codes:
            dropped += 1
        else:
            kept.append(f)
    return kept, dropped
