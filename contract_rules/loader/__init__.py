"""A safe YAML loader that keeps the position of every node and reports problems as findings.

Rule files are data. This loader reads them with the *event* API of PyYAML's safe parser (the
libyaml C parser when it is installed, the pure-Python one otherwise) and builds plain Python
values itself, so that:

- no tag can construct anything but ``dict``, ``list``, ``str``, ``int``, ``bool``, ``None``
  and :class:`decimal.Decimal` (every other tag is finding CR005, and nothing is ever called);
- every value and every mapping key keeps its 1-based line and column;
- scalars follow the YAML 1.2 core schema, and the YAML 1.1 readings that differ (``yes``,
  ``1:30``) are reported instead of silently applied;
- limits (file size, nesting, alias expansion, scalar length, node count) are checked while
  parsing, before anything large is built, so hostile input is answered in bounded time and
  memory;
- nothing about the *content* ever raises: every problem is a located :class:`Finding`.

See ``docs/loader-limits.md`` for the limits and every YAML 1.1/1.2 decision.

The package's rooms: :mod:`.document` (the limits and the result), :mod:`.base` (findings,
decoding, scalars by the YAML 1.2 core schema), :mod:`.reader` (the event loop: collections,
merge keys, mapping keys, aliases).
"""

from __future__ import annotations

from .document import DEFAULT_LIMITS, LoadedDocument, LoaderLimits
from .reader import load_yaml, load_yaml_file

__all__ = [
    "DEFAULT_LIMITS",
    "LoadedDocument",
    "LoaderLimits",
    "load_yaml",
    "load_yaml_file",
]
