"""``contract-rules eval`` via ``main([...])``: exit code and output together, every format."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from _cli import run

import contract_rules as cr
from contract_rules import cli
from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from contract_rules.render import verdict

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
BAD_RULES = ROOT / "tests" / "rulefiles" / "invalid" / "cr101_unknown_key.yaml"  # 31:5, 32:37
AS_OF = "2025-12-31T00:00:00+08:00"

BREACHES = [  # the binding breaches of the year of events (examples/*.expected.md)
    ("onsite.response", "INC-005"),
    ("onsite.response", "INC-013"),
    ("onsite.response", "INC-022"),
    ("data.no_unauthorized_change", None),
    ("onsite.response", "INC-032"),
    ("onsite.response", "INC-038"),
    ("onsite.response", "INC-043"),
]


def demo(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run(capsys, "eval", TACHENG, EVENTS, "--as-of", AS_OF, *extra)


@pytest.fixture(scope="module")
def report(tacheng_report: cr.Report) -> cr.Report:
    return tacheng_report


def write_events(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


REQUEST = {"id": "E1", "type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I"}
ON_TIME = {"id": "E2", "type": "response", "at": "2025-03-03T11:00:00+08:00", "incident": "I"}


# --------------------------------------------------------------------------- formats


def test_table_defaults_to_the_rulesets_language(
    capsys: pytest.CaptureFixture[str], report: cr.Report
) -> None:
    code, out, err = demo(capsys)
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "履约评估报告: 医院综合运营管理系统运维服务协议"
    assert lines[1] == f"评估时点: {AS_OF}"
    answer = "结论: 具约束力的义务违约 7 项 (乙方: 7); 应付: 乙方 20000.00 CNY; 进行中 4 项"
    assert lines[2] == answer and lines[-1] == answer  # the one-line answer, first and last
    assert "== 各项义务 (11)" in lines
    duty = next(ln for ln in lines if ln.startswith("onsite.response "))
    assert duty.split() == [
        "onsite.response",
        "3.1.3",
        "B",
        "约束性",
        "0",
        "37",
        "6",
        "3",
        "现场支持响应",
    ]
    assert f"== 义务台账 ({len(report.obligations)})" in lines
    assert "== 违约 (具约束力的义务未履行) (7)" in lines
    assert "已履行" in out and "未履行" in out and "已免责" in out
    assert out == out.rstrip("\n") + "\n"


def test_table_in_english(capsys: pytest.CaptureFixture[str], report: cr.Report) -> None:
    code, out, err = demo(capsys, "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].startswith("Evaluation report: Hospital Integrated Operations Management")
    answer = (
        "Verdict: 7 breaches of binding duties (party B: 7); payable: party B 20000.00 CNY; "
        "4 pending"
    )
    assert lines[2] == answer and lines[-1] == answer
    assert "== Duties (11)" in lines
    assert any("repair the fault" in ln for ln in lines)  # norm titles in English
    start = lines.index("== Breaches (violated binding duties) (7)")
    header = lines[start + 1].split()
    assert header[:3] == ["rule", "clause", "party"]
    rows = [ln.split()[:4] for ln in lines[start + 3 : start + 3 + 7]]
    assert [(r[0], None if r[3] == "-" else r[3]) for r in rows] == BREACHES
    assert "== Liability and remedies" in lines
    assert "== Events: input 249, used 245, ignored 4, rejected 0" in lines


def test_json_is_the_report(capsys: pytest.CaptureFixture[str], report: cr.Report) -> None:
    code, out, err = demo(capsys, "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    assert out == report.to_json()
    doc = json.loads(out)
    assert [(b["rule"], b["key"]) for b in doc["breaches"]] == BREACHES
    assert doc["counts"] == {"pending": 4, "fulfilled": 153, "violated": 26, "excused": 8}
    assert doc["liability"]["totals"]["liability.cap"]["payable"] == "12000.00"
    assert doc["events"]["counts"]["input"] == 249
    # JSON does not depend on the language
    assert run(capsys, "eval", TACHENG, EVENTS, "--as-of", AS_OF, "--format", "json")[1] == out


def test_csv_has_a_header_and_one_row_per_instance(
    capsys: pytest.CaptureFixture[str], report: cr.Report
) -> None:
    code, out, err = demo(capsys, "--format", "csv", "--lang", "zh")
    assert (code, err) == (EXIT_OK, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "rule", "clause", "party", "key", "nth", "tier", "trigger_at", "due", "status",
        "fulfilled_at", "strength", "reason", "events",
    ]  # fmt: skip
    assert len(rows) == 1 + len(report.obligations) == 192
    assert {r[8] for r in rows[1:]} == {"pending", "fulfilled", "violated", "excused"}
    late = next(r for r in rows if r[0] == "onsite.response" and r[3] == "INC-013")
    assert late[7:10] == [
        "2025-02-03T03:00:00+08:00",
        "violated",
        "2025-02-03T04:30:00+08:00",
    ]


def test_html_names_the_breaches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = demo(capsys, "--format", "html", "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("<!DOCTYPE html>")  # one self-contained document (html_report)
    breaches = out.split('<section id="cr-breaches">')[1].split("</section>")[0]
    cells = re.findall(r'<tr data-rule="([^"]*)" data-key="([^"]*)">', breaches)
    assert [(rule, key or None) for rule, key in cells] == BREACHES
    code, zh, _ = demo(capsys, "--format", "html")
    assert code == EXIT_OK and "违约责任与补偿" in zh and "Liability" not in zh


def test_markdown_has_tables_and_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = demo(capsys, "--format", "markdown", "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].startswith("# Evaluation report: ")
    verdict_head = "**Verdict: 7 breaches of binding duties (party B: 7); "
    assert verdict_head + "payable: party B 20000.00 CNY; " in out
    head = lines.index(
        "| rule | clause | party | key | tier | trigger | due | status "
        "| fulfilled at | strength | reason |"
    )
    assert lines[head + 1] == "|" + "---|" * 11
    assert lines[head + 2].startswith("| onsite.response | 3.1.3 | B | INC-005 |")
    code, zh, _ = demo(capsys, "--format", "markdown")
    assert code == EXIT_OK and "## 违约 (具约束力的义务未履行)" in zh and "| 规则 | 条款 |" in zh


# --------------------------------------------------------------------------- --fail-on-breach


def test_fail_on_breach_with_breaches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = demo(capsys, "--fail-on-breach", "--lang", "en")
    assert code == EXIT_FINDINGS
    assert out.startswith("Evaluation report:")  # the report is still written
    assert err == "contract-rules: 7 breaches of binding duties (--fail-on-breach)\n"


def test_fail_on_breach_without_breaches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = write_events(tmp_path / "ok.jsonl", REQUEST, ON_TIME)
    args = ("eval", TACHENG, events, "--as-of", "2025-03-03T12:00:00+08:00", "--lang", "en")
    code, out, err = run(capsys, *args, "--fail-on-breach")
    assert (code, err) == (EXIT_OK, "")
    assert "Verdict: no breach of a binding duty; 4 pending" in out.splitlines()
    # without the flag, breaches never change the exit code
    code, out, err = run(capsys, "eval", TACHENG, EVENTS, "--as-of", AS_OF, "--format", "csv")
    assert (code, err) == (EXIT_OK, "")


# --------------------------------------------------------------------------- errors


def test_an_invalid_event_stops_the_run_naming_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = {"id": "E2", "type": "respons", "at": "2025-03-03T11:00:00+08:00", "incident": "I"}
    events = write_events(tmp_path / "bad.jsonl", REQUEST, bad)
    code, out, err = run(capsys, "eval", TACHENG, events, "--as-of", AS_OF)
    assert (code, out) == (EXIT_FINDINGS, "")
    first = err.splitlines()[0]
    assert first.startswith(f"contract-rules: {events}:2: unknown event type 'respons'")
    assert "--collect" in err


def test_collect_reports_invalid_events_as_rejected(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    naive = {"id": "E2", "type": "response", "at": "2025-03-03T11:00:00", "incident": "I"}
    events = write_events(tmp_path / "bad.jsonl", REQUEST, naive)
    code, out, err = run(
        capsys, "eval", TACHENG, events, "--as-of", AS_OF, "--collect", "--format", "json"
    )
    assert code == EXIT_OK
    doc = json.loads(out)
    (rejected,) = doc["events"]["rejected"]
    assert rejected["where"] == f"{events}:2" and "no offset" in rejected["reason"]
    assert (
        err.splitlines()[0] == "contract-rules: 1 event rejected (--collect); the report lists them"
    )
    assert err.splitlines()[1].startswith(f"  {events}:2: naive timestamp")


def test_naive_tz_reads_timestamps_without_offset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    naive = {"id": "E2", "type": "response", "at": "2025-03-03T11:00:00", "incident": "I"}
    events = write_events(tmp_path / "naive.jsonl", REQUEST, naive)
    args = ("eval", TACHENG, events, "--as-of", AS_OF, "--format", "json")
    code, out, err = run(capsys, *args, "--naive-tz", "Asia/Shanghai")
    assert (code, err) == (EXIT_OK, "")
    response = next(o for o in json.loads(out)["obligations"] if o["rule"] == "onsite.response")
    assert response["status"] == "fulfilled"
    assert response["fulfilled_at"] == "2025-03-03T11:00:00+08:00"
    code, out, err = run(capsys, *args, "--naive-tz", "Mars/Olympus")
    assert code == EXIT_ERROR and out == "" and "argument --naive-tz: unknown time zone" in err


def test_missing_events_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    code, out, err = run(capsys, "eval", TACHENG, missing, "--as-of", AS_OF)
    assert (code, out) == (EXIT_ERROR, "")
    assert err == f"contract-rules: {missing}: no such file or directory\n"


def test_events_path_that_is_a_directory_or_of_unknown_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "eval", TACHENG, tmp_path, "--as-of", AS_OF)
    assert (code, out) == (EXIT_ERROR, "") and "is a directory" in err
    txt = tmp_path / "events.txt"
    txt.write_text("{}\n", encoding="utf-8")
    code, out, err = run(capsys, "eval", TACHENG, txt, "--as-of", AS_OF)
    assert (code, out) == (EXIT_ERROR, "")
    assert err == (
        f"contract-rules: {txt}: unknown event file type '.txt' "
        "(use .jsonl, .ndjson, .json, .csv)\n"
    )


def test_missing_rule_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "eval", tmp_path / "none.yaml", EVENTS, "--as-of", AS_OF)
    assert (code, out) == (EXIT_ERROR, "")
    assert err == f"contract-rules: {tmp_path / 'none.yaml'}: no such file or directory\n"


def test_invalid_rule_file_prints_its_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", BAD_RULES, EVENTS, "--as-of", AS_OF)
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err.splitlines() == [
        f"contract-rules: {BAD_RULES}: 2 errors in the rule file; nothing was evaluated",
        f"  {BAD_RULES}:31:5: [error] CR101 unknown key 'dealine'; did you mean 'deadline'? "
        "(unknown-key)",
        f"  {BAD_RULES}:32:37: [error] CR101 unknown key 'whn'; did you mean 'when'? (unknown-key)",
    ]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--as-of", "yesterday"], "argument --as-of: bad instant 'yesterday'"),
        (["--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
        (["--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_bad_arguments_exit_2_naming_the_argument(
    capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    code, out, err = run(capsys, "eval", TACHENG, EVENTS, *argv)
    assert (code, out) == (EXIT_ERROR, "")
    assert named in err and err.startswith("usage: contract-rules")


def test_missing_positional_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", TACHENG)
    assert (code, out) == (EXIT_ERROR, "")
    assert "the following arguments are required: EVENTS" in err


def test_as_of_defaults_to_now(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    events = write_events(tmp_path / "ok.jsonl", REQUEST, ON_TIME)
    before = datetime.now(UTC)
    code, out, err = run(capsys, "eval", TACHENG, events, "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    as_of = datetime.fromisoformat(json.loads(out)["as_of"])
    assert before - timedelta(seconds=1) <= as_of <= datetime.now(UTC)
    assert as_of.utcoffset() == timedelta(hours=8)  # reported in the contract's zone


# --------------------------------------------------------------------------- progress


def many_events(path: Path, n: int) -> Path:
    """``n`` events: requests 40 minutes apart from 2024-11-20, each answered 30 minutes later."""
    t = datetime(2024, 11, 20, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    lines: list[dict[str, object]] = []
    for i in range(n // 2):
        at = t + timedelta(minutes=40 * i)
        later = at + timedelta(minutes=30)
        lines.append(
            {"id": f"R{i}", "type": "onsite_request", "at": at.isoformat(), "incident": f"I-{i}"}
        )
        lines.append(
            {"id": f"S{i}", "type": "response", "at": later.isoformat(), "incident": f"I-{i}"}
        )
    return write_events(path, *lines)


@pytest.fixture(scope="module")
def big_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return many_events(tmp_path_factory.mktemp("big") / "big.jsonl", 20_000)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str], big_events: Path
) -> None:
    code, out, err = run(capsys, "eval", TACHENG, big_events, "--as-of", AS_OF, "--format", "csv")
    assert (code, err) == (EXIT_OK, "")
    assert len(out.splitlines()) == 1 + 2 + 3 * 10_000  # header, 2 dated duties, 3 per request
    assert cli.progress_for(io.StringIO()) is None


def test_progress_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, big_events: Path
) -> None:
    tty = FakeTerminal()
    monkeypatch.setattr("sys.stderr", tty)
    code = main(["eval", str(TACHENG), str(big_events), "--as-of", AS_OF, "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == EXIT_OK and json.loads(out)["events"]["counts"]["input"] == 20_000
    shown = tty.getvalue()
    assert re.fullmatch(
        r"\r… 10,000 events read \([\d,]+/s\)\r… 20,000 events read \([\d,]+/s\)\r\x1b\[K", shown
    )


# --------------------------------------------------------------------------- verdict


def test_verdict_without_breaches_or_remedies(report: cr.Report) -> None:
    assert verdict(report, "en").startswith("Verdict: 7 breaches of binding duties (party B: 7)")
    empty = cr.evaluate(cr.load_ruleset(TACHENG), [], as_of="2024-11-19T00:00:00+08:00")
    assert verdict(empty, "en") == "Verdict: no breach of a binding duty; 2 pending"
    assert verdict(empty, "zh") == "结论: 无具约束力的义务违约; 进行中 2 项"


def test_python_dash_m_runs_the_same_program() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "contract_rules", "eval", str(TACHENG), str(EVENTS),
         "--as-of", AS_OF, "--lang", "en", "--fail-on-breach"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == EXIT_FINDINGS
    assert proc.stdout.splitlines()[-1].startswith("Verdict: 7 breaches")
    assert proc.stderr == "contract-rules: 7 breaches of binding duties (--fail-on-breach)\n"
