"""``contract-rules test`` via ``main([...])``: exit code and output together, every format."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from _cli import run

from contract_rules import cli
from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from contract_rules.findings import Location
from contract_rules.scenarios import ScenarioResult

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
SLA = ROOT / "examples" / "it_support_sla.yaml"
MINIMAL = ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml"  # no scenarios
BAD = ROOT / "tests" / "rulefiles" / "invalid" / "cr101_unknown_key.yaml"  # CR101 31:5, 32:37

SCENARIO = "a late payment is violated"
EXPECTATION = '{rule: payment.annual_fee, status: violated, due: "2025-11-25T00:00:00+08:00"}'
CHANGED = EXPECTATION.replace("violated", "fulfilled")


def position(path: Path, text: str, after: int = 0) -> tuple[int, int]:
    """1-based line and column of the first occurrence of ``text`` in ``path`` after line
    ``after``."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if n > after and text in line:
            return n, line.index(text) + 1
    raise AssertionError(f"{text!r} not in {path}")


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    """The Tacheng rule file with one expectation changed: a late payment expected fulfilled."""
    text = TACHENG.read_text(encoding="utf-8")
    assert text.count(EXPECTATION) == 1
    path = tmp_path / "tacheng_changed.yaml"
    path.write_text(text.replace(EXPECTATION, CHANGED), encoding="utf-8")
    return path


def locations(path: Path) -> tuple[str, str]:
    """``file:line:col`` of the failing scenario and of its changed expectation."""
    sl, sc = position(path, f"name: {SCENARIO}")
    el, ec = changed_at(path)
    return f"{path}:{sl}:{sc}", f"{path}:{el}:{ec}"


def changed_at(path: Path) -> tuple[int, int]:
    """Line and column of the changed expectation (the scenario before has the same text)."""
    return position(path, CHANGED, after=position(path, f"name: {SCENARIO}")[0])


MISMATCH = "payment.annual_fee[-] status: expected fulfilled, got violated"


# --------------------------------------------------------------------------- passing


def test_text_all_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", TACHENG, SLA)
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == str(TACHENG)
    assert lines[1] == "  ✓ response inside working hours is due 2 h later"
    assert str(SLA) in lines
    assert sum(ln.startswith("  ✓ ") for ln in lines) == 30
    assert not any("✗" in ln for ln in lines)
    assert lines[-1] == "30 passed, 0 failed in 2 files"


def test_parsable_and_github_print_nothing_when_all_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for fmt in ("parsable", "github"):
        assert run(capsys, "test", "--format", fmt, TACHENG, SLA) == (EXIT_OK, "", "")


def test_json_all_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", "--format", "json", TACHENG, MINIMAL)
    assert (code, err) == (EXIT_OK, "")
    doc = json.loads(out)
    assert [(f["file"], f["status"], f["passed"], f["failed"]) for f in doc["files"]] == [
        (str(TACHENG), "passed", 18, 0),
        (str(MINIMAL), "empty", 0, 0),
    ]
    first = doc["files"][0]["scenarios"][0]
    assert (first["file"], first["line"], first["column"], first["passed"]) == (
        str(TACHENG),
        *position(TACHENG, "name: response inside working hours"),
        True,
    )
    assert doc["summary"] == {
        "files": 2, "scenarios": 18, "passed": 18, "failed": 0, "invalid": 0, "exit_code": 0,
    }  # fmt: skip


def test_a_file_without_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", MINIMAL)
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines() == [
        str(MINIMAL),
        "  (no scenarios)",
        "",
        "0 passed, 0 failed in 1 file",
    ]


# --------------------------------------------------------------------------- a failing scenario


