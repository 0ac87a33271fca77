"""What a load returns and the bounds it keeps: :class:`LoaderLimits`, :class:`LoadedDocument`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Final

from ..findings import DocPath, Finding, Location, Severity


@dataclass(frozen=True)
class LoaderLimits:
    """Bounds on what the loader accepts; exceeding any of them is a located error finding."""

    max_bytes: int = 2_000_000  # size of the file, in bytes of UTF-8
    max_depth: int = 64  # nesting of mappings and sequences (the root collection is level 1)
    max_alias_expansions: int = 1_000  # total nodes produced through aliases (alias bombs)
    max_scalar_chars: int = 100_000  # length of one scalar (or key), in characters
    max_nodes: int = 200_000  # nodes in the document, counting those produced through aliases

    def __post_init__(self) -> None:
        """Refuse limits that cannot be meant: not an integer, or below 1 (0 for aliases)."""
        for f in fields(self):
            value = getattr(self, f.name)
            low = 0 if f.name == "max_alias_expansions" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(
                    f"LoaderLimits.{f.name} must be an integer >= {low}, not {value!r}"
                )


DEFAULT_LIMITS: Final = LoaderLimits()


@dataclass
class LoadedDocument:
    """The result of loading one YAML rule file.

    ``data`` holds plain Python values (``dict[str, Any]``, ``list``, ``str``, ``int``, ``bool``,
    ``None`` and exact :class:`~decimal.Decimal` for floats); it is ``None`` when a fatal problem
    (syntax, encoding, a limit, no document) stopped the load. ``positions`` maps the path of
    every node to the 1-based ``(line, column)`` of its value; ``key_positions`` maps the path of
    every mapping entry to the position of its key. ``findings`` lists every problem, located;
    ``text`` is the text that was read.
    """

    source: str
    data: Any
    positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: the document's text as read (the checks locate places inside a scalar with it)
    text: str = field(default="", repr=False, compare=False)

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Location:
        """The location of ``path`` in this document, always with line and column >= 1.

        With ``key=True`` the position of the entry's key is preferred (useful for "unknown key"
        findings). When ``path`` itself has no position (a missing key, a value dropped by a
        finding), the nearest ancestor that has one is used; the start of the file if none does.
        The returned location carries ``path`` as asked, not the ancestor's.
        """
        wanted: DocPath = tuple(path)
        probe = wanted
        while True:
            pos = (self.key_positions.get(probe) if key else None) or self.positions.get(probe)
            if pos is not None:
                return Location(self.source, pos[0], pos[1], wanted)
            if not probe:
                return Location(self.source, 1, 1, wanted)
            probe = probe[:-1]

    @property
    def ok(self) -> bool:
        """True when no finding has severity error (warnings do not count)."""
        return all(f.severity is not Severity.ERROR for f in self.findings)
