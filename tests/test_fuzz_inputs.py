"""Fuzzing the other inputs: event files, mapped exports, and the report writers.

- **Event files** (JSONL and CSV): event lines, garbage lines, random bytes, truncation, other
  encodings, stray quotes, huge cells. Every case keeps the accounting invariant (used + ignored
  + rejected = input, every position once); a JSONL file counts exactly its non-blank lines and
  a CSV file without quotes exactly its non-blank rows; strict mode raises only ``EventError``.
- **Mapped exports** (the ServiceNow mapping of ``examples/servicenow``): the same mutations; the
  row counts add up (``rows = mapped + without event + rejected``), the report accounts for
  every produced event and rejected row, and a quote-free export counts each of its rows.
- **Writers**: random keys, reasons, titles and places (control, format and bidi characters,
  surrogates, HTML, Markdown, formulas) → the table, Markdown, CSV (for people and raw) and HTML
  parse back, show no raw control character and hold no formula cell.

The fast profile runs in ``make test``; the long one takes its total from the environment,
shared equally by the four properties (docs/hardening.md, "Fuzzing")::

    CR_FUZZ_INPUT_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz_inputs.py
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from _events import assert_accounted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_rules.engine import CompiledRuleset, evaluate
from contract_rules.errors import EventError, MappingError
from contract_rules.report import EventEntry, Report

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-12-31T00:00:00+08:00"

#: examples per property in the fast profile (``make test``)
FAST_EXAMPLES = 60
#: ``CR_FUZZ_INPUT_EXAMPLES``: the total of the long profile, shared by the four properties
EXAMPLES = (
    -(-int(os.environ["CR_FUZZ_INPUT_EXAMPLES"]) // 4)
    if os.environ.get("CR_FUZZ_INPUT_EXAMPLES")
    else FAST_EXAMPLES
)
settings.register_profile(
    "inputs",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
FUZZ = settings.get_profile("inputs")


def raw_controls(text: str) -> list[str]:
    """Characters a terminal or document would not show as themselves (LF ends a line)."""
    return sorted(
        {c for c in text if c != "\n" and not c.isprintable() and unicodedata.category(c) != "Zs"}
    )


# =============================================================================== mutations

#: text that breaks readers: quotes, separators, line ends, controls, BOMs, surrogates' bytes
_NASTY = [
    '"', "'", ",", ";", "\r", "\n", "\r\n", "\x00", "\x1b[2J", "\x1c", "\x0b", "\u00a0", "\u3000",
    "\ufeff", "\u202e", "{", "}", "[", "]", ":", "\\", "\\ud800", "NaN", "1e999999", "=1+1",
]  # fmt: skip


@st.composite
def mutated(draw: Any, text: str) -> bytes:
    """``text`` encoded (mostly UTF-8), then 0-4 of: insert nasty text or random bytes, cut,
    duplicate a stretch, add a huge cell, or re-encode the whole."""
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "latin-1", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["nasty", "bytes", "cut", "truncate", "dup", "huge"]))
        if op == "nasty":
            data = data[:at] + draw(st.sampled_from(_NASTY)).encode() + data[at:]
        elif op == "bytes":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif op == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
        elif op == "truncate":
            data = data[:at]
        elif op == "dup":
            data = data[:at] + data[max(0, at - 40) : at] + data[at:]
        else:
            data = data[:at] + b"x" * draw(st.sampled_from([200, 20_000, 200_000])) + data[at:]
    return data


EVENTS = [
    {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "INC-1"},
    {"type": "onsite_arrival", "at": "2025-03-03T12:00:00+08:00", "incident": "INC-1"},
    {"type": "response", "at": "2025-03-03T10:20:00+08:00", "incident": "INC-1", "id": "R1"},
    {"type": "payment", "at": "2025-03-04T10:00:00+08:00", "amount": "53600.00", "currency": "CNY"},
    {"type": "fixed", "at": "2025-03-05T10:00:00+08:00", "incident": "INC-1"},
]  # fmt: skip


def _jsonl_records(data: bytes) -> int:
    """The records a JSONL file holds: every line but the blank ones (JSON whitespace only)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    n = 0
    for raw in lines:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            n += 1
            continue
        n += bool(text.strip(" \t\r"))
    return n


def _check_both_modes(compiled: CompiledRuleset, path: Path, n: int | None) -> int:
    rep = evaluate(compiled, path, AS_OF, strict=False)
    count = assert_accounted(rep, n)
    from contract_rules.render import RENDERERS

    for name in ("json", "table", "markdown", "csv"):
        RENDERERS[name](rep, "en").encode("utf-8")  # nothing unwritable got in
    with contextlib.suppress(EventError):
        evaluate(compiled, path, AS_OF)
    return count


