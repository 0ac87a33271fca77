"""``contract-rules explain`` and ``upcoming`` via ``main([...])``: exit code and output."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from _cli import run

from contract_rules import cli
from contract_rules.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from contract_rules.render import duration_words

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
SLA = ROOT / "examples" / "it_support_sla.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"


def explain(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "explain", TACHENG, EVENTS, "--as-of", AS_OF, *argv)


def write_events(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


# =========================================================================== explain


def test_explain_in_english_shows_the_tier_step_and_the_deciding_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = explain(
        capsys, "--rule", "onsite.response", "--key", "INC-013", "--lang", "en"
    )
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "onsite.response [INC-013] — respond to an on-site support request"
    assert lines[1] == (
        "  clause 3.1.3 · binding · party B "
        "(Xinjiang Xiruan Renmu Information Technology Co., Ltd.)"
    )
    assert lines[2] == "  tier: off_hours — outside working hours or a non-working day"
    assert "Clause text:" in lines
    text = lines[lines.index("Clause text:") + 1]
    assert text.startswith("  After Party A requests on-site support, Party B will respond within")
    steps = lines[lines.index("How the status was decided:") + 1 :]
    assert steps[:4] == [
        "  trigger: onsite_request E0063 at 2025-02-02 21:00",
        "  2025-02-02 21:00 is on a non-working day → tier off_hours: 6 hours",
        "  due 6 hours after the trigger → 2025-02-03 03:00",
        "  fulfilled at 2025-02-03 04:30, due 2025-02-03 03:00",
    ]
    assert "Status: violated — fulfilled late at 2025-02-03 04:30 (1h 30min after due)" in lines
    deciding = lines[lines.index("Deciding events:") + 1 :]
    assert deciding == [
        f"  E0063  onsite_request  2025-02-02T21:00:00+08:00  incident=INC-013  ({EVENTS}:63)",
        f"  E0064  response  2025-02-03T04:30:00+08:00  incident=INC-013  ({EVENTS}:64)",
    ]


def test_explain_in_chinese_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "--rule", "onsite.response", "--key", "INC-016")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "onsite.response [INC-016] — 现场支持响应"
    assert lines[1] == "  第 3.1.3 条 · 约束性 · 乙方 (新疆熙软仁沐信息科技有限公司)"
    assert lines[2] == "  档位: off_hours — 非工作时间及非工作日"
    assert lines[4] == "条款原文:"
    assert lines[5].startswith("  如发生系统运行技术故障且经甲方提出现场支持要求后")
    status = next(ln for ln in lines if ln.startswith("状态: "))
    assert status.startswith("状态: 已免责 — 原因 power_failure 于 2025-03-05 10:00 认定 (E0084)")
    assert "  2025-03-03 22:15 属于工作日的非工作时间 → 档位 off_hours: 6 小时" in lines
    deciding = lines[lines.index("决定性事件:") + 1 :]
    assert [ln.split()[0] for ln in deciding] == ["E0080", "E0081", "E0084"]
    assert "cause=power_failure" in deciding[2] and f"({EVENTS}:84)" in deciding[2]


def test_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(
        capsys, "--rule", "onsite.response", "--key", "INC-043", "--format", "json"
    )
    assert (code, err) == (EXIT_OK, "")
    doc = json.loads(out)
    assert (doc["rule"], doc["key"], doc["status"], doc["tier"]) == (
        "onsite.response", "INC-043", "violated", "working_hours",
    )  # fmt: skip
    assert doc["title"] == {"zh": "现场支持响应", "en": "respond to an on-site support request"}
    assert doc["clause_text"]["zh"].startswith("如发生系统运行技术故障")
    assert doc["clause_text"]["en"].startswith("After Party A requests on-site support")
    assert doc["tier_title"] == {"zh": "工作日的工作时间", "en": "working hours of a working day"}
    assert doc["due"] == "2025-10-20T13:00:00+08:00" and doc["fulfilled_at"] is None
    assert doc["reason"] == {
        "en": "not fulfilled by 2025-10-20 13:00",
        "zh": "至 2025-10-20 13:00 未履行",
    }
    assert doc["steps"]["en"][1] == (
        "2025-10-20 11:00 is inside working hours of a working day → tier working_hours: 2 hours"
    )
    assert doc["steps"]["zh"][1] == (
        "2025-10-20 11:00 属于工作日的工作时间 → 档位 working_hours: 2 小时"
    )
    (event,) = doc["events"]
    assert event["id"] == "E0224" and event["where"] == f"{EVENTS}:224"
    assert event["record"] == {
        "id": "E0224", "type": "onsite_request", "at": "2025-10-20T11:00:00+08:00",
        "incident": "INC-043",
    }  # fmt: skip


def test_explain_a_rule_without_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "--rule", "payment.annual_fee", "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "payment.annual_fee [-] — pay the annual fee"
    assert "  5 working days after term end 2025-11-17 (working days) → 2025-11-24 24:00" in lines
    assert "Status: fulfilled" in lines
    assert lines[-1].startswith("  E0242  payment  2025-11-21T11:00:00+08:00  amount=53600.00")
    code, out, err = explain(capsys, "--rule", "payment.annual_fee", "--key", "X")
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err == (
        "contract-rules: payment.annual_fee has no key (its instances are told apart by --nth); "
        "leave out --key\n"
    )


def test_explain_an_unknown_key_lists_the_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "--rule", "onsite.response", "--key", "INC-7")
    assert (code, out) == (EXIT_FINDINGS, "")
    keys = ", ".join(f"INC-{i:03d}" for i in range(1, 21))
    assert err == (
        "contract-rules: no instance of onsite.response with key 'INC-7'; did you mean 'INC-007'? "
        f"— keys of onsite.response: {keys} (first 20 of 46)\n"
    )


def test_explain_a_keyed_rule_needs_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "--rule", "onsite.fix")
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err.startswith(
        "contract-rules: onsite.fix has an instance per incident; give --key: INC-001, INC-002,"
    )


def test_explain_an_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = explain(capsys, "--rule", "onsite.respons", "--key", "INC-001")
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err.startswith(
        f"contract-rules: {TACHENG}: no rule 'onsite.respons'; did you mean 'onsite.response'? "
        "— rules: onsite.response, onsite.arrival, onsite.fix, service.confirmation,"
    )


def test_explain_nth_for_repeated_instances(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    change = {"type": "data_change", "party": "B", "authorized": False}  # no ids: named by content
    events = write_events(
        tmp_path / "changes.jsonl",
        {**change, "at": "2025-06-21T10:00:00+08:00"},
        {**change, "at": "2025-07-01T09:30:00+08:00"},
    )
    base = ("explain", TACHENG, events, "--as-of", AS_OF, "--rule", "data.no_unauthorized_change")
    code, out, err = run(capsys, *base, "--nth", "2", "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert "  instance 2 of 2 with this key" in lines
    assert "Status: violated — prohibited act at 2025-07-01 09:30" in lines
    # an event without an id is named by what it is (a digest), not by its position, and the
    # command finds its record again by that name
    name = lines[-1].split()[0]
    assert name.startswith("~") and len(name) == 11
    assert lines[-1] == (
        f"  {name}  data_change  2025-07-01T09:30:00+08:00  party=B  authorized=False  ({events}:2)"
    )
    code, out, err = run(capsys, *base, "--nth", "3")
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err == (
        "contract-rules: data.no_unauthorized_change has 2 instances; --nth 3 is beyond them\n"
    )
    code, out, err = run(capsys, *base, "--nth", "0")
    assert (code, out) == (EXIT_ERROR, "") and "argument --nth: expected a whole number" in err


def test_explain_a_rule_without_instances(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = write_events(tmp_path / "none.jsonl")
    code, out, err = run(
        capsys,
        "explain",
        TACHENG,
        events,
        "--as-of",
        AS_OF,
        "--rule",
        "onsite.fix",
        "--key",
        "INC-1",
    )
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err == "contract-rules: onsite.fix has no instance as of 2025-12-31T00:00:00+08:00\n"


def test_explain_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "explain", TACHENG, EVENTS, "--as-of", AS_OF)
    assert (code, out) == (EXIT_ERROR, "") and "the following arguments are required: --rule" in err
    missing = tmp_path / "none.jsonl"
    code, out, err = run(capsys, "explain", TACHENG, missing, "--rule", "onsite.fix")
    assert (code, out, err) == (
        EXIT_ERROR, "", f"contract-rules: {missing}: no such file or directory\n",
    )  # fmt: skip


# =========================================================================== upcoming

#: one on-site request in working hours: respond by 12:00 (2 h), arrive by 14:00 (4 h), fix by
#: 16:00 (6 h); the fee and the renewal inquiry (from the start of the term) are open too.
REQUEST = {
    "id": "E1",
    "type": "onsite_request",
    "at": "2025-03-03T10:00:00+08:00",
    "incident": "INC-1",
}


@pytest.fixture
def one_request(tmp_path: Path) -> Path:
    return write_events(tmp_path / "request.jsonl", REQUEST)


def upcoming(
    capsys: pytest.CaptureFixture[str], events: Path, now: str, *argv: str
) -> tuple[int, str, str]:
    return run(capsys, "upcoming", TACHENG, events, "--now", now, *argv)


def test_upcoming_json_time_left_and_share(
    capsys: pytest.CaptureFixture[str], one_request: Path
) -> None:
    code, out, err = upcoming(
        capsys, one_request, "2025-03-03T11:30:00+08:00", "--within", "3h", "--format", "json"
    )
    assert (code, err) == (EXIT_OK, "")
    doc = json.loads(out)
    # response: 90 of 120 minutes used, 30 left; arrival: 90 of 240, 150 left; fix (16:00) is
    # beyond 11:30 + 3 h
    assert [
        (d["rule"], d["key"], d["due"], d["time_left_seconds"], d["share_used"], d["warning"])
        for d in doc
    ] == [
        ("onsite.response", "INC-1", "2025-03-03T12:00:00+08:00", 1800, 0.75, 75),
        ("onsite.arrival", "INC-1", "2025-03-03T14:00:00+08:00", 9000, 0.375, None),
    ]
    assert set(doc[0]) == {
        "rule", "key", "nth", "clause", "title", "party", "strength", "tier", "trigger_at",
        "due", "time_left_seconds", "share_used", "measure", "warning",
    }  # fmt: skip
    assert (doc[0]["clause"], doc[0]["party"], doc[0]["measure"]) == ("3.1.3", "B", "clock")


@pytest.mark.parametrize(
    ("now", "share", "warning"),
    [
        ("2025-03-03T10:59:00+08:00", 59 / 120, None),
        ("2025-03-03T11:00:00+08:00", 0.5, 50),
        ("2025-03-03T11:48:00+08:00", 0.9, 90),
        ("2025-03-03T11:59:00+08:00", 119 / 120, 90),
    ],
)
def test_upcoming_warning_thresholds(
    capsys: pytest.CaptureFixture[str],
    one_request: Path,
    now: str,
    share: float,
    warning: int | None,
) -> None:
    code, out, _ = upcoming(capsys, one_request, now, "--within", "2h", "--format", "json")
    assert code == EXIT_OK
    (response,) = (d for d in json.loads(out) if d["rule"] == "onsite.response")
    assert response["share_used"] == round(share, 4) and response["warning"] == warning


def test_upcoming_table_in_english(capsys: pytest.CaptureFixture[str], one_request: Path) -> None:
    code, out, err = upcoming(
        capsys, one_request, "2025-03-03T11:30:00+08:00", "--within", "3h", "--lang", "en"
    )
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "Due within 3h of 2025-03-03T11:30+08:00: 2 of 5 open duties"
    assert lines[1].split() == [
        "rule", "key", "clause", "party", "due", "time", "left", "used", "warning", "title",
    ]  # fmt: skip
    assert lines[3].split() == [
        "onsite.response", "INC-1", "3.1.3", "B", "2025-03-03", "12:00", "30min", "75%", "⚠",
        "75%", "respond", "to", "an", "on-site", "support", "request",
    ]  # fmt: skip
    assert lines[4].split()[:8] == [
        "onsite.arrival", "INC-1", "3.1.3", "B", "2025-03-03", "14:00", "2h", "30min",
    ]  # fmt: skip
    assert lines[4].split()[8:] == ["37%", "arrive", "on", "site"]


def test_upcoming_table_in_chinese(capsys: pytest.CaptureFixture[str], one_request: Path) -> None:
    code, out, err = upcoming(capsys, one_request, "2025-03-03T11:30:00+08:00", "--within", "1d")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "2025-03-03T11:30+08:00 起 1天 内到期: 3 项 (未完成共 5 项)"
    assert lines[1].split()[5:8] == ["剩余时间", "已用时限", "预警"]
    assert lines[3].split()[6:10] == ["30分", "75%", "⚠", "75%"]
    assert lines[5].split()[:2] == ["onsite.fix", "INC-1"] and "4小时30分" in lines[5]


def test_upcoming_with_nothing_due(capsys: pytest.CaptureFixture[str], one_request: Path) -> None:
    now = "2025-03-04T00:00:00+08:00"  # every on-site duty is past due (violated), not open
    assert upcoming(capsys, one_request, now, "--format", "json") == (EXIT_OK, "[]\n", "")
    code, out, err = upcoming(capsys, one_request, now, "--lang", "en")
    assert (code, err) == (EXIT_OK, "")
    assert out == "Due within 2d of 2025-03-04T00:00+08:00: 0 of 2 open duties\nnothing falls due\n"


def test_upcoming_counts_working_time_for_working_hour_deadlines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A P2 ticket opened Tue 11:00: respond within 2 working hours, lunch 12-13 excluded, so
    # due 14:00. At 13:15 1 h 15 min of 2 h working time is used (62.5 %, warning 50), though
    # 2 h 15 min of 3 h clock time have passed (75 %).
    ticket = {
        "type": "ticket_opened",
        "at": "2025-03-04T11:00:00+08:00",
        "id": "S1-1",
        "ticket": "T-0304",
        "priority": "P2",
        "service": "ERP",
    }
    events = write_events(tmp_path / "tickets.jsonl", ticket)
    code, out, err = run(
        capsys,
        "upcoming",
        SLA,
        events,
        "--now",
        "2025-03-04T13:15:00+08:00",
        "--within",
        "1d",
        "--format",
        "json",
    )
    assert (code, err) == (EXIT_OK, "")
    response = json.loads(out)[0]
    assert (response["rule"], response["due"]) == ("sla.response", "2025-03-04T14:00:00+08:00")
    assert (response["time_left_seconds"], response["share_used"]) == (2700, 0.625)
    assert (response["measure"], response["warning"]) == ("working_hours", 50)


def test_upcoming_fail_at(capsys: pytest.CaptureFixture[str], one_request: Path) -> None:
    now = "2025-03-03T11:30:00+08:00"
    code, out, err = upcoming(capsys, one_request, now, "--format", "json", "--fail-at", "75")
    assert code == EXIT_FINDINGS and len(json.loads(out)) == 3
    assert err == "contract-rules: 1 duty at or above 75% (--fail-at)\n"
    code, _, err = upcoming(capsys, one_request, now, "--format", "json", "--fail-at", "90")
    assert (code, err) == (EXIT_OK, "")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--within", "3x"], "argument --within: bad duration '3x'"),
        (["--within", "0h"], "argument --within: duration '0h' must be longer than zero"),
        (["--now", "tomorrow"], "argument --now: bad instant 'tomorrow'"),
        (["--fail-at", "60"], "argument --fail-at: invalid choice: 60"),
        (["--format", "csv"], "argument --format: invalid choice: 'csv'"),
    ],
)
def test_upcoming_bad_arguments(
    capsys: pytest.CaptureFixture[str], one_request: Path, argv: list[str], named: str
) -> None:
    code, out, err = run(capsys, "upcoming", TACHENG, one_request, *argv)
    assert (code, out) == (EXIT_ERROR, "")
    assert err.startswith("usage: contract-rules upcoming") and named in err


def test_upcoming_bad_event_and_missing_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write_events(tmp_path / "bad.jsonl", REQUEST, {"type": "onsite_request", "at": "x"})
    code, out, err = run(capsys, "upcoming", TACHENG, bad, "--now", AS_OF)
    assert (code, out) == (EXIT_FINDINGS, "")
    assert err.startswith(f"contract-rules: {bad}:2: bad timestamp 'x'")
    code, out, err = run(capsys, "upcoming", TACHENG, tmp_path / "no.jsonl", "--now", AS_OF)
    assert (code, out) == (EXIT_ERROR, "") and "no.jsonl: no such file or directory" in err


# =========================================================================== option values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48h", timedelta(hours=48)),
        ("90m", timedelta(minutes=90)),
        ("90min", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(hours=36)),
        ("1d 2h 30m", timedelta(days=1, hours=2, minutes=30)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert cli.duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "48", "2w", "-1h", "1h1d", "0m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(Exception, match="duration"):
        cli.duration(text)


def test_duration_words() -> None:
    assert duration_words(timedelta(days=1, hours=2, minutes=30, seconds=59)) == "1d 2h 30min"
    assert duration_words(timedelta(days=1, hours=2, minutes=30), "zh") == "1天2小时30分"
    assert duration_words(timedelta(seconds=30)) == "<1min"
    assert duration_words(timedelta(minutes=-5)) == "-5min"


def test_warning_levels() -> None:
    assert [cli.warning_level(s) for s in (0.0, 0.4999, 0.5, 0.7499, 0.75, 0.8999, 0.9, 1.0)] == [
        None, None, 50, 50, 75, 75, 90, 90,
    ]  # fmt: skip


def test_upcoming_takes_as_of_as_eval_and_explain_do(
    capsys: pytest.CaptureFixture[str], one_request: Path
) -> None:
    """`--as-of` is another spelling of upcoming's `--now`: the same list, byte for byte."""
    argv = ("--within", "3h", "--format", "json")
    by_now = upcoming(capsys, one_request, "2025-03-03T11:30:00+08:00", *argv)
    by_as_of = run(
        capsys, "upcoming", TACHENG, one_request, "--as-of", "2025-03-03T11:30:00+08:00", *argv
    )
    assert by_now[0] == EXIT_OK
    assert by_as_of == by_now
    assert json.loads(by_now[1])  # two duties fall due within the window


