"""Reading an expression: tokens, a parse tree whose every node knows its place in the text, the
limits that keep hostile input cheap, and the mapping from a place in the text to line:column of
the rule file.

The parser is a recursive descent over a bounded token list: the text is at most
``Limits.max_length`` characters and every node's height is checked as it is built, so neither
the parser nor the checker and evaluator that walk the tree can recurse deeper than
``Limits.max_depth``. Nothing here evaluates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from .types import CTX

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Node",
    "ParseProblem",
    "ScalarPlace",
    "Token",
    "parse",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on one expression; exceeding any is finding CR404 (expression-limit)."""

    max_length: int = 2_000  # characters of the expression's text
    max_depth: int = 32  # height of the parse tree (nesting, and operations in one chain)
    max_integer_digits: int = 15  # digits before the point of a number written in the text
    max_fraction_digits: int = 10  # digits after the point of a number written in the text
    max_unit_count: int = 100_000  # n in "n days", "n working days", ... written in the text


DEFAULT_LIMITS: Final = Limits()


class ParseProblem(Exception):
    """A problem found while reading: a code key (``syntax`` or ``limit``), a message and the
    offsets ``[start, end)`` inside the expression."""

    def __init__(self, kind: str, message: str, start: int, end: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.start = start
        self.end = start + 1 if end is None else end


@dataclass(frozen=True)
class Token:
    """One token: its kind (``num``, ``str``, ``name``, ``op``, ``end``), text and offsets."""

    kind: str
    text: str
    start: int
    end: int


KEYWORDS: Final = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "if",
        "then",
        "else",
        "for",
        "true",
        "false",
        "at",
        "least",
        "most",
        "otherwise",
    }
)

UNITS: Final = {
    "day": "days",
    "days": "days",
    "hour": "hours",
    "hours": "hours",
    "minute": "minutes",
    "minutes": "minutes",
    "second": "seconds",
    "seconds": "seconds",
    "week": "weeks",
    "weeks": "weeks",
}

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<num>[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<str>'[^'\n]*'|"[^"\n]*")
  | (?P<op>\*\*|->|==|!=|<=|>=|[-+*/()\[\],.<>%→×÷−≤≥≠])
    """,
    re.VERBOSE,
)

_OP_ALIASES: Final = {"→": "->", "×": "*", "÷": "/", "−": "-", "≤": "<=", "≥": ">=", "≠": "!="}


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token. Raises :class:`ParseProblem`."""
    out: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "'\"":
                raise ParseProblem("syntax", "a text literal is not closed on its line", pos)
            hint = ""
            if ch == "=":
                hint = " (compare with ==)"
            elif ch in "&|!":
                hint = " (write and, or, not)"
            raise ParseProblem("syntax", f"unexpected character {ch!r}{hint}", pos)
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            tok = m.group()
            out.append(Token(kind, _OP_ALIASES.get(tok, tok), pos, m.end()))
        pos = m.end()
    out.append(Token("end", "", n, n))
    return out


# --------------------------------------------------------------------------- the tree


@dataclass(eq=False)
class Node:
    """A node of the parse tree. ``op`` says what it is:

    ``num`` (value: Decimal, percent: bool), ``str`` (value: str), ``bool`` (value: bool),
    ``name`` (value: the dotted name), ``neg`` (args: x), ``not`` (x), ``+ - * /`` (l, r),
    ``== != < <= > >=`` (l, r), ``and or`` (l, r), ``in`` (x, items...; value: True when
    negated), ``if`` (c, a, b), ``unit`` (x; value: unit name), ``call`` (value: function name;
    args), ``agg`` (value: function; args: body, [condition]; var: the bound name; coll: the
    collection's name node), ``tier`` (args: x, threshold, result, ...; rows: row kinds;
    otherwise: the last result).
    """

    op: str
    start: int
    end: int
    args: list[Node] = field(default_factory=list)
    value: object = None
    var: str = ""
    coll: Node | None = None
    rows: list[str] = field(default_factory=list)
    percent: bool = False
    at: int = -1  # offset of the operator token of a binary node
    height: int = 1


# --------------------------------------------------------------------------- the parser

