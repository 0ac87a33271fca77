"""Text that is safe to show: escapes for terminals and documents, neutral cells for spreadsheets.

Keys, ids, titles, event types and reasons come from rule files and event exports. Every text
output (the table, ``explain``, ``upcoming``, Markdown) passes them through :func:`visible`, so
that a control character (ESC, BEL, a carriage return) or a bidi override cannot reach a
terminal or split a row; CSV written for people passes each cell through
:func:`spreadsheet_cell`, so that a spreadsheet does not run it as a formula. A leaf module: it
imports nothing of the package.

>>> visible("INC-1\\x1b]0;owned\\x07")
'INC-1\\\\x1b]0;owned\\\\x07'
>>> visible("\\u53f0\\u57ce\\u3000A")
'台城\\u3000A'
>>> spreadsheet_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
"""

from __future__ import annotations

import unicodedata

__all__ = ["FORMULA_START", "spreadsheet_cell", "visible"]

#: The first characters that make a spreadsheet read a cell as a formula (or, tab and carriage
#: return, shift it into another cell on paste).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: the escapes Python's repr writes for these
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, *, keep: str = "") -> str:
    """``text`` with every character that cannot be shown as it is written as an escape
    (``\\x1b``, ``\\u202e``): controls (C0, DEL, C1; line breaks and tabs too, unless listed
    in ``keep``), format characters (bidi overrides and isolates, zero-width characters, a BOM),
    surrogates, private-use and unassigned code points, line and paragraph separators. Letters,
    marks, digits, punctuation, symbols and spaces (U+3000 included) stay; a text that needs no
    escape is returned as it is."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch in keep or unicodedata.category(ch) == "Zs" else _escape(ch)
        for ch in text
    )


def spreadsheet_cell(text: str) -> str:
    """:func:`visible` ``text``, with an apostrophe before it when it starts as a formula does
    (:data:`FORMULA_START`): a spreadsheet then shows the text and runs nothing."""
    cell = visible(text)
    return "'" + cell if text.startswith(FORMULA_START) else cell
