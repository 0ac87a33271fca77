"""The event loop of a load: PyYAML's safe event stream → plain values with positions; nodes,
collections, merge keys, mapping keys and aliases, each bounded by the limits."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.reader import ReaderError

from ..findings import DocPath, Finding
from .base import (
    _MAP,
    _MERGE,
    _PLAIN_STYLES,
    _SEQ,
    _SPECIAL_START,
    LoaderBase,
    _clean_problem,
    _Fatal,
    _line_col,
    _type_words,
)
from .document import DEFAULT_LIMITS, LoadedDocument, LoaderLimits

#: The parser class: libyaml's when PyYAML was built with it, else the pure-Python one. Both are
#: the *safe* loaders; only their scanner and parser are used (the event stream), never their
#: composer or constructor.
_PARSER: Callable[[str], Any] = (
    getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if getattr(yaml, "__with_libyaml__", False)
    else yaml.SafeLoader
)

# The anchor and tag in front of a node's text (``&a !!map {...}``).
_PROPERTIES = re.compile(r"\A(?:[&!]\S*\s+)*")
_TAB_WORD = re.compile(r"\btab\b|'\\t'")

_LogEntry = tuple[DocPath, tuple[int, int], bool]  # (path, (line, column), is_key)


def load_yaml(
    text: str | bytes, source: str = "<string>", *, limits: LoaderLimits = DEFAULT_LIMITS
) -> LoadedDocument:
    """Load one YAML document from ``text`` (``str``, or ``bytes`` of UTF-8).

    Never raises for any content: every problem becomes a finding located at file:line:column,
    and ``data`` is ``None`` after a fatal one. ``source`` names the file in every location.
    """
    doc = LoadedDocument(source=source, data=None)
    _Loader(doc, limits).run(text)
    return doc


def load_yaml_file(
    path: str | os.PathLike[str], *, limits: LoaderLimits = DEFAULT_LIMITS
) -> LoadedDocument:
    """Load the YAML rule file at ``path``; locations name the file as given.

    I/O problems (missing file, a directory, no permission) raise :class:`OSError`. Everything
    about the content becomes findings, as with :func:`load_yaml`. At most
    ``limits.max_bytes + 1`` bytes are ever read, so a huge file or a device costs nothing.
    """
    name = os.fsdecode(os.fspath(path))
    with open(name, "rb") as fh:
        raw = fh.read(limits.max_bytes + 1)
        # Only the first max_bytes + 1 bytes are read: the size of a file that is too large comes
        # from fstat (-1 when unknown, e.g. a device), for the message.
        size: int | None = None
        if len(raw) > limits.max_bytes:
            size = os.fstat(fh.fileno()).st_size or -1
    doc = LoadedDocument(source=name, data=None)
    _Loader(doc, limits).run(raw, size=size)
    return doc


@dataclass(slots=True)
class _Anchor:
    """What an alias needs from its anchor: the value, its size, and where its text is."""

    value: Any
    path: DocPath
    log_start: int  # entries [log_start, log_end) of the position log belong to the anchor
    log_end: int
    nodes: int  # nodes materialised when the anchor is used once
    height: int  # nesting levels of collections inside (0 for a scalar)
    scalar_text: str | None  # a scalar's text, for its use as a key (None for collections)
    start: int  # character index range of a collection in the text, for its use as a key
    end: int


class _Frame:
    """An open mapping or sequence while its events are read."""

    __slots__ = (
        "anchor",
        "bad_tag",
        "discard",
        "first_lines",
        "height",
        "is_key",
        "is_map",
        "items",
        "key",
        "log_start",
        "mark",
        "merge",
        "merge_log_start",
        "merged_once",
        "merging",
        "node_start",
        "path",
        "value_discard",
        "want_key",
    )

    def __init__(self, is_map: bool, path: DocPath, discard: bool, is_key: bool, mark: Any) -> None:
        self.is_map = is_map
        self.path = path
        self.discard = discard  # no positions are recorded under a discarded node
        self.is_key = is_key  # this collection is a mapping key (``? [a, b]``)
        self.mark = mark
        self.bad_tag = False
        self.anchor: str | None = None
        self.log_start = 0
        self.node_start = 0
        self.height = 0  # the largest height of a child so far
        self.items: Any = {} if is_map else []
        # mapping state
        self.want_key = True
        self.key = ""
        self.value_discard = False  # the current entry is a duplicate: read, then drop, the value
        self.merging = False  # the current entry is ``<<``
        self.merged_once = False
        self.merge_log_start = 0
        self.merge: tuple[int, int, list[tuple[dict[str, Any], DocPath]]] | None = None
        self.first_lines: dict[str, int] = {}


def _deep_copy(value: Any) -> Any:
    """A copy of nested dicts and lists (iterative: no recursion limit); leaves are shared."""
    if type(value) is dict:
        root: Any = dict(value)
    elif type(value) is list:
        root = list(value)
    else:
        return value
    todo = [root]
    while todo:
        container = todo.pop()
        pairs = container.items() if type(container) is dict else enumerate(container)
        for k, v in pairs:
            if type(v) is dict or type(v) is list:
                v = dict(v) if type(v) is dict else list(v)
                container[k] = v
                todo.append(v)
    return root


class _Loader(LoaderBase):
    """One load: reads events, builds values, records positions and findings."""

    def __init__(self, doc: LoadedDocument, limits: LoaderLimits) -> None:
        super().__init__(doc, limits)
        self.log: list[_LogEntry] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: dict[str, int] = {}
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.alias_nodes = 0
        self.any_merge = False
        self.root: Any = None

    # ---------------------------------------------------------------- entry point

    def run(self, raw: str | bytes, *, size: int | None = None) -> None:
        """Decode, check and parse ``raw`` into ``doc``; never raises for any content.

        ``size`` is the real size of a file that was read only in part (-1: unknown).
        """
        try:
            text = self._decode(raw, size)
            if text is None:
                return
            self.text = self.doc.text = text
            self.doc.data = self._parse(text)
            self._publish_positions()
        except _Fatal as stop:
            self.doc.data = None
            self.doc.positions.clear()
            self.doc.key_positions.clear()
            self.findings.append(stop.finding)
        except Exception as exc:  # safety net: content must never raise out of the loader
            self.doc.data = None
            self.doc.positions.clear()
            self.doc.key_positions.clear()
            detail = f"{type(exc).__name__}: {exc}"[:200]
            self.findings.append(
                self._finding("CR001", 1, 1, (), f"internal loader error ({detail}); please report")
            )

    # ---------------------------------------------------------------- the event loop

    def _parse(self, text: str) -> Any:
        """Read the single document of ``text``; None (with findings) when there is none."""
        parser = _PARSER(text)
        try:
            return self._read_stream(parser)
        except yaml.MarkedYAMLError as err:
            raise _Fatal(self._syntax_finding(err)) from None
        except ReaderError as err:
            line, col = _line_col(text, min(max(err.position, 0), len(text)))
            message = f"{err.reason}: the text is not valid YAML input"
            raise _Fatal(self._finding("CR009", line, col, (), message)) from None
        except yaml.YAMLError as err:
            message = _clean_problem(str(err)) or "the file is not well-formed YAML"
            raise _Fatal(self._finding("CR001", 1, 1, (), message)) from None
        except RecursionError:  # pragma: no cover - the loop is iterative; kept as a net
            raise _Fatal(
                self._finding("CR007", 1, 1, (), "the document nests too deeply to read")
            ) from None
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()

    def _syntax_finding(self, err: yaml.MarkedYAMLError) -> Finding:
        """CR001 for a PyYAML scanner/parser error, at its problem mark, with readable text."""
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else 1
        problem = _clean_problem(err.problem or "the file is not well-formed YAML")
        if mark is not None and (
            _TAB_WORD.search(problem) or self.text[mark.index : mark.index + 1] == "\t"
        ):
            problem = "a tab character where YAML allows only spaces (indent with spaces)"
        message = problem
        if err.context:
            context = _clean_problem(err.context)
            cm = err.context_mark
            if cm is not None and (cm.line, cm.column) != (line - 1, col - 1):
                context += f" started at line {cm.line + 1}, column {cm.column + 1}"
            message += f" ({context})"
        if "maximum nesting depth" in problem:
            # libyaml >= 0.2.5 stops at its own depth limit before ours is reached.
            return self._finding("CR007", line, col, (), f"nesting too deep: {message}")
        return self._finding("CR001", line, col, (), message)

    def _read_stream(self, parser: Any) -> Any:
        """Stream -> one document. CR010 if there is none, CR013 if another one follows."""
        parser.get_event()  # StreamStartEvent
        if parser.check_event(StreamEndEvent):
            self.findings.append(
                self._finding("CR010", 1, 1, (), "the file holds no YAML document")
            )
            return None
        parser.get_event()  # DocumentStartEvent
        value, empty = self._read_document(parser)
        parser.get_event()  # DocumentEndEvent
        if empty:
            self.findings.append(
                self._finding(
                    "CR010", 1, 1, (), "the document is empty: it holds only comments or '---'"
                )
            )
        if parser.check_event(DocumentStartEvent):
            ev = parser.peek_event()
            self._report(
                "CR013",
                ev.start_mark,
                (),
                "a second YAML document starts here; a rule file holds exactly one "
                "(remove the extra '---'); only the first document is read",
            )
        return value

    def _read_document(self, parser: Any) -> tuple[Any, bool]:
        """The root value of the current document, and whether the document was empty."""
        get_event = parser.get_event
        stack = self.stack
        first = True
        while True:
            ev = get_event()
            cls = type(ev)
            top = stack[-1] if stack else None
            if cls is ScalarEvent:
                if (
                    first
                    and ev.value == ""
                    and ev.tag is None
                    and ev.anchor is None
                    and (ev.style in _PLAIN_STYLES)
                ):
                    return None, True
                self._count(1, ev.start_mark)
                if top is not None and top.is_map and top.want_key:
                    self._scalar_key(top, ev)
                    continue
                path, discard = self._child(top)
                value = self._scalar(ev, path, discard)
                if self._deliver(top, value, 0, ev.start_mark):
                    return self.root, False
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                self._push(ev, top, cls is MappingStartEvent)
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                frame = stack.pop()
                if self._pop(frame, ev, stack[-1] if stack else None):
                    return self.root, False
            elif cls is AliasEvent:
                if self._alias(ev, top):
                    return self.root, False
            else:  # pragma: no cover - the parser only yields the events above inside a document
                raise yaml.YAMLError(f"unexpected {cls.__name__}")
            first = False

    # ---------------------------------------------------------------- nodes

    def _count(self, n: int, mark: Any) -> None:
        """Count ``n`` more nodes; fatal CR008 beyond ``max_nodes``."""
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            raise self._fatal(
                "CR008",
                mark,
                (),
                f"the document has more than {self.limits.max_nodes} nodes "
                "(LoaderLimits.max_nodes)",
            )

    def _child(self, top: _Frame | None) -> tuple[DocPath, bool]:
        """Path of the next value in ``top``, and whether its positions are discarded."""
        if top is None:
            return (), False
        if not top.is_map:
            return (*top.path, len(top.items)), top.discard
        if top.merging:
            return (*top.path, _MERGE), top.discard
        return (*top.path, top.key), top.discard or top.value_discard

    def _log_value(self, path: DocPath, mark: Any) -> None:
        """Record the position of the value at ``path``."""
        self.log.append((path, (mark.line + 1, mark.column + 1), False))

    def _scalar(self, ev: Any, path: DocPath, discard: bool) -> Any:
        """The value of a scalar event; records its position (and anchor) unless discarded."""
        self._check_scalar_size(ev, path)
        tag = ev.tag
        if tag is None:
            value = ev.value
            if ev.style in _PLAIN_STYLES and (value == "" or value[0] in _SPECIAL_START):
                value = self._resolve_plain(value, ev.start_mark, path)
        else:
            value = self._tagged_scalar(ev, tag, path)
        log_start = len(self.log)
        if not discard:
            self._log_value(path, ev.start_mark)
        if ev.anchor is not None:
            self._add_scalar_anchor(ev, value, path, log_start)
        return value

    def _add_scalar_anchor(self, ev: Any, value: Any, path: DocPath, log_start: int) -> None:
        """Remember the anchor of scalar event ``ev`` (a redefinition replaces an anchor)."""
        self.anchors[ev.anchor] = _Anchor(
            value, path, log_start, len(self.log), 1, 0, ev.value, 0, 0
        )

    def _collection_text(self, start_mark: Any, end_mark: Any) -> str:
        """The source text of a collection, without its anchor and tag: its form as a key."""
        text = self.text[start_mark.index : end_mark.index]
        return _PROPERTIES.sub("", text, count=1).strip()

    # ---------------------------------------------------------------- collections

    def _push(self, ev: Any, top: _Frame | None, is_map: bool) -> None:
        """Open a mapping or sequence (depth limit, tag check, position, anchor)."""
        mark = ev.start_mark
        node_start = self.nodes
        self._count(1, mark)
        is_key = top is not None and top.is_map and top.want_key
        if is_key:
            assert top is not None
            path, discard = top.path, True
        else:
            path, discard = self._child(top)
        if len(self.stack) + 1 > self.limits.max_depth:
            raise self._fatal(
                "CR007",
                mark,
                path,
                f"nesting deeper than {self.limits.max_depth} levels (LoaderLimits.max_depth)",
            )
        frame = _Frame(is_map, path, discard, is_key, mark)
        frame.node_start = node_start
        frame.log_start = len(self.log)
        tag = ev.tag
        if tag is not None and tag != "!" and tag != (_MAP if is_map else _SEQ):
            kind = "mapping" if is_map else "sequence"
            self._refuse_tag(tag, mark, path, f"a {kind}", f"this {kind} is read as null")
            frame.bad_tag = True
        if not discard:
            self._log_value(path, mark)
        if frame.bad_tag:
            frame.discard = True
        if ev.anchor is not None:
            frame.anchor = ev.anchor
            self.open_anchors[ev.anchor] = self.open_anchors.get(ev.anchor, 0) + 1
        self.stack.append(frame)

    def _pop(self, frame: _Frame, ev: Any, top: _Frame | None) -> bool:
        """Close ``frame`` and hand its value to ``top``; True when it was the root."""
        value: Any = None
        if not frame.bad_tag:
            value = self._finish_mapping(frame) if frame.is_map else frame.items
        height = frame.height + 1
        if frame.anchor is not None:
            name = frame.anchor
            left = self.open_anchors[name] - 1
            if left:
                self.open_anchors[name] = left
            else:
                del self.open_anchors[name]
            self.anchors[name] = _Anchor(
                value,
                frame.path,
                frame.log_start,
                len(self.log),
                self.nodes - frame.node_start,
                height,
                None,
                frame.mark.index,
                ev.end_mark.index,
            )
        if frame.is_key:
            assert top is not None
            key_text = self._collection_text(frame.mark, ev.end_mark)
            kind = "mapping" if frame.is_map else "sequence"
            self._set_key(top, key_text, frame.mark, f"a {kind}")
            return False
        return self._deliver(top, value, height, frame.mark)

    def _finish_mapping(self, frame: _Frame) -> dict[str, Any]:
        """The mapping's dict, with ``<<`` merges applied (explicit keys win, then earlier
        merge sources); positions of merged entries are copied from where they are written."""
        items: dict[str, Any] = frame.items
        if frame.merge is None:
            return items
        log_start, log_end, sources = frame.merge
        merged: dict[str, Any] = {}
        taken: dict[DocPath, set[str]] = {}
        for source, base in sources:
            for k, v in source.items():
                if k not in items and k not in merged:
                    merged[k] = v
                    taken.setdefault(base, set()).add(k)
        if not frame.discard and taken:
            base_len = len(next(iter(sources))[1])
            log = self.log
            prefix = frame.path
            for p, pos, is_key in log[log_start:log_end]:
                if len(p) > base_len and p[base_len] in taken.get(p[:base_len], ()):
                    log.append(((*prefix, *p[base_len:]), pos, is_key))
        merged.update(items)
        return merged

    def _deliver(self, top: _Frame | None, value: Any, height: int, mark: Any) -> bool:
        """Put a finished value into its parent; True when it is the document root."""
        if top is None:
            self.root = value
            return True
        if height > top.height:
            top.height = height
        if not top.is_map:
            top.items.append(value)
            return False
        if top.merging:
            self._add_merge(top, value, mark)
        elif not top.value_discard:
            top.items[top.key] = value
        top.want_key = True
        top.merging = False
        top.value_discard = False
        return False

    def _add_merge(self, top: _Frame, value: Any, mark: Any) -> None:
        """Record the value of ``<<``: a mapping, or a sequence of mappings, to merge in."""
        base: DocPath = (*top.path, _MERGE)
        sources: list[tuple[dict[str, Any], DocPath]]
        if isinstance(value, dict):
            sources = [(value, base)]
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            sources = [(v, (*base, i)) for i, v in enumerate(value)]
        else:
            self._report(
                "CR001",
                mark,
                top.path,
                "the merge key << takes a mapping or a list of mappings (e.g. *defaults); "
                "this merge is ignored",
            )
            return
        if sources:
            top.merge = (top.merge_log_start, len(self.log), sources)
            self.any_merge = True

    # ---------------------------------------------------------------- keys

    def _scalar_key(self, top: _Frame, ev: Any) -> None:
        """A scalar that is a mapping key: ``<<`` starts a merge, others name an entry."""
        text: str = ev.value
        self._check_scalar_size(ev, top.path)
        if text == "<<" and ev.tag is None and ev.style in _PLAIN_STYLES:
            if top.merged_once:
                self._report(
                    "CR002",
                    ev.start_mark,
                    top.path,
                    "a second merge key << in this mapping; list the sources in one merge "
                    "(<<: [*a, *b]); this one is ignored",
                )
                top.key = "<<"
                top.value_discard = True
            else:
                top.merged_once = True
                top.merging = True
                top.merge_log_start = len(self.log)
            top.want_key = False
            return
        path: DocPath = (*top.path, text)
        if ev.tag is None:
            value: Any = text
            if ev.style in _PLAIN_STYLES:
                value = self._resolve_plain(text, ev.start_mark, path)
        else:
            value = self._tagged_scalar(ev, ev.tag, path)
        if ev.anchor is not None:
            self._add_scalar_anchor(ev, value, (), len(self.log))
        if isinstance(value, str):
            self._set_key(top, value, ev.start_mark, None)
        else:
            self._set_key(top, text, ev.start_mark, _type_words(value))

    def _set_key(self, top: _Frame, key: str, mark: Any, non_string: str | None) -> None:
        """Start the entry ``key`` of ``top``: CR011 for a non-string key, CR002 for a repeat."""
        path: DocPath = (*top.path, key)
        if non_string is not None:
            self._report(
                "CR011",
                mark,
                path,
                f"this key is {non_string}, not a string; it is read as the string {key!r} "
                "(quote it to say so)",
            )
        first = top.first_lines.get(key)
        if first is not None:
            self._report(
                "CR002",
                mark,
                path,
                f"duplicate key {key!r}: it is already defined at line {first}; the first "
                "value is kept and this one is ignored",
            )
            top.value_discard = True
        else:
            top.first_lines[key] = mark.line + 1
            if not top.discard:
                self.log.append((path, (mark.line + 1, mark.column + 1), True))
        top.key = key
        top.want_key = False

    # ---------------------------------------------------------------- aliases

    def _alias(self, ev: Any, top: _Frame | None) -> bool:
        """An alias: a bounded, deep copy of its anchor's value (with positions); True at root."""
        name: str = ev.anchor
        mark = ev.start_mark
        is_key = top is not None and top.is_map and top.want_key
        path, discard = (top.path, True) if is_key and top is not None else self._child(top)
        anchor = None
        if name in self.open_anchors:
            self._report(
                "CR006",
                mark,
                path,
                f"the alias *{name} refers to a node that contains it (an endless expansion); "
                "it is read as null",
            )
        else:
            anchor = self.anchors.get(name)
            if anchor is None:
                self._report(
                    "CR001", mark, path, f"the alias *{name} has no anchor &{name} before it"
                )
        value: Any = None
        height = 0
        if anchor is not None:
            self.alias_nodes += anchor.nodes
            if self.alias_nodes > self.limits.max_alias_expansions:
                raise self._fatal(
                    "CR006",
                    mark,
                    path,
                    f"aliases expand to more than {self.limits.max_alias_expansions} nodes "
                    f"(at *{name}; LoaderLimits.max_alias_expansions); is this an alias bomb?",
                )
            self._count(anchor.nodes, mark)
            height = anchor.height
            if len(self.stack) + height > self.limits.max_depth:
                raise self._fatal(
                    "CR007",
                    mark,
                    path,
                    f"the alias *{name} nests deeper than {self.limits.max_depth} levels "
                    "(LoaderLimits.max_depth)",
                )
            value = _deep_copy(anchor.value)
        if is_key:
            assert top is not None
            if isinstance(value, str):
                self._set_key(top, value, mark, None)
            else:
                if anchor is None:  # already reported; name the entry after the alias
                    self._set_key(top, "*" + name, mark, None)
                else:
                    form = anchor.scalar_text
                    if form is None:
                        form = self.text[anchor.start : anchor.end]
                        form = _PROPERTIES.sub("", form, count=1).strip()
                    self._set_key(top, form, mark, _type_words(value))
            return False
        if not discard:
            self._log_value(path, mark)
            if anchor is not None and anchor.log_end > anchor.log_start:
                n = len(anchor.path)
                log = self.log
                for p, pos, is_key_entry in log[anchor.log_start : anchor.log_end]:
                    if len(p) > n or is_key_entry:
                        log.append(((*path, *p[n:]), pos, is_key_entry))
        return self._deliver(top, value, height, mark)

    # ---------------------------------------------------------------- results

    def _publish_positions(self) -> None:
        """Fill ``positions`` and ``key_positions`` from the position log."""
        positions = self.doc.positions
        key_positions = self.doc.key_positions
        skip_merge = self.any_merge
        for p, pos, is_key in self.log:
            if skip_merge and _MERGE in p:
                continue
            if is_key:
                key_positions[p] = pos
            else:
                positions[p] = pos
