"""The command line reads ticket exports (``--mapping``) and standard input (``-``), and gives no
verdict without evidence: ``eval``/``upcoming``/``explain`` with exit codes and output."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from _cli import run
from test_mapping import BAD_ROWS, MAPPING, ROWS, write_csv

from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
SLA = ROOT / "examples" / "servicenow" / "sla.yaml"
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2016-04-01T00:00:00+00:00"


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    """A small export (8 rows of 2 incidents) and its mapping."""
    (tmp_path / "m.mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "export.csv", ROWS), tmp_path / "m.mapping.yaml"


def feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_an_export_without_mapping_gets_a_hint_naming_the_option(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path]
) -> None:
    code, out, err = run(capsys, "eval", SLA, export[0], "--as-of", AS_OF, "--collect")
    assert code == EXIT_ERROR
    assert "looks like a ticket export" in err and "--mapping" in err
    assert "Verdict" not in out


def test_eval_reads_an_export_through_its_mapping_with_statistics(
    capsys: pytest.CaptureFixture[str], export: tuple[Path, Path]
) -> None:
    path, mapping = export
    code, out, err = run(capsys, "eval", SLA, path, "--mapping", mapping, "--as-of", AS_OF)
    assert code == EXIT_OK, err
    assert out.startswith(f"Import: {path} through {mapping}: 8 rows → ")
    assert "0 rejected" in out.splitlines()[0]
    code, out, _ = run(
        capsys, "eval", SLA, path, "--mapping", mapping, "--as-of", AS_OF, "--format", "json"
    )
    doc = json.loads(out)
    assert doc["import"]["rows"] == 8 and doc["import"]["rows_rejected"] == 0
    assert doc["import"]["events"] == doc["events"]["counts"]["input"]
    assert doc["verdict"]["status"] in ("breach", "no_breach")


def test_rejected_rows_are_counted_in_the_verdict_and_strict_fails_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "m.mapping.yaml").write_text(MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "export.csv", ROWS + BAD_ROWS)
    argv = ("eval", SLA, path, "--mapping", tmp_path / "m.mapping.yaml", "--as-of", AS_OF)
    code, out, err = run(capsys, *argv, "--collect")
    assert code == EXIT_OK, err
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("Verdict:") and last.endswith("events rejected")
    assert "top reasons of rejection:" in out
    code, out, err = run(capsys, *argv, "--collect", "--strict")
    assert code == EXIT_FINDINGS
    assert "rejected: the verdict rests on part of the input (--strict)" in err
    code, out, _ = run(capsys, *argv, "--collect", "--format", "json")
    doc = json.loads(out)
    assert doc["verdict"]["events_rejected"] == doc["import"]["rows_rejected"] > 0
    assert doc["import"]["top_reasons"][0]["count"] >= 1


def test_no_verdict_without_evidence(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Every row of a raw export read as events is rejected: eval says so and exits 1."""
    path = tmp_path / "raw.jsonl"
    path.write_text('{"number": "INC1"}\n{"number": "INC2"}\n', encoding="utf-8")
    code, out, err = run(capsys, "eval", SLA, path, "--as-of", AS_OF, "--collect")
    assert code == EXIT_FINDINGS
    assert "Verdict: none: no event could be used (2 read, 2 rejected)" in out
    assert "no verdict: no event could be used" in err
    code, out, _ = run(capsys, "eval", SLA, path, "--as-of", AS_OF, "--collect", "--format", "json")
    assert code == EXIT_FINDINGS
    assert json.loads(out)["verdict"]["status"] == "no_evidence"


def test_events_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ("eval", TACHENG, "-", "--as-of", "2025-12-31T00:00:00+08:00", "--format", "json")
    feed(monkeypatch, EVENTS.read_bytes())
    code, from_stdin, err = run(capsys, *argv)
    assert code == EXIT_OK, err
    code, from_file, _ = run(capsys, *(a if a != "-" else EVENTS for a in argv))
    assert json.loads(from_stdin) == json.loads(from_file.replace(str(EVENTS), "<stdin>"))
    feed(monkeypatch, EVENTS.read_bytes() + b'{"type": "nope"}\n')
    code, out, err = run(capsys, *argv, "--collect")
    rejected = json.loads(out)["events"]["rejected"]
    assert [e["where"] for e in rejected] == [
        f"<stdin>:{len(EVENTS.read_bytes().splitlines()) + 1}"
    ]


def test_an_export_from_standard_input_and_explain_finds_its_events(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, export: tuple[Path, Path]
) -> None:
    path, mapping = export
    feed(monkeypatch, path.read_bytes())
    code, out, err = run(
        capsys, "explain", SLA, "-", "--mapping", mapping, "--as-of", AS_OF,
        "--rule", "sla.response", "--key", "INC1", "--format", "json",
    )  # fmt: skip
    assert code == EXIT_OK, err
    doc = json.loads(out)
    assert doc["import"]["export"] == "<stdin>" and doc["import"]["rows"] == 8
    assert any(str(e.get("where", "")).startswith("<stdin>:") for e in doc["events"])


def test_report_json_has_format_and_version_and_upcoming_json_is_sorted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from contract_rules import __version__

    _, out, _ = run(
        capsys, "eval", TACHENG, EVENTS, "--as-of", "2025-12-31T00:00:00+08:00", "--format", "json"
    )
    doc = json.loads(out)
    assert (doc["format"], doc["version"]) == ("contract-rules-report/1", __version__)
    _, out, _ = run(
        capsys, "upcoming", TACHENG, EVENTS, "--now", "2025-11-18T09:00:00+08:00",
        "--within", "30d", "--format", "json",
    )  # fmt: skip
    items = json.loads(out)
    assert items, "the example year has duties due in these 30 days"
    for item in items:
        assert list(item) == sorted(item)
