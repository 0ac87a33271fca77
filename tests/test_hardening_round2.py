"""Hardening, round 2: the refusals of docs/hardening.md that the second hostile review asked for.

Events: every physical line of a file is accounted for; text that cannot be shown or written
(surrogates, control and bidi-override characters in keys and ids) is refused at the boundary
with a reason; numbers and offsets are read in one written form only; no bad value escapes as
anything but an :class:`EventError` (or a rejection).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from _events import AS_OF, FIRST, LAST, assert_accounted, payment, request

from contract_rules.engine import CompiledRuleset, Evaluator, evaluate
from contract_rules.errors import EventError
from contract_rules.report import Report

# ====================================================================== refused event values

#: (name, a bad event, words its error must contain)
BAD: list[tuple[str, Any, str]] = [
    ("money-underscore", payment("1_000.00"), "not a number"),
    ("money-full-width", payment("\uff11\uff10\uff10\uff10.00"), "not a number"),
    ("money-arabic-indic", payment("\u0661\u0660\u0660\u0660"), "not a number"),
    ("money-negative-zero", payment("-0"), "cannot be negative"),
    ("money-negative-zero-places", payment("-0.00"), "cannot be negative"),
    ("offset-23-59", request(at="2025-03-03T10:00:00+23:59"), "offset"),
    ("offset-minus-15", request(at="2025-03-03T10:00:00-15:00"), "offset"),
    ("offset-seconds", request(at="2025-03-03T10:00:00+08:00:30.5"), "offset"),
    ("offset-seconds-whole", request(at="2025-03-03T10:00:00+08:00:30"), "offset"),
    ("key-empty", request(incident=""), "must not be empty or blank"),
    ("key-blank", request(incident="   "), "must not be empty or blank"),
    ("key-nul", request(incident="INC\x00-1"), "U+0000"),
    ("key-esc", request(incident="INC-1\x1b]0;owned\x07\x1b[2J"), "U+001B"),
    ("key-bidi", request(incident="INC-\u202e1"), "U+202E"),
    ("key-bom", request(incident="\ufeffINC-1"), "U+FEFF"),
    ("key-surrogate", request(incident="INC-\ud800"), "U+D800"),
    ("key-newline", request(incident="INC-1\r\nINC-2"), "U+000D"),
    (
        "ref-esc",
        {**FIRST, "type": "force_majeure_start", "party": "A", "ref": "\x1b", "id": "F"},
        "U+001B",
    ),
    ("id-blank", request(id="  "), "must not be empty or blank"),
    ("id-nul", request(id="A\x00"), "U+0000"),
    ("id-esc", request(id="\x1b[2J"), "U+001B"),
    ("id-bidi", request(id="\u202eA"), "U+202E"),
    ("id-bom", request(id="\ufeffA"), "U+FEFF"),
    ("id-surrogate", request(id="A\udfff"), "U+DFFF"),
    (
        "bool-huge-int",
        {
            "type": "data_change",
            "at": "2025-03-03T10:00:00+08:00",
            "party": "B",
            "authorized": 10**5000,
        },
        "expected true or false, got a huge int",
    ),
    ("field-named-by-huge-int", {**request(), 10**5000: "x"}, "unknown field(s) a huge int"),
]


@pytest.mark.parametrize("name, bad, words", BAD, ids=[b[0] for b in BAD])
def test_strict_mode_refuses_with_the_reason(
    tacheng_compiled: CompiledRuleset, name: str, bad: Any, words: str
) -> None:
    with pytest.raises(EventError) as info:
        evaluate(tacheng_compiled, [FIRST, bad, LAST], AS_OF)
    assert info.value.where == "event #2"
    assert words in info.value.reason, info.value.reason


@pytest.mark.parametrize("name, bad, words", BAD, ids=[b[0] for b in BAD])
def test_collecting_mode_rejects_with_the_reason(
    tacheng_compiled: CompiledRuleset, name: str, bad: Any, words: str
) -> None:
    rep = evaluate(tacheng_compiled, [FIRST, bad, LAST], AS_OF, strict=False)
    assert_accounted(rep, 3)
    (rejected,) = rep.accounting.rejected
    assert (rejected.index, rejected.where) == (1, "event #2")
    assert words in rejected.reason
    rep.to_json()  # every output can be written: nothing unwritable got in


@pytest.mark.parametrize(
    "good, bad",
    [
        (request(at="2025-03-03T10:00:00+14:00"), request(at="2025-03-03T10:00:00+14:01")),
        (request(at="2025-03-03T10:00:00-12:00"), request(at="2025-03-03T10:00:00-14:01")),
        (request(at="2025-03-03T10:00:00+05:45"), request(at="2025-03-03T10:00:00+05:45:01")),
        (request(incident="INC 1 (\u53f0\u57ce)"), request(incident="INC\u00a01")),
        (payment("1000.00"), payment("1_000")),
        (payment(" 1e3 "), payment("1e\uff13")),
        (payment("0.00"), payment("-0.00")),
    ],
)
def test_the_line_between_accepted_and_refused(
    tacheng_compiled: CompiledRuleset, good: Any, bad: Any
) -> None:
    rep = evaluate(tacheng_compiled, [FIRST, good, bad, LAST], AS_OF, strict=False)
    assert [e.index for e in rep.accounting.rejected] == [2]


def test_an_integer_field_takes_ascii_digits_only(tacheng_compiled: CompiledRuleset) -> None:
    from contract_rules.events import EventValidator, _FieldCheck
    from contract_rules.model import FieldSpec

    v = EventValidator(tacheng_compiled.ruleset, tacheng_compiled.tz)
    check = _FieldCheck("n", FieldSpec(type="int"), False)
    assert v._convert(check, " -12 ", "here", "t", None) == -12
    for bad in ("\uff11\uff12", "\u0661\u0662", "1_000", "\u00b2"):
        with pytest.raises(EventError, match="expected an integer"):
            v._convert(check, bad, "here", "t", None)


def test_a_surrogate_in_free_text_is_refused(tacheng_compiled: CompiledRuleset) -> None:
    from contract_rules.events import EventValidator, _FieldCheck
    from contract_rules.model import FieldSpec

    v = EventValidator(tacheng_compiled.ruleset, tacheng_compiled.tz)
    check = _FieldCheck("note", FieldSpec(type="string"), False)
    assert v._convert(check, "line one\nline two", "here", "t", None) == "line one\nline two"
    with pytest.raises(EventError, match=r"lone surrogate \(U\+D83D\)"):
        v._convert(check, "caf\u00e9 \ud83d", "here", "t", None)


def test_a_zone_directory_as_naive_tz_is_a_clear_error(tacheng_compiled: CompiledRuleset) -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Asia'"):
        evaluate(tacheng_compiled, [FIRST], AS_OF, naive_tz="Asia")


def test_a_zone_directory_as_naive_tz_is_a_usage_error_in_the_cli(capsys: Any) -> None:
    from contract_rules.cli import main

    code = main(
        [
            *("eval", "rules/tacheng_2024.yaml", "examples/tacheng_events_2025.jsonl"),
            *("--naive-tz", "Asia"),
        ]
    )
    assert code == 2
    assert "unknown time zone 'Asia'" in capsys.readouterr().err


def test_a_negative_settle_after_is_refused(tacheng_compiled: CompiledRuleset) -> None:
    with pytest.raises(ValueError, match="settle_after must not be negative"):
        Evaluator(tacheng_compiled, settle_after=timedelta(days=-1))


def test_a_refused_record_keeps_its_id_and_type_as_escapes(
    tacheng_compiled: CompiledRuleset,
) -> None:
    bad = {"type": "x\ud800\x1b", "at": "2025-03-03T10:00:00+08:00", "id": "\udfffA"}
    rep = evaluate(tacheng_compiled, [FIRST, bad, LAST], AS_OF, strict=False)
    (rejected,) = rep.accounting.rejected
    assert (rejected.id, rejected.type) == ("\\udfffA", "x\\ud800\\x1b")
    rep.to_json().encode("utf-8")  # every output can be written


# ====================================================================== files


def test_jsonl_lines_of_other_whitespace_are_rejected_not_dropped(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = tmp_path / "e.jsonl"
    odd = ["\x1c", "\x0b", "\u00a0", "\u3000"]
    lines = [json.dumps(FIRST), *odd, "", " \t\r", json.dumps(LAST)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 6)  # the blank lines (JSON whitespace only) hold no record
    assert [e.where for e in rep.accounting.rejected] == [f"{path}:{n}" for n in (2, 3, 4, 5)]
    assert all(e.reason.startswith("not valid JSON") for e in rep.accounting.rejected)


def test_duplicate_json_keys_are_rejected(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = tmp_path / "e.jsonl"
    dup = (
        '{"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", '
        '"incident": "INC-1", "incident": "INC-2"}'
    )
    path.write_text("\n".join([json.dumps(FIRST), dup, json.dumps(LAST)]) + "\n")
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 3)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        (f"{path}:2", "the event names 'incident' more than once")
    ]
    json_path = tmp_path / "e.json"
    json_path.write_text(f"[{json.dumps(FIRST)}, {dup}]")
    with pytest.raises(EventError, match="'incident' more than once"):
        evaluate(tacheng_compiled, json_path, AS_OF)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_unterminated_csv_quote_rejects_each_line_it_would_swallow(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        [
            "type,at,incident",
            "onsite_request,2025-03-03T10:00:00+08:00,INC-1",
            'onsite_request,2025-03-03T11:00:00+08:00,"INC-2',
            "onsite_request,2025-03-03T12:00:00+08:00,INC-3",
            "onsite_request,2025-03-03T13:00:00+08:00,INC-4",
        ],
    )
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 4)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        (f"{path}:{n}", "not valid CSV (the quote opened on line 3 is never closed)")
        for n in (3, 4, 5)
    ]
    with pytest.raises(EventError, match=":3: not valid CSV"):
        evaluate(tacheng_compiled, path, AS_OF)


def test_a_closed_multiline_csv_cell_is_one_record(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        ["type,at,incident", 'onsite_request,2025-03-03T10:00:00+08:00,"INC-1', '"', ""],
    )
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 1)
    assert "U+000A" in rep.accounting.rejected[0].reason  # a key holding a line break


def test_an_unterminated_quote_in_the_csv_header_rejects_every_line(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        ['type,at,"incident', "onsite_request,2025-03-03T10:00:00+08:00,INC-1", "x,y,z"],
    )
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 2)
    assert {e.reason for e in rep.accounting.rejected} == {
        "not valid CSV (the quote opened in the header is never closed)"
    }


def test_duplicate_csv_header_columns_reject_every_row(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        [
            "type,at,incident,incident",
            "onsite_request,2025-03-03T10:00:00+08:00,INC-1,INC-2",
            "",
            "onsite_request,2025-03-03T11:00:00+08:00,INC-3,INC-4",
        ],
    )
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 2)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        (f"{path}:{n}", "the header names column(s) 'incident' more than once") for n in (2, 4)
    ]


# ====================================================================== "did you mean"


def test_a_key_of_5000_digits_gets_no_suggestion_and_no_error() -> None:
    from contract_rules.cli.explain import _did_you_mean

    assert _did_you_mean("1" * 5000, ["INC-1", "INC-2"]) == ""
    assert _did_you_mean("INC-1", ["9" * 4401, "INC-01"]) == "; did you mean 'INC-01'?"


def test_explain_with_a_key_of_5000_digits_says_there_is_no_such_instance(capsys: Any) -> None:
    from contract_rules.cli import main

    code = main(
        [
            *("explain", "rules/tacheng_2024.yaml", "examples/tacheng_events_2025.jsonl"),
            *("--rule", "onsite.response", "--key", "1" * 5000),
        ]
    )
    assert code == 1
    assert "no instance of onsite.response" in capsys.readouterr().err


def test_difflib_sees_bounded_names_and_a_bounded_number_of_them(monkeypatch: Any) -> None:
    """The bound is structural: whatever the candidates, difflib is handed at most
    MAX_CANDIDATES names of at most MAX_NAME_CHARS characters (60 keys of 9,900 characters
    used to cost 11 s)."""
    import difflib

    from contract_rules import suggestions

    seen: list[tuple[str, list[str]]] = []
    real = difflib.get_close_matches

    def recording(word: str, possibilities: list[str], n: int, cutoff: float) -> list[str]:
        seen.append((word, list(possibilities)))
        return real(word, possibilities, n, cutoff)

    monkeypatch.setattr(suggestions.difflib, "get_close_matches", recording)
    huge = [f"{i:02d}" + "x" * 9_898 for i in range(60)]
    assert suggestions.closest(huge[0][:-1], huge) is None
    many = [f"INC-{i:05d}" for i in range(20_000)] + huge
    assert suggestions.closest("INC-0O123", many) == "INC-00123"
    assert suggestions.closest("x" * 101, many) is None
    for word, pool in seen:
        assert len(word) <= suggestions.MAX_NAME_CHARS
        assert len(pool) <= suggestions.MAX_CANDIDATES
        assert all(len(p) <= suggestions.MAX_NAME_CHARS for p in pool)


# ====================================================================== outputs

#: hostile text: terminal escapes, a bidi override, line breaks, HTML, Markdown, formulas
HOSTILE = [
    "\x1b]0;owned\x07\x1b[2J",
    "INC-\u202e1",
    "A\rB",
    "A\r\nB|C",
    "<img src=x onerror=alert(1)>",
    "**bold** [link](http://x) `code`",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tTAB",
]


def hostile_report(report: Report) -> Report:
    """``report`` with hostile text in every place a rule file or an event export can put
    text: keys, titles, reasons, the contract title, the rejected events' places and types."""
    import dataclasses

    from contract_rules.report import EventEntry

    obligations = tuple(
        dataclasses.replace(
            o, key=HOSTILE[i % len(HOSTILE)], reason=HOSTILE[(i + 3) % len(HOSTILE)]
        )
        for i, o in enumerate(report.obligations)
    )
    rejected = tuple(
        EventEntry(i, text, text, text, None, "rejected", text) for i, text in enumerate(HOSTILE)
    )
    accounting = dataclasses.replace(report.accounting, rejected=rejected)
    return dataclasses.replace(
        report,
        obligations=obligations,
        accounting=accounting,
        contract_title_en=HOSTILE[0] + HOSTILE[4],
        contract_title_zh=HOSTILE[0] + HOSTILE[4],
    )


