"""``contract-rules check`` in CI: SARIF 2.1.0 (validated against its schema), standard input,
``--select``/``--ignore``, ``[tool.contract-rules]`` in pyproject.toml, inline ignore comments,
and an import mapping checked against the ruleset checked with it."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import jsonschema
import pytest
from _cli import run
from test_mapping import MAPPING

from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "examples" / "berlin_hosting_sla.yaml"
SLA = ROOT / "examples" / "servicenow" / "sla.yaml"
#: The OASIS SARIF 2.1.0 schema (tests/data/README.md names its source).
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
CITED = '    title: {en: answer a support request}\n    clause: "2.1"'


def warned(tmp_path: Path, comment: str = "", name: str = "sla.yaml") -> Path:
    """The Berlin contract citing a clause it does not list: one CR210 warning, on the line of
    ``clause: "2.9"`` (with ``comment`` appended to that line, or on its own line before)."""
    text = BERLIN.read_text(encoding="utf-8")
    if comment.startswith("\n"):
        new = f'    title: {{en: answer a support request}}{comment}\n    clause: "2.9"'
    else:
        new = f'    title: {{en: answer a support request}}\n    clause: "2.9"{comment}'
    path = tmp_path / name
    path.write_text(text.replace(CITED, new), encoding="utf-8")
    return path


def broken(tmp_path: Path) -> Path:
    """An error (CR204, a misspelt subdivision) and a warning (CR210)."""
    path = warned(tmp_path, name="broken.yaml")
    path.write_text(path.read_text().replace("holidays:DE-BE", "holidays:DE-BX"), encoding="utf-8")
    return path


def test_sarif_is_valid_and_carries_every_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = broken(tmp_path)
    code, out, _ = run(capsys, "check", "--format", "sarif", path, tmp_path / "missing.yaml")
    assert code == EXIT_ERROR  # a path that does not exist
    doc = json.loads(out)
    jsonschema.validate(doc, SARIF_SCHEMA)
    (sarif_run,) = doc["runs"]
    assert doc["version"] == "2.1.0"
    got = {
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in sarif_run["results"]
    }
    _, parsable, _ = run(capsys, "check", "--format", "parsable", path)
    want = {
        (ln.split("] ")[1].split()[0], ln.split("[")[1].split("]")[0], int(ln.split(":")[1]))
        for ln in parsable.splitlines()
    }
    assert got == want and {c for c, _, _ in got} == {"CR204", "CR210"}
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["CR204", "CR210"]
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert "missing.yaml" in notes[0]["message"]["text"]
    assert sarif_run["invocations"][0]["executionSuccessful"] is False


def test_a_clean_run_is_valid_sarif_too(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "sarif", BERLIN)
    assert code == EXIT_OK
    jsonschema.validate(json.loads(out), SARIF_SCHEMA)
    assert json.loads(out)["runs"][0]["results"] == []


def test_a_rule_file_on_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = broken(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, out, _ = run(capsys, "check", "--format", "parsable", "-")
    assert code == EXIT_FINDINGS
    _, from_file, _ = run(capsys, "check", "--format", "parsable", path)
    assert out == from_file.replace(str(path), "<stdin>")


def test_select_and_ignore_codes_and_prefixes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = broken(tmp_path)
    code, out, _ = run(capsys, "check", "--format", "parsable", "--select", "CR2", path)
    assert code == EXIT_FINDINGS and "CR204" in out and "CR210" in out
    code, out, _ = run(capsys, "check", "--format", "parsable", "--ignore", "cr204", path)
    assert code == EXIT_OK and "CR204" not in out and "CR210" in out
    code, out, _ = run(capsys, "check", "--strict", "--ignore", "CR204,CR210", path)
    assert code == EXIT_OK
    assert "(2 left out by --select/--ignore or ignore comments)" in out
    code, _, err = run(capsys, "check", "--ignore", "CR2100", path)
    assert code == EXIT_ERROR and "unknown finding code 'CR2100'" in err


def test_pyproject_configuration_is_found_upward_and_strict_honours_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = warned(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.contract-rules]\nignore = ["CR210"]\n', encoding="utf-8"
    )
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    assert run(capsys, "check", "--strict", path)[0] == EXIT_OK
    code, _, _ = run(capsys, "check", "--strict", "--select", "CR210", path)
    assert code == EXIT_OK  # the configuration's ignore still applies
    (tmp_path / "pyproject.toml").write_text(
        "[tool.contract-rules]\nignroe = []\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "check", path)
    assert code == EXIT_ERROR and "did you mean 'ignore'?" in err
    monkeypatch.chdir(ROOT.parent)  # no configuration above: the warning fails --strict
    assert run(capsys, "check", "--strict", path)[0] == EXIT_FINDINGS


@pytest.mark.parametrize(
    "comment",
    [
        "  # contract-rules: ignore[CR210]",
        "  # contract-rules: ignore",
        "  # contract-rules: ignore[CR204, CR210]",
        "\n    # contract-rules: ignore[CR210]",  # alone on the line before
    ],
)
def test_an_inline_comment_silences_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, comment: str
) -> None:
    code, out, _ = run(
        capsys, "check", "--strict", "--format", "parsable", warned(tmp_path, comment)
    )
    assert (code, out) == (EXIT_OK, "")
    other = warned(tmp_path, "  # contract-rules: ignore[CR204]", name="other.yaml")
    code, out, _ = run(capsys, "check", "--strict", "--format", "parsable", other)
    assert code == EXIT_FINDINGS and "CR210" in out  # another code's comment silences nothing


def test_a_mapping_is_checked_against_the_ruleset_given_with_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = tmp_path / "m.mapping.yaml"
    mapping.write_text(MAPPING.replace("type: incident_state", "type: incident_stat"))
    assert run(capsys, "check", mapping)[0] == EXIT_OK  # alone: only its own shape
    code, out, _ = run(capsys, "check", SLA, mapping)
    assert code == EXIT_FINDINGS
    assert "incident_stat" in out and str(mapping) in out
