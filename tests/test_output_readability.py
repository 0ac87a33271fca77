"""Output a person reads: offsets where the clocks change, error hints in the contract's zone,
bare dates for the evaluation instant, the language fallback, working-time shares in
``upcoming`` and the non-working days ``explain`` names.

The German example (examples/berlin_hosting_sla.yaml: Europe/Berlin, holidays:DE-BE) is used
around the last Sundays of March and October, when Berlin's clocks change.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from _cli import run

from contract_rules import load_ruleset
from contract_rules.cli import EXIT_OK
from contract_rules.engine import evaluate
from contract_rules.render import render_markdown, render_table
from contract_rules.text import fmt

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "examples" / "berlin_hosting_sla.yaml"

#: a 30-minute clock deadline added to the Berlin contract (its own norms count working time,
#: which never reaches the night hours when the clocks change)
_QUICK = """
  - id: outage.ack
    title: {en: acknowledge an outage}
    clause: "2.1"
    text: {en: The Provider acknowledges each outage within 30 minutes.}
    party: provider
    strength: binding
    trigger: {event: request_opened}
    key: request
    deadline: {minutes: 30}
    fulfilled_by: {event: request_answered}
"""


def berlin_with_quick(tmp_path: Path) -> Path:
    """The Berlin contract with a 30-minute clock deadline among its norms."""
    text = BERLIN.read_text(encoding="utf-8")
    text = text.replace("\nremedies:", _QUICK.rstrip("\n") + "\n\nremedies:", 1)
    path = tmp_path / "berlin_quick.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_events(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def ledger_cells(table: str, rule: str, key: str) -> list[str]:
    """The cells of the ledger row of ``rule`` and ``key`` in a plain-text table."""
    for line in table.splitlines():
        cells = re.split(r"\s{2,}", line)
        if cells[0] == rule and cells[3] == key:
            return cells
    raise AssertionError(f"no row {rule} [{key}] in:\n{table}")


def opened(at: str, request: str = "R-1", id_: str = "E1") -> dict[str, object]:
    return {"type": "request_opened", "at": at, "id": id_, "request": request}


# =========================================================================== 1. offsets


def test_a_deadline_across_the_spring_change_shows_both_offsets_in_table_and_markdown(
    tmp_path: Path,
) -> None:
    """01:45 CET + 30 min is 03:15 CEST: shown bare it would read as 1h 30min."""
    rules = load_ruleset(berlin_with_quick(tmp_path))
    report = evaluate(rules, [opened("2025-03-30T01:45:00+01:00")], "2025-03-30T12:00:00+02:00")
    table = render_table(report, "en")
    cells = ledger_cells(table, "outage.ack", "R-1")
    assert cells[5:7] == ["2025-03-30 01:45+01:00", "2025-03-30 03:15+02:00"]
    md = render_markdown(report, "en")
    assert "2025-03-30 01:45+01:00 | 2025-03-30 03:15+02:00" in md
    # the working-hours response falls due on Monday in summer time: its offset is shown
    assert "2025-03-31 13:00+02:00" in table


def test_standard_time_on_an_ordinary_day_stays_bare_and_summer_time_shows_its_offset(
    tmp_path: Path,
) -> None:
    rules = load_ruleset(berlin_with_quick(tmp_path))
    events = [
        opened("2025-02-04T10:00:00+01:00", "W", "E1"),
        opened("2025-07-01T10:00:00+02:00", "S", "E2"),
    ]
    table = render_table(evaluate(rules, events, "2025-08-01T00:00:00+02:00"), "en")
    assert ledger_cells(table, "outage.ack", "W")[5:7] == ["2025-02-04 10:00", "2025-02-04 10:30"]
    assert ledger_cells(table, "outage.ack", "S")[5:7] == [
        "2025-07-01 10:00+02:00",
        "2025-07-01 10:30+02:00",
    ]
    # a zone without daylight saving time never shows one
    shanghai = ZoneInfo("Asia/Shanghai")
    for month in range(1, 13):
        assert fmt(datetime(2025, month, 15, 10, tzinfo=shanghai)) == f"2025-{month:02d}-15 10:00"


def test_the_repeated_hour_in_october_shows_which_occurrence(tmp_path: Path) -> None:
    """02:40 CEST + 30 min is the second 02:10 (CET): both carry their offsets."""
    rules = load_ruleset(berlin_with_quick(tmp_path))
    report = evaluate(rules, [opened("2025-10-26T02:40:00+02:00")], "2025-10-27T00:00:00+01:00")
    table = render_table(report, "en")
    cells = ledger_cells(table, "outage.ack", "R-1")
    assert cells[5:7] == ["2025-10-26 02:40+02:00", "2025-10-26 02:10+01:00"]


def test_explain_and_upcoming_show_the_offsets_on_the_day_the_clocks_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = berlin_with_quick(tmp_path)
    events = write_events(tmp_path / "e.jsonl", opened("2025-03-30T01:45:00+01:00"))
    code, out, _ = run(
        capsys, "explain", rules, events, "--rule", "outage.ack", "--key", "R-1",
        "--as-of", "2025-03-30T04:00:00+02:00",
    )  # fmt: skip
    assert code == EXIT_OK
    assert "  trigger: request_opened E1 at 2025-03-30 01:45+01:00" in out
    assert "→ 2025-03-30 03:15+02:00" in out
    code, out, _ = run(
        capsys, "upcoming", rules, events, "--now", "2025-03-30T03:00:00+02:00", "--within", "1h"
    )
    assert code == EXIT_OK
    row = next(ln for ln in out.splitlines() if ln.startswith("outage.ack"))
    assert "2025-03-30 03:15+02:00" in row
    assert "15min" in row  # 03:00 CEST to 03:15 CEST


# =========================================================================== 2. hints, dates


def test_error_hints_suggest_the_contract_s_own_offset_for_that_date(tmp_path: Path) -> None:
    from contract_rules.errors import ContractRulesError, EventError

    rules = load_ruleset(BERLIN)
    with pytest.raises(EventError) as naive:
        evaluate(rules, [opened("2025-07-01T10:00:00")], "2025-08-01T00:00:00+02:00")
    assert "write e.g. 2025-07-01T10:00:00+02:00, or declare" in str(naive.value)
    with pytest.raises(EventError) as bad:
        evaluate(rules, [opened("1 July 2025")], "2025-08-01T00:00:00+02:00")
    assert "e.g. 2025-03-03T10:00:00+01:00" in str(bad.value)
    with pytest.raises(ContractRulesError) as as_of:
        evaluate(rules, [], "2025-07-01T10:00")
    assert "give one, e.g. 2025-07-01T10:00:00+02:00" in str(as_of.value)
    with pytest.raises(ContractRulesError) as bad_as_of:
        evaluate(rules, [], "end of June")
    assert "e.g. 2025-12-31T00:00:00+01:00" in str(bad_as_of.value)


def test_cli_hints_name_the_option_and_the_contract_s_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_events(tmp_path / "e.jsonl", opened("2025-07-01T10:00:00+02:00"))
    code, out, err = run(capsys, "eval", BERLIN, events, "--as-of", "2025-07-01T10:00")
    assert (code, out) == (2, "")
    assert err == (
        "contract-rules: --as-of 2025-07-01T10:00:00 has no offset; give one, e.g. "
        "2025-07-01T10:00:00+02:00 (Europe/Berlin), or a date alone for the start of that day\n"
    )
    code, out, err = run(capsys, "upcoming", BERLIN, events, "--now", "2025-01-10T09:00")
    assert (code, out) == (2, "")
    assert (
        "--now 2025-01-10T09:00:00 has no offset; give one, e.g. 2025-01-10T09:00:00+01:00" in err
    )


def test_a_bare_date_is_the_start_of_that_day_in_the_contract_s_zone_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--as-of``, ``evaluate(as_of=...)`` and ``plot_timeline`` read ``2025-03-30`` alike: 00:00
    in Berlin (+01:00 that day)."""
    from datetime import date

    from contract_rules.notebook import timeline_data

    rules = load_ruleset(BERLIN)
    events = [opened("2025-03-28T15:00:00+01:00")]
    by_text = evaluate(rules, events, "2025-03-30")
    assert by_text.as_of.isoformat() == "2025-03-30T00:00:00+01:00"
    assert evaluate(rules, events, date(2025, 3, 30)).to_json() == by_text.to_json()
    path = write_events(tmp_path / "e.jsonl", *events)
    code, out, err = run(capsys, "eval", BERLIN, path, "--as-of", "2025-03-30", "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    assert json.loads(out) == json.loads(by_text.to_json())
    code, out, _ = run(capsys, "upcoming", BERLIN, path, "--now", "2025-03-31", "--within", "1d")
    assert code == EXIT_OK
    assert out.startswith("Due within 1d of 2025-03-31T00:00+02:00")
    window = timeline_data(by_text, start="2025-03-27", end=date(2025, 3, 30))
    assert (window.lo.isoformat(), window.hi.isoformat()) == (
        "2025-03-27T00:00:00+01:00",
        "2025-03-30T00:00:00+01:00",
    )


# =========================================================================== 3. language


def english_only(tmp_path: Path) -> Path:
    """The Berlin contract with neither a Chinese title nor a ``language``."""
    lines = BERLIN.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(("    zh: 托管", "  language: en"))]
    assert len(kept) == len(lines) - 2
    path = tmp_path / "english_only.yaml"
    path.write_text("".join(kept), encoding="utf-8")
    return path