def test_text_shows_expected_against_actual_located(
    capsys: pytest.CaptureFixture[str], failing: Path
) -> None:
    code, out, err = run(capsys, "test", failing)
    assert (code, err) == (EXIT_FINDINGS, "")
    scenario_at, expectation_at = locations(failing)
    lines = out.splitlines()
    i = lines.index(f"  ✗ {SCENARIO}  ({scenario_at})")
    assert lines[i + 1].startswith(f"      {expectation_at}  {MISMATCH} (fulfilled late at ")
    assert sum(ln.startswith("  ✓ ") for ln in lines) == 17
    assert lines[-1] == "17 passed, 1 failed in 1 file"


def test_parsable_is_one_located_line_per_failure(
    capsys: pytest.CaptureFixture[str], failing: Path
) -> None:
    code, out, err = run(capsys, "test", "--format", "parsable", failing, TACHENG)
    assert (code, err) == (EXIT_FINDINGS, "")
    _, expectation_at = locations(failing)
    (line,) = out.splitlines()
    assert line.startswith(f"{expectation_at}: [error] scenario '{SCENARIO}': {MISMATCH} (")


def test_json_failure(capsys: pytest.CaptureFixture[str], failing: Path) -> None:
    code, out, err = run(capsys, "test", "--format", "json", failing)
    assert (code, err) == (EXIT_FINDINGS, "")
    doc = json.loads(out)
    (f,) = doc["files"]
    assert (f["status"], f["passed"], f["failed"]) == ("failed", 17, 1)
    (bad,) = [s for s in f["scenarios"] if not s["passed"]]
    assert bad["name"] == SCENARIO
    assert (bad["line"], bad["column"]) == position(failing, f"name: {SCENARIO}")
    (m,) = bad["mismatches"]
    assert (m["line"], m["column"]) == changed_at(failing)
    assert (m["what"], m["expected"]) == ("payment.annual_fee[-] status", "fulfilled")
    assert m["actual"].startswith("violated (fulfilled late at")
    assert doc["summary"]["exit_code"] == EXIT_FINDINGS and doc["summary"]["failed"] == 1


def test_github_annotations(capsys: pytest.CaptureFixture[str], failing: Path) -> None:
    code, out, err = run(capsys, "test", "--format", "github", failing)
    assert (code, err) == (EXIT_FINDINGS, "")
    line, col = changed_at(failing)
    (annotation,) = out.splitlines()
    assert annotation.startswith(
        f"::error file={failing},line={line},col={col},title=scenario failed::"
        f"scenario '{SCENARIO}': {MISMATCH} ("
    )


def test_github_is_chosen_inside_github_actions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, failing: Path
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "test", failing)
    assert code == EXIT_FINDINGS and out.startswith("::error file=")


