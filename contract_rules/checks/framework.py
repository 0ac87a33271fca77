"""The checks' framework: what every check sees, the registry, and the run over all checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..codes import code as _code
from ..findings import DocPath, Finding, Severity
from ..loader import LoadedDocument
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