def test_upcoming_refuses_now_and_as_of_together(
    capsys: pytest.CaptureFixture[str], one_request: Path
) -> None:
    """Two instants for one evaluation: a usage error naming both, not the last one silently."""
    code, out, err = upcoming(
        capsys, one_request, "2025-03-03T11:30:00+08:00", "--as-of", "2025-03-04T11:30:00+08:00"
    )
    assert (code, out) == (EXIT_ERROR, "")
    assert "argument --as-of: not allowed with argument --now" in err


def test_explain_names_the_event_that_released_an_instance(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A discharged instance was decided by the release, not by its trigger alone: the waiver
    is among the deciding events, with its record (examples/sale_of_goods.yaml, the waived
    interest)."""
    events = write_events(
        tmp_path / "sale.jsonl",
        {"id": "E1", "type": "purchase_order", "at": "2025-03-01T09:00:00+08:00",
         "order": "PO-1", "delivery_date": "2025-03-10"},
        {"id": "E2", "type": "delivery", "at": "2025-03-10T15:00:00+08:00", "order": "PO-1"},
        {"id": "W1", "type": "interest_waiver", "at": "2025-04-18T10:00:00+08:00",
         "order": "PO-1"},
    )  # fmt: skip
    code, out, err = run(
        capsys,
        "explain",
        ROOT / "examples" / "sale_of_goods.yaml",
        events,
        "--as-of", "2025-05-01T00:00:00+08:00",
        "--rule", "interest", "--key", "PO-1", "--format", "json", "--lang", "en",
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    doc = json.loads(out)
    assert doc["status"] == "discharged"
    assert [e["id"] for e in doc["events"]] == ["W1"]
    assert doc["events"][0]["record"]["type"] == "interest_waiver"