def raw_controls(text: str) -> list[str]:
    """The characters of ``text`` that a terminal or a document would not show as themselves
    (a line feed ends a line and is allowed)."""
    import unicodedata

    return sorted(
        {c for c in text if c != "\n" and not c.isprintable() and unicodedata.category(c) != "Zs"}
    )


@pytest.fixture(scope="module")
def hostile(tacheng_report: Report) -> Report:
    return hostile_report(tacheng_report)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_escapes_controls_and_bidi_overrides(hostile: Report, lang: str) -> None:
    from contract_rules.render import render_table

    text = render_table(hostile, lang)
    assert raw_controls(text) == []
    assert "\\x1b]0;owned\\x07\\x1b[2J" in text and "INC-\\u202e1" in text
    assert "A\\rB" in text


def test_explain_and_upcoming_escape_controls(hostile: Report) -> None:
    from contract_rules.render import DueSoon, render_explain, render_upcoming

    ob = hostile.obligations[0]
    assert raw_controls(render_explain(ob, "en")) == []
    assert "\\x1b]0;owned" in render_explain(ob, "en")
    now = ob.trigger_at
    items = [DueSoon(o, now, timedelta(hours=1), 0.5, "clock", 50) for o in hostile.obligations]
    text = render_upcoming(items, now=now, within=timedelta(days=1), open_count=len(items))
    assert raw_controls(text) == []
    assert len(text.splitlines()) == len(items) + 3  # head, headers, rule, one line per item