def test_an_english_only_contract_keeps_its_english_title_and_speaks_english_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = english_only(tmp_path)
    events = write_events(tmp_path / "e.jsonl", opened("2025-04-17T15:00:00+02:00"))
    at = "2025-04-18T00:00:00+02:00"
    title = "Managed Hosting — Service Level Agreement (Berlin)"
    code, out, _ = run(capsys, "eval", rules, events, "--as-of", at, "--lang", "zh")
    assert code == EXIT_OK
    assert out.splitlines()[0] == f"履约评估报告: {title}"
    code, out, _ = run(
        capsys, "eval", rules, events, "--as-of", at, "--lang", "zh",
        "--format", "markdown",
    )  # fmt: skip
    assert out.splitlines()[0] == f"# 履约评估报告: {title}"
    code, out, _ = run(
        capsys, "eval", rules, events, "--as-of", at, "--lang", "zh", "--format", "html"
    )
    assert f"<title>{title}" in out or f">{title}<" in out
    # without --lang: the rule file sets no language and has English titles only
    code, out, _ = run(
        capsys, "explain", rules, events, "--as-of", at,
        "--rule", "support.response", "--key", "R-1",
    )  # fmt: skip
    assert code == EXIT_OK
    assert out.splitlines()[1].startswith("  clause 2.1 · binding · provider")
    assert "  trigger: request_opened E1 at 2025-04-17 15:00+02:00" in out
    code, out, _ = run(capsys, "eval", rules, events, "--as-of", at)
    assert out.splitlines()[0] == f"Evaluation report: {title}"


