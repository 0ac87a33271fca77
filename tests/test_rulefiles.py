"""Data-driven tests over tests/rulefiles/.

- ``valid/*.yaml`` load with no finding at all (not even a warning) and give a ruleset.
- ``invalid/*.yaml`` start with one or more ``# expect: CODE line:col`` comment lines; the file's
  findings (errors and warnings) are exactly those, no more and no fewer.
- Together the invalid files cover every CR1xx, CR2xx and CR3xx code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contract_rules.codes import CODES
from contract_rules.findings import Severity
from contract_rules.rulefile import read_rule_file

ROOT = Path(__file__).resolve().parent / "rulefiles"
VALID = sorted((ROOT / "valid").glob("*.yaml"))
INVALID = sorted((ROOT / "invalid").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (CR\d{3}) (\d+):(\d+)\s*$")


def expected(path: Path) -> list[tuple[str, int, int]]:
    """The ``# expect:`` lines at the top of ``path``, as sorted (code, line, column)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT.match(line)
        if m is None:
            break
        out.append((m.group(1), int(m.group(2)), int(m.group(3))))
    return sorted(out)


def test_there_are_rule_files() -> None:
    assert (ROOT / "valid" / "minimal.yaml") in VALID
    assert len(VALID) >= 3
    assert len(INVALID) >= 20


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_file_has_no_findings(path: Path) -> None:
    result = read_rule_file(path)
    assert [str(f) for f in result.findings] == []
    assert result.ruleset is not None
    assert result.ok


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_file_has_exactly_the_expected_findings(path: Path) -> None:
    want = expected(path)
    assert want, f"{path.name} has no '# expect: CODE line:col' line at the top"
    result = read_rule_file(path)
    got = sorted((f.code, f.location.line, f.location.column) for f in result.findings)
    assert got == want, "\n".join(str(f) for f in result.findings)
    for f in result.findings:
        assert f.location.file == str(path)
        assert f.name == CODES[f.code].name
    # a file with an error finding yields no ruleset; warnings alone do not stop it
    has_error = any(f.severity is Severity.ERROR for f in result.findings)
    assert (result.ruleset is None) == has_error
    assert result.ok == (not has_error)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_file_is_named_after_a_code_it_expects(path: Path) -> None:
    code = path.name.split("_", 1)[0].upper()
    assert code in {c for c, _, _ in expected(path)}


def test_every_schema_reference_and_meaning_code_is_covered() -> None:
    covered = {c for p in INVALID for c, _, _ in expected(p)}
    wanted = {c for c in CODES if c[:3] in ("CR1", "CR2", "CR3")}
    assert wanted - covered == set()


# --------------------------------------------------------------------------- schema findings

MINIMAL_TEXT = (ROOT / "valid" / "minimal.yaml").read_text(encoding="utf-8")
REMEDY = """remedies:
  - id: credits
    kind: credit
    title: 抵扣
    clause: "2"
    text: 抵扣
    party: B
    norms: [respond]
    per_breach: {money: {amount: "1.00", currncy: CNY}}
"""


def schema_findings(text: str) -> list[tuple[str, str, str]]:
    from contract_rules.rulefile import read_rule_text

    return [(f.code, f.location.dotted_path(), f.message) for f in read_rule_text(text).findings]


def test_a_bad_condition_mapping_reports_only_the_mapping_form() -> None:
    text = MINIMAL_TEXT.replace(
        "trigger: {event: request}", "trigger: {event: request, when: {ticket: {eqq: x}}}"
    )
    assert schema_findings(text) == [
        ("CR101", "norms[0].trigger.when.ticket.eqq", "unknown key 'eqq'; did you mean 'eq'?")
    ]


def test_a_value_of_no_accepted_form_is_one_finding_listing_the_forms() -> None:
    text = MINIMAL_TEXT.replace(
        "trigger: {event: request}", "trigger: {event: request, when: {ticket: [1]}}"
    )
    [(code, path, message)] = schema_findings(text)
    assert (code, path) == ("CR103", "norms[0].trigger.when.ticket")
    assert message == (
        "the value fits none of the accepted forms: a mapping; a string; "
        "a boolean (true/false); an integer; a number"
    )


def test_did_you_mean_inside_optional_models() -> None:
    found = schema_findings(MINIMAL_TEXT + REMEDY)
    assert (
        "CR101",
        "remedies[0].per_breach.money.currncy",
        "unknown key 'currncy'; did you mean 'currency'?",
    ) in found
    assert ("CR102", "remedies[0].per_breach.money", "missing required key 'currency'") in found