_COMPARE: Final = frozenset({"==", "!=", "<", "<=", ">", ">="})


class _Parser:
    def __init__(self, text: str, limits: Limits) -> None:
        self.text = text
        self.limits = limits
        self.toks = tokenize(text)
        self.i = 0

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def is_(self, text: str) -> bool:
        t = self.tok
        return t.kind in ("op", "name") and t.text == text

    def take(self) -> Token:
        t = self.tok
        if t.kind != "end":
            self.i += 1
        return t

    def expect(self, text: str, what: str) -> Token:
        if not self.is_(text):
            self.fail_here(f"expected {what}")
        return self.take()

    def fail_here(self, message: str) -> None:
        t = self.tok
        if t.kind == "end":
            raise ParseProblem("syntax", f"{message}, but the expression ends", t.start)
        raise ParseProblem("syntax", f"{message}, found {t.text!r}", t.start, t.end)

    def node(self, op: str, start: int, end: int, *args: Node, **kw: object) -> Node:
        height = 1 + max((a.height for a in args), default=0)
        coll = kw.get("coll")
        if isinstance(coll, Node):
            height = max(height, 1 + coll.height)
        if height > self.limits.max_depth:
            at = kw.get("at")
            raise ParseProblem(
                "limit",
                f"the expression nests deeper than {self.limits.max_depth} levels "
                "(split it into named parts)",
                at if isinstance(at, int) else start,
                end,
            )
        n = Node(op, start, end, list(args), height=height)
        for k, v in kw.items():
            setattr(n, k, v)
        return n

    # -- grammar
    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ParseProblem("syntax", "the expression is empty", 0)
        root = self.expr(0)
        if self.tok.kind != "end":
            t = self.tok
            if t.text == "**":
                self.power(t)
            if t.text in _COMPARE:
                raise ParseProblem(
                    "syntax",
                    f"comparisons do not chain: write 'a {t.text} b and b ...' instead",
                    t.start,
                    t.end,
                )
            self.fail_here("expected an operator or the end of the expression")
        return root

    def power(self, t: Token) -> None:
        raise ParseProblem(
            "syntax",
            "there is no power operator '**' (amounts grow by multiplication with rates)",
            t.start,
            t.end,
        )

    def enter(self, depth: int) -> int:
        # each nesting level costs a handful of Python frames: bound it before recursing
        if depth >= self.limits.max_depth:
            t = self.tok
            raise ParseProblem(
                "limit",
                f"the expression nests deeper than {self.limits.max_depth} levels "
                "(split it into named parts)",
                t.start,
                t.end,
            )
        return depth + 1

    def expr(self, depth: int) -> Node:
        depth = self.enter(depth)
        if self.is_("if"):
            start = self.take().start
            c = self.expr(depth)
            self.expect("then", "'then' after the condition of 'if'")
            a = self.expr(depth)
            self.expect("else", "'else': an 'if' always says what it is otherwise")
            b = self.expr(depth)
            return self.node("if", start, b.end, c, a, b)
        return self.or_(depth)

    def or_(self, depth: int) -> Node:
        left = self.and_(depth)
        while self.is_("or"):
            at = self.take().start
            right = self.and_(depth)
            left = self.node("or", left.start, right.end, left, right, at=at)
        return left

    def and_(self, depth: int) -> Node:
        left = self.not_(depth)
        while self.is_("and"):
            at = self.take().start
            right = self.not_(depth)
            left = self.node("and", left.start, right.end, left, right, at=at)
        return left

    def not_(self, depth: int) -> Node:
        if self.is_("not"):
            depth = self.enter(depth)
            start = self.take().start
            x = self.not_(depth)
            return self.node("not", start, x.end, x)
        return self.comparison(depth)

    def comparison(self, depth: int) -> Node:
        left = self.additive(depth)
        t = self.tok
        if t.kind == "op" and t.text in _COMPARE:
            self.take()
            right = self.additive(depth)
            return self.node(t.text, left.start, right.end, left, right, at=t.start)
        negated = False
        if self.is_("not") and self.peek().text == "in":
            self.take()
            negated = True
        if self.is_("in"):
            at = self.take().start
            self.expect("[", "'[' to open the list after 'in'")
            items = [self.additive(depth)]
            while self.is_(","):
                self.take()
                items.append(self.additive(depth))
            end = self.expect("]", "',' or ']' in the list after 'in'").end
            return self.node("in", left.start, end, left, *items, value=negated, at=at)
        return left

    def additive(self, depth: int) -> Node:
        left = self.term(depth)
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.take()
            right = self.term(depth)
            left = self.node(op.text, left.start, right.end, left, right, at=op.start)
        return left

    def term(self, depth: int) -> Node:
        left = self.unary(depth)
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "**", "%"):
            t = self.tok
            if t.text == "**":
                self.power(t)
            if t.text == "%":
                raise ParseProblem(
                    "syntax",
                    "'%' only marks a percentage after a number written in the text (0.5%); "
                    "there is no remainder operator",
                    t.start,
                    t.end,
                )
            self.take()
            right = self.unary(depth)
            left = self.node(t.text, left.start, right.end, left, right, at=t.start)
        return left

    def unary(self, depth: int) -> Node:
        if self.tok.kind == "op" and self.tok.text in ("-", "+"):
            depth = self.enter(depth)
            t = self.take()
            x = self.unary(depth)
            return x if t.text == "+" else self.node("neg", t.start, x.end, x)
        return self.postfix(depth)

    def postfix(self, depth: int) -> Node:
        x = self.primary(depth)
        t = self.tok
        if t.kind == "name":
            if t.text == "working" and self.peek().text in ("day", "days", "hour", "hours"):
                self.take()
                u = self.take()
                unit = "working_" + UNITS[u.text]
                return self.node("unit", x.start, u.end, x, value=unit, at=t.start)
            if t.text in UNITS:
                self.take()
                return self.node("unit", x.start, t.end, x, value=UNITS[t.text], at=t.start)
        return x

    def number(self, t: Token) -> Node:
        whole, _, frac = t.text.partition(".")
        lim = self.limits
        digits = whole.lstrip("0")
        if len(digits) > lim.max_integer_digits or len(frac) > lim.max_fraction_digits:
            raise ParseProblem(
                "limit",
                f"the number {t.text[:30]}{'...' if len(t.text) > 30 else ''} is too large or too "
                f"precise (at most {lim.max_integer_digits} digits before the point and "
                f"{lim.max_fraction_digits} after)",
                t.start,
                t.end,
            )
        value = Decimal(t.text)
        if self.is_("%"):
            end = self.take().end
            return self.node("num", t.start, end, value=value.scaleb(-2, CTX), percent=True)
        return self.node("num", t.start, t.end, value=value)

    def primary(self, depth: int) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            return self.number(t)
        if t.kind == "str":
            self.take()
            return self.node("str", t.start, t.end, value=t.text[1:-1])
        if t.kind == "op" and t.text == "(":
            self.take()
            inner = self.expr(depth)
            end = self.expect(")", "')' to close '('").end
            inner.start, inner.end = t.start, end
            return inner
        if t.kind == "name":
            if t.text in ("true", "false"):
                self.take()
                return self.node("bool", t.start, t.end, value=t.text == "true")
            if t.text in KEYWORDS:
                self.fail_here("expected a value")
            self.take()
            if self.is_("("):
                return self.call(t, depth)
            return self.dotted(t)
        self.fail_here("expected a value")
        raise AssertionError("unreachable")

    def dotted(self, first: Token) -> Node:
        name, end = first.text, first.end
        while self.is_(".") and self.peek().kind == "name":
            self.take()
            part = self.take()
            name += "." + part.text
            end = part.end
        return self.node("name", first.start, end, value=name)

    def call(self, fn: Token, depth: int) -> Node:
        depth = self.enter(depth)
        self.take()  # (
        if fn.text == "tier":
            return self.tier(fn, depth)
        args: list[Node] = []
        if not self.is_(")"):
            args.append(self.expr(depth))
            if self.is_("for"):
                return self.comprehension(fn, args[0], depth)
            while self.is_(","):
                self.take()
                args.append(self.expr(depth))
        end = self.expect(")", f"',' or ')' in the arguments of {fn.text}()").end
        return self.node("call", fn.start, end, *args, value=fn.text)

    def comprehension(self, fn: Token, body: Node, depth: int) -> Node:
        self.take()  # for
        var = self.tok
        if var.kind != "name" or var.text in KEYWORDS:
            self.fail_here("expected a name after 'for'")
        self.take()
        self.expect("in", "'in' after the name in 'for NAME in EVENTS'")
        first = self.tok
        if first.kind != "name":
            self.fail_here("expected the name of a list of events after 'in'")
        self.take()
        coll = self.dotted(first)
        args = [body]
        if self.is_("if"):
            self.take()
            args.append(self.expr(depth))
        end = self.expect(")", f"')' to close {fn.text}(...)").end
        return self.node("agg", fn.start, end, *args, value=fn.text, var=var.text, coll=coll)

    def tier(self, fn: Token, depth: int) -> Node:
        x = self.expr(depth)
        args, rows = [x], []
        otherwise: Node | None = None
        while self.is_(","):
            self.take()
            if self.is_("otherwise"):
                self.take()
                self.expect("->", "'->' after 'otherwise'")
                otherwise = self.expr(depth)
                break
            if not (self.is_("at") and self.peek().text in ("least", "most")):
                self.fail_here("expected a row 'at least T -> R', 'at most T -> R' or 'otherwise'")
            self.take()
            rows.append(self.take().text)
            threshold = self.expr(depth)
            self.expect("->", "'->' between a threshold and its result")
            result = self.expr(depth)
            args += [threshold, result]
        if otherwise is None:
            self.fail_here("a tier table ends with 'otherwise -> R' (what applies below the rows)")
            raise AssertionError("unreachable")
        if not rows:
            raise ParseProblem("syntax", "a tier table needs at least one row", fn.start, fn.end)
        end = self.expect(")", "')' after the 'otherwise' row of tier()").end
        args.append(otherwise)
        return self.node("tier", fn.start, end, *args, rows=rows)


