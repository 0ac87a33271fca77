"""The form limit of field patterns (a ReDoS bound): patterns whose matching can take
exponential time with Python's backtracking ``re`` are refused when the rule file is checked,
with a located finding; ordinary patterns pass and keep rejecting events that do not match."""

from __future__ import annotations

import re

import pytest
from _helpers import MINIMAL_FILE, rule_data, yaml_text

from contract_rules.model_logic import MAX_PATTERN, pattern_problem
from contract_rules.rulefile import read_rule_text


@pytest.mark.parametrize(
    "pattern",
    ["PO-[0-9]{4}", "[0-9]{4}-[0-9]{2}", "(a|b)*c", "(?:ab{2})*", "[A-Z]{2,3}-[0-9]+", "x?y*"],
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("(a+)+", "nested quantifier"),
        (r"(\w+\s?)+$", "nested quantifier"),
        ("(?:a*b?)*c", "nested quantifier"),
        ("((a|b)c+)*", "nested quantifier"),
        ("(?=(a+)+)b", "nested quantifier"),
        (r"(a)\1", "backreference"),
        (r"(?P<x>a)(?P=x)", "backreference"),
        ("a" * (MAX_PATTERN + 1), "longer than 500"),
        ("(a", "not a regular expression"),
    ],
)
def test_patterns_outside_the_form_are_refused_saying_why(pattern: str, said: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and said in problem


def test_a_refused_pattern_is_a_located_finding_of_the_rule_file() -> None:
    data = rule_data(MINIMAL_FILE)
    data["events"]["request"]["fields"]["ticket"] = {"type": "string", "pattern": "(T+)+-[0-9]"}
    text = yaml_text(data)
    findings = read_rule_text(text, "p.yaml").findings
    assert [f.code for f in findings] == ["CR104"]
    f = findings[0]
    assert "nested quantifier" in f.message and "(T+)+-[0-9]" in f.message
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "(T+)+" in ln)
    assert f.location.line in (line - 1, line)


def test_the_refused_shape_is_the_slow_one() -> None:
    """What the limit is for: the classic nested quantifier backtracks; its flat form does not
    (a count of steps is not timed: both are asked to match the same hostile value)."""
    hostile = "a" * 16 + "!"
    assert re.fullmatch("(a+)+", hostile) is None
    assert re.fullmatch("a+", hostile) is None
    assert pattern_problem("(a+)+") is not None and pattern_problem("a+") is None