@FUZZ
@given(
    st.lists(
        st.sampled_from(EVENTS).map(json.dumps) | st.text(max_size=30),
        min_size=0,
        max_size=8,
    ).flatmap(lambda lines: mutated("\n".join(lines) + "\n"))
)
def test_fuzz_jsonl(tacheng_compiled: CompiledRuleset, tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "e.jsonl"
    path.write_bytes(data)
    _check_both_modes(tacheng_compiled, path, _jsonl_records(data))


_CSV_CELLS = st.sampled_from(
    ["onsite_request", "response", "2025-03-03T10:00:00+08:00", "INC-1", "", "x", '"a,b"', '"']
)


def _quote_free_rows(data: bytes) -> int | None:
    """The rows after the header of a CSV file that has no quote (each non-blank physical
    line is then one record), or None when it has quotes or cannot be split so simply."""
    text = data.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    if '"' in text:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return sum(1 for ln in lines[1:] if ln)


@FUZZ
@given(
    st.lists(st.lists(_CSV_CELLS, min_size=1, max_size=5), min_size=0, max_size=8).flatmap(
        lambda rows: mutated("type,at,incident\n" + "".join(",".join(r) + "\n" for r in rows))
    )
)
def test_fuzz_csv(tacheng_compiled: CompiledRuleset, tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("csv") / "e.csv"
    path.write_bytes(data)
    count = _check_both_modes(tacheng_compiled, path, _quote_free_rows(data))
    # never fewer records than the csv module finds
    text = data.decode("utf-8-sig", errors="surrogateescape")
    csv.field_size_limit(1 << 30)
    try:
        loose = max(0, sum(1 for r in csv.reader(io.StringIO(text, newline="")) if r) - 1)
    except csv.Error:
        loose = 0
    finally:
        csv.field_size_limit(131072)
    assert count >= loose


# =============================================================================== mapped exports

MAPPED_HEADER = "number,incident_state,opened_at,sys_updated_at,priority,made_sla\n"
MAPPED_ROWS = [
    "INC1,New,7/3/2016 10:00,7/3/2016 10:05,3 - Moderate,true",
    "INC1,Active,7/3/2016 10:00,7/3/2016 11:30,3 - Moderate,true",
    "INC1,Resolved,7/3/2016 10:00,9/3/2016 16:00,3 - Moderate,true",
    "INC2,New,11/3/2016 15:00,11/3/2016 15:00,2 - High,true",
    "INC2,Closed,11/3/2016 15:00,14/3/2016 16:30,?,false",
    "INC3,-100,12/3/2016 15:00,12/3/2016 15:00,9 - None,true",
]


@pytest.fixture(scope="module")
def servicenow() -> tuple[Any, Any]:
    from contract_rules import load_ruleset
    from contract_rules.engine import compile_ruleset
    from contract_rules.mapping import load_mapping

    here = ROOT / "examples" / "servicenow"
    return compile_ruleset(load_ruleset(here / "sla.yaml")), load_mapping(
        here / "servicenow.mapping.yaml"
    )


@FUZZ
@given(
    st.lists(st.sampled_from(MAPPED_ROWS) | st.text(max_size=20), max_size=8).flatmap(
        lambda rows: mutated(MAPPED_HEADER + "".join(r + "\n" for r in rows))
    )
)
def test_fuzz_mapped_export(
    servicenow: tuple[Any, Any], tmp_path_factory: Any, data: bytes
) -> None:
    from contract_rules.mapping import MappingStats, evaluate_export

    compiled, mapping = servicenow
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_bytes(data)
    stats = MappingStats()
    try:
        rep = evaluate_export(compiled, path, mapping, "2016-12-31T00:00:00+00:00", stats=stats)
    except MappingError as exc:  # the header lacks a column the mapping needs: said, located
        assert str(exc)
        return
    assert stats.rows == stats.rows_mapped + stats.rows_without_event + stats.rows_rejected
    assert_accounted(rep, stats.events + stats.rows_rejected)
    rows = _quote_free_rows(data)
    if rows is not None and data[:3] != b"\xef\xbb\xbf" and b"\r" not in data:
        assert stats.rows == rows


# =============================================================================== writers

_HOSTILE_TEXT = st.lists(
    st.characters(codec=None) | st.sampled_from([*_NASTY, "<b>", "|", "\ud800"]), max_size=8
).map("".join)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.add(tag)


def _tags(html_text: str) -> set[str]:
    p = _Tags()
    p.feed(html_text)
    p.close()
    return p.tags


@pytest.fixture(scope="module")
def small_report(tacheng_report: Report) -> Report:
    return dataclasses.replace(tacheng_report, obligations=tacheng_report.obligations[:3])


@FUZZ
@given(st.lists(_HOSTILE_TEXT, min_size=8, max_size=8))
def test_fuzz_writers(small_report: Report, texts: list[str]) -> None:
    from contract_rules.render import render_csv, render_html, render_markdown, render_table

    rep = _with_texts(small_report, texts)
    obligations = rep.obligations
    n = len(obligations)
    for lang in ("en", "zh"):
        table = render_table(rep, lang)
        assert raw_controls(table) == []
        table.encode("utf-8")
    md = render_markdown(rep, "en")
    assert raw_controls(md) == []
    ledger = md.split("## Obligations\n\n")[1].split("\n\n")[0].splitlines()
    assert len(ledger) == n + 2
    assert "<" not in md.replace("<1min", "")
    people = list(csv.reader(io.StringIO(render_csv(rep), newline="")))
    assert len(people) == n + 1
    for cell in (c for r in people for c in r):
        assert raw_controls(cell) == [] and not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    raw = list(csv.reader(io.StringIO(render_csv(rep, raw=True), newline="")))
    assert [r[3] for r in raw[1:]] == [o.key or "" for o in obligations]
    # the same report with harmless text of the same lengths has the same tags: no text of the
    # input opened one
    benign = _with_texts(small_report, ["x" * len(t) for t in texts])
    assert _tags(render_html(rep, "en")) <= _tags(render_html(benign, "en"))


def _with_texts(small_report: Report, texts: list[str]) -> Report:
    """``small_report`` with ``texts`` as its keys, reasons, titles and a rejected event."""
    obligations = tuple(
        dataclasses.replace(o, key=texts[i], reason=texts[i + 3] or None)
        for i, o in enumerate(small_report.obligations)
    )
    rejected = (EventEntry(0, texts[6], texts[6], texts[7], None, "rejected", texts[7]),)
    rep = dataclasses.replace(
        small_report,
        obligations=obligations,
        accounting=dataclasses.replace(small_report.accounting, rejected=rejected),
        contract_title_en=texts[6],
        contract_title_zh=texts[7],
    )
    return rep