def parse(text: str, limits: Limits = DEFAULT_LIMITS) -> Node:
    """The parse tree of ``text``. Raises :class:`ParseProblem` (with offsets) for any problem."""
    if len(text) > limits.max_length:
        raise ParseProblem(
            "limit",
            f"the expression is {len(text):,} characters long; the limit is "
            f"{limits.max_length:,} (split it into named parts)",
            limits.max_length,
        )
    return _Parser(text, limits).parse()


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class ScalarPlace:
    """Where an expression's text sits in a rule file, to locate an offset inside it.

    ``line`` and ``column`` are the 1-based position of the YAML scalar (where the loader puts a
    value: at its opening quote or block indicator if it has one). With ``source`` (the whole
    file's text) every offset is mapped through the scalar as written: quotes, escapes, folded
    lines and block indentation. Without it the scalar is taken as plain text on one line.
    """

    file: str = "<string>"
    line: int = 1
    column: int = 1
    source: str | None = None

    def position(self, value: str, offset: int) -> tuple[int, int]:
        """The (line, column) of character ``offset`` of ``value`` (the scalar's parsed text)."""
        if self.source is None:
            return self.line, self.column + offset
        lines = self.source.splitlines(keepends=True)
        if not 1 <= self.line <= len(lines):
            return self.line, self.column + offset
        start = sum(len(x) for x in lines[: self.line - 1]) + self.column - 1
        src = self.source
        j = start
        if j < len(src) and src[j] in "|>":
            # a block scalar: its text starts on the line after the header
            nl = src.find("\n", j)
            j = len(src) if nl < 0 else nl + 1
        elif j < len(src) and src[j] in "'\"":
            j += 1
        i = 0
        # both texts move forward only: what the scalar's syntax added (indentation, line
        # breaks folded to spaces, escapes) is skipped on the source side
        while i < offset and j < len(src):
            if src[j] == value[i]:
                i += 1
                j += 1
            elif value[i] == " " and src[j] == "\n":
                i += 1
                j += 1
                while j < len(src) and src[j] in " \t":
                    j += 1
            else:
                j += 1
        while j < len(src) and i < len(value) and src[j] != value[i] and src[j] in " \t\n\\":
            j += 1
        return _line_col(src, min(j, len(src)))


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col