def test_a_wrong_due_instant(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = TACHENG.read_text(encoding="utf-8")
    changed = EXPECTATION.replace("2025-11-25T00:00:00", "2025-11-26T00:00:00")
    path = tmp_path / "due.yaml"
    path.write_text(text.replace(EXPECTATION, changed), encoding="utf-8")
    code, out, err = run(capsys, "test", "--format", "parsable", path)
    assert (code, err) == (EXIT_FINDINGS, "")
    line, col = position(path, changed, after=position(path, f"name: {SCENARIO}")[0])
    assert out == (
        f"{path}:{line}:{col}: [error] scenario '{SCENARIO}': payment.annual_fee[-] due: "
        "expected 2025-11-26T00:00:00+08:00, got 2025-11-25T00:00:00+08:00\n"
    )


def test_only_selects_scenarios_by_name(capsys: pytest.CaptureFixture[str], failing: Path) -> None:
    code, out, err = run(capsys, "test", "--only", "working hours", failing)
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[-1] == "2 passed, 0 failed in 1 file"
    code, out, _ = run(capsys, "test", "-k", "late payment", failing)
    assert code == EXIT_FINDINGS and out.splitlines()[-1] == "0 passed, 1 failed in 1 file"


# --------------------------------------------------------------------------- bad input


def test_rule_file_errors_are_printed_and_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", BAD, TACHENG)
    assert (code, err) == (EXIT_FINDINGS, "")
    lines = out.splitlines()
    assert lines[:4] == [
        str(BAD),
        "  ✗ rule file has 2 errors; no scenario ran",
        f"      {BAD}:31:5: [error] CR101 unknown key 'dealine'; did you mean 'deadline'? "
        "(unknown-key)",
        f"      {BAD}:32:37: [error] CR101 unknown key 'whn'; did you mean 'when'? (unknown-key)",
    ]
    assert lines[-1] == "18 passed, 0 failed in 2 files; 1 with rule-file errors"
    code, out, _ = run(capsys, "test", "--format", "parsable", BAD)
    assert code == EXIT_FINDINGS
    assert out == run(capsys, "check", "--format", "parsable", BAD)[1]
    code, out, _ = run(capsys, "test", "--format", "json", BAD)
    doc = json.loads(out)
    assert code == EXIT_FINDINGS and doc["files"][0]["status"] == "invalid"
    assert [(f["line"], f["code"]) for f in doc["files"][0]["findings"]] == [
        (31, "CR101"),
        (32, "CR101"),
    ]
    code, out, _ = run(capsys, "test", "--format", "github", BAD)
    assert out.splitlines()[0] == (
        f"::error file={BAD},line=31,col=5,title=CR101 unknown-key::"
        "unknown key 'dealine'; did you mean 'deadline'?"
    )


def test_a_missing_path_is_2_and_the_others_still_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "none.yaml"
    code, out, err = run(capsys, "test", missing, TACHENG)
    assert code == EXIT_ERROR
    assert err == f"contract-rules: {missing}: no such file or directory\n"
    assert out.splitlines()[-1] == "18 passed, 0 failed in 1 file; 1 not readable"
    code, out, _ = run(capsys, "test", "--format", "json", missing)
    assert json.loads(out)["files"][0]["status"] == "missing"


def test_a_directory_is_searched_like_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing: Path
) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    shutil.copy(SLA, tree / "a_sla.yaml")
    shutil.copy(failing, tree / "sub" / "b_tacheng.yml")
    (tree / "x.mapping.yaml").write_text("not: a rule file\n", encoding="utf-8")  # skipped
    code, out, err = run(capsys, "test", "--format", "json", tree)
    assert (code, err) == (EXIT_FINDINGS, "")
    doc = json.loads(out)
    assert [(Path(f["file"]).name, f["status"]) for f in doc["files"]] == [
        ("a_sla.yaml", "passed"),
        ("b_tacheng.yml", "failed"),
    ]
    assert doc["summary"]["scenarios"] == 30


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test")
    assert (code, out) == (EXIT_ERROR, "") and "the following arguments are required" in err
    code, out, err = run(capsys, "test", "--format", "junit", TACHENG)
    assert (code, out) == (EXIT_ERROR, "") and "argument --format: invalid choice" in err


# --------------------------------------------------------------------------- formatters


def test_a_scenario_that_could_not_run_is_a_located_failure() -> None:
    where = Location("r.yaml", 40, 5, ("scenarios", 2))
    broken = ScenarioResult("broken", where, error="event #2: duplicate event id 'E1'")
    run_ = cli.ScenarioRun([cli.ScenarioFileReport("r.yaml", results=[broken])])
    assert run_.exit_code == EXIT_FINDINGS
    assert cli.format_test_parsable(run_) == (
        "r.yaml:40:5: [error] scenario 'broken': event #2: duplicate event id 'E1'\n"
    )
    text = cli.format_test_text(run_).splitlines()
    assert text[1:3] == [
        "  ✗ broken  (r.yaml:40:5)",
        "      r.yaml:40:5  error: event #2: duplicate event id 'E1'",
    ]


def test_marks_fall_back_to_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    class Ascii:
        encoding = "ascii"

    monkeypatch.setattr(sys, "stdout", Ascii())
    assert cli.common._marks() == ("ok", "FAIL")