def test_markdown_escapes_html_and_keeps_one_row_per_instance(hostile: Report) -> None:
    from contract_rules.render import render_markdown

    text = render_markdown(hostile, "en")
    assert raw_controls(text) == []
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text
    ledger = text.split("## Obligations\n\n")[1].split("\n\n")[0].splitlines()
    assert len(ledger) == len(hostile.obligations) + 2
    for row in [ledger[0], *ledger[2:]]:  # every row keeps its cells: escaped pipes too
        assert row.startswith("| ") and row.endswith(" |")
        assert len(row.replace("\\|", "").split(" | ")) == 11


def test_csv_for_people_has_no_formula_cell_and_one_record_per_instance(hostile: Report) -> None:
    import csv
    import io

    from contract_rules.render import render_csv

    rows = list(csv.reader(io.StringIO(render_csv(hostile), newline="")))
    assert len(rows) == len(hostile.obligations) + 1
    cells = [c for r in rows[1:] for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(raw_controls(c) == [] for c in cells)
    assert {r[3] for r in rows[1:]} >= {'\'=HYPERLINK("http://x","y")', "'+1", "'-1", "'@SUM(A1)"}


def test_raw_csv_keeps_the_values_and_one_record_per_instance(hostile: Report) -> None:
    import csv
    import io

    from contract_rules.render import render_csv

    rows = list(csv.reader(io.StringIO(render_csv(hostile, raw=True), newline="")))
    assert len(rows) == len(hostile.obligations) + 1
    assert [r[3] for r in rows[1:]] == [o.key for o in hostile.obligations]


def test_frames_for_spreadsheets(hostile: Report) -> None:
    from contract_rules.frames import accounting_frame, for_spreadsheets, obligations_frame

    safe = for_spreadsheets(obligations_frame(hostile))
    keys = list(safe["key"])
    assert '\'=HYPERLINK("http://x","y")' in keys and "'-1" in keys
    assert all(raw_controls(k) == [] for k in keys)
    assert list(obligations_frame(hostile)["key"]) == [o.key for o in hostile.obligations]
    acc = for_spreadsheets(accounting_frame(hostile))
    for col in ("where", "id", "type", "reason"):
        assert not [c for c in acc[col] if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert safe.attrs["text"] == "for spreadsheets"