# =========================================================================== 4. upcoming


def test_upcoming_counts_a_working_day_deadline_in_working_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opened Thu 2025-04-17 15:00, due at the end of the 2nd working day after it (Wed 04-23
    24:00: Good Friday and Easter Monday are holidays). At Tue 12:00 half of the first of the two
    working days is gone: 25 % (in clock time it would be 117 h of 153 h, 76 %)."""
    events = write_events(tmp_path / "e.jsonl", opened("2025-04-17T15:00:00+02:00"))
    argv = ("upcoming", BERLIN, events, "--within", "3d", "--format", "json")
    code, out, _ = run(capsys, *argv, "--now", "2025-04-22T12:00:00+02:00")
    assert code == EXIT_OK
    (change,) = [d for d in json.loads(out) if d["rule"] == "change.standard"]
    assert (change["measure"], change["share_used"], change["warning"]) == (
        "working_days",
        0.25,
        None,
    )
    # Wednesday 18:00: 1 + 18/24 of 2 working days
    code, out, _ = run(capsys, *argv, "--now", "2025-04-23T18:00:00+02:00")
    (change,) = [d for d in json.loads(out) if d["rule"] == "change.standard"]
    assert (change["share_used"], change["warning"]) == (0.875, 75)


# =========================================================================== 5. skipped days


def test_explain_names_the_non_working_days_a_working_time_deadline_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Easter 2025 in Berlin: Good Friday, the weekend and Easter Monday, for the 4 working
    hours and for the 2 working days alike (the holidays package names the days)."""
    events = write_events(tmp_path / "e.jsonl", opened("2025-04-17T15:00:00+02:00", "R-0417"))
    skipped = (
        "  non-working days skipped: Good Friday 2025-04-18, weekend 2025-04-19 – 2025-04-20, "
        "Easter Monday 2025-04-21"
    )
    for rule in ("support.response", "change.standard"):
        code, out, _ = run(
            capsys, "explain", BERLIN, events, "--as-of", "2025-04-30T00:00:00+02:00",
            "--rule", rule, "--key", "R-0417",
        )  # fmt: skip
        assert code == EXIT_OK
        steps = out.split("How the status was decided:\n")[1].split("\n\n")[0]
        assert skipped in steps.splitlines()
    code, out, _ = run(
        capsys, "explain", BERLIN, events, "--as-of", "2025-04-30T00:00:00+02:00",
        "--rule", "change.standard", "--key", "R-0417", "--lang", "zh",
    )  # fmt: skip
    assert "  跳过的非工作日: Good Friday 2025-04-18, 周末 2025-04-19 – 2025-04-20, " in out


def test_explain_names_the_chinese_days_off_from_the_announced_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Tacheng payment (5 working days after the term's end) skips one weekend; a Saturday
    inside the Spring Festival run is named 春节, a Xinjiang day off by its festivals."""
    from datetime import date

    from contract_rules.skipped_days import day_name

    code, out, _ = run(
        capsys, "explain", ROOT / "rules" / "tacheng_2024.yaml",
        ROOT / "examples" / "tacheng_events_2025.jsonl",
        "--as-of", "2025-12-31T00:00:00+08:00", "--rule", "payment.annual_fee",
    )  # fmt: skip
    assert code == EXIT_OK
    assert "  跳过的非工作日: 周末 2025-11-22 – 2025-11-23" in out.splitlines()
    tacheng = load_ruleset(ROOT / "rules" / "tacheng_2024.yaml")
    assert day_name(tacheng, date(2025, 2, 1), "zh") == "春节"
    assert day_name(tacheng, date(2025, 2, 1), "en") == "Chinese New Year (Spring Festival)"
    assert day_name(tacheng, date(2025, 3, 29), "zh") == "肉孜节/古尔邦节"
    assert day_name(tacheng, date(2025, 3, 8), "zh") == "周末"
