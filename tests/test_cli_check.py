"""``contract-rules check`` and ``schema`` via ``main([...])``: exit code and output together."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _cli import run

from contract_rules import cli
from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]
RULEFILES = ROOT / "tests" / "rulefiles"
VALID = RULEFILES / "valid" / "minimal.yaml"
BAD = RULEFILES / "invalid" / "cr101_unknown_key.yaml"  # CR101 at 31:5 and 32:37
WARN = RULEFILES / "invalid" / "cr304_ambiguous_deadline_unit.yaml"  # CR304 at 31:22, 40:30
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"


# --------------------------------------------------------------------------- formats


def test_text_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", VALID, TACHENG)
    assert (code, out, err) == (EXIT_OK, "2 files checked: no problems\n", "")


def test_text_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", BAD)
    assert code == EXIT_FINDINGS and err == ""
    lines = out.splitlines()
    assert lines[0] == str(BAD)
    assert lines[1] == (
        "  31:5      error    CR101  unknown key 'dealine'; did you mean 'deadline'?  (unknown-key)"
    )
    assert re.fullmatch(r"  32:37 +error +CR101  unknown key 'whn'.*  \(unknown-key\)", lines[2])
    assert lines[-1] == "2 errors, 0 warnings in 1 of 1 file"


def test_parsable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--format", "parsable", BAD, VALID)
    assert code == EXIT_FINDINGS and err == ""
    assert out.splitlines() == [
        f"{BAD}:31:5: [error] CR101 unknown key 'dealine'; did you mean 'deadline'? (unknown-key)",
        f"{BAD}:32:37: [error] CR101 unknown key 'whn'; did you mean 'when'? (unknown-key)",
    ]


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--format", "json", VALID, BAD, WARN)
    assert code == EXIT_FINDINGS and err == ""
    doc = json.loads(out)
    assert [(f["file"], f["status"], f["errors"], f["warnings"]) for f in doc["files"]] == [
        (str(VALID), "ok", 0, 0),
        (str(BAD), "errors", 2, 0),
        (str(WARN), "warnings", 0, 2),
    ]
    assert [f["passed"] for f in doc["files"]] == [True, False, True]
    assert [(f["file"], f["line"], f["code"]) for f in doc["findings"]] == [
        (str(BAD), 31, "CR101"),
        (str(BAD), 32, "CR101"),
        (str(WARN), 31, "CR304"),
        (str(WARN), 40, "CR304"),
    ]
    first = doc["findings"][0]
    assert set(first) == {"file", "line", "column", "path", "severity", "code", "name", "message"}
    assert first["path"] == "norms[0].dealine" and first["severity"] == "error"
    assert doc["summary"] == {
        "files": 3,
        "errors": 2,
        "warnings": 2,
        "strict": False,
        "exit_code": 1,
    }
    # stable: the same run gives the same bytes
    assert run(capsys, "check", "--format", "json", VALID, BAD, WARN)[1] == out


def test_github(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--format", "github", BAD, WARN)
    assert code == EXIT_FINDINGS and err == ""
    lines = out.splitlines()
    assert lines[0] == (
        f"::error file={BAD},line=31,col=5,title=CR101 unknown-key::"
        "unknown key 'dealine'; did you mean 'deadline'?"
    )
    assert lines[2].startswith(
        f"::warning file={WARN},line=31,col=22,title=CR304 ambiguous-deadline-unit::"
    )
    assert len(lines) == 4


def test_github_is_chosen_inside_github_actions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "check", BAD)
    assert code == EXIT_FINDINGS and out.startswith("::error file=")
    code, out, _ = run(capsys, "check", "--format", "text", BAD)
    assert code == EXIT_FINDINGS and out.startswith(f"{BAD}\n")


def test_github_escapes_newlines_and_property_separators() -> None:
    assert cli.common._gh_data("a%b\nc") == "a%25b%0Ac"
    assert cli.common._gh_property("x,y:z") == "x%2Cy%3Az"


# --------------------------------------------------------------------------- exit codes


def test_warnings_fail_only_with_strict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", WARN)
    assert code == EXIT_OK
    assert "CR304" in out and out.endswith("(warnings fail only with --strict)\n")
    code, out, _ = run(capsys, "check", "--strict", WARN)
    assert code == EXIT_FINDINGS and "0 errors, 2 warnings" in out
    code, out, _ = run(capsys, "check", "--strict", "--format", "json", WARN)
    assert code == EXIT_FINDINGS
    assert json.loads(out)["files"][0]["passed"] is False


def test_missing_file_is_exit_2_after_checking_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "check", missing, BAD)
    assert code == EXIT_ERROR
    assert err == f"contract-rules: {missing}: no such file or directory\n"
    assert "CR101" in out  # the other file was still checked
    code, out, err = run(capsys, "check", "--format", "json", missing, VALID)
    assert code == EXIT_ERROR
    files = json.loads(out)["files"]
    assert [(f["file"], f["status"]) for f in files] == [
        (str(missing), "missing"),
        (str(VALID), "ok"),
    ]


def test_a_directory_named_like_a_rule_file_is_expanded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    odd = tmp_path / "dir.yaml"
    odd.mkdir()
    code, out, err = run(capsys, "check", odd)
    assert (code, out, err) == (EXIT_OK, "0 files checked: no problems\n", "")


def test_unreadable_file_is_exit_2_and_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from contract_rules import rulefile

    real = rulefile.read_rule_file

    def deny(path: object, **kw: object) -> object:
        if str(path) == str(VALID):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(rulefile, "read_rule_file", deny)
    code, out, err = run(capsys, "check", VALID, BAD)
    assert code == EXIT_ERROR
    assert err == f"contract-rules: {VALID}: Permission denied\n"
    assert "2 errors, 0 warnings in 1 of 1 file; 1 not readable" in out
    code, out, err = run(capsys, "check", "--format", "github", VALID)
    assert code == EXIT_ERROR
    assert out == f"::error file={VALID}::Permission denied\n"


def test_directory_recurses_and_skips_mappings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    shutil.copy(VALID, tmp_path / "a.yaml")
    shutil.copy(BAD, tmp_path / "sub" / "deeper" / "b.yml")
    (tmp_path / "sub" / "events.mapping.yaml").write_text("columns: [not, a, ruleset]\n")
    (tmp_path / "notes.txt").write_text("not yaml: [")
    code, out, err = run(capsys, "check", "--format", "json", tmp_path)
    assert code == EXIT_FINDINGS and err == ""
    files = [f["file"] for f in json.loads(out)["files"]]
    assert files == [str(tmp_path / "a.yaml"), str(tmp_path / "sub" / "deeper" / "b.yml")]


def test_a_bad_file_never_hides_another(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("norms: [unclosed\n", encoding="utf-8")
    code, out, err = run(capsys, "check", "--format", "parsable", broken, BAD)
    assert code == EXIT_FINDINGS and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(f"{broken}:2:1: [error] CR001 ")
    assert [line.split(": [")[0] for line in lines[1:]] == [f"{BAD}:31:5", f"{BAD}:32:37"]


def test_the_same_file_twice_is_checked_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "parsable", BAD, BAD, BAD.parent)
    assert code == EXIT_FINDINGS
    assert sum(line.startswith(str(BAD)) for line in out.splitlines()) == 2


def test_every_rule_file_of_the_project_is_clean_strictly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    targets = [TACHENG, RULEFILES / "valid"]
    if (ROOT / "examples").is_dir():
        targets.append(ROOT / "examples")
    code, out, err = run(capsys, "check", "--strict", *targets)
    assert (code, err) == (EXIT_OK, ""), out
    assert out.endswith("checked: no problems\n")


# --------------------------------------------------------------------------- usage


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give a command"),
        (["check"], "the following arguments are required"),
        (["check", "--format", "xml", "x.yaml"], "invalid choice: 'xml'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_usage_errors_return_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_ERROR and out == ""
    assert message in err


def test_help_and_version_return_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == EXIT_OK and "check" in out and "schema" in out
    code, out, _ = run(capsys, "check", "--help")
    assert code == EXIT_OK and "--strict" in out and "github" in out
    code, out, _ = run(capsys, "--version")
    assert code == EXIT_OK and out.startswith("contract-rules ")


def test_main_entry_exits_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["contract-rules", "check", str(BAD)])
    with pytest.raises(SystemExit) as exc:
        cli.main_entry()
    assert exc.value.code == EXIT_FINDINGS


def test_check_stays_light() -> None:
    """The cold path of ``check`` imports neither the engine nor pandas nor numpy."""
    script = (
        "import sys\n"
        "from contract_rules.cli import main\n"
        f"code = main(['check', '--format', 'json', {str(TACHENG)!r}, {str(BAD)!r}])\n"
        "heavy = sorted(m for m in ('contract_rules.engine', 'contract_rules.report', "
        "'pandas', 'numpy') if m in sys.modules)\n"
        "print('HEAVY', heavy, code, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "HEAVY [] 1" in proc.stderr


# --------------------------------------------------------------------------- schema


def test_schema_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema")
    assert (code, err) == (EXIT_OK, "")
    assert out.endswith("}\n")
    schema = json.loads(out)
    assert schema["title"].startswith("contract_rules rule file")
    assert out == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    code, out, err = run(capsys, "schema", "--output", target)
    assert (code, out, err) == (EXIT_OK, "", "")
    assert target.read_text(encoding="utf-8") == cli.schema_text()
    code, out, err = run(capsys, "schema", "--output", tmp_path / "no" / "dir.json")
    assert code == EXIT_ERROR and out == "" and "dir.json" in err


def test_check_reads_a_named_mapping_file_as_a_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = Path(__file__).resolve().parents[1] / "examples/servicenow/servicenow.mapping.yaml"
    assert main(["check", str(good)]) == 0
    bad = tmp_path / "x.mapping.yaml"
    bad.write_text("format: contract-rules-mapping/1\nbogsu: 1\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["check", "--format", "parsable", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:2:1: [error] CR101" in out


def test_reader_limits_are_flags_with_the_loader_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import asdict

    from contract_rules.loader import DEFAULT_LIMITS

    assert asdict(DEFAULT_LIMITS) == cli.DEFAULT_LIMIT_VALUES
    rules = Path(__file__).resolve().parents[1] / "rules" / "tacheng_2024.yaml"
    assert main(["check", str(rules)]) == EXIT_OK
    capsys.readouterr()
    assert main(["check", "--format", "parsable", "--max-bytes", "1000", str(rules)]) == 1
    assert "CR008" in capsys.readouterr().out
    assert main(["check", "--max-depth", "0", str(rules)]) == EXIT_ERROR
    assert "--max-depth" in capsys.readouterr().err


def test_max_aliases_zero_forbids_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    rules = Path(__file__).resolve().parents[1] / "rules" / "tacheng_2024.yaml"
    assert main(["check", "--format", "parsable", "--max-aliases", "0", str(rules)]) == 1
    assert "CR006" in capsys.readouterr().out
