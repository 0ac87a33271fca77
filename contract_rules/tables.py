"""The package's tables and text layout: an aligned plain-text table (:func:`text_table`), a
Markdown table (:func:`markdown_table`), the one HTML table (:func:`html_table`), and the
display width, clipping and wrapping they rest on (a Chinese character takes two columns).

Every cell is escaped for where it goes: invisible characters in text
(:func:`~contract_rules.safe_text.visible`), Markdown and HTML syntax in Markdown, HTML in HTML.
Nothing here knows a report: the renderers (:mod:`contract_rules.render`,
:mod:`contract_rules.explain_view`, ...) give headers and rows.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from .safe_text import visible


def display_width(s: str) -> int:
    """How many terminal columns ``s`` takes: 2 for a wide or full-width character, else 1.

    >>> display_width("ab"), display_width("甲方")
    (2, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def clip(s: str, width: int) -> str:
    """``s`` cut to at most ``width`` display columns, with ``…`` when cut.

    >>> clip("abcdef", 4)
    'abc…'
    """
    if display_width(s) <= width:
        return s
    out, used = "", 0
    for ch in s:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_last: int = 70) -> str:
    """An aligned plain-text table: a header line, a rule of dashes, a line per row; columns
    two spaces apart, the last column clipped to ``max_last`` display columns. Cells are
    escaped first (:func:`~contract_rules.safe_text.visible`), so that a line break or a
    control character in a cell cannot split a row and the widths count what is shown."""
    headers = [visible(h) for h in headers]
    rows = [[*map(visible, r[:-1]), clip(visible(r[-1]), max_last)] for r in rows]
    widths = [
        max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c + " " * (w - display_width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def wrap(text: str, width: int = 92, indent: str = "  ") -> list[str]:
    """``text`` in lines of at most ``width`` display columns: at spaces for Latin text, between
    any two characters for Chinese (which has no spaces); each line after ``indent``.

    >>> wrap("one two three", width=9)
    ['  one two', '  three']
    """
    out: list[str] = []
    for para in text.splitlines() or [""]:
        latin = display_width(para) == len(para)
        words = para.split(" ") if latin else list(para)
        sep = " " if latin else ""
        line = ""
        for w in words:
            candidate = f"{line}{sep}{w}" if line else w
            if line and display_width(candidate) > width:
                out.append((indent + line).rstrip())
                line = w
            else:
                line = candidate
        out.append((indent + line).rstrip())
    return out


#: Markdown's syntax characters, each written with a backslash so that it shows as itself
_MD_SYNTAX = str.maketrans({c: "\\" + c for c in "\\`*_[]|#~!"})


def md_escape(s: str) -> str:
    """``s`` as Markdown text that shows exactly ``s``: invisible characters escaped (a CR or LF
    cannot split a table row), HTML's ``<``, ``>``, ``&`` as entities, Markdown's syntax
    characters after a backslash.

    >>> md_escape("a|b <c>")
    'a\\\\|b &lt;c&gt;'
    """
    return html.escape(visible(s).translate(_MD_SYNTAX), quote=False)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown (pipe) table of escaped cells (:func:`md_escape`)."""
    out = ["| " + " | ".join(map(md_escape, headers)) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    escaped: bool = False,
    align: str | None = None,
    row_attrs: Sequence[str] | None = None,
    table_class: str | None = None,
    column_classes: Sequence[str] = (),
    scope: bool = False,
) -> str:
    """The one HTML table of the package (the report's fragment and document, the ruleset in
    the notebook): cells are escaped here unless ``escaped`` says they already are HTML;
    ``align`` sets every cell's ``text-align``; ``row_attrs``, one per row, is written into
    each row's ``<tr>`` as it is (attributes such as `` data-status="violated"``, with their
    leading space); ``table_class`` is the table's class; ``column_classes`` gives each
    column's class (``""`` for none); ``scope`` marks the header cells ``scope="col"``.

    >>> html_table(["a"], [["<b>"]])
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    >>> t = html_table(["n"], [["1"]], table_class="t", column_classes=["num"], scope=True)
    >>> for part in t.split("<tbody>"):
    ...     print(part)
    <table class="t"><thead><tr><th class="num" scope="col">n</th></tr></thead>
    <tr><td class="num">1</td></tr></tbody></table>
    """
    esc: Callable[[str], str] = (lambda x: x) if escaped else html.escape
    style = f" style='text-align:{align}'" if align else ""
    sc = ' scope="col"' if scope else ""
    rows = list(rows)
    attrs = [""] * len(rows) if row_attrs is None else row_attrs

    def cls(i: int) -> str:
        c = column_classes[i] if i < len(column_classes) else ""
        return f' class="{c}"' if c else ""

    head = "".join(f"<th{cls(i)}{style}{sc}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        f"<tr{a}>" + "".join(f"<td{cls(i)}{style}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r, a in zip(rows, attrs, strict=True)
    )
    table = "<table>" if table_class is None else f'<table class="{table_class}">'
    return f"{table}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
